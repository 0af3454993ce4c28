#if NET9_0_OR_GREATER
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels
{
    /// <summary>
    /// Float tanh in float arithmetic only (the vectors' own <c>Exp</c> of floats widens to double and back, 45 cycles a
    /// vector). For <c>a = |x|</c>: below 0.625, <c>tanh a = a + a·a²·P(a²)</c> (Cephes tanhf's odd polynomial); from there,
    /// <c>tanh a = (1 − e)/(1 + e)</c> with <c>e = e^(−2a)</c>, <c>a</c> clamped to 9.5 (tanh rounds to 1 from 9.01), and
    /// <c>e^y = 2ⁿ · e^r</c>, <c>n = round(y·log₂e)</c>, <c>r = y − n·ln 2</c> in two parts, <c>e^r</c> Cephes expf's
    /// polynomial (its pairs of terms first, for a shorter chain), <c>2ⁿ</c> added to the exponent bits. The sign of x is
    /// put back last, so tanh(−0) = −0, ±∞ give ±1 and a NaN stays NaN. At most 2 ulp from the correctly rounded tanh over
    /// all 2³² floats (measured on each once; the tests sweep every 8th). Every width and the scalar form run the same
    /// operations with fused multiply-adds, so a value gets the same bits on every path.
    /// </summary>
    internal static class TanhSingle
    {
        /// <summary>Below this |x| the odd polynomial, from it the exponential.</summary>
        internal const float PolynomialBelow = 0.625f;

        /// <summary>
        /// |x| is clamped here: tanh(9.5) rounds to 1, and 2ⁿ stays a normal float. A NaN goes to the clamp as well (its bits
        /// would reach the exponent), and takes the polynomial, which keeps it NaN.
        /// </summary>
        private const float ClampAt = 9.5f;

        // tanh a = a + a³·(T1 + T2·a² + … + T5·a⁸) on [0, 0.625] (Cephes tanhf).
        private const float T1 = -3.33332819422E-1f, T2 = 1.33314422036E-1f, T3 = -5.37397155531E-2f, T4 = 2.06390887954E-2f, T5 = -5.70498872745E-3f;

        // e^r = 1 + r + r²·(E0 + E1·r + … + E5·r⁵) on |r| ≤ ln 2 / 2 (Cephes expf).
        private const float E0 = 5.0000001201E-1f, E1 = 1.6666665459E-1f, E2 = 4.1665795894E-2f, E3 = 8.3334519073E-3f, E4 = 1.3981999507E-3f, E5 = 1.9875691500E-4f;

        private const float Log2E = 1.44269504088896341f;

        /// <summary>ln 2 in two parts: the first has few bits, so that n·Ln2High is exact.</summary>
        private const float Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;

        /// <summary>1.5·2²³: adding it rounds to an integer, which lands in the low bits of the sum's significand.</summary>
        private const float RoundingShift = 12582912f;

        private const uint SignBit = 0x8000_0000u;

        /// <summary>
        /// <c>y[i] = tanh(x[i])</c> for spans of equal length on <paramref name="path"/>: whole vectors of its width
        /// (<see cref="FloatVectorMap"/>; <paramref name="y"/> may be <paramref name="x"/>), and spans shorter than a vector
        /// one value at a time.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Run(ReadOnlySpan<float> x, Span<float> y, GemmPath path)
        {
            if (FloatVectorMap.Run<Map>(x, y, path))
            {
                return;
            }

            for (int i = 0; i < x.Length; i++)
            {
                y[i] = Tanh(x[i]);
            }
        }

        /// <summary>The vector forms below, for <see cref="FloatVectorMap"/>.</summary>
        private struct Map : IFloatVectorMap
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector512<float> Apply(Vector512<float> x) => Tanh(x);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector256<float> Apply(Vector256<float> x) => Tanh(x);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector128<float> Apply(Vector128<float> x) => Tanh(x);
        }

        /// <summary>One value, with the very operations of the vector forms.</summary>
        internal static float Tanh(float x)
        {
            float a = MathF.Abs(x);
            float s = a * a;
            float p = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(T5, s, T4), s, T3), s, T2), s, T1);
            float small = MathF.FusedMultiplyAdd(a * s, p, a);

            float clamped = a < ClampAt ? a : ClampAt;
            float v = clamped * -2f;
            float shifted = MathF.FusedMultiplyAdd(v, Log2E, RoundingShift);
            float k = shifted - RoundingShift;
            float r = MathF.FusedMultiplyAdd(k, -Ln2High, v);
            r = MathF.FusedMultiplyAdd(k, -Ln2Low, r);
            float r2 = r * r;
            float q = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(E5, r, E4), r2, MathF.FusedMultiplyAdd(E3, r, E2)), r2, MathF.FusedMultiplyAdd(E1, r, E0));
            float er = MathF.FusedMultiplyAdd(q, r2, r) + 1f;
            float e = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(er) + (BitConverter.SingleToInt32Bits(shifted) << 23));
            float large = (1f - e) / (1f + e);

            float t = a >= PolynomialBelow ? large : small;
            return BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(t) ^ (BitConverter.SingleToUInt32Bits(x) & SignBit));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Vector512<float> Tanh(Vector512<float> x)
        {
            Vector512<float> a = Vector512.Abs(x);
            Vector512<float> s = a * a;
            Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(T5), s, Vector512.Create(T4)), s, Vector512.Create(T3)), s, Vector512.Create(T2)), s, Vector512.Create(T1));
            Vector512<float> small = Vector512.FusedMultiplyAdd(a * s, p, a);

            Vector512<float> clampAt = Vector512.Create(ClampAt);
            Vector512<float> clamped = Vector512.ConditionalSelect(Vector512.LessThan(a, clampAt), a, clampAt);
            Vector512<float> v = clamped * Vector512.Create(-2f);
            Vector512<float> shifted = Vector512.FusedMultiplyAdd(v, Vector512.Create(Log2E), Vector512.Create(RoundingShift));
            Vector512<float> k = shifted - Vector512.Create(RoundingShift);
            Vector512<float> r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2High), v);
            r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2Low), r);
            Vector512<float> r2 = r * r;
            Vector512<float> q = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(E5), r, Vector512.Create(E4)), r2, Vector512.FusedMultiplyAdd(Vector512.Create(E3), r, Vector512.Create(E2))), r2, Vector512.FusedMultiplyAdd(Vector512.Create(E1), r, Vector512.Create(E0)));
            Vector512<float> er = Vector512.FusedMultiplyAdd(q, r2, r) + Vector512<float>.One;
            Vector512<float> e = (er.AsInt32() + Vector512.ShiftLeft(shifted.AsInt32(), 23)).AsSingle();
            Vector512<float> large = (Vector512<float>.One - e) / (Vector512<float>.One + e);

            Vector512<float> t = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(PolynomialBelow)), large, small);
            return (t.AsUInt32() ^ (x.AsUInt32() & Vector512.Create(SignBit))).AsSingle();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Vector256<float> Tanh(Vector256<float> x)
        {
            Vector256<float> a = Vector256.Abs(x);
            Vector256<float> s = a * a;
            Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(T5), s, Vector256.Create(T4)), s, Vector256.Create(T3)), s, Vector256.Create(T2)), s, Vector256.Create(T1));
            Vector256<float> small = Vector256.FusedMultiplyAdd(a * s, p, a);

            Vector256<float> clampAt = Vector256.Create(ClampAt);
            Vector256<float> clamped = Vector256.ConditionalSelect(Vector256.LessThan(a, clampAt), a, clampAt);
            Vector256<float> v = clamped * Vector256.Create(-2f);
            Vector256<float> shifted = Vector256.FusedMultiplyAdd(v, Vector256.Create(Log2E), Vector256.Create(RoundingShift));
            Vector256<float> k = shifted - Vector256.Create(RoundingShift);
            Vector256<float> r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2High), v);
            r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2Low), r);
            Vector256<float> r2 = r * r;
            Vector256<float> q = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(E5), r, Vector256.Create(E4)), r2, Vector256.FusedMultiplyAdd(Vector256.Create(E3), r, Vector256.Create(E2))), r2, Vector256.FusedMultiplyAdd(Vector256.Create(E1), r, Vector256.Create(E0)));
            Vector256<float> er = Vector256.FusedMultiplyAdd(q, r2, r) + Vector256<float>.One;
            Vector256<float> e = (er.AsInt32() + Vector256.ShiftLeft(shifted.AsInt32(), 23)).AsSingle();
            Vector256<float> large = (Vector256<float>.One - e) / (Vector256<float>.One + e);

            Vector256<float> t = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256.Create(PolynomialBelow)), large, small);
            return (t.AsUInt32() ^ (x.AsUInt32() & Vector256.Create(SignBit))).AsSingle();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Vector128<float> Tanh(Vector128<float> x)
        {
            Vector128<float> a = Vector128.Abs(x);
            Vector128<float> s = a * a;
            Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.Create(T5), s, Vector128.Create(T4)), s, Vector128.Create(T3)), s, Vector128.Create(T2)), s, Vector128.Create(T1));
            Vector128<float> small = Vector128.FusedMultiplyAdd(a * s, p, a);

            Vector128<float> clampAt = Vector128.Create(ClampAt);
            Vector128<float> clamped = Vector128.ConditionalSelect(Vector128.LessThan(a, clampAt), a, clampAt);
            Vector128<float> v = clamped * Vector128.Create(-2f);
            Vector128<float> shifted = Vector128.FusedMultiplyAdd(v, Vector128.Create(Log2E), Vector128.Create(RoundingShift));
            Vector128<float> k = shifted - Vector128.Create(RoundingShift);
            Vector128<float> r = Vector128.FusedMultiplyAdd(k, Vector128.Create(-Ln2High), v);
            r = Vector128.FusedMultiplyAdd(k, Vector128.Create(-Ln2Low), r);
            Vector128<float> r2 = r * r;
            Vector128<float> q = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.Create(E5), r, Vector128.Create(E4)), r2, Vector128.FusedMultiplyAdd(Vector128.Create(E3), r, Vector128.Create(E2))), r2, Vector128.FusedMultiplyAdd(Vector128.Create(E1), r, Vector128.Create(E0)));
            Vector128<float> er = Vector128.FusedMultiplyAdd(q, r2, r) + Vector128<float>.One;
            Vector128<float> e = (er.AsInt32() + Vector128.ShiftLeft(shifted.AsInt32(), 23)).AsSingle();
            Vector128<float> large = (Vector128<float>.One - e) / (Vector128<float>.One + e);

            Vector128<float> t = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(a, Vector128.Create(PolynomialBelow)), large, small);
            return (t.AsUInt32() ^ (x.AsUInt32() & Vector128.Create(SignBit))).AsSingle();
        }
    }
}
#endif
