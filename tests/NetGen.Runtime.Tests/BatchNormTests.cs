using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    public abstract class BatchNormTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private const double Momentum = 0.9;
        private const double Epsilon = 1e-5;

        public static IEnumerable<object[]> Shapes()
        {
            int[][] shapes =
            [
                [1, 1, 1], [2, 3, 1], [8, 7, 1], [9, 8, 1], [16, 17, 1], [7, 9, 1], [4, 3, 5], [3, 2, 9], [5, 1, 16], [2, 4, 15],
            ];
            foreach (int[] shape in shapes)
            {
                yield return [shape[0], shape[1], shape[2]];
            }
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void ForwardTraining_matches_the_reference(int batch, int features, int spatial)
        {
            int length = batch * features * spatial;
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(length, length, -3, 5));
            double[] gamma = TestMath.Rounded<T>(TestMath.Uniform(features, 1, 0.5, 2));
            double[] beta = TestMath.Rounded<T>(TestMath.Uniform(features, 2));
            double[] mean0 = TestMath.Rounded<T>(TestMath.Uniform(features, 3));
            double[] variance0 = TestMath.Rounded<T>(TestMath.Uniform(features, 4, 0.5, 2));
            Reference reference = Forward(x, gamma, beta, batch, features, spatial);

            T[] runningMean = TestMath.To<T>(mean0);
            T[] runningVariance = TestMath.To<T>(variance0);
            T[] xHat = TestMath.Garbage<T>(length);
            T[] inverseStd = TestMath.Garbage<T>(features);
            T[] y = TestMath.Garbage<T>(length);
            BatchNorm.ForwardTraining<T>(
                TestMath.To<T>(x), TestMath.To<T>(gamma), TestMath.To<T>(beta), runningMean, runningVariance, xHat, inverseStd, y,
                batch, features, spatial, T.CreateTruncating(Momentum), T.CreateTruncating(Epsilon));

            double tolerance = TestMath.Tolerance<T>() * 20;
            TestMath.AllClose(reference.XHat, xHat, tolerance, "xHat");
            TestMath.AllClose(reference.InverseStd, inverseStd, tolerance, "inverseStd");
            TestMath.AllClose(reference.Y, y, tolerance, "y");
            var expectedMean = new double[features];
            var expectedVariance = new double[features];
            for (int f = 0; f < features; f++)
            {
                expectedMean[f] = (Momentum * mean0[f]) + ((1 - Momentum) * reference.Mean[f]);
                expectedVariance[f] = (Momentum * variance0[f]) + ((1 - Momentum) * reference.Variance[f]);
            }

            TestMath.AllClose(expectedMean, runningMean, tolerance, "runningMean");
            TestMath.AllClose(expectedVariance, runningVariance, tolerance, "runningVariance");
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void ForwardInference_uses_the_running_statistics(int batch, int features, int spatial)
        {
            int length = batch * features * spatial;
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(length, length));
            double[] gamma = TestMath.Rounded<T>(TestMath.Uniform(features, 1, 0.5, 2));
            double[] beta = TestMath.Rounded<T>(TestMath.Uniform(features, 2));
            double[] mean = TestMath.Rounded<T>(TestMath.Uniform(features, 3));
            double[] variance = TestMath.Rounded<T>(TestMath.Uniform(features, 4, 0.5, 2));
            var expected = new double[length];
            for (int s = 0; s < batch; s++)
            {
                for (int f = 0; f < features; f++)
                {
                    for (int p = 0; p < spatial; p++)
                    {
                        int i = (((s * features) + f) * spatial) + p;
                        expected[i] = (gamma[f] * (x[i] - mean[f]) / Math.Sqrt(variance[f] + Epsilon)) + beta[f];
                    }
                }
            }

            T[] y = TestMath.Garbage<T>(length);
            BatchNorm.ForwardInference<T>(
                TestMath.To<T>(x), TestMath.To<T>(gamma), TestMath.To<T>(beta), TestMath.To<T>(mean), TestMath.To<T>(variance), y,
                batch, features, spatial, T.CreateTruncating(Epsilon));
            TestMath.AllClose(expected, y, TestMath.Tolerance<T>() * 4, "y");
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Backward_matches_the_reference_formula(int batch, int features, int spatial)
        {
            int length = batch * features * spatial;
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(length, length));
            double[] gamma = TestMath.Rounded<T>(TestMath.Uniform(features, 1, 0.5, 2));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(length, 5));
            double[] dgamma0 = TestMath.Rounded<T>(TestMath.Uniform(features, 6));
            double[] dbeta0 = TestMath.Rounded<T>(TestMath.Uniform(features, 7));
            Reference reference = Forward(x, gamma, new double[features], batch, features, spatial);
            int m = batch * spatial;
            var expectedDgamma = (double[])dgamma0.Clone();
            var expectedDbeta = (double[])dbeta0.Clone();
            var expectedDx = new double[length];
            for (int f = 0; f < features; f++)
            {
                double sumDxHat = 0, sumDxHatXHat = 0;
                foreach (int i in Indexes(f, batch, features, spatial))
                {
                    expectedDgamma[f] += dy[i] * reference.XHat[i];
                    expectedDbeta[f] += dy[i];
                    sumDxHat += dy[i] * gamma[f];
                    sumDxHatXHat += dy[i] * gamma[f] * reference.XHat[i];
                }

                foreach (int i in Indexes(f, batch, features, spatial))
                {
                    expectedDx[i] = reference.InverseStd[f] / m * ((m * dy[i] * gamma[f]) - sumDxHat - (reference.XHat[i] * sumDxHatXHat));
                }
            }

            T[] dgamma = TestMath.To<T>(dgamma0);
            T[] dbeta = TestMath.To<T>(dbeta0);
            T[] dx = TestMath.Garbage<T>(length);
            BatchNorm.Backward<T>(
                TestMath.To<T>(reference.XHat), TestMath.To<T>(reference.InverseStd), TestMath.To<T>(gamma), TestMath.To<T>(dy),
                dgamma, dbeta, dx, batch, features, spatial);
            double tolerance = TestMath.Tolerance<T>() * (m + 10);
            TestMath.AllClose(expectedDgamma, dgamma, tolerance, "dgamma");
            TestMath.AllClose(expectedDbeta, dbeta, tolerance, "dbeta");
            TestMath.AllClose(expectedDx, dx, tolerance * 10, "dx");

            // Without dx: the same parameter gradients.
            T[] dgammaOnly = TestMath.To<T>(dgamma0);
            T[] dbetaOnly = TestMath.To<T>(dbeta0);
            BatchNorm.Backward<T>(
                TestMath.To<T>(reference.XHat), TestMath.To<T>(reference.InverseStd), TestMath.To<T>(gamma), TestMath.To<T>(dy),
                dgammaOnly, dbetaOnly, Span<T>.Empty, batch, features, spatial);
            Assert.Equal(dgamma, dgammaOnly);
            Assert.Equal(dbeta, dbetaOnly);
        }

        /// <summary>
        /// Maps after a convolution: the statistics from values far from zero with a small spread (where float sums lose
        /// digits) are within a few units of the last place of the exact ones, computed in double from the same values;
        /// and any range of features, as the threads split them, gives the same bits as the whole call.
        /// </summary>
        [Theory]
        [InlineData(16, 3, 196)]
        [InlineData(5, 4, 37)]
        [InlineData(128, 2, 784)]
        [InlineData(3, 5, 8)]
        public void Map_statistics_are_accurate_and_independent_of_the_feature_split(int batch, int features, int spatial)
        {
            int length = batch * features * spatial;
            double[] noise = TestMath.Uniform(length, 21, -1, 1);
            double[] x = new double[length];
            for (int i = 0; i < length; i++)
            {
                int f = (i / spatial) % features;
                x[i] = double.CreateTruncating(T.CreateTruncating((f == 0 ? 1000.0 : f == 1 ? -3.0 : 0.25 * f) + (0.01 * (f + 1) * noise[i])));
            }

            T[] input = TestMath.To<T>(x), gamma = TestMath.To<T>(TestMath.Uniform(features, 1, 0.5, 2)), beta = TestMath.To<T>(TestMath.Uniform(features, 2));
            T[] runningMean = new T[features], runningVariance = new T[features], xHat = new T[length], inverseStd = new T[features], y = new T[length];
            T momentum = T.CreateTruncating(0.5), epsilon = T.CreateTruncating(1e-12);
            BatchNorm.ForwardTraining<T>(input, gamma, beta, runningMean, runningVariance, xHat, inverseStd, y, batch, features, spatial, momentum, epsilon);

            int m = batch * spatial;
            for (int f = 0; f < features; f++)
            {
                double sum = 0, squares = 0;
                for (int s = 0; s < batch; s++)
                {
                    for (int p = 0; p < spatial; p++)
                    {
                        sum += x[(((s * features) + f) * spatial) + p];
                    }
                }

                double mean = sum / m;
                for (int s = 0; s < batch; s++)
                {
                    for (int p = 0; p < spatial; p++)
                    {
                        double c = x[(((s * features) + f) * spatial) + p] - mean;
                        squares += c * c;
                    }
                }

                // float: a few of its units in the last place; double: the reference itself rounds in another order.
                double variance = squares / m, ulp = typeof(T) == typeof(float) ? 6e-8 : 1e-14;
                TestMath.Close(0.5 * mean, double.CreateTruncating(runningMean[f]), 4 * ulp * Math.Abs(mean), $"mean of feature {f}");
                TestMath.Close(0.5 * variance, double.CreateTruncating(runningVariance[f]), 8 * ulp * variance, $"variance of feature {f}");
                TestMath.Close(1 / Math.Sqrt(variance + 1e-12), double.CreateTruncating(inverseStd[f]), 8 * ulp / Math.Sqrt(variance), $"inverseStd of feature {f}");
            }

            for (int f0 = 0; f0 < features; f0++)
            {
                for (int f1 = f0 + 1; f1 <= features; f1++)
                {
                    T[] partMean = new T[features], partVariance = new T[features], partXHat = new T[length], partInverseStd = new T[features], partY = new T[length];
                    BatchNorm.ForwardTrainingPlanes<T>(input, gamma, beta, partMean, partVariance, partXHat, partInverseStd, partY, batch, features, spatial, momentum, epsilon, f0, f1);
                    for (int f = f0; f < f1; f++)
                    {
                        Assert.Equal(runningMean[f], partMean[f]);
                        Assert.Equal(runningVariance[f], partVariance[f]);
                        Assert.Equal(inverseStd[f], partInverseStd[f]);
                        for (int s = 0; s < batch; s++)
                        {
                            int start = ((s * features) + f) * spatial;
                            Assert.True(xHat.AsSpan(start, spatial).SequenceEqual(partXHat.AsSpan(start, spatial)), $"xHat of feature {f}, [{f0}, {f1})");
                            Assert.True(y.AsSpan(start, spatial).SequenceEqual(partY.AsSpan(start, spatial)), $"y of feature {f}, [{f0}, {f1})");
                        }
                    }
                }
            }
        }

        /// <summary>An infinite or NaN value makes its feature's statistics NaN, on the map path as on the reference loops.</summary>
        [Fact]
        public void Map_statistics_of_a_feature_with_an_infinity_or_a_NaN_are_NaN()
        {
            const int batch = 3, features = 2, spatial = 20;
            foreach (T bad in new[] { T.PositiveInfinity, T.NegativeInfinity, T.NaN })
            {
                foreach (int at in new[] { 0, 7, (2 * features * spatial) + 5 })
                {
                    T[] x = TestMath.To<T>(TestMath.Uniform(batch * features * spatial, 4));
                    x[at] = bad;
                    T[] runningMean = new T[features], runningVariance = new T[features], inverseStd = new T[features];
                    BatchNorm.ForwardTraining<T>(x, new T[] { T.One, T.One }, new T[features], runningMean, runningVariance, new T[x.Length], inverseStd, new T[x.Length], batch, features, spatial, T.Zero, T.CreateTruncating(1e-5));
                    int f = (at / spatial) % features;
                    Assert.True(T.IsNaN(runningVariance[f]), $"variance with {bad} at {at}");
                    Assert.True(T.IsNaN(inverseStd[f]), $"inverseStd with {bad} at {at}");
                    Assert.False(T.IsNaN(runningVariance[1 - f]), $"the other feature's variance with {bad} at {at}");
                }
            }
        }

        [Fact]
        public void ForwardTraining_rejects_an_empty_batch_of_features()
        {
            var error = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTraining<T>(
                ReadOnlySpan<T>.Empty, new T[3], new T[3], new T[3], new T[3], Span<T>.Empty, new T[3], Span<T>.Empty,
                0, 3, 1, T.CreateTruncating(Momentum), T.CreateTruncating(Epsilon)));
            Assert.Contains("at least one value per feature", error.Message);
        }

        [Fact]
        public void Kernels_reject_wrong_lengths_naming_the_expected_size()
        {
            var error = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInference<T>(
                new T[12], new T[3], new T[2], new T[3], new T[3], new T[12], 2, 3, 2, T.CreateTruncating(Epsilon)));
            Assert.Equal("beta", error.ParamName);
            Assert.Contains("expected 3 (features)", error.Message);

            error = Assert.Throws<ArgumentException>(() => BatchNorm.Backward<T>(
                new T[12], new T[3], new T[3], new T[11], new T[3], new T[3], Span<T>.Empty, 2, 3, 2));
            Assert.Equal("dy", error.ParamName);
            Assert.Contains("expected 12 (batch × features × spatial)", error.Message);
        }

        [Fact]
        public void Kernels_allocate_nothing()
        {
            T[] x = TestMath.To<T>(TestMath.Uniform(4 * 3 * 5, 1)), y = new T[60], xHat = new T[60], dx = new T[60];
            T[] gamma = new T[3], beta = new T[3], mean = new T[3], variance = new T[3], inverseStd = new T[3], dgamma = new T[3], dbeta = new T[3];
            T momentum = T.CreateTruncating(Momentum), epsilon = T.CreateTruncating(Epsilon);
            TestMath.AssertNoAllocation(() =>
            {
                BatchNorm.ForwardTraining<T>(x, gamma, beta, mean, variance, xHat, inverseStd, y, 4, 3, 5, momentum, epsilon);
                BatchNorm.ForwardInference<T>(x, gamma, beta, mean, variance, y, 4, 3, 5, epsilon);
                BatchNorm.Backward<T>(xHat, inverseStd, gamma, x, dgamma, dbeta, dx, 4, 3, 5);
            });
        }

        private static IEnumerable<int> Indexes(int f, int batch, int features, int spatial)
        {
            for (int s = 0; s < batch; s++)
            {
                for (int p = 0; p < spatial; p++)
                {
                    yield return (((s * features) + f) * spatial) + p;
                }
            }
        }

        private static Reference Forward(double[] x, double[] gamma, double[] beta, int batch, int features, int spatial)
        {
            var result = new Reference(x.Length, features);
            int m = batch * spatial;
            for (int f = 0; f < features; f++)
            {
                double sum = 0;
                foreach (int i in Indexes(f, batch, features, spatial))
                {
                    sum += x[i];
                }

                double mean = sum / m;
                double squares = 0;
                foreach (int i in Indexes(f, batch, features, spatial))
                {
                    squares += (x[i] - mean) * (x[i] - mean);
                }

                double variance = squares / m;
                result.Mean[f] = mean;
                result.Variance[f] = variance;
                result.InverseStd[f] = 1 / Math.Sqrt(variance + Epsilon);
                foreach (int i in Indexes(f, batch, features, spatial))
                {
                    result.XHat[i] = (x[i] - mean) * result.InverseStd[f];
                    result.Y[i] = (gamma[f] * result.XHat[i]) + beta[f];
                }
            }

            return result;
        }

        private sealed class Reference(int length, int features)
        {
            public double[] Mean { get; } = new double[features];

            public double[] Variance { get; } = new double[features];

            public double[] InverseStd { get; } = new double[features];

            public double[] XHat { get; } = new double[length];

            public double[] Y { get; } = new double[length];
        }
    }

    public sealed class BatchNormSingleTests : BatchNormTests<float>
    {
    }

    public sealed class BatchNormDoubleTests : BatchNormTests<double>
    {
        [Theory]
        [InlineData(2, 1, 1)]
        [InlineData(4, 3, 1)]
        [InlineData(3, 2, 5)]
        [InlineData(9, 4, 1)]
        public void Backward_matches_central_differences_of_ForwardTraining(int batch, int features, int spatial)
        {
            int length = batch * features * spatial;
            double[] x = TestMath.Uniform(length, 1, -2, 3);
            double[] gamma = TestMath.Uniform(features, 2, 0.5, 2);
            double[] beta = TestMath.Uniform(features, 3);
            double[] r = TestMath.Uniform(length, 4);
            var xHat = new double[length];
            var inverseStd = new double[features];
            var y = new double[length];
            double Loss()
            {
                BatchNorm.ForwardTraining<double>(
                    x, gamma, beta, new double[features], new double[features], xHat, inverseStd, y, batch, features, spatial, 0.9, 1e-5);
                return TestMath.Dot(r, y);
            }

            Loss();
            var dgamma = new double[features];
            var dbeta = new double[features];
            var dx = new double[length];
            BatchNorm.Backward<double>(xHat, inverseStd, gamma, r, dgamma, dbeta, dx, batch, features, spatial);
            TestMath.AllClose(TestMath.NumericGradient(Loss, x), dx, 1e-7, "dx");
            TestMath.AllClose(TestMath.NumericGradient(Loss, gamma), dgamma, 1e-7, "dgamma");
            TestMath.AllClose(TestMath.NumericGradient(Loss, beta), dbeta, 1e-7, "dbeta");
        }

        [Fact]
        public void ForwardTraining_normalizes_each_feature_to_mean_beta_and_standard_deviation_gamma()
        {
            const int batch = 64, features = 3, spatial = 4;
            double[] x = TestMath.Uniform(batch * features * spatial, 9, 10, 30);
            double[] gamma = [2, 0.5, 1];
            double[] beta = [-1, 3, 0];
            var y = new double[x.Length];
            BatchNorm.ForwardTraining<double>(
                x, gamma, beta, new double[features], new double[features], new double[x.Length], new double[features], y,
                batch, features, spatial, 0.9, 1e-12);
            for (int f = 0; f < features; f++)
            {
                double sum = 0, squares = 0;
                for (int s = 0; s < batch; s++)
                {
                    for (int p = 0; p < spatial; p++)
                    {
                        double value = y[(((s * features) + f) * spatial) + p];
                        sum += value;
                        squares += value * value;
                    }
                }

                double mean = sum / (batch * spatial);
                TestMath.Close(beta[f], mean, 1e-12, "mean");
                TestMath.Close(gamma[f] * gamma[f], (squares / (batch * spatial)) - (mean * mean), 1e-9, "variance");
            }
        }
    }
}
