using System;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    public sealed class InitializersTests
    {
        private const int Count = 100_000;

        public enum Kind
        {
            SmallRandom,
            LeCunNormal,
            GlorotNormal,
            GlorotUniform,
            HeNormal,
            HeUniform,
        }

        [Theory]
        [InlineData(Kind.SmallRandom, 0.0001)]
        [InlineData(Kind.LeCunNormal, 1.0 / 50)]
        [InlineData(Kind.GlorotNormal, 2.0 / (50 + 30))]
        [InlineData(Kind.GlorotUniform, 2.0 / (50 + 30))]
        [InlineData(Kind.HeNormal, 2.0 / 50)]
        [InlineData(Kind.HeUniform, 2.0 / 50)]
        public void Sample_mean_and_variance_match_the_distribution(Kind kind, double variance)
        {
            var w = new double[Count];
            Initialize<double>(kind, w, new NetGenRandom(17));
            double sum = 0, squares = 0;
            foreach (double value in w)
            {
                sum += value;
                squares += value * value;
            }

            double mean = sum / Count;
            double sampleVariance = (squares / Count) - (mean * mean);
            double sd = Math.Sqrt(variance);

            // Standard errors: mean σ/√n ≈ 0.0032σ; variance ≈ 0.0045σ² (normal), 0.0028σ² (uniform).
            Assert.InRange(mean, -0.015 * sd, 0.015 * sd);
            Assert.InRange(sampleVariance, 0.98 * variance, 1.02 * variance);
        }

        [Theory]
        [InlineData(Kind.GlorotUniform, 50, 30)]
        [InlineData(Kind.HeUniform, 50, 0)]
        public void Uniform_initializers_stay_within_the_limit_and_fill_it(Kind kind, int fanIn, int fanOut)
        {
            double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
            var w = new double[Count];
            Initialize<double>(kind, w, new NetGenRandom(3));
            double min = double.MaxValue, max = double.MinValue;
            foreach (double value in w)
            {
                min = Math.Min(min, value);
                max = Math.Max(max, value);
            }

            Assert.InRange(min, -limit, -0.999 * limit);
            Assert.InRange(max, 0.999 * limit, limit);
        }

        [Theory]
        [InlineData(Kind.SmallRandom)]
        [InlineData(Kind.LeCunNormal)]
        [InlineData(Kind.GlorotNormal)]
        [InlineData(Kind.GlorotUniform)]
        [InlineData(Kind.HeNormal)]
        [InlineData(Kind.HeUniform)]
        public void The_same_seed_gives_the_same_weights_in_both_precisions(Kind kind)
        {
            var first = new double[257];
            var second = new double[257];
            var single = new float[257];
            var other = new double[257];
            Initialize<double>(kind, first, new NetGenRandom(42, 1));
            Initialize<double>(kind, second, new NetGenRandom(42, 1));
            Initialize<float>(kind, single, new NetGenRandom(42, 1));
            Initialize<double>(kind, other, new NetGenRandom(43, 1));
            Assert.Equal(first, second);
            for (int i = 0; i < first.Length; i++)
            {
                Assert.Equal((float)first[i], single[i]);
            }

            Assert.NotEqual(first, other);
        }

        [Fact]
        public void HeNormal_is_the_scaled_normal_sequence_in_element_order()
        {
            var w = new double[33];
            Initializers.HeNormal<double>(w, 8, new NetGenRandom(5));
            var reference = new NetGenRandom(5);
            foreach (double value in w)
            {
                Assert.Equal(Math.Sqrt(2.0 / 8) * reference.NextNormal(), value);
            }
        }

        [Fact]
        public void GlorotUniform_is_the_scaled_uniform_sequence_in_element_order()
        {
            var w = new double[33];
            Initializers.GlorotUniform<double>(w, 8, 4, new NetGenRandom(5));
            var reference = new NetGenRandom(5);
            foreach (double value in w)
            {
                Assert.Equal(Math.Sqrt(6.0 / 12) * ((2 * reference.NextDouble()) - 1), value);
            }
        }

        [Fact]
        public void Zeros_and_Fill_set_every_value()
        {
            float[] w = [1, 2, 3, 4, 5, 6, 7, 8, 9];
            Initializers.Zeros<float>(w);
            Assert.All(w, value => Assert.Equal(0f, value));
            Initializers.Fill<float>(w, 0.25f);
            Assert.All(w, value => Assert.Equal(0.25f, value));
        }

        [Fact]
        public void Fans_must_be_positive()
        {
            var random = new NetGenRandom(1);
            Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.HeNormal<double>(new double[3], 0, random));
            Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.GlorotUniform<double>(new double[3], 4, -1, random));
        }

        private static void Initialize<T>(Kind kind, Span<T> w, NetGenRandom random)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            switch (kind)
            {
                case Kind.SmallRandom: Initializers.SmallRandom(w, random); break;
                case Kind.LeCunNormal: Initializers.LeCunNormal(w, 50, random); break;
                case Kind.GlorotNormal: Initializers.GlorotNormal(w, 50, 30, random); break;
                case Kind.GlorotUniform: Initializers.GlorotUniform(w, 50, 30, random); break;
                case Kind.HeNormal: Initializers.HeNormal(w, 50, random); break;
                case Kind.HeUniform: Initializers.HeUniform(w, 50, random); break;
                default: throw new ArgumentOutOfRangeException(nameof(kind));
            }
        }
    }
}
