using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels
{
    /// <summary>
    /// The forward pass of a one-channel convolution with stride 1 (the first layer of a network on grey images), computed
    /// directly instead of through im2col and a GEMM: with one channel the GEMM's inner dimension is only kh·kw (9 for a
    /// 3 × 3 kernel), too short for its tiles, and the patch matrix is kh·kw times the image.
    /// </summary>
    /// <remarks>
    /// The sample is copied once into a zero-padded plane <c>[(H + 2·ph) × (W + 2·pw)]</c>, so that every tap of the window
    /// is a plain vector load at a fixed offset. Each output row is cut into vectors, the last one overlapping the one
    /// before it where the row is not a whole number of vectors (it writes the same values again). Four filters share each
    /// load of the input. Every output is <c>(Σ over the taps, in row-major window order, by fused multiply-adds from 0)
    /// + b</c>, whichever block or vector computed it, so the result does not depend on the path's width beyond the
    /// rounding of each multiply-add.
    /// </remarks>
    internal static unsafe class DirectConvolution
    {
        /// <summary>Whether the kernel is used where it applies (the default); only the benchmarks turn it off, to compare it with im2col and the GEMM in one run.</summary>
        internal static bool Enabled { get; set; } = true;

        /// <summary>
        /// Whether <see cref="Forward{T}"/> computes this layer on <paramref name="path"/>: one input channel, stride 1, an
        /// output row at least one vector long, and a padded plane that fits the workspace's patch part.
        /// </summary>
        public static bool Applies<T>(in WindowGeometry g, GemmPath path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!Enabled)
            {
                return false;
            }

            int lanes = path switch
            {
                GemmPath.Vector512 => Vector512<T>.Count,
                GemmPath.Vector256 => Vector256<T>.Count,
                GemmPath.Vector128 => Vector128<T>.Count,
                _ => 0,
            };

            return lanes > 0
                && g.Channels == 1
                && g.StrideHeight == 1
                && g.StrideWidth == 1
                && !g.IsPointwise
                && g.OutputWidth >= lanes
                && PaddedLength(g) <= (long)g.PatchLength * g.Positions;
        }

        /// <summary>
        /// Whether the layer's forward pass takes this kernel on <paramref name="path"/> where it applies: on the 512-bit
        /// path only. There it ran the Fashion CNN's first layer 1.26× faster than im2col and the GEMM; on the 256-bit
        /// path, whose 16 registers hold too few accumulators and weights, 0.87× (docs/benchmarks.md).
        /// </summary>
        public static bool Pays(GemmPath path) => path == GemmPath.Vector512;

        /// <summary>The values of the zero-padded plane: <c>(H + 2·ph) · (W + 2·pw)</c>.</summary>
        public static long PaddedLength(in WindowGeometry g) =>
            (long)(g.Height + (2 * g.PaddingHeight)) * (g.Width + (2 * g.PaddingWidth));

        /// <summary>
        /// <c>y[f, i, j] = Σ_u Σ_v w[f, u, v] · x[i − ph + u, j − pw + v] + b[f]</c> for one sample (x is 0 outside the image),
        /// with <paramref name="padded"/> (at least <see cref="PaddedLength"/> values) as scratch. Only for a layer where
        /// <see cref="Applies{T}"/> holds.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, Span<T> padded, in WindowGeometry g, int filters, bool hasBias, GemmPath path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Pad(x, padded, g);
            fixed (T* px = padded, pw = w, pb = b, py = y)
            {
                switch (path)
                {
                    case GemmPath.Vector512:
                        Forward<Simd512<T>, Vector512<T>, T>(px, pw, hasBias ? pb : null, py, g, filters);
                        break;
                    case GemmPath.Vector256:
                        Forward<Simd256<T>, Vector256<T>, T>(px, pw, hasBias ? pb : null, py, g, filters);
                        break;
                    case GemmPath.Vector128:
                        Forward<Simd128<T>, Vector128<T>, T>(px, pw, hasBias ? pb : null, py, g, filters);
                        break;
                    default:
                        throw new InvalidOperationException($"GemmPath {path} has no direct convolution.");
                }
            }
        }

        /// <summary>
        /// Whether <see cref="AddWeightGradient{T}"/> computes this layer's kernel gradient on <paramref name="path"/>: one
        /// input channel, a 3 × 3 window (nine taps, one accumulator each) and a vector path. The GEMM's dot products at
        /// n = 9 reload each output gradient for every few taps; this reads it once for all nine.
        /// </summary>
        public static bool AppliesToWeightGradient(in WindowGeometry g, GemmPath path) =>
            Enabled && path != GemmPath.Scalar && g.Channels == 1 && g.KernelHeight == 3 && g.KernelWidth == 3 && g.Positions >= 64;

        /// <summary>
        /// <c>dw[f, t] += Σ_p dy[f, p] · columns[t, p]</c> for one sample: the kernel gradient of a one-channel 3 × 3 layer
        /// from its patch matrix <c>[9 × P]</c>, each filter's nine sums by vectors over the positions, then one reduction each.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AddWeightGradient<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> columns, Span<T> dw, int filters, int positions, GemmPath path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            fixed (T* pdy = dy, pcolumns = columns, pdw = dw)
            {
                switch (path)
                {
                    case GemmPath.Vector512:
                        AddWeightGradient<Simd512<T>, Vector512<T>, T>(pdy, pcolumns, pdw, filters, positions);
                        break;
                    case GemmPath.Vector256:
                        AddWeightGradient<Simd256<T>, Vector256<T>, T>(pdy, pcolumns, pdw, filters, positions);
                        break;
                    case GemmPath.Vector128:
                        AddWeightGradient<Simd128<T>, Vector128<T>, T>(pdy, pcolumns, pdw, filters, positions);
                        break;
                    default:
                        throw new InvalidOperationException($"GemmPath {path} has no direct convolution.");
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AddWeightGradient<TOps, TVector, T>(T* dy, T* columns, T* dw, int filters, int positions)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int lanes = TOps.Count, whole = positions - (positions % lanes);
            T* c0 = columns, c1 = c0 + positions, c2 = c1 + positions, c3 = c2 + positions, c4 = c3 + positions;
            T* c5 = c4 + positions, c6 = c5 + positions, c7 = c6 + positions, c8 = c7 + positions;
            for (int f = 0; f < filters; f++)
            {
                T* g = dy + (f * positions);
                TVector a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero, a4 = TOps.Zero, a5 = TOps.Zero, a6 = TOps.Zero, a7 = TOps.Zero, a8 = TOps.Zero;
                for (int p = 0; p < whole; p += lanes)
                {
                    TVector d = TOps.Load(g + p);
                    a0 = TOps.MultiplyAdd(d, TOps.Load(c0 + p), a0);
                    a1 = TOps.MultiplyAdd(d, TOps.Load(c1 + p), a1);
                    a2 = TOps.MultiplyAdd(d, TOps.Load(c2 + p), a2);
                    a3 = TOps.MultiplyAdd(d, TOps.Load(c3 + p), a3);
                    a4 = TOps.MultiplyAdd(d, TOps.Load(c4 + p), a4);
                    a5 = TOps.MultiplyAdd(d, TOps.Load(c5 + p), a5);
                    a6 = TOps.MultiplyAdd(d, TOps.Load(c6 + p), a6);
                    a7 = TOps.MultiplyAdd(d, TOps.Load(c7 + p), a7);
                    a8 = TOps.MultiplyAdd(d, TOps.Load(c8 + p), a8);
                }

                T s0 = TOps.Sum(a0), s1 = TOps.Sum(a1), s2 = TOps.Sum(a2), s3 = TOps.Sum(a3), s4 = TOps.Sum(a4);
                T s5 = TOps.Sum(a5), s6 = TOps.Sum(a6), s7 = TOps.Sum(a7), s8 = TOps.Sum(a8);
                for (int p = whole; p < positions; p++)
                {
                    T d = g[p];
                    s0 += d * c0[p];
                    s1 += d * c1[p];
                    s2 += d * c2[p];
                    s3 += d * c3[p];
                    s4 += d * c4[p];
                    s5 += d * c5[p];
                    s6 += d * c6[p];
                    s7 += d * c7[p];
                    s8 += d * c8[p];
                }

                T* row = dw + (f * 9);
                row[0] += s0;
                row[1] += s1;
                row[2] += s2;
                row[3] += s3;
                row[4] += s4;
                row[5] += s5;
                row[6] += s6;
                row[7] += s7;
                row[8] += s8;
            }
        }

        /// <summary>The sample in the middle of a zero plane of <c>(H + 2·ph) × (W + 2·pw)</c>.</summary>
        private static void Pad<T>(ReadOnlySpan<T> x, Span<T> padded, in WindowGeometry g)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int paddedWidth = g.Width + (2 * g.PaddingWidth);
            Span<T> plane = padded.Slice(0, (int)PaddedLength(g));
            if (g.PaddingHeight > 0 || g.PaddingWidth > 0)
            {
                plane.Clear();
            }

            for (int row = 0; row < g.Height; row++)
            {
                x.Slice(row * g.Width, g.Width).CopyTo(plane.Slice(((row + g.PaddingHeight) * paddedWidth) + g.PaddingWidth, g.Width));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Forward<TOps, TVector, T>(T* padded, T* w, T* b, T* y, in WindowGeometry g, int filters)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int lanes = TOps.Count, outputWidth = g.OutputWidth, outputHeight = g.OutputHeight;
            int paddedWidth = g.Width + (2 * g.PaddingWidth), taps = g.PatchLength, positions = g.Positions;
            int kernelHeight = g.KernelHeight, kernelWidth = g.KernelWidth;
            int f = 0;
            for (; f + 4 <= filters; f += 4)
            {
                T* w0 = w + (f * taps);
                for (int i = 0; i < outputHeight; i++)
                {
                    T* top = padded + (i * paddedWidth);
                    T* output = y + (f * positions) + (i * outputWidth);
                    for (int j = 0; ; j += lanes)
                    {
                        // The last vector of the row ends at its end, overlapping the one before it.
                        int column = Math.Min(j, outputWidth - lanes);
                        TVector a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
                        T* weights = w0;
                        for (int u = 0; u < kernelHeight; u++)
                        {
                            T* line = top + (u * paddedWidth) + column;
                            for (int v = 0; v < kernelWidth; v++, weights++)
                            {
                                TVector value = TOps.Load(line + v);
                                a0 = TOps.MultiplyAdd(TOps.Broadcast(weights[0]), value, a0);
                                a1 = TOps.MultiplyAdd(TOps.Broadcast(weights[taps]), value, a1);
                                a2 = TOps.MultiplyAdd(TOps.Broadcast(weights[2 * taps]), value, a2);
                                a3 = TOps.MultiplyAdd(TOps.Broadcast(weights[3 * taps]), value, a3);
                            }
                        }

                        StoreWithBias<TOps, TVector, T>(a0, b, f, output + column);
                        StoreWithBias<TOps, TVector, T>(a1, b, f + 1, output + positions + column);
                        StoreWithBias<TOps, TVector, T>(a2, b, f + 2, output + (2 * positions) + column);
                        StoreWithBias<TOps, TVector, T>(a3, b, f + 3, output + (3 * positions) + column);
                        if (column + lanes >= outputWidth)
                        {
                            break;
                        }
                    }
                }
            }

            for (; f < filters; f++)
            {
                T* w0 = w + (f * taps);
                for (int i = 0; i < outputHeight; i++)
                {
                    T* top = padded + (i * paddedWidth);
                    T* output = y + (f * positions) + (i * outputWidth);
                    for (int j = 0; ; j += lanes)
                    {
                        int column = Math.Min(j, outputWidth - lanes);
                        TVector a0 = TOps.Zero;
                        T* weights = w0;
                        for (int u = 0; u < kernelHeight; u++)
                        {
                            T* line = top + (u * paddedWidth) + column;
                            for (int v = 0; v < kernelWidth; v++, weights++)
                            {
                                a0 = TOps.MultiplyAdd(TOps.Broadcast(weights[0]), TOps.Load(line + v), a0);
                            }
                        }

                        StoreWithBias<TOps, TVector, T>(a0, b, f, output + column);
                        if (column + lanes >= outputWidth)
                        {
                            break;
                        }
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreWithBias<TOps, TVector, T>(TVector sum, T* b, int f, T* destination)
            where TOps : struct, ISimdOps<TVector, T>
            where TVector : unmanaged
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TOps.Store(b is null ? sum : TOps.Add(sum, TOps.Broadcast(b[f])), destination);
        }
    }
}
