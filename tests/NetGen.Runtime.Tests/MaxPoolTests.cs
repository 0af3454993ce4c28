using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>Max pooling written from the definition, in double: the reference for the pooling kernels.</summary>
    internal static class NaivePooling
    {
        /// <summary><c>y[s,c,i,j] = max_(u,v) x[s, c, i·sh + u, j·sw + v]</c>, and the index of the first largest value.</summary>
        public static (double[] Y, int[] Argmax) Forward(double[] x, int batch, int channels, int height, int width, int kh, int kw, int sh, int sw)
        {
            int ho = ((height - kh) / sh) + 1, wo = ((width - kw) / sw) + 1;
            var y = new double[batch * channels * ho * wo];
            var argmax = new int[y.Length];
            for (int plane = 0; plane < batch * channels; plane++)
            {
                for (int i = 0; i < ho; i++)
                {
                    for (int j = 0; j < wo; j++)
                    {
                        double max = double.NegativeInfinity;
                        int best = -1;
                        for (int u = 0; u < kh; u++)
                        {
                            for (int v = 0; v < kw; v++)
                            {
                                int index = (((plane * height) + (i * sh) + u) * width) + (j * sw) + v;
                                if (best < 0 || x[index] > max)
                                {
                                    max = x[index];
                                    best = index;
                                }
                            }
                        }

                        int o = (((plane * ho) + i) * wo) + j;
                        y[o] = max;
                        argmax[o] = best;
                    }
                }
            }

            return (y, argmax);
        }
    }

    public abstract class MaxPoolTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>batch, C, H, W, K, S: tiling windows, overlapping ones (S &lt; K), gaps (S &gt; K), odd sizes that floor.</summary>
        public static IEnumerable<object[]> Shapes()
        {
            int[][] shapes =
            [
                [0, 2, 4, 4, 2, 2],
                [1, 1, 1, 1, 1, 1],
                [2, 3, 4, 6, 2, 2],
                [1, 2, 5, 5, 3, 1],
                [2, 1, 7, 9, 3, 2],
                [1, 3, 6, 6, 2, 3],
                [3, 2, 5, 4, 2, 2],
                [1, 1, 3, 17, 1, 1],
                [1, 2, 2, 16, 2, 2],
                [1, 1, 8, 15, 4, 3],
            ];
            foreach (int[] shape in shapes)
            {
                yield return [shape[0], shape[1], shape[2], shape[3], shape[4], shape[5]];
            }
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Forward_takes_the_window_maximum_and_its_index(int batch, int channels, int height, int width, int size, int stride)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * channels * height * width, 1));
            (double[] expected, int[] expectedArgmax) = NaivePooling.Forward(x, batch, channels, height, width, size, size, stride, stride);

            T[] y = TestMath.Garbage<T>(expected.Length);
            int[] argmax = new int[expected.Length];
            Array.Fill(argmax, -7);
            MaxPool2D.Forward<T>(TestMath.To<T>(x), y, argmax, batch, channels, height, width, size, stride);

            TestMath.AllClose(expected, y, 0, "y");
            Assert.Equal(expectedArgmax, argmax);
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Backward_sends_each_gradient_to_the_input_it_took(int batch, int channels, int height, int width, int size, int stride)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * channels * height * width, 1));
            (double[] y, int[] argmax) = NaivePooling.Forward(x, batch, channels, height, width, size, size, stride, stride);
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(y.Length, 2));
            var expected = new double[x.Length];
            for (int i = 0; i < dy.Length; i++)
            {
                expected[argmax[i]] += dy[i]; // overlapping windows that took the same input add up
            }

            T[] dx = TestMath.Garbage<T>(x.Length);
            MaxPool2D.Backward<T>(argmax, TestMath.To<T>(dy), dx, batch, channels, height, width, size, stride);

            TestMath.AllClose(expected, dx, TestMath.Tolerance<T>() * size * size, "dx");
        }

        [Fact]
        public void Ties_go_to_the_first_value_and_NaN_propagates()
        {
            // One 2×4 plane pooled 2×2: window 1 holds a tie of 3s, window 2 a NaN after the maximum.
            T nan = T.NaN;
            T[] x = [T.One, T.CreateTruncating(3), T.CreateTruncating(9), nan, T.CreateTruncating(3), T.Zero, T.One, T.One];
            var y = new T[2];
            var argmax = new int[2];
            MaxPool2D.Forward<T>(x, y, argmax, 1, 1, 2, 4, 2, 2);

            Assert.Equal(T.CreateTruncating(3), y[0]);
            Assert.Equal(1, argmax[0]);
            Assert.True(T.IsNaN(y[1]));
            Assert.Equal(3, argmax[1]);
        }

        [Fact]
        public void A_NaN_among_eight_windows_of_a_row_is_the_maximum_of_its_own_window_only()
        {
            // A row of 16 windows (the width a vector form of the 2 × 2 loop would take 8 at a time).
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(2 * 32, 7));
            (double[] expected, int[] expectedArgmax) = NaivePooling.Forward(x, 1, 1, 2, 32, 2, 2, 2, 2);
            T[] input = TestMath.To<T>(x);
            input[32 + 21] = T.NaN; // lower row, column 21: window 10
            var y = new T[16];
            var argmax = new int[16];
            MaxPool2D.Forward<T>(input, y, argmax, 1, 1, 2, 32, 2, 2);
            for (int w = 0; w < 16; w++)
            {
                if (w == 10)
                {
                    Assert.True(T.IsNaN(y[w]));
                    Assert.Equal(32 + 21, argmax[w]);
                    continue;
                }

                Assert.Equal(expected[w], double.CreateTruncating(y[w]));
                Assert.Equal(expectedArgmax[w], argmax[w]);
            }
        }

        [Fact]
        public void Positive_zero_beats_negative_zero_and_ties_keep_the_first_index_in_every_lane()
        {
            // Windows 0–7: (−0, +0 / −0, −0) → +0 (T.Max), at the top-left index since −0 = +0 compare equal; windows
            // 8–15: all four equal → the top-left index.
            var x = new T[64];
            for (int w = 0; w < 8; w++)
            {
                x[2 * w] = -T.Zero;
                x[(2 * w) + 1] = T.Zero;
                x[32 + (2 * w)] = -T.Zero;
                x[32 + (2 * w) + 1] = -T.Zero;
            }

            for (int w = 8; w < 16; w++)
            {
                x[2 * w] = x[(2 * w) + 1] = x[32 + (2 * w)] = x[32 + (2 * w) + 1] = T.CreateTruncating(w);
            }

            var y = new T[16];
            var argmax = new int[16];
            MaxPool2D.Forward<T>(x, y, argmax, 1, 1, 2, 32, 2, 2);
            for (int w = 0; w < 16; w++)
            {
                Assert.Equal(w < 8 ? T.Zero : T.CreateTruncating(w), y[w]);
                Assert.False(T.IsNegative(y[w]));
                Assert.Equal(2 * w, argmax[w]);
            }
        }

        [Fact]
        public void Inference_may_skip_the_indexes()
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(2 * 3 * 6 * 6, 5));
            (double[] expected, _) = NaivePooling.Forward(x, 2, 3, 6, 6, 2, 2, 2, 2);
            T[] y = TestMath.Garbage<T>(expected.Length);
            MaxPool2D.Forward<T>(TestMath.To<T>(x), y, Span<int>.Empty, 2, 3, 6, 6, 2, 2);
            TestMath.AllClose(expected, y, 0, "y");
        }

        /// <summary>
        /// The 2×2 stride-2 pool on every kernel path this processor runs against the scalar loop, bit for bit in values
        /// and indexes: rows from 2 to 40 outputs wide (shorter than a vector, with a partial last vector), odd input
        /// sizes, values with many ties, ±0, ±∞ and NaNs, a range of planes as a thread takes them.
        /// </summary>
        [Fact]
        public void Two_by_two_pooling_on_every_path_is_the_scalar_loop_bit_for_bit()
        {
            var random = new Random(17);
            T[] pool = [T.Zero, -T.Zero, T.One, -T.One, T.CreateTruncating(0.5), T.PositiveInfinity, T.NegativeInfinity, T.NaN];
            int compared = 0;
            for (int trial = 0; trial < 300; trial++)
            {
                int batch = random.Next(1, 3), channels = random.Next(1, 4);
                int height = random.Next(2, 7), width = trial < 80 ? 2 * (trial % 40) + 4 + random.Next(2) : random.Next(2, 82);
                var g = new WindowGeometry(channels, height, width, 2, 2, 2, 2, 0, 0);
                int planes = batch * channels;
                int mode = trial % 4;
                double nanRate = mode == 3 ? 0.05 : 0.0;
                T[] x = new T[planes * height * width];
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = random.NextDouble() < nanRate ? T.NaN
                        : mode == 0 ? T.CreateTruncating(random.NextDouble() * 4 - 2)
                        : mode == 1 ? T.CreateTruncating(random.Next(3))
                        : pool[random.Next(pool.Length - 1)];
                }

                int plane0 = planes > 1 && trial % 5 == 0 ? 1 : 0;
                T[] expected = TestMath.Garbage<T>(planes * g.Positions);
                int[] expectedArgmax = new int[expected.Length];
                Array.Fill(expectedArgmax, -7);
                Pooling.MaxForward2By2Scalar<T>(x, expected, expectedArgmax, plane0, planes, g, keepIndexes: true);
                foreach (GemmPath path in KernelPaths.Supported())
                {
                    T[] y = (T[])TestMath.Garbage<T>(expected.Length).Clone();
                    Array.Copy(expected, y, plane0 * g.Positions);
                    int[] argmax = new int[expected.Length];
                    Array.Fill(argmax, -7);
                    Pooling.MaxForward2By2<T>(x, y, argmax, plane0, planes, g, keepIndexes: true, path);
                    string what = $"{path}, {batch}×{channels}×{height}×{width}, mode {mode}";
                    Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes<T>(expected).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes<T>(y)), $"y differs: {what}");
                    Assert.True(expectedArgmax.AsSpan().SequenceEqual(argmax), $"argmax differs: {what}");

                    T[] values = TestMath.Garbage<T>(expected.Length);
                    Array.Copy(expected, values, plane0 * g.Positions);
                    Pooling.MaxForward2By2<T>(x, values, Span<int>.Empty, plane0, planes, g, keepIndexes: false, path);
                    Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes<T>(expected).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes<T>(values)), $"y without indexes differs: {what}");
                    compared++;
                }
            }

            Assert.True(compared >= 300 * 2);
        }

        /// <summary>The scalar loop itself against the definition (the reference above), with ties and odd sizes.</summary>
        [Fact]
        public void Two_by_two_scalar_loop_matches_the_definition()
        {
            var random = new Random(5);
            for (int trial = 0; trial < 40; trial++)
            {
                int height = random.Next(2, 9), width = random.Next(2, 40);
                double[] x = new double[2 * height * width];
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = random.Next(4);
                }

                (double[] expected, int[] expectedArgmax) = NaivePooling.Forward(x, 1, 2, height, width, 2, 2, 2, 2);
                var g = new WindowGeometry(2, height, width, 2, 2, 2, 2, 0, 0);
                T[] y = new T[expected.Length];
                int[] argmax = new int[expected.Length];
                Pooling.MaxForward2By2Scalar<T>(TestMath.To<T>(x), y, argmax, 0, 2, g, keepIndexes: true);
                TestMath.AllClose(expected, y, 0, "y");
                Assert.Equal(expectedArgmax, argmax);
            }
        }

        [Fact]
        public void Rejects_wrong_lengths_and_foreign_indexes()
        {
            Assert.Equal(14, MaxPool2D.OutputSize(28, 2, 2));
            Assert.Equal(13, MaxPool2D.OutputSize(27, 3, 2));
            var y = Assert.Throws<ArgumentException>(() => MaxPool2D.Forward<T>(new T[16], new T[3], Span<int>.Empty, 1, 1, 4, 4, 2, 2));
            Assert.Equal("y", y.ParamName);
            Assert.Contains("expected 4 (batch × C × Ho × Wo)", y.Message);

            var argmax = Assert.Throws<ArgumentException>(() => MaxPool2D.Forward<T>(new T[16], new T[4], new int[5], 1, 1, 4, 4, 2, 2));
            Assert.Equal("argmax", argmax.ParamName);

            var window = Assert.Throws<ArgumentException>(() => MaxPool2D.Forward<T>(new T[9], new T[1], Span<int>.Empty, 1, 1, 3, 3, 4, 1));
            Assert.Equal("size", window.ParamName);

            var foreign = Assert.Throws<ArgumentException>(() => MaxPool2D.Backward<T>(new[] { 0, 1, 2, 16 }, new T[4], new T[16], 1, 1, 4, 4, 2, 2));
            Assert.Equal("argmax", foreign.ParamName);
            Assert.Contains("argmax[3] = 16", foreign.Message);
        }

        /// <summary>A bad index anywhere (here the last, after many good ones) is refused before dx or ẏ is written.</summary>
        [Fact]
        public void A_bad_index_is_refused_and_leaves_the_output_unchanged()
        {
            const int batch = 2, channels = 3, size = 8;
            T[] x = TestMath.To<T>(TestMath.Uniform(batch * channels * size * size, 9));
            T[] y = new T[batch * channels * 16];
            int[] argmax = new int[y.Length];
            MaxPool2D.Forward<T>(x, y, argmax, batch, channels, size, size, 2, 2);
            foreach (int bad in new[] { -1, x.Length, int.MinValue, int.MaxValue })
            {
                foreach (int at in new[] { 0, 9, argmax.Length - 1 })
                {
                    int[] indexes = (int[])argmax.Clone();
                    indexes[at] = bad;
                    T[] dx = TestMath.Garbage<T>(x.Length), dxBefore = (T[])dx.Clone();
                    var error = Assert.Throws<ArgumentException>(() => MaxPool2D.Backward<T>(indexes, y, dx, batch, channels, size, size, 2, 2));
                    Assert.Equal("argmax", error.ParamName);
                    Assert.Contains($"argmax[{at}] = {bad}", error.Message);
                    Assert.Equal(dxBefore, dx);

                    T[] tangent = TestMath.Garbage<T>(y.Length), tangentBefore = (T[])tangent.Clone();
                    error = Assert.Throws<ArgumentException>(() => MaxPool2D.Tangent<T>(indexes, x, tangent, batch, channels, size, size, 2, 2));
                    Assert.Equal("argmax", error.ParamName);
                    Assert.Equal(tangentBefore, tangent);

                    // The same indexes as one-dimensional pooling of rows of 64 values.
                    dx = (T[])dxBefore.Clone();
                    error = Assert.Throws<ArgumentException>(() => MaxPool1D.Backward<T>(indexes, y, dx, batch, channels, 64, 4, 4));
                    Assert.Equal("argmax", error.ParamName);
                    Assert.Equal(dxBefore, dx);
                }
            }
        }

        [Fact]
        public void Forward_and_Backward_allocate_nothing()
        {
            T[] x = new T[2 * 3 * 8 * 8], y = new T[2 * 3 * 4 * 4], dx = new T[x.Length];
            int[] argmax = new int[y.Length];
            TestMath.AssertNoAllocation(() =>
            {
                MaxPool2D.Forward<T>(x, y, argmax, 2, 3, 8, 8, 2, 2);
                MaxPool2D.Backward<T>(argmax, y, dx, 2, 3, 8, 8, 2, 2);
            });
        }

        [Theory]
        [InlineData(0, 2, 8, 2, 2)]
        [InlineData(1, 1, 1, 1, 1)]
        [InlineData(2, 3, 9, 3, 2)]
        [InlineData(1, 2, 17, 2, 1)]
        [InlineData(3, 1, 16, 4, 4)]
        [InlineData(1, 2, 15, 2, 3)]
        public void One_dimensional_pooling_matches_the_definition(int batch, int channels, int length, int size, int stride)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * channels * length, 3));
            (double[] expected, int[] expectedArgmax) = NaivePooling.Forward(x, batch, channels, 1, length, 1, size, 1, stride);
            Assert.Equal(((length - size) / stride) + 1, MaxPool1D.OutputLength(length, size, stride));

            T[] y = TestMath.Garbage<T>(expected.Length);
            int[] argmax = new int[expected.Length];
            MaxPool1D.Forward<T>(TestMath.To<T>(x), y, argmax, batch, channels, length, size, stride);
            TestMath.AllClose(expected, y, 0, "y");
            Assert.Equal(expectedArgmax, argmax);

            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(y.Length, 4));
            var expectedDx = new double[x.Length];
            for (int i = 0; i < dy.Length; i++)
            {
                expectedDx[argmax[i]] += dy[i];
            }

            T[] dx = TestMath.Garbage<T>(x.Length);
            MaxPool1D.Backward<T>(argmax, TestMath.To<T>(dy), dx, batch, channels, length, size, stride);
            TestMath.AllClose(expectedDx, dx, TestMath.Tolerance<T>() * size, "dx");
        }
    }

    public sealed class MaxPoolSingleTests : MaxPoolTests<float>
    {
    }

    public sealed class MaxPoolDoubleTests : MaxPoolTests<double>
    {
    }
}
