using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetGen.Threading;

namespace NetGen.Optimizers
{
    /// <summary>Gradient clipping, applied to the gradient buffer in place before the optimizer step.</summary>
    public static class GradientClipping
    {
        /// <summary>The Euclidean norm <c>‖g‖ = √(Σ gᵢ²)</c>, accumulated in <see cref="double"/> (NaN or ∞ when the gradient holds one).</summary>
        public static double GlobalNorm<T>(ReadOnlySpan<T> gradients)
            where T : unmanaged, IFloatingPointIeee754<T> => Math.Sqrt(NormJob<T>.SumOfSquares(gradients));

        /// <summary>Σ gᵢ² of one run, in double, by vectors in four partial sums.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static double SumOfSquares<T>(ReadOnlySpan<T> gradients)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // The trainer measures the norm of every batch's gradients: one value at a time this was about 0.4 ms for
            // the Fashion MLP's 235,146 (a quarter of a step); by vectors of doubles in four partial sums it is ~20 µs.
            int i = 0;
            double sum = 0;
            if (Vector.IsHardwareAccelerated && gradients.Length >= 4 * Vector<double>.Count)
            {
                ref T start = ref MemoryMarshal.GetReference(gradients);
                Vector<double> s0 = Vector<double>.Zero, s1 = Vector<double>.Zero, s2 = Vector<double>.Zero, s3 = Vector<double>.Zero;
                if (typeof(T) == typeof(float))
                {
                    ref float values = ref Unsafe.As<T, float>(ref start);
                    for (; i <= gradients.Length - (2 * Vector<float>.Count); i += 2 * Vector<float>.Count)
                    {
                        Vector.Widen(Vector.LoadUnsafe(ref values, (nuint)i), out Vector<double> a, out Vector<double> b);
                        Vector.Widen(Vector.LoadUnsafe(ref values, (nuint)(i + Vector<float>.Count)), out Vector<double> c, out Vector<double> d);
                        s0 += a * a;
                        s1 += b * b;
                        s2 += c * c;
                        s3 += d * d;
                    }
                }
                else if (typeof(T) == typeof(double))
                {
                    ref double values = ref Unsafe.As<T, double>(ref start);
                    int width = Vector<double>.Count;
                    for (; i <= gradients.Length - (4 * width); i += 4 * width)
                    {
                        Vector<double> a = Vector.LoadUnsafe(ref values, (nuint)i), b = Vector.LoadUnsafe(ref values, (nuint)(i + width));
                        Vector<double> c = Vector.LoadUnsafe(ref values, (nuint)(i + (2 * width))), d = Vector.LoadUnsafe(ref values, (nuint)(i + (3 * width)));
                        s0 += a * a;
                        s1 += b * b;
                        s2 += c * c;
                        s3 += d * d;
                    }
                }

                sum = Vector.Sum((s0 + s1) + (s2 + s3));
            }

            for (; i < gradients.Length; i++)
            {
                double d = double.CreateTruncating(gradients[i]);
                sum += d * d;
            }

            return sum;
        }

        /// <summary>
        /// Rescales the whole gradient when its norm exceeds <paramref name="threshold"/>:
        /// <c>g ← threshold·g/‖g‖</c> when <c>‖g‖ &gt; threshold</c>, unchanged otherwise. The direction is kept.
        /// </summary>
        /// <returns>The norm before clipping (NaN or ∞ when the gradient holds one; then nothing is changed).</returns>
        public static double ClipByGlobalNorm<T>(Span<T> gradients, double threshold)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!(threshold > 0) || double.IsInfinity(threshold))
            {
                throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The clipping threshold must be finite and > 0.");
            }

            double norm = GlobalNorm<T>(gradients);
            ScaleToThreshold(gradients, norm, threshold);
            return norm;
        }

        /// <summary>
        /// The scaling step of <see cref="ClipByGlobalNorm{T}(Span{T}, double)"/> for a caller that has just measured
        /// <paramref name="norm"/> = ‖g‖₂: <c>g ← threshold·g/norm</c> when <c>norm &gt; threshold</c>.
        /// </summary>
        internal static void ScaleToThreshold<T>(Span<T> gradients, double norm, double threshold)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (norm > threshold && double.IsFinite(norm))
            {
                T scale = T.CreateChecked(threshold / norm);
                for (int i = 0; i < gradients.Length; i++)
                {
                    gradients[i] *= scale;
                }
            }
        }

        /// <summary>Clamps every value to <c>[−limit, limit]</c>: <c>gᵢ ← min(max(gᵢ, −limit), limit)</c>. NaN stays NaN.</summary>
        /// <returns>How many values were changed.</returns>
        public static int ClipByValue<T>(Span<T> gradients, double limit)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!(limit > 0) || double.IsInfinity(limit))
            {
                throw new ArgumentOutOfRangeException(nameof(limit), limit, string.Create(CultureInfo.InvariantCulture, $"The clipping limit must be finite and > 0 but is {limit}."));
            }

            T high = T.CreateChecked(limit);
            T low = -high;
            int changed = 0;
            for (int i = 0; i < gradients.Length; i++)
            {
                T g = gradients[i];
                if (g > high)
                {
                    gradients[i] = high;
                    changed++;
                }
                else if (g < low)
                {
                    gradients[i] = low;
                    changed++;
                }
            }

            return changed;
        }
    }
}

namespace NetGen.Optimizers
{
    /// <summary>
    /// Σ gᵢ² of a long buffer by fixed chunks of 2¹⁵ values, their sums added in chunk order, the chunks split over the
    /// worker pool from 2²⁰ values on: the result depends on the length only, not on the thread count. A buffer shorter
    /// than two chunks is one run.
    /// </summary>
    internal sealed unsafe class NormJob<T> : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private const int Chunk = 1 << 15;

        /// <summary>Values from which the chunks are split over the worker pool: 2²⁰.</summary>
        private const int ParallelLength = 1 << 20;

        [ThreadStatic]
        private static NormJob<T>? t_job;

        private T* _values;
        private int _length;
        private double[] _sums = Array.Empty<double>();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static double SumOfSquares(ReadOnlySpan<T> values)
        {
            if (values.Length < 2 * Chunk)
            {
                return GradientClipping.SumOfSquares(values);
            }

            int chunks = (values.Length + Chunk - 1) / Chunk;
            NormJob<T> job = t_job ??= new NormJob<T>();
            if (job._sums.Length < chunks)
            {
                job._sums = new double[chunks];
            }

            fixed (T* start = values)
            {
                job._values = start;
                job._length = values.Length;
                // A Fashion network's gradient (0.2–0.4 M values) is ~20 µs of work on one thread: split, it gained nothing
                // on a busy 2-core machine and sometimes waited for a descheduled worker, so only long ones are split.
                WorkerPool.Shared.Run(job, chunks, values.Length >= ParallelLength ? NetGenOptions.EffectiveDegreeOfParallelism : 1);
                job._values = null;
            }

            double sum = 0;
            for (int c = 0; c < chunks; c++)
            {
                sum += job._sums[c];
            }

            return sum;
        }

        /// <inheritdoc/>
        public void Run(int part, int parts)
        {
            int from = part * Chunk;
            _sums[part] = GradientClipping.SumOfSquares(new ReadOnlySpan<T>(_values + from, Math.Min(Chunk, _length - from)));
        }
    }
}
