using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// The SIMD matrix kernels on every path this processor has (Vector128 included, so ARM64 and SSE-only code runs here
    /// too), against a naive product in double: sizes 0, 1, around the tile and vector widths (2 and 4 lanes of the
    /// 128-bit path: 3, 4, 5; 7, 15, 16, 17, 31, 33, 65) and past the k block (257), on one thread and split.
    /// </summary>
    public abstract class GemmTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static readonly int[] Sizes = [0, 1, 3, 4, 5, 7, 15, 16, 17, 31, 33, 65, 131];
        private static readonly int[] Depths = [0, 1, 3, 5, 7, 16, 17, 33, 257];

        public static IEnumerable<object[]> PathsAndThreads()
        {
            foreach (GemmPath path in Gemm.SupportedPaths())
            {
                yield return [path.ToString(), 1];
                yield return [path.ToString(), 2];
                yield return [path.ToString(), 3];
            }
        }

        [Theory]
        [MemberData(nameof(PathsAndThreads))]
        public void MultiplyTransposedB_matches_the_reference(string path, int threads)
        {
            using var grain = SmallGrain();
            foreach ((int m, int k, int n) in Shapes())
            {
                double[] a = Values(m * k, 1), b = Values(n * k, 2), bias = Values(n, 3);
                foreach (bool withBias in new[] { false, true })
                {
                    T[] c = Garbage(m * n);
                    Gemm.MultiplyTransposedB<T>(TestMath.To<T>(a), TestMath.To<T>(b), withBias ? TestMath.To<T>(bias) : [], c, m, k, n, Parse(path), threads);
                    (double[] expected, double[] scale) = Reference(m, k, n, (i, p) => a[(i * k) + p], (p, j) => b[(j * k) + p]);
                    if (withBias)
                    {
                        AddBias(expected, scale, bias, m, n);
                    }

                    AssertClose(expected, scale, c, $"A·Bᵀ {m}×{k}×{n} bias={withBias}");
                }
            }
        }

        [Theory]
        [MemberData(nameof(PathsAndThreads))]
        public void AddTransposedAMultiply_accumulates_like_the_reference(string path, int threads)
        {
            using var grain = SmallGrain();
            foreach ((int m, int kk, int n) in Shapes())
            {
                double[] a = Values(kk * m, 4), b = Values(kk * n, 5), c0 = Values(m * n, 6);
                T[] c = TestMath.To<T>(c0);
                Gemm.AddTransposedAMultiply<T>(TestMath.To<T>(a), TestMath.To<T>(b), c, m, kk, n, Parse(path), threads);
                (double[] expected, double[] scale) = Reference(m, kk, n, (i, p) => a[(p * m) + i], (p, j) => b[(p * n) + j]);
                AddBias(expected, scale, c0, m, n, wholeMatrix: true);
                AssertClose(expected, scale, c, $"C+=Aᵀ·B {m}×{kk}×{n}");
            }
        }

        [Theory]
        [MemberData(nameof(PathsAndThreads))]
        public void AddMultiplyTransposedB_accumulates_like_the_reference(string path, int threads)
        {
            using var grain = SmallGrain();
            foreach ((int m, int k, int n) in Shapes())
            {
                double[] a = Values(m * k, 14), b = Values(n * k, 15), c0 = Values(m * n, 16);
                T[] c = TestMath.To<T>(c0);
                Gemm.AddMultiplyTransposedB<T>(TestMath.To<T>(a), TestMath.To<T>(b), c, m, k, n, Parse(path), threads);
                (double[] expected, double[] scale) = Reference(m, k, n, (i, p) => a[(i * k) + p], (p, j) => b[(j * k) + p]);
                AddBias(expected, scale, c0, m, n, wholeMatrix: true);
                AssertClose(expected, scale, c, $"C+=A·Bᵀ {m}×{k}×{n}");
            }
        }

        [Theory]
        [MemberData(nameof(PathsAndThreads))]
        public void Multiply_overwrites_like_the_reference(string path, int threads)
        {
            using var grain = SmallGrain();
            foreach ((int m, int kk, int n) in Shapes())
            {
                double[] a = Values(m * kk, 7), b = Values(kk * n, 8);
                T[] c = Garbage(m * n);
                Gemm.Multiply<T>(TestMath.To<T>(a), TestMath.To<T>(b), c, m, kk, n, Parse(path), threads);
                (double[] expected, double[] scale) = Reference(m, kk, n, (i, p) => a[(i * kk) + p], (p, j) => b[(p * n) + j]);
                AssertClose(expected, scale, c, $"A·B {m}×{kk}×{n}");
            }
        }

        [Theory]
        [MemberData(nameof(PathsAndThreads))]
        public void The_dense_layer_shapes_match_the_reference(string path, int threads)
        {
            // The Fashion-MNIST MLP at batch 128, with the default grain: these are split for real.
            (int M, int K, int N)[] shapes = [(128, 784, 256), (128, 256, 128), (128, 128, 10)];
            foreach ((int m, int k, int n) in shapes)
            {
                double[] x = Values(m * k, 9), w = Values(n * k, 10), dy = Values(m * n, 11);
                T[] y = Garbage(m * n);
                Gemm.MultiplyTransposedB<T>(TestMath.To<T>(x), TestMath.To<T>(w), [], y, m, k, n, Parse(path), threads);
                (double[] expected, double[] scale) = Reference(m, k, n, (i, p) => x[(i * k) + p], (p, j) => w[(j * k) + p]);
                AssertClose(expected, scale, y, $"forward {m}×{k}×{n}");

                T[] dw = new T[n * k];
                Gemm.AddTransposedAMultiply<T>(TestMath.To<T>(dy), TestMath.To<T>(x), dw, n, m, k, Parse(path), threads);
                (expected, scale) = Reference(n, m, k, (o, s) => dy[(s * n) + o], (s, i) => x[(s * k) + i]);
                AssertClose(expected, scale, dw, $"dW {n}×{m}×{k}");

                T[] dx = Garbage(m * k);
                Gemm.Multiply<T>(TestMath.To<T>(dy), TestMath.To<T>(w), dx, m, n, k, Parse(path), threads);
                (expected, scale) = Reference(m, n, k, (s, o) => dy[(s * n) + o], (o, i) => w[(o * k) + i]);
                AssertClose(expected, scale, dx, $"dX {m}×{n}×{k}");
            }
        }

        public static IEnumerable<object[]> Paths()
        {
            foreach (GemmPath path in Gemm.SupportedPaths())
            {
                yield return [path.ToString()];
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Small_products_at_random_shapes_match_the_reference(string path)
        {
            // A batch of one to three rows, as tiny networks run: the dot tiles' one-tree lane sums (k around the
            // vector widths, and the scalar tail of k), single-row outer products with their 4 partial sums over k
            // (k from 8, tails of k mod 4), and the column tails, on every path, for all three products.
            var random = new Random(17 + (int)Parse(path));
            for (int trial = 0; trial < 150; trial++)
            {
                int m = random.Next(1, 4), k = random.Next(0, 41), n = random.Next(1, 41);
                double[] a = Values(m * k, 20 + trial), b = Values(n * k, 21 + trial), bias = Values(n, 22 + trial), c0 = Values(m * n, 23 + trial);

                T[] y = Garbage(m * n);
                Gemm.MultiplyTransposedB<T>(TestMath.To<T>(a), TestMath.To<T>(b), TestMath.To<T>(bias), y, m, k, n, Parse(path), 1);
                (double[] expected, double[] scale) = Reference(m, k, n, (i, p) => a[(i * k) + p], (p, j) => b[(j * k) + p]);
                AddBias(expected, scale, bias, m, n);
                AssertClose(expected, scale, y, $"A·Bᵀ+bias {m}×{k}×{n}");

                T[] dx = Garbage(m * n);
                Gemm.Multiply<T>(TestMath.To<T>(a), TestMath.To<T>(b), dx, m, k, n, Parse(path), 1);
                (expected, scale) = Reference(m, k, n, (i, p) => a[(i * k) + p], (p, j) => b[(p * n) + j]);
                AssertClose(expected, scale, dx, $"A·B {m}×{k}×{n}");

                // dW += dYᵀ · X at a batch of m: C [n × k] from A [m × n], B [m × k].
                double[] w0 = Values(n * k, 24 + trial);
                T[] dw = TestMath.To<T>(w0);
                Gemm.AddTransposedAMultiply<T>(TestMath.To<T>(c0), TestMath.To<T>(a), dw, n, m, k, Parse(path), 1);
                (expected, scale) = Reference(n, m, k, (o, s) => c0[(s * n) + o], (s, i) => a[(s * k) + i]);
                AddBias(expected, scale, w0, n, k, wholeMatrix: true);
                AssertClose(expected, scale, dw, $"C+=Aᵀ·B {n}×{m}×{k}");
            }
        }

        [Fact]
        public void A_split_product_allocates_nothing_after_warm_up()
        {
            const int m = 128, k = 256, n = 128;
            T[] a = TestMath.To<T>(Values(m * k, 12)), b = TestMath.To<T>(Values(n * k, 13)), c = new T[m * n];
            TestMath.AssertNoAllocation(() =>
            {
                Gemm.MultiplyTransposedB<T>(a, b, [], c, m, k, n, Gemm.DefaultPath, 2);
                Gemm.AddTransposedAMultiply<T>(a, c, b, k, m, n, Gemm.DefaultPath, 2);
                Gemm.Multiply<T>(c, b, a, m, n, k, Gemm.DefaultPath, 2);
            });
        }

        private static IEnumerable<(int M, int K, int N)> Shapes()
        {
            foreach (int m in Sizes)
            {
                foreach (int n in Sizes)
                {
                    foreach (int k in Depths)
                    {
                        // Every m × n pair with a few depths, and every depth with a few m × n: about 300 shapes.
                        if ((m + n + k) % 3 == 0 || m <= 1 || n <= 1 || k == 17)
                        {
                            yield return (m, k, n);
                        }
                    }
                }
            }
        }

        private static GemmPath Parse(string path) => Enum.Parse<GemmPath>(path);

        private static double[] Values(int count, int seed) => TestMath.Rounded<T>(TestMath.Uniform(count, seed, -1, 1));

        private static T[] Garbage(int count)
        {
            var values = new T[count];
            values.AsSpan().Fill(T.NaN);
            return values;
        }

        /// <summary>The product in double, and Σ|a·b| per value: the scale its rounding error is measured against.</summary>
        private static (double[] Expected, double[] Scale) Reference(int m, int k, int n, Func<int, int, double> a, Func<int, int, double> b)
        {
            var expected = new double[m * n];
            var scale = new double[m * n];
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0, magnitude = 0;
                    for (int p = 0; p < k; p++)
                    {
                        double product = a(i, p) * b(p, j);
                        sum += product;
                        magnitude += Math.Abs(product);
                    }

                    expected[(i * n) + j] = sum;
                    scale[(i * n) + j] = magnitude;
                }
            }

            return (expected, scale);
        }

        private static void AddBias(double[] expected, double[] scale, double[] bias, int m, int n, bool wholeMatrix = false)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double value = wholeMatrix ? bias[(i * n) + j] : bias[j];
                    expected[(i * n) + j] += value;
                    scale[(i * n) + j] += Math.Abs(value);
                }
            }
        }

        private static void AssertClose(double[] expected, double[] scale, T[] actual, string what)
        {
            double tolerance = typeof(T) == typeof(float) ? 1e-6 : 1e-14;
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                double value = double.CreateTruncating(actual[i]);
                double allowed = tolerance * (1 + scale[i]);
                Assert.True(Math.Abs(value - expected[i]) <= allowed, $"{what} [{i}]: expected {expected[i]:R}, got {value:R}");
            }
        }

        /// <summary>Lowers <see cref="Gemm.ParallelGrain"/> so that even small products are split; restores it on dispose.</summary>
        private static GrainScope SmallGrain() => new(Gemm.ParallelGrain);

        private readonly struct GrainScope : IDisposable
        {
            private readonly long _saved;

            public GrainScope(long saved)
            {
                _saved = saved;
                Gemm.ParallelGrain = 1;
            }

            public void Dispose() => Gemm.ParallelGrain = _saved;
        }
    }

    public sealed class GemmSingleTests : GemmTests<float>
    {
    }

    public sealed class GemmDoubleTests : GemmTests<double>
    {
    }
}
