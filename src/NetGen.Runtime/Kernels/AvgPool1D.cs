using System;
using System.Numerics;

namespace NetGen.Kernels
{
    /// <summary>
    /// Average pooling over each channel of a batch of sequences, and its backward pass. Shapes are row-major:
    /// <c>X [batch × C × L]</c>, <c>Y [batch × C × Lo]</c> with <c>Lo = ⌊(L + 2P − K)/S⌋ + 1</c> for a window of K moved by
    /// stride S over the input padded by P at each end.
    /// </summary>
    /// <remarks>
    /// Padding is not counted: each output is the mean of the real inputs under its window (<c>count_include_pad = 0</c>,
    /// as Keras and ONNX <c>AveragePool</c> by default); P must be less than K. The layer is linear: its tangent is
    /// <see cref="Forward"/> applied to the input tangent, and <see cref="Backward"/> is its exact adjoint.
    /// </remarks>
    public static class AvgPool1D
    {
        /// <summary>The output length <c>⌊(length + 2·padding − window)/stride⌋ + 1</c>.</summary>
        /// <param name="length">The input length, ≥ 1.</param>
        /// <param name="window">The window size K, ≥ 1.</param>
        /// <param name="stride">The stride S, ≥ 1.</param>
        /// <param name="padding">The padding P at each end, in [0, K).</param>
        /// <returns>The output length, ≥ 1.</returns>
        /// <exception cref="ArgumentException">A size is out of range, or the window is longer than the padded input.</exception>
        public static int OutputLength(int length, int window, int stride, int padding) =>
            Geometry(1, length, window, stride, padding, nameof(window)).OutputWidth;

        /// <summary>
        /// Forward pass: effectively computes <c>y[s,c,i] = (1/n) Σ x[s, c, i·S − P + u]</c> over the <c>u ∈ [0, K)</c> whose
        /// position lies inside the sequence, n being how many do.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × C × L]</c>.</param>
        /// <param name="y">The outputs <c>[batch × C × Lo]</c>, overwritten; must not overlap <paramref name="x"/>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels C.</param>
        /// <param name="length">Input length L.</param>
        /// <param name="size">Window size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <param name="padding">Padding P at each end, not counted in the means, in [0, K).</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, int batch, int channels, int length, int size, int stride, int padding)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, length, size, stride, padding, nameof(size));
            CheckLengths(x.Length, y.Length, batch, geometry, nameof(x), nameof(y));
            AveragePooling.Forward(x, y, batch, geometry);
        }

        /// <summary>
        /// Backward pass: effectively computes <c>dx = 0</c>, then for every output i and every real input x[k] of its
        /// window <c>dx[k] += dy[i] / n_i</c>: the adjoint of <see cref="Forward"/>.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="dy">The gradient of the loss with respect to the outputs <c>[batch × C × Lo]</c>.</param>
        /// <param name="dx">The gradient with respect to the inputs <c>[batch × C × L]</c>, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels C.</param>
        /// <param name="length">Input length L.</param>
        /// <param name="size">Window size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <param name="padding">Padding P at each end, in [0, K).</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void Backward<T>(ReadOnlySpan<T> dy, Span<T> dx, int batch, int channels, int length, int size, int stride, int padding)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, length, size, stride, padding, nameof(size));
            CheckLengths(dx.Length, dy.Length, batch, geometry, nameof(dx), nameof(dy));
            AveragePooling.Backward(dy, dx, batch, geometry);
        }

        private static WindowGeometry Geometry(int channels, int length, int size, int stride, int padding, string sizeName)
        {
            Check.Positive(size, sizeName);
            Check.Positive(stride, nameof(stride));
            AveragePooling.CheckPadding(padding, size);
            return WindowGeometry.Create(channels, 1, length, 1, size, 1, stride, 0, padding, sizeName, oneDimensional: true);
        }

        private static void CheckLengths(int inputLength, int outputLength, int batch, in WindowGeometry geometry, string inputName, string outputName)
        {
            Check.NonNegative(batch, nameof(batch));
            Check.Length(inputLength, Check.Product(batch, geometry.InputLength, "batch × C × L"), inputName, "batch × C × L");
            Check.Length(outputLength, Check.Product(batch, geometry.Channels, geometry.Positions, "batch × C × Lo"), outputName, "batch × C × Lo");
        }
    }
}
