using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels
{
    /// <summary>
    /// The 16 products <c>M[ξ] = U[ξ] · V[ξ]</c> of <see cref="Winograd"/> on one thread: <c>[m × k] · [k × n]</c> with
    /// a short k (the channels, 32 or 64 in the Fashion CNN) and n (the tiles of a sample group) padded by the caller
    /// to whole vectors. At that shape the general GEMM loses to its edges: a 64-row product leaves 4 rows for 2-row
    /// tiles after its 6-row ones, the group's last few tiles go through its scalar tail, each of the 16 products pays a
    /// dispatch and each B panel a copy. Here the tiles are 4 rows × 3 vectors (12 accumulators: fits 16 registers),
    /// held over the whole k and stored once (8 rows × 3 vectors on the 512-bit path ran no faster); B is read in place
    /// (its rows are a few hundred bytes apart, in L1); A is interleaved by 4 rows once per call.
    /// </summary>
    internal static unsafe class WinogradProducts
    {
        /// <summary>Whether <paramref name="path"/> has kernels here for <typeparamref name="T"/>: the vector paths, float and double.</summary>
        public static bool Supports<T>(GemmPath path)
            where T : unmanaged =>
            path != GemmPath.Scalar && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

        /// <summary>The lanes of a vector on <paramref name="path"/>: the caller pads n to a multiple of them.</summary>
        public static int Lanes<T>(GemmPath path)
            where T : unmanaged =>
            path switch
            {
                GemmPath.Vector512 => Vector512<T>.Count,
                GemmPath.Vector256 => Vector256<T>.Count,
                _ => Vector128<T>.Count,
            };

        /// <summary>
        /// The 16 matrices A <c>[m × k]</c> (row-major, at <c>a + ξ·m·k</c>) in the layout <see cref="Multiply{T}"/> reads,
        /// same length: each block of 4 rows interleaved (<c>packed[p · 4 + r] = A[r, p]</c>), so that a step of the tiles
        /// reads its 4 values at fixed offsets from one pointer (the loop's address arithmetic had the front end near its
        /// limit); the rows after the last whole block as they are. A holds the transformed kernels, the same for every
        /// group of samples: the caller packs them once per call.
        /// </summary>
        public static void Pack<T>(ReadOnlySpan<T> a, Span<T> packed, int m, int k)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int positions = 16;
            int matrix = m * k, blocked = m / 4 * 4 * k;
            for (int xi = 0; xi < positions; xi++)
            {
                ReadOnlySpan<T> from = a.Slice(xi * matrix, matrix);
                Span<T> to = packed.Slice(xi * matrix, matrix);
                for (int block = 0; block < blocked; block += 4 * k)
                {
                    for (int p = 0; p < k; p++)
                    {
                        for (int r = 0; r < 4; r++)
                        {
                            to[block + (4 * p) + r] = from[block + (r * k) + p];
                        }
                    }
                }

                from.Slice(blocked).CopyTo(to.Slice(blocked));
            }
        }

        /// <summary>
        /// <c>C[ξ] = A[ξ] · B[ξ]</c> for the 16 positions: A <c>[m × k]</c> at <c>a + ξ·m·k</c> as <see cref="Pack{T}"/>
        /// lays it out, B <c>[k × n]</c> at <c>b + ξ·k·n</c>, C <c>[m × n]</c> at <c>c + ξ·m·n</c>, both row-major; n a
        /// multiple of <see cref="Lanes{T}"/>.
        /// </summary>
        public static void Multiply<T>(ReadOnlySpan<T> packed, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, GemmPath path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int positions = 16;
            if (n % Lanes<T>(path) != 0 || packed.Length < positions * m * k || b.Length < positions * k * n || c.Length < positions * m * n)
            {
                throw new ArgumentException($"Expected n ({n}) a multiple of {Lanes<T>(path)} and spans of at least 16 products of [{m} × {k}] · [{k} × {n}].");
            }

            fixed (T* pa = packed, pb = b, pc = c)
            {
                for (int xi = 0; xi < positions; xi++)
                {
                    T* ax = pa + ((nint)xi * m * k), bx = pb + ((nint)xi * k * n), cx = pc + ((nint)xi * m * n);
                    switch (path)
                    {
                        case GemmPath.Vector512:
                            WinogradProductKernels<Simd512<T>, Vector512<T>, T>.Multiply(ax, bx, cx, m, k, n);
                            break;
                        case GemmPath.Vector256:
                            WinogradProductKernels<Simd256<T>, Vector256<T>, T>.Multiply(ax, bx, cx, m, k, n);
                            break;
                        default:
                            WinogradProductKernels<Simd128<T>, Vector128<T>, T>.Multiply(ax, bx, cx, m, k, n);
                            break;
                    }
                }
            }
        }
    }

    /// <summary>The register tiles of <see cref="WinogradProducts"/> for one vector width.</summary>
    internal static unsafe class WinogradProductKernels<TOps, TVector, T>
        where TOps : struct, ISimdOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary><c>C = A · B</c>, A <c>[m × k]</c> packed by <see cref="WinogradProducts.Pack{T}"/>, B and C with n columns (a multiple of the lanes), row-major.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Multiply(T* packed, T* b, T* c, int m, int k, int n)
        {
            int w = TOps.Count, blocks = m / 4;

            // Each panel of B (3 vectors wide, then 1) stays in L1 while every row tile of A passes over it. The rows after
            // the last whole block of 4 are stored as they are, row i at i · k.
            int j = 0;
            for (; j + (3 * w) <= n; j += 3 * w)
            {
                for (int block = 0; block < blocks; block++)
                {
                    Tile4x3(packed + ((nint)block * 4 * k), b + j, c + ((nint)block * 4 * n) + j, k, n);
                }

                for (int i = 4 * blocks; i < m; i++)
                {
                    Tile1x3(packed + ((nint)i * k), b + j, c + ((nint)i * n) + j, k, n);
                }
            }

            for (; j < n; j += w)
            {
                for (int block = 0; block < blocks; block++)
                {
                    Tile4x1(packed + ((nint)block * 4 * k), b + j, c + ((nint)block * 4 * n) + j, k, n);
                }

                for (int i = 4 * blocks; i < m; i++)
                {
                    Tile1x1(packed + ((nint)i * k), b + j, c + ((nint)i * n) + j, k, n);
                }
            }
        }

        /// <summary>Four rows of C × three vectors, summed over the whole k in registers; A packed 4 values a step.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Tile4x3(T* a, T* b, T* c, int k, nint n)
        {
            int w = TOps.Count;
            TVector c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero;
            TVector c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero, c32 = TOps.Zero;
            for (T* end = a + (4 * (nint)k); a < end; a += 4, b += n)
            {
                TVector y0 = TOps.Load(b), y1 = TOps.Load(b + w), y2 = TOps.Load(b + (2 * w));
                TVector x = TOps.Broadcast(a[0]);
                c00 = TOps.MultiplyAdd(x, y0, c00);
                c01 = TOps.MultiplyAdd(x, y1, c01);
                c02 = TOps.MultiplyAdd(x, y2, c02);
                x = TOps.Broadcast(a[1]);
                c10 = TOps.MultiplyAdd(x, y0, c10);
                c11 = TOps.MultiplyAdd(x, y1, c11);
                c12 = TOps.MultiplyAdd(x, y2, c12);
                x = TOps.Broadcast(a[2]);
                c20 = TOps.MultiplyAdd(x, y0, c20);
                c21 = TOps.MultiplyAdd(x, y1, c21);
                c22 = TOps.MultiplyAdd(x, y2, c22);
                x = TOps.Broadcast(a[3]);
                c30 = TOps.MultiplyAdd(x, y0, c30);
                c31 = TOps.MultiplyAdd(x, y1, c31);
                c32 = TOps.MultiplyAdd(x, y2, c32);
            }

            Store3(c, w, c00, c01, c02);
            Store3(c + n, w, c10, c11, c12);
            Store3(c + (2 * n), w, c20, c21, c22);
            Store3(c + (3 * n), w, c30, c31, c32);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Tile1x3(T* a, T* b, T* c, int k, nint n)
        {
            int w = TOps.Count;
            TVector c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero;
            for (int p = 0; p < k; p++, b += n)
            {
                TVector x = TOps.Broadcast(a[p]);
                c0 = TOps.MultiplyAdd(x, TOps.Load(b), c0);
                c1 = TOps.MultiplyAdd(x, TOps.Load(b + w), c1);
                c2 = TOps.MultiplyAdd(x, TOps.Load(b + (2 * w)), c2);
            }

            Store3(c, w, c0, c1, c2);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Tile4x1(T* a, T* b, T* c, int k, nint n)
        {
            TVector c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero;
            for (T* end = a + (4 * (nint)k); a < end; a += 4, b += n)
            {
                TVector y = TOps.Load(b);
                c0 = TOps.MultiplyAdd(TOps.Broadcast(a[0]), y, c0);
                c1 = TOps.MultiplyAdd(TOps.Broadcast(a[1]), y, c1);
                c2 = TOps.MultiplyAdd(TOps.Broadcast(a[2]), y, c2);
                c3 = TOps.MultiplyAdd(TOps.Broadcast(a[3]), y, c3);
            }

            TOps.Store(c0, c);
            TOps.Store(c1, c + n);
            TOps.Store(c2, c + (2 * n));
            TOps.Store(c3, c + (3 * n));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Tile1x1(T* a, T* b, T* c, int k, nint n)
        {
            TVector c0 = TOps.Zero;
            for (int p = 0; p < k; p++, b += n)
            {
                c0 = TOps.MultiplyAdd(TOps.Broadcast(a[p]), TOps.Load(b), c0);
            }

            TOps.Store(c0, c);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store3(T* c, int w, TVector v0, TVector v1, TVector v2)
        {
            TOps.Store(v0, c);
            TOps.Store(v1, c + w);
            TOps.Store(v2, c + (2 * w));
        }
    }
}
