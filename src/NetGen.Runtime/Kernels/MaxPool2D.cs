using System;
using System.Numerics;

namespace NetGen.Kernels
{
    /// <summary>
    /// Max pooling over each channel of a batch of images, and its backward pass. Shapes are row-major, NCHW:
    /// <c>X [batch × C × H × W]</c>, <c>Y [batch × C × Ho × Wo]</c> with <c>Ho = ⌊(H − K)/S⌋ + 1</c>,
    /// <c>Wo = ⌊(W − K)/S⌋ + 1</c> for a K × K window moved by stride S (no padding).
    /// </summary>
    /// <remarks>
    /// The forward pass keeps, for each output, the index in X of the value it took (<c>argmax</c>, one <see cref="int"/>
    /// per output); the backward pass sends each output's gradient there ("unpooling") and nowhere else.
    /// </remarks>
    public static class MaxPool2D
    {
        /// <summary>The output height (or width) <c>⌊(size − window)/stride⌋ + 1</c>.</summary>
        /// <param name="size">The input height (or width), ≥ 1.</param>
        /// <param name="window">The window size K, ≥ 1.</param>
        /// <param name="stride">The stride S, ≥ 1.</param>
        /// <returns>The output size, ≥ 1.</returns>
        /// <exception cref="ArgumentException">A size is out of range, or the window is larger than the input.</exception>
        public static int OutputSize(int size, int window, int stride) => Geometry(1, size, size, window, stride, "window").OutputHeight;

        /// <summary>
        /// Forward pass: effectively computes <c>y[s,c,i,j] = max_(u,v ∈ [0, K)) x[s, c, i·S + u, j·S + v]</c> and
        /// <c>argmax[s,c,i,j]</c> = the index in <paramref name="x"/> of that value: the first largest in row-major window
        /// order (a NaN in the window is taken, so it propagates).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × C × H × W]</c>.</param>
        /// <param name="y">The outputs <c>[batch × C × Ho × Wo]</c>, overwritten.</param>
        /// <param name="argmax">The indexes <c>[batch × C × Ho × Wo]</c> into x, overwritten and kept for the backward
        /// pass; empty to skip them (inference).</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels C.</param>
        /// <param name="height">Input height H.</param>
        /// <param name="width">Input width W.</param>
        /// <param name="size">Window size K (K × K windows).</param>
        /// <param name="stride">Stride S, the same on both axes.</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int batch, int channels, int height, int width, int size, int stride)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, height, width, size, stride, nameof(size));
            int outputLength = CheckLengths(x.Length, y.Length, batch, geometry, nameof(y));
            bool keepIndexes = Check.Optional(argmax.Length, outputLength, nameof(argmax), "batch × C × Ho × Wo");
            Pooling.MaxForward(x, y, argmax, batch, geometry, keepIndexes);
        }

        /// <summary>
        /// Backward pass: effectively computes <c>dx = 0</c>, then <c>dx[argmax[i]] += dy[i]</c> for every output i
        /// (overlapping windows, stride &lt; K, add up where they took the same input).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="argmax">The indexes written by <see cref="Forward"/> <c>[batch × C × Ho × Wo]</c>.</param>
        /// <param name="dy">The gradient of the loss with respect to the outputs <c>[batch × C × Ho × Wo]</c>.</param>
        /// <param name="dx">The gradient with respect to the inputs <c>[batch × C × H × W]</c>, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels C.</param>
        /// <param name="height">Input height H.</param>
        /// <param name="width">Input width W.</param>
        /// <param name="size">Window size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <exception cref="ArgumentException">A size is out of range, a span's length does not match the sizes, or an index is
        /// outside dx.</exception>
        public static void Backward<T>(ReadOnlySpan<int> argmax, ReadOnlySpan<T> dy, Span<T> dx, int batch, int channels, int height, int width, int size, int stride)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, height, width, size, stride, nameof(size));
            int outputLength = CheckLengths(dx.Length, dy.Length, batch, geometry, nameof(dy), nameof(dx));
            Check.Length(argmax.Length, outputLength, nameof(argmax), "batch × C × Ho × Wo");
            Pooling.MaxBackward(argmax, dy, dx);
        }

        /// <summary>
        /// Tangent (forward-mode derivative): effectively computes <c>ẏ[i] = ẋ[argmax[i]]</c>, the tangent of the input each
        /// output took, with the indexes the forward pass recorded (pass a non-empty argmax to <see cref="Forward"/>), so
        /// that ties are broken as in the forward and backward passes. The transpose of <see cref="Backward"/>.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="argmax">The indexes written by <see cref="Forward"/> <c>[batch × C × Ho × Wo]</c>.</param>
        /// <param name="xTangent">The input tangent ẋ <c>[batch × C × H × W]</c>.</param>
        /// <param name="yTangent">The output tangent ẏ <c>[batch × C × Ho × Wo]</c>, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels C.</param>
        /// <param name="height">Input height H.</param>
        /// <param name="width">Input width W.</param>
        /// <param name="size">Window size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <exception cref="ArgumentException">A size is out of range, a span's length does not match the sizes, or an index is
        /// outside xTangent.</exception>
        public static void Tangent<T>(ReadOnlySpan<int> argmax, ReadOnlySpan<T> xTangent, Span<T> yTangent, int batch, int channels, int height, int width, int size, int stride)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, height, width, size, stride, nameof(size));
            int outputLength = CheckLengths(xTangent.Length, yTangent.Length, batch, geometry, nameof(yTangent), nameof(xTangent));
            Check.Length(argmax.Length, outputLength, nameof(argmax), "batch × C × Ho × Wo");
            Pooling.MaxTangent(argmax, xTangent, yTangent);
        }

        private static WindowGeometry Geometry(int channels, int height, int width, int size, int stride, string sizeName)
        {
            Check.Positive(size, sizeName);
            Check.Positive(stride, nameof(stride));
            return WindowGeometry.Create(channels, height, width, size, size, stride, stride, 0, 0, sizeName, oneDimensional: false);
        }

        private static int CheckLengths(int inputLength, int outputLength, int batch, in WindowGeometry geometry, string outputName, string inputName = "x")
        {
            Check.NonNegative(batch, nameof(batch));
            Check.Length(inputLength, Check.Product(batch, geometry.InputLength, "batch × C × H × W"), inputName, "batch × C × H × W");
            int expected = Check.Product(batch, geometry.Channels, geometry.Positions, "batch × C × Ho × Wo");
            Check.Length(outputLength, expected, outputName, "batch × C × Ho × Wo");
            return expected;
        }
    }
}
