using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetGen.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// The float tanh of the kernel paths (<see cref="TanhSingle"/>): within 2 ulp of the correctly rounded tanh (double
    /// <see cref="Math.Tanh"/> rounded to float) for every one of the 2³² floats, the special values exactly, and the same
    /// bits on every path and at every length.
    /// </summary>
    public sealed class TanhSingleTests(ITestOutputHelper output)
    {
        private const int MaxUlp = 2;

        /// <summary>Floats per block of the sweeps over the 2³² bit patterns.</summary>
        private const int Block = 1 << 16;

        /// <summary>
        /// The sweeps take every 8th bit pattern, 2²⁹ floats of every exponent and sign, the residue changing from block to
        /// block (all 2³² at once took a minute on a busy machine; the one-off exhaustive run found at most 2 ulp, at
        /// x = 1.1981667).
        /// </summary>
        private const int Stride = 8;

        private const int Blocks = (int)(0x1_0000_0000L / Block / Stride);

        /// <summary>Below this |x| tanh rounds to x (x²/3 is under half an ulp), from this one to ±1; no reference is needed.</summary>
        private const float RoundsToX = 1f / 4096, RoundsToOne = 9.1f;

        private static readonly GemmPath[] VectorPaths = KernelPaths.Supported().Where(p => p != GemmPath.Scalar).ToArray();

        [Fact]
        public void Every_8th_float_is_within_2_ulp_of_the_correctly_rounded_tanh_on_the_widest_path()
        {
            GemmPath path = KernelPaths.Supported()[^1];
            int worstUlp = 0;
            uint worstBits = 0;
            long failures = 0;
            var gate = new object();
            Parallel.For(0, Blocks, block =>
            {
                float[] x = new float[Block], y = new float[Block];
                Fill(x, block);
                Assert.True(Activations.TanhVectors<float>(x, y, path));
                int localWorst = 0;
                uint localBits = 0;
                long localFailures = 0;
                for (int i = 0; i < Block; i++)
                {
                    int ulp = UlpFromReference(x[i], y[i]);
                    if (ulp > localWorst)
                    {
                        (localWorst, localBits) = (ulp, BitConverter.SingleToUInt32Bits(x[i]));
                    }

                    localFailures += ulp > MaxUlp ? 1 : 0;
                }

                lock (gate)
                {
                    failures += localFailures;
                    if (localWorst > worstUlp)
                    {
                        (worstUlp, worstBits) = (localWorst, localBits);
                    }
                }
            });
            float worst = BitConverter.UInt32BitsToSingle(worstBits);
            output.WriteLine($"{path}: at most {worstUlp} ulp, at x = {worst:R} (0x{worstBits:X8}): {TanhSingle.Tanh(worst):R} against {(float)Math.Tanh(worst):R}");
            Assert.True(failures == 0, $"{failures} floats more than {MaxUlp} ulp off; the worst {worstUlp} ulp at x = {worst:R}");
        }

        [Fact]
        public void Every_8th_float_gets_the_same_bits_on_every_vector_path_and_in_scalar_form()
        {
            // Every vector path on the sweep's floats; the scalar form (slower) on every 7th block of them, which still covers
            // every exponent and sign, and both sides of the switch point.
            long differences = 0;
            Parallel.For(0, Blocks, block =>
            {
                float[] x = new float[Block], expected = new float[Block], y = new float[Block];
                Fill(x, block);
                Activations.TanhVectors<float>(x, expected, VectorPaths[0]);
                foreach (GemmPath path in VectorPaths.Skip(1))
                {
                    Activations.TanhVectors<float>(x, y, path);
                    Interlocked.Add(ref differences, CountDifferentBits(expected, y));
                }

                if (block % 7 == 0)
                {
                    Activations.TanhVectors<float>(x, y, GemmPath.Scalar);
                    Interlocked.Add(ref differences, CountDifferentBits(expected, y));
                }
            });
            Assert.Equal(0, differences);
        }

        [Fact]
        public void Special_values_are_exact()
        {
            float[] x =
            [
                0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, -float.NaN, BitConverter.UInt32BitsToSingle(0x7F80_0001),
                BitConverter.UInt32BitsToSingle(0xFFBF_FFFF), float.Epsilon, -float.Epsilon, BitConverter.UInt32BitsToSingle(0x007F_FFFF),
                -BitConverter.UInt32BitsToSingle(0x0080_0000), float.MaxValue, float.MinValue, 9.5f, -9.5f, 1e6f, -88.7f, 20f,
            ];
            foreach (GemmPath path in KernelPaths.Supported())
            {
                foreach (int n in new[] { 1, 3, 4, 8, 16, x.Length })
                {
                    float[] values = x.Take(n).ToArray(), y = TestMath.Garbage<float>(n);
                    Activations.TanhVectors<float>(values, y, path);
                    for (int i = 0; i < n; i++)
                    {
                        float v = values[i];
                        string what = $"{path}, n = {n}, tanh({v:R}) = {y[i]:R} (0x{BitConverter.SingleToUInt32Bits(y[i]):X8})";
                        if (float.IsNaN(v))
                        {
                            Assert.True(float.IsNaN(y[i]), what);
                        }
                        else if (Math.Abs(v) < RoundsToX)
                        {
                            Assert.True(BitConverter.SingleToUInt32Bits(v) == BitConverter.SingleToUInt32Bits(y[i]), what);
                        }
                        else if (Math.Abs(v) >= RoundsToOne)
                        {
                            Assert.True(y[i] == MathF.CopySign(1f, v), what);
                        }
                    }
                }
            }

            // The switch point and its neighbours on either side, and the clamp's.
            float[] around = [.. Neighbours(TanhSingle.PolynomialBelow), .. Neighbours(-TanhSingle.PolynomialBelow), .. Neighbours(9.5f), .. Neighbours(RoundsToOne)];
            float[] result = new float[around.Length];
            foreach (GemmPath path in KernelPaths.Supported())
            {
                Activations.TanhVectors<float>(around, result, path);
                for (int i = 0; i < around.Length; i++)
                {
                    Assert.True(UlpFromReference(around[i], result[i]) <= MaxUlp, $"{path}: tanh({around[i]:R}) = {result[i]:R}");
                }
            }
        }

        [Fact]
        public void Every_length_up_to_40_in_place_or_not_gives_each_value_its_own_bits()
        {
            // A value's result does not depend on the length (tails, a last vector overlapping the loop's, short spans in
            // scalar form) or on the path, in place or not.
            var random = new Random(5);
            foreach (GemmPath path in KernelPaths.Supported())
            {
                for (int n = 1; n <= 40; n++)
                {
                    float[] x = Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * (random.Next(3) == 0 ? 24 : 2.5))).ToArray();
                    float[] y = TestMath.Garbage<float>(n);
                    Assert.True(Activations.TanhVectors<float>(x, y, path));
                    for (int i = 0; i < n; i++)
                    {
                        Assert.True(BitConverter.SingleToUInt32Bits(TanhSingle.Tanh(x[i])) == BitConverter.SingleToUInt32Bits(y[i]), $"{path}, n = {n}, [{i}]");
                    }

                    float[] inPlace = (float[])x.Clone();
                    Activations.TanhVectors<float>(inPlace, inPlace, path);
                    Assert.Equal(y, inPlace);
                }
            }
        }

        [Fact]
        public void The_public_kernel_uses_it_by_default_and_the_switch_gives_the_formula_before()
        {
            float[] x = Enumerable.Range(0, 37).Select(i => (i - 18) * 0.23f).ToArray(), y = new float[37], before = new float[37];
            Activations.Tanh<float>(x, y);
            Assert.Equal(x.Select(TanhSingle.Tanh), y);

            Assert.True(GemmTuning.FloatTanh);
            if (!Activations.TanhVectors<float>(x, before, KernelPaths.PathOrScalar, floatTanh: false))
            {
                System.Numerics.Tensors.TensorPrimitives.Tanh<float>(x, before);
            }

            float[] expected = new float[37];
            System.Numerics.Tensors.TensorPrimitives.Tanh<float>(x, expected);
            Assert.Equal(expected, before);

            // Backward reads only y, unchanged: dy · (1 − y²).
            float[] dy = Enumerable.Range(0, 37).Select(i => 1f - (i * 0.05f)).ToArray(), dx = new float[37];
            Activations.TanhBackward<float>(y, dy, dx);
            Assert.Equal(y.Select((t, i) => dy[i] * (1f - (t * t))), dx);
        }

        /// <summary>ULP distance from the correctly rounded tanh; NaN must stay NaN (0 when it does, int.MaxValue when not).</summary>
        private static int UlpFromReference(float x, float y)
        {
            if (float.IsNaN(x))
            {
                return float.IsNaN(y) ? 0 : int.MaxValue;
            }

            float a = Math.Abs(x);
            float expected = a < RoundsToX ? x : a >= RoundsToOne ? MathF.CopySign(1f, x) : (float)Math.Tanh(x);
            if (float.IsNaN(y) || float.IsNegative(y) != float.IsNegative(expected))
            {
                return int.MaxValue;
            }

            return (int)Math.Min(int.MaxValue, Math.Abs((long)BitConverter.SingleToUInt32Bits(y) - BitConverter.SingleToUInt32Bits(expected)));
        }

        /// <summary>Block <paramref name="block"/> of the sweep: every <see cref="Stride"/>th bit pattern from its start, offset by the block.</summary>
        private static void Fill(float[] x, int block)
        {
            uint first = ((uint)block * Block * Stride) + ((uint)block % Stride);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = BitConverter.UInt32BitsToSingle(first + ((uint)i * Stride));
            }
        }

        private static long CountDifferentBits(float[] expected, float[] actual)
        {
            long count = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                bool same = BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(actual[i]) || (float.IsNaN(expected[i]) && float.IsNaN(actual[i]));
                count += same ? 0 : 1;
            }

            return count;
        }

        private static float[] Neighbours(float value)
        {
            uint bits = BitConverter.SingleToUInt32Bits(value);
            return Enumerable.Range(-3, 7).Select(d => BitConverter.UInt32BitsToSingle((uint)(bits + d))).ToArray();
        }
    }
}
