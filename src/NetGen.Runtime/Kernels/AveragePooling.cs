using System;
using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Kernels
{
    /// <summary>
    /// Average pooling per channel over a <see cref="WindowGeometry"/> with zero padding that is not counted: each output
    /// is the mean of the real (non-padding) inputs under its window (<c>count_include_pad = 0</c>, as Keras and ONNX's
    /// default). Shared by <see cref="AvgPool2D"/> and <see cref="AvgPool1D"/>; callers validate the lengths.
    /// </summary>
    /// <remarks>
    /// Per output row the kernel first adds the window's input rows into one row (vector adds across the width), then sums
    /// each window's columns of that row; the backward pass mirrors it: it spreads each output row's gradients over one
    /// row, then adds that row to every input row of the window. The row lives on the stack (or, for a row wider than
    /// <see cref="StackLimit"/>, in an array rented from the shared pool), so a call allocates nothing.
    /// </remarks>
    internal static class AveragePooling
    {
        /// <summary>Values of the row buffer kept on the stack; wider rows are rented from the shared pool.</summary>
        private const int StackLimit = 1024;

        /// <summary>
        /// Validates the padding of an average pooling window: in [0, window), so that every window holds at least one
        /// input (its mean is defined) — the same bound PyTorch and ONNX Runtime apply.
        /// </summary>
        public static void CheckPadding(int padding, int window)
        {
            Check.NonNegative(padding, nameof(padding));
            if (padding >= window)
            {
                throw new ArgumentOutOfRangeException(nameof(padding), padding, string.Create(CultureInfo.InvariantCulture, $"padding is {padding}; expected less than the window size {window}, so that every window holds at least one input."));
            }
        }

        /// <summary>
        /// <c>y[s,c,i,j] = (Σ x over the real inputs of the window) / (their count)</c>; the window of output (i, j) covers
        /// rows <c>[i·Sh − Ph, i·Sh − Ph + Kh)</c> and columns <c>[j·Sw − Pw, j·Sw − Pw + Kw)</c>, clipped to the input.
        /// </summary>
        public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, int batch, in WindowGeometry g)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int width = g.Width;
            T[]? rented = null;
            Span<T> rowSum = width <= StackLimit ? stackalloc T[width] : (rented = ArrayPool<T>.Shared.Rent(width)).AsSpan(0, width);
            int height = g.Height, planeLength = height * width, positions = g.Positions;
            int planes = batch * g.Channels;
            for (int plane = 0; plane < planes; plane++)
            {
                ReadOnlySpan<T> input = x.Slice(plane * planeLength, planeLength);
                Span<T> output = y.Slice(plane * positions, positions);
                int p = 0;
                for (int oh = 0; oh < g.OutputHeight; oh++)
                {
                    (int r0, int r1) = Clip((oh * g.StrideHeight) - g.PaddingHeight, g.KernelHeight, height);

                    // rowSum[w] = Σ_(r ∈ [r0, r1)) x[r, w]; a single row is read in place.
                    scoped ReadOnlySpan<T> rows = input.Slice(r0 * width, width);
                    if (r1 - r0 > 1)
                    {
                        rows.CopyTo(rowSum);
                        for (int r = r0 + 1; r < r1; r++)
                        {
                            TensorPrimitives.Add(rowSum, input.Slice(r * width, width), rowSum);
                        }

                        rows = rowSum;
                    }

                    for (int ow = 0; ow < g.OutputWidth; ow++, p++)
                    {
                        (int c0, int c1) = Clip((ow * g.StrideWidth) - g.PaddingWidth, g.KernelWidth, width);
                        T sum = T.Zero;
                        for (int c = c0; c < c1; c++)
                        {
                            sum += rows[c];
                        }

                        output[p] = sum / T.CreateTruncating((r1 - r0) * (c1 - c0));
                    }
                }
            }

            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }

        /// <summary>
        /// The adjoint of <see cref="Forward"/>: <c>dx = 0</c>, then every real input of output i's window gets
        /// <c>dy[i] / count_i</c> added (overlapping windows add up).
        /// </summary>
        public static void Backward<T>(ReadOnlySpan<T> dy, Span<T> dx, int batch, in WindowGeometry g)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int width = g.Width;
            T[]? rented = null;
            Span<T> rowGradient = width <= StackLimit ? stackalloc T[width] : (rented = ArrayPool<T>.Shared.Rent(width)).AsSpan(0, width);
            int height = g.Height, planeLength = height * width, positions = g.Positions;
            int planes = batch * g.Channels;
            dx.Clear();
            for (int plane = 0; plane < planes; plane++)
            {
                Span<T> gradient = dx.Slice(plane * planeLength, planeLength);
                ReadOnlySpan<T> outputGradient = dy.Slice(plane * positions, positions);
                int p = 0;
                for (int oh = 0; oh < g.OutputHeight; oh++)
                {
                    (int r0, int r1) = Clip((oh * g.StrideHeight) - g.PaddingHeight, g.KernelHeight, height);

                    // rowGradient[w] = Σ over this row's windows covering column w of dy / count
                    rowGradient.Clear();
                    for (int ow = 0; ow < g.OutputWidth; ow++, p++)
                    {
                        (int c0, int c1) = Clip((ow * g.StrideWidth) - g.PaddingWidth, g.KernelWidth, width);
                        T share = outputGradient[p] / T.CreateTruncating((r1 - r0) * (c1 - c0));
                        for (int c = c0; c < c1; c++)
                        {
                            rowGradient[c] += share;
                        }
                    }

                    for (int r = r0; r < r1; r++)
                    {
                        Span<T> row = gradient.Slice(r * width, width);
                        TensorPrimitives.Add(row, rowGradient, row);
                    }
                }
            }

            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }

        /// <summary>The part <c>[max(start, 0), min(start + window, size))</c> of a window that lies inside the input.</summary>
        private static (int Start, int End) Clip(int start, int window, int size) =>
            (Math.Max(start, 0), Math.Min(start + window, size));
    }
}
