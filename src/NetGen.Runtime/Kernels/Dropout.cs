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
    public static class Dropout
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
            int i = DropoutMasks.Fill(random, threshold, scale, mask);
            for (; i < x.Length; i++)
            {
                mask[i] = random.NextDouble() < threshold ? T.Zero : scale;
            }

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
            TensorPrimitives.Multiply(dy, mask, dx);
        }
    }
}
