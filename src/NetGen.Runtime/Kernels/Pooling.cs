using System;
using System.Globalization;
using System.Numerics;

namespace NetGen.Kernels
{
    /// <summary>
    /// Max pooling per channel over a <see cref="WindowGeometry"/> (no padding), shared by <see cref="MaxPool2D"/> and
    /// <see cref="MaxPool1D"/>; callers validate the lengths.
    /// </summary>
    internal static class Pooling
    {
        /// <summary>
        /// <c>y[s,c,i,j] = max over the window of x</c>, and <c>argmax</c> = the index in x of the value taken: the first
        /// largest in row-major window order, or the first NaN (a NaN propagates). Skips the indexes when argmax is empty.
        /// </summary>
        public static void MaxForward<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int batch, in WindowGeometry g, bool keepIndexes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int planeLength = g.Height * g.Width, positions = g.Positions;
            int planes = batch * g.Channels;
            for (int plane = 0; plane < planes; plane++)
            {
                int start = plane * planeLength;
                ReadOnlySpan<T> input = x.Slice(start, planeLength);
                Span<T> output = y.Slice(plane * positions, positions);
                int p = 0;
                for (int oh = 0; oh < g.OutputHeight; oh++)
                {
                    int top = oh * g.StrideHeight;
                    for (int ow = 0; ow < g.OutputWidth; ow++, p++)
                    {
                        int left = ow * g.StrideWidth;
                        int best = (top * g.Width) + left;
                        T max = input[best];
                        for (int i = 0; i < g.KernelHeight && !T.IsNaN(max); i++)
                        {
                            ReadOnlySpan<T> line = input.Slice(((top + i) * g.Width) + left, g.KernelWidth);
                            for (int j = 0; j < line.Length; j++)
                            {
                                T value = line[j];
                                if (value > max || T.IsNaN(value))
                                {
                                    max = value;
                                    best = ((top + i) * g.Width) + left + j;
                                    if (T.IsNaN(value))
                                    {
                                        break;
                                    }
                                }
                            }
                        }

                        output[p] = max;
                        if (keepIndexes)
                        {
                            argmax[(plane * positions) + p] = start + best;
                        }
                    }
                }
            }
        }

        /// <summary><c>dx = 0</c>, then <c>dx[argmax[i]] += dy[i]</c>: each output's gradient goes to the input it took.</summary>
        public static void MaxBackward<T>(ReadOnlySpan<int> argmax, ReadOnlySpan<T> dy, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            dx.Clear();
            for (int i = 0; i < argmax.Length; i++)
            {
                int index = argmax[i];
                if ((uint)index >= (uint)dx.Length)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"argmax[{i}] = {index} is not an index of dx (length {dx.Length}): pass the indexes written by the forward pass."), nameof(argmax));
                }

                dx[index] += dy[i];
            }
        }
    }
}
