using System;
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using NetGen.Threading;

namespace NetGen.Kernels
{
    /// <summary>The instruction set of the matrix kernels, narrowest first (a wider path compares greater).</summary>
    internal enum GemmPath
    {
        /// <summary>The portable generic loops of <see cref="GemmReference"/>.</summary>
        Scalar,

        /// <summary>
        /// 128-bit vectors (SSE on any x64, AdvSimd on ARM64; FMA where the processor has it):
        /// <see cref="GemmKernels{TOps, TVector, T}"/> over <see cref="Simd128{T}"/>. The baseline of a default Native AOT build.
        /// </summary>
        Vector128,

        /// <summary>AVX2 with FMA: <see cref="GemmKernels{TOps, TVector, T}"/> over <see cref="Simd256{T}"/>.</summary>
        Vector256,

        /// <summary>AVX-512: <see cref="GemmKernels{TOps, TVector, T}"/> over <see cref="Simd512{T}"/>.</summary>
        Vector512,
    }

    /// <summary>
    /// The three matrix products of a dense layer, on row-major spans: <c>C = A · Bᵀ</c> (forward), <c>C += Aᵀ · B</c>
    /// (weight gradient) and <c>C = A · B</c> (input gradient). The instruction set is chosen once, at start-up
    /// (<see cref="DefaultPath"/>, see <see cref="KernelPaths"/>): SIMD micro-kernels for <see cref="float"/> and
    /// <see cref="double"/> on 512-, 256- or 128-bit vectors, the scalar reference loops for other types or where the
    /// processor has no vectors. A product with enough work is split over threads by
    /// output tiles, up to <see cref="NetGenOptions.MaxDegreeOfParallelism"/>; a call allocates nothing. Callers validate
    /// the lengths; the outputs must not overlap the inputs. The entry points are compiled once, optimized
    /// (<c>AggressiveOptimization</c>): with tiering each was compiled three times in a first epoch.
    /// </summary>
    internal static unsafe class Gemm
    {
        /// <summary>
        /// Multiply-adds per thread below which a product is not split (a hand-over costs a few microseconds; 2¹⁸
        /// multiply-adds take about five). Tests lower it to split small products; only speed depends on it.
        /// </summary>
        internal static long ParallelGrain { get; set; } = DefaultParallelGrain;

        /// <summary>The default of <see cref="ParallelGrain"/>: 2¹⁸ multiply-adds.</summary>
        internal const long DefaultParallelGrain = 1L << 18;

        /// <summary>
        /// Rows of A and of B from which <c>A · Bᵀ</c> transposes panels of B and runs outer products: the transposition
        /// then costs less than the dot products' lane sums. Fewer rows of A (a single sample), or fewer rows of B than a
        /// vector has lanes (10 classes), use dot products.
        /// </summary>
        internal const int PanelRows = 16;

        /// <summary>The path chosen at start-up from the processor's instruction sets and <c>NETGEN_KERNEL_PATH</c>.</summary>
        /// <exception cref="InvalidOperationException"><c>NETGEN_KERNEL_PATH</c> names no path.</exception>
        internal static GemmPath DefaultPath => KernelPaths.Current;

        /// <summary>
        /// <c>C = A · Bᵀ</c>: <c>C[i,j] = Σₖ A[i,k] · B[j,k]</c>, with <c>A [m × k]</c>, <c>B [n × k]</c>, <c>C [m × n]</c>.
        /// Overwrites <paramref name="c"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MultiplyTransposedB<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            MultiplyTransposedB(a, b, ReadOnlySpan<T>.Empty, c, m, k, n, DefaultPath, NetGenOptions.EffectiveDegreeOfParallelism);

        /// <summary>
        /// <c>C = A · Bᵀ + bias</c>: <c>C[i,j] = Σₖ A[i,k] · B[j,k] + bias[j]</c> (no bias when <paramref name="bias"/> is
        /// empty), on the given path with at most <paramref name="maxThreads"/> threads.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MultiplyTransposedB<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> c, int m, int k, int n, GemmPath path, int maxThreads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (m == 0 || n == 0)
            {
                return;
            }

            if (!UsesSimd<T>(path))
            {
                GemmReference.MultiplyTransposedB(a, b, c, m, k, n);
                AddBias(bias, c, m, n);
                return;
            }

            TransposedB(a, b, bias, c, m, k, n, path, maxThreads, accumulate: false);
        }

        /// <summary>
        /// <c>C += A · Bᵀ</c>: <c>C[i,j] += Σₖ A[i,k] · B[j,k]</c>, with <c>A [m × k]</c>, <c>B [n × k]</c>, <c>C [m × n]</c>, on
        /// the given path with at most <paramref name="maxThreads"/> threads. Accumulates into <paramref name="c"/> (a
        /// convolution's kernel gradient, summed over the samples by the products themselves).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AddMultiplyTransposedB<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, GemmPath path, int maxThreads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (m == 0 || n == 0 || k == 0)
            {
                return;
            }

            if (!UsesSimd<T>(path))
            {
                GemmReference.AddMultiplyTransposedB(a, b, c, m, k, n);
                return;
            }

            TransposedB(a, b, ReadOnlySpan<T>.Empty, c, m, k, n, path, maxThreads, accumulate: true);
        }

        /// <summary>
        /// The SIMD <c>A · Bᵀ</c> of both public forms: outer products over transposed panels of B when both operands
        /// have enough rows, dot products otherwise; <c>C = … + bias</c>, or <c>C += …</c> when <paramref name="accumulate"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TransposedB<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> c, int m, int k, int n, GemmPath path, int maxThreads, bool accumulate)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            fixed (T* pa = a, pb = b, pbias = bias, pc = c)
            {
                var product = new GemmProduct<T>
                {
                    Kind = m >= PanelRows && n >= PanelRows ? GemmKind.TransposedPanel : GemmKind.Dot,
                    Path = path,
                    A = pa,
                    B = pb,
                    C = pc,
                    Bias = bias.IsEmpty ? null : pbias,
                    M = m,
                    N = n,
                    K = k,
                    Accumulate = accumulate,
                };
                Execute(ref product, maxThreads);
            }
        }

        /// <summary>
        /// <c>C += Aᵀ · B</c>: <c>C[i,j] += Σₖ A[k,i] · B[k,j]</c>, with <c>A [kk × m]</c>, <c>B [kk × n]</c>, <c>C [m × n]</c>.
        /// Accumulates into <paramref name="c"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AddTransposedAMultiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int kk, int n)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            AddTransposedAMultiply(a, b, c, m, kk, n, DefaultPath, NetGenOptions.EffectiveDegreeOfParallelism);

        /// <summary><c>C += Aᵀ · B</c> on the given path with at most <paramref name="maxThreads"/> threads.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AddTransposedAMultiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int kk, int n, GemmPath path, int maxThreads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (m == 0 || n == 0 || kk == 0)
            {
                return;
            }

            if (!UsesSimd<T>(path))
            {
                GemmReference.AddTransposedAMultiply(a, b, c, m, kk, n);
                return;
            }

            // op(A)(i,p) = A[p, i]: rows of op(A) step by 1, k steps by m.
            Outer(a, b, c, m, kk, n, aRowStride: 1, aStepStride: m, accumulate: true, path, maxThreads);
        }

        /// <summary>
        /// <c>C = Aᵀ · B</c> on the given path with at most <paramref name="maxThreads"/> threads: <see cref="AddTransposedAMultiply{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, int, int, int, GemmPath, int)"/>
        /// without the accumulation, so <paramref name="c"/> need not be cleared first.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void TransposedAMultiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int kk, int n, GemmPath path, int maxThreads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (m == 0 || n == 0)
            {
                return;
            }

            if (kk == 0 || !UsesSimd<T>(path))
            {
                c.Slice(0, m * n).Clear();
                GemmReference.AddTransposedAMultiply(a, b, c, m, kk, n);
                return;
            }

            Outer(a, b, c, m, kk, n, aRowStride: 1, aStepStride: m, accumulate: false, path, maxThreads);
        }

        /// <summary>
        /// <c>C = A · B</c>: <c>C[i,j] = Σₖ A[i,k] · B[k,j]</c>, with <c>A [m × kk]</c>, <c>B [kk × n]</c>, <c>C [m × n]</c>.
        /// Overwrites <paramref name="c"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int kk, int n)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Multiply(a, b, c, m, kk, n, DefaultPath, NetGenOptions.EffectiveDegreeOfParallelism);

        /// <summary><c>C = A · B</c> on the given path with at most <paramref name="maxThreads"/> threads.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int kk, int n, GemmPath path, int maxThreads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (m == 0 || n == 0)
            {
                return;
            }

            if (!UsesSimd<T>(path))
            {
                GemmReference.Multiply(a, b, c, m, kk, n);
                return;
            }

            // op(A)(i,p) = A[i, p]: rows of op(A) step by kk, k steps by 1.
            Outer(a, b, c, m, kk, n, aRowStride: kk, aStepStride: 1, accumulate: false, path, maxThreads);
        }

        /// <summary>
        /// <c>C (+)= op(A) · B</c> as rank-1 updates on a SIMD path, where op(A)(i,p) = A[i·aRowStride + p·aStepStride]:
        /// the two products above differ only in those strides and in whether C accumulates.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Outer<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int kk, int n, int aRowStride, int aStepStride, bool accumulate, GemmPath path, int maxThreads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            fixed (T* pa = a, pb = b, pc = c)
            {
                var product = new GemmProduct<T>
                {
                    Kind = GemmKind.Outer,
                    Path = path,
                    A = pa,
                    ARowStride = aRowStride,
                    AStepStride = aStepStride,
                    B = pb,
                    C = pc,
                    M = m,
                    N = n,
                    K = kk,
                    Accumulate = accumulate,
                };
                Execute(ref product, maxThreads);
            }
        }

        /// <summary>The paths this processor can run, best last; <see cref="GemmPath.Scalar"/> always.</summary>
        internal static GemmPath[] SupportedPaths() => KernelPaths.Supported();

        private static bool UsesSimd<T>(GemmPath path) =>
            path != GemmPath.Scalar && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

        /// <summary>Runs a product on the calling thread, or splits it over the worker pool when it is large enough.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Execute<T>(ref GemmProduct<T> product, int maxThreads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int threads = product.ThreadsFor(maxThreads);
            if (threads <= 1)
            {
                product.Run(0, 1);
                return;
            }

            GemmJob<T> job = GemmJob<T>.ForThisThread();
            job.Product = product;
            try
            {
                WorkerPool.Shared.Run(job, product.PartsFor(threads), threads);
            }
            finally
            {
                job.Product = default;
            }
        }

        private static void AddBias<T>(ReadOnlySpan<T> bias, Span<T> c, int m, int n)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (bias.IsEmpty)
            {
                return;
            }

            for (int s = 0; s < m; s++)
            {
                Span<T> row = c.Slice(s * n, n);
                for (int o = 0; o < n; o++)
                {
                    row[o] += bias[o];
                }
            }
        }
    }

    /// <summary>Which micro-kernel family computes a product.</summary>
    internal enum GemmKind
    {
        /// <summary><c>C = A · Bᵀ (+ bias)</c> by <see cref="GemmKernels{TOps, TVector, T}.DotProducts"/>.</summary>
        Dot,

        /// <summary><c>C (+)= op(A) · B</c> by <see cref="GemmKernels{TOps, TVector, T}.OuterProducts"/>.</summary>
        Outer,

        /// <summary><c>C = A · Bᵀ (+ bias)</c> by <see cref="GemmKernels{TOps, TVector, T}.TransposedPanelProducts"/>.</summary>
        TransposedPanel,
    }

    /// <summary>
    /// One product on pinned memory: what a thread needs to compute its share of C. A plain struct, copied into a
    /// cached <see cref="GemmJob{T}"/> when the product is split, so a call allocates nothing.
    /// </summary>
    internal unsafe struct GemmProduct<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public GemmKind Kind;
        public GemmPath Path;
        public T* A;
        public nint ARowStride;
        public nint AStepStride;
        public T* B;
        public T* C;
        public T* Bias;
        public int M;
        public int N;
        public int K;
        public bool Accumulate;

        /// <summary>Rows of C per tile: the unit of a split along M.</summary>
        private readonly int RowTile => Kind == GemmKind.Dot ? 4 : Path == GemmPath.Vector512 || !GemmTuning.SixRowTiles ? 8 : 6;

        /// <summary>Columns of C per tile: the unit of a split along N.</summary>
        private readonly int ColumnTile => Kind == GemmKind.Dot
            ? 4
            : Path switch
            {
                GemmPath.Vector512 => GemmKernels<Simd512<T>, Vector512<T>, T>.OuterColumns,
                GemmPath.Vector256 => GemmKernels<Simd256<T>, Vector256<T>, T>.OuterColumns,
                _ => GemmKernels<Simd128<T>, Vector128<T>, T>.OuterColumns,
            };

        /// <summary>How many threads to use: one per <see cref="Gemm.ParallelGrain"/> multiply-adds, at most one per tile.</summary>
        public readonly int ThreadsFor(int maxThreads) => ThreadsFor(maxThreads, Gemm.ParallelGrain);

        /// <summary>How many threads to use with a given grain (multiply-adds per thread).</summary>
        public readonly int ThreadsFor(int maxThreads, long grain)
        {
            if (maxThreads <= 1)
            {
                return 1;
            }

            long work = (long)M * N * Math.Max(K, 1);
            long byWork = work / grain;
            return (int)Math.Max(1, Math.Min(Math.Min(maxThreads, byWork), SplitTiles()));
        }

        /// <summary>
        /// How many parts to cut the product into for <paramref name="threads"/> threads: a few per thread, so that a
        /// thread that falls behind (the machine is busy) leaves parts for the others to take.
        /// </summary>
        public readonly int PartsFor(int threads)
        {
            // Columns first: a split along rows makes every part transpose or copy the same panels of B.
            int columnTiles = Tiles(N, ColumnTile);
            return columnTiles >= threads ? Math.Min(columnTiles, GemmTuning.PartsPerThread * threads) : Math.Min(SplitTiles(), 4 * threads);
        }

        /// <summary>Tiles along the direction a split follows: columns of C when there are enough, else rows.</summary>
        private readonly int SplitTiles() => Math.Max(Tiles(N, ColumnTile), Tiles(M, RowTile));

        /// <summary>Computes part <paramref name="part"/> of <paramref name="parts"/>: a range of whole column tiles, or of row tiles when there are too few columns.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Run(int part, int parts)
        {
            int i0 = 0, i1 = M, j0 = 0, j1 = N;
            if (parts > 1)
            {
                int columnTile = ColumnTile;
                int columnTiles = Tiles(N, columnTile);
                if (columnTiles >= parts)
                {
                    j0 = Math.Min(N, (int)((long)columnTiles * part / parts) * columnTile);
                    j1 = Math.Min(N, (int)((long)columnTiles * (part + 1) / parts) * columnTile);
                }
                else
                {
                    int rowTile = RowTile;
                    int rowTiles = Tiles(M, rowTile);
                    i0 = Math.Min(M, (int)((long)rowTiles * part / parts) * rowTile);
                    i1 = Math.Min(M, (int)((long)rowTiles * (part + 1) / parts) * rowTile);
                }
            }

            if (i0 >= i1 || j0 >= j1)
            {
                return;
            }

            switch (Path)
            {
                case GemmPath.Vector512:
                    RunOn<Simd512<T>, Vector512<T>>(i0, i1, j0, j1);
                    break;
                case GemmPath.Vector256:
                    RunOn<Simd256<T>, Vector256<T>>(i0, i1, j0, j1);
                    break;
                case GemmPath.Vector128:
                    RunOn<Simd128<T>, Vector128<T>>(i0, i1, j0, j1);
                    break;
                default:
                    throw new InvalidOperationException($"GemmPath {Path} has no SIMD kernels.");
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void RunOn<TOps, TVector>(int i0, int i1, int j0, int j1)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
        {
            if (Kind == GemmKind.Dot)
            {
                GemmKernels<TOps, TVector, T>.DotProducts(A, B, C, Bias, K, N, i0, i1, j0, j1, Accumulate);
            }
            else if (Kind == GemmKind.TransposedPanel)
            {
                GemmKernels<TOps, TVector, T>.TransposedPanelProducts(A, B, C, Bias, K, N, i0, i1, j0, j1, Accumulate);
            }
            else
            {
                GemmKernels<TOps, TVector, T>.OuterProducts(A, ARowStride, AStepStride, B, N, C, N, K, i0, i1, j0, j1, Accumulate);
            }
        }

        private static int Tiles(int length, int tile) => (length + tile - 1) / tile;
    }

    /// <summary>A product handed to <see cref="WorkerPool"/>: one cached instance per calling thread and element type.</summary>
    internal sealed class GemmJob<T> : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static GemmJob<T>? t_job;

        public GemmProduct<T> Product;

        public static GemmJob<T> ForThisThread() => t_job ??= new GemmJob<T>();

        public void Run(int part, int parts) => Product.Run(part, parts);
    }
}
