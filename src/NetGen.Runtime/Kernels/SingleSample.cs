using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels
{
    /// <summary>
    /// A dense layer on one sample (batch 1) on a SIMD path, without the product machinery of <see cref="Gemm"/>: the
    /// same micro-kernels called directly, with no product record, thread count or path choice per product. Every value
    /// is computed by the kernel <see cref="Gemm"/> would run on one thread, with the same arguments, so the results are
    /// the same bits. A tiny network's step is mostly such per-call costs (16-32-32-4: about 5,000 multiply-adds).
    /// </summary>
    internal static unsafe class SingleSample
    {
        /// <summary>Whether a layer of these sizes on this path takes the single-sample kernels (for batch 1).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Applies<T>(GemmPath path, int inputs, int outputs)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            GemmTuning.SingleSampleLayers && path != GemmPath.Scalar && inputs > 0 && outputs > 0
            && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

        /// <summary><c>y[o] = Σᵢ x[i] · w[o,i] + b[o]</c> (no bias when <paramref name="b"/> is empty); lengths checked by the caller.</summary>
        public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, int inputs, int outputs, GemmPath path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            fixed (T* px = x, pw = w, pb = b, py = y)
            {
                T* bias = b.IsEmpty ? null : pb;

                // Float on 256- and 512-bit vectors, k a whole number of vectors: the first outputs 8 at a time.
                int j = 0;
                if (typeof(T) == typeof(float) && GemmTuning.EightRowDots && Fma.IsSupported)
                {
                    if (path == GemmPath.Vector512 && inputs % Vector512<float>.Count == 0)
                    {
                        j = GemmTuning.RowPointerDots
                            ? Rows512((float*)px, (float*)pw, (float*)py, (float*)bias, inputs, outputs)
                            : EightRows512((float*)px, (float*)pw, (float*)py, (float*)bias, inputs, outputs);
                    }
                    else if (path == GemmPath.Vector256 && inputs % Vector256<float>.Count == 0)
                    {
                        j = GemmTuning.RowPointerDots
                            ? Rows256((float*)px, (float*)pw, (float*)py, (float*)bias, inputs, outputs)
                            : EightRows256((float*)px, (float*)pw, (float*)py, (float*)bias, inputs, outputs);
                    }
                }

                if (j == outputs)
                {
                    return;
                }

                switch (path)
                {
                    case GemmPath.Vector512:
                        GemmKernels<Simd512<T>, Vector512<T>, T>.DotProducts(px, pw, py, bias, inputs, outputs, 0, 1, j, outputs, false);
                        break;
                    case GemmPath.Vector256:
                        GemmKernels<Simd256<T>, Vector256<T>, T>.DotProducts(px, pw, py, bias, inputs, outputs, 0, 1, j, outputs, false);
                        break;
                    default:
                        GemmKernels<Simd128<T>, Vector128<T>, T>.DotProducts(px, pw, py, bias, inputs, outputs, 0, 1, j, outputs, false);
                        break;
                }
            }
        }

        /// <summary>
        /// <see cref="EightRows256"/> with the 8 rows' pointers set once per block (the loop then loads at row pointer + p; with
        /// the offsets <c>o · k</c> written inside the loop the JIT recomputed each of them, 3 or 4 integer instructions per
        /// load), and then 4 more outputs at a time: a 1 × 4 dot tile's operations (each accumulator along k, then
        /// <see cref="Simd256{T}.Sum4"/>'s tree), stored as one 128-bit vector with its biases. Returns how many outputs it did;
        /// the same bits as the dot tiles.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Rows256(float* x, float* w, float* y, float* bias, int k, int n)
        {
            nint stride = k;
            bool shuffles = GemmTuning.LeanSingleSample;
            int o = 0;
            for (; o + 8 <= n; o += 8)
            {
                float* r0 = w + ((nint)o * stride), r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
                float* r4 = r3 + stride, r5 = r4 + stride, r6 = r5 + stride, r7 = r6 + stride;
                Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                for (nint p = 0; p < stride; p += 8)
                {
                    Vector256<float> v = Vector256.Load(x + p);
                    c0 = Fma.MultiplyAdd(v, Vector256.Load(r0 + p), c0);
                    c1 = Fma.MultiplyAdd(v, Vector256.Load(r1 + p), c1);
                    c2 = Fma.MultiplyAdd(v, Vector256.Load(r2 + p), c2);
                    c3 = Fma.MultiplyAdd(v, Vector256.Load(r3 + p), c3);
                    c4 = Fma.MultiplyAdd(v, Vector256.Load(r4 + p), c4);
                    c5 = Fma.MultiplyAdd(v, Vector256.Load(r5 + p), c5);
                    c6 = Fma.MultiplyAdd(v, Vector256.Load(r6 + p), c6);
                    c7 = Fma.MultiplyAdd(v, Vector256.Load(r7 + p), c7);
                }

                if (shuffles)
                {
                    StoreEightByShuffles(c0, c1, c2, c3, c4, c5, c6, c7, y + o, bias == null ? null : bias + o);
                }
                else
                {
                    StoreEight(c0, c1, c2, c3, c4, c5, c6, c7, y + o, bias == null ? null : bias + o);
                }
            }

            if (o + 4 <= n && GemmTuning.TreeSums)
            {
                float* r0 = w + ((nint)o * stride), r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
                Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
                for (nint p = 0; p < stride; p += 8)
                {
                    Vector256<float> v = Vector256.Load(x + p);
                    c0 = Fma.MultiplyAdd(v, Vector256.Load(r0 + p), c0);
                    c1 = Fma.MultiplyAdd(v, Vector256.Load(r1 + p), c1);
                    c2 = Fma.MultiplyAdd(v, Vector256.Load(r2 + p), c2);
                    c3 = Fma.MultiplyAdd(v, Vector256.Load(r3 + p), c3);
                }

                if (shuffles)
                {
                    Vector256<float> h = PairSums(PairSums(c0, c1), PairSums(c2, c3));
                    Vector128<float> sums = h.GetLower() + h.GetUpper();
                    (bias == null ? sums : sums + Vector128.Load(bias + o)).Store(y + o);
                }
                else
                {
                    StoreFour(c0, c1, c2, c3, y + o, bias == null ? null : bias + o);
                }

                o += 4;
            }

            return o;
        }

        /// <summary>
        /// <see cref="StoreEight(Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, float*, float*)"/>
        /// with each vhaddps replaced by <see cref="PairSums(Vector256{float}, Vector256{float})"/>: the same sums in the same
        /// lanes, so the same bits, in 3 single-µop instructions where vhaddps decodes to several (on Zen 3 the forward's gain was
        /// within the noise: its time goes to the FMA chains and the tree's latency, not to these instructions' count).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreEightByShuffles(Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3, Vector256<float> c4, Vector256<float> c5, Vector256<float> c6, Vector256<float> c7, float* y, float* bias)
        {
            Vector256<float> low = PairSums(PairSums(c0, c1), PairSums(c2, c3));
            Vector256<float> high = PairSums(PairSums(c4, c5), PairSums(c6, c7));
            Vector256<float> sums = Avx.Permute2x128(low, high, 0x20) + Avx.Permute2x128(low, high, 0x31);
            (bias == null ? sums : sums + Vector256.Load(bias)).Store(y);
        }

        /// <summary>What vhaddps gives, per 128-bit lane <c>[a0 + a1, a2 + a3, b0 + b1, b2 + b3]</c>: the even lanes plus the odd ones.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> PairSums(Vector256<float> a, Vector256<float> b) =>
            Avx.Shuffle(a, b, 0x88) + Avx.Shuffle(a, b, 0xDD);

        /// <summary><see cref="Rows256"/> with 512-bit accumulators (k a multiple of 16), each halved to 256 bits before the tree as <see cref="Simd512{T}.Sum4"/> does.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Rows512(float* x, float* w, float* y, float* bias, int k, int n)
        {
            nint stride = k;
            int o = 0;
            for (; o + 8 <= n; o += 8)
            {
                float* r0 = w + ((nint)o * stride), r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
                float* r4 = r3 + stride, r5 = r4 + stride, r6 = r5 + stride, r7 = r6 + stride;
                Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                for (nint p = 0; p < stride; p += 16)
                {
                    Vector512<float> v = Vector512.Load(x + p);
                    c0 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r0 + p), c0);
                    c1 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r1 + p), c1);
                    c2 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r2 + p), c2);
                    c3 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r3 + p), c3);
                    c4 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r4 + p), c4);
                    c5 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r5 + p), c5);
                    c6 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r6 + p), c6);
                    c7 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r7 + p), c7);
                }

                if (GemmTuning.WideTrees)
                {
                    StoreEight(c0, c1, c2, c3, c4, c5, c6, c7, y + o, bias == null ? null : bias + o);
                }
                else
                {
                    StoreEight(
                        c0.GetLower() + c0.GetUpper(), c1.GetLower() + c1.GetUpper(), c2.GetLower() + c2.GetUpper(), c3.GetLower() + c3.GetUpper(),
                        c4.GetLower() + c4.GetUpper(), c5.GetLower() + c5.GetUpper(), c6.GetLower() + c6.GetUpper(), c7.GetLower() + c7.GetUpper(),
                        y + o,
                        bias == null ? null : bias + o);
                }
            }

            if (o + 4 <= n && GemmTuning.TreeSums)
            {
                float* r0 = w + ((nint)o * stride), r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
                Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
                for (nint p = 0; p < stride; p += 16)
                {
                    Vector512<float> v = Vector512.Load(x + p);
                    c0 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r0 + p), c0);
                    c1 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r1 + p), c1);
                    c2 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r2 + p), c2);
                    c3 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r3 + p), c3);
                }

                StoreFour(c0.GetLower() + c0.GetUpper(), c1.GetLower() + c1.GetUpper(), c2.GetLower() + c2.GetUpper(), c3.GetLower() + c3.GetUpper(), y + o, bias == null ? null : bias + o);
                o += 4;
            }

            return o;
        }

        /// <summary>
        /// The 512-bit accumulators' <see cref="StoreEight(Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, float*, float*)"/>
        /// with the same additions, two 256-bit trees at a time: <c>c_q</c> and <c>c_q+4</c> halved into one register
        /// (<c>[lo + hi of c_q | lo + hi of c_q+4]</c>), then the horizontal adds as pairs of in-lane shuffles on both halves at
        /// once (the sums vhaddps makes), then each half's 128-bit halves added. 16 shuffles where halving
        /// each accumulator to 256 bits first took 22 (8 extractions, 6 vhaddps of 2 each, 2 permutes).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreEight(Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3, Vector512<float> c4, Vector512<float> c5, Vector512<float> c6, Vector512<float> c7, float* y, float* bias)
        {
            Vector512<float> t0 = Halves(c0, c4), t1 = Halves(c1, c5), t2 = Halves(c2, c6), t3 = Halves(c3, c7);
            Vector512<float> h = PairSums(PairSums(t0, t1), PairSums(t2, t3));

            // h = [low.lo, low.hi, high.lo, high.hi] in 128-bit lanes: [low.lo | high.lo] + [low.hi | high.hi], as StoreEight adds them.
            Vector256<float> sums = (Avx512F.Shuffle4x128(h, h, 0x08) + Avx512F.Shuffle4x128(h, h, 0x0D)).GetLower();
            (bias == null ? sums : sums + Vector256.Load(bias)).Store(y);
        }

        /// <summary><c>[a.lo + a.hi | b.lo + b.hi]</c> in 256-bit halves: what <c>GetLower() + GetUpper()</c> gives for each.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Halves(Vector512<float> a, Vector512<float> b) =>
            Avx512F.Shuffle4x128(a, b, 0x44) + Avx512F.Shuffle4x128(a, b, 0xEE);

        /// <summary>vhaddps on each 256-bit half: per 128-bit lane <c>[a0 + a1, a2 + a3, b0 + b1, b2 + b3]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> PairSums(Vector512<float> a, Vector512<float> b) =>
            Avx512F.Shuffle(a, b, 0x88) + Avx512F.Shuffle(a, b, 0xDD);

        /// <summary>
        /// <c>y[q] = Σ lanes of c_q (+ bias[q])</c> for q &lt; 4: <see cref="Simd256{T}.Sum4"/>'s tree (two rounds of horizontal
        /// adds, then the 128-bit halves added) stored as one vector, the biases added lane by lane as the dot tiles add them.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreFour(Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3, float* y, float* bias)
        {
            Vector256<float> h = Avx.HorizontalAdd(Avx.HorizontalAdd(c0, c1), Avx.HorizontalAdd(c2, c3));
            Vector128<float> sums = h.GetLower() + h.GetUpper();
            (bias == null ? sums : sums + Vector128.Load(bias)).Store(y);
        }

        /// <summary>
        /// <c>y[o] = x · w[o] + b[o]</c> for the outputs 8 at a time, 256-bit accumulators along k (a multiple of 8), and the 8
        /// lane sums in one tree into one vector, stored with its biases at once. Returns how many outputs it did. The same
        /// operations as <see cref="GemmKernels{TOps, TVector, T}.DotProducts"/>' 1 × 4 tiles (each accumulator along k,
        /// then <see cref="Simd256{T}.Sum4"/>'s tree), so the same bits, without the tiles' 4 lane extractions and 4 scalar stores.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int EightRows256(float* x, float* w, float* y, float* bias, int k, int n)
        {
            int o = 0;
            for (; o + 8 <= n; o += 8)
            {
                float* r = w + ((nint)o * k);
                Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                for (int p = 0; p < k; p += 8)
                {
                    Vector256<float> v = Vector256.Load(x + p);
                    c0 = Fma.MultiplyAdd(v, Vector256.Load(r + p), c0);
                    c1 = Fma.MultiplyAdd(v, Vector256.Load(r + k + p), c1);
                    c2 = Fma.MultiplyAdd(v, Vector256.Load(r + (2 * k) + p), c2);
                    c3 = Fma.MultiplyAdd(v, Vector256.Load(r + (3 * k) + p), c3);
                    c4 = Fma.MultiplyAdd(v, Vector256.Load(r + (4 * k) + p), c4);
                    c5 = Fma.MultiplyAdd(v, Vector256.Load(r + (5 * k) + p), c5);
                    c6 = Fma.MultiplyAdd(v, Vector256.Load(r + (6 * k) + p), c6);
                    c7 = Fma.MultiplyAdd(v, Vector256.Load(r + (7 * k) + p), c7);
                }

                StoreEight(c0, c1, c2, c3, c4, c5, c6, c7, y + o, bias == null ? null : bias + o);
            }

            return o;
        }

        /// <summary>
        /// <see cref="EightRows256"/> with 512-bit accumulators (k a multiple of 16), each halved to 256 bits before the tree
        /// as <see cref="Simd512{T}.Sum4"/> does.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int EightRows512(float* x, float* w, float* y, float* bias, int k, int n)
        {
            int o = 0;
            for (; o + 8 <= n; o += 8)
            {
                float* r = w + ((nint)o * k);
                Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                for (int p = 0; p < k; p += 16)
                {
                    Vector512<float> v = Vector512.Load(x + p);
                    c0 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r + p), c0);
                    c1 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r + k + p), c1);
                    c2 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r + (2 * k) + p), c2);
                    c3 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r + (3 * k) + p), c3);
                    c4 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r + (4 * k) + p), c4);
                    c5 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r + (5 * k) + p), c5);
                    c6 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r + (6 * k) + p), c6);
                    c7 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(r + (7 * k) + p), c7);
                }

                StoreEight(
                    c0.GetLower() + c0.GetUpper(), c1.GetLower() + c1.GetUpper(), c2.GetLower() + c2.GetUpper(), c3.GetLower() + c3.GetUpper(),
                    c4.GetLower() + c4.GetUpper(), c5.GetLower() + c5.GetUpper(), c6.GetLower() + c6.GetUpper(), c7.GetLower() + c7.GetUpper(),
                    y + o,
                    bias == null ? null : bias + o);
            }

            return o;
        }

        /// <summary>
        /// <c>y[q] = Σ lanes of c_q (+ bias[q])</c> for q &lt; 8: per 128-bit half, two rounds of horizontal adds give
        /// [Σc0 … Σc3] and [Σc4 … Σc7] of that half (as <see cref="Simd256{T}.Sum4"/>), then the halves are added.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreEight(Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3, Vector256<float> c4, Vector256<float> c5, Vector256<float> c6, Vector256<float> c7, float* y, float* bias)
        {
            Vector256<float> low = Avx.HorizontalAdd(Avx.HorizontalAdd(c0, c1), Avx.HorizontalAdd(c2, c3));
            Vector256<float> high = Avx.HorizontalAdd(Avx.HorizontalAdd(c4, c5), Avx.HorizontalAdd(c6, c7));
            Vector256<float> sums = Avx.Permute2x128(low, high, 0x20) + Avx.Permute2x128(low, high, 0x31);
            (bias == null ? sums : sums + Vector256.Load(bias)).Store(y);
        }

        /// <summary>
        /// <c>dw[o,i] += dy[o] · x[i]</c>, <c>db[o] += dy[o]</c>, <c>dx[i] = Σₒ dy[o] · w[o,i]</c>; each of dw, db and dx is
        /// skipped when empty. Lengths checked by the caller.
        /// </summary>
        public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, Span<T> dx, int inputs, int outputs, GemmPath path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            fixed (T* px = x, pw = w, pdy = dy, pdw = dw, pdb = db, pdx = dx)
            {
                T* gw = dw.IsEmpty ? null : pdw, gx = dx.IsEmpty ? null : pdx;
                if (!db.IsEmpty)
                {
                    BiasGradient(pdy, pdb, outputs, add: true, path);
                }

                if (gw != null && gx != null && Fused<T>(path, inputs, outputs))
                {
                    FusedBackward(px, pw, pdy, gw, gx, inputs, outputs, add: true, path);
                    return;
                }

                switch (path)
                {
                    case GemmPath.Vector512:
                        Backward<Simd512<T>, Vector512<T>, T>(px, pw, pdy, gw, gx, inputs, outputs);
                        break;
                    case GemmPath.Vector256:
                        Backward<Simd256<T>, Vector256<T>, T>(px, pw, pdy, gw, gx, inputs, outputs);
                        break;
                    default:
                        Backward<Simd128<T>, Vector128<T>, T>(px, pw, pdy, gw, gx, inputs, outputs);
                        break;
                }
            }
        }

        /// <summary>
        /// <see cref="Backward{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, Span{T}, Span{T}, int, int, GemmPath)"/>
        /// that writes <c>dw[o,i] = dy[o] · x[i]</c> and <c>db[o] = dy[o]</c> instead of adding them: each product is the same
        /// fused multiply-add onto zero that <see cref="RankOne{TOps, TVector, T}"/> adds to a cleared gradient, and
        /// <c>db = dy + 0</c> is what <c>0 + dy</c> gave (a −0 becomes +0), so the same bits; only a product that underflows
        /// to −0 keeps its sign here (a cleared gradient made it +0).
        /// </summary>
        public static void BackwardOverwrite<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, Span<T> dx, int inputs, int outputs, GemmPath path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            fixed (T* px = x, pw = w, pdy = dy, pdw = dw, pdb = db, pdx = dx)
            {
                T* gw = dw.IsEmpty ? null : pdw, gx = dx.IsEmpty ? null : pdx;
                if (!db.IsEmpty)
                {
                    BiasGradient(pdy, pdb, outputs, add: false, path);
                }

                if (gw != null && gx != null && Fused<T>(path, inputs, outputs))
                {
                    FusedBackward(px, pw, pdy, gw, gx, inputs, outputs, add: false, path);
                    return;
                }

                switch (path)
                {
                    case GemmPath.Vector512:
                        BackwardOverwrite<Simd512<T>, Vector512<T>, T>(px, pw, pdy, gw, gx, inputs, outputs);
                        break;
                    case GemmPath.Vector256:
                        BackwardOverwrite<Simd256<T>, Vector256<T>, T>(px, pw, pdy, gw, gx, inputs, outputs);
                        break;
                    default:
                        BackwardOverwrite<Simd128<T>, Vector128<T>, T>(px, pw, pdy, gw, gx, inputs, outputs);
                        break;
                }
            }
        }

        /// <summary>
        /// <c>db[o] += dy[o]</c> (<paramref name="add"/>) or <c>db[o] = dy[o] + 0</c>: what <see cref="TensorPrimitives.Add{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>
        /// gave, element by element in the same operand order (so the same bits), without its per-call dispatch when
        /// <see cref="GemmTuning.FusedBackward"/> is on.
        /// </summary>
        private static void BiasGradient<T>(T* dy, T* db, int outputs, bool add, GemmPath path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!GemmTuning.FusedBackward)
            {
                if (add)
                {
                    TensorPrimitives.Add(new ReadOnlySpan<T>(db, outputs), new ReadOnlySpan<T>(dy, outputs), new Span<T>(db, outputs));
                }
                else
                {
                    TensorPrimitives.Add(new ReadOnlySpan<T>(dy, outputs), T.Zero, new Span<T>(db, outputs));
                }

                return;
            }

            int o = 0;
            if (path >= GemmPath.Vector256 && Vector256.IsHardwareAccelerated)
            {
                for (; o + Vector256<T>.Count <= outputs; o += Vector256<T>.Count)
                {
                    (add ? Vector256.Load(db + o) + Vector256.Load(dy + o) : Vector256.Load(dy + o) + Vector256<T>.Zero).Store(db + o);
                }
            }

            for (; o < outputs; o++)
            {
                db[o] = add ? db[o] + dy[o] : dy[o] + T.Zero;
            }
        }

        /// <summary>
        /// Whether <see cref="FusedBackward{TOps, TVector, T}"/> gives the bits of the separate passes here: the inputs a whole number of
        /// 2-vector blocks (no scalar columns), at most one k block of outputs, and the 2-vector row kernel being the one
        /// <see cref="GemmKernels{TOps, TVector, T}.OuterProducts"/> takes.
        /// </summary>
        private static bool Fused<T>(GemmPath path, int inputs, int outputs)
            where T : unmanaged
        {
            if (!GemmTuning.FusedBackward || outputs < 1 || outputs > GemmKernels<Simd128<float>, Vector128<float>, float>.KBlock)
            {
                return false;
            }

            int bytes = path switch { GemmPath.Vector512 => 64, GemmPath.Vector256 => 32, _ => 16 };
            return (bytes == 64 || GemmTuning.SixRowTiles) && inputs % (2 * bytes / sizeof(T)) == 0;
        }

        private static void FusedBackward<T>(T* x, T* w, T* dy, T* dw, T* dx, int inputs, int outputs, bool add, GemmPath path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (GemmTuning.LeanSingleSample)
            {
                switch (path)
                {
                    case GemmPath.Vector512 when add:
                        FusedBackwardAdding<Simd512<T>, Vector512<T>, T>(x, w, dy, dw, dx, inputs, outputs);
                        return;
                    case GemmPath.Vector512:
                        FusedBackwardWriting<Simd512<T>, Vector512<T>, T>(x, w, dy, dw, dx, inputs, outputs);
                        return;
                    case GemmPath.Vector256 when add:
                        FusedBackwardAdding<Simd256<T>, Vector256<T>, T>(x, w, dy, dw, dx, inputs, outputs);
                        return;
                    case GemmPath.Vector256:
                        FusedBackwardWriting<Simd256<T>, Vector256<T>, T>(x, w, dy, dw, dx, inputs, outputs);
                        return;
                    default:
                        if (add)
                        {
                            FusedBackwardAdding<Simd128<T>, Vector128<T>, T>(x, w, dy, dw, dx, inputs, outputs);
                        }
                        else
                        {
                            FusedBackwardWriting<Simd128<T>, Vector128<T>, T>(x, w, dy, dw, dx, inputs, outputs);
                        }

                        return;
                }
            }

            switch (path)
            {
                case GemmPath.Vector512:
                    FusedBackward<Simd512<T>, Vector512<T>, T>(x, w, dy, dw, dx, inputs, outputs, add);
                    break;
                case GemmPath.Vector256:
                    FusedBackward<Simd256<T>, Vector256<T>, T>(x, w, dy, dw, dx, inputs, outputs, add);
                    break;
                default:
                    FusedBackward<Simd128<T>, Vector128<T>, T>(x, w, dy, dw, dx, inputs, outputs, add);
                    break;
            }
        }

        /// <summary>
        /// <c>dw[o,i] (+)= dy[o] · x[i]</c> and <c>dx[i] = Σₒ dy[o] · w[o,i]</c> in one pass over W, one 2-vector block of
        /// columns at a time: each row's broadcast <c>dy[o]</c> both writes that row of dW and multiplies that row of W into
        /// dX. The operations of <see cref="RankOne{TOps, TVector, T}"/> / <see cref="RankOneOverwrite{TOps, TVector, T}"/>
        /// (a fused multiply-add onto zero, stored or added) and of the outer products' single-row kernel (from 8 rows on, 4 partial
        /// sums over o mod 4, added as (c + d) + (e + f), then the last rows into the first sum; fewer rows, one chain), so the same bits, with half the
        /// passes over the rows and one call instead of two.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void FusedBackward<TOps, TVector, T>(T* x, T* w, T* dy, T* dw, T* dx, int inputs, int outputs, bool add)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T> =>
            FusedBackwardBody<TOps, TVector, T>(x, w, dy, dw, dx, inputs, outputs, add);

        /// <summary><see cref="FusedBackward{TOps, TVector, T}"/> adding to dW, compiled with that choice fixed (no test per row).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void FusedBackwardAdding<TOps, TVector, T>(T* x, T* w, T* dy, T* dw, T* dx, int inputs, int outputs)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T> =>
            FusedBackwardBody<TOps, TVector, T>(x, w, dy, dw, dx, inputs, outputs, add: true);

        /// <summary><see cref="FusedBackward{TOps, TVector, T}"/> writing dW, compiled with that choice fixed (no test per row).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void FusedBackwardWriting<TOps, TVector, T>(T* x, T* w, T* dy, T* dw, T* dx, int inputs, int outputs)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T> =>
            FusedBackwardBody<TOps, TVector, T>(x, w, dy, dw, dx, inputs, outputs, add: false);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void FusedBackwardBody<TOps, TVector, T>(T* x, T* w, T* dy, T* dw, T* dx, int inputs, int outputs, bool add)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int v = TOps.Count;
            nint k = inputs, k2 = 2 * k, k3 = 3 * k;

            // As the row kernel: 4 chains only over 8 or more rows (and with the switch on), else one.
            int grouped = GemmTuning.SplitRowChains && outputs >= 8 ? outputs - (outputs % 4) : 0;
            for (int j = 0; j < inputs; j += 2 * v)
            {
                TVector x0 = TOps.Load(x + j), x1 = TOps.Load(x + j + v);
                TVector c0 = TOps.Zero, c1 = TOps.Zero, d0 = TOps.Zero, d1 = TOps.Zero, e0 = TOps.Zero, e1 = TOps.Zero, f0 = TOps.Zero, f1 = TOps.Zero;
                T* wr = w + j, gr = dw + j;
                int o = 0;
                for (; o < grouped; o += 4, wr += 4 * k, gr += 4 * k)
                {
                    TVector g = TOps.Broadcast(dy[o]);
                    Row<TOps, TVector, T>(g, x0, x1, gr, v, add);
                    c0 = TOps.MultiplyAdd(g, TOps.Load(wr), c0);
                    c1 = TOps.MultiplyAdd(g, TOps.Load(wr + v), c1);
                    g = TOps.Broadcast(dy[o + 1]);
                    Row<TOps, TVector, T>(g, x0, x1, gr + k, v, add);
                    d0 = TOps.MultiplyAdd(g, TOps.Load(wr + k), d0);
                    d1 = TOps.MultiplyAdd(g, TOps.Load(wr + k + v), d1);
                    g = TOps.Broadcast(dy[o + 2]);
                    Row<TOps, TVector, T>(g, x0, x1, gr + k2, v, add);
                    e0 = TOps.MultiplyAdd(g, TOps.Load(wr + k2), e0);
                    e1 = TOps.MultiplyAdd(g, TOps.Load(wr + k2 + v), e1);
                    g = TOps.Broadcast(dy[o + 3]);
                    Row<TOps, TVector, T>(g, x0, x1, gr + k3, v, add);
                    f0 = TOps.MultiplyAdd(g, TOps.Load(wr + k3), f0);
                    f1 = TOps.MultiplyAdd(g, TOps.Load(wr + k3 + v), f1);
                }

                if (grouped > 0)
                {
                    c0 = TOps.Add(TOps.Add(c0, d0), TOps.Add(e0, f0));
                    c1 = TOps.Add(TOps.Add(c1, d1), TOps.Add(e1, f1));
                }

                for (; o < outputs; o++, wr += k, gr += k)
                {
                    TVector g = TOps.Broadcast(dy[o]);
                    Row<TOps, TVector, T>(g, x0, x1, gr, v, add);
                    c0 = TOps.MultiplyAdd(g, TOps.Load(wr), c0);
                    c1 = TOps.MultiplyAdd(g, TOps.Load(wr + v), c1);
                }

                TOps.Store(c0, dx + j);
                TOps.Store(c1, dx + j + v);
            }
        }

        /// <summary>Two vectors of one row of dW: <c>g · x</c> rounded by a fused multiply-add onto zero, stored or added.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Row<TOps, TVector, T>(TVector g, TVector x0, TVector x1, T* row, int v, bool add)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TVector p0 = TOps.MultiplyAdd(g, x0, TOps.Zero), p1 = TOps.MultiplyAdd(g, x1, TOps.Zero);
            TOps.Store(add ? TOps.Add(TOps.Load(row), p0) : p0, row);
            TOps.Store(add ? TOps.Add(TOps.Load(row + v), p1) : p1, row + v);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BackwardOverwrite<TOps, TVector, T>(T* x, T* w, T* dy, T* dw, T* dx, int inputs, int outputs)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (dw != null)
            {
                RankOneOverwrite<TOps, TVector, T>(x, dy, dw, inputs, outputs);
            }

            if (dx != null)
            {
                GemmKernels<TOps, TVector, T>.OuterProducts(dy, outputs, 1, w, inputs, dx, inputs, outputs, 0, 1, 0, inputs, false);
            }
        }

        /// <summary><c>dw[o,i] = dy[o] · x[i]</c>, 4 rows at a time: <see cref="RankOne{TOps, TVector, T}"/> storing each product instead of adding it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void RankOneOverwrite<TOps, TVector, T>(T* x, T* dy, T* dw, int inputs, int outputs)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int kv = inputs - (inputs % TOps.Count);
            nint k = inputs;
            int o = 0;
            for (; o + 4 <= outputs; o += 4)
            {
                TVector d0 = TOps.Broadcast(dy[o]), d1 = TOps.Broadcast(dy[o + 1]), d2 = TOps.Broadcast(dy[o + 2]), d3 = TOps.Broadcast(dy[o + 3]);
                T* r0 = dw + ((nint)o * k);
                for (int i = 0; i < kv; i += TOps.Count)
                {
                    TVector v = TOps.Load(x + i);
                    T* c = r0 + i;
                    TOps.Store(TOps.MultiplyAdd(d0, v, TOps.Zero), c);
                    TOps.Store(TOps.MultiplyAdd(d1, v, TOps.Zero), c + k);
                    TOps.Store(TOps.MultiplyAdd(d2, v, TOps.Zero), c + (2 * k));
                    TOps.Store(TOps.MultiplyAdd(d3, v, TOps.Zero), c + (3 * k));
                }
            }

            for (; o < outputs; o++)
            {
                TVector d = TOps.Broadcast(dy[o]);
                T* row = dw + ((nint)o * k);
                for (int i = 0; i < kv; i += TOps.Count)
                {
                    TOps.Store(TOps.MultiplyAdd(d, TOps.Load(x + i), TOps.Zero), row + i);
                }
            }

            if (kv < inputs)
            {
                for (int r = 0; r < outputs; r++)
                {
                    T g = dy[r];
                    T* row = dw + ((nint)r * k);
                    for (int i = kv; i < inputs; i++)
                    {
                        row[i] = T.FusedMultiplyAdd(g, x[i], T.Zero);
                    }
                }
            }
        }

        /// <summary>
        /// <c>dw[o,i] += dy[o] · x[i]</c>, 4 rows of dw at a time: each product rounded by a fused multiply-add onto zero, then
        /// added, as the outer-product tiles do at k = 1, so the same bits, without their per-tile calls and zeroed accumulators.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void RankOne<TOps, TVector, T>(T* x, T* dy, T* dw, int inputs, int outputs)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int kv = inputs - (inputs % TOps.Count);
            nint k = inputs;
            int o = 0;
            for (; o + 4 <= outputs; o += 4)
            {
                TVector d0 = TOps.Broadcast(dy[o]), d1 = TOps.Broadcast(dy[o + 1]), d2 = TOps.Broadcast(dy[o + 2]), d3 = TOps.Broadcast(dy[o + 3]);
                T* r0 = dw + ((nint)o * k);
                for (int i = 0; i < kv; i += TOps.Count)
                {
                    TVector v = TOps.Load(x + i);
                    T* c = r0 + i;
                    TOps.Store(TOps.Add(TOps.Load(c), TOps.MultiplyAdd(d0, v, TOps.Zero)), c);
                    TOps.Store(TOps.Add(TOps.Load(c + k), TOps.MultiplyAdd(d1, v, TOps.Zero)), c + k);
                    TOps.Store(TOps.Add(TOps.Load(c + (2 * k)), TOps.MultiplyAdd(d2, v, TOps.Zero)), c + (2 * k));
                    TOps.Store(TOps.Add(TOps.Load(c + (3 * k)), TOps.MultiplyAdd(d3, v, TOps.Zero)), c + (3 * k));
                }
            }

            for (; o < outputs; o++)
            {
                TVector d = TOps.Broadcast(dy[o]);
                T* row = dw + ((nint)o * k);
                for (int i = 0; i < kv; i += TOps.Count)
                {
                    TOps.Store(TOps.Add(TOps.Load(row + i), TOps.MultiplyAdd(d, TOps.Load(x + i), TOps.Zero)), row + i);
                }
            }

            if (kv < inputs)
            {
                for (int r = 0; r < outputs; r++)
                {
                    T g = dy[r];
                    T* row = dw + ((nint)r * k);
                    for (int i = kv; i < inputs; i++)
                    {
                        row[i] += T.FusedMultiplyAdd(g, x[i], T.Zero);
                    }
                }
            }
        }

        /// <summary>
        /// The backward pass on one width, with the kernels and arguments <see cref="Gemm"/> would use: dW by the outer-product
        /// tiles at k = 1 (rows of dW = outputs, A(o, 0) = dy[o]), dX by the single-row outer products over k = outputs.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Backward<TOps, TVector, T>(T* x, T* w, T* dy, T* dw, T* dx, int inputs, int outputs)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (dw != null)
            {
                if (GemmTuning.RankOneRows)
                {
                    RankOne<TOps, TVector, T>(x, dy, dw, inputs, outputs);
                }
                else
                {
                    GemmKernels<TOps, TVector, T>.OuterProducts(dy, 1, outputs, x, inputs, dw, inputs, 1, 0, outputs, 0, inputs, true);
                }
            }

            if (dx != null)
            {
                GemmKernels<TOps, TVector, T>.OuterProducts(dy, outputs, 1, w, inputs, dx, inputs, outputs, 0, 1, 0, inputs, false);
            }
        }
    }
}
