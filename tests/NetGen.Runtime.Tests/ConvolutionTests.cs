using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// A direct (naive) convolution in double, written from the definition: the reference for the im2col + GEMM kernels.
    /// 2-D with kernel kh × kw; 1-D is height 1, kh = 1.
    /// </summary>
    internal static class NaiveConvolution
    {
        public static int OutputSize(int size, int kernel, int stride, int padding) => ((size + (2 * padding) - kernel) / stride) + 1;

        /// <summary><c>y[s,f,i,j] = b[f] + Σ_c Σ_u Σ_v w[f,c,u,v] · x[s, c, i·S − P + u, j·S − P + v]</c>, x = 0 outside.</summary>
        public static double[] Forward(double[] x, double[] w, double[] b, int batch, int channels, int height, int width, int filters, int kh, int kw, int stride, int padH, int padW, int strideH)
        {
            int ho = OutputSize(height, kh, strideH, padH), wo = OutputSize(width, kw, stride, padW);
            var y = new double[batch * filters * ho * wo];
            for (int s = 0; s < batch; s++)
            {
                for (int f = 0; f < filters; f++)
                {
                    for (int i = 0; i < ho; i++)
                    {
                        for (int j = 0; j < wo; j++)
                        {
                            double sum = b.Length > 0 ? b[f] : 0;
                            for (int c = 0; c < channels; c++)
                            {
                                for (int u = 0; u < kh; u++)
                                {
                                    for (int v = 0; v < kw; v++)
                                    {
                                        int h = (i * strideH) - padH + u, q = (j * stride) - padW + v;
                                        if (h >= 0 && h < height && q >= 0 && q < width)
                                        {
                                            sum += w[(((f * channels) + c) * kh + u) * kw + v] * x[(((s * channels) + c) * height + h) * width + q];
                                        }
                                    }
                                }
                            }

                            y[(((s * filters) + f) * ho + i) * wo + j] = sum;
                        }
                    }
                }
            }

            return y;
        }

        /// <summary>
        /// The gradients of <c>Σ dy ⊙ y</c>, by the chain rule on every term of the forward sum: each term
        /// <c>w·x</c> sends <c>dy·x</c> to w and <c>dy·w</c> to x.
        /// </summary>
        public static (double[] Dw, double[] Db, double[] Dx) Backward(double[] x, double[] w, double[] dy, int batch, int channels, int height, int width, int filters, int kh, int kw, int stride, int padH, int padW, int strideH)
        {
            int ho = OutputSize(height, kh, strideH, padH), wo = OutputSize(width, kw, stride, padW);
            var dw = new double[w.Length];
            var db = new double[filters];
            var dx = new double[x.Length];
            for (int s = 0; s < batch; s++)
            {
                for (int f = 0; f < filters; f++)
                {
                    for (int i = 0; i < ho; i++)
                    {
                        for (int j = 0; j < wo; j++)
                        {
                            double g = dy[(((s * filters) + f) * ho + i) * wo + j];
                            db[f] += g;
                            for (int c = 0; c < channels; c++)
                            {
                                for (int u = 0; u < kh; u++)
                                {
                                    for (int v = 0; v < kw; v++)
                                    {
                                        int h = (i * strideH) - padH + u, q = (j * stride) - padW + v;
                                        if (h >= 0 && h < height && q >= 0 && q < width)
                                        {
                                            int wi = (((f * channels) + c) * kh + u) * kw + v, xi = (((s * channels) + c) * height + h) * width + q;
                                            dw[wi] += g * x[xi];
                                            dx[xi] += g * w[wi];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }

            return (dw, db, dx);
        }
    }

    public abstract class Conv2DTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>batch, C, H, W, F, K, S, P: odd sizes, strides that divide or floor, padding up to K − 1, 1×1 kernels.</summary>
        public static IEnumerable<object[]> Shapes()
        {
            int[][] shapes =
            [
                [0, 2, 5, 5, 3, 3, 1, 1],
                [1, 1, 1, 1, 1, 1, 1, 0],
                [1, 1, 3, 3, 1, 3, 1, 0],
                [2, 3, 5, 7, 4, 3, 2, 1],
                [1, 2, 6, 6, 3, 2, 2, 0],
                [3, 1, 4, 5, 2, 3, 1, 2],
                [2, 3, 8, 8, 5, 1, 1, 0],
                [1, 2, 9, 9, 3, 3, 3, 1],
                [2, 4, 7, 5, 3, 5, 1, 2],
                [1, 2, 3, 17, 3, 1, 1, 0],
                [1, 1, 4, 16, 2, 3, 1, 1],
                [2, 2, 6, 15, 9, 3, 1, 1],
                [1, 3, 10, 11, 2, 4, 3, 1],
            ];
            foreach (int[] shape in shapes)
            {
                yield return [shape[0], shape[1], shape[2], shape[3], shape[4], shape[5], shape[6], shape[7]];
            }
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Forward_matches_the_direct_convolution(int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * channels * height * width, 1));
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(filters * channels * kernel * kernel, 2));
            double[] b = TestMath.Rounded<T>(TestMath.Uniform(filters, 3));
            double[] expected = NaiveConvolution.Forward(x, w, b, batch, channels, height, width, filters, kernel, kernel, stride, padding, padding, stride);

            T[] y = TestMath.Garbage<T>(expected.Length);
            T[] workspace = TestMath.Garbage<T>(Conv2D.WorkspaceLength(channels, height, width, filters, kernel, stride, padding));
            Conv2D.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(b), y, workspace, batch, channels, height, width, filters, kernel, stride, padding);

            TestMath.AllClose(expected, y, TestMath.Tolerance<T>() * ((channels * kernel * kernel) + 1), "y");
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Backward_accumulates_dw_and_db_and_overwrites_dx(int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding)
        {
            int ho = NaiveConvolution.OutputSize(height, kernel, stride, padding), wo = NaiveConvolution.OutputSize(width, kernel, stride, padding);
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * channels * height * width, 1));
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(filters * channels * kernel * kernel, 2));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(batch * filters * ho * wo, 3));
            double[] dw0 = TestMath.Rounded<T>(TestMath.Uniform(w.Length, 4));
            double[] db0 = TestMath.Rounded<T>(TestMath.Uniform(filters, 5));
            (double[] dwRef, double[] dbRef, double[] dxRef) = NaiveConvolution.Backward(x, w, dy, batch, channels, height, width, filters, kernel, kernel, stride, padding, padding, stride);
            for (int i = 0; i < dwRef.Length; i++)
            {
                dwRef[i] += dw0[i];
            }

            for (int f = 0; f < filters; f++)
            {
                dbRef[f] += db0[f];
            }

            T[] dw = TestMath.To<T>(dw0), db = TestMath.To<T>(db0), dx = TestMath.Garbage<T>(x.Length);
            T[] workspace = TestMath.Garbage<T>(Conv2D.WorkspaceLength(channels, height, width, filters, kernel, stride, padding));
            Conv2D.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, db, dx, workspace, batch, channels, height, width, filters, kernel, stride, padding);

            double tolerance = TestMath.Tolerance<T>() * ((batch * ho * wo) + (filters * kernel * kernel) + 1);
            TestMath.AllClose(dwRef, dw, tolerance, "dw");
            TestMath.AllClose(dbRef, db, tolerance, "db");
            TestMath.AllClose(dxRef, dx, tolerance, "dx");
        }

        [Fact]
        public void Backward_skips_db_and_dx_when_they_are_empty()
        {
            const int batch = 2, channels = 2, size = 5, filters = 3, kernel = 3, stride = 2, padding = 1;
            T[] x = TestMath.To<T>(TestMath.Uniform(batch * channels * size * size, 1));
            T[] w = TestMath.To<T>(TestMath.Uniform(filters * channels * kernel * kernel, 2));
            T[] dy = TestMath.To<T>(TestMath.Uniform(batch * filters * 3 * 3, 3));
            T[] workspace = new T[Conv2D.WorkspaceLength(channels, size, size, filters, kernel, stride, padding)];
            var dwWithAll = new T[w.Length];
            var dwAlone = new T[w.Length];
            Conv2D.Backward<T>(x, w, dy, dwWithAll, new T[filters], new T[x.Length], workspace, batch, channels, size, size, filters, kernel, stride, padding);
            Conv2D.Backward<T>(x, w, dy, dwAlone, Span<T>.Empty, Span<T>.Empty, workspace, batch, channels, size, size, filters, kernel, stride, padding);
            Assert.Equal(dwWithAll, dwAlone);
            Assert.Contains(dwAlone, value => value != T.Zero);
        }

        [Fact]
        public void Forward_without_bias_matches_the_direct_convolution()
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(2 * 2 * 5 * 4, 1));
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(3 * 2 * 2 * 2, 2));
            double[] expected = NaiveConvolution.Forward(x, w, [], 2, 2, 5, 4, 3, 2, 2, 1, 0, 0, 1);
            T[] y = TestMath.Garbage<T>(expected.Length);
            Conv2D.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), ReadOnlySpan<T>.Empty, y, new T[Conv2D.WorkspaceLength(2, 5, 4, 3, 2, 1, 0)], 2, 2, 5, 4, 3, 2, 1, 0);
            TestMath.AllClose(expected, y, TestMath.Tolerance<T>() * 9, "y");
        }

        [Fact]
        public void Sizes_follow_the_floor_formula()
        {
            Assert.Equal(26, Conv2D.OutputSize(28, 3, 1, 0));
            Assert.Equal(28, Conv2D.OutputSize(28, 3, 1, 1));
            Assert.Equal(14, Conv2D.OutputSize(28, 3, 2, 1));
            Assert.Equal(3, Conv2D.OutputSize(6, 2, 2, 0));
            Assert.Equal(3, Conv2D.OutputSize(7, 2, 2, 0)); // ⌊5/2⌋ + 1: the last row is not reached
            Assert.Equal((9 * 26 * 26) + (8 * 26 * 26), Conv2D.WorkspaceLength(1, 28, 28, 8, 3, 1, 0)); // patches, then F × max(P, Q)
            Assert.Equal((288 * 49) + (64 * 288), Conv2D.WorkspaceLength(32, 7, 7, 64, 3, 1, 1)); // a patch longer than the map
        }

        [Fact]
        public void Rejects_wrong_lengths_naming_the_expected_size()
        {
            // 1×4×4 input, 2 filters of 3×3: output 2×2×2 per sample, workspace 9·4 + 2·max(4, 9) = 54.
            var w = new T[18];
            var b = new T[2];
            var y = new T[8];
            var workspace = new T[54];
            var x = Assert.Throws<ArgumentException>(() => Conv2D.Forward<T>(new T[15], w, b, y, workspace, 1, 1, 4, 4, 2, 3, 1, 0));
            Assert.Equal("x", x.ParamName);
            Assert.Contains("expected 16 (batch × C × H × W)", x.Message);

            var weights = Assert.Throws<ArgumentException>(() => Conv2D.Forward<T>(new T[16], new T[17], b, y, workspace, 1, 1, 4, 4, 2, 3, 1, 0));
            Assert.Equal("w", weights.ParamName);
            Assert.Contains("expected 18 (F × C × K × K)", weights.Message);

            var output = Assert.Throws<ArgumentException>(() => Conv2D.Forward<T>(new T[16], w, b, new T[9], workspace, 1, 1, 4, 4, 2, 3, 1, 0));
            Assert.Equal("y", output.ParamName);
            Assert.Contains("expected 8", output.Message);

            var scratch = Assert.Throws<ArgumentException>(() => Conv2D.Forward<T>(new T[16], w, b, y, new T[53], 1, 1, 4, 4, 2, 3, 1, 0));
            Assert.Equal("workspace", scratch.ParamName);
            Assert.Contains("expected 54", scratch.Message);

            var dx = Assert.Throws<ArgumentException>(() => Conv2D.Backward<T>(new T[16], w, y, new T[18], b, new T[3], workspace, 1, 1, 4, 4, 2, 3, 1, 0));
            Assert.Equal("dx", dx.ParamName);
            Assert.Contains("expected 16", dx.Message);
            Assert.Contains("or empty to skip it", dx.Message);

            var window = Assert.Throws<ArgumentException>(() => Conv2D.Forward<T>(new T[16], new T[50], b, y, workspace, 1, 1, 4, 4, 2, 5, 1, 0));
            Assert.Equal("kernel", window.ParamName);
            Assert.Contains("5×5 does not fit the padded input of 4×4", window.Message);

            Assert.Throws<ArgumentOutOfRangeException>(() => Conv2D.Forward<T>(new T[16], w, b, y, workspace, 1, 1, 4, 4, 2, 3, 0, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => Conv2D.Forward<T>(new T[16], w, b, y, workspace, 1, 1, 4, 4, 2, 3, 1, -1));
        }

        /// <summary>Every GEMM path and 1–3 threads (samples split with the grain lowered to one multiply-add), at the Fashion CNN's two layers and odd shapes.</summary>
        public static IEnumerable<object[]> PathsThreadsAndShapes()
        {
            int[][] shapes =
            [
                [3, 1, 28, 28, 32, 3, 1, 1], // the Fashion CNN's first layer (one channel, same size: flat im2col/col2im)
                [3, 32, 14, 14, 64, 3, 1, 1], // its second layer (Q = 288 > P = 196, stride 1: dCols, flat col2im)
                [2, 3, 9, 9, 4, 3, 2, 1], // stride 2 with Q = 27 > P = 25: dRows
                [5, 3, 4, 5, 9, 2, 1, 0],
                [4, 2, 7, 5, 3, 3, 2, 1],
                [9, 2, 6, 7, 5, 3, 1, 1], // 9 samples: parts of one or two samples on 2 or 3 threads
                [6, 3, 8, 7, 4, 3, 2, 1], // stride 2 on an odd map, Q = 27 > P = 16: general im2col, dRows
                [2, 1, 5, 19, 6, 3, 1, 1], // one channel, direct: rows of 19 (an overlapping last vector), 4 + 2 filters
                [3, 1, 6, 13, 3, 2, 1, 1], // one channel, direct, 2 × 2 kernel: maps of 7 × 14, larger than the input
                [2, 1, 9, 13, 5, 3, 1, 0], // one channel, 3 × 3, no padding: the nine-tap kernel gradient's scalar tail on real values
                [2, 1, 9, 7, 5, 5, 1, 0], // one channel, rows of 3: the direct kernel on none of the paths, the GEMM instead
                [3, 8, 7, 9, 8, 3, 1, 1], // Winograd: odd maps (blocks over the edge), 3 samples in one group
                [2, 9, 6, 5, 10, 3, 1, 0], // Winograd without padding (the input gradient pads by 2)
                [2, 8, 4, 3, 9, 3, 1, 2], // Winograd with padding 2: maps larger than the input, the input gradient unpadded
                [20, 8, 3, 3, 8, 3, 1, 1], // Winograd: 4 tiles a map, groups of 20 samples split over threads
                [3, 8, 7, 6, 8, 3, 1, 1], // Winograd: even width, odd height (the kernel gradient's rows read straight from dy, the last block half outside)
            ];
            foreach (GemmPath path in Gemm.SupportedPaths())
            {
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    foreach (int[] shape in shapes)
                    {
                        yield return [path.ToString(), threads, shape];
                    }
                }
            }
        }

        [Theory]
        [MemberData(nameof(PathsThreadsAndShapes))]
        public void Every_path_split_by_samples_matches_the_direct_convolution(string path, int threads, int[] shape)
        {
            (int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding) = (shape[0], shape[1], shape[2], shape[3], shape[4], shape[5], shape[6], shape[7]);
            var geometry = WindowGeometry.Create(channels, height, width, kernel, kernel, stride, stride, padding, padding, "kernel", oneDimensional: false);
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * geometry.InputLength, 1));
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(filters * geometry.PatchLength, 2));
            double[] b = TestMath.Rounded<T>(TestMath.Uniform(filters, 3));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(batch * filters * geometry.Positions, 4));
            double[] dw0 = TestMath.Rounded<T>(TestMath.Uniform(w.Length, 5)), db0 = TestMath.Rounded<T>(TestMath.Uniform(filters, 6));
            double[] yRef = NaiveConvolution.Forward(x, w, b, batch, channels, height, width, filters, kernel, kernel, stride, padding, padding, stride);
            (double[] dwRef, double[] dbRef, double[] dxRef) = NaiveConvolution.Backward(x, w, dy, batch, channels, height, width, filters, kernel, kernel, stride, padding, padding, stride);
            for (int i = 0; i < dwRef.Length; i++)
            {
                dwRef[i] += dw0[i];
            }

            for (int f = 0; f < filters; f++)
            {
                dbRef[f] += db0[f];
            }

            GemmPath gemmPath = Enum.Parse<GemmPath>(path);
            long grain = Gemm.ParallelGrain;
            Gemm.ParallelGrain = 1;
            try
            {
                Assert.Equal(Math.Min(threads, batch), Convolution.SampleThreads(batch, geometry, filters, threads));
                T[] workspace = TestMath.Garbage<T>(Convolution.WorkspaceLength(geometry, filters));
                T[] y = TestMath.Garbage<T>(yRef.Length);
                Convolution.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(b), y, workspace, batch, geometry, filters, hasBias: true, gemmPath, threads);
                TestMath.AllClose(yRef, y, TestMath.Tolerance<T>() * (geometry.PatchLength + 1), "y");

                T[] dw = TestMath.To<T>(dw0), db = TestMath.To<T>(db0), dx = TestMath.Garbage<T>(x.Length);
                Convolution.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, db, dx, workspace, batch, geometry, filters, hasBias: true, hasInputGradient: true, gemmPath, threads);
                double tolerance = TestMath.Tolerance<T>() * ((batch * geometry.Positions) + (filters * kernel * kernel) + 1);
                TestMath.AllClose(dwRef, dw, tolerance, "dw");
                TestMath.AllClose(dbRef, db, tolerance, "db");
                TestMath.AllClose(dxRef, dx, tolerance, "dx");
            }
            finally
            {
                Gemm.ParallelGrain = grain;
            }
        }

        /// <summary>Winograd's F(2 × 2, 3 × 3) applies to the Fashion CNN's second layer, forward, input gradient and kernel gradient, on every vector path (the input gradient is taken off the 512-bit one), and only to 3 × 3 windows with stride 1.</summary>
        [Fact]
        public void Three_by_three_layers_with_stride_1_and_8_channels_take_winograd_on_vector_paths()
        {
            var second = WindowGeometry.Create(32, 14, 14, 3, 3, 1, 1, 1, 1, "kernel", oneDimensional: false);
            foreach (GemmPath path in Gemm.SupportedPaths())
            {
                bool vector = path != GemmPath.Scalar && System.Numerics.Vector.IsHardwareAccelerated;
                Assert.Equal(vector, Winograd.Applies(second, 64, path));
                Assert.Equal(vector, Winograd.AppliesToInputGradient(second, 64, path));
                Assert.Equal(path != GemmPath.Vector512, Winograd.PaysForInputGradient(path));
                Assert.Equal(vector, Winograd.AppliesToWeightGradient(second, 64, path));
            }

            Assert.False(Winograd.Applies(WindowGeometry.Create(32, 14, 14, 3, 3, 2, 2, 1, 1, "kernel", oneDimensional: false), 64, GemmPath.Vector128));
            Assert.False(Winograd.Applies(WindowGeometry.Create(32, 14, 14, 5, 5, 1, 1, 2, 2, "kernel", oneDimensional: false), 64, GemmPath.Vector128));
            Assert.False(Winograd.Applies(WindowGeometry.Create(4, 14, 14, 3, 3, 1, 1, 1, 1, "kernel", oneDimensional: false), 64, GemmPath.Vector128));
            Assert.False(Winograd.AppliesToInputGradient(WindowGeometry.Create(8, 4, 4, 3, 3, 1, 1, 3, 3, "kernel", oneDimensional: false), 8, GemmPath.Vector128));
        }

        /// <summary>The direct one-channel kernel on every vector path (the convolution takes it only where it pays), against the naive convolution.</summary>
        [Theory]
        [InlineData(28, 28, 32, 3, 1)]
        [InlineData(5, 19, 6, 3, 1)]
        [InlineData(6, 13, 3, 2, 1)]
        [InlineData(9, 17, 5, 5, 0)]
        public void The_direct_one_channel_kernel_matches_the_naive_convolution_on_every_path(int height, int width, int filters, int kernel, int padding)
        {
            var geometry = WindowGeometry.Create(1, height, width, kernel, kernel, 1, 1, padding, padding, "kernel", oneDimensional: false);
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(geometry.InputLength, 1));
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(filters * geometry.PatchLength, 2));
            double[] b = TestMath.Rounded<T>(TestMath.Uniform(filters, 3));
            double[] yRef = NaiveConvolution.Forward(x, w, b, 1, 1, height, width, filters, kernel, kernel, 1, padding, padding, 1);
            foreach (GemmPath path in Gemm.SupportedPaths())
            {
                if (!DirectConvolution.Applies<T>(geometry, path))
                {
                    continue;
                }

                T[] y = TestMath.Garbage<T>(yRef.Length), padded = TestMath.Garbage<T>(Convolution.WorkspaceLength(geometry, filters));
                DirectConvolution.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(b), y, padded, geometry, filters, hasBias: true, path);
                TestMath.AllClose(yRef, y, TestMath.Tolerance<T>() * (geometry.PatchLength + 1), $"y on {path}");
            }
        }

        /// <summary>Winograd's transforms without the AVX2 shuffles (as on Arm64): the same results as the naive convolution.</summary>
        [Theory]
        [InlineData(3, 8, 7, 9, 8, 1)]
        [InlineData(2, 16, 14, 14, 8, 1)]
        [InlineData(2, 8, 6, 5, 9, 0)]
        [InlineData(2, 8, 4, 3, 9, 2)]
        [InlineData(3, 8, 7, 6, 8, 1)]
        public void Winograd_without_shuffles_matches_the_direct_convolution(int batch, int channels, int height, int width, int filters, int padding)
        {
            var geometry = WindowGeometry.Create(channels, height, width, 3, 3, 1, 1, padding, padding, "kernel", oneDimensional: false);
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * geometry.InputLength, 1));
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(filters * geometry.PatchLength, 2));
            double[] b = TestMath.Rounded<T>(TestMath.Uniform(filters, 3));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(batch * filters * geometry.Positions, 4));
            double[] yRef = NaiveConvolution.Forward(x, w, b, batch, channels, height, width, filters, 3, 3, 1, padding, padding, 1);
            (double[] dwRef, _, double[] dxRef) = NaiveConvolution.Backward(x, w, dy, batch, channels, height, width, filters, 3, 3, 1, padding, padding, 1);
            GemmPath path = Gemm.SupportedPaths()[^1];
            Assert.True(path == GemmPath.Scalar || Winograd.AppliesToInputGradient(geometry, filters, path));
            Assert.True(path == GemmPath.Scalar || Winograd.AppliesToWeightGradient(geometry, filters, path));
            Winograd.UseShuffles = false;
            Winograd.InputGradientOnEveryPath = true;
            try
            {
                T[] workspace = TestMath.Garbage<T>(Convolution.WorkspaceLength(geometry, filters));
                T[] y = TestMath.Garbage<T>(yRef.Length);
                Convolution.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(b), y, workspace, batch, geometry, filters, hasBias: true, path, 1);
                TestMath.AllClose(yRef, y, TestMath.Tolerance<T>() * (geometry.PatchLength + 1), "y");
                T[] dx = TestMath.Garbage<T>(x.Length), dw = new T[w.Length];
                Convolution.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, new T[filters], dx, workspace, batch, geometry, filters, hasBias: true, hasInputGradient: true, path, 1);
                TestMath.AllClose(dxRef, dx, TestMath.Tolerance<T>() * ((filters * 9) + 1), "dx");
                TestMath.AllClose(dwRef, dw, TestMath.Tolerance<T>() * ((batch * geometry.Positions) + 1), "dw");
            }
            finally
            {
                Winograd.UseShuffles = true;
                Winograd.InputGradientOnEveryPath = false;
            }
        }

        /// <summary>The direct one-channel kernel applies to the Fashion CNN's first layer on every vector path (and is taken on the 512-bit one), and leaves what it cannot take to the GEMM.</summary>
        [Fact]
        public void One_channel_layers_with_stride_1_take_the_direct_kernel_on_vector_paths()
        {
            var first = WindowGeometry.Create(1, 28, 28, 3, 3, 1, 1, 1, 1, "kernel", oneDimensional: false);
            foreach (GemmPath path in Gemm.SupportedPaths())
            {
                Assert.Equal(path != GemmPath.Scalar, DirectConvolution.Applies<T>(first, path));
                Assert.Equal(path == GemmPath.Vector512, DirectConvolution.Pays(path));
            }

            Assert.False(DirectConvolution.Applies<T>(WindowGeometry.Create(2, 28, 28, 3, 3, 1, 1, 1, 1, "kernel", oneDimensional: false), GemmPath.Vector128));
            Assert.False(DirectConvolution.Applies<T>(WindowGeometry.Create(1, 28, 28, 3, 3, 2, 2, 1, 1, "kernel", oneDimensional: false), GemmPath.Vector128));
            Assert.False(DirectConvolution.Applies<T>(WindowGeometry.Create(1, 9, 1, 3, 3, 1, 1, 1, 1, "kernel", oneDimensional: false), GemmPath.Vector128));
        }

        [Fact]
        public void Forward_and_Backward_allocate_nothing()
        {
            const int batch = 3, channels = 2, size = 7, filters = 4, kernel = 3, stride = 2, padding = 1;
            T[] x = new T[batch * channels * size * size], w = new T[filters * channels * kernel * kernel], b = new T[filters];
            T[] y = new T[batch * filters * 4 * 4], dw = new T[w.Length], db = new T[filters], dx = new T[x.Length];
            T[] workspace = new T[Conv2D.WorkspaceLength(channels, size, size, filters, kernel, stride, padding)];
            TestMath.AssertNoAllocation(() =>
            {
                Conv2D.Forward<T>(x, w, b, y, workspace, batch, channels, size, size, filters, kernel, stride, padding);
                Conv2D.Backward<T>(x, w, y, dw, db, dx, workspace, batch, channels, size, size, filters, kernel, stride, padding);
            });
        }
    }

    // The 2-D tests set process-wide switches (Gemm.ParallelGrain, Winograd's), which another class's test restoring them
    // at the same moment would undo under a running assertion: they run alone, with the allocation tests.
    [Collection(AllThreadsCollection.Name)]
    public sealed class Conv2DSingleTests : Conv2DTests<float>
    {
    }

    [Collection(AllThreadsCollection.Name)]
    public sealed class Conv2DDoubleTests : Conv2DTests<double>
    {
        [Theory]
        [InlineData(1, 1, 3, 3, 1, 2, 1, 0)]
        [InlineData(2, 2, 5, 4, 3, 3, 2, 1)]
        [InlineData(2, 3, 6, 6, 2, 3, 1, 2)]
        public void Backward_matches_central_differences_of_forward(int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding)
        {
            int ho = Conv2D.OutputSize(height, kernel, stride, padding), wo = Conv2D.OutputSize(width, kernel, stride, padding);
            double[] x = TestMath.Uniform(batch * channels * height * width, 1);
            double[] w = TestMath.Uniform(filters * channels * kernel * kernel, 2);
            double[] b = TestMath.Uniform(filters, 3);
            double[] r = TestMath.Uniform(batch * filters * ho * wo, 4);
            var y = new double[r.Length];
            var workspace = new double[Conv2D.WorkspaceLength(channels, height, width, filters, kernel, stride, padding)];
            double Loss()
            {
                Conv2D.Forward<double>(x, w, b, y, workspace, batch, channels, height, width, filters, kernel, stride, padding);
                return TestMath.Dot(r, y);
            }

            var dw = new double[w.Length];
            var db = new double[b.Length];
            var dx = new double[x.Length];
            Conv2D.Backward<double>(x, w, r, dw, db, dx, workspace, batch, channels, height, width, filters, kernel, stride, padding);
            // The loss sums hundreds of products, so central differences carry rounding noise of about 1e-8.
            TestMath.AllClose(TestMath.NumericGradient(Loss, x), dx, 1e-6, "dx");
            TestMath.AllClose(TestMath.NumericGradient(Loss, w), dw, 1e-6, "dw");
            TestMath.AllClose(TestMath.NumericGradient(Loss, b), db, 1e-6, "db");
        }
    }

    public abstract class Conv1DTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>batch, C, L, F, K, S, P.</summary>
        public static IEnumerable<object[]> Shapes()
        {
            int[][] shapes =
            [
                [0, 2, 9, 3, 3, 1, 1],
                [1, 1, 1, 1, 1, 1, 0],
                [2, 3, 10, 4, 3, 1, 0],
                [2, 2, 11, 3, 4, 3, 2],
                [3, 1, 7, 2, 5, 2, 1],
                [1, 4, 16, 5, 1, 1, 0],
                [1, 2, 17, 3, 3, 1, 1],
                [2, 3, 15, 2, 2, 2, 0],
            ];
            foreach (int[] shape in shapes)
            {
                yield return [shape[0], shape[1], shape[2], shape[3], shape[4], shape[5], shape[6]];
            }
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Forward_matches_the_direct_convolution(int batch, int channels, int length, int filters, int kernel, int stride, int padding)
        {
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * channels * length, 1));
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(filters * channels * kernel, 2));
            double[] b = TestMath.Rounded<T>(TestMath.Uniform(filters, 3));
            double[] expected = NaiveConvolution.Forward(x, w, b, batch, channels, 1, length, filters, 1, kernel, stride, 0, padding, 1);

            T[] y = TestMath.Garbage<T>(expected.Length);
            T[] workspace = TestMath.Garbage<T>(Conv1D.WorkspaceLength(channels, length, filters, kernel, stride, padding));
            Conv1D.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(b), y, workspace, batch, channels, length, filters, kernel, stride, padding);

            TestMath.AllClose(expected, y, TestMath.Tolerance<T>() * ((channels * kernel) + 1), "y");
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Backward_accumulates_dw_and_db_and_overwrites_dx(int batch, int channels, int length, int filters, int kernel, int stride, int padding)
        {
            int lo = NaiveConvolution.OutputSize(length, kernel, stride, padding);
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * channels * length, 1));
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(filters * channels * kernel, 2));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(batch * filters * lo, 3));
            double[] dw0 = TestMath.Rounded<T>(TestMath.Uniform(w.Length, 4));
            (double[] dwRef, double[] dbRef, double[] dxRef) = NaiveConvolution.Backward(x, w, dy, batch, channels, 1, length, filters, 1, kernel, stride, 0, padding, 1);
            for (int i = 0; i < dwRef.Length; i++)
            {
                dwRef[i] += dw0[i];
            }

            T[] dw = TestMath.To<T>(dw0), db = new T[filters], dx = TestMath.Garbage<T>(x.Length);
            T[] workspace = TestMath.Garbage<T>(Conv1D.WorkspaceLength(channels, length, filters, kernel, stride, padding));
            Conv1D.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, db, dx, workspace, batch, channels, length, filters, kernel, stride, padding);

            double tolerance = TestMath.Tolerance<T>() * ((batch * lo) + (filters * kernel) + 1);
            TestMath.AllClose(dwRef, dw, tolerance, "dw");
            TestMath.AllClose(dbRef, db, tolerance, "db");
            TestMath.AllClose(dxRef, dx, tolerance, "dx");
        }

        [Fact]
        public void Rejects_wrong_lengths_naming_the_expected_size()
        {
            // 2×9 input, 3 filters of 3, stride 2, padding 1: output 3×5, workspace 6·5 + 3·max(5, 6) = 48.
            Assert.Equal(5, Conv1D.OutputLength(9, 3, 2, 1));
            Assert.Equal(48, Conv1D.WorkspaceLength(2, 9, 3, 3, 2, 1));
            var error = Assert.Throws<ArgumentException>(() => Conv1D.Forward<T>(new T[18], new T[18], new T[3], new T[14], new T[48], 1, 2, 9, 3, 3, 2, 1));
            Assert.Equal("y", error.ParamName);
            Assert.Contains("expected 15 (batch × F × Lo)", error.Message);

            var window = Assert.Throws<ArgumentException>(() => Conv1D.OutputLength(3, 6, 1, 1));
            Assert.Equal("kernel", window.ParamName);
            Assert.Contains("window of 6 is longer than the padded input of 5", window.Message);
        }

        [Fact]
        public void Forward_and_Backward_allocate_nothing()
        {
            T[] x = new T[2 * 3 * 11], w = new T[4 * 3 * 3], b = new T[4], y = new T[2 * 4 * 11], dw = new T[w.Length], db = new T[4], dx = new T[x.Length];
            T[] workspace = new T[Conv1D.WorkspaceLength(3, 11, 4, 3, 1, 1)];
            TestMath.AssertNoAllocation(() =>
            {
                Conv1D.Forward<T>(x, w, b, y, workspace, 2, 3, 11, 4, 3, 1, 1);
                Conv1D.Backward<T>(x, w, y, dw, db, dx, workspace, 2, 3, 11, 4, 3, 1, 1);
            });
        }
    }

    public sealed class Conv1DSingleTests : Conv1DTests<float>
    {
    }

    public sealed class Conv1DDoubleTests : Conv1DTests<double>
    {
        [Fact]
        public void Backward_matches_central_differences_of_forward()
        {
            const int batch = 2, channels = 2, length = 9, filters = 3, kernel = 3, stride = 2, padding = 1;
            double[] x = TestMath.Uniform(batch * channels * length, 1);
            double[] w = TestMath.Uniform(filters * channels * kernel, 2);
            double[] b = TestMath.Uniform(filters, 3);
            double[] r = TestMath.Uniform(batch * filters * Conv1D.OutputLength(length, kernel, stride, padding), 4);
            var y = new double[r.Length];
            var workspace = new double[Conv1D.WorkspaceLength(channels, length, filters, kernel, stride, padding)];
            double Loss()
            {
                Conv1D.Forward<double>(x, w, b, y, workspace, batch, channels, length, filters, kernel, stride, padding);
                return TestMath.Dot(r, y);
            }

            var dw = new double[w.Length];
            var db = new double[b.Length];
            var dx = new double[x.Length];
            Conv1D.Backward<double>(x, w, r, dw, db, dx, workspace, batch, channels, length, filters, kernel, stride, padding);
            // The loss sums hundreds of products, so central differences carry rounding noise of about 1e-8.
            TestMath.AllClose(TestMath.NumericGradient(Loss, x), dx, 1e-6, "dx");
            TestMath.AllClose(TestMath.NumericGradient(Loss, w), dw, 1e-6, "dw");
            TestMath.AllClose(TestMath.NumericGradient(Loss, b), db, 1e-6, "db");
        }
    }
}
