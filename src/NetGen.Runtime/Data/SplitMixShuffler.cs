using System;

namespace NetGen.Data
{
    /// <summary>
    /// SplitMix64 (Steele, Lea and Flood, 2014): a tiny generator used for shuffling and splits, so that a seed gives
    /// the same order on every machine and .NET version (unlike <see cref="Random"/>, whose algorithm may change).
    /// </summary>
    internal struct SplitMixShuffler
    {
        private ulong _state;

        public SplitMixShuffler(ulong seed)
        {
            _state = seed;
        }

        /// <summary>The generator's state: a generator created with it continues the same sequence.</summary>
        public readonly ulong State => _state;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>A uniform integer in [0, <paramref name="bound"/>) by Lemire's multiply-shift with rejection (no bias).</summary>
        public int NextInt(int bound)
        {
            ulong range = (ulong)bound;
            ulong high = Math.BigMul(Next(), range, out ulong low);
            if (low < range)
            {
                ulong threshold = (0UL - range) % range;
                while (low < threshold)
                {
                    high = Math.BigMul(Next(), range, out low);
                }
            }

            return (int)high;
        }

        /// <summary>Fisher–Yates: every permutation of <paramref name="values"/> equally likely.</summary>
        public void Shuffle(Span<int> values)
        {
            for (int i = values.Length - 1; i > 0; i--)
            {
                int j = NextInt(i + 1);
                (values[i], values[j]) = (values[j], values[i]);
            }
        }
    }
}
