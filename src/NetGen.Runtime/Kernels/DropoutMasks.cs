using System;
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels
{
    /// <summary>
    /// Dropout masks drawn eight at a time with AVX-512 (four with AVX2), exactly as <see cref="NetGenRandom.NextDouble"/> would draw them
    /// one by one. SplitMix64's state only ever grows by a constant, so the i-th next state is <c>state + i·γ</c> and
    /// eight states can be mixed side by side (64-bit lane multiplies need AVX-512DQ). A uniform
    /// <c>u = (z &gt;&gt; 11) · 2⁻⁵³</c> is below the rate t exactly when the integer <c>z &gt;&gt; 11</c> is below
    /// <c>⌈t · 2⁵³⌉</c>, so the comparison is done on integers, with no rounding.
    /// </summary>
    internal static class DropoutMasks
    {
        private const ulong GoldenGamma = 0x9E3779B97F4A7C15UL;

        /// <summary>
        /// Writes <c>mask[i] = u_i &lt; threshold ? 0 : scale</c> for the longest prefix of whole blocks of 16 values, where
        /// u_i are the next uniforms of <paramref name="random"/>, and advances it past them.
        /// </summary>
        /// <returns>How many values were written; the caller draws the rest one by one.</returns>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static int Fill<T>(NetGenRandom random, double threshold, T scale, Span<T> mask)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Fill(random, threshold, scale, mask, BestWidth);

        /// <summary>
        /// The widest vectors the masks are drawn with here, in bits: 512 with AVX-512DQ (64-bit lane multiplies), 256
        /// with AVX2 on .NET 9 and later (whose JIT builds 64-bit lane multiplies from 32-bit ones; .NET 8 multiplies
        /// lane by lane), 0 (one by one) otherwise. 49,152 masks (the Fashion MLP's step) took 35 µs at 256 bits, as at
        /// 512, and 250 µs one by one, in one Stopwatch run on an Intel Xeon (Emerald Rapids).
        /// Held to the kernel path like the GEMM: 256 bits at most under <c>NETGEN_KERNEL_PATH=Vector256</c>, none below.
        /// </summary>
        public static readonly int BestWidth = Math.Min(
            KernelPaths.PathOrScalar switch { GemmPath.Vector512 => 512, GemmPath.Vector256 => 256, _ => 0 },
            Avx512DQ.IsSupported && Vector512.IsHardwareAccelerated ? 512
#if NET9_0_OR_GREATER
            : Avx2.IsSupported && Vector256.IsHardwareAccelerated ? 256
#endif
            : 0);

        /// <summary><see cref="Fill{T}(NetGenRandom, double, T, Span{T})"/> with vectors of <paramref name="width"/> bits (512, 256; anything else draws none); tests run every width.</summary>
        public static int Fill<T>(NetGenRandom random, double threshold, T scale, Span<T> mask, int width)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int drawn = Fill(random.State, threshold, scale, mask, width);
            random.State = unchecked(random.State + ((ulong)drawn * GoldenGamma));
            return drawn;
        }

        /// <summary>
        /// Writes the masks of <paramref name="mask"/> whole, the i-th from the generator state
        /// <c>state + (i + 1)·γ</c>: exactly what <see cref="Fill{T}(NetGenRandom, double, T, Span{T})"/> and then one draw
        /// per value would write from a generator at <paramref name="state"/>, so a run of masks can be drawn on any
        /// thread from the state at its start.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void FillRun<T>(ulong state, double threshold, T scale, Span<T> mask)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int i = Fill(state, threshold, scale, mask, BestWidth);
            unchecked
            {
                state += (ulong)i * GoldenGamma;
                for (; i < mask.Length; i++)
                {
                    state += GoldenGamma;
                    mask[i] = (NetGenRandom.Mix(state) >> 11) * (1.0 / (1UL << 53)) < threshold ? T.Zero : scale; // NetGenRandom.NextDouble
                }
            }
        }

        /// <summary>The blocks of <see cref="Fill{T}(NetGenRandom, double, T, Span{T}, int)"/> drawn from <paramref name="state"/>, which is left to the caller to advance.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Fill<T>(ulong state, double threshold, T scale, Span<T> mask, int width)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            {
                return 0;
            }

            if (width == 256)
            {
                return Fill256(state, threshold, scale, mask);
            }

            if (width != 512)
            {
                return 0;
            }

            int blocks = mask.Length / 16;
            if (blocks == 0)
            {
                return 0;
            }

            // u < t  ⇔  z >> 11 < ⌈t · 2⁵³⌉ (t in [0, 1), so the product is exact and below 2⁵³).
            var limit = Vector512.Create((ulong)Math.Ceiling(threshold * 9007199254740992.0));
            var step = Vector512.Create(unchecked(GoldenGamma * 8));
            Vector512<ulong> states = (Vector512.Create(1UL, 2, 3, 4, 5, 6, 7, 8) * Vector512.Create(GoldenGamma)) + Vector512.Create(state);
            for (int b = 0; b < blocks; b++)
            {
                Vector512<ulong> low = Vector512.GreaterThanOrEqual(Vector512.ShiftRightLogical(Mix(states), 11), limit);
                states += step;
                Vector512<ulong> high = Vector512.GreaterThanOrEqual(Vector512.ShiftRightLogical(Mix(states), 11), limit);
                states += step;
                if (typeof(T) == typeof(float))
                {
                    // all-ones lanes keep the value: narrow the 64-bit masks to 32 bits and select the scale's bits.
                    Vector512<uint> keep = Vector512.Narrow(low, high);
                    Vector512<float> values = Vector512.BitwiseAnd(keep, Vector512.Create(float.CreateTruncating(scale)).AsUInt32()).AsSingle();
                    values.StoreUnsafe(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(mask)), (nuint)(b * 16));
                }
                else
                {
                    Vector512<ulong> bits = Vector512.Create(double.CreateTruncating(scale)).AsUInt64();
                    ref double target = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(mask));
                    Vector512.BitwiseAnd(low, bits).AsDouble().StoreUnsafe(ref target, (nuint)(b * 16));
                    Vector512.BitwiseAnd(high, bits).AsDouble().StoreUnsafe(ref target, (nuint)((b * 16) + 8));
                }
            }

            return blocks * 16;
        }

        /// <summary>The AVX2 form of <see cref="Fill{T}(NetGenRandom, double, T, Span{T}, int)"/>: blocks of 8 values, 4 states per vector.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Fill256<T>(ulong state, double threshold, T scale, Span<T> mask)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int blocks = mask.Length / 8;
            if (blocks == 0)
            {
                return 0;
            }

            var limit = Vector256.Create((ulong)Math.Ceiling(threshold * 9007199254740992.0));
            var step = Vector256.Create(unchecked(GoldenGamma * 4));
            Vector256<ulong> states = (Vector256.Create(1UL, 2, 3, 4) * Vector256.Create(GoldenGamma)) + Vector256.Create(state);
            for (int b = 0; b < blocks; b++)
            {
                Vector256<ulong> low = Vector256.GreaterThanOrEqual(Vector256.ShiftRightLogical(Mix(states), 11), limit);
                states += step;
                Vector256<ulong> high = Vector256.GreaterThanOrEqual(Vector256.ShiftRightLogical(Mix(states), 11), limit);
                states += step;
                if (typeof(T) == typeof(float))
                {
                    Vector256<uint> keep = Vector256.Narrow(low, high);
                    Vector256<float> values = Vector256.BitwiseAnd(keep, Vector256.Create(float.CreateTruncating(scale)).AsUInt32()).AsSingle();
                    values.StoreUnsafe(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(mask)), (nuint)(b * 8));
                }
                else
                {
                    Vector256<ulong> bits = Vector256.Create(double.CreateTruncating(scale)).AsUInt64();
                    ref double target = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(mask));
                    Vector256.BitwiseAnd(low, bits).AsDouble().StoreUnsafe(ref target, (nuint)(b * 8));
                    Vector256.BitwiseAnd(high, bits).AsDouble().StoreUnsafe(ref target, (nuint)((b * 8) + 4));
                }
            }

            return blocks * 8;
        }

        /// <summary>The SplitMix64 output function on four states.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<ulong> Mix(Vector256<ulong> z)
        {
            z = (z ^ Vector256.ShiftRightLogical(z, 30)) * Vector256.Create(0xBF58476D1CE4E5B9UL);
            z = (z ^ Vector256.ShiftRightLogical(z, 27)) * Vector256.Create(0x94D049BB133111EBUL);
            return z ^ Vector256.ShiftRightLogical(z, 31);
        }

        /// <summary>The SplitMix64 output function on eight states (<see cref="NetGenRandom"/>'s Mix).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<ulong> Mix(Vector512<ulong> z)
        {
            z = (z ^ Vector512.ShiftRightLogical(z, 30)) * Vector512.Create(0xBF58476D1CE4E5B9UL);
            z = (z ^ Vector512.ShiftRightLogical(z, 27)) * Vector512.Create(0x94D049BB133111EBUL);
            return z ^ Vector512.ShiftRightLogical(z, 31);
        }
    }
}
