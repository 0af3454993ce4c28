using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    public abstract class ActivationsTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static readonly double Tolerance = TestMath.Tolerance<T>();

        public static IEnumerable<object[]> Lengths() => TestMath.LengthData();

        public static IEnumerable<object[]> Rows()
        {
            int[][] shapes = [[0, 5], [1, 1], [1, 7], [2, 8], [3, 9], [2, 15], [1, 16], [4, 17], [5, 3]];
            foreach (int[] shape in shapes)
            {
                yield return [shape[0], shape[1]];
            }
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void ReLU_and_its_backward_match_the_reference(int n)
        {
            double[] x = TestMath.Rounded<T>(TestMath.AwayFromZero(n, n));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(n, 100 + n));
            T[] y = TestMath.Garbage<T>(n);
            Activations.ReLU<T>(TestMath.To<T>(x), y);
            TestMath.AllClose(Map(x, v => Math.Max(v, 0)), y, Tolerance, "y");

            T[] dx = TestMath.Garbage<T>(n);
            Activations.ReLUBackward<T>(TestMath.To<T>(x), TestMath.To<T>(dy), dx);
            TestMath.AllClose(Map(x, dy, (v, g) => v > 0 ? g : 0), dx, Tolerance, "dx");
        }

        [Theory]
        [InlineData(1)]
        [InlineData(7)]
        [InlineData(16)]
        [InlineData(33)]
        [InlineData(1000)]
        public void ReLU_gives_the_bits_of_TensorPrimitives_Max_with_zero_for_NaN_and_signed_zeros(int n)
        {
            // NaN must stay NaN (the trainer's rollback sees it), −0 becomes +0, as TensorPrimitives.Max(x, 0) does.
            T[] specials = [T.NaN, T.NegativeZero, T.Zero, T.NegativeInfinity, T.PositiveInfinity, T.Epsilon, -T.Epsilon];
            var x = new T[n];
            var random = new Random(n);
            for (int i = 0; i < n; i++)
            {
                x[i] = i % 3 == 0 ? specials[random.Next(specials.Length)] : T.CreateTruncating((random.NextDouble() * 2) - 1);
            }

            var expected = new T[n];
            System.Numerics.Tensors.TensorPrimitives.Max<T>(x, T.Zero, expected);
            T[] y = TestMath.Garbage<T>(n);
            Activations.ReLU<T>(x, y);
            for (int i = 0; i < n; i++)
            {
                Assert.True(T.IsNaN(expected[i]) ? T.IsNaN(y[i]) : expected[i].Equals(y[i]) && T.IsNegative(expected[i]) == T.IsNegative(y[i]), $"x[{i}] = {x[i]}: {y[i]}, expected {expected[i]}");
            }
        }

        [Fact]
        public void ReLU_works_in_place_and_gives_zero_gradient_at_zero()
        {
            T[] values = TestMath.To<T>([-1.5, 0, 2.5]);
            Activations.ReLU<T>(values, values);
            Assert.Equal(TestMath.To<T>([0, 0, 2.5]), values);

            var dx = new T[1];
            Activations.ReLUBackward<T>(new T[1], [T.One], dx);
            Assert.Equal(T.Zero, dx[0]);
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void LeakyReLU_and_its_backward_match_the_reference(int n)
        {
            const double alpha = 0.01;
            double[] x = TestMath.Rounded<T>(TestMath.AwayFromZero(n, n));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(n, 100 + n));
            T a = T.CreateTruncating(alpha);
            double alphaT = double.CreateTruncating(a);
            T[] y = TestMath.Garbage<T>(n);
            Activations.LeakyReLU<T>(TestMath.To<T>(x), y, a);
            TestMath.AllClose(Map(x, v => v > 0 ? v : alphaT * v), y, Tolerance, "y");

            T[] dx = TestMath.Garbage<T>(n);
            Activations.LeakyReLUBackward<T>(TestMath.To<T>(x), TestMath.To<T>(dy), dx, a);
            TestMath.AllClose(Map(x, dy, (v, g) => v > 0 ? g : alphaT * g), dx, Tolerance, "dx");
        }

        [Theory]
        [MemberData(nameof(Rows))]
        public void PReLU_with_one_alpha_per_feature_matches_the_reference(int batch, int features) =>
            CheckPReLU(batch, features, shared: false);

        [Theory]
        [MemberData(nameof(Rows))]
        public void PReLU_with_a_shared_alpha_matches_the_reference(int batch, int features) =>
            CheckPReLU(batch, features, shared: true);

        [Fact]
        public void PReLU_rejects_an_alpha_of_the_wrong_length()
        {
            var error = Assert.Throws<ArgumentException>(() => Activations.PReLU<T>(new T[6], new T[2], new T[6], 2, 3));
            Assert.Contains("expected 3 (one per feature) or 1 (shared)", error.Message);
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void ELU_and_its_backward_match_the_reference(int n)
        {
            double[] x = TestMath.Rounded<T>(TestMath.AwayFromZero(n, n, limit: 4));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(n, 100 + n));
            T a = T.CreateTruncating(1.5);
            T[] y = TestMath.Garbage<T>(n);
            Activations.ELU<T>(TestMath.To<T>(x), y, a);
            TestMath.AllClose(Map(x, v => v > 0 ? v : 1.5 * (Math.Exp(v) - 1)), y, Tolerance, "y");

            T[] dx = TestMath.Garbage<T>(n);
            Activations.ELUBackward<T>(TestMath.To<T>(x), y, TestMath.To<T>(dy), dx, a);
            TestMath.AllClose(Map(x, dy, (v, g) => v > 0 ? g : g * 1.5 * Math.Exp(v)), dx, Tolerance * 4, "dx");
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void Sigmoid_and_its_backward_match_the_reference(int n)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(n, n, -6, 6));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(n, 100 + n));
            T[] y = TestMath.Garbage<T>(n);
            Activations.Sigmoid<T>(TestMath.To<T>(x), y);
            double[] expected = Map(x, v => 1 / (1 + Math.Exp(-v)));
            TestMath.AllClose(expected, y, Tolerance, "y");

            T[] dx = TestMath.Garbage<T>(n);
            Activations.SigmoidBackward<T>(y, TestMath.To<T>(dy), dx);
            TestMath.AllClose(Map(expected, dy, (p, g) => g * p * (1 - p)), dx, Tolerance * 4, "dx");
        }

        [Fact]
        public void Sigmoid_is_stable_for_large_inputs()
        {
            T[] x = TestMath.To<T>([-1000, -800, -50, 50, 800, 1000]);
            var y = new T[x.Length];
            Activations.Sigmoid<T>(x, y);
            foreach (T value in y)
            {
                Assert.True(T.IsFinite(value) && value >= T.Zero && value <= T.One, $"sigmoid gave {value}");
            }

            Assert.Equal(T.Zero, y[0]);
            Assert.Equal(T.One, y[5]);
            Assert.True(y[2] > T.Zero, "σ(−50) underflowed to 0 although it is representable");
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void Tanh_and_its_backward_match_the_reference(int n)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(n, n, -3, 3));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(n, 100 + n));
            T[] y = TestMath.Garbage<T>(n);
            Activations.Tanh<T>(TestMath.To<T>(x), y);
            double[] expected = Map(x, Math.Tanh);
            TestMath.AllClose(expected, y, Tolerance, "y");

            T[] dx = TestMath.Garbage<T>(n);
            Activations.TanhBackward<T>(y, TestMath.To<T>(dy), dx);
            TestMath.AllClose(Map(expected, dy, (t, g) => g * (1 - (t * t))), dx, Tolerance * 4, "dx");
        }

        [Theory]
        [MemberData(nameof(Rows))]
        public void Softmax_and_its_backward_match_the_reference(int batch, int features)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * features, features, -5, 5));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(batch * features, 100 + features));
            var expected = new double[x.Length];
            var expectedDx = new double[x.Length];
            for (int s = 0; s < batch; s++)
            {
                double sum = 0;
                for (int j = 0; j < features; j++)
                {
                    sum += Math.Exp(x[(s * features) + j]);
                }

                double dot = 0;
                for (int j = 0; j < features; j++)
                {
                    expected[(s * features) + j] = Math.Exp(x[(s * features) + j]) / sum;
                    dot += expected[(s * features) + j] * dy[(s * features) + j];
                }

                for (int j = 0; j < features; j++)
                {
                    expectedDx[(s * features) + j] = expected[(s * features) + j] * (dy[(s * features) + j] - dot);
                }
            }

            T[] y = TestMath.Garbage<T>(x.Length);
            Activations.Softmax<T>(TestMath.To<T>(x), y, batch, features);
            TestMath.AllClose(expected, y, Tolerance, "y");

            T[] dx = TestMath.Garbage<T>(x.Length);
            Activations.SoftmaxBackward<T>(y, TestMath.To<T>(dy), dx, batch, features);
            TestMath.AllClose(expectedDx, dx, Tolerance * 4, "dx");
        }

        [Theory]
        [InlineData(1, 10)]
        [InlineData(130, 10)]
        [InlineData(3, 17)]
        public void Softmax_in_place_gives_what_it_writes_elsewhere(int batch, int features)
        {
            T[] x = TestMath.To<T>(TestMath.Uniform(batch * features, features, -6, 6));
            var expected = new T[x.Length];
            Activations.Softmax<T>(x, expected, batch, features);
            Activations.Softmax<T>(x, x, batch, features);
            Assert.Equal(expected, x);
        }

        [Fact]
        public void Softmax_of_a_row_with_a_NaN_is_NaN_in_that_row_only()
        {
            T[] x = TestMath.To<T>([1, 2, 3, 4, 5, 6]);
            x[4] = T.NaN;
            var y = new T[6];
            Activations.Softmax<T>(x, y, 2, 3);
            Assert.All(y[..3], value => Assert.False(T.IsNaN(value)));
            Assert.All(y[3..], value => Assert.True(T.IsNaN(value)));
        }

        [Fact]
        public void Softmax_subtracts_the_row_maximum()
        {
            T[] x = TestMath.To<T>([1000, 1001, 999, -1000, -1001, -999]);
            var y = new T[6];
            Activations.Softmax<T>(x, y, 2, 3);
            double e = Math.E;
            double[] row = [1 / (1 + e + (1 / e)), e / (1 + e + (1 / e)), (1 / e) / (1 + e + (1 / e))];
            TestMath.AllClose([row[0], row[1], row[2], row[0], row[2], row[1]], y, Tolerance, "y");
        }

        [Theory]
        [InlineData(0, 3, 2)]
        [InlineData(1, 1, 1)]
        [InlineData(2, 4, 2)]
        [InlineData(3, 7, 3)]
        [InlineData(2, 8, 4)]
        [InlineData(1, 9, 5)]
        [InlineData(2, 17, 2)]
        public void Maxout_and_its_backward_match_the_reference(int batch, int units, int pieces)
        {
            double[] z = TestMath.Rounded<T>(TestMath.Uniform(batch * units * pieces, units + pieces));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(batch * units, 100 + units));
            var expected = new double[batch * units];
            var expectedDz = new double[z.Length];
            for (int o = 0; o < batch * units; o++)
            {
                int best = 0;
                for (int k = 1; k < pieces; k++)
                {
                    if (z[(o * pieces) + k] > z[(o * pieces) + best])
                    {
                        best = k;
                    }
                }

                expected[o] = z[(o * pieces) + best];
                expectedDz[(o * pieces) + best] = dy[o];
            }

            T[] y = TestMath.Garbage<T>(batch * units);
            Activations.Maxout<T>(TestMath.To<T>(z), y, batch, units, pieces);
            TestMath.AllClose(expected, y, 0, "y");

            T[] dz = TestMath.Garbage<T>(z.Length);
            Activations.MaxoutBackward<T>(TestMath.To<T>(z), TestMath.To<T>(dy), dz, batch, units, pieces);
            TestMath.AllClose(expectedDz, dz, 0, "dz");
        }

        [Fact]
        public void MaxoutBackward_sends_the_gradient_to_the_first_of_tied_pieces()
        {
            T[] z = TestMath.To<T>([1, 3, 3, 2]);
            var dz = new T[4];
            Activations.MaxoutBackward<T>(z, [T.CreateTruncating(5.0)], dz, 1, 1, 4);
            Assert.Equal(TestMath.To<T>([0, 5, 0, 0]), dz);
        }

        [Fact]
        public void Elementwise_kernels_reject_mismatched_lengths()
        {
            var error = Assert.Throws<ArgumentException>(() => Activations.ReLU<T>(new T[5], new T[4]));
            Assert.Equal("y", error.ParamName);
            Assert.Contains("expected 5", error.Message);
            Assert.Throws<ArgumentException>(() => Activations.TanhBackward<T>(new T[5], new T[5], new T[6]));
            Assert.Throws<ArgumentException>(() => Activations.Softmax<T>(new T[6], new T[6], 2, 4));
            Assert.Throws<ArgumentOutOfRangeException>(() => Activations.Maxout<T>(new T[0], new T[0], 0, 0, 0));
        }

        [Fact]
        public void Kernels_allocate_nothing()
        {
            T[] x = TestMath.To<T>(TestMath.Uniform(4 * 9, 1)), y = new T[4 * 9], dx = new T[4 * 9], alpha = new T[9], dalpha = new T[9];
            T[] m = new T[4 * 3];
            TestMath.AssertNoAllocation(() =>
            {
                Activations.ReLU<T>(x, y);
                Activations.ReLUBackward<T>(x, y, dx);
                Activations.ELU<T>(x, y, T.One);
                Activations.Sigmoid<T>(x, y);
                Activations.Tanh<T>(x, y);
                Activations.PReLU<T>(x, alpha, y, 4, 9);
                Activations.PReLUBackward<T>(x, alpha, y, dx, dalpha, 4, 9);
                Activations.Softmax<T>(x, y, 4, 9);
                Activations.SoftmaxBackward<T>(y, x, dx, 4, 9);
                Activations.Maxout<T>(x, m, 4, 3, 3);
                Activations.MaxoutBackward<T>(x, m, dx, 4, 3, 3);
            });
        }

        private static void CheckPReLU(int batch, int features, bool shared)
        {
            double[] x = TestMath.Rounded<T>(TestMath.AwayFromZero(batch * features, features));
            double[] alpha = TestMath.Rounded<T>(TestMath.Uniform(shared ? 1 : features, 7, 0.1, 0.5));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(batch * features, 100 + features));
            double[] dalpha0 = TestMath.Rounded<T>(TestMath.Uniform(alpha.Length, 8));
            var expected = new double[x.Length];
            var expectedDx = new double[x.Length];
            var expectedDalpha = (double[])dalpha0.Clone();
            for (int s = 0; s < batch; s++)
            {
                for (int f = 0; f < features; f++)
                {
                    int i = (s * features) + f;
                    int a = shared ? 0 : f;
                    expected[i] = x[i] > 0 ? x[i] : alpha[a] * x[i];
                    expectedDx[i] = x[i] > 0 ? dy[i] : alpha[a] * dy[i];
                    if (x[i] <= 0)
                    {
                        expectedDalpha[a] += dy[i] * x[i];
                    }
                }
            }

            T[] y = TestMath.Garbage<T>(x.Length);
            Activations.PReLU<T>(TestMath.To<T>(x), TestMath.To<T>(alpha), y, batch, features);
            TestMath.AllClose(expected, y, Tolerance, "y");

            T[] dx = TestMath.Garbage<T>(x.Length);
            T[] dalpha = TestMath.To<T>(dalpha0);
            Activations.PReLUBackward<T>(TestMath.To<T>(x), TestMath.To<T>(alpha), TestMath.To<T>(dy), dx, dalpha, batch, features);
            TestMath.AllClose(expectedDx, dx, Tolerance, "dx");
            TestMath.AllClose(expectedDalpha, dalpha, Tolerance * (batch * features + 1), "dalpha");

            // Without dx: the same dα, dx left alone.
            T[] dalphaOnly = TestMath.To<T>(dalpha0);
            Activations.PReLUBackward<T>(TestMath.To<T>(x), TestMath.To<T>(alpha), TestMath.To<T>(dy), Span<T>.Empty, dalphaOnly, batch, features);
            Assert.Equal(dalpha, dalphaOnly);
        }

        private static double[] Map(double[] x, Func<double, double> f)
        {
            var result = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                result[i] = f(x[i]);
            }

            return result;
        }

        private static double[] Map(double[] x, double[] y, Func<double, double, double> f)
        {
            var result = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                result[i] = f(x[i], y[i]);
            }

            return result;
        }
    }

    public sealed class ActivationsSingleTests : ActivationsTests<float>
    {
        [Fact]
        public void Tanh_gives_each_value_its_own_bits_and_before_the_bits_of_TensorPrimitives_at_every_length_in_place_and_for_any_values()
        {
            // The float tanh gives a value the bits of its scalar form whatever the length; with the switch off (before), the
            // direct vector loop reproduces TensorPrimitives.Tanh. (Double still calls it: its double tanh can give another last
            // bit for the same value in another buffer, so there is nothing to compare bit for bit.) Lengths around the vector
            // widths (a last vector that overlaps the loop's), in place, and values of every magnitude, NaN and ±∞.
            var random = new Random(17);
            for (int n = 1; n <= 70; n++)
            {
                for (int trial = 0; trial < 20; trial++)
                {
                    var x = new float[n];
                    for (int i = 0; i < n; i++)
                    {
                        x[i] = random.Next(4) switch
                        {
                            0 => (float)((random.NextDouble() - 0.5) * 20),
                            1 => BitConverter.Int32BitsToSingle(random.Next()) * (random.Next(2) == 0 ? 1 : -1),
                            2 => (float)((random.NextDouble() - 0.5) * 1e-3),
                            _ => random.Next(3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity },
                        };
                    }

                    float[] expected = TestMath.Garbage<float>(n), actual = TestMath.Garbage<float>(n), before = TestMath.Garbage<float>(n);
                    System.Numerics.Tensors.TensorPrimitives.Tanh<float>(x, before);
                    float[] own = Array.ConvertAll(x, TanhSingle.Tanh);
                    if (!Activations.TanhVectors<float>(x, expected, KernelPaths.PathOrScalar, floatTanh: false))
                    {
                        System.Numerics.Tensors.TensorPrimitives.Tanh<float>(x, expected);
                    }

                    AssertSameBits(before, expected, $"tanh of {n} before");

                    Activations.Tanh<float>(x, actual);
                    AssertSameBits(own, actual, $"tanh of {n}");
                    Activations.Tanh<float>(x, x);
                    AssertSameBits(own, x, $"tanh of {n} in place");
                }
            }
        }

        private static void AssertSameBits(float[] expected, float[] actual, string what)
        {
            for (int i = 0; i < expected.Length; i++)
            {
                bool same = (float.IsNaN(expected[i]) && float.IsNaN(actual[i])) || (expected[i].Equals(actual[i]) && float.IsNegative(expected[i]) == float.IsNegative(actual[i]));
                Assert.True(same, $"{what} [{i}]: expected {expected[i]}, got {actual[i]}");
            }
        }
    }

    /// <summary>In double precision, every backward kernel also matches central differences of its forward kernel.</summary>
    public sealed class ActivationsDoubleTests : ActivationsTests<double>
    {
        private const double GradientTolerance = 1e-7;

        [Theory]
        [InlineData(1)]
        [InlineData(8)]
        [InlineData(17)]
        public void Elementwise_backward_kernels_match_central_differences(int n)
        {
            double[] x = TestMath.AwayFromZero(n, n);
            double[] r = TestMath.Uniform(n, 50 + n);
            var y = new double[n];
            var dx = new double[n];

            double Weighted(Action forward)
            {
                forward();
                return TestMath.Dot(r, y);
            }

            Activations.ReLUBackward<double>(x, r, dx);
            TestMath.AllClose(TestMath.NumericGradient(() => Weighted(() => Activations.ReLU<double>(x, y)), x), dx, GradientTolerance, "ReLU");

            Activations.LeakyReLUBackward<double>(x, r, dx, 0.2);
            TestMath.AllClose(TestMath.NumericGradient(() => Weighted(() => Activations.LeakyReLU<double>(x, y, 0.2)), x), dx, GradientTolerance, "LeakyReLU");

            Activations.ELU<double>(x, y, 0.7);
            Activations.ELUBackward<double>(x, y, r, dx, 0.7);
            TestMath.AllClose(TestMath.NumericGradient(() => Weighted(() => Activations.ELU<double>(x, y, 0.7)), x), dx, GradientTolerance, "ELU");

            Activations.Sigmoid<double>(x, y);
            Activations.SigmoidBackward<double>(y, r, dx);
            TestMath.AllClose(TestMath.NumericGradient(() => Weighted(() => Activations.Sigmoid<double>(x, y)), x), dx, GradientTolerance, "Sigmoid");

            Activations.Tanh<double>(x, y);
            Activations.TanhBackward<double>(y, r, dx);
            TestMath.AllClose(TestMath.NumericGradient(() => Weighted(() => Activations.Tanh<double>(x, y)), x), dx, GradientTolerance, "Tanh");
        }

        [Theory]
        [InlineData(1, 1, false)]
        [InlineData(3, 5, false)]
        [InlineData(3, 5, true)]
        [InlineData(2, 9, true)]
        public void PReLUBackward_matches_central_differences(int batch, int features, bool shared)
        {
            double[] x = TestMath.AwayFromZero(batch * features, 3);
            double[] alpha = TestMath.Uniform(shared ? 1 : features, 4, 0.1, 0.5);
            double[] r = TestMath.Uniform(batch * features, 5);
            var y = new double[x.Length];
            double Loss()
            {
                Activations.PReLU<double>(x, alpha, y, batch, features);
                return TestMath.Dot(r, y);
            }

            var dx = new double[x.Length];
            var dalpha = new double[alpha.Length];
            Activations.PReLUBackward<double>(x, alpha, r, dx, dalpha, batch, features);
            TestMath.AllClose(TestMath.NumericGradient(Loss, x), dx, GradientTolerance, "dx");
            TestMath.AllClose(TestMath.NumericGradient(Loss, alpha), dalpha, GradientTolerance, "dalpha");
        }

        [Theory]
        [InlineData(1, 1)]
        [InlineData(2, 4)]
        [InlineData(3, 9)]
        public void SoftmaxBackward_matches_central_differences(int batch, int features)
        {
            double[] x = TestMath.Uniform(batch * features, 6, -3, 3);
            double[] r = TestMath.Uniform(batch * features, 7);
            var y = new double[x.Length];
            double Loss()
            {
                Activations.Softmax<double>(x, y, batch, features);
                return TestMath.Dot(r, y);
            }

            Loss();
            var dx = new double[x.Length];
            Activations.SoftmaxBackward<double>(y, r, dx, batch, features);
            TestMath.AllClose(TestMath.NumericGradient(Loss, x), dx, GradientTolerance, "dx");
        }

        [Theory]
        [InlineData(1, 1, 1)]
        [InlineData(2, 3, 2)]
        [InlineData(3, 4, 5)]
        public void MaxoutBackward_matches_central_differences(int batch, int units, int pieces)
        {
            double[] z = TestMath.Uniform(batch * units * pieces, 8);
            double[] r = TestMath.Uniform(batch * units, 9);
            var y = new double[batch * units];
            double Loss()
            {
                Activations.Maxout<double>(z, y, batch, units, pieces);
                return TestMath.Dot(r, y);
            }

            var dz = new double[z.Length];
            Activations.MaxoutBackward<double>(z, r, dz, batch, units, pieces);
            TestMath.AllClose(TestMath.NumericGradient(Loss, z), dz, GradientTolerance, "dz");
        }
    }
}
