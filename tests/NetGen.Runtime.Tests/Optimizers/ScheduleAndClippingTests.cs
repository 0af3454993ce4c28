using System;
using System.Linq;
using NetGen.Optimizers;

namespace NetGen.Runtime.Tests.Optimizers
{
    public class ScheduleTests
    {
        [Fact]
        public void Constant_IsAlpha0()
        {
            var schedule = new ConstantLearningRate(0.3);
            Assert.Equal(0.3, schedule.RateAt(0));
            Assert.Equal(0.3, schedule.RateAt(100));
        }

        [Fact]
        public void StepDecay_HalvesEveryTwoEpochs()
        {
            // α₀ = 0.1, γ = 0.5, s = 2: t = 0, 1 → 0.1; t = 2, 3 → 0.05; t = 4 → 0.025.
            var schedule = new StepDecay(0.1, 0.5, 2);
            Assert.Equal(new[] { 0.1, 0.1, 0.05, 0.05, 0.025 }, new[] { 0, 1, 2, 3, 4 }.Select(schedule.RateAt));
        }

        [Fact]
        public void ExponentialDecay_IsAlpha0TimesExpMinusKt()
        {
            // α₀ = 0.1, k = 0.5: t = 0 → 0.1, t = 2 → 0.1·e⁻¹ = 0.0367879441…
            var schedule = new ExponentialDecay(0.1, 0.5);
            Assert.Equal(0.1, schedule.RateAt(0), 1e-15);
            Assert.Equal(0.036787944117144235, schedule.RateAt(2), 1e-15);
        }

        [Fact]
        public void InverseTimeDecay_IsAlpha0Over1PlusKt()
        {
            // α₀ = 0.1, k = 0.5: t = 2 → 0.1/2 = 0.05, t = 4 → 0.1/3.
            var schedule = new InverseTimeDecay(0.1, 0.5);
            Assert.Equal(0.1, schedule.RateAt(0), 1e-15);
            Assert.Equal(0.05, schedule.RateAt(2), 1e-15);
            Assert.Equal(0.1 / 3, schedule.RateAt(4), 1e-15);
        }

        [Fact]
        public void Cosine_GoesFromAlpha0ToMinimum()
        {
            // α₀ = 0.1, T = 4: t = 0 → 0.1; t = 1 → 0.05·(1 + cos π/4) = 0.0853553…; t = 2 → 0.05; t = 4 → 0; after T: 0.
            var schedule = new CosineAnnealing(0.1, 4);
            Assert.Equal(0.1, schedule.RateAt(0), 1e-15);
            Assert.Equal(0.08535533905932738, schedule.RateAt(1), 1e-15);
            Assert.Equal(0.05, schedule.RateAt(2), 1e-15);
            Assert.Equal(0.0, schedule.RateAt(4), 1e-15);
            Assert.Equal(0.0, schedule.RateAt(10), 1e-15);

            var floor = new CosineAnnealing(0.1, 4, minimumRate: 0.01);
            Assert.Equal(0.055, floor.RateAt(2), 1e-15);
            Assert.Equal(0.01, floor.RateAt(7), 1e-15);
        }

        [Fact]
        public void NegativeEpoch_Throws()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecay(0.1, 0.1).RateAt(-1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(0.1, 1.5, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealing(0.1, 0));
        }
    }

    public class ClippingTests
    {
        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(15)]
        [InlineData(16)]
        [InlineData(17)]
        [InlineData(33)]
        [InlineData(1000)]
        [InlineData(235_146)]
        public void GlobalNorm_by_vectors_matches_the_sum_in_double_at_every_length(int length)
        {
            double[] values = TestMath.Uniform(length, 61, -2, 2);
            float[] single = Array.ConvertAll(values, v => (float)v);
            double expectedDouble = Math.Sqrt(values.Sum(v => v * v));
            double expectedSingle = Math.Sqrt(single.Sum(v => (double)v * v));
            Assert.Equal(expectedDouble, GradientClipping.GlobalNorm<double>(values), 1e-12 * Math.Max(1, expectedDouble));
            Assert.Equal(expectedSingle, GradientClipping.GlobalNorm<float>(single), 1e-12 * Math.Max(1, expectedSingle));

            if (length > 0)
            {
                single[length - 1] = float.NaN;
                Assert.True(double.IsNaN(GradientClipping.GlobalNorm<float>(single)));
                single[0] = float.PositiveInfinity;
                Assert.False(double.IsFinite(GradientClipping.GlobalNorm<float>(single)));
            }
        }

        [Fact]
        public void GlobalNorm_RescalesToThreshold()
        {
            // ‖(3, 4)‖ = 5 > 1: g ← (3, 4)/5 = (0.6, 0.8).
            double[] g = { 3, 4 };
            double norm = GradientClipping.ClipByGlobalNorm<double>(g, 1.0);
            Assert.Equal(5, norm, 1e-15);
            Assert.Equal(0.6, g[0], 1e-15);
            Assert.Equal(0.8, g[1], 1e-15);
        }

        [Fact]
        public void GlobalNorm_BelowThreshold_Unchanged()
        {
            float[] g = { 3, 4 };
            double norm = GradientClipping.ClipByGlobalNorm<float>(g, 10.0);
            Assert.Equal(5, norm, 1e-6);
            Assert.Equal(new float[] { 3, 4 }, g);
        }

        [Fact]
        public void GlobalNorm_NaN_ReturnsNaNAndChangesNothing()
        {
            double[] g = { 3, double.NaN };
            Assert.True(double.IsNaN(GradientClipping.ClipByGlobalNorm<double>(g, 1.0)));
            Assert.Equal(3, g[0]);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(7)]
        [InlineData(16)]
        [InlineData(17)]
        [InlineData(63)]
        [InlineData(1000)]
        [InlineData(235_146)]
        public void GlobalNorm_Vectorized_MatchesTheScalarSum_AndSeesEveryNonFiniteValue(int length)
        {
            var random = new Random(length);
            var f = new float[length];
            var d = new double[length];
            double sumF = 0, sumD = 0;
            for (int i = 0; i < length; i++)
            {
                f[i] = (float)((random.NextDouble() - 0.5) * 3);
                d[i] = (random.NextDouble() - 0.5) * 3;
                sumF += (double)f[i] * f[i];
                sumD += d[i] * d[i];
            }

            Assert.Equal(Math.Sqrt(sumF), GradientClipping.GlobalNorm<float>(f), Math.Sqrt(sumF) * 1e-13);
            Assert.Equal(Math.Sqrt(sumD), GradientClipping.GlobalNorm<double>(d), Math.Sqrt(sumD) * 1e-13);

            // A NaN or ∞ anywhere (in a vector or in the scalar tail) shows in the norm.
            foreach (int at in new[] { 0, length / 2, length - 1 })
            {
                float savedF = f[at];
                double savedD = d[at];
                f[at] = float.NaN;
                d[at] = double.PositiveInfinity;
                Assert.True(double.IsNaN(GradientClipping.GlobalNorm<float>(f)));
                Assert.True(double.IsPositiveInfinity(GradientClipping.GlobalNorm<double>(d)));
                f[at] = savedF;
                d[at] = savedD;
            }
        }

        [Fact]
        public void ByValue_Clamps()
        {
            double[] g = { -2, 0.5, 3, -1 };
            int changed = GradientClipping.ClipByValue<double>(g, 1.0);
            Assert.Equal(2, changed);
            Assert.Equal(new[] { -1, 0.5, 1, -1 }, g);
        }

        [Fact]
        public void InvalidThreshold_Throws()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm<double>(new double[1], 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByValue<double>(new double[1], -1));
        }
    }
}
