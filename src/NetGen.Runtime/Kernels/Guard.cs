using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels
{
    /// <summary>
    /// Input validation for the public methods of generated networks. Each check costs a comparison when the input is
    /// valid and allocates nothing; on invalid input it throws an <see cref="ArgumentException"/> whose message states
    /// what was expected, with the sizes, and whose <see cref="ArgumentException.ParamName"/> is the caller's parameter.
    /// </summary>
    public static class Guard
    {
        /// <summary>
        /// The number of samples in a flat batch of <paramref name="length"/> values, <paramref name="sampleSize"/> values
        /// per sample. Throws when the batch is empty or not a whole number of samples, e.g.
        /// <c>inputs is empty: expected batch × 784 values (InputSize = 784), batch ≥ 1</c> or
        /// <c>inputs has 100 values, which is not a whole number of samples: expected a multiple of InputSize = 784</c>.
        /// </summary>
        /// <param name="length">The span's length.</param>
        /// <param name="sampleSize">Values per sample, ≥ 1.</param>
        /// <param name="parameterName">The span's parameter name, e.g. <c>inputs</c>.</param>
        /// <param name="sizeName">The name of the sample size, e.g. <c>InputSize</c>.</param>
        /// <returns>The batch size, ≥ 1.</returns>
        /// <exception cref="ArgumentException">The batch is empty or not a whole number of samples.</exception>
        public static int BatchSize(int length, int sampleSize, string parameterName, string sizeName)
        {
            if (sampleSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(sampleSize), sampleSize, string.Create(CultureInfo.InvariantCulture, $"{sizeName} is {sampleSize}; expected a sample size ≥ 1."));
            }

            if (length <= 0)
            {
                ThrowEmpty(sampleSize, parameterName, sizeName);
            }

            if (length % sampleSize != 0)
            {
                ThrowNotWhole(length, sampleSize, parameterName, sizeName);
            }

            return length / sampleSize;
        }

        /// <summary>
        /// Throws unless <paramref name="actual"/> equals <paramref name="expected"/>, with the message
        /// <c>{parameterName} has {actual} values but {description}</c>, e.g. <c>outputs has 20 values but the batch of 3
        /// samples needs 3 × 10 = 30 (OutputSize = 10)</c>; when the description does not contain the expected length,
        /// <c>: expected {expected}</c> is appended. Pass a constant description (or call this only after a failed
        /// comparison) to keep a valid call allocation-free; <see cref="BatchLength"/> formats the usual description itself.
        /// </summary>
        /// <param name="actual">The span's length.</param>
        /// <param name="expected">The length needed.</param>
        /// <param name="parameterName">The span's parameter name.</param>
        /// <param name="description">What was expected, completing the sentence "… has N values but …".</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static void Length(int actual, int expected, string parameterName, string description)
        {
            if (actual != expected)
            {
                ThrowLength(actual, expected, parameterName, description);
            }
        }

        /// <summary>
        /// Throws unless <paramref name="actual"/> equals <paramref name="batch"/> × <paramref name="sampleSize"/>, with the
        /// message <c>outputs has 20 values but the batch of 3 samples needs 3 × 10 = 30 (OutputSize = 10)</c>, formatted only
        /// when the check fails.
        /// </summary>
        /// <param name="actual">The span's length.</param>
        /// <param name="batch">The number of samples, from the inputs.</param>
        /// <param name="sampleSize">Values per sample in this span.</param>
        /// <param name="parameterName">The span's parameter name, e.g. <c>outputs</c>.</param>
        /// <param name="sizeName">The name of the sample size, e.g. <c>OutputSize</c>.</param>
        /// <exception cref="ArgumentException">The length is not <paramref name="batch"/> × <paramref name="sampleSize"/>.</exception>
        public static void BatchLength(int actual, int batch, int sampleSize, string parameterName, string sizeName)
        {
            if ((long)actual != (long)batch * sampleSize)
            {
                ThrowBatchLength(actual, batch, sampleSize, parameterName, sizeName);
            }
        }

        /// <summary>
        /// Throws unless every label is a class index in [0, <paramref name="classes"/>), naming the first one that is not,
        /// e.g. <c>labels[4] is 10, but a label must be a class in [0, 10) (10 classes)</c>. A network with a single sigmoid
        /// output has 2 classes (labels 0 and 1).
        /// </summary>
        /// <param name="labels">The labels.</param>
        /// <param name="classes">The number of classes, ≥ 1.</param>
        /// <param name="parameterName">The span's parameter name, e.g. <c>labels</c>.</param>
        /// <exception cref="ArgumentException">A label is out of range.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Labels(ReadOnlySpan<int> labels, int classes, string parameterName)
        {
            if (classes < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(classes), classes, string.Create(CultureInfo.InvariantCulture, $"classes is {classes}; expected ≥ 1."));
            }

            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classes)
                {
                    ThrowLabel(i, labels[i], classes, parameterName);
                }
            }
        }

        /// <summary>
        /// Throws when a value is NaN or infinite, naming the first one, e.g. <c>inputs[17] is NaN</c>.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="values">The values.</param>
        /// <param name="parameterName">The span's parameter name, e.g. <c>inputs</c>.</param>
        /// <exception cref="ArgumentException">A value is NaN, +∞ or −∞.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Finite<T>(ReadOnlySpan<T> values, string parameterName)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int start = 0;
            if (Vector.IsHardwareAccelerated && values.Length >= Vector<T>.Count)
            {
                // x · 0 is ±0 for a finite x and NaN for NaN or ±∞, so the sum below stays 0 exactly when every value is
                // finite. Only then is the scalar search skipped (up to the last partial vector).
                // Four sums side by side, so that the additions do not wait for one another.
                Vector<T> sum = Vector<T>.Zero, sum1 = Vector<T>.Zero, sum2 = Vector<T>.Zero, sum3 = Vector<T>.Zero;
                int width = Vector<T>.Count;
                int end = values.Length - (values.Length % width);
                ref T first = ref MemoryMarshal.GetReference(values);
                int i = 0;
                for (; i <= end - (4 * width); i += 4 * width)
                {
                    sum += Vector.LoadUnsafe(ref first, (nuint)i) * Vector<T>.Zero;
                    sum1 += Vector.LoadUnsafe(ref first, (nuint)(i + width)) * Vector<T>.Zero;
                    sum2 += Vector.LoadUnsafe(ref first, (nuint)(i + (2 * width))) * Vector<T>.Zero;
                    sum3 += Vector.LoadUnsafe(ref first, (nuint)(i + (3 * width))) * Vector<T>.Zero;
                }

                for (; i < end; i += width)
                {
                    sum += Vector.LoadUnsafe(ref first, (nuint)i) * Vector<T>.Zero;
                }

                sum += sum1 + sum2 + sum3;

                if (Vector.EqualsAll(sum, Vector<T>.Zero))
                {
                    start = end;
                }
            }

            for (int i = start; i < values.Length; i++)
            {
                if (!T.IsFinite(values[i]))
                {
                    ThrowNotFinite(i, T.IsNaN(values[i]) ? "NaN" : T.IsPositive(values[i]) ? "+∞" : "−∞", parameterName);
                }
            }
        }

        [DoesNotReturn]
        private static void ThrowEmpty(int sampleSize, string parameterName, string sizeName) =>
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{parameterName} is empty: expected batch × {sampleSize} values ({sizeName} = {sampleSize}), batch ≥ 1"),
                parameterName);

        [DoesNotReturn]
        private static void ThrowNotWhole(int length, int sampleSize, string parameterName, string sizeName) =>
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{parameterName} has {length} values, which is not a whole number of samples: expected a multiple of {sizeName} = {sampleSize}"),
                parameterName);

        [DoesNotReturn]
        private static void ThrowLength(int actual, int expected, string parameterName, string description)
        {
            // A description that does not state the expected length (e.g. "batch × OutputSize") gets it appended.
            string count = expected.ToString(CultureInfo.InvariantCulture);
            string suffix = description.Contains(count, StringComparison.Ordinal) ? string.Empty : ": expected " + count;
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{parameterName} has {actual} values but {description}{suffix}"), parameterName);
        }

        [DoesNotReturn]
        private static void ThrowBatchLength(int actual, int batch, int sampleSize, string parameterName, string sizeName) =>
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{parameterName} has {actual} values but the batch of {batch} {(batch == 1 ? "sample" : "samples")} needs {batch} × {sampleSize} = {(long)batch * sampleSize} ({sizeName} = {sampleSize})"),
                parameterName);

        [DoesNotReturn]
        private static void ThrowLabel(int index, int label, int classes, string parameterName) =>
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{parameterName}[{index}] is {label}, but a label must be a class in [0, {classes}) ({classes} classes)"),
                parameterName);

        [DoesNotReturn]
        private static void ThrowNotFinite(int index, string what, string parameterName) =>
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{parameterName}[{index}] is {what}; every value must be finite"), parameterName);
    }
}
