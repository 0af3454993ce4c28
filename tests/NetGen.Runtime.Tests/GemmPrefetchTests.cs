using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// The outer-product kernels' prefetches of C and their rows left below a tile: products of many rows, cut anywhere by
    /// the thread split, give the same bits as without the prefetches, and stay within rounding of a product in double.
    /// </summary>
    public abstract class GemmPrefetchTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static IEnumerable<object[]> Cases()
        {
            foreach (GemmPath path in Gemm.SupportedPaths())
            {
                if (path == GemmPath.Scalar)
                {
                    continue;
                }

                foreach (int threads in new[] { 1, 2, 3 })
                {
                    yield return [path.ToString(), threads];
                }
            }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Every_product_gives_the_bits_it_gets_without_prefetching(string pathName, int threads)
        {
            GemmPath path = Enum.Parse<GemmPath>(pathName);
            long grain = Gemm.ParallelGrain;
            Gemm.ParallelGrain = 1;
            try
            {
                foreach ((int m, int k, int n) in new[] { (145, 17, 40), (301, 257, 17), (300, 300, 33), (433, 16, 20), (289, 1, 64), (1031, 20, 16) })
                {
                    T[] a = Values(m * k, 1), b = Values(k * n, 2), bias = Values(n, 3), c0 = Values(m * n, 4);
                    (string Name, Action<T[]> Run)[] products =
                    [
                        ("A·Bᵀ + bias", c => Gemm.MultiplyTransposedB<T>(a, b, bias, c, m, k, n, path, threads)),
                        ("C += A·Bᵀ", c => Gemm.AddMultiplyTransposedB<T>(a, b, c, m, k, n, path, threads)),
                        ("C += Aᵀ·B", c => Gemm.AddTransposedAMultiply<T>(a, b, c, m, k, n, path, threads)),
                        ("C = Aᵀ·B", c => Gemm.TransposedAMultiply<T>(a, b, c, m, k, n, path, threads)),
                        ("C = A·B", c => Gemm.Multiply<T>(a, b, c, m, k, n, path, threads)),
                    ];
                    foreach ((string name, Action<T[]> run) in products)
                    {
                        T[] blocked = (T[])c0.Clone(), unblocked = (T[])c0.Clone();
                        run(blocked);
                        SetBlocking(false);
                        try
                        {
                            run(unblocked);
                        }
                        finally
                        {
                            SetBlocking(true);
                        }

                        for (int i = 0; i < blocked.Length; i++)
                        {
                            Assert.True(blocked[i].Equals(unblocked[i]), $"{name} {m}×{k}×{n} on {path}, {threads} threads: [{i}] {blocked[i]} with prefetches, {unblocked[i]} without");
                        }

                        Assert.True(double.IsFinite(double.CreateTruncating(blocked[(m * n) - 1])), name);
                    }

                    // One product against double, so that equal bits are not equally wrong.
                    T[] product = new T[m * n];
                    Gemm.MultiplyTransposedB<T>(a, b, bias, product, m, k, n, path, threads);
                    for (int i = 0; i < m; i += 37)
                    {
                        for (int j = 0; j < n; j++)
                        {
                            double expected = double.CreateTruncating(bias[j]), scale = Math.Abs(expected);
                            for (int p = 0; p < k; p++)
                            {
                                double term = double.CreateTruncating(a[(i * k) + p]) * double.CreateTruncating(b[(j * k) + p]);
                                expected += term;
                                scale += Math.Abs(term);
                            }

                            double tolerance = (typeof(T) == typeof(float) ? 1e-6 : 1e-14) * (1 + scale);
                            Assert.True(Math.Abs(double.CreateTruncating(product[(i * n) + j]) - expected) <= tolerance, $"A·Bᵀ {m}×{k}×{n} [{i},{j}]");
                        }
                    }
                }
            }
            finally
            {
                Gemm.ParallelGrain = grain;
            }
        }

        private static void SetBlocking(bool on)
        {
            GemmTuning.PrefetchC = on;
        }

        private static T[] Values(int count, int seed)
        {
            var random = new Random(seed);
            var values = new T[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = T.CreateTruncating((random.NextDouble() * 2) - 1);
            }

            return values;
        }
    }

    public sealed class GemmPrefetchSingleTests : GemmPrefetchTests<float>
    {
    }

    public sealed class GemmPrefetchDoubleTests : GemmPrefetchTests<double>
    {
    }
}
