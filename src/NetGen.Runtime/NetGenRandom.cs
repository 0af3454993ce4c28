using System;

namespace NetGen
{
    /// <summary>
    /// NetGen's own deterministic random number generator: SplitMix64 (Steele, Lea and Flood, 2014), whose whole state is
    /// one <see cref="ulong"/>. Every method uses only integer arithmetic and IEEE-exact floating-point operations
    /// (+ − × ÷ and √; no <see cref="Math.Log(double)"/>, <see cref="Math.Exp"/> or <see cref="Math.Cos"/>, whose
    /// results may differ across machines and .NET versions), so a seed gives the same numbers everywhere.
    /// </summary>
    /// <remarks>
    /// No value is cached between calls (the polar method's second variate is discarded), so <see cref="State"/> alone
    /// determines everything that follows: saving and restoring it replays the sequence exactly. Not for cryptography.
    /// </remarks>
    public sealed class NetGenRandom
    {
        /// <summary>The SplitMix64 increment: 2⁶⁴ divided by the golden ratio, odd.</summary>
        private const ulong GoldenGamma = 0x9E3779B97F4A7C15UL;

        /// <summary>ln 2 split in two: the high part has trailing zero bits, so <c>e · Ln2High</c> is exact for any binary exponent e.</summary>
        private const double Ln2High = 6.93147180369123816490e-01;

        /// <summary>ln 2 − <see cref="Ln2High"/>.</summary>
        private const double Ln2Low = 1.90821492927058770002e-10;

        /// <summary>√2, the upper end of the mantissa range used by <see cref="Log"/>.</summary>
        private const double Sqrt2 = 1.4142135623730951;

        /// <summary>
        /// Creates a generator. The initial state is the SplitMix64 finalizer applied to the 64-bit word made of
        /// <paramref name="stream"/> (high 32 bits) and <paramref name="seed"/> (low 32 bits); the finalizer is a bijection,
        /// so every (seed, stream) pair starts from a different state.
        /// </summary>
        /// <param name="seed">The seed, e.g. <c>[Network(Seed = 42)]</c>.</param>
        /// <param name="stream">Distinguishes generators made from the same seed (weights, dropout masks, shuffling, …).</param>
        public NetGenRandom(int seed, int stream = 0)
        {
            State = Mix(((ulong)(uint)stream << 32) | (uint)seed);
        }

        /// <summary>
        /// The generator's whole state. Reading it and later writing the value back replays the same sequence.
        /// </summary>
        public ulong State { get; set; }

        /// <summary>The next 64 uniformly distributed random bits.</summary>
        /// <returns>A value in [0, 2⁶⁴).</returns>
        public ulong NextUInt64()
        {
            State = unchecked(State + GoldenGamma);
            return Mix(State);
        }

        /// <summary>A uniform value in [0, 1): the top 53 bits of <see cref="NextUInt64"/> times 2⁻⁵³.</summary>
        /// <returns>A multiple of 2⁻⁵³ in [0, 1).</returns>
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        /// <summary>
        /// A uniform integer in [0, <paramref name="maxExclusive"/>), without bias (Lemire's multiply-and-reject method:
        /// draws again in the rare case where the 64-bit product falls in the uneven remainder).
        /// </summary>
        /// <param name="maxExclusive">The number of possible values, ≥ 1.</param>
        /// <returns>A value in [0, <paramref name="maxExclusive"/>).</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxExclusive"/> is less than 1.</exception>
        public int NextInt(int maxExclusive)
        {
            if (maxExclusive < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "Expected at least 1 possible value.");
            }

            ulong range = (ulong)maxExclusive;
            ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
            if (low < range)
            {
                // 2⁶⁴ mod range: products whose low word falls below it would make some results more likely.
                ulong threshold = unchecked(0UL - range) % range;
                while (low < threshold)
                {
                    high = Math.BigMul(NextUInt64(), range, out low);
                }
            }

            return (int)high;
        }

        /// <summary>
        /// A standard normal variate N(0, 1) by Marsaglia's polar method: draws u, v uniform in (−1, 1) until
        /// <c>0 &lt; s = u² + v² &lt; 1</c>, then returns <c>u · √(−2 ln s / s)</c>. The second variate
        /// <c>v · √(−2 ln s / s)</c> is discarded so that no state is cached. The logarithm is NetGen's own, built from exact
        /// operations only.
        /// </summary>
        /// <returns>A normally distributed value with mean 0 and variance 1.</returns>
        public double NextNormal()
        {
            double u, s;
            do
            {
                u = (2.0 * NextDouble()) - 1.0;
                double v = (2.0 * NextDouble()) - 1.0;
                s = (u * u) + (v * v);
            }
            while (s >= 1.0 || s == 0.0);

            return u * Math.Sqrt(-2.0 * Log(s) / s);
        }

        /// <summary>The SplitMix64 output function (a bijection of 64-bit words).</summary>
        internal static ulong Mix(ulong z)
        {
            unchecked
            {
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                return z ^ (z >> 31);
            }
        }

        /// <summary>
        /// The natural logarithm of a positive finite <paramref name="x"/>, deterministic on every machine: x = m · 2ᵉ is
        /// taken apart exactly from its bits, m is brought into [√2/2, √2), and
        /// <c>ln x = e · ln 2 + 2 · atanh(r)</c> with <c>r = (m − 1)/(m + 1)</c>, |r| ≤ 0.172, where
        /// <c>atanh r = r + r³/3 + r⁵/5 + …</c> is summed until the terms no longer change the result. Uses only
        /// + − × ÷, so it agrees with <see cref="Math.Log(double)"/> to within a few units in the last place.
        /// </summary>
        /// <param name="x">A positive finite value (normal or subnormal).</param>
        /// <returns>ln x.</returns>
        private static double Log(double x)
        {
            long bits = BitConverter.DoubleToInt64Bits(x);
            int exponent = (int)((bits >> 52) & 0x7FF);
            if (exponent == 0)
            {
                // Subnormal: scale by 2⁵⁴ (exact) to make it normal.
                bits = BitConverter.DoubleToInt64Bits(x * 18014398509481984.0);
                exponent = (int)((bits >> 52) & 0x7FF) - 54;
            }

            int e = exponent - 1023;
            double m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
            if (m >= Sqrt2)
            {
                m *= 0.5;
                e++;
            }

            // ln m = 2 atanh(r), r = (m − 1)/(m + 1); m − 1 is exact (Sterbenz).
            double r = (m - 1.0) / (m + 1.0);
            double r2 = r * r;
            double power = r;
            double series = r;
            for (int k = 3; k < 200; k += 2)
            {
                power *= r2;
                double next = series + (power / k);
                if (next == series)
                {
                    break;
                }

                series = next;
            }

            return (e * Ln2High) + ((e * Ln2Low) + (2.0 * series));
        }
    }
}
