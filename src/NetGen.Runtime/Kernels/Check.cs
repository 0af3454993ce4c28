using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels
{
    /// <summary>
    /// Argument checks shared by the kernels: each kernel validates its lengths once per call, before its loops. The
    /// messages name the expected size and are only formatted when a check fails, so a valid call allocates nothing.
    /// </summary>
    internal static class Check
    {
        /// <summary>Throws unless <paramref name="value"/> ≥ 0.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void NonNegative(int value, string parameterName)
        {
            if (value < 0)
            {
                ThrowNegative(value, parameterName);
            }
        }

        /// <summary>Throws unless <paramref name="value"/> ≥ 1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Positive(int value, string parameterName)
        {
            if (value < 1)
            {
                ThrowNotPositive(value, parameterName);
            }
        }

        /// <summary><c>a · b</c> for dimensions already checked to be ≥ 0; throws when the product does not fit an <see cref="int"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Product(int a, int b, string shape)
        {
            long product = (long)a * b;
            if (product > int.MaxValue)
            {
                ThrowTooLarge(product, shape);
            }

            return (int)product;
        }

        /// <summary><c>a · b · c</c> for dimensions already checked to be ≥ 0; throws when the product does not fit an <see cref="int"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Product(int a, int b, int c, string shape) => Product(Product(a, b, shape), c, shape);

        /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
        /// <param name="actual">The span's length.</param>
        /// <param name="expected">The length the kernel needs.</param>
        /// <param name="parameterName">The span's parameter name.</param>
        /// <param name="shape">How the expected length is made, e.g. <c>batch × inputs</c>.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Length(int actual, int expected, string parameterName, string shape)
        {
            if (actual != expected)
            {
                ThrowLength(actual, expected, parameterName, shape, optional: false);
            }
        }

        /// <summary>Throws unless <paramref name="actual"/> is 0 (the optional span is absent) or equals <paramref name="expected"/>.</summary>
        /// <returns><see langword="true"/> when the span is present.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Optional(int actual, int expected, string parameterName, string shape)
        {
            if (actual == 0)
            {
                return false;
            }

            if (actual != expected)
            {
                ThrowLength(actual, expected, parameterName, shape, optional: true);
            }

            return true;
        }

        [DoesNotReturn]
        private static void ThrowNegative(int value, string parameterName) =>
            throw new ArgumentOutOfRangeException(parameterName, value, string.Create(CultureInfo.InvariantCulture, $"{parameterName} is {value}; expected a size ≥ 0."));

        [DoesNotReturn]
        private static void ThrowNotPositive(int value, string parameterName) =>
            throw new ArgumentOutOfRangeException(parameterName, value, string.Create(CultureInfo.InvariantCulture, $"{parameterName} is {value}; expected a size ≥ 1."));

        [DoesNotReturn]
        private static void ThrowTooLarge(long product, string shape) =>
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{shape} = {product} values is too large for a span."));

        [DoesNotReturn]
        private static void ThrowLength(int actual, int expected, string parameterName, string shape, bool optional) =>
            throw new ArgumentException(
                optional
                    ? string.Create(CultureInfo.InvariantCulture, $"{parameterName} has {actual} values; expected {expected} ({shape}), or empty to skip it.")
                    : string.Create(CultureInfo.InvariantCulture, $"{parameterName} has {actual} values; expected {expected} ({shape})."),
                parameterName);
    }
}
