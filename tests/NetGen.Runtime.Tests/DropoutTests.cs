using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    public abstract class DropoutTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static IEnumerable<object[]> Lengths() => TestMath.LengthData();

        [Theory]
        [MemberData(nameof(Lengths))]
        public void ForwardTraining_draws_one_uniform_per_element_in_order(int n)
        {
            const double rate = 0.3;
            double[] x = TestMath.Rounded<T>(TestMath.Uniform(n, n));
            var mask = TestMath.Garbage<T>(n);
            var y = TestMath.Garbage<T>(n);
            var random = new NetGenRandom(7, 3);
            var reference = new NetGenRandom(7, 3);
            T r = T.CreateTruncating(rate);
            double scale = double.CreateTruncating(T.One / (T.One - r));

            Dropout.ForwardTraining<T>(TestMath.To<T>(x), mask, y, r, random);

            var expectedMask = new double[n];
            var expectedY = new double[n];
            for (int i = 0; i < n; i++)
            {
                expectedMask[i] = reference.NextDouble() < double.CreateTruncating(r) ? 0 : scale;
                expectedY[i] = x[i] * expectedMask[i];
            }

            TestMath.AllClose(expectedMask, mask, 0, "mask");
            TestMath.AllClose(expectedY, y, TestMath.Tolerance<T>(), "y");
            Assert.Equal(reference.State, random.State);
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void Backward_multiplies_by_the_mask(int n)
        {
            double[] mask = new double[n];
            for (int i = 0; i < n; i++)
            {
                mask[i] = i % 3 == 0 ? 0 : 2;
            }

            double[] dy = TestMath.Rounded<T>(TestMath.Uniform(n, 40 + n));
            var dx = TestMath.Garbage<T>(n);
            Dropout.Backward<T>(TestMath.To<T>(mask), TestMath.To<T>(dy), dx);
            var expected = new double[n];
            for (int i = 0; i < n; i++)
            {
                expected[i] = mask[i] * dy[i];
            }

            TestMath.AllClose(expected, dx, TestMath.Tolerance<T>(), "dx");
        }

        [Fact]
        public void Drops_about_rate_of_the_values_and_keeps_the_mean()
        {
            const int n = 100_000;
            T[] x = new T[n];
            Array.Fill(x, T.One);
            var mask = new T[n];
            var y = new T[n];
            Dropout.ForwardTraining<T>(x, mask, y, T.CreateTruncating(0.2), new NetGenRandom(1));
            int dropped = 0;
            double sum = 0;
            foreach (T value in y)
            {
                dropped += value == T.Zero ? 1 : 0;
                sum += double.CreateTruncating(value);
            }

            // Standard error of the dropped fraction: √(0.2 · 0.8 / n) ≈ 0.0013.
            Assert.InRange(dropped / (double)n, 0.195, 0.205);
            Assert.InRange(sum / n, 0.99, 1.01);
        }

        [Fact]
        public void Restoring_the_generator_state_replays_the_same_mask()
        {
            var random = new NetGenRandom(5);
            T[] x = TestMath.To<T>(TestMath.Uniform(50, 1));
            var first = new T[50];
            var second = new T[50];
            var y = new T[50];
            ulong state = random.State;
            Dropout.ForwardTraining<T>(x, first, y, T.CreateTruncating(0.5), random);
            Dropout.ForwardTraining<T>(x, second, y, T.CreateTruncating(0.5), random);
            Assert.NotEqual(first, second);
            random.State = state;
            Dropout.ForwardTraining<T>(x, second, y, T.CreateTruncating(0.5), random);
            Assert.Equal(first, second);
        }

        [Fact]
        public void Rate_zero_keeps_everything_but_still_draws()
        {
            T[] x = TestMath.To<T>(TestMath.Uniform(9, 1));
            var mask = new T[9];
            var y = new T[9];
            var random = new NetGenRandom(5);
            var reference = new NetGenRandom(5);
            Dropout.ForwardTraining<T>(x, mask, y, T.Zero, random);
            Assert.Equal(x, y);
            Assert.All(mask, value => Assert.Equal(T.One, value));
            for (int i = 0; i < 9; i++)
            {
                reference.NextDouble();
            }

            Assert.Equal(reference.State, random.State);
        }

        [Fact]
        public void Kernels_allocate_nothing()
        {
            T[] x = new T[33], mask = new T[33], y = new T[33];
            var random = new NetGenRandom(1);
            T rate = T.CreateTruncating(0.25);
            TestMath.AssertNoAllocation(() =>
            {
                Dropout.ForwardTraining<T>(x, mask, y, rate, random);
                Dropout.Backward<T>(mask, y, x);
            });
        }

        [Fact]
        public void Rejects_a_rate_outside_zero_to_one_and_mismatched_lengths()
        {
            var random = new NetGenRandom(1);
            Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.ForwardTraining<T>(new T[2], new T[2], new T[2], T.One, random));
            Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.ForwardTraining<T>(new T[2], new T[2], new T[2], -T.One, random));
            Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.ForwardTraining<T>(new T[2], new T[2], new T[2], T.NaN, random));
            var error = Assert.Throws<ArgumentException>(() => Dropout.ForwardTraining<T>(new T[3], new T[2], new T[3], T.Zero, random));
            Assert.Equal("mask", error.ParamName);
            Assert.Contains("expected 3", error.Message);
            Assert.Throws<ArgumentException>(() => Dropout.Backward<T>(new T[3], new T[3], new T[4]));
        }
    }

    public sealed class DropoutSingleTests : DropoutTests<float>
    {
    }

    public sealed class DropoutDoubleTests : DropoutTests<double>
    {
    }
}
