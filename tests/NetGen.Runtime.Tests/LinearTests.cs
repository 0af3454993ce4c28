using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    public abstract class LinearTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static IEnumerable<object[]> Shapes()
        {
            int[][] shapes =
            [
                [0, 3, 4], [1, 1, 1], [1, 0, 3], [2, 5, 0], [2, 7, 3], [3, 8, 9], [1, 9, 17],
                [4, 15, 16], [2, 16, 8], [3, 17, 7], [9, 4, 15], [17, 2, 1],
            ];
            foreach (int[] shape in shapes)
            {
                yield return [shape[0], shape[1], shape[2]];
            }
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Forward_matches_the_naive_product_with_bias(int batch, int inputs, int outputs) =>
            CheckForward(batch, inputs, outputs, bias: true);

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Forward_without_bias_matches_the_naive_product(int batch, int inputs, int outputs) =>
            CheckForward(batch, inputs, outputs, bias: false);

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Backward_accumulates_dw_and_db_and_overwrites_dx(int batch, int inputs, int outputs)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * inputs, 1));
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(outputs * inputs, 2));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(batch * outputs, 3));
            double[] dw0 = TestMath.Rounded<T>(TestMath.Uniform(outputs * inputs, 4));
            double[] db0 = TestMath.Rounded<T>(TestMath.Uniform(outputs, 5));

            var expectedDw = (double[])dw0.Clone();
            var expectedDb = (double[])db0.Clone();
            var expectedDx = new double[batch * inputs];
            for (int s = 0; s < batch; s++)
            {
                for (int o = 0; o < outputs; o++)
                {
                    double g = dy[(s * outputs) + o];
                    expectedDb[o] += g;
                    for (int i = 0; i < inputs; i++)
                    {
                        expectedDw[(o * inputs) + i] += g * x[(s * inputs) + i];
                        expectedDx[(s * inputs) + i] += g * w[(o * inputs) + i];
                    }
                }
            }

            T[] dw = TestMath.To<T>(dw0);
            T[] db = TestMath.To<T>(db0);
            T[] dx = TestMath.Garbage<T>(batch * inputs);
            Linear.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, db, dx, batch, inputs, outputs);

            double tolerance = TestMath.Tolerance<T>() * (batch + outputs + 1);
            TestMath.AllClose(expectedDw, dw, tolerance, "dw");
            TestMath.AllClose(expectedDb, db, tolerance, "db");
            TestMath.AllClose(expectedDx, dx, tolerance, "dx");
        }

        [Fact]
        public void Backward_skips_db_and_dx_when_they_are_empty()
        {
            const int batch = 3, inputs = 4, outputs = 2;
            T[] x = TestMath.To<T>(TestMath.Uniform(batch * inputs, 1));
            T[] w = TestMath.To<T>(TestMath.Uniform(outputs * inputs, 2));
            T[] dy = TestMath.To<T>(TestMath.Uniform(batch * outputs, 3));
            var dwWithAll = new T[outputs * inputs];
            var dwAlone = new T[outputs * inputs];
            Linear.Backward<T>(x, w, dy, dwWithAll, new T[outputs], new T[batch * inputs], batch, inputs, outputs);
            Linear.Backward<T>(x, w, dy, dwAlone, Span<T>.Empty, Span<T>.Empty, batch, inputs, outputs);
            Assert.Equal(dwWithAll, dwAlone);
            Assert.Contains(dwAlone, value => value != T.Zero);
        }

        [Fact]
        public void Forward_rejects_a_wrong_length_naming_the_expected_size()
        {
            var x = new T[11];
            var w = new T[12];
            var y = new T[9];
            var error = Assert.Throws<ArgumentException>(() => Linear.Forward<T>(x, w, ReadOnlySpan<T>.Empty, y, 3, 4, 3));
            Assert.Equal("x", error.ParamName);
            Assert.Contains("11", error.Message);
            Assert.Contains("expected 12 (batch × inputs)", error.Message);

            var badBias = Assert.Throws<ArgumentException>(() => Linear.Forward<T>(new T[12], w, new T[2], y, 3, 4, 3));
            Assert.Equal("b", badBias.ParamName);
            Assert.Contains("expected 3 (outputs)", badBias.Message);
        }

        [Fact]
        public void Backward_rejects_a_wrong_dx_length_naming_the_expected_size()
        {
            var error = Assert.Throws<ArgumentException>(() =>
                Linear.Backward<T>(new T[12], new T[8], new T[6], new T[8], new T[2], new T[5], 3, 4, 2));
            Assert.Equal("dx", error.ParamName);
            Assert.Contains("expected 12", error.Message);
        }

        [Fact]
        public void Forward_and_Backward_allocate_nothing()
        {
            T[] x = new T[6 * 17], w = new T[9 * 17], b = new T[9], y = new T[6 * 9], dw = new T[9 * 17], db = new T[9], dx = new T[6 * 17];
            TestMath.AssertNoAllocation(() =>
            {
                Linear.Forward<T>(x, w, b, y, 6, 17, 9);
                Linear.Backward<T>(x, w, y, dw, db, dx, 6, 17, 9);
            });
        }

        private static void CheckForward(int batch, int inputs, int outputs, bool bias)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * inputs, 10 + batch));
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(outputs * inputs, 20 + inputs));
            double[] b = bias ? TestMath.Rounded<T>(TestMath.Uniform(outputs, 30 + outputs)) : [];
            var expected = new double[batch * outputs];
            for (int s = 0; s < batch; s++)
            {
                for (int o = 0; o < outputs; o++)
                {
                    double sum = bias ? b[o] : 0;
                    for (int i = 0; i < inputs; i++)
                    {
                        sum += x[(s * inputs) + i] * w[(o * inputs) + i];
                    }

                    expected[(s * outputs) + o] = sum;
                }
            }

            T[] y = TestMath.Garbage<T>(batch * outputs);
            Linear.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(b), y, batch, inputs, outputs);
            TestMath.AllClose(expected, y, TestMath.Tolerance<T>() * (inputs + 1), "y");
        }
    }

    public sealed class LinearSingleTests : LinearTests<float>
    {
    }

    public sealed class LinearDoubleTests : LinearTests<double>
    {
        [Theory]
        [InlineData(1, 1, 1)]
        [InlineData(3, 4, 2)]
        [InlineData(2, 9, 7)]
        public void Backward_matches_central_differences_of_forward(int batch, int inputs, int outputs)
        {
            double[] x = TestMath.Uniform(batch * inputs, 1);
            double[] w = TestMath.Uniform(outputs * inputs, 2);
            double[] b = TestMath.Uniform(outputs, 3);
            double[] r = TestMath.Uniform(batch * outputs, 4);
            var y = new double[batch * outputs];
            double Loss()
            {
                Linear.Forward<double>(x, w, b, y, batch, inputs, outputs);
                return TestMath.Dot(r, y);
            }

            var dw = new double[w.Length];
            var db = new double[b.Length];
            var dx = new double[x.Length];
            Linear.Backward<double>(x, w, r, dw, db, dx, batch, inputs, outputs);
            TestMath.AllClose(TestMath.NumericGradient(Loss, x), dx, 1e-8, "dx");
            TestMath.AllClose(TestMath.NumericGradient(Loss, w), dw, 1e-8, "dw");
            TestMath.AllClose(TestMath.NumericGradient(Loss, b), db, 1e-8, "db");
        }
    }
}
