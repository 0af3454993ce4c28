using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// Winograd's one-thread products (<see cref="WinogradProducts"/>) against the reference GEMM, and the convolution
    /// through them and through the general GEMM (<see cref="Winograd.FastProducts"/> on and off) against the naive one.
    /// </summary>
    public abstract class WinogradTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Every vector path, with row counts around the 4-row tiles and column counts around the 3-vector panels.</summary>
        public static IEnumerable<object[]> ProductShapes()
        {
            foreach (GemmPath path in Gemm.SupportedPaths())
            {
                if (path == GemmPath.Scalar)
                {
                    continue;
                }

                foreach (int[] shape in new[] { new[] { 1, 1, 1 }, [4, 3, 3], [5, 7, 2], [9, 32, 4], [64, 32, 7], [32, 64, 13], [3, 2, 6] })
                {
                    yield return [path.ToString(), shape[0], shape[1], shape[2]];
                }
            }
        }

        [Theory]
        [MemberData(nameof(ProductShapes))]
        public void The_products_match_the_reference_gemm(string pathName, int m, int k, int vectors)
        {
            GemmPath path = Enum.Parse<GemmPath>(pathName);
            int n = vectors * WinogradProducts.Lanes<T>(path);
            double[] a = TestMath.Rounded<T>(TestMath.Uniform(16 * m * k, 1)), b = TestMath.Rounded<T>(TestMath.Uniform(16 * k * n, 2));
            T[] c = TestMath.Garbage<T>(16 * m * n);
            T[] packed = TestMath.Garbage<T>(a.Length);
            WinogradProducts.Pack<T>(TestMath.To<T>(a), packed, m, k);
            WinogradProducts.Multiply<T>(packed, TestMath.To<T>(b), c, m, k, n, path);
            var expected = new double[16 * m * n];
            for (int xi = 0; xi < 16; xi++)
            {
                GemmReference.Multiply<double>(a.AsSpan(xi * m * k, m * k), b.AsSpan(xi * k * n, k * n), expected.AsSpan(xi * m * n, m * n), m, k, n);
            }

            TestMath.AllClose(expected, c, TestMath.Tolerance<T>() * (k + 1), $"C on {path}");
        }

        [Fact]
        public void The_products_reject_columns_that_are_not_whole_vectors()
        {
            GemmPath path = Gemm.SupportedPaths()[^1];
            if (path == GemmPath.Scalar)
            {
                return;
            }

            int n = WinogradProducts.Lanes<T>(path) + 1;
            var error = Assert.Throws<ArgumentException>(() => WinogradProducts.Multiply<T>(new T[16 * 4], new T[16 * n], new T[16 * 4 * n], 4, 1, n, path));
            Assert.Contains($"a multiple of {WinogradProducts.Lanes<T>(path)}", error.Message);
        }

        /// <summary>Every path, 1 and 2 threads, the fast products on and off, at the Fashion CNN's second layer and odd shapes.</summary>
        public static IEnumerable<object[]> Convolutions()
        {
            int[][] shapes =
            [
                [3, 32, 14, 14, 64, 1], // the Fashion CNN's second layer: 3 samples, 147 tiles padded to whole vectors
                [5, 9, 7, 9, 10, 1], // odd maps, odd channel counts: 9 and 10 rows (leftover rows after the 4-row tiles)
                [2, 8, 6, 5, 13, 0], // no padding; 13 filters
                [9, 8, 4, 3, 9, 2], // padding 2, maps larger than the input; 6 tiles a map, two groups of samples
                [2, 8, 5, 19, 8, 1], // rows of 10 tiles: more than a vector of them (a row's pairs in two rounds)
                [1, 8, 18, 33, 8, 1], // rows of 17 tiles, odd width: three rounds, the last one tile
            ];
            foreach (GemmPath path in Gemm.SupportedPaths())
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    foreach (bool fast in new[] { true, false })
                    {
                        foreach (int[] shape in shapes)
                        {
                            yield return [path.ToString(), threads, fast, shape];
                        }
                    }
                }
            }
        }

        [Theory]
        [MemberData(nameof(Convolutions))]
        public void The_convolution_matches_the_naive_one(string pathName, int threads, bool fast, int[] shape)
        {
            (int batch, int channels, int height, int width, int filters, int padding) = (shape[0], shape[1], shape[2], shape[3], shape[4], shape[5]);
            GemmPath path = Enum.Parse<GemmPath>(pathName);
            var geometry = WindowGeometry.Create(channels, height, width, 3, 3, 1, 1, padding, padding, "kernel", oneDimensional: false);
            Assert.Equal(path != GemmPath.Scalar, Winograd.Applies(geometry, filters, path));
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(batch * geometry.InputLength, 1));
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(filters * geometry.PatchLength, 2));
            double[] b = TestMath.Rounded<T>(TestMath.Uniform(filters, 3));
            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(batch * filters * geometry.Positions, 4));
            double[] yRef = NaiveConvolution.Forward(x, w, b, batch, channels, height, width, filters, 3, 3, 1, padding, padding, 1);
            (double[] dwRef, _, double[] dxRef) = NaiveConvolution.Backward(x, w, dy, batch, channels, height, width, filters, 3, 3, 1, padding, padding, 1);
            Winograd.FastProducts = fast;
            Winograd.InputGradientOnEveryPath = true;
            try
            {
                T[] workspace = TestMath.Garbage<T>(Convolution.WorkspaceLength(geometry, filters));
                T[] y = TestMath.Garbage<T>(yRef.Length);
                Convolution.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(b), y, workspace, batch, geometry, filters, hasBias: true, path, threads);
                TestMath.AllClose(yRef, y, TestMath.Tolerance<T>() * (geometry.PatchLength + 1), "y");
                T[] dx = TestMath.Garbage<T>(x.Length), dw = new T[w.Length];
                Convolution.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, new T[filters], dx, workspace, batch, geometry, filters, hasBias: true, hasInputGradient: true, path, threads);
                TestMath.AllClose(dxRef, dx, TestMath.Tolerance<T>() * ((filters * 9) + 1), "dx");
                TestMath.AllClose(dwRef, dw, TestMath.Tolerance<T>() * ((batch * geometry.Positions) + 1), "dw");
            }
            finally
            {
                Winograd.FastProducts = true;
                Winograd.InputGradientOnEveryPath = false;
            }
        }

        [Fact]
        public void One_thread_allocates_nothing_after_warm_up()
        {
            var geometry = WindowGeometry.Create(8, 14, 14, 3, 3, 1, 1, 1, 1, "kernel", oneDimensional: false);
            const int batch = 5, filters = 12;
            GemmPath path = Gemm.SupportedPaths()[^1];
            T[] x = new T[batch * geometry.InputLength], w = new T[filters * geometry.PatchLength], b = new T[filters];
            T[] y = new T[batch * filters * geometry.Positions], dw = new T[w.Length], db = new T[filters], dx = new T[x.Length];
            T[] workspace = new T[Convolution.WorkspaceLength(geometry, filters)];
            TestMath.AssertNoAllocation(() =>
            {
                Convolution.Forward<T>(x, w, b, y, workspace, batch, geometry, filters, hasBias: true, path, 1);
                Convolution.Backward<T>(x, w, y, dw, db, dx, workspace, batch, geometry, filters, hasBias: true, hasInputGradient: true, path, 1);
            });
        }
    }

    // They set process-wide switches (Winograd's), so they run alone, with the other tests that do.
    [Collection(AllThreadsCollection.Name)]
    public sealed class WinogradSingleTests : WinogradTests<float>
    {
    }

    [Collection(AllThreadsCollection.Name)]
    public sealed class WinogradDoubleTests : WinogradTests<double>
    {
    }
}
