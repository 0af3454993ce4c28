using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>Average pooling written from the definition, in double: padding not counted (count_include_pad = 0).</summary>
    internal static class NaiveAveragePooling
    {
        /// <summary><c>y[s,c,i,j]</c> = the mean of the real inputs of window (i, j) of the padded plane.</summary>
        public static double[] Forward(double[] x, int batch, int channels, int height, int width, int kh, int kw, int sh, int sw, int ph, int pw)
        {
            int ho = ((height + (2 * ph) - kh) / sh) + 1, wo = ((width + (2 * pw) - kw) / sw) + 1;
            var y = new double[batch * channels * ho * wo];
            for (int plane = 0; plane < batch * channels; plane++)
            {
                for (int i = 0; i < ho; i++)
                {
                    for (int j = 0; j < wo; j++)
                    {
                        double sum = 0;
                        int count = 0;
                        for (int u = 0; u < kh; u++)
                        {
                            for (int v = 0; v < kw; v++)
                            {
                                int r = (i * sh) - ph + u, c = (j * sw) - pw + v;
                                if (r >= 0 && r < height && c >= 0 && c < width)
                                {
                                    sum += x[(((plane * height) + r) * width) + c];
                                    count++;
                                }
                            }
                        }

                        y[(((plane * ho) + i) * wo) + j] = sum / count;
                    }
                }
            }

            return y;
        }
    }

    public abstract class AvgPoolTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>batch, C, H, W, K, S, P: tiling, overlapping (S &lt; K), gaps (S &gt; K), padding, 1×1, wide rows.</summary>
        public static IEnumerable<object[]> Shapes()
        {
            int[][] shapes =
            [
                [0, 2, 4, 4, 2, 2, 0],
                [1, 1, 1, 1, 1, 1, 0],
                [2, 3, 4, 6, 2, 2, 0],
                [1, 2, 5, 5, 3, 1, 1],
                [2, 1, 7, 9, 3, 2, 1],
                [1, 3, 6, 6, 2, 3, 0],
                [3, 2, 5, 4, 2, 2, 1],
                [1, 1, 3, 17, 1, 1, 0],
                [1, 2, 2, 16, 2, 2, 1],
                [1, 1, 8, 15, 4, 3, 2],
                [2, 2, 3, 3, 3, 1, 2],
                [1, 1, 2, 1100, 2, 2, 1],
            ];
            foreach (int[] shape in shapes)
            {
                yield return [shape[0], shape[1], shape[2], shape[3], shape[4], shape[5], shape[6]];
            }
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Forward_takes_the_mean_of_the_real_inputs_of_each_window(int batch, int channels, int height, int width, int size, int stride, int padding)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * channels * height * width, 1));
            double[] expected = NaiveAveragePooling.Forward(x, batch, channels, height, width, size, size, stride, stride, padding, padding);
            Assert.Equal(((height + (2 * padding) - size) / stride) + 1, AvgPool2D.OutputSize(height, size, stride, padding));

            T[] y = TestMath.Garbage<T>(expected.Length);
            AvgPool2D.Forward<T>(TestMath.To<T>(x), y, batch, channels, height, width, size, stride, padding);

            TestMath.AllClose(expected, y, TestMath.Tolerance<T>() * size * size, "y");
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Backward_is_the_adjoint_of_Forward(int batch, int channels, int height, int width, int size, int stride, int padding)
        {
            // The layer is linear, so ⟨dy, Forward(x)⟩ = ⟨Backward(dy), x⟩ up to rounding.
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * channels * height * width, 2));
            int outputs = batch * channels * AvgPool2D.OutputSize(height, size, stride, padding) * AvgPool2D.OutputSize(width, size, stride, padding);
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(outputs, 3));

            T[] y = new T[outputs];
            AvgPool2D.Forward<T>(TestMath.To<T>(x), y, batch, channels, height, width, size, stride, padding);
            T[] dx = TestMath.Garbage<T>(x.Length);
            AvgPool2D.Backward<T>(TestMath.To<T>(dy), dx, batch, channels, height, width, size, stride, padding);

            double left = TestMath.Dot(dy, TestMath.ToDouble<T>(y));
            double right = TestMath.Dot(TestMath.ToDouble<T>(dx), x);
            TestMath.Close(left, right, TestMath.Tolerance<T>() * Math.Max(1, Math.Sqrt(x.Length)) * 10, "⟨dy, y⟩ vs ⟨dx, x⟩");

            // And dx itself, from the reference's transpose: unit outputs one by one would be slow, so compare with the
            // reference's adjoint built element by element on the small shapes.
            if (x.Length <= 2000)
            {
                double[] expected = new double[x.Length];
                double[] basis = new double[x.Length];
                for (int k = 0; k < x.Length; k++)
                {
                    basis[k] = 1;
                    double[] column = NaiveAveragePooling.Forward(basis, batch, channels, height, width, size, size, stride, stride, padding, padding);
                    expected[k] = TestMath.Dot(column, dy);
                    basis[k] = 0;
                }

                TestMath.AllClose(expected, dx, TestMath.Tolerance<T>() * size * size * 4, "dx");
            }
        }

        [Theory]
        [InlineData(0, 2, 8, 2, 2, 0)]
        [InlineData(1, 1, 1, 1, 1, 0)]
        [InlineData(2, 3, 9, 3, 2, 1)]
        [InlineData(1, 2, 17, 2, 1, 1)]
        [InlineData(3, 1, 16, 4, 4, 0)]
        [InlineData(1, 2, 15, 5, 3, 2)]
        public void One_dimensional_pooling_matches_the_definition_and_its_adjoint(int batch, int channels, int length, int size, int stride, int padding)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * channels * length, 6));
            double[] expected = NaiveAveragePooling.Forward(x, batch, channels, 1, length, 1, size, 1, stride, 0, padding);
            Assert.Equal(((length + (2 * padding) - size) / stride) + 1, AvgPool1D.OutputLength(length, size, stride, padding));

            T[] y = TestMath.Garbage<T>(expected.Length);
            AvgPool1D.Forward<T>(TestMath.To<T>(x), y, batch, channels, length, size, stride, padding);
            TestMath.AllClose(expected, y, TestMath.Tolerance<T>() * size, "y");

            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(y.Length, 7));
            T[] dx = TestMath.Garbage<T>(x.Length);
            AvgPool1D.Backward<T>(TestMath.To<T>(dy), dx, batch, channels, length, size, stride, padding);
            var expectedDx = new double[x.Length];
            var basis = new double[x.Length];
            for (int k = 0; k < x.Length; k++)
            {
                basis[k] = 1;
                expectedDx[k] = TestMath.Dot(NaiveAveragePooling.Forward(basis, batch, channels, 1, length, 1, size, 1, stride, 0, padding), dy);
                basis[k] = 0;
            }

            TestMath.AllClose(expectedDx, dx, TestMath.Tolerance<T>() * size * 4, "dx");
        }

        [Theory]
        [InlineData(0, 3, 4)]
        [InlineData(1, 1, 1)]
        [InlineData(2, 3, 7)]
        [InlineData(3, 2, 16)]
        [InlineData(2, 4, 17)]
        [InlineData(1, 5, 33)]
        public void Global_pooling_is_the_mean_of_each_map_and_its_backward_the_adjoint(int batch, int channels, int spatial)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * channels * spatial, 8));
            var expected = new double[batch * channels];
            for (int plane = 0; plane < expected.Length; plane++)
            {
                double sum = 0;
                for (int p = 0; p < spatial; p++)
                {
                    sum += x[(plane * spatial) + p];
                }

                expected[plane] = sum / spatial;
            }

            T[] y = TestMath.Garbage<T>(expected.Length);
            GlobalAvgPool.Forward<T>(TestMath.To<T>(x), y, batch, channels, spatial);
            TestMath.AllClose(expected, y, TestMath.Tolerance<T>() * 4, "y");

            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(expected.Length, 9));
            T[] dx = TestMath.Garbage<T>(x.Length);
            GlobalAvgPool.Backward<T>(TestMath.To<T>(dy), dx, batch, channels, spatial);
            var expectedDx = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                expectedDx[i] = dy[i / spatial] / spatial;
            }

            TestMath.AllClose(expectedDx, dx, TestMath.Tolerance<T>(), "dx");
            TestMath.Close(TestMath.Dot(dy, TestMath.ToDouble<T>(y)), TestMath.Dot(TestMath.ToDouble<T>(dx), x), TestMath.Tolerance<T>() * 20, "⟨dy, y⟩ vs ⟨dx, x⟩");
        }

        [Fact]
        public void Rejects_wrong_lengths_and_padding_that_could_leave_a_window_empty()
        {
            Assert.Equal(14, AvgPool2D.OutputSize(28, 2, 2, 0));
            Assert.Equal(14, AvgPool2D.OutputSize(28, 3, 2, 1));
            var y = Assert.Throws<ArgumentException>(() => AvgPool2D.Forward<T>(new T[16], new T[3], 1, 1, 4, 4, 2, 2, 0));
            Assert.Equal("y", y.ParamName);
            Assert.Contains("expected 4 (batch × C × Ho × Wo)", y.Message);

            var padding = Assert.Throws<ArgumentOutOfRangeException>(() => AvgPool2D.Forward<T>(new T[16], new T[16], 1, 1, 4, 4, 2, 2, 2));
            Assert.Equal("padding", padding.ParamName);
            Assert.Throws<ArgumentOutOfRangeException>(() => AvgPool1D.OutputLength(8, 2, 2, -1));

            var window = Assert.Throws<ArgumentException>(() => AvgPool1D.Forward<T>(new T[3], new T[1], 1, 1, 3, 4, 1, 0));
            Assert.Equal("size", window.ParamName);

            var dx = Assert.Throws<ArgumentException>(() => GlobalAvgPool.Backward<T>(new T[2], new T[5], 1, 2, 3));
            Assert.Equal("dx", dx.ParamName);
            Assert.Throws<ArgumentOutOfRangeException>(() => GlobalAvgPool.Forward<T>(new T[0], new T[0], 1, 2, 0));
        }

        [Fact]
        public void Forward_and_Backward_allocate_nothing()
        {
            T[] x = new T[2 * 3 * 8 * 8], y = new T[2 * 3 * 4 * 4], dx = new T[x.Length];
            T[] wide = new T[2 * 1500], wideY = new T[750], pooled = new T[6];
            TestMath.AssertNoAllocation(() =>
            {
                AvgPool2D.Forward<T>(x, y, 2, 3, 8, 8, 3, 2, 1);
                AvgPool2D.Backward<T>(y, dx, 2, 3, 8, 8, 3, 2, 1);
                AvgPool1D.Forward<T>(wide, wideY, 1, 2, 1500, 4, 4, 0); // a row wider than the stack buffer: pooled array
                AvgPool1D.Backward<T>(wideY, wide, 1, 2, 1500, 4, 4, 0);
                GlobalAvgPool.Forward<T>(x, pooled, 2, 3, 64);
                GlobalAvgPool.Backward<T>(pooled, dx, 2, 3, 64);
            });
        }
    }

    public sealed class AvgPoolSingleTests : AvgPoolTests<float>
    {
    }

    public sealed class AvgPoolDoubleTests : AvgPoolTests<double>
    {
        [Fact]
        public void Backward_matches_central_differences_in_double()
        {
            const int batch = 2, channels = 2, height = 5, width = 6, size = 3, stride = 2, padding = 1;
            double[] x = TestMath.Uniform(batch * channels * height * width, 4);
            int outputs = batch * channels * AvgPool2D.OutputSize(height, size, stride, padding) * AvgPool2D.OutputSize(width, size, stride, padding);
            double[] dy = TestMath.Uniform(outputs, 5);
            double Loss()
            {
                var y = new double[outputs];
                AvgPool2D.Forward<double>(x, y, batch, channels, height, width, size, stride, padding);
                return TestMath.Dot(dy, y);
            }

            double[] numeric = TestMath.NumericGradient(Loss, x);
            var dx = new double[x.Length];
            AvgPool2D.Backward<double>(dy, dx, batch, channels, height, width, size, stride, padding);
            TestMath.AllClose(numeric, dx.AsSpan(), 1e-8, "dx");
        }
    }
}
