using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
                switch (path)
                {
                    case GemmPath.Vector512:
                        GemmKernels<Simd512<T>, Vector512<T>, T>.DotProducts(px, pw, py, bias, inputs, outputs, 0, 1, 0, outputs, false);
                        break;
                    case GemmPath.Vector256:
                        GemmKernels<Simd256<T>, Vector256<T>, T>.DotProducts(px, pw, py, bias, inputs, outputs, 0, 1, 0, outputs, false);
                        break;
                    default:
                        GemmKernels<Simd128<T>, Vector128<T>, T>.DotProducts(px, pw, py, bias, inputs, outputs, 0, 1, 0, outputs, false);
                        break;
                }
            }
        }

        /// <summary>
        /// <c>dw[o,i] += dy[o] · x[i]</c>, <c>db[o] += dy[o]</c>, <c>dx[i] = Σₒ dy[o] · w[o,i]</c>; each of dw, db and dx is
        /// skipped when empty. Lengths checked by the caller.
        /// </summary>
        public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, Span<T> dx, int inputs, int outputs, GemmPath path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!db.IsEmpty)
            {
                TensorPrimitives.Add(db, dy, db);
            }

            fixed (T* px = x, pw = w, pdy = dy, pdw = dw, pdx = dx)
            {
                T* gw = dw.IsEmpty ? null : pdw, gx = dx.IsEmpty ? null : pdx;
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
                GemmKernels<TOps, TVector, T>.OuterProducts(dy, 1, outputs, x, inputs, dw, inputs, 1, 0, outputs, 0, inputs, true);
            }

            if (dx != null)
            {
                GemmKernels<TOps, TVector, T>.OuterProducts(dy, outputs, 1, w, inputs, dx, inputs, outputs, 0, 1, 0, inputs, false);
            }
        }
    }
}
