using System;
using System.Numerics;

namespace NetGen.Kernels
{
    /// <summary>
    /// Average pooling over each channel of a batch of images, and its backward pass. Shapes are row-major, NCHW:
    /// <c>X [batch × C × H × W]</c>, <c>Y [batch × C × Ho × Wo]</c> with <c>Ho = ⌊(H + 2P − K)/S⌋ + 1</c>,
    /// <c>Wo = ⌊(W + 2P − K)/S⌋ + 1</c> for a K × K window moved by stride S over the input padded by P on every side.
    /// </summary>
    /// <remarks>
    /// <para>Padding is not counted: each output is the mean of the real inputs under its window, so a window that hangs
    /// over the border divides by fewer than K·K values (<c>count_include_pad = 0</c>: Keras' <c>AveragePooling2D</c>
    /// with <c>padding="same"</c>, ONNX <c>AveragePool</c>'s default; PyTorch needs <c>count_include_pad=False</c>).
    /// P must be less than K, so that every window holds at least one input.</para>
    /// <para>The layer is linear in x: its tangent (forward-mode derivative) is <see cref="Forward"/> applied to the input
    /// tangent, <c>Ẏ = AvgPool(Ẋ)</c>, and <see cref="Backward"/> is its exact adjoint.</para>
    /// </remarks>
    public static class AvgPool2D
    {
        /// <summary>The output height (or width) <c>⌊(size + 2·padding − window)/stride⌋ + 1</c>.</summary>
        /// <param name="size">The input height (or width), ≥ 1.</param>
        /// <param name="window">The window size K, ≥ 1.</param>
        /// <param name="stride">The stride S, ≥ 1.</param>
        /// <param name="padding">The padding P on each side, in [0, K).</param>
        /// <returns>The output size, ≥ 1.</returns>
        /// <exception cref="ArgumentException">A size is out of range, or the window is larger than the padded input.</exception>
        public static int OutputSize(int size, int window, int stride, int padding) =>
            Geometry(1, size, size, window, stride, padding, nameof(window)).OutputHeight;

        /// <summary>
        /// Forward pass: effectively computes <c>y[s,c,i,j] = (1/n) Σ x[s, c, i·S − P + u, j·S − P + v]</c> over the
        /// <c>u, v ∈ [0, K)</c> whose position lies inside the image, n being how many do.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × C × H × W]</c>.</param>
        /// <param name="y">The outputs <c>[batch × C × Ho × Wo]</c>, overwritten; must not overlap <paramref name="x"/>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels C.</param>
        /// <param name="height">Input height H.</param>
        /// <param name="width">Input width W.</param>
        /// <param name="size">Window size K (K × K windows).</param>
        /// <param name="stride">Stride S, the same on both axes.</param>
        /// <param name="padding">Padding P on each side, not counted in the means, in [0, K).</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, int batch, int channels, int height, int width, int size, int stride, int padding)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, height, width, size, stride, padding, nameof(size));
            CheckLengths(x.Length, y.Length, batch, geometry, nameof(x), nameof(y));
            AveragePooling.Forward(x, y, batch, geometry);
        }

        /// <summary>
        /// Backward pass: effectively computes <c>dx = 0</c>, then for every output i and every real input x[k] of its
        /// window <c>dx[k] += dy[i] / n_i</c> (overlapping windows add up). It is the adjoint of <see cref="Forward"/>:
        /// <c>⟨dy, Forward(x)⟩ = ⟨Backward(dy), x⟩</c>.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="dy">The gradient of the loss with respect to the outputs <c>[batch × C × Ho × Wo]</c>.</param>
        /// <param name="dx">The gradient with respect to the inputs <c>[batch × C × H × W]</c>, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels C.</param>
        /// <param name="height">Input height H.</param>
        /// <param name="width">Input width W.</param>
        /// <param name="size">Window size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <param name="padding">Padding P on each side, in [0, K).</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void Backward<T>(ReadOnlySpan<T> dy, Span<T> dx, int batch, int channels, int height, int width, int size, int stride, int padding)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, height, width, size, stride, padding, nameof(size));
            CheckLengths(dx.Length, dy.Length, batch, geometry, nameof(dx), nameof(dy));
            AveragePooling.Backward(dy, dx, batch, geometry);
        }

        private static WindowGeometry Geometry(int channels, int height, int width, int size, int stride, int padding, string sizeName)
        {
            Check.Positive(size, sizeName);
            Check.Positive(stride, nameof(stride));
            AveragePooling.CheckPadding(padding, size);
            return WindowGeometry.Create(channels, height, width, size, size, stride, stride, padding, padding, sizeName, oneDimensional: false);
        }

        private static void CheckLengths(int inputLength, int outputLength, int batch, in WindowGeometry geometry, string inputName, string outputName)
        {
            Check.NonNegative(batch, nameof(batch));
            Check.Length(inputLength, Check.Product(batch, geometry.InputLength, "batch × C × H × W"), inputName, "batch × C × H × W");
            Check.Length(outputLength, Check.Product(batch, geometry.Channels, geometry.Positions, "batch × C × Ho × Wo"), outputName, "batch × C × Ho × Wo");
        }
    }
}
