using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels
{
    /// <summary>
    /// Inverted dropout: in training each value is dropped with probability <c>rate</c> and the kept values are scaled by
    /// <c>1/(1 − rate)</c>, so the expected output equals the input and inference is the identity (no kernel needed).
    /// </summary>
    public static unsafe class Dropout
    {
        /// <summary>
        /// Forward pass in training mode. For each element in order, draws <c>u = random.NextDouble()</c> (exactly one draw
        /// per element, whatever the rate) and effectively computes <c>mask[i] = u &lt; rate ? 0 : 1/(1 − rate)</c>,
        /// <c>y[i] = x[i] · mask[i]</c>. Restoring <see cref="NetGenRandom.State"/> replays the same masks.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs.</param>
        /// <param name="mask">The mask, same length as <paramref name="x"/>, kept for the backward pass.</param>
        /// <param name="y">The outputs, same length as <paramref name="x"/>; may be the same span as <paramref name="x"/>.</param>
        /// <param name="rate">The probability of dropping a value, in [0, 1).</param>
        /// <param name="random">The generator the masks are drawn from.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1).</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ForwardTraining<T>(ReadOnlySpan<T> x, Span<T> mask, Span<T> y, T rate, NetGenRandom random)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(random);
            Check.Length(mask.Length, x.Length, nameof(mask), "x.Length");
            Check.Length(y.Length, x.Length, nameof(y), "x.Length");
            if (!(rate >= T.Zero && rate < T.One))
            {
                throw new ArgumentOutOfRangeException(nameof(rate), rate, "The dropout rate must be in [0, 1).");
            }

            double threshold = double.CreateTruncating(rate);
            T scale = T.One / (T.One - rate);
            int threads = MapJob<T>.Threads(x.Length, MapJob<T>.LightGrain);
            if (threads <= 1)
            {
                int i = DropoutMasks.Fill(random, threshold, scale, mask);
                for (; i < x.Length; i++)
                {
                    mask[i] = random.NextDouble() < threshold ? T.Zero : scale;
                }

                TensorPrimitives.Multiply(x, mask, y);
                return;
            }

            // The i-th mask comes from the state state + (i + 1)·γ, so each thread draws its own run of them; the
            // generator ends where one draw per value leaves it.
            ulong state = random.State;
            fixed (T* px = x, pmask = mask, py = y)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.DropoutForward;
                (job.Units, job.Step, job.First, job.Second, job.Seed) = (x.Length, MapJob<T>.RunStep, rate, scale, state);
                job.Set(0, px, x.Length);
                job.Set(1, pmask, mask.Length);
                job.Set(2, py, y.Length);
                job.Run(threads);
            }

            random.State = unchecked(state + ((ulong)x.Length * 0x9E3779B97F4A7C15UL));
        }

        /// <summary>Values <c>[start, start + x.Length)</c> of <see cref="ForwardTraining{T}"/>, drawn from the generator state <paramref name="state"/> the whole call started at.</summary>
        internal static void ForwardRun<T>(ReadOnlySpan<T> x, Span<T> mask, Span<T> y, T rate, T scale, ulong state, int start)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            DropoutMasks.FillRun(unchecked(state + ((ulong)start * 0x9E3779B97F4A7C15UL)), double.CreateTruncating(rate), scale, mask);
            TensorPrimitives.Multiply(x, mask, y);
        }

        /// <summary>Backward pass: effectively computes <c>dx[i] = dy[i] · mask[i]</c>.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="mask">The mask of the forward pass.</param>
        /// <param name="dy">The gradient with respect to the outputs.</param>
        /// <param name="dx">The gradient with respect to the inputs, overwritten; may be the same span as <paramref name="dy"/>.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Backward<T>(ReadOnlySpan<T> mask, ReadOnlySpan<T> dy, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(dy.Length, mask.Length, nameof(dy), "mask.Length");
            Check.Length(dx.Length, mask.Length, nameof(dx), "mask.Length");
            int threads = MapJob<T>.Threads(mask.Length);
            if (threads <= 1)
            {
                TensorPrimitives.Multiply(dy, mask, dx);
                return;
            }

            fixed (T* pdy = dy, pmask = mask, pdx = dx)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.Multiply;
                (job.Units, job.Step) = (mask.Length, MapJob<T>.RunStep);
                job.Set(0, pdy, dy.Length);
                job.Set(1, pmask, mask.Length);
                job.Set(2, pdx, dx.Length);
                job.Run(threads);
            }
        }
    }
}
