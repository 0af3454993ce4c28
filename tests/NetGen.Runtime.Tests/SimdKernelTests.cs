using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// The vectorized element-wise paths against their scalar references, bit for bit where the vector code repeats the
    /// scalar operations, at lengths around the vector widths (and 16, the block of the dropout masks).
    /// </summary>
    public abstract class SimdKernelTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static IEnumerable<object[]> MaskLengths()
        {
            foreach (int length in new[] { 0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100 })
            {
                yield return [length];
            }
        }

        [Theory]
        [MemberData(nameof(MaskLengths))]
        public void Dropout_masks_are_the_scalar_sequence_of_uniforms(int length)
        {
            foreach (double rate in new[] { 0.0, 0.2, 0.5, 0.9 })
            {
                var random = new NetGenRandom(11, 1);
                var replay = new NetGenRandom(11, 1);
                T[] x = TestMath.To<T>(TestMath.Uniform(length, 3));
                T[] mask = new T[length], y = new T[length];
                Dropout.ForwardTraining<T>(x, mask, y, T.CreateTruncating(rate), random);

                T scale = T.One / (T.One - T.CreateTruncating(rate));
                for (int i = 0; i < length; i++)
                {
                    T expected = replay.NextDouble() < double.CreateTruncating(T.CreateTruncating(rate)) ? T.Zero : scale;
                    Assert.Equal(expected, mask[i]);
                    Assert.Equal(x[i] * expected, y[i]);
                }

                Assert.Equal(replay.State, random.State);
            }
        }

        [Theory]
        [MemberData(nameof(MaskLengths))]
        public void Dropout_masks_of_every_vector_width_are_the_scalar_sequence(int length)
        {
            foreach (int width in new[] { 512, 256 })
            {
                if (width > DropoutMasks.BestWidth)
                {
                    continue;
                }

                foreach (double rate in new[] { 0.0, 0.2, 0.5, 0.9 })
                {
                    var random = new NetGenRandom(13, 1);
                    var replay = new NetGenRandom(13, 1);
                    T[] mask = new T[length];
                    T scale = T.One / (T.One - T.CreateTruncating(rate));
                    double threshold = double.CreateTruncating(T.CreateTruncating(rate));
                    int drawn = DropoutMasks.Fill(random, threshold, scale, mask, width);
                    Assert.Equal(length - (length % (width / 32)), drawn);
                    for (int i = 0; i < drawn; i++)
                    {
                        T expected = replay.NextDouble() < threshold ? T.Zero : scale;
                        Assert.True(expected == mask[i], $"width {width}, rate {rate}, [{i}]: expected {expected}, got {mask[i]}");
                    }

                    Assert.Equal(replay.State, random.State);
                }
            }
        }

        [Theory]
        [InlineData(1, 8)]
        [InlineData(2, 7)]
        [InlineData(5, 9)]
        [InlineData(3, 16)]
        [InlineData(128, 17)]
        [InlineData(4, 33)]
        [InlineData(7, 300)]
        [InlineData(2, 1100)]
        public void BatchNorm_by_rows_equals_the_per_feature_loops_bit_for_bit(int batch, int features)
        {
            // [batch × features] with spatial 1 takes the row path; the same values laid out as [1 × features × batch]
            // (spatial = batch) go through the per-feature reference loops, in the same order of operations.
            double[] values = TestMath.Uniform(batch * features, 21, -3, 3);
            T[] x = TestMath.To<T>(values), xT = Transpose(x, batch, features);
            T[] gamma = TestMath.To<T>(TestMath.Uniform(features, 22, 0.5, 1.5)), beta = TestMath.To<T>(TestMath.Uniform(features, 23));
            T momentum = T.CreateTruncating(0.9), epsilon = T.CreateTruncating(1e-5);

            T[] mean = TestMath.To<T>(TestMath.Uniform(features, 24)), variance = TestMath.To<T>(TestMath.Uniform(features, 25, 0.5, 2));
            T[] meanT = (T[])mean.Clone(), varianceT = (T[])variance.Clone();
            T[] xHat = new T[x.Length], xHatT = new T[x.Length], y = new T[x.Length], yT = new T[x.Length];
            T[] inverseStd = new T[features], inverseStdT = new T[features];
            BatchNorm.ForwardTraining<T>(x, gamma, beta, mean, variance, xHat, inverseStd, y, batch, features, 1, momentum, epsilon);
            BatchNorm.ForwardTrainingPerFeature<T>(xT, gamma, beta, meanT, varianceT, xHatT, inverseStdT, yT, 1, features, batch, momentum, epsilon);
            Assert.Equal(meanT, mean);
            Assert.Equal(varianceT, variance);
            Assert.Equal(inverseStdT, inverseStd);
            Assert.Equal(xHatT, Transpose(xHat, batch, features));
            Assert.Equal(yT, Transpose(y, batch, features));

            T[] dy = TestMath.To<T>(TestMath.Uniform(x.Length, 26));
            T[] dgamma = TestMath.To<T>(TestMath.Uniform(features, 27)), dbeta = TestMath.To<T>(TestMath.Uniform(features, 28));
            T[] dgammaT = (T[])dgamma.Clone(), dbetaT = (T[])dbeta.Clone(), dx = new T[x.Length], dxT = new T[x.Length];
            BatchNorm.Backward<T>(xHat, inverseStd, gamma, dy, dgamma, dbeta, dx, batch, features, 1);
            BatchNorm.BackwardPerFeature<T>(xHatT, inverseStdT, gamma, Transpose(dy, batch, features), dgammaT, dbetaT, dxT, 1, features, batch, hasInputGradient: true);
            Assert.Equal(dgammaT, dgamma);
            Assert.Equal(dbetaT, dbeta);
            Assert.Equal(dxT, Transpose(dx, batch, features));

            T[] z = new T[x.Length], zT = new T[x.Length];
            BatchNorm.ForwardInference<T>(x, gamma, beta, mean, variance, z, batch, features, 1, epsilon);
            BatchNorm.ForwardInferencePerFeature<T>(xT, gamma, beta, mean, variance, zT, 1, features, batch, epsilon, vectors: false);
            Assert.Equal(zT, Transpose(z, batch, features));
        }

        [Theory]
        [InlineData(3, 2, 8)]
        [InlineData(2, 3, 9)]
        [InlineData(4, 2, 17)]
        [InlineData(5, 3, 33)]
        [InlineData(16, 4, 49)]
        [InlineData(8, 32, 196)]
        public void BatchNorm_over_maps_by_vectors_agrees_with_the_per_feature_loops(int batch, int features, int spatial)
        {
            // Maps of at least a vector go by vectors with partial sums: the sums round in another order, so the
            // statistics and gradients agree to rounding; inference repeats the scalar operations and agrees bit for bit.
            int length = batch * features * spatial;
            T[] x = TestMath.To<T>(TestMath.Uniform(length, 41, -3, 5));
            T[] gamma = TestMath.To<T>(TestMath.Uniform(features, 42, 0.5, 1.5)), beta = TestMath.To<T>(TestMath.Uniform(features, 43));
            T momentum = T.CreateTruncating(0.9), epsilon = T.CreateTruncating(1e-5);
            T[] mean = TestMath.To<T>(TestMath.Uniform(features, 44)), variance = TestMath.To<T>(TestMath.Uniform(features, 45, 0.5, 2));
            T[] meanR = (T[])mean.Clone(), varianceR = (T[])variance.Clone();
            T[] xHat = new T[length], xHatR = new T[length], y = new T[length], yR = new T[length];
            T[] inverseStd = new T[features], inverseStdR = new T[features];
            BatchNorm.ForwardTraining<T>(x, gamma, beta, mean, variance, xHat, inverseStd, y, batch, features, spatial, momentum, epsilon);
            BatchNorm.ForwardTrainingPerFeature<T>(x, gamma, beta, meanR, varianceR, xHatR, inverseStdR, yR, batch, features, spatial, momentum, epsilon);
            double tolerance = TestMath.Tolerance<T>() * 20;
            TestMath.AllClose(ToDouble(meanR), mean, tolerance, "runningMean");
            TestMath.AllClose(ToDouble(varianceR), variance, tolerance, "runningVariance");
            TestMath.AllClose(ToDouble(inverseStdR), inverseStd, tolerance, "inverseStd");
            TestMath.AllClose(ToDouble(xHatR), xHat, tolerance, "xHat");
            TestMath.AllClose(ToDouble(yR), y, tolerance, "y");

            T[] dy = TestMath.To<T>(TestMath.Uniform(length, 46));
            T[] dgamma = TestMath.To<T>(TestMath.Uniform(features, 47)), dbeta = TestMath.To<T>(TestMath.Uniform(features, 48));
            T[] dgammaR = (T[])dgamma.Clone(), dbetaR = (T[])dbeta.Clone(), dx = new T[length], dxR = new T[length];
            BatchNorm.Backward<T>(xHatR, inverseStdR, gamma, dy, dgamma, dbeta, dx, batch, features, spatial);
            BatchNorm.BackwardPerFeature<T>(xHatR, inverseStdR, gamma, dy, dgammaR, dbetaR, dxR, batch, features, spatial, hasInputGradient: true);
            double gradientTolerance = TestMath.Tolerance<T>() * (batch * spatial + 10);
            TestMath.AllClose(ToDouble(dgammaR), dgamma, gradientTolerance, "dgamma");
            TestMath.AllClose(ToDouble(dbetaR), dbeta, gradientTolerance, "dbeta");
            TestMath.AllClose(ToDouble(dxR), dx, gradientTolerance, "dx");

            T[] z = new T[length], zR = new T[length];
            BatchNorm.ForwardInference<T>(x, gamma, beta, meanR, varianceR, z, batch, features, spatial, epsilon);
            BatchNorm.ForwardInferencePerFeature<T>(x, gamma, beta, meanR, varianceR, zR, batch, features, spatial, epsilon, vectors: false);
            Assert.Equal(zR, z);
        }

        [Fact]
        public void Passes_over_large_maps_split_over_threads_give_the_one_thread_results()
        {
            // 2 × 4 maps of 128 × 128 (131,072 values): above the split threshold on a machine with 2 or more processors.
            const int batch = 2, features = 4, size = 128, spatial = size * size, length = batch * features * spatial;
            T[] x = TestMath.To<T>(TestMath.Uniform(length, 51, -3, 3));
            T[] gamma = TestMath.To<T>(TestMath.Uniform(features, 52, 0.5, 1.5)), beta = TestMath.To<T>(TestMath.Uniform(features, 53));
            T momentum = T.CreateTruncating(0.9), epsilon = T.CreateTruncating(1e-5);
            T[] mean = new T[features], variance = new T[features], meanOne = new T[features], varianceOne = new T[features];
            T[] xHat = new T[length], xHatOne = new T[length], y = new T[length], yOne = new T[length];
            T[] inverseStd = new T[features], inverseStdOne = new T[features];
            BatchNorm.ForwardTraining<T>(x, gamma, beta, mean, variance, xHat, inverseStd, y, batch, features, spatial, momentum, epsilon);
            BatchNorm.ForwardTrainingPlanes<T>(x, gamma, beta, meanOne, varianceOne, xHatOne, inverseStdOne, yOne, batch, features, spatial, momentum, epsilon, 0, features);
            Assert.Equal(meanOne, mean);
            Assert.Equal(varianceOne, variance);
            Assert.Equal(inverseStdOne, inverseStd);
            Assert.Equal(xHatOne, xHat);
            Assert.Equal(yOne, y);

            T[] dy = TestMath.To<T>(TestMath.Uniform(length, 54));
            T[] dgamma = new T[features], dbeta = new T[features], dx = new T[length];
            T[] dgammaOne = new T[features], dbetaOne = new T[features], dxOne = new T[length];
            BatchNorm.Backward<T>(xHat, inverseStd, gamma, dy, dgamma, dbeta, dx, batch, features, spatial);
            BatchNorm.BackwardPlanes<T>(xHat, inverseStd, gamma, dy, dgammaOne, dbetaOne, dxOne, batch, features, spatial, true, 0, features);
            Assert.Equal(dgammaOne, dgamma);
            Assert.Equal(dbetaOne, dbeta);
            Assert.Equal(dxOne, dx);

            T[] relu = new T[length], reluOne = new T[length], reluGradient = new T[length], reluGradientOne = new T[length];
            Activations.ReLU<T>(x, relu);
            System.Numerics.Tensors.TensorPrimitives.Max(x, T.Zero, reluOne);
            Assert.Equal(reluOne, relu);
            Activations.ReLUBackward<T>(x, dy, reluGradient);
            Activations.ReLUBackwardRun<T>(x, dy, reluGradientOne);
            Assert.Equal(reluGradientOne, reluGradient);

            // Pooling on values with many ties (multiples of ½ in [-2, 2]) against the definition: the first largest.
            double[] steps = Array.ConvertAll(TestMath.Uniform(length, 55, -2, 2), v => Math.Round(v * 2) / 2);
            (double[] expected, int[] expectedArgmax) = NaivePooling.Forward(steps, batch, features, size, size, 2, 2, 2, 2);
            T[] pooled = new T[expected.Length];
            int[] argmax = new int[expected.Length];
            MaxPool2D.Forward<T>(TestMath.To<T>(steps), pooled, argmax, batch, features, size, size, 2, 2);
            TestMath.AllClose(expected, pooled, 0, "pooled");
            Assert.Equal(expectedArgmax, argmax);
        }

        private static double[] ToDouble(T[] values) => Array.ConvertAll(values, v => double.CreateTruncating(v));

        [Theory]
        [MemberData(nameof(TestMath.LengthData), MemberType = typeof(TestMath))]
        public void Finite_names_the_first_non_finite_value_at_every_position(int length)
        {
            T[] values = TestMath.To<T>(TestMath.Uniform(length, 31));
            Guard.Finite<T>(values, "inputs");
            foreach (T bad in new[] { T.NaN, T.PositiveInfinity, T.NegativeInfinity })
            {
                for (int i = 0; i < length; i++)
                {
                    T saved = values[i];
                    values[i] = bad;
                    var error = Assert.Throws<ArgumentException>(() => Guard.Finite<T>(values, "inputs"));
                    Assert.StartsWith($"inputs[{i}] is ", error.Message);
                    values[i] = saved;
                }
            }
        }

        [Fact]
        public void Optimizer_steps_give_every_element_the_same_bits_in_the_vector_body_and_the_tail()
        {
            // 37 equal elements: the first are updated by the vector loop, the last by the scalar loop; the same
            // operations in the same order must give identical values.
            const int length = 37;
            IOptimizer<T>[] optimizers =
            [
                new Adam<T>(0.01), new AdamW<T>(0.01, weightDecay: 0.1), new Sgd<T>(0.1), new Sgd<T>(0.1, weightDecay: 0.01), new Sgd<T>(0.1, momentum: 0.9, weightDecay: 0.01),
                new Sgd<T>(0.1, momentum: 0.9, nesterov: true), new RMSProp<T>(0.01), new AdaGrad<T>(0.1),
            ];
            foreach (IOptimizer<T> optimizer in optimizers)
            {
                T[] parameters = new T[length], gradients = new T[length];
                parameters.AsSpan().Fill(T.CreateTruncating(0.3));
                for (int step = 1; step <= 3; step++)
                {
                    gradients.AsSpan().Fill(T.CreateTruncating(0.7 / step));
                    optimizer.Step(parameters, gradients);
                }

                for (int i = 1; i < length; i++)
                {
                    Assert.True(parameters[i] == parameters[0], $"{optimizer.GetType().Name}: [{i}] = {parameters[i]} but [0] = {parameters[0]}");
                }

                Assert.NotEqual(T.CreateTruncating(0.3), parameters[0]);
            }
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(0.01)]
        public void Sgd_steps_are_the_scalar_formula_bit_for_bit_in_every_loop(double weightDecay)
        {
            // 203 different elements: 4 vectors per loop step (plain SGD), then one vector at a time, then the scalar tail,
            // at every width; each must be θ − α·(g + λ·θ), or θ − α·g without decay, rounded as the scalar code rounds it.
            const int length = 203;
            double[] theta = TestMath.Uniform(length, 31), gradient = TestMath.Uniform(length, 32);
            T[] parameters = TestMath.To<T>(theta), gradients = TestMath.To<T>(gradient);
            new Sgd<T>(0.1, weightDecay: weightDecay).Step(parameters, gradients);
            T alpha = T.CreateTruncating(0.1), lambda = T.CreateTruncating(weightDecay);
            for (int i = 0; i < length; i++)
            {
                T p = T.CreateTruncating(theta[i]), g = T.CreateTruncating(gradient[i]);
                T expected = p - (alpha * (weightDecay == 0 ? g : g + (lambda * p)));
                Assert.True(expected == parameters[i], $"λ = {weightDecay}: [{i}] = {parameters[i]} but θ − α·g gives {expected}");
            }
        }

        [Fact]
        public void Plain_Sgd_is_the_scalar_formula_bit_for_bit_wherever_the_parameters_start()
        {
            // Slices starting at every offset of a vector: the values before the first vector boundary go one by one, each
            // once (a value stepped twice or skipped differs from θ − α·g); lengths shorter than that head included.
            double[] theta = TestMath.Uniform(240, 33), gradient = TestMath.Uniform(240, 34);
            T alpha = T.CreateTruncating(0.1);
            foreach (int length in new[] { 0, 1, 3, 7, 15, 17, 64, 100, 203 })
            {
                for (int offset = 0; offset <= 16; offset++)
                {
                    T[] parameters = TestMath.To<T>(theta), gradients = TestMath.To<T>(gradient);
                    new Sgd<T>(0.1).Step(parameters.AsSpan(offset, length), gradients.AsSpan(offset, length));
                    for (int i = 0; i < parameters.Length; i++)
                    {
                        T p = T.CreateTruncating(theta[i]);
                        T expected = i >= offset && i < offset + length ? p - (alpha * T.CreateTruncating(gradient[i])) : p;
                        Assert.True(expected == parameters[i], $"offset {offset}, length {length}: [{i}] = {parameters[i]} but expected {expected}");
                    }
                }
            }
        }

        [Theory]
        [MemberData(nameof(TestMath.LengthData), MemberType = typeof(TestMath))]
        public void Backward_activations_match_the_scalar_formulas_exactly(int length)
        {
            T[] x = TestMath.To<T>(TestMath.Uniform(length, 41)), y = TestMath.To<T>(TestMath.Uniform(length, 42, -1, 1));
            T[] dy = TestMath.To<T>(TestMath.Uniform(length, 43)), dx = new T[length];
            Activations.ReLUBackward<T>(x, dy, dx);
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(x[i] > T.Zero ? dy[i] : T.Zero, dx[i]);
            }

            Activations.TanhBackward<T>(y, dy, dx);
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(dy[i] * (T.One - (y[i] * y[i])), dx[i]);
            }

            Activations.SigmoidBackward<T>(y, dy, dx);
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(dy[i] * y[i] * (T.One - y[i]), dx[i]);
            }
        }

        private static T[] Transpose(T[] values, int rows, int columns)
        {
            var result = new T[values.Length];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    result[(c * rows) + r] = values[(r * columns) + c];
                }
            }

            return result;
        }
    }

    public sealed class SimdKernelSingleTests : SimdKernelTests<float>
    {
    }

    public sealed class SimdKernelDoubleTests : SimdKernelTests<double>
    {
    }
}
