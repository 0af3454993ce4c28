using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels
{
    /// <summary>
    /// The SIMD micro-kernels of <see cref="Gemm"/>, generic over the vector width (<typeparamref name="TOps"/>), on
    /// raw pointers to row-major data. Neither operand is packed: at a dense layer's shapes every operand already has a
    /// contiguous direction the kernels can use, so they read the caller's arrays directly.
    /// <list type="bullet">
    /// <item><see cref="DotProducts"/>: <c>C = A · Bᵀ</c>, both operands contiguous along k. A 4 × 4 tile of C is 16
    /// vector accumulators that run along k (4 rows of A times 4 rows of B per step), summed across lanes once at the
    /// end; the 4 rows of B stay in L1 while every row of A passes by.</item>
    /// <item><see cref="OuterProducts"/>: <c>C (+)= op(A) · B</c>, B contiguous along n, A read one value at a time
    /// through two strides (so both <c>Aᵀ · B</c> and <c>A · B</c>). An 8-row × 2-vector tile of C is 16 accumulators
    /// (AVX-512's 32 registers; the 16-register paths use 6 × 2 tiles, 12 accumulators);
    /// each step broadcasts 8 values of A and loads 2 vectors of a row of B (the register-blocked outer product of
    /// BLIS-style kernels). k is cut into blocks of <see cref="KBlock"/> so the 2-vector panel of B stays in L1.</item>
    /// </list>
    /// Each kernel computes only the rows <c>[i0, i1)</c> and columns <c>[j0, j1)</c> of C, so that threads can split
    /// the output without sharing a value. Edges smaller than a tile use narrower tiles, then scalar code.
    /// The kernels here and the other loop-heavy kernels are marked <see cref="MethodImplOptions.AggressiveOptimization"/>:
    /// compiled optimized at their first call instead of running unoptimized code (and on-stack replacement) while tiered
    /// compilation catches up, which cost a fresh process's first Fashion MLP epoch about 0.25 s of 1.4.
    /// </summary>
    /// <typeparam name="TOps">The vector operations: <see cref="Simd512{T}"/>, <see cref="Simd256{T}"/> or <see cref="Simd128{T}"/>.</typeparam>
    /// <typeparam name="TVector">The vector type of <typeparamref name="TOps"/>.</typeparam>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    internal static unsafe class GemmKernels<TOps, TVector, T>
        where TOps : struct, ISimdOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The k block of <see cref="OuterProducts"/>: 256 rows of a 2-vector panel are 32 KiB of floats.</summary>
        public const int KBlock = 256;

        [ThreadStatic]
        private static T[]? t_panel;

        [ThreadStatic]
        private static T[]? t_tail;

        /// <summary>Rows of C per tile in <see cref="OuterProducts"/>.</summary>
        public const int OuterRows = 8;

        /// <summary>Rows and columns of C per tile in <see cref="DotProducts"/>.</summary>
        public const int DotTile = 4;

        /// <summary>
        /// Whether the wide tiles are used: 8 × 2 vectors in <see cref="OuterProducts"/> and 4 × 4 in
        /// <see cref="DotProducts"/> need more than 16 vector registers, which only AVX-512 has (32); with 16 registers
        /// (AVX2, SSE; the 128-bit path keeps to them on ARM64 too) the kernels use 8 × 1 vector and 1 × 4 tiles.
        /// </summary>
        private static bool Wide => TOps.Count * sizeof(T) == 64;

        /// <summary>
        /// Columns of C per tile in <see cref="OuterProducts"/>: 2 vectors (8 × 2 tiles with 32 registers, 6 × 2 with 16:
        /// 12 accumulators, 2 rows of B and a broadcast; 8 loads per 12 FMAs, where 8 × 1 tiles need 9 per 8), or 1 vector
        /// when <see cref="GemmTuning.SixRowTiles"/> is off.
        /// </summary>
        public static int OuterColumns => Wide || GemmTuning.SixRowTiles ? 2 * TOps.Count : TOps.Count;

        /// <summary>
        /// <c>C[i,j] = Σₚ A[i,p] · B[j,p] + bias[j]</c> for i in <c>[i0, i1)</c>, j in <c>[j0, j1)</c>; A is <c>[· × k]</c>, B is
        /// <c>[· × k]</c>, C is <c>[· × n]</c>, all row-major. Overwrites C, or adds to it when <paramref name="accumulate"/>
        /// (then with no bias). <paramref name="bias"/> may be null.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void DotProducts(T* a, T* b, T* c, T* bias, int k, int n, int i0, int i1, int j0, int j1, bool accumulate)
        {
            int kv = k - (k % TOps.Count);
            int j = j0;
            for (; j + DotTile <= j1; j += DotTile)
            {
                T* bj = b + ((nint)j * k);
                int i = i0;
                if (Wide)
                {
                    for (; i + DotTile <= i1; i += DotTile)
                    {
                        Dot4x4(a + ((nint)i * k), bj, c + ((nint)i * n) + j, bias == null ? null : bias + j, k, kv, n, accumulate);
                    }
                }

                for (; i < i1; i++)
                {
                    Dot1x4(a + ((nint)i * k), bj, c + ((nint)i * n) + j, bias == null ? null : bias + j, k, kv, accumulate);
                }
            }

            for (; j < j1; j++)
            {
                T* bj = b + ((nint)j * k);
                T shift = bias == null ? T.Zero : bias[j];
                for (int i = i0; i < i1; i++)
                {
                    T value = Dot(a + ((nint)i * k), bj, k, kv);
                    T* target = c + ((nint)i * n) + j;
                    *target = accumulate ? *target + value : value + shift;
                }
            }
        }

        /// <summary>
        /// <c>C[i,j] = Σₚ A(i,p) · B[p,j]</c> (or <c>+=</c> when <paramref name="accumulate"/>) for i in <c>[i0, i1)</c>,
        /// j in <c>[j0, j1)</c>, p in <c>[0, k)</c>, where <c>A(i,p) = a[i · aRowStride + p · aStepStride]</c>,
        /// <c>B[p,j] = b[p · ldb + j]</c> and <c>C[i,j] = c[i · ldc + j]</c>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void OuterProducts(T* a, nint aRowStride, nint aStepStride, T* b, nint ldb, T* c, nint ldc, int k, int i0, int i1, int j0, int j1, bool accumulate)
        {
            if (k == 0)
            {
                if (!accumulate)
                {
                    Fill(c, ldc, null, i0, i1, j0, j1);
                }

                return;
            }

            // With enough rows to share it, each panel of B is first copied to a contiguous buffer: the rows of B are
            // far apart (a page or more for a wide layer), and the copy keeps the kernel's reads within a few pages.
            bool copy = i1 - i0 >= PanelRows && k >= PanelRows;
            int panelWidth = OuterColumns;
            T* panel = copy ? Panel() : null;
            for (int pc = 0; pc < k; pc += KBlock)
            {
                int kc = Math.Min(KBlock, k - pc);
                T* ap = a + (pc * aStepStride);
                bool add = accumulate || pc > 0;
                if (!copy)
                {
                    OuterBlock(ap, aRowStride, aStepStride, b + (pc * ldb) + j0, ldb, c + j0, ldc, kc, i0, i1, j1 - j0, add, null);
                    continue;
                }

                for (int j = j0; j < j1; j += panelWidth)
                {
                    int width = Math.Min(panelWidth, j1 - j);
                    T* source = b + (pc * ldb) + j;
                    CopyPanel(source, ldb, panel, width, kc);

                    OuterBlock(ap, aRowStride, aStepStride, panel, width, c + j, ldc, kc, i0, i1, width, add, null);
                }
            }
        }

        /// <summary>
        /// <c>panel[p · width + q] = source[p · ld + q]</c> for p in <c>[0, kc)</c>, q in <c>[0, width)</c>. A whole panel
        /// (one or two vectors wide) is copied by vector loads and stores: a <see cref="Span{T}.CopyTo"/> per row of 16
        /// floats cost about a sixth of the multiply at the Fashion CNN's shapes.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void CopyPanel(T* source, nint ld, T* panel, int width, int kc)
        {
            int w = TOps.Count;
            if (width == 2 * w)
            {
                for (int p = 0; p < kc; p++, source += ld, panel += 2 * w)
                {
                    TOps.Store(TOps.Load(source), panel);
                    TOps.Store(TOps.Load(source + w), panel + w);
                }

                return;
            }

            if (width == w)
            {
                for (int p = 0; p < kc; p++, source += ld, panel += w)
                {
                    TOps.Store(TOps.Load(source), panel);
                }

                return;
            }

            for (int p = 0; p < kc; p++)
            {
                new ReadOnlySpan<T>(source + (p * ld), width).CopyTo(new Span<T>(panel + ((nint)p * width), width));
            }
        }

        /// <summary>Rows of C (and of B) from which <see cref="OuterProducts"/> copies panels of B before use.</summary>
        private const int PanelRows = 16;

        /// <summary>
        /// <c>C = A · Bᵀ + bias</c> like <see cref="DotProducts"/>, but by outer products: each panel of
        /// <see cref="OuterColumns"/> rows of B (a k block of them) is first transposed into a small buffer that stays in
        /// L1, then every row tile of A passes over it. Pays when there are enough rows of A to share the transposition.
        /// Adds to C instead when <paramref name="accumulate"/> (then with no bias).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void TransposedPanelProducts(T* a, T* b, T* c, T* bias, int k, int n, int i0, int i1, int j0, int j1, bool accumulate)
        {
            if (k == 0)
            {
                if (!accumulate)
                {
                    Fill(c, n, bias, i0, i1, j0, j1);
                }

                return;
            }

            int panelWidth = OuterColumns;
            T* panel = Panel();
            for (int pc = 0; pc < k; pc += KBlock)
            {
                int kc = Math.Min(KBlock, k - pc);
                for (int j = j0; j < j1; j += panelWidth)
                {
                    int width = Math.Min(panelWidth, j1 - j);
                    Transpose(b + ((nint)j * k) + pc, k, width, kc, panel);
                    T* shift = pc == 0 && bias != null ? bias + j : null;
                    OuterBlock(a + pc, k, 1, panel, width, c + j, n, kc, i0, i1, width, accumulate || pc > 0, shift);
                }
            }
        }

        /// <summary>
        /// One k block of an outer-product update on columns <c>[0, width)</c> of <paramref name="b"/> and
        /// <paramref name="c"/>: 8 × 2-vector tiles, then 8 × 1-vector tiles, then scalar columns; leftover rows one at a
        /// time (two at a time in the 2-vector columns). When <paramref name="add"/> is false C is overwritten, plus <paramref name="bias"/> (per column) if not null.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void OuterBlock(T* a, nint rs, nint ss, T* b, nint ldb, T* c, nint ldc, int kc, int i0, int i1, int width, bool add, T* bias)
        {
            int w = TOps.Count;
            int j = 0;

            // Only a product of one row splits its chains: a row left over below a tile sums in the tiles' order, so that
            // a row's values do not depend on how the rows are cut into tiles, blocks or a Predict's parts.
            bool oneRow = i0 == 0 && i1 == 1;
            if (!Wide && GemmTuning.SixRowTiles)
            {
                for (; j + (2 * w) <= width; j += 2 * w)
                {
                    T* shift = bias == null ? null : bias + j;
                    int i = i0;
                    for (; i + 6 <= i1; i += 6)
                    {
                        Outer6x2(a + (i * rs), rs, ss, b + j, ldb, c + (i * ldc) + j, ldc, kc, add, shift);
                    }

                    for (; i + 2 <= i1; i += 2)
                    {
                        Outer2x2(a + (i * rs), rs, ss, b + j, ldb, c + (i * ldc) + j, ldc, kc, add, shift);
                    }

                    for (; i < i1; i++)
                    {
                        Outer1x2(a + (i * rs), ss, b + j, ldb, c + (i * ldc) + j, kc, add, shift, oneRow);
                    }
                }
            }

            if (Wide)
            {
                for (; j + (2 * w) <= width; j += 2 * w)
                {
                    T* shift = bias == null ? null : bias + j;
                    int i = i0;
                    for (; i + OuterRows <= i1; i += OuterRows)
                    {
                        Outer8x2(a + (i * rs), rs, ss, b + j, ldb, c + (i * ldc) + j, ldc, kc, add, shift);
                    }

                    for (; i + 2 <= i1; i += 2)
                    {
                        Outer2x2(a + (i * rs), rs, ss, b + j, ldb, c + (i * ldc) + j, ldc, kc, add, shift);
                    }

                    for (; i < i1; i++)
                    {
                        Outer1x2(a + (i * rs), ss, b + j, ldb, c + (i * ldc) + j, kc, add, shift, oneRow);
                    }
                }
            }

            for (; j + w <= width; j += w)
            {
                T* shift = bias == null ? null : bias + j;
                int i = i0;
                for (; i + OuterRows <= i1; i += OuterRows)
                {
                    Outer8x1(a + (i * rs), rs, ss, b + j, ldb, c + (i * ldc) + j, ldc, kc, add, shift);
                }

                for (; i < i1; i++)
                {
                    Outer1x1(a + (i * rs), ss, b + j, ldb, c + (i * ldc) + j, kc, add, shift, oneRow);
                }
            }

            // The last columns, fewer than a vector: copied into a vector-wide, zero-padded panel, multiplied by the
            // same kernels into a small scratch tile, and the columns that exist stored (scalar code here is 10–30
            // times slower per value, and a 196-wide map leaves 4 of every 196 columns to it).
            if (j < width)
            {
                OuterTail(a, rs, ss, b + j, ldb, c + j, ldc, kc, i0, i1, width - j, add, bias == null ? null : bias + j);
            }
        }

        /// <summary>
        /// Columns <c>[0, r)</c> of an outer-product block, <paramref name="r"/> &lt; one vector: B's columns are copied to
        /// a zero-padded panel of one vector per row, 8 × 1 tiles (then 1 × 1) computed into a scratch tile, and the
        /// <paramref name="r"/> real columns stored or added.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void OuterTail(T* a, nint rs, nint ss, T* b, nint ldb, T* c, nint ldc, int kc, int i0, int i1, int r, bool add, T* bias)
        {
            int w = TOps.Count;
            T* panel = Tail();
            T* tile = panel + ((nint)KBlock * w);
            for (int p = 0; p < kc; p++)
            {
                T* row = panel + ((nint)p * w);
                for (int q = 0; q < w; q++)
                {
                    row[q] = q < r ? b[(p * ldb) + q] : T.Zero;
                }
            }

            for (int i = i0; i < i1; i += OuterRows)
            {
                int rows = Math.Min(OuterRows, i1 - i);
                if (rows == OuterRows)
                {
                    Outer8x1(a + (i * rs), rs, ss, panel, w, tile, w, kc, false, null);
                }
                else
                {
                    for (int t = 0; t < rows; t++)
                    {
                        Outer1x1(a + ((i + t) * rs), ss, panel, w, tile + ((nint)t * w), kc, false, null, i0 == 0 && i1 == 1);
                    }
                }

                for (int t = 0; t < rows; t++)
                {
                    T* target = c + ((i + t) * ldc);
                    T* sums = tile + ((nint)t * w);
                    for (int q = 0; q < r; q++)
                    {
                        target[q] = add ? target[q] + sums[q] : bias == null ? sums[q] : sums[q] + bias[q];
                    }
                }
            }
        }

        /// <summary>This thread's panel for <see cref="OuterTail"/>: <see cref="KBlock"/> × 1 vector, then an 8 × 1-vector tile, pinned, allocated once.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static T* Tail()
        {
            T[] buffer = t_tail ??= GC.AllocateUninitializedArray<T>((KBlock + OuterRows) * TOps.Count, pinned: true);
            return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        }

        /// <summary>Sets rows <c>[i0, i1)</c>, columns <c>[j0, j1)</c> of C to the bias (or 0): the product over an empty k.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Fill(T* c, nint ldc, T* bias, int i0, int i1, int j0, int j1)
        {
            for (int i = i0; i < i1; i++)
            {
                var row = new Span<T>(c + (i * ldc) + j0, j1 - j0);
                if (bias == null)
                {
                    row.Clear();
                }
                else
                {
                    new ReadOnlySpan<T>(bias + j0, j1 - j0).CopyTo(row);
                }
            }
        }

        /// <summary>
        /// <c>panel[p · width + r] = source[r · ld + p]</c> for r in <c>[0, width)</c>, p in <c>[0, kc)</c>: a block of
        /// <paramref name="width"/> rows, transposed. On the 256- and 512-bit paths 8 × 8 (float) or 4 × 4 (double)
        /// blocks go through AVX shuffles; the 128-bit path stays within its own instruction set (its panels are narrow).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Transpose(T* source, int ld, int width, int kc, T* panel)
        {
            int block = typeof(T) == typeof(float) ? 8 : 4;
            int r = 0;
            if (Avx.IsSupported && TOps.Count * sizeof(T) >= 32)
            {
                int pv = kc - (kc % block);
                for (; r + block <= width; r += block)
                {
                    for (int p = 0; p < pv; p += block)
                    {
                        if (typeof(T) == typeof(float))
                        {
                            Transpose8x8((float*)source + ((nint)r * ld) + p, ld, (float*)panel + ((nint)p * width) + r, width);
                        }
                        else
                        {
                            Transpose4x4((double*)source + ((nint)r * ld) + p, ld, (double*)panel + ((nint)p * width) + r, width);
                        }
                    }

                    for (int p = pv; p < kc; p++)
                    {
                        for (int q = r; q < r + block; q++)
                        {
                            panel[((nint)p * width) + q] = source[((nint)q * ld) + p];
                        }
                    }
                }
            }

            for (; r < width; r++)
            {
                T* row = source + ((nint)r * ld);
                for (int p = 0; p < kc; p++)
                {
                    panel[((nint)p * width) + r] = row[p];
                }
            }
        }

        /// <summary>Writes the transpose of the 8 × 8 block at <paramref name="source"/> (row stride <paramref name="ld"/>) to <paramref name="target"/> (row stride <paramref name="ldt"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose8x8(float* source, nint ld, float* target, nint ldt)
        {
            Vector256<float> r0 = Avx.LoadVector256(source), r1 = Avx.LoadVector256(source + ld);
            Vector256<float> r2 = Avx.LoadVector256(source + (2 * ld)), r3 = Avx.LoadVector256(source + (3 * ld));
            Vector256<float> r4 = Avx.LoadVector256(source + (4 * ld)), r5 = Avx.LoadVector256(source + (5 * ld));
            Vector256<float> r6 = Avx.LoadVector256(source + (6 * ld)), r7 = Avx.LoadVector256(source + (7 * ld));
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
            Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
            Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
            Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
            Avx.Store(target, Avx.Permute2x128(s0, s4, 0x20));
            Avx.Store(target + ldt, Avx.Permute2x128(s1, s5, 0x20));
            Avx.Store(target + (2 * ldt), Avx.Permute2x128(s2, s6, 0x20));
            Avx.Store(target + (3 * ldt), Avx.Permute2x128(s3, s7, 0x20));
            Avx.Store(target + (4 * ldt), Avx.Permute2x128(s0, s4, 0x31));
            Avx.Store(target + (5 * ldt), Avx.Permute2x128(s1, s5, 0x31));
            Avx.Store(target + (6 * ldt), Avx.Permute2x128(s2, s6, 0x31));
            Avx.Store(target + (7 * ldt), Avx.Permute2x128(s3, s7, 0x31));
        }

        /// <summary>Writes the transpose of the 4 × 4 block at <paramref name="source"/> (row stride <paramref name="ld"/>) to <paramref name="target"/> (row stride <paramref name="ldt"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose4x4(double* source, nint ld, double* target, nint ldt)
        {
            Vector256<double> r0 = Avx.LoadVector256(source), r1 = Avx.LoadVector256(source + ld);
            Vector256<double> r2 = Avx.LoadVector256(source + (2 * ld)), r3 = Avx.LoadVector256(source + (3 * ld));
            Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Avx.Store(target, Avx.Permute2x128(t0, t2, 0x20));
            Avx.Store(target + ldt, Avx.Permute2x128(t1, t3, 0x20));
            Avx.Store(target + (2 * ldt), Avx.Permute2x128(t0, t2, 0x31));
            Avx.Store(target + (3 * ldt), Avx.Permute2x128(t1, t3, 0x31));
        }

        /// <summary>This thread's transposition buffer: <see cref="KBlock"/> × 2 vectors (the widest <see cref="OuterColumns"/>), pinned, allocated once.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static T* Panel()
        {
            T[] buffer = t_panel ??= GC.AllocateUninitializedArray<T>(KBlock * 2 * TOps.Count, pinned: true);
            return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        }

        /// <summary>A dot product of two rows of length <paramref name="k"/>, vectorized up to <paramref name="kv"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T Dot(T* x, T* y, int k, int kv)
        {
            TVector sum = TOps.Zero;
            int p = 0;
            for (; p < kv; p += TOps.Count)
            {
                sum = TOps.MultiplyAdd(TOps.Load(x + p), TOps.Load(y + p), sum);
            }

            T result = TOps.Sum(sum);
            for (; p < k; p++)
            {
                result += x[p] * y[p];
            }

            return result;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot1x4(T* a, T* b0, T* c, T* bias, int k, int kv, bool add)
        {
            T* b1 = b0 + k;
            T* b2 = b1 + k;
            T* b3 = b2 + k;
            TVector c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero;
            int p = 0;
            for (; p < kv; p += TOps.Count)
            {
                TVector x = TOps.Load(a + p);
                c0 = TOps.MultiplyAdd(x, TOps.Load(b0 + p), c0);
                c1 = TOps.MultiplyAdd(x, TOps.Load(b1 + p), c1);
                c2 = TOps.MultiplyAdd(x, TOps.Load(b2 + p), c2);
                c3 = TOps.MultiplyAdd(x, TOps.Load(b3 + p), c3);
            }

            SumLanes(c0, c1, c2, c3, out T s0, out T s1, out T s2, out T s3);
            for (; p < k; p++)
            {
                T x = a[p];
                s0 += x * b0[p];
                s1 += x * b1[p];
                s2 += x * b2[p];
                s3 += x * b3[p];
            }

            StoreDots(c, bias, add, s0, s1, s2, s3);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot4x4(T* a0, T* b0, T* c, T* bias, int k, int kv, int ldc, bool add)
        {
            T* a1 = a0 + k;
            T* a2 = a1 + k;
            T* a3 = a2 + k;
            T* b1 = b0 + k;
            T* b2 = b1 + k;
            T* b3 = b2 + k;
            TVector c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c03 = TOps.Zero;
            TVector c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero, c13 = TOps.Zero;
            TVector c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c23 = TOps.Zero;
            TVector c30 = TOps.Zero, c31 = TOps.Zero, c32 = TOps.Zero, c33 = TOps.Zero;
            for (int p = 0; p < kv; p += TOps.Count)
            {
                TVector y0 = TOps.Load(b0 + p);
                TVector y1 = TOps.Load(b1 + p);
                TVector y2 = TOps.Load(b2 + p);
                TVector y3 = TOps.Load(b3 + p);
                TVector x = TOps.Load(a0 + p);
                c00 = TOps.MultiplyAdd(x, y0, c00);
                c01 = TOps.MultiplyAdd(x, y1, c01);
                c02 = TOps.MultiplyAdd(x, y2, c02);
                c03 = TOps.MultiplyAdd(x, y3, c03);
                x = TOps.Load(a1 + p);
                c10 = TOps.MultiplyAdd(x, y0, c10);
                c11 = TOps.MultiplyAdd(x, y1, c11);
                c12 = TOps.MultiplyAdd(x, y2, c12);
                c13 = TOps.MultiplyAdd(x, y3, c13);
                x = TOps.Load(a2 + p);
                c20 = TOps.MultiplyAdd(x, y0, c20);
                c21 = TOps.MultiplyAdd(x, y1, c21);
                c22 = TOps.MultiplyAdd(x, y2, c22);
                c23 = TOps.MultiplyAdd(x, y3, c23);
                x = TOps.Load(a3 + p);
                c30 = TOps.MultiplyAdd(x, y0, c30);
                c31 = TOps.MultiplyAdd(x, y1, c31);
                c32 = TOps.MultiplyAdd(x, y2, c32);
                c33 = TOps.MultiplyAdd(x, y3, c33);
            }

            StoreDotRow(a0, b0, c, bias, k, kv, c00, c01, c02, c03, add);
            StoreDotRow(a1, b0, c + ldc, bias, k, kv, c10, c11, c12, c13, add);
            StoreDotRow(a2, b0, c + (2 * ldc), bias, k, kv, c20, c21, c22, c23, add);
            StoreDotRow(a3, b0, c + (3 * ldc), bias, k, kv, c30, c31, c32, c33, add);
        }

        /// <summary>Sums the 4 accumulators of one row of a dot tile, adds the scalar tail of k and the bias, and stores.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreDotRow(T* a, T* b0, T* c, T* bias, int k, int kv, TVector v0, TVector v1, TVector v2, TVector v3, bool add)
        {
            SumLanes(v0, v1, v2, v3, out T s0, out T s1, out T s2, out T s3);
            for (int p = kv; p < k; p++)
            {
                T x = a[p];
                s0 += x * b0[p];
                s1 += x * b0[k + p];
                s2 += x * b0[(2 * k) + p];
                s3 += x * b0[(3 * k) + p];
            }

            StoreDots(c, bias, add, s0, s1, s2, s3);
        }

        /// <summary>The lane sums of four accumulators: one reduction tree, or four <c>Sum</c> calls when <see cref="GemmTuning.TreeSums"/> is off.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void SumLanes(TVector v0, TVector v1, TVector v2, TVector v3, out T s0, out T s1, out T s2, out T s3)
        {
            if (GemmTuning.TreeSums)
            {
                TOps.Sum4(v0, v1, v2, v3, out s0, out s1, out s2, out s3);
                return;
            }

            (s0, s1, s2, s3) = (TOps.Sum(v0), TOps.Sum(v1), TOps.Sum(v2), TOps.Sum(v3));
        }

        /// <summary>Stores (or adds, when <paramref name="add"/>) four sums of a dot tile, plus the bias when storing.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreDots(T* c, T* bias, bool add, T s0, T s1, T s2, T s3)
        {
            if (add)
            {
                c[0] += s0;
                c[1] += s1;
                c[2] += s2;
                c[3] += s3;
                return;
            }

            if (bias != null)
            {
                s0 += bias[0];
                s1 += bias[1];
                s2 += bias[2];
                s3 += bias[3];
            }

            c[0] = s0;
            c[1] = s1;
            c[2] = s2;
            c[3] = s3;
        }

        /// <summary>
        /// Asks for the tile's rows of C (first and last value of each) before its k loop: C is read or written only after
        /// it, and a tile of a wide output (a 128 × 3,136 gradient is 1.6 MB, beyond L2) then waited for memory with the
        /// reorder buffer full, about a third of the time at k = 128. The loop's hundreds of cycles hide the fetch.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PrefetchTile(T* c, nint ldc, int rows, int width)
        {
            if (Sse.IsSupported && GemmTuning.PrefetchC)
            {
                for (int r = 0; r < rows; r++, c += ldc)
                {
                    Sse.Prefetch0(c);
                    Sse.Prefetch0(c + width - 1);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Outer8x2(T* a, nint rs, nint ss, T* b, nint ldb, T* c, nint ldc, int k, bool add, T* bias)
        {
            int w = TOps.Count;
            PrefetchTile(c, ldc, 8, 2 * w);
            nint r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs, r6 = 6 * rs, r7 = 7 * rs;
            TVector c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
            TVector c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
            TVector c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
            TVector c60 = TOps.Zero, c61 = TOps.Zero, c70 = TOps.Zero, c71 = TOps.Zero;
            for (int p = 0; p < k; p++)
            {
                TVector y0 = TOps.Load(b);
                TVector y1 = TOps.Load(b + w);
                TVector x = TOps.Broadcast(a[0]);
                c00 = TOps.MultiplyAdd(x, y0, c00);
                c01 = TOps.MultiplyAdd(x, y1, c01);
                x = TOps.Broadcast(a[rs]);
                c10 = TOps.MultiplyAdd(x, y0, c10);
                c11 = TOps.MultiplyAdd(x, y1, c11);
                x = TOps.Broadcast(a[r2]);
                c20 = TOps.MultiplyAdd(x, y0, c20);
                c21 = TOps.MultiplyAdd(x, y1, c21);
                x = TOps.Broadcast(a[r3]);
                c30 = TOps.MultiplyAdd(x, y0, c30);
                c31 = TOps.MultiplyAdd(x, y1, c31);
                x = TOps.Broadcast(a[r4]);
                c40 = TOps.MultiplyAdd(x, y0, c40);
                c41 = TOps.MultiplyAdd(x, y1, c41);
                x = TOps.Broadcast(a[r5]);
                c50 = TOps.MultiplyAdd(x, y0, c50);
                c51 = TOps.MultiplyAdd(x, y1, c51);
                x = TOps.Broadcast(a[r6]);
                c60 = TOps.MultiplyAdd(x, y0, c60);
                c61 = TOps.MultiplyAdd(x, y1, c61);
                x = TOps.Broadcast(a[r7]);
                c70 = TOps.MultiplyAdd(x, y0, c70);
                c71 = TOps.MultiplyAdd(x, y1, c71);
                a += ss;
                b += ldb;
            }

            StoreRow(c, w, c00, c01, add, bias);
            StoreRow(c + ldc, w, c10, c11, add, bias);
            StoreRow(c + (2 * ldc), w, c20, c21, add, bias);
            StoreRow(c + (3 * ldc), w, c30, c31, add, bias);
            StoreRow(c + (4 * ldc), w, c40, c41, add, bias);
            StoreRow(c + (5 * ldc), w, c50, c51, add, bias);
            StoreRow(c + (6 * ldc), w, c60, c61, add, bias);
            StoreRow(c + (7 * ldc), w, c70, c71, add, bias);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Outer6x2(T* a, nint rs, nint ss, T* b, nint ldb, T* c, nint ldc, int k, bool add, T* bias)
        {
            int w = TOps.Count;
            PrefetchTile(c, ldc, 6, 2 * w);
            nint r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs;
            TVector c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
            TVector c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
            TVector c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
            for (int p = 0; p < k; p++)
            {
                TVector y0 = TOps.Load(b);
                TVector y1 = TOps.Load(b + w);
                TVector x = TOps.Broadcast(a[0]);
                c00 = TOps.MultiplyAdd(x, y0, c00);
                c01 = TOps.MultiplyAdd(x, y1, c01);
                x = TOps.Broadcast(a[rs]);
                c10 = TOps.MultiplyAdd(x, y0, c10);
                c11 = TOps.MultiplyAdd(x, y1, c11);
                x = TOps.Broadcast(a[r2]);
                c20 = TOps.MultiplyAdd(x, y0, c20);
                c21 = TOps.MultiplyAdd(x, y1, c21);
                x = TOps.Broadcast(a[r3]);
                c30 = TOps.MultiplyAdd(x, y0, c30);
                c31 = TOps.MultiplyAdd(x, y1, c31);
                x = TOps.Broadcast(a[r4]);
                c40 = TOps.MultiplyAdd(x, y0, c40);
                c41 = TOps.MultiplyAdd(x, y1, c41);
                x = TOps.Broadcast(a[r5]);
                c50 = TOps.MultiplyAdd(x, y0, c50);
                c51 = TOps.MultiplyAdd(x, y1, c51);
                a += ss;
                b += ldb;
            }

            StoreRow(c, w, c00, c01, add, bias);
            StoreRow(c + ldc, w, c10, c11, add, bias);
            StoreRow(c + (2 * ldc), w, c20, c21, add, bias);
            StoreRow(c + (3 * ldc), w, c30, c31, add, bias);
            StoreRow(c + (4 * ldc), w, c40, c41, add, bias);
            StoreRow(c + (5 * ldc), w, c50, c51, add, bias);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Outer2x2(T* a, nint rs, nint ss, T* b, nint ldb, T* c, nint ldc, int k, bool add, T* bias)
        {
            int w = TOps.Count;
            TVector c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
            for (int p = 0; p < k; p++)
            {
                TVector y0 = TOps.Load(b);
                TVector y1 = TOps.Load(b + w);
                TVector x = TOps.Broadcast(a[0]);
                c00 = TOps.MultiplyAdd(x, y0, c00);
                c01 = TOps.MultiplyAdd(x, y1, c01);
                x = TOps.Broadcast(a[rs]);
                c10 = TOps.MultiplyAdd(x, y0, c10);
                c11 = TOps.MultiplyAdd(x, y1, c11);
                a += ss;
                b += ldb;
            }

            StoreRow(c, w, c00, c01, add, bias);
            StoreRow(c + ldc, w, c10, c11, add, bias);
        }

        /// <summary>
        /// One row of C by 2 vectors. A single row (a batch of one: <c>dX = dY · W</c>) has only 2 accumulators, so a
        /// long k is a chain of dependent multiply-adds; 4 interleaved partial sums over k (added at the end) make it
        /// 4 shorter chains when <paramref name="split"/> (the product has one row) and <see cref="GemmTuning.SplitRowChains"/> are on.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Outer1x2(T* a, nint ss, T* b, nint ldb, T* c, int k, bool add, T* bias, bool split)
        {
            int w = TOps.Count;
            TVector c0 = TOps.Zero, c1 = TOps.Zero;
            int p = 0;
            if (split && GemmTuning.SplitRowChains && k >= 8)
            {
                TVector d0 = TOps.Zero, d1 = TOps.Zero, e0 = TOps.Zero, e1 = TOps.Zero, f0 = TOps.Zero, f1 = TOps.Zero;
                nint s2 = 2 * ss, s3 = 3 * ss, l2 = 2 * ldb, l3 = 3 * ldb;
                for (; p + 4 <= k; p += 4)
                {
                    TVector x = TOps.Broadcast(a[0]);
                    c0 = TOps.MultiplyAdd(x, TOps.Load(b), c0);
                    c1 = TOps.MultiplyAdd(x, TOps.Load(b + w), c1);
                    x = TOps.Broadcast(a[ss]);
                    d0 = TOps.MultiplyAdd(x, TOps.Load(b + ldb), d0);
                    d1 = TOps.MultiplyAdd(x, TOps.Load(b + ldb + w), d1);
                    x = TOps.Broadcast(a[s2]);
                    e0 = TOps.MultiplyAdd(x, TOps.Load(b + l2), e0);
                    e1 = TOps.MultiplyAdd(x, TOps.Load(b + l2 + w), e1);
                    x = TOps.Broadcast(a[s3]);
                    f0 = TOps.MultiplyAdd(x, TOps.Load(b + l3), f0);
                    f1 = TOps.MultiplyAdd(x, TOps.Load(b + l3 + w), f1);
                    a += 4 * ss;
                    b += 4 * ldb;
                }

                c0 = TOps.Add(TOps.Add(c0, d0), TOps.Add(e0, f0));
                c1 = TOps.Add(TOps.Add(c1, d1), TOps.Add(e1, f1));
            }

            for (; p < k; p++)
            {
                TVector x = TOps.Broadcast(a[0]);
                c0 = TOps.MultiplyAdd(x, TOps.Load(b), c0);
                c1 = TOps.MultiplyAdd(x, TOps.Load(b + w), c1);
                a += ss;
                b += ldb;
            }

            StoreRow(c, w, c0, c1, add, bias);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Outer8x1(T* a, nint rs, nint ss, T* b, nint ldb, T* c, nint ldc, int k, bool add, T* bias)
        {
            PrefetchTile(c, ldc, 8, TOps.Count);
            nint r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs, r6 = 6 * rs, r7 = 7 * rs;
            TVector c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero;
            TVector c4 = TOps.Zero, c5 = TOps.Zero, c6 = TOps.Zero, c7 = TOps.Zero;
            for (int p = 0; p < k; p++)
            {
                TVector y = TOps.Load(b);
                c0 = TOps.MultiplyAdd(TOps.Broadcast(a[0]), y, c0);
                c1 = TOps.MultiplyAdd(TOps.Broadcast(a[rs]), y, c1);
                c2 = TOps.MultiplyAdd(TOps.Broadcast(a[r2]), y, c2);
                c3 = TOps.MultiplyAdd(TOps.Broadcast(a[r3]), y, c3);
                c4 = TOps.MultiplyAdd(TOps.Broadcast(a[r4]), y, c4);
                c5 = TOps.MultiplyAdd(TOps.Broadcast(a[r5]), y, c5);
                c6 = TOps.MultiplyAdd(TOps.Broadcast(a[r6]), y, c6);
                c7 = TOps.MultiplyAdd(TOps.Broadcast(a[r7]), y, c7);
                a += ss;
                b += ldb;
            }

            StoreVector(c, c0, add, bias);
            StoreVector(c + ldc, c1, add, bias);
            StoreVector(c + (2 * ldc), c2, add, bias);
            StoreVector(c + (3 * ldc), c3, add, bias);
            StoreVector(c + (4 * ldc), c4, add, bias);
            StoreVector(c + (5 * ldc), c5, add, bias);
            StoreVector(c + (6 * ldc), c6, add, bias);
            StoreVector(c + (7 * ldc), c7, add, bias);
        }

        /// <summary>One row of C by 1 vector; like <see cref="Outer1x2"/>, 4 partial sums over a long k.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Outer1x1(T* a, nint ss, T* b, nint ldb, T* c, int k, bool add, T* bias, bool split)
        {
            TVector c0 = TOps.Zero;
            int p = 0;
            if (split && GemmTuning.SplitRowChains && k >= 8)
            {
                TVector d0 = TOps.Zero, e0 = TOps.Zero, f0 = TOps.Zero;
                nint s2 = 2 * ss, s3 = 3 * ss, l2 = 2 * ldb, l3 = 3 * ldb;
                for (; p + 4 <= k; p += 4)
                {
                    c0 = TOps.MultiplyAdd(TOps.Broadcast(a[0]), TOps.Load(b), c0);
                    d0 = TOps.MultiplyAdd(TOps.Broadcast(a[ss]), TOps.Load(b + ldb), d0);
                    e0 = TOps.MultiplyAdd(TOps.Broadcast(a[s2]), TOps.Load(b + l2), e0);
                    f0 = TOps.MultiplyAdd(TOps.Broadcast(a[s3]), TOps.Load(b + l3), f0);
                    a += 4 * ss;
                    b += 4 * ldb;
                }

                c0 = TOps.Add(TOps.Add(c0, d0), TOps.Add(e0, f0));
            }

            for (; p < k; p++)
            {
                c0 = TOps.MultiplyAdd(TOps.Broadcast(a[0]), TOps.Load(b), c0);
                a += ss;
                b += ldb;
            }

            StoreVector(c, c0, add, bias);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreRow(T* c, int w, TVector v0, TVector v1, bool add, T* bias)
        {
            StoreVector(c, v0, add, bias);
            StoreVector(c + w, v1, add, bias == null ? null : bias + w);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreVector(T* c, TVector value, bool add, T* bias) =>
            TOps.Store(add ? TOps.Add(TOps.Load(c), value) : bias == null ? value : TOps.Add(TOps.Load(bias), value), c);
    }

    /// <summary>Switches of the micro-kernels that only the benchmarks change, to compare two variants in one run; only speed depends on them.</summary>
    internal static class GemmTuning
    {
        /// <summary>Whether 16-register paths (AVX2, 128-bit) use 6 × 2-vector outer-product tiles (the default) or 8 × 1 (before).</summary>
        public static bool SixRowTiles { get; set; } = true;

        /// <summary>Whether dot tiles sum their four accumulators' lanes in one reduction tree (the default) or one vector at a time (before).</summary>
        public static bool TreeSums { get; set; } = true;

        /// <summary>Whether single-row outer products split a long k into 4 interleaved partial sums (the default) or run one chain (before).</summary>
        public static bool SplitRowChains { get; set; } = true;

        /// <summary>Whether <see cref="Linear"/> runs a batch of one through <see cref="SingleSample"/> (the default) or through <see cref="Gemm"/> (before).</summary>
        public static bool SingleSampleLayers { get; set; } = true;

        /// <summary>Whether a single sample's float forward on 256- and 512-bit vectors takes 8 outputs at a time with one vector store (the default), or the 1 × 4 dot tiles (before).</summary>
        public static bool EightRowDots { get; set; } = true;

        /// <summary>Whether those 8-output blocks set their row pointers once per block and take 4 more outputs the same way (the default), or index the rows inside the loop and leave the last outputs to the 1 × 4 dot tiles (before); the same bits.</summary>
        public static bool RowPointerDots { get; set; } = true;

        /// <summary>Whether those blocks on 512-bit vectors sum their 8 accumulators' lanes two 256-bit trees at a time (the default), or halve each accumulator to 256 bits first (before); the same bits.</summary>
        public static bool WideTrees { get; set; } = true;

        /// <summary>Whether a single sample's weight gradient is a rank-1 update 4 rows at a time (the default), or outer-product tiles at k = 1 (before).</summary>
        public static bool RankOneRows { get; set; } = true;

        /// <summary>Whether <see cref="Linear.BackwardOverwrite"/> on one sample writes the parameter gradients directly (the default), or clears them and accumulates (before).</summary>
        public static bool OverwriteGradients { get; set; } = true;

        /// <summary>Whether a float tanh runs on the kernel path itself (the default; <see cref="FloatTanh"/> picks the formula), or calls <c>TensorPrimitives.Tanh</c> (before); the same bits with <see cref="FloatTanh"/> off.</summary>
        public static bool DirectTanh { get; set; } = true;

        /// <summary>Whether that float tanh is TanhSingle's, in float arithmetic within 2 ulp (the default), or TensorPrimitives' formula, whose exponential widens to double (before).</summary>
        public static bool FloatTanh { get; set; } = true;

        /// <summary>Whether a single sample's backward pass writes dW and dX in one pass over W, and the bias gradient by its own vector loop (the default), or runs the rank-1 update, the row product and <c>TensorPrimitives.Add</c> apart (before); the same bits.</summary>
        public static bool FusedBackward { get; set; } = true;

        /// <summary>Whether plain SGD without weight decay leaves out the λ·θ term and takes 4 vectors per loop step (the default), or not (before).</summary>
        public static bool LeanSgd { get; set; } = true;

        /// <summary>Whether the outer-product tiles prefetch their rows of C before the k loop (the default), or not (before); only speed depends on it.</summary>
        public static bool PrefetchC { get; set; } = true;

        /// <summary>Whether BatchNorm's backward passes over maps (the BatchNorm → ReLU → MaxPool2D block's too) ask for the next sample's map of a channel before they reach it (the default), or not (before); only speed depends on it.</summary>
        public static bool PrefetchMaps { get; set; } = true;

        /// <summary>Whether the BatchNorm → ReLU → MaxPool2D block's pooled-only training forward on several threads splits by samples (the default), or by channels (before); the same bits.</summary>
        public static bool SampleSplitBlocks { get; set; } = true;

        /// <summary>Multiply-adds per part of a dense network's large Predict, cut into parts that fit the cache: 2²⁵ (about 140 samples of the Fashion MLP), or 0 for no such parts (before); the same bits.</summary>
        public static long PredictChunkWork { get; set; } = 1L << 25;

        /// <summary>At most how many parts per thread a product split by columns is cut into: 8 (the default).</summary>
        public static int PartsPerThread { get; set; } = 8;

        /// <summary>Values per thread from which BatchNorm's training forward over rows and dropout's forward split over threads: <see cref="MapJob{T}.DefaultLightGrain"/> (the default), or 2¹⁶ as the other element-wise passes (then nothing of the Fashion MLP's splits); the same bits.</summary>
        public static int LightGrain { get; set; } = MapJob<float>.DefaultLightGrain;

        /// <summary>Values per thread from which softmax and its cross-entropy (an exponential per value) split by rows: 2⁹ (about 5 µs); tests set it to 1.</summary>
        public static int ExpGrain { get; set; } = 1 << 9;

        /// <summary>Values per thread from which the other element-wise passes split over threads: <see cref="MapJob{T}.DefaultGrain"/>; tests set it to 1 to split the smallest shapes.</summary>
        public static int ElementGrain { get; set; } = MapJob<float>.DefaultGrain;

        /// <summary>Whether plain SGD's vector loop starts at a vector boundary of the parameters, the values before it one by one (the default), or at the first value (before); the same bits.</summary>
        public static bool AlignedSgd { get; set; } = true;

        /// <summary>Whether a batch of one takes one combined length check, a backward pass whose store-or-add is chosen once per call, lane sums by shuffle pairs instead of vhaddps and an MSE without divisions by 1 (the default), or the full checks, the choice per row, vhaddps and the divisions (before); the same bits.</summary>
        public static bool LeanSingleSample { get; set; } = true;

        /// <summary>Whether plain SGD's 256-bit loop takes 8 vectors per step through moving refs (the default), or 4 by index (before); the same bits.</summary>
        public static bool EightVectorSgd { get; set; } = true;
    }
}
