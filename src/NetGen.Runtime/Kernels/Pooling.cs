using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

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
        /// <see cref="MaxForward{T}"/> for the common 2×2 window with stride 2, on the kernel path in use: by vectors of
        /// outputs where the path has them (<see cref="MaxForward2By2{T}(ReadOnlySpan{T}, Span{T}, Span{int}, int, int, in WindowGeometry, bool, GemmPath)"/>).
        /// </summary>
        internal static void MaxForward2By2<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int plane0, int plane1, in WindowGeometry g, bool keepIndexes)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            MaxForward2By2(x, y, argmax, plane0, plane1, g, keepIndexes, KernelPaths.PathOrScalar);

        /// <summary>
        /// The 2×2 stride-2 pool on <paramref name="path"/> (narrowed to what the processor runs; the tests run each): per
        /// output row, the two input rows by vectors, split into even and odd columns, the four candidates compared by
        /// masks in the scalar loop's order, so the values and indexes are its own bit for bit. A vector of windows with a
        /// NaN takes the scalar loop; a row shorter than a vector takes a narrower one, the last vector of a row overlaps
        /// the one before it (the same values written twice), and rows narrower than four outputs stay scalar.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void MaxForward2By2<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int plane0, int plane1, in WindowGeometry g, bool keepIndexes, GemmPath path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outputWidth = g.OutputWidth;
            int bits = VectorBits<T>(path);
            while (bits > 128 && bits / (8 * Unsafe.SizeOf<T>()) > outputWidth)
            {
                bits /= 2;
            }

            int lanes = bits / (8 * Unsafe.SizeOf<T>());
            if (bits == 0 || lanes > outputWidth || (typeof(T) != typeof(float) && typeof(T) != typeof(double)))
            {
                MaxForward2By2Scalar(x, y, argmax, plane0, plane1, g, keepIndexes);
                return;
            }

            int width = g.Width, planeLength = g.Height * width, positions = g.Positions, outputHeight = g.OutputHeight;
            for (int plane = plane0; plane < plane1; plane++)
            {
                int start = plane * planeLength;
                for (int oh = 0; oh < outputHeight; oh++)
                {
                    int top = start + (2 * oh * width), q = (plane * positions) + (oh * outputWidth);
                    int ow = 0;
                    for (; ow <= outputWidth - lanes; ow += lanes)
                    {
                        Block2By2(bits, x, y, argmax, top, width, ow, q, keepIndexes);
                    }

                    if (ow < outputWidth)
                    {
                        Block2By2(bits, x, y, argmax, top, width, outputWidth - lanes, q, keepIndexes);
                    }
                }
            }
        }

        /// <summary>The vector width for <typeparamref name="T"/> on <paramref name="path"/> that this processor runs, or 0.</summary>
        private static int VectorBits<T>(GemmPath path)
        {
            if (path >= GemmPath.Vector512 && Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
            {
                return 512;
            }

            if (path >= GemmPath.Vector256 && Avx2.IsSupported && Vector256.IsHardwareAccelerated)
            {
                return 256;
            }

            return path >= GemmPath.Vector128 && (Sse2.IsSupported || AdvSimd.Arm64.IsSupported) && Vector128.IsHardwareAccelerated ? 128 : 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Block2By2<T>(int bits, ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int top, int width, int ow, int q, bool keepIndexes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (bits == 512)
            {
                Block512(x, y, argmax, top, width, ow, q, keepIndexes);
            }
            else if (bits == 256)
            {
                Block256(x, y, argmax, top, width, ow, q, keepIndexes);
            }
            else
            {
                Block128(x, y, argmax, top, width, ow, q, keepIndexes);
            }
        }

        /// <summary>
        /// Outputs <c>[ow, ow + lanes)</c> of the output row starting at <c>y[q]</c>, whose windows' top row starts at
        /// <c>x[top]</c>; the 256-bit and 128-bit blocks below are the same code at their widths.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Block512<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int top, int width, int ow, int q, bool keepIndexes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref T input = ref MemoryMarshal.GetReference(x);
            int lanes = Vector512<T>.Count, corner = top + (2 * ow), below = corner + width;
            Vector512<T> u0 = Vector512.LoadUnsafe(ref input, (nuint)corner), u1 = Vector512.LoadUnsafe(ref input, (nuint)(corner + lanes));
            Vector512<T> l0 = Vector512.LoadUnsafe(ref input, (nuint)below), l1 = Vector512.LoadUnsafe(ref input, (nuint)(below + lanes));
            Vector512<T> sum = (u0 + u1) + (l0 + l1);
            if (!Vector512.EqualsAll(sum, sum))
            {
                // A NaN (or ∞ − ∞, which costs only the detour): the scalar loop finds the first NaN.
                Windows2By2(x, y, argmax, top, width, ow, lanes, q, keepIndexes);
                return;
            }

            Vector512<T> a, b, c, d;
            if (typeof(T) == typeof(float))
            {
                Vector512<int> even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), odd = even + Vector512<int>.One;
                a = Avx512F.PermuteVar16x32x2(u0.AsSingle(), even, u1.AsSingle()).As<float, T>();
                b = Avx512F.PermuteVar16x32x2(u0.AsSingle(), odd, u1.AsSingle()).As<float, T>();
                c = Avx512F.PermuteVar16x32x2(l0.AsSingle(), even, l1.AsSingle()).As<float, T>();
                d = Avx512F.PermuteVar16x32x2(l0.AsSingle(), odd, l1.AsSingle()).As<float, T>();
            }
            else
            {
                Vector512<long> even = Vector512.Create(0L, 2, 4, 6, 8, 10, 12, 14), odd = even + Vector512<long>.One;
                a = Avx512F.PermuteVar8x64x2(u0.AsDouble(), even, u1.AsDouble()).As<double, T>();
                b = Avx512F.PermuteVar8x64x2(u0.AsDouble(), odd, u1.AsDouble()).As<double, T>();
                c = Avx512F.PermuteVar8x64x2(l0.AsDouble(), even, l1.AsDouble()).As<double, T>();
                d = Avx512F.PermuteVar8x64x2(l0.AsDouble(), odd, l1.AsDouble()).As<double, T>();
            }

            // Each row's first largest, then the lower row only if strictly larger: row-major order, as the scalar loop.
            Vector512<T> upperRight = Vector512.GreaterThan(b, a), lowerRight = Vector512.GreaterThan(d, c);
            Vector512<T> upper = Maximum(a, b, upperRight), lower = Maximum(c, d, lowerRight);
            Vector512<T> lowerWins = Vector512.GreaterThan(lower, upper);
            Maximum(upper, lower, lowerWins).StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)(q + ow));
            if (!keepIndexes)
            {
                return;
            }

            ref int indexes = ref MemoryMarshal.GetReference(argmax);
            if (typeof(T) == typeof(float))
            {
                Vector512<int> left = Vector512.Create(corner) + Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                Vector512<int> fromUpper = left - upperRight.AsInt32(), fromLower = left + Vector512.Create(width) - lowerRight.AsInt32();
                Vector512.ConditionalSelect(lowerWins.AsInt32(), fromLower, fromUpper).StoreUnsafe(ref indexes, (nuint)(q + ow));
            }
            else
            {
                Vector512<long> left = Vector512.Create((long)corner) + Vector512.Create(0L, 2, 4, 6, 8, 10, 12, 14);
                Vector512<long> fromUpper = left - upperRight.AsInt64(), fromLower = left + Vector512.Create((long)width) - lowerRight.AsInt64();
                Vector512.Narrow(Vector512.ConditionalSelect(lowerWins.AsInt64(), fromLower, fromUpper), Vector512<long>.Zero).GetLower().StoreUnsafe(ref indexes, (nuint)(q + ow));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Block256<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int top, int width, int ow, int q, bool keepIndexes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref T input = ref MemoryMarshal.GetReference(x);
            int lanes = Vector256<T>.Count, corner = top + (2 * ow), below = corner + width;
            Vector256<T> u0 = Vector256.LoadUnsafe(ref input, (nuint)corner), u1 = Vector256.LoadUnsafe(ref input, (nuint)(corner + lanes));
            Vector256<T> l0 = Vector256.LoadUnsafe(ref input, (nuint)below), l1 = Vector256.LoadUnsafe(ref input, (nuint)(below + lanes));
            Vector256<T> sum = (u0 + u1) + (l0 + l1);
            if (!Vector256.EqualsAll(sum, sum))
            {
                Windows2By2(x, y, argmax, top, width, ow, lanes, q, keepIndexes);
                return;
            }

            // shufps/shufpd pick the even (odd) columns within each 128-bit half; vpermq puts the halves' pieces in order.
            Vector256<T> a, b, c, d;
            if (typeof(T) == typeof(float))
            {
                a = Avx2.Permute4x64(Avx.Shuffle(u0.AsSingle(), u1.AsSingle(), 0b10_00_10_00).AsDouble(), 0b11_01_10_00).As<double, T>();
                b = Avx2.Permute4x64(Avx.Shuffle(u0.AsSingle(), u1.AsSingle(), 0b11_01_11_01).AsDouble(), 0b11_01_10_00).As<double, T>();
                c = Avx2.Permute4x64(Avx.Shuffle(l0.AsSingle(), l1.AsSingle(), 0b10_00_10_00).AsDouble(), 0b11_01_10_00).As<double, T>();
                d = Avx2.Permute4x64(Avx.Shuffle(l0.AsSingle(), l1.AsSingle(), 0b11_01_11_01).AsDouble(), 0b11_01_10_00).As<double, T>();
            }
            else
            {
                a = Avx2.Permute4x64(Avx.Shuffle(u0.AsDouble(), u1.AsDouble(), 0b0000), 0b11_01_10_00).As<double, T>();
                b = Avx2.Permute4x64(Avx.Shuffle(u0.AsDouble(), u1.AsDouble(), 0b1111), 0b11_01_10_00).As<double, T>();
                c = Avx2.Permute4x64(Avx.Shuffle(l0.AsDouble(), l1.AsDouble(), 0b0000), 0b11_01_10_00).As<double, T>();
                d = Avx2.Permute4x64(Avx.Shuffle(l0.AsDouble(), l1.AsDouble(), 0b1111), 0b11_01_10_00).As<double, T>();
            }

            Vector256<T> upperRight = Vector256.GreaterThan(b, a), lowerRight = Vector256.GreaterThan(d, c);
            Vector256<T> upper = Maximum(a, b, upperRight), lower = Maximum(c, d, lowerRight);
            Vector256<T> lowerWins = Vector256.GreaterThan(lower, upper);
            Maximum(upper, lower, lowerWins).StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)(q + ow));
            if (!keepIndexes)
            {
                return;
            }

            ref int indexes = ref MemoryMarshal.GetReference(argmax);
            if (typeof(T) == typeof(float))
            {
                Vector256<int> left = Vector256.Create(corner) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
                Vector256<int> fromUpper = left - upperRight.AsInt32(), fromLower = left + Vector256.Create(width) - lowerRight.AsInt32();
                Vector256.ConditionalSelect(lowerWins.AsInt32(), fromLower, fromUpper).StoreUnsafe(ref indexes, (nuint)(q + ow));
            }
            else
            {
                Vector256<long> left = Vector256.Create((long)corner) + Vector256.Create(0L, 2, 4, 6);
                Vector256<long> fromUpper = left - upperRight.AsInt64(), fromLower = left + Vector256.Create((long)width) - lowerRight.AsInt64();
                Vector256.Narrow(Vector256.ConditionalSelect(lowerWins.AsInt64(), fromLower, fromUpper), Vector256<long>.Zero).GetLower().StoreUnsafe(ref indexes, (nuint)(q + ow));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Block128<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int top, int width, int ow, int q, bool keepIndexes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref T input = ref MemoryMarshal.GetReference(x);
            int lanes = Vector128<T>.Count, corner = top + (2 * ow), below = corner + width;
            Vector128<T> u0 = Vector128.LoadUnsafe(ref input, (nuint)corner), u1 = Vector128.LoadUnsafe(ref input, (nuint)(corner + lanes));
            Vector128<T> l0 = Vector128.LoadUnsafe(ref input, (nuint)below), l1 = Vector128.LoadUnsafe(ref input, (nuint)(below + lanes));
            Vector128<T> sum = (u0 + u1) + (l0 + l1);
            if (!Vector128.EqualsAll(sum, sum))
            {
                Windows2By2(x, y, argmax, top, width, ow, lanes, q, keepIndexes);
                return;
            }

            (Vector128<T> a, Vector128<T> b) = Unzip(u0, u1);
            (Vector128<T> c, Vector128<T> d) = Unzip(l0, l1);
            Vector128<T> upperRight = Vector128.GreaterThan(b, a), lowerRight = Vector128.GreaterThan(d, c);
            Vector128<T> upper = Maximum(a, b, upperRight), lower = Maximum(c, d, lowerRight);
            Vector128<T> lowerWins = Vector128.GreaterThan(lower, upper);
            Maximum(upper, lower, lowerWins).StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)(q + ow));
            if (!keepIndexes)
            {
                return;
            }

            ref int indexes = ref MemoryMarshal.GetReference(argmax);
            if (typeof(T) == typeof(float))
            {
                Vector128<int> left = Vector128.Create(corner) + Vector128.Create(0, 2, 4, 6);
                Vector128<int> fromUpper = left - upperRight.AsInt32(), fromLower = left + Vector128.Create(width) - lowerRight.AsInt32();
                Vector128.ConditionalSelect(lowerWins.AsInt32(), fromLower, fromUpper).StoreUnsafe(ref indexes, (nuint)(q + ow));
            }
            else
            {
                Vector128<long> left = Vector128.Create((long)corner) + Vector128.Create(0L, 2);
                Vector128<long> chosen = Vector128.ConditionalSelect(lowerWins.AsInt64(), left + Vector128.Create((long)width) - lowerRight.AsInt64(), left - upperRight.AsInt64());
                Unsafe.Add(ref indexes, q + ow) = (int)chosen.GetElement(0);
                Unsafe.Add(ref indexes, q + ow + 1) = (int)chosen.GetElement(1);
            }
        }

        /// <summary>The even and the odd elements of <c>[v0, v1]</c>, each in order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector128<T> Even, Vector128<T> Odd) Unzip<T>(Vector128<T> v0, Vector128<T> v1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (AdvSimd.Arm64.IsSupported)
            {
                return typeof(T) == typeof(float)
                    ? (AdvSimd.Arm64.UnzipEven(v0.AsSingle(), v1.AsSingle()).As<float, T>(), AdvSimd.Arm64.UnzipOdd(v0.AsSingle(), v1.AsSingle()).As<float, T>())
                    : (AdvSimd.Arm64.UnzipEven(v0.AsDouble(), v1.AsDouble()).As<double, T>(), AdvSimd.Arm64.UnzipOdd(v0.AsDouble(), v1.AsDouble()).As<double, T>());
            }

            return typeof(T) == typeof(float)
                ? (Sse.Shuffle(v0.AsSingle(), v1.AsSingle(), 0b10_00_10_00).As<float, T>(), Sse.Shuffle(v0.AsSingle(), v1.AsSingle(), 0b11_01_11_01).As<float, T>())
                : (Sse2.Shuffle(v0.AsDouble(), v1.AsDouble(), 0b00).As<double, T>(), Sse2.Shuffle(v0.AsDouble(), v1.AsDouble(), 0b11).As<double, T>());
        }

        /// <summary>
        /// <c>T.Max(a, b)</c> lane by lane for values without NaN, given <c>b &gt; a</c>: b where larger, else a, and for
        /// equal values their AND, which makes max(−0, +0) = +0 as <c>T.Max</c> does.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<T> Maximum<T>(Vector512<T> a, Vector512<T> b, Vector512<T> bGreater)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector512.ConditionalSelect(Vector512.Equals(a, b), a & b, Vector512.ConditionalSelect(bGreater, b, a));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<T> Maximum<T>(Vector256<T> a, Vector256<T> b, Vector256<T> bGreater)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector256.ConditionalSelect(Vector256.Equals(a, b), a & b, Vector256.ConditionalSelect(bGreater, b, a));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<T> Maximum<T>(Vector128<T> a, Vector128<T> b, Vector128<T> bGreater)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector128.ConditionalSelect(Vector128.Equals(a, b), a & b, Vector128.ConditionalSelect(bGreater, b, a));

        /// <summary>Outputs <c>[ow, ow + count)</c> of one output row one window at a time, as <see cref="MaxForward2By2Scalar{T}"/>.</summary>
        private static void Windows2By2<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int top, int width, int ow, int count, int q, bool keepIndexes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int o = ow; o < ow + count; o++)
            {
                int corner = top + (2 * o), below = corner + width;
                T a = x[corner], b = x[corner + 1], c = x[below], d = x[below + 1];
                int upper = corner + IsGreater(b, a), lower = below + IsGreater(d, c);
                T upperMax = T.Max(a, b), lowerMax = T.Max(c, d);
                int best = upper + ((lower - upper) & -IsGreater(lowerMax, upperMax));
                T max = T.Max(upperMax, lowerMax);
                if (T.IsNaN(max))
                {
                    (max, best) = FirstNaN(x, corner, 2, 2, width, max, best);
                }

                y[q + o] = max;
                if (keepIndexes)
                {
                    argmax[q + o] = best;
                }
            }
        }

        /// <summary>
        /// <see cref="MaxForward{T}"/> for the common 2×2 window with stride 2, one window at a time, unrolled: the same first
        /// largest value in row-major window order (a NaN the maximum), without the general loops' per-value bookkeeping.
        /// The scalar path, the reference of the vector paths, and their fallback for windows with a NaN.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void MaxForward2By2Scalar<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argmax, int plane0, int plane1, in WindowGeometry g, bool keepIndexes)
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
            CheckIndexes(argmax, xTangent.Length, nameof(xTangent));
            for (int i = 0; i < argmax.Length; i++)
            {
                yTangent[i] = xTangent[argmax[i]];
            }
        }

        /// <summary>
        /// <c>dx = 0</c>, then <c>dx[argmax[i]] += dy[i]</c>: each output's gradient goes to the input it took. The indexes
        /// are checked before anything is written.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MaxBackward<T>(ReadOnlySpan<int> argmax, ReadOnlySpan<T> dy, Span<T> dx)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            CheckIndexes(argmax, dx.Length, nameof(dx));
            dx.Clear();
            ref T target = ref MemoryMarshal.GetReference(dx);
            for (int i = 0; i < argmax.Length; i++)
            {
                Unsafe.Add(ref target, argmax[i]) += dy[i];
            }
        }

        /// <summary>Throws unless every <c>argmax[i]</c> is an index of a span of <paramref name="length"/> named <paramref name="name"/>.</summary>
        /// <exception cref="ArgumentException">An index is negative or not below <paramref name="length"/>.</exception>
        internal static void CheckIndexes(ReadOnlySpan<int> argmax, int length, string name)
        {
            int bad = FirstOutside(argmax, 0, length);
            if (bad >= 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"argmax[{bad}] = {argmax[bad]} is not an index of {name} (length {length}): pass the indexes written by the forward pass."), nameof(argmax));
            }
        }

        /// <summary>
        /// The first <c>i</c> whose <c>indexes[i]</c> is not in <c>[lowest, lowest + count)</c>, or −1: by vectors, one
        /// unsigned comparison per index.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static int FirstOutside(ReadOnlySpan<int> indexes, int lowest, int count)
        {
            ref int first = ref MemoryMarshal.GetReference(indexes);
            int n = indexes.Length, i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<int> low = new(lowest);
                Vector<uint> limit = new((uint)count);
                for (; i <= n - Vector<int>.Count; i += Vector<int>.Count)
                {
                    Vector<uint> offset = Vector.AsVectorUInt32(Vector.LoadUnsafe(ref first, (nuint)i) - low);
                    if (Vector.GreaterThanOrEqualAny(offset, limit))
                    {
                        break;
                    }
                }
            }

            for (; i < n; i++)
            {
                if ((uint)(Unsafe.Add(ref first, i) - lowest) >= (uint)count)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
