using System;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels
{
    /// <summary>
    /// Activation functions and their backward passes. Element-wise kernels take spans of equal length and allow the
    /// output to be the very same span as an input (in place); row-wise kernels (Softmax, Maxout, PReLU) take
    /// <c>[batch × features]</c> row-major spans. Backward kernels overwrite their input gradient unless stated otherwise.
    /// </summary>
    public static unsafe class Activations
    {
        /// <summary>
        /// Lengths from which tanh goes through <see cref="TensorPrimitives"/> (vectorized exponentials, a partial vector
        /// for short spans); the scalar loops stay as the reference.
        /// </summary>
        private const int VectorizedFrom = 1;

        /// <summary>The sigmoid of fewer values (a single output) is faster with one scalar exponential each.</summary>
        private const int SigmoidVectorizedFrom = 4;

        /// <summary>ReLU: effectively computes <c>y[i] = max(x[i], 0)</c>. A NaN input gives NaN.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs.</param>
        /// <param name="y">The outputs, same length as <paramref name="x"/>.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ReLU<T>(ReadOnlySpan<T> x, Span<T> y)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(y.Length, x.Length, nameof(y), "x.Length");
            int threads = MapJob<T>.Threads(x.Length);
            if (threads <= 1)
            {
                TensorPrimitives.Max(x, T.Zero, y);
                return;
            }

            // Runs of whole cache lines on each thread.
            fixed (T* px = x, py = y)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.ReLU;
                job.Units = x.Length;
                job.Step = MapJob<T>.RunStep;
                job.Set(0, px, x.Length);
                job.Set(1, py, y.Length);
                job.Run(threads);
            }
        }

        /// <summary>ReLU backward: effectively computes <c>dx[i] = x[i] &gt; 0 ? dy[i] : 0</c>.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The forward inputs.</param>
        /// <param name="dy">The gradient with respect to the outputs.</param>
        /// <param name="dx">The gradient with respect to the inputs, overwritten.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ReLUBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(dy.Length, x.Length, nameof(dy), "x.Length");
            Check.Length(dx.Length, x.Length, nameof(dx), "x.Length");
            int threads = MapJob<T>.Threads(x.Length);
            if (threads <= 1)
            {
                ReLUBackwardRun(x, dy, dx);
                return;
            }

            fixed (T* px = x, pdy = dy, pdx = dx)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.ReLUBackward;
                job.Units = x.Length;
                job.Step = MapJob<T>.RunStep;
                job.Set(0, px, x.Length);
                job.Set(1, pdy, dy.Length);
                job.Set(2, pdx, dx.Length);
                job.Run(threads);
            }
        }

        /// <summary>The loop of <see cref="ReLUBackward{T}"/> over spans of one length.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ReLUBackwardRun<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                ref T xs = ref MemoryMarshal.GetReference(x);
                ref T dys = ref MemoryMarshal.GetReference(dy);
                ref T dxs = ref MemoryMarshal.GetReference(dx);
                for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    Vector<T> positive = Vector.GreaterThan(Vector.LoadUnsafe(ref xs, (nuint)i), Vector<T>.Zero);
                    Vector.ConditionalSelect(positive, Vector.LoadUnsafe(ref dys, (nuint)i), Vector<T>.Zero).StoreUnsafe(ref dxs, (nuint)i);
                }
            }

            for (; i < x.Length; i++)
            {
                dx[i] = x[i] > T.Zero ? dy[i] : T.Zero;
            }
        }

        /// <summary>Leaky ReLU: effectively computes <c>y[i] = x[i] &gt; 0 ? x[i] : α · x[i]</c>.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs.</param>
        /// <param name="y">The outputs, same length as <paramref name="x"/>.</param>
        /// <param name="alpha">The slope α for negative inputs.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static void LeakyReLU<T>(ReadOnlySpan<T> x, Span<T> y, T alpha)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(y.Length, x.Length, nameof(y), "x.Length");
            for (int i = 0; i < x.Length; i++)
            {
                T value = x[i];
                y[i] = value > T.Zero ? value : alpha * value;
            }
        }

        /// <summary>Leaky ReLU backward: effectively computes <c>dx[i] = x[i] &gt; 0 ? dy[i] : α · dy[i]</c>.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The forward inputs.</param>
        /// <param name="dy">The gradient with respect to the outputs.</param>
        /// <param name="dx">The gradient with respect to the inputs, overwritten.</param>
        /// <param name="alpha">The slope α for negative inputs.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static void LeakyReLUBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, T alpha)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(dy.Length, x.Length, nameof(dy), "x.Length");
            Check.Length(dx.Length, x.Length, nameof(dx), "x.Length");
            for (int i = 0; i < x.Length; i++)
            {
                dx[i] = x[i] > T.Zero ? dy[i] : alpha * dy[i];
            }
        }

        /// <summary>
        /// Parametric ReLU: effectively computes <c>y[s,f] = x[s,f] &gt; 0 ? x[s,f] : α[f] · x[s,f]</c>, where α has one
        /// value per feature, or a single value shared by all features.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × features]</c>.</param>
        /// <param name="alpha">The learned slopes: <c>[features]</c>, or <c>[1]</c> when shared.</param>
        /// <param name="y">The outputs <c>[batch × features]</c>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Values per sample.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void PReLU<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> alpha, Span<T> y, int batch, int features)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckRows(x.Length, batch, features);
            Check.Length(y.Length, length, nameof(y), "batch × features");
            bool shared = CheckAlpha(alpha.Length, features);
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<T> xRow = x.Slice(s * features, features);
                Span<T> yRow = y.Slice(s * features, features);
                for (int f = 0; f < features; f++)
                {
                    T value = xRow[f];
                    yRow[f] = value > T.Zero ? value : (shared ? alpha[0] : alpha[f]) * value;
                }
            }
        }

        /// <summary>
        /// Parametric ReLU backward: effectively computes <c>dx[s,f] = x[s,f] &gt; 0 ? dy[s,f] : α[f] · dy[s,f]</c>
        /// (overwrites) and <c>dα[f] += Σₛ (x[s,f] ≤ 0 ? dy[s,f] · x[s,f] : 0)</c> (accumulates; summed over every
        /// element when α is shared).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The forward inputs <c>[batch × features]</c>.</param>
        /// <param name="alpha">The slopes: <c>[features]</c>, or <c>[1]</c> when shared.</param>
        /// <param name="dy">The gradient with respect to the outputs <c>[batch × features]</c>.</param>
        /// <param name="dx">The gradient with respect to the inputs <c>[batch × features]</c>, overwritten; empty to skip it.</param>
        /// <param name="dalpha">The gradient with respect to α, same length as <paramref name="alpha"/>, accumulated into; empty to skip it (input gradients only).</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Values per sample.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void PReLUBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> alpha, ReadOnlySpan<T> dy, Span<T> dx, Span<T> dalpha, int batch, int features)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckRows(x.Length, batch, features);
            bool shared = CheckAlpha(alpha.Length, features);
            Check.Length(dy.Length, length, nameof(dy), "batch × features");
            bool hasInputGradient = Check.Optional(dx.Length, length, nameof(dx), "batch × features");
            bool hasAlphaGradient = Check.Optional(dalpha.Length, alpha.Length, nameof(dalpha), "alpha.Length");

            T sharedSum = T.Zero;
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<T> xRow = x.Slice(s * features, features);
                ReadOnlySpan<T> dyRow = dy.Slice(s * features, features);
                for (int f = 0; f < features; f++)
                {
                    T value = xRow[f];
                    T gradient = dyRow[f];
                    if (value > T.Zero)
                    {
                        if (hasInputGradient)
                        {
                            dx[(s * features) + f] = gradient;
                        }
                    }
                    else
                    {
                        if (hasInputGradient)
                        {
                            dx[(s * features) + f] = (shared ? alpha[0] : alpha[f]) * gradient;
                        }

                        if (!hasAlphaGradient)
                        {
                            continue;
                        }

                        if (shared)
                        {
                            sharedSum += gradient * value;
                        }
                        else
                        {
                            dalpha[f] += gradient * value;
                        }
                    }
                }
            }

            if (shared && hasAlphaGradient)
            {
                dalpha[0] += sharedSum;
            }
        }

        /// <summary>
        /// Tangent (forward-mode derivative) of <see cref="PReLU{T}"/>: effectively computes
        /// <c>ẏ[s,f] = x[s,f] &gt; 0 ? ẋ[s,f] : α[f] · ẋ[s,f] + α̇[f] · x[s,f]</c>, that is
        /// <c>ẋ ⊙ (x &gt; 0 ? 1 : α) + α̇ ⊙ min(x, 0)</c>, with one α (and α̇) per feature or a single shared one.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The forward inputs <c>[batch × features]</c>.</param>
        /// <param name="alpha">The slopes: <c>[features]</c>, or <c>[1]</c> when shared.</param>
        /// <param name="xTangent">The input tangent ẋ <c>[batch × features]</c>; empty when it is zero.</param>
        /// <param name="alphaTangent">The tangent α̇, same length as <paramref name="alpha"/>; empty when it is zero.</param>
        /// <param name="yTangent">The output tangent ẏ <c>[batch × features]</c>, overwritten; may be the same span as
        /// <paramref name="xTangent"/>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Values per sample.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void PReLUTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> alpha, ReadOnlySpan<T> xTangent, ReadOnlySpan<T> alphaTangent, Span<T> yTangent, int batch, int features)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckRows(x.Length, batch, features);
            bool shared = CheckAlpha(alpha.Length, features);
            bool hasInput = Check.Optional(xTangent.Length, length, nameof(xTangent), "batch × features");
            bool hasAlpha = Check.Optional(alphaTangent.Length, alpha.Length, nameof(alphaTangent), "alpha.Length");
            Check.Length(yTangent.Length, length, nameof(yTangent), "batch × features");
            for (int s = 0; s < batch; s++)
            {
                int row = s * features;
                for (int f = 0; f < features; f++)
                {
                    T value = x[row + f];
                    T input = hasInput ? xTangent[row + f] : T.Zero;
                    if (value > T.Zero)
                    {
                        yTangent[row + f] = input;
                    }
                    else
                    {
                        int a = shared ? 0 : f;
                        yTangent[row + f] = (alpha[a] * input) + (hasAlpha ? alphaTangent[a] * value : T.Zero);
                    }
                }
            }
        }

        /// <summary>ELU: effectively computes <c>y[i] = x[i] &gt; 0 ? x[i] : α · (e^x[i] − 1)</c>.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs.</param>
        /// <param name="y">The outputs, same length as <paramref name="x"/>.</param>
        /// <param name="alpha">The saturation value −α for large negative inputs.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static void ELU<T>(ReadOnlySpan<T> x, Span<T> y, T alpha)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(y.Length, x.Length, nameof(y), "x.Length");
            for (int i = 0; i < x.Length; i++)
            {
                T value = x[i];
                y[i] = value > T.Zero ? value : alpha * T.ExpM1(value);
            }
        }

        /// <summary>
        /// ELU backward, from the forward output: effectively computes <c>dx[i] = x[i] &gt; 0 ? dy[i] : dy[i] · (y[i] + α)</c>
        /// (for x ≤ 0, <c>d/dx α(eˣ − 1) = α eˣ = y + α</c>).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The forward inputs.</param>
        /// <param name="y">The forward outputs.</param>
        /// <param name="dy">The gradient with respect to the outputs.</param>
        /// <param name="dx">The gradient with respect to the inputs, overwritten.</param>
        /// <param name="alpha">The α of the forward pass.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static void ELUBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, T alpha)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(y.Length, x.Length, nameof(y), "x.Length");
            Check.Length(dy.Length, x.Length, nameof(dy), "x.Length");
            Check.Length(dx.Length, x.Length, nameof(dx), "x.Length");
            for (int i = 0; i < x.Length; i++)
            {
                dx[i] = x[i] > T.Zero ? dy[i] : dy[i] * (y[i] + alpha);
            }
        }

        /// <summary>
        /// Logistic sigmoid: effectively computes <c>y[i] = 1 / (1 + e^−x[i])</c>, evaluated as <c>e^x / (1 + e^x)</c>
        /// for negative inputs so that no exponential overflows.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs.</param>
        /// <param name="y">The outputs in [0, 1], same length as <paramref name="x"/>.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(y.Length, x.Length, nameof(y), "x.Length");
            if (x.Length >= SigmoidVectorizedFrom)
            {
                // 1/(1 + e^−x): e^−x overflows to +∞ for x far below 0, and 1/∞ = 0, so this form is stable as well.
                TensorPrimitives.Sigmoid(x, y);
                return;
            }

            for (int i = 0; i < x.Length; i++)
            {
                T value = x[i];
                if (value >= T.Zero)
                {
                    y[i] = T.One / (T.One + T.Exp(-value));
                }
                else
                {
                    T e = T.Exp(value);
                    y[i] = e / (T.One + e);
                }
            }
        }

        /// <summary>Sigmoid backward, from the forward output: effectively computes <c>dx[i] = dy[i] · y[i] · (1 − y[i])</c>.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="y">The forward outputs.</param>
        /// <param name="dy">The gradient with respect to the outputs.</param>
        /// <param name="dx">The gradient with respect to the inputs, overwritten.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static void SigmoidBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(dy.Length, y.Length, nameof(dy), "y.Length");
            Check.Length(dx.Length, y.Length, nameof(dx), "y.Length");
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= y.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var value = new Vector<T>(y.Slice(i));
                    (new Vector<T>(dy.Slice(i)) * value * (Vector<T>.One - value)).CopyTo(dx.Slice(i));
                }
            }

            for (; i < y.Length; i++)
            {
                T value = y[i];
                dx[i] = dy[i] * value * (T.One - value);
            }
        }

        /// <summary>Hyperbolic tangent: effectively computes <c>y[i] = tanh(x[i])</c>.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs.</param>
        /// <param name="y">The outputs in [−1, 1], same length as <paramref name="x"/>.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(y.Length, x.Length, nameof(y), "x.Length");
#if NET9_0_OR_GREATER
            if (GemmTuning.DirectTanh && TanhVectors(x, y))
            {
                return;
            }
#endif
            if (x.Length >= VectorizedFrom)
            {
                TensorPrimitives.Tanh(x, y);
                return;
            }

            for (int i = 0; i < x.Length; i++)
            {
                y[i] = T.Tanh(x[i]);
            }
        }

#if NET9_0_OR_GREATER
        /// <summary>
        /// Float tanh on the kernel path, without TensorPrimitives' per-call dispatch (at 32 values that was half the time).
        /// By default <see cref="TanhSingle"/>: float arithmetic only, at most 2 ulp from the correctly rounded tanh for
        /// every float, and the same bits on every width and at every length (spans shorter than a vector, and the scalar
        /// path, run its scalar form). With <see cref="GemmTuning.FloatTanh"/> off (before), TensorPrimitives' formula (from
        /// AOCL's vrs4_tanhf: <c>tanh x = sign(x) · −z/(z + 2)</c>, <c>z = e^(−2|x|) − 1</c> with the vectors' <c>Exp</c>,
        /// which widens floats to double) on whole vectors, the same bits as <see cref="TensorPrimitives.Tanh{T}"/>. The last
        /// vector is loaded before the loop and may overlap it, so <paramref name="y"/> may be <paramref name="x"/>. Returns
        /// false (nothing written) for double, spans that partly overlap, or (before only) spans shorter than a vector.
        /// </summary>
        private static bool TanhVectors<T>(ReadOnlySpan<T> x, Span<T> y)
            where T : unmanaged => TanhVectors(x, y, KernelPaths.PathOrScalar, GemmTuning.FloatTanh);

        /// <inheritdoc cref="TanhVectors{T}(ReadOnlySpan{T}, Span{T})"/>
        /// <remarks>On a given path, and with the switch given rather than read, so that tests compare both side by side.</remarks>
        internal static bool TanhVectors<T>(ReadOnlySpan<T> x, Span<T> y, GemmPath path, bool floatTanh = true)
            where T : unmanaged
        {
            if (typeof(T) != typeof(float) || (x.Overlaps(y, out int offset) && offset != 0))
            {
                return false;
            }

            if (floatTanh)
            {
                TanhSingle.Run(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), path);
                return true;
            }

            return FloatVectorMap.Run<AoclTanh>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), path);
        }

        /// <summary>TensorPrimitives' float tanh on whole vectors (the switch's before).</summary>
        private struct AoclTanh : IFloatVectorMap
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector512<float> Apply(Vector512<float> v)
            {
                Vector512<float> z = Vector512.Exp(Vector512.Create(-2f) * Vector512.Abs(v)) - Vector512<float>.One;
                Vector512<uint> sign = v.AsUInt32() & Vector512.Create(0x8000_0000u);
                return (sign ^ (-z / (z + Vector512.Create(2f))).AsUInt32()).AsSingle();
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector256<float> Apply(Vector256<float> v)
            {
                Vector256<float> z = Vector256.Exp(Vector256.Create(-2f) * Vector256.Abs(v)) - Vector256<float>.One;
                Vector256<uint> sign = v.AsUInt32() & Vector256.Create(0x8000_0000u);
                return (sign ^ (-z / (z + Vector256.Create(2f))).AsUInt32()).AsSingle();
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector128<float> Apply(Vector128<float> v)
            {
                Vector128<float> z = Vector128.Exp(Vector128.Create(-2f) * Vector128.Abs(v)) - Vector128<float>.One;
                Vector128<uint> sign = v.AsUInt32() & Vector128.Create(0x8000_0000u);
                return (sign ^ (-z / (z + Vector128.Create(2f))).AsUInt32()).AsSingle();
            }
        }
#endif

        /// <summary>Tanh backward, from the forward output: effectively computes <c>dx[i] = dy[i] · (1 − y[i]²)</c>.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="y">The forward outputs.</param>
        /// <param name="dy">The gradient with respect to the outputs.</param>
        /// <param name="dx">The gradient with respect to the inputs, overwritten.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static void TanhBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(dy.Length, y.Length, nameof(dy), "y.Length");
            Check.Length(dx.Length, y.Length, nameof(dx), "y.Length");
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= y.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var value = new Vector<T>(y.Slice(i));
                    (new Vector<T>(dy.Slice(i)) * (Vector<T>.One - (value * value))).CopyTo(dx.Slice(i));
                }
            }

            for (; i < y.Length; i++)
            {
                T value = y[i];
                dx[i] = dy[i] * (T.One - (value * value));
            }
        }

        /// <summary>
        /// Softmax over each row: effectively computes <c>y[s,j] = e^(x[s,j] − m) / Σₖ e^(x[s,k] − m)</c> with
        /// <c>m = maxₖ x[s,k]</c>, so that no exponential overflows.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × features]</c>.</param>
        /// <param name="y">The probabilities <c>[batch × features]</c>, each row summing to 1.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Values per sample.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Softmax<T>(ReadOnlySpan<T> x, Span<T> y, int batch, int features)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckRows(x.Length, batch, features);
            Check.Length(y.Length, length, nameof(y), "batch × features");
            int threads = Math.Min(batch, MapJob<T>.Threads(length, GemmTuning.ExpGrain));
            if (threads <= 1)
            {
                SoftmaxRows(x, y, features, 0, batch);
                return;
            }

            // Rows on each thread, each computed as on one.
            fixed (T* px = x, py = y)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.Softmax;
                (job.Units, job.Features) = (batch, features);
                job.Set(0, px, x.Length);
                job.Set(1, py, y.Length);
                job.Run(threads);
            }
        }

        /// <summary>Rows <c>[s0, s1)</c> of <see cref="Softmax{T}"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void SoftmaxRows<T>(ReadOnlySpan<T> x, Span<T> y, int features, int s0, int s1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int s = s0; s < s1; s++)
            {
                ReadOnlySpan<T> xRow = x.Slice(s * features, features);
                Span<T> yRow = y.Slice(s * features, features);
                T max = T.NegativeInfinity;
                for (int j = 0; j < features; j++)
                {
                    max = T.Max(max, xRow[j]);
                }

                T sum = T.Zero;
                for (int j = 0; j < features; j++)
                {
                    T e = T.Exp(xRow[j] - max);
                    yRow[j] = e;
                    sum += e;
                }

                T scale = T.One / sum;
                for (int j = 0; j < features; j++)
                {
                    yRow[j] *= scale;
                }
            }
        }

        /// <summary>
        /// Softmax backward, from the forward output: effectively computes
        /// <c>dx[s,j] = y[s,j] · (dy[s,j] − Σₖ dy[s,k] · y[s,k])</c> for each row (the Jacobian <c>diag(y) − y yᵀ</c> applied to dy).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="y">The forward probabilities <c>[batch × features]</c>.</param>
        /// <param name="dy">The gradient with respect to the probabilities <c>[batch × features]</c>.</param>
        /// <param name="dx">The gradient with respect to the inputs <c>[batch × features]</c>, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Values per sample.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void SoftmaxBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int batch, int features)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckRows(y.Length, batch, features, nameof(y));
            Check.Length(dy.Length, length, nameof(dy), "batch × features");
            Check.Length(dx.Length, length, nameof(dx), "batch × features");
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<T> yRow = y.Slice(s * features, features);
                ReadOnlySpan<T> dyRow = dy.Slice(s * features, features);
                Span<T> dxRow = dx.Slice(s * features, features);
                T dot = T.Zero;
                for (int j = 0; j < features; j++)
                {
                    dot += dyRow[j] * yRow[j];
                }

                for (int j = 0; j < features; j++)
                {
                    dxRow[j] = yRow[j] * (dyRow[j] - dot);
                }
            }
        }

        /// <summary>
        /// Maxout: effectively computes <c>y[s,u] = maxₖ z[s, u·pieces + k]</c>, the largest of the <paramref name="pieces"/>
        /// affine pieces of each unit (the pieces of a unit are adjacent, as in the Maxout weight layout).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="z">The pieces <c>[batch × (units · pieces)]</c>.</param>
        /// <param name="y">The outputs <c>[batch × units]</c>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="units">Units per sample.</param>
        /// <param name="pieces">Pieces per unit, ≥ 1.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void Maxout<T>(ReadOnlySpan<T> z, Span<T> y, int batch, int units, int pieces)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outputLength = CheckMaxout(z.Length, batch, units, pieces);
            Check.Length(y.Length, outputLength, nameof(y), "batch × units");
            for (int o = 0; o < outputLength; o++)
            {
                ReadOnlySpan<T> group = z.Slice(o * pieces, pieces);
                y[o] = group[ArgMax(group)];
            }
        }

        /// <summary>
        /// Maxout backward: effectively computes <c>dz[s, u·pieces + k] = k = k* ? dy[s,u] : 0</c>, where <c>k*</c> is the
        /// first piece reaching the maximum (overwrites).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="z">The forward pieces <c>[batch × (units · pieces)]</c>.</param>
        /// <param name="dy">The gradient with respect to the outputs <c>[batch × units]</c>.</param>
        /// <param name="dz">The gradient with respect to the pieces <c>[batch × (units · pieces)]</c>, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="units">Units per sample.</param>
        /// <param name="pieces">Pieces per unit, ≥ 1.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void MaxoutBackward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> dy, Span<T> dz, int batch, int units, int pieces)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outputLength = CheckMaxout(z.Length, batch, units, pieces);
            Check.Length(dy.Length, outputLength, nameof(dy), "batch × units");
            Check.Length(dz.Length, z.Length, nameof(dz), "batch × units × pieces");
            dz.Clear();
            for (int o = 0; o < outputLength; o++)
            {
                int start = o * pieces;
                dz[start + ArgMax(z.Slice(start, pieces))] = dy[o];
            }
        }

        /// <summary>
        /// Tangent (forward-mode derivative) of <see cref="Maxout{T}"/>: effectively computes
        /// <c>ẏ[s,u] = ż[s, u·pieces + k*]</c>, the tangent of the piece the forward pass took (<c>k*</c> the first piece
        /// reaching the maximum, as in <see cref="MaxoutBackward{T}"/>).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="z">The forward pieces <c>[batch × (units · pieces)]</c>.</param>
        /// <param name="zTangent">The tangent of the pieces ż <c>[batch × (units · pieces)]</c>.</param>
        /// <param name="yTangent">The output tangent ẏ <c>[batch × units]</c>, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="units">Units per sample.</param>
        /// <param name="pieces">Pieces per unit, ≥ 1.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void MaxoutTangent<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> zTangent, Span<T> yTangent, int batch, int units, int pieces)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outputLength = CheckMaxout(z.Length, batch, units, pieces);
            Check.Length(zTangent.Length, z.Length, nameof(zTangent), "batch × units × pieces");
            Check.Length(yTangent.Length, outputLength, nameof(yTangent), "batch × units");
            for (int o = 0; o < outputLength; o++)
            {
                int start = o * pieces;
                yTangent[o] = zTangent[start + ArgMax(z.Slice(start, pieces))];
            }
        }

        /// <summary>The index of the first largest value of a non-empty span.</summary>
        private static int ArgMax<T>(ReadOnlySpan<T> values)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int best = 0;
            for (int k = 1; k < values.Length; k++)
            {
                if (values[k] > values[best])
                {
                    best = k;
                }
            }

            return best;
        }

        private static int CheckRows(int length, int batch, int features, string parameterName = "x")
        {
            Check.NonNegative(batch, nameof(batch));
            Check.NonNegative(features, nameof(features));
            int expected = Check.Product(batch, features, "batch × features");
            Check.Length(length, expected, parameterName, "batch × features");
            return expected;
        }

        /// <returns><see langword="true"/> when one α is shared by all features.</returns>
        private static bool CheckAlpha(int length, int features)
        {
            if (length == features)
            {
                return features == 1;
            }

            if (length != 1)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"alpha has {length} values; expected {features} (one per feature) or 1 (shared)."), "alpha");
            }

            return true;
        }

        private static int CheckMaxout(int length, int batch, int units, int pieces)
        {
            Check.NonNegative(batch, nameof(batch));
            Check.NonNegative(units, nameof(units));
            Check.Positive(pieces, nameof(pieces));
            int outputLength = Check.Product(batch, units, "batch × units");
            Check.Length(length, Check.Product(outputLength, pieces, "batch × units × pieces"), "z", "batch × units × pieces");
            return outputLength;
        }
    }
}
