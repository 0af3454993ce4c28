using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// The light passes over a dense layer's activations (BatchNorm over rows, ReLU, dropout, softmax and its cross-entropy) split over two threads give
    /// the bits of one thread, and dropout leaves its generator where one thread leaves it. The grains are set to one value
    /// so that even the smallest shapes split; the tests run alone (the grain and the thread count are process-wide).
    /// </summary>
    [Collection(AllThreadsCollection.Name)]
    public abstract class LightPassSplitTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static IEnumerable<object[]> Shapes()
        {
            // features: below two vectors (no split), not a multiple of the vector width, the Fashion MLP's widths.
            int[][] shapes = [[1, 8], [3, 17], [129, 33], [1, 70], [3, 256], [129, 128], [128, 256], [2, 9]];
            foreach (int[] shape in shapes)
            {
                yield return [shape[0], shape[1]];
            }
        }

        public static IEnumerable<object[]> Lengths()
        {
            foreach (int n in new[] { 1, 15, 63, 64, 65, 129, 1000, 4097, 32768 + 5 })
            {
                yield return [n];
            }
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Dense_BatchNorm_forward_and_backward_give_the_same_bits_on_two_threads(int batch, int features)
        {
            (T[][] one, T[][] two) = OnOneAndTwoThreads(() => BatchNormStep(batch, features, nanAt: -1));
            AssertSameBits(one, two);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(16)]
        [InlineData(3 * 33 + 32)]
        public void Dense_BatchNorm_NaN_stays_in_its_feature_on_two_threads(int nanAt)
        {
            const int batch = 5, features = 33;
            (T[][] one, T[][] two) = OnOneAndTwoThreads(() => BatchNormStep(batch, features, nanAt));
            AssertSameBits(one, two);
            int feature = nanAt % features;

            // [1] running variance, [3] y, [5] dgamma
            for (int f = 0; f < features; f++)
            {
                Assert.Equal(f == feature, T.IsNaN(two[1][f]));
                Assert.Equal(f == feature, T.IsNaN(two[5][f]));
                Assert.Equal(f == feature, T.IsNaN(two[3][(2 * features) + f]));
            }
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void ReLU_and_its_backward_give_the_same_bits_on_two_threads(int n)
        {
            T[] x = TestMath.To<T>(TestMath.Uniform(n, 31, -1, 1)), dy = TestMath.To<T>(TestMath.Uniform(n, 32, -1, 1));
            x[n / 2] = T.NaN;
            (T[][] one, T[][] two) = OnOneAndTwoThreads(() =>
            {
                T[] y = TestMath.Garbage<T>(n), dx = TestMath.Garbage<T>(n);
                Activations.ReLU<T>(x, y);
                Activations.ReLUBackward<T>(x, dy, dx);
                return [y, dx];
            });
            AssertSameBits(one, two);
            Assert.True(T.IsNaN(two[0][n / 2]));
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void Dropout_draws_the_same_masks_and_leaves_the_generator_in_the_same_state_on_two_threads(int n)
        {
            T[] x = TestMath.To<T>(TestMath.Uniform(n, 41, -1, 1)), dy = TestMath.To<T>(TestMath.Uniform(n, 42, -1, 1));
            x[n - 1] = T.NaN;
            (T[][] one, T[][] two) = OnOneAndTwoThreads(() =>
            {
                var random = new NetGenRandom(11, 5);
                random.NextDouble(); // a state that is not the seed's
                T[] mask = TestMath.Garbage<T>(n), y = TestMath.Garbage<T>(n), dx = TestMath.Garbage<T>(n), inPlace = (T[])x.Clone();
                Dropout.ForwardTraining<T>(x, mask, y, T.CreateTruncating(0.3), random);
                ulong after = random.State;
                Dropout.ForwardTraining<T>(inPlace, TestMath.Garbage<T>(n), inPlace, T.CreateTruncating(0.3), random);
                Dropout.Backward<T>(mask, dy, dx);
                return [mask, y, dx, inPlace, Words(after), Words(random.State)];
            });
            AssertSameBits(one, two);
            var reference = new NetGenRandom(11, 5);
            reference.NextDouble();
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(reference.NextDouble() < 0.3 ? T.Zero : T.One / (T.One - T.CreateTruncating(0.3)), two[0][i]);
            }
        }

        [Theory]
        [InlineData(1, 10, -1)]
        [InlineData(3, 10, -1)]
        [InlineData(129, 10, -1)]
        [InlineData(128, 10, 5 * 10 + 3)]
        [InlineData(5, 1, -1)]
        [InlineData(7, 3, 4)]
        public void Softmax_and_its_cross_entropy_give_the_same_bits_on_two_threads(int batch, int classes, int nanAt)
        {
            int length = batch * classes;
            T[] logits = TestMath.To<T>(TestMath.Uniform(length, 61, -8, 8));
            if (nanAt >= 0)
            {
                logits[nanAt] = T.NaN;
            }

            // one-hot rows, and rows that are distributions (with zeros in them)
            T[] oneHot = new T[length], spread = TestMath.To<T>(TestMath.Uniform(length, 62, 0, 1));
            for (int s = 0; s < batch; s++)
            {
                oneHot[(s * classes) + (s % classes)] = T.One;
                spread[(s * classes) + ((s + 1) % classes)] = T.Zero;
            }

            (T[][] one, T[][] two) = OnOneAndTwoThreads(() =>
            {
                T[] p = TestMath.Garbage<T>(length), d1 = TestMath.Garbage<T>(length), d2 = TestMath.Garbage<T>(length);
                Activations.Softmax<T>(logits, p, batch, classes);
                T a = Losses.SoftmaxCrossEntropy<T>(logits, p, oneHot, d1, batch, classes);
                T b = Losses.SoftmaxCrossEntropy<T>(logits, p, spread, d2, batch, classes);
                T c = Losses.SoftmaxCrossEntropy<T>(logits, ReadOnlySpan<T>.Empty, spread, Span<T>.Empty, batch, classes);
                return [p, d1, d2, [a, b, c]];
            });
            AssertSameBits(one, two);
            Assert.Equal(nanAt >= 0, T.IsNaN(two[3][0]));
        }

        [Fact]
        public void The_Fashion_MLP_passes_on_two_threads_allocate_nothing_after_warm_up()
        {
            const int batch = 128, features = 256;
            T[] x = TestMath.To<T>(TestMath.Uniform(batch * features, 51)), gamma = TestMath.To<T>(TestMath.Uniform(features, 52, 0.5, 2)), beta = new T[features];
            T[] mean = new T[features], variance = new T[features], inverseStd = new T[features], xHat = new T[x.Length], y = new T[x.Length], r = new T[x.Length], mask = new T[x.Length], d = new T[x.Length];
            T[] dgamma = new T[features], dbeta = new T[features], probabilities = new T[batch * 10], targets = new T[batch * 10], dLogits = new T[batch * 10];
            var random = new NetGenRandom(3);
            T momentum = T.CreateTruncating(0.9), epsilon = T.CreateTruncating(1e-5), rate = T.CreateTruncating(0.2);
            int before = NetGenOptions.MaxDegreeOfParallelism;
            try
            {
                NetGenOptions.MaxDegreeOfParallelism = 2;
                AllThreadsAllocationTests.AssertNoAllocation(() =>
                {
                    BatchNorm.ForwardTraining<T>(x, gamma, beta, mean, variance, xHat, inverseStd, y, batch, features, 1, momentum, epsilon);
                    Activations.ReLU<T>(y, r);
                    Dropout.ForwardTraining<T>(r, mask, r, rate, random);
                    Dropout.Backward<T>(mask, r, d);
                    Activations.ReLUBackward<T>(y, d, d);
                    BatchNorm.Backward<T>(xHat, inverseStd, gamma, d, dgamma, dbeta, d, batch, features, 1);
                    Activations.Softmax<T>(x.AsSpan(0, batch * 10), probabilities, batch, 10);
                    Losses.SoftmaxCrossEntropy<T>(x.AsSpan(0, batch * 10), probabilities, targets, dLogits, batch, 10);
                });
            }
            finally
            {
                NetGenOptions.MaxDegreeOfParallelism = before;
            }
        }

        /// <summary>BatchNorm forward then backward on one dense batch; every output, in a fixed order.</summary>
        private static T[][] BatchNormStep(int batch, int features, int nanAt)
        {
            int length = batch * features;
            T[] x = TestMath.To<T>(TestMath.Uniform(length, length, -3, 5));
            if (nanAt >= 0)
            {
                x[nanAt] = T.NaN;
            }

            T[] gamma = TestMath.To<T>(TestMath.Uniform(features, 1, 0.5, 2)), beta = TestMath.To<T>(TestMath.Uniform(features, 2));
            T[] runningMean = TestMath.To<T>(TestMath.Uniform(features, 3)), runningVariance = TestMath.To<T>(TestMath.Uniform(features, 4, 0.5, 2));
            T[] xHat = TestMath.Garbage<T>(length), inverseStd = TestMath.Garbage<T>(features), y = TestMath.Garbage<T>(length);
            BatchNorm.ForwardTraining<T>(x, gamma, beta, runningMean, runningVariance, xHat, inverseStd, y, batch, features, 1, T.CreateTruncating(0.9), T.CreateTruncating(1e-5));

            T[] dy = TestMath.To<T>(TestMath.Uniform(length, 5, -1, 1));
            T[] dgamma = TestMath.To<T>(TestMath.Uniform(features, 6)), dbeta = TestMath.To<T>(TestMath.Uniform(features, 7)), dx = TestMath.Garbage<T>(length);
            BatchNorm.Backward<T>(xHat, inverseStd, gamma, dy, dgamma, dbeta, dx, batch, features, 1);
            T[] dgammaOnly = new T[features], dbetaOnly = new T[features];
            BatchNorm.Backward<T>(xHat, inverseStd, gamma, dy, dgammaOnly, dbetaOnly, Span<T>.Empty, batch, features, 1);
            return [runningMean, runningVariance, inverseStd, y, xHat, dgamma, dbeta, dx, dgammaOnly, dbetaOnly];
        }

        /// <summary>Runs <paramref name="run"/> on one thread, then on two with every light pass split, and returns both results.</summary>
        private static (T[][] One, T[][] Two) OnOneAndTwoThreads(Func<T[][]> run)
        {
            int threads = NetGenOptions.MaxDegreeOfParallelism, light = GemmTuning.LightGrain, grain = GemmTuning.ElementGrain, exp = GemmTuning.ExpGrain;
            try
            {
                NetGenOptions.MaxDegreeOfParallelism = 1;
                T[][] one = run();
                NetGenOptions.MaxDegreeOfParallelism = 2;
                GemmTuning.LightGrain = GemmTuning.ElementGrain = GemmTuning.ExpGrain = 1;
                return (one, run());
            }
            finally
            {
                NetGenOptions.MaxDegreeOfParallelism = threads;
                GemmTuning.LightGrain = light;
                GemmTuning.ElementGrain = grain;
                GemmTuning.ExpGrain = exp;
            }
        }

        /// <summary>A generator state as four exact 16-bit values, so that it can be compared with the arrays.</summary>
        private static T[] Words(ulong state) => [T.CreateTruncating(state & 0xFFFF), T.CreateTruncating((state >> 16) & 0xFFFF), T.CreateTruncating((state >> 32) & 0xFFFF), T.CreateTruncating(state >> 48)];

        private static void AssertSameBits(T[][] one, T[][] two)
        {
            Assert.Equal(one.Length, two.Length);
            for (int a = 0; a < one.Length; a++)
            {
                Assert.Equal(one[a].Length, two[a].Length);
                for (int i = 0; i < one[a].Length; i++)
                {
                    if (!MemoryMarshal.AsBytes(one[a].AsSpan(i, 1)).SequenceEqual(MemoryMarshal.AsBytes(two[a].AsSpan(i, 1))))
                    {
                        Assert.Fail($"Output {a} differs at {i}: {one[a][i]} on one thread, {two[a][i]} on two.");
                    }
                }
            }
        }
    }

    public sealed class LightPassSplitSingleTests : LightPassSplitTests<float>
    {
    }

    public sealed class LightPassSplitDoubleTests : LightPassSplitTests<double>
    {
    }
}
