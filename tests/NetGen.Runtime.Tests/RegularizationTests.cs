using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    public abstract class RegularizationTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static IEnumerable<object[]> Lengths() => TestMath.LengthData();

        [Theory]
        [MemberData(nameof(Lengths))]
        public void Apply_returns_the_penalty_and_adds_its_gradient(int n)
        {
            const double l1 = 0.01, l2 = 0.003;
            double[] w = TestMath.Rounded<T>(TestMath.Uniform(n, n));
            if (n > 2)
            {
                w[2] = 0;
            }

            double[] dw0 = TestMath.Rounded<T>(TestMath.Uniform(n, 50 + n));
            T l1T = T.CreateTruncating(l1), l2T = T.CreateTruncating(l2);
            double a = double.CreateTruncating(l1T), b = double.CreateTruncating(l2T);
            double penalty = 0;
            var expected = (double[])dw0.Clone();
            for (int i = 0; i < n; i++)
            {
                penalty += (a * Math.Abs(w[i])) + (0.5 * b * w[i] * w[i]);
                expected[i] += (a * Math.Sign(w[i])) + (b * w[i]);
            }

            T[] dw = TestMath.To<T>(dw0);
            T value = Regularization.Apply<T>(TestMath.To<T>(w), dw, l1T, l2T);
            TestMath.Close(penalty, double.CreateTruncating(value), TestMath.Tolerance<T>(), "penalty");
            TestMath.AllClose(expected, dw, TestMath.Tolerance<T>(), "dw");
            Assert.Equal(value, Regularization.Penalty<T>(TestMath.To<T>(w), l1T, l2T));
        }

        [Fact]
        public void Zero_coefficients_leave_the_gradient_alone()
        {
            T[] w = TestMath.To<T>([1, -2, 3]);
            T[] dw = TestMath.To<T>([4, 5, 6]);
            Assert.Equal(T.Zero, Regularization.Apply<T>(w, dw, T.Zero, T.Zero));
            Assert.Equal(TestMath.To<T>([4, 5, 6]), dw);
            Assert.Equal(T.Zero, Regularization.Penalty<T>(w, T.Zero, T.Zero));
        }

        [Fact]
        public void The_L1_gradient_at_zero_is_zero()
        {
            T[] dw = new T[1];
            Regularization.Apply<T>(new T[1], dw, T.One, T.One);
            Assert.Equal(T.Zero, dw[0]);
        }

        [Fact]
        public void Apply_and_Penalty_allocate_nothing()
        {
            T[] w = new T[17], dw = new T[17];
            T l1 = T.CreateTruncating(0.1), l2 = T.CreateTruncating(0.2);
            TestMath.AssertNoAllocation(() =>
            {
                Regularization.Apply<T>(w, dw, l1, l2);
                Regularization.Penalty<T>(w, l1, l2);
            });
        }

        [Fact]
        public void Apply_rejects_mismatched_lengths()
        {
            var error = Assert.Throws<ArgumentException>(() => Regularization.Apply<T>(new T[3], new T[2], T.One, T.One));
            Assert.Equal("dw", error.ParamName);
            Assert.Contains("expected 3", error.Message);
        }
    }

    public sealed class RegularizationSingleTests : RegularizationTests<float>
    {
    }

    public sealed class RegularizationDoubleTests : RegularizationTests<double>
    {
        [Fact]
        public void Apply_gradient_matches_central_differences_of_Penalty()
        {
            double[] w = TestMath.AwayFromZero(17, 3);
            var dw = new double[17];
            Regularization.Apply<double>(w, dw, 0.02, 0.1);
            TestMath.AllClose(TestMath.NumericGradient(() => Regularization.Penalty<double>(w, 0.02, 0.1), w), dw, 1e-8, "dw");
        }
    }
}
