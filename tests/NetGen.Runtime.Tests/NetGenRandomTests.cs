using System;
using System.Reflection;

namespace NetGen.Runtime.Tests
{
    public sealed class NetGenRandomTests
    {
        private const int Draws = 200_000;

        [Fact]
        public void Golden_values_for_state_zero_are_the_published_SplitMix64_outputs()
        {
            var random = new NetGenRandom(0) { State = 0 };
            Assert.Equal(0xE220A8397B1DCDAFUL, random.NextUInt64());
            Assert.Equal(0x6E789E6AA1B965F4UL, random.NextUInt64());
            Assert.Equal(0x06C45D188009454FUL, random.NextUInt64());
        }

        [Fact]
        public void Golden_values_for_seed_42()
        {
            // Seed 42, stream 0: the initial state is the SplitMix64 finalizer of the word (stream << 32 | seed).
            var random = new NetGenRandom(42);
            Assert.Equal(0xA759EA27D4727622UL, random.State);
            Assert.Equal(0x989B3F130A063869UL, random.NextUInt64());
            Assert.Equal(0x290DB4BF2570DED7UL, random.NextUInt64());
            Assert.Equal(0x2A990BE63A01B2D5UL, random.NextUInt64());
            Assert.Equal(0x0C4B6B24EF01890EUL, random.NextUInt64());
            Assert.Equal(0xFB16A06E52EC10A7UL, random.NextUInt64());
        }

        [Theory]
        [InlineData(42, 0)]
        [InlineData(-7, 3)]
        [InlineData(int.MaxValue, int.MinValue)]
        public void Matches_an_independent_SplitMix64(int seed, int stream)
        {
            var random = new NetGenRandom(seed, stream);
            ulong state = ReferenceMix(((ulong)(uint)stream << 32) | (uint)seed);
            Assert.Equal(state, random.State);
            for (int i = 0; i < 1000; i++)
            {
                Assert.Equal(ReferenceNext(ref state), random.NextUInt64());
            }
        }

        [Fact]
        public void The_same_seed_gives_the_same_sequence()
        {
            var a = new NetGenRandom(123, 4);
            var b = new NetGenRandom(123, 4);
            for (int i = 0; i < 1000; i++)
            {
                Assert.Equal(a.NextUInt64(), b.NextUInt64());
                Assert.Equal(a.NextDouble(), b.NextDouble());
                Assert.Equal(a.NextNormal(), b.NextNormal());
                Assert.Equal(a.NextInt(1000), b.NextInt(1000));
            }
        }

        [Theory]
        [InlineData(1, 0, 2, 0)]
        [InlineData(1, 0, 1, 1)]
        [InlineData(0, 1, 1, 0)]
        [InlineData(-1, 0, 0, -1)]
        public void Different_seeds_or_streams_give_different_sequences(int seedA, int streamA, int seedB, int streamB)
        {
            var a = new NetGenRandom(seedA, streamA);
            var b = new NetGenRandom(seedB, streamB);
            int equal = 0;
            for (int i = 0; i < 100; i++)
            {
                equal += a.NextUInt64() == b.NextUInt64() ? 1 : 0;
            }

            Assert.Equal(0, equal);
        }

        [Fact]
        public void Setting_the_state_replays_the_sequence()
        {
            var random = new NetGenRandom(9);
            random.NextNormal();
            ulong state = random.State;
            double[] first = Mixed(random);
            Assert.NotEqual(state, random.State);
            random.State = state;
            Assert.Equal(first, Mixed(random));

            var other = new NetGenRandom(1000) { State = state };
            Assert.Equal(first, Mixed(other));
        }

        [Fact]
        public void NextDouble_is_uniform_on_zero_to_one()
        {
            var random = new NetGenRandom(2024);
            double sum = 0, squares = 0;
            for (int i = 0; i < Draws; i++)
            {
                double u = random.NextDouble();
                Assert.InRange(u, 0.0, 0.9999999999999999);
                sum += u;
                squares += u * u;
            }

            double mean = sum / Draws;
            double variance = (squares / Draws) - (mean * mean);

            // Standard errors: mean 0.29/√n ≈ 0.00065, variance ≈ 0.00017.
            Assert.InRange(mean, 0.5 - 0.003, 0.5 + 0.003);
            Assert.InRange(variance, (1.0 / 12) - 0.001, (1.0 / 12) + 0.001);
        }

        [Fact]
        public void NextDouble_is_the_top_53_bits()
        {
            var random = new NetGenRandom(5);
            ulong state = random.State;
            for (int i = 0; i < 100; i++)
            {
                Assert.Equal((ReferenceNext(ref state) >> 11) / 9007199254740992.0, random.NextDouble());
            }
        }

        [Fact]
        public void NextNormal_has_mean_zero_variance_one_and_normal_tails()
        {
            var random = new NetGenRandom(77);
            double sum = 0, squares = 0, fourth = 0;
            int beyond196 = 0;
            for (int i = 0; i < Draws; i++)
            {
                double z = random.NextNormal();
                sum += z;
                squares += z * z;
                fourth += z * z * z * z;
                beyond196 += Math.Abs(z) > 1.959964 ? 1 : 0;
            }

            double mean = sum / Draws;
            double variance = (squares / Draws) - (mean * mean);

            // Standard errors: mean 0.0022, variance 0.0032, 4th moment 0.022, tail fraction 0.0005.
            Assert.InRange(mean, -0.01, 0.01);
            Assert.InRange(variance, 0.985, 1.015);
            Assert.InRange(fourth / Draws, 2.9, 3.1);
            Assert.InRange(beyond196 / (double)Draws, 0.047, 0.053);
        }

        [Fact]
        public void NextNormal_is_the_polar_method_on_NextDouble()
        {
            var random = new NetGenRandom(31);
            var uniforms = new NetGenRandom(31);
            for (int i = 0; i < 1000; i++)
            {
                double u, s;
                do
                {
                    u = (2 * uniforms.NextDouble()) - 1;
                    double v = (2 * uniforms.NextDouble()) - 1;
                    s = (u * u) + (v * v);
                }
                while (s >= 1 || s == 0);

                double expected = u * Math.Sqrt(-2 * Math.Log(s) / s);
                double actual = random.NextNormal();
                Assert.True(Math.Abs(actual - expected) <= 1e-14 * Math.Max(1, Math.Abs(expected)), $"draw {i}: {actual:R} vs {expected:R}");
                Assert.Equal(uniforms.State, random.State);
            }
        }

        [Fact]
        public void NextNormal_golden_values_for_seed_42_are_bit_exact()
        {
            // NetGen's own logarithm uses exact operations only, so these bits are the same on every machine.
            var random = new NetGenRandom(42);
            long[] expected = [GoldenNormal0, GoldenNormal1, GoldenNormal2];
            foreach (long bits in expected)
            {
                Assert.Equal(bits, BitConverter.DoubleToInt64Bits(random.NextNormal()));
            }
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(10)]
        [InlineData(7)]
        public void NextInt_is_in_range_and_uniform(int maxExclusive)
        {
            var random = new NetGenRandom(11);
            const int n = 100_000;
            var counts = new int[maxExclusive];
            for (int i = 0; i < n; i++)
            {
                counts[random.NextInt(maxExclusive)]++;
            }

            double expected = n / (double)maxExclusive;
            double tolerance = 5 * Math.Sqrt(expected) + 1;
            foreach (int count in counts)
            {
                Assert.InRange(count, expected - tolerance, expected + tolerance);
            }
        }

        [Fact]
        public void NextInt_is_the_high_word_of_the_product_with_the_range()
        {
            var random = new NetGenRandom(3);
            ulong state = random.State;
            for (int i = 0; i < 100; i++)
            {
                ulong expected = (ulong)(((UInt128)ReferenceNext(ref state) * 1_000_003) >> 64);
                Assert.Equal((int)expected, random.NextInt(1_000_003));
            }
        }

        [Fact]
        public void NextInt_rejects_a_draw_in_the_uneven_remainder()
        {
            // SplitMix64 outputs 0 from state 0, so this state's next draw is 0. Its product with 10 has low word 0, below
            // 2⁶⁴ mod 10 = 6: an unbiased NextInt must reject it and use the following draw.
            var random = new NetGenRandom(1) { State = unchecked(0UL - 0x9E3779B97F4A7C15UL) };
            ulong state = 0;
            int expected = (int)(((UInt128)ReferenceNext(ref state) * 10) >> 64);
            Assert.Equal(expected, random.NextInt(10));
            Assert.Equal(state, random.State);
        }

        [Fact]
        public void NextInt_rejects_an_empty_range()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new NetGenRandom(1).NextInt(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new NetGenRandom(1).NextInt(-5));
        }

        [Fact]
        public void The_private_logarithm_matches_Math_Log_to_1e_15()
        {
            var log = typeof(NetGenRandom).GetMethod("Log", BindingFlags.NonPublic | BindingFlags.Static)!
                .CreateDelegate<Func<double, double>>();
            var random = new Random(1);
            double worst = 0;
            void Compare(double x)
            {
                double expected = Math.Log(x);
                double actual = log(x);
                if (expected == 0)
                {
                    Assert.Equal(0.0, actual);
                    return;
                }

                double relative = Math.Abs(actual - expected) / Math.Abs(expected);
                worst = Math.Max(worst, relative);
                Assert.True(relative <= 1e-15, $"log({x:R}) = {actual:R}, Math.Log gives {expected:R} (relative {relative:G3})");
            }

            // Across the whole exponent range, subnormals included.
            for (int i = 0; i < 100_000; i++)
            {
                Compare(Math.ScaleB(1 + random.NextDouble(), random.Next(-1074, 1024)));
            }

            // In (0, 1), where the polar method uses it, and around 1, where ln x is tiny.
            for (int i = 0; i < 100_000; i++)
            {
                Compare(random.NextDouble() + double.Epsilon);
                Compare(1 + ((random.NextDouble() - 0.5) * Math.Pow(10, -random.Next(1, 15))));
            }

            double[] special = [1, 2, 0.5, Math.Sqrt(2), Math.Sqrt(0.5), 1.4142135623730950, 1.4142135623730954, double.Epsilon, double.MaxValue, 2.2250738585072014E-308, Math.E, 1e-300, 0.9999999999999999, 1.0000000000000002];
            foreach (double x in special)
            {
                Compare(x);
            }

            Assert.True(worst > 0, "the comparison saw no rounding difference at all, so it compared nothing");
        }

        // Bits of the first three NextNormal values for seed 42: 0.32138044849001596, −0.4741342359730874,
        // 0.7984559525935145 (an independent implementation with the platform's log agrees to the last digit or so).
        private const long GoldenNormal0 = 4599461095390161115, GoldenNormal1 = -4621159173863061923, GoldenNormal2 = 4605367071406420229;

        private static double[] Mixed(NetGenRandom random)
        {
            var values = new double[40];
            for (int i = 0; i < values.Length; i += 4)
            {
                values[i] = random.NextUInt64();
                values[i + 1] = random.NextDouble();
                values[i + 2] = random.NextNormal();
                values[i + 3] = random.NextInt(17);
            }

            return values;
        }

        private static ulong ReferenceNext(ref ulong state)
        {
            state = unchecked(state + 0x9E3779B97F4A7C15UL);
            return ReferenceMix(state);
        }

        private static ulong ReferenceMix(ulong z)
        {
            unchecked
            {
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                return z ^ (z >> 31);
            }
        }
    }
}
