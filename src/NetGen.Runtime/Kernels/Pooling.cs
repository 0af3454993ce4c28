using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels
{
    /// <summary>
    /// Max pooling per channel over a <see cref="WindowGeometry"/> (no padding): forward, backward and tangent, shared by
    /// <see cref="MaxPool2D"/> and <see cref="MaxPool1D"/>; callers validate the lengths.
    /// </summary>
    internal static unsafe class Pooling
    {
        /// <summary>
        /// <c>y[s,c,i,j] = max over the window of x</c>, and <c>argmax</c> = the index in x of the value taken: the first
        /// largest in row-major window order, or the first NaN (a NaN propagates). Skips the indexes when argmax is empty.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MaxForward<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int batch, in WindowGeometry g, bool keepIndexes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int planes = batch * g.Channels;
            if (g.KernelHeight == 2 && g.KernelWidth == 2 && g.StrideHeight == 2 && g.StrideWidth == 2)
            {
                int threads = MapJob<T>.Threads(x.Length);
                if (threads <= 1)
                {
                    MaxForward2By2(x, y, argmax, 0, planes, g, keepIndexes);
                    return;
                }

                fixed (T* px = x, py = y)
                fixed (int* pargmax = argmax)
                {
                    MapJob<T> job = MapJob<T>.ForThisThread();
                    job.Kind = MapKind.MaxPool2By2;
                    job.Units = planes;
                    job.Geometry = g;
                    job.Flag = keepIndexes;
                    job.Set(0, px, x.Length);
                    job.Set(1, py, y.Length);
                    job.SetIndexes(pargmax, argmax.Length);
                    job.Run(threads);
                }

                return;
            }

            MaxForwardPlanes(x, y, argmax, 0, planes, g, keepIndexes);
        }

        /// <summary>
        /// Planes <c>[plane0, plane1)</c> of <see cref="MaxForward{T}"/> on one thread, any window: the 2 × 2 loop for 2 × 2
        /// windows of stride 2. <paramref name="x"/>, <paramref name="y"/> and <paramref name="argmax"/> are the whole
        /// batch's, and the indexes are into the whole of <paramref name="x"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void MaxForwardPlanes<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int plane0, int plane1, in WindowGeometry g, bool keepIndexes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int width = g.Width, planeLength = g.Height * width, positions = g.Positions;
            int kernelHeight = g.KernelHeight, kernelWidth = g.KernelWidth, strideHeight = g.StrideHeight, strideWidth = g.StrideWidth;
            int outputHeight = g.OutputHeight, outputWidth = g.OutputWidth;
            if (kernelHeight == 2 && kernelWidth == 2 && strideHeight == 2 && strideWidth == 2)
            {
                MaxForward2By2(x, y, argmax, plane0, plane1, g, keepIndexes);
                return;
            }

            for (int plane = plane0; plane < plane1; plane++)
            {
                int start = plane * planeLength;
                ReadOnlySpan<T> input = x.Slice(start, planeLength);
                Span<T> output = y.Slice(plane * positions, positions);
                Span<int> indexes = keepIndexes ? argmax.Slice(plane * positions, positions) : Span<int>.Empty;
                int p = 0;
                for (int oh = 0; oh < outputHeight; oh++)
                {
                    int rowStart = oh * strideHeight * width;
                    for (int ow = 0; ow < outputWidth; ow++, p++)
                    {
                        // The first largest value in row-major window order, with no branch on the data: a branch on
                        // each comparison mispredicts about once per window and made this loop 7× slower. T.Max makes a
                        // NaN the maximum; its index is found below.
                        int corner = rowStart + (ow * strideWidth);
                        int best = corner;
                        T max = input[corner];
                        for (int i = 0, line = corner; i < kernelHeight; i++, line += width)
                        {
                            for (int j = 0; j < kernelWidth; j++)
                            {
                                T value = input[line + j];
                                best += (line + j - best) & -IsGreater(value, max);
                                max = T.Max(max, value);
                            }
                        }

                        if (T.IsNaN(max))
                        {
                            (max, best) = FirstNaN(input, corner, kernelHeight, kernelWidth, width, max, best);
                        }

                        output[p] = max;
                        if (keepIndexes)
                        {
                            indexes[p] = start + best;
                        }
                    }
                }
            }
        }

        /// <summary>
        /// <see cref="MaxForward{T}"/> for the common 2×2 window with stride 2, unrolled: the same first largest value in
        /// row-major window order (a NaN the maximum), without the general loops' per-value bookkeeping.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void MaxForward2By2<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int plane0, int plane1, in WindowGeometry g, bool keepIndexes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int width = g.Width, planeLength = g.Height * width, positions = g.Positions;
            int outputHeight = g.OutputHeight, outputWidth = g.OutputWidth;
            ref T input = ref MemoryMarshal.GetReference(x);
            ref T output = ref MemoryMarshal.GetReference(y);
            ref int indexes = ref MemoryMarshal.GetReference(argmax);
            for (int plane = plane0; plane < plane1; plane++)
            {
                int start = plane * planeLength, p = plane * positions;
                for (int oh = 0; oh < outputHeight; oh++)
                {
                    int top = start + (2 * oh * width);
                    for (int ow = 0; ow < outputWidth; ow++, p++)
                    {
                        int corner = top + (2 * ow), below = corner + width;
                        T a = Unsafe.Add(ref input, corner), b = Unsafe.Add(ref input, corner + 1);
                        T c = Unsafe.Add(ref input, below), d = Unsafe.Add(ref input, below + 1);

                        // Each row's first largest, then the lower row only if strictly larger: row-major order.
                        int upper = corner + IsGreater(b, a), lower = below + IsGreater(d, c);
                        T upperMax = T.Max(a, b), lowerMax = T.Max(c, d);
                        int best = upper + ((lower - upper) & -IsGreater(lowerMax, upperMax));
                        T max = T.Max(upperMax, lowerMax);
                        if (T.IsNaN(max))
                        {
                            (max, best) = FirstNaN(x, corner, 2, 2, width, max, best);
                        }

                        Unsafe.Add(ref output, p) = max;
                        if (keepIndexes)
                        {
                            Unsafe.Add(ref indexes, p) = best;
                        }
                    }
                }
            }
        }

        /// <summary>1 when <paramref name="value"/> &gt; <paramref name="max"/>, else 0 (also for NaN), computed without a branch.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int IsGreater<T>(T value, T max)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            bool greater = value > max;
            return Unsafe.As<bool, byte>(ref greater);
        }

        /// <summary>The first NaN of the window, which then is its maximum.</summary>
        private static (T Max, int Best) FirstNaN<T>(ReadOnlySpan<T> input, int corner, int kernelHeight, int kernelWidth, int width, T max, int best)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int i = 0, line = corner; i < kernelHeight; i++, line += width)
            {
                for (int j = 0; j < kernelWidth; j++)
                {
                    if (T.IsNaN(input[line + j]))
                    {
                        return (input[line + j], line + j);
                    }
                }
            }

            return (max, best);
        }

        /// <summary>
        /// <c>ẏ[i] = ẋ[argmax[i]]</c>: each output's tangent is that of the input it took. The indexes are checked before
        /// anything is written.
        /// </summary>
        public static void MaxTangent<T>(ReadOnlySpan<int> argmax, ReadOnlySpan<T> xTangent, Span<T> yTangent)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int i = 0; i < argmax.Length; i++)
            {
                int index = argmax[i];
                if ((uint)index >= (uint)xTangent.Length)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"argmax[{i}] = {index} is not an index of xTangent (length {xTangent.Length}): pass the indexes written by the forward pass."), nameof(argmax));
                }
            }

            for (int i = 0; i < argmax.Length; i++)
            {
                yTangent[i] = xTangent[argmax[i]];
            }
        }

        /// <summary><c>dx = 0</c>, then <c>dx[argmax[i]] += dy[i]</c>: each output's gradient goes to the input it took.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
