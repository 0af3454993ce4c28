using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Kernels
{
    /// <summary>
    /// Global average pooling: the mean of each channel's map, <c>X [batch × C × spatial] → Y [batch × C]</c>, where
    /// <c>spatial</c> is H·W after a 2-D layer and L after a 1-D one; and its backward pass.
    /// </summary>
    /// <remarks>
    /// The layer is linear: its tangent is <see cref="Forward"/> applied to the input tangent, and <see cref="Backward"/>
    /// is its exact adjoint. Both run vectorized over each map.
    /// </remarks>
    public static class GlobalAvgPool
    {
        /// <summary>Forward pass: effectively computes <c>y[s,c] = (1/spatial) Σₚ x[s,c,p]</c>.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × C × spatial]</c>.</param>
        /// <param name="y">The outputs <c>[batch × C]</c>, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels C, ≥ 1.</param>
        /// <param name="spatial">Values per channel and sample (H·W, or L), ≥ 1.</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, int batch, int channels, int spatial)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int planes = CheckLengths(x.Length, y.Length, batch, channels, spatial, nameof(x), nameof(y));
            T count = T.CreateTruncating(spatial);
            for (int plane = 0; plane < planes; plane++)
            {
                y[plane] = TensorPrimitives.Sum(x.Slice(plane * spatial, spatial)) / count;
            }
        }

        /// <summary>
        /// Backward pass: effectively computes <c>dx[s,c,p] = dy[s,c] / spatial</c> (overwrites): the adjoint of
        /// <see cref="Forward"/>.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="dy">The gradient with respect to the outputs <c>[batch × C]</c>.</param>
        /// <param name="dx">The gradient with respect to the inputs <c>[batch × C × spatial]</c>, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels C, ≥ 1.</param>
        /// <param name="spatial">Values per channel and sample, ≥ 1.</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void Backward<T>(ReadOnlySpan<T> dy, Span<T> dx, int batch, int channels, int spatial)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int planes = CheckLengths(dx.Length, dy.Length, batch, channels, spatial, nameof(dx), nameof(dy));
            T count = T.CreateTruncating(spatial);
            for (int plane = 0; plane < planes; plane++)
            {
                dx.Slice(plane * spatial, spatial).Fill(dy[plane] / count);
            }
        }

        private static int CheckLengths(int inputLength, int outputLength, int batch, int channels, int spatial, string inputName, string outputName)
        {
            Check.NonNegative(batch, nameof(batch));
            Check.Positive(channels, nameof(channels));
            Check.Positive(spatial, nameof(spatial));
            int planes = Check.Product(batch, channels, "batch × C");
            Check.Length(inputLength, Check.Product(planes, spatial, "batch × C × spatial"), inputName, "batch × C × spatial");
            Check.Length(outputLength, planes, outputName, "batch × C");
            return planes;
        }
    }
}
