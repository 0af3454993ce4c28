using System;
using System.Collections.Generic;
using System.Numerics;

namespace NetGen.Runtime.Tests
{
    /// <summary>Test data, naive references and comparisons shared by the kernel tests.</summary>
    internal static class TestMath
    {
        /// <summary>Lengths around the SIMD widths (4 doubles, 8 or 16 floats), plus the empty and single cases.</summary>
        public static readonly int[] Lengths = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33];

        public static IEnumerable<object[]> LengthData()
        {
            foreach (int length in Lengths)
            {
                yield return [length];
            }
        }

        /// <summary>Uniform values in [low, high) from <see cref="System.Random"/> (independent of the code under test).</summary>
        public static double[] Uniform(int count, int seed, double low = -2, double high = 2)
        {
            var random = new Random(seed);
            var values = new double[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = low + ((high - low) * random.NextDouble());
            }

            return values;
        }

        /// <summary>Uniform values in ±[margin, limit): kept away from 0, where ReLU-like functions have a kink.</summary>
        public static double[] AwayFromZero(int count, int seed, double margin = 0.05, double limit = 2)
        {
            var random = new Random(seed);
            var values = new double[count];
            for (int i = 0; i < count; i++)
            {
                double magnitude = margin + ((limit - margin) * random.NextDouble());
                values[i] = random.Next(2) == 0 ? -magnitude : magnitude;
            }

            return values;
        }

        public static T[] To<T>(double[] values)
            where T : INumberBase<T>
        {
            var result = new T[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                result[i] = T.CreateTruncating(values[i]);
            }

            return result;
        }

        public static double[] ToDouble<T>(ReadOnlySpan<T> values)
            where T : INumberBase<T>
        {
            var result = new double[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                result[i] = double.CreateTruncating(values[i]);
            }

            return result;
        }

        /// <summary>Rounds each value to T and back, so a reference in double sees exactly the kernel's inputs.</summary>
        public static double[] Rounded<T>(double[] values)
            where T : INumberBase<T> => ToDouble<T>(To<T>(values));

        /// <summary>Relative tolerance for comparing a kernel in T with a reference in double.</summary>
        public static double Tolerance<T>() => typeof(T) == typeof(float) ? 2e-5 : 1e-12;

        /// <summary>Asserts |actual − expected| ≤ tolerance · max(1, |expected|) for every element.</summary>
        public static void AllClose<T>(double[] expected, ReadOnlySpan<T> actual, double tolerance, string what = "")
            where T : INumberBase<T>
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                double value = double.CreateTruncating(actual[i]);
                double allowed = tolerance * Math.Max(1, Math.Abs(expected[i]));
                Assert.True(
                    Math.Abs(value - expected[i]) <= allowed,
                    $"{what}[{i}]: expected {expected[i]:R}, got {value:R} (tolerance {allowed:G3})");
            }
        }

        /// <summary>Asserts |actual − expected| ≤ tolerance · max(1, |expected|).</summary>
        public static void Close(double expected, double actual, double tolerance, string what = "")
        {
            double allowed = tolerance * Math.Max(1, Math.Abs(expected));
            Assert.True(Math.Abs(actual - expected) <= allowed, $"{what}: expected {expected:R}, got {actual:R} (tolerance {allowed:G3})");
        }

        /// <summary>Central differences of <paramref name="f"/> with respect to every element of <paramref name="x"/>.</summary>
        public static double[] NumericGradient(Func<double> f, double[] x, double h = 1e-6)
        {
            var gradient = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                double original = x[i];
                x[i] = original + h;
                double plus = f();
                x[i] = original - h;
                double minus = f();
                x[i] = original;
                gradient[i] = (plus - minus) / (2 * h);
            }

            return gradient;
        }

        public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
        {
            double sum = 0;
            for (int i = 0; i < a.Length; i++)
            {
                sum += a[i] * b[i];
            }

            return sum;
        }

        /// <summary>Asserts that <paramref name="action"/> allocates nothing on the managed heap, after one warm-up call.</summary>
        public static void AssertNoAllocation(Action action)
        {
            action();
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"allocated {allocated} bytes");
        }

        /// <summary>Fills a span with a recognizable garbage value, to show that a kernel overwrites it.</summary>
        public static T[] Garbage<T>(int count)
            where T : INumberBase<T>
        {
            var values = new T[count];
            Array.Fill(values, T.CreateTruncating(12345.0));
            return values;
        }
    }
}
