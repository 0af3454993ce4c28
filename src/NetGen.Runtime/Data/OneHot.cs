using System;
using System.Globalization;
using System.Numerics;

namespace NetGen.Data
{
    /// <summary>One-hot encoding of class labels: label <c>k</c> becomes a row of <c>classCount</c> zeros with a 1 at <c>k</c>.</summary>
    public static class OneHot
    {
        /// <summary>Encodes <paramref name="labels"/> into a new row-major array <c>[labels.Length × classCount]</c>.</summary>
        public static T[] Encode<T>(ReadOnlySpan<int> labels, int classCount)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
            var rows = new T[labels.Length * classCount];
            Encode(labels, classCount, rows.AsSpan());
            return rows;
        }

        /// <summary>Encodes <paramref name="labels"/> into <paramref name="destination"/> <c>[labels.Length × classCount]</c>, overwriting it.</summary>
        public static void Encode<T>(ReadOnlySpan<int> labels, int classCount, Span<T> destination)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
            if (destination.Length != labels.Length * classCount)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The destination holds {destination.Length} values; {labels.Length} labels × {classCount} classes need {labels.Length * classCount}."), nameof(destination));
            }

            destination.Clear();
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(labels), string.Create(CultureInfo.InvariantCulture, $"Label {labels[i]} at position {i} is outside [0, {classCount})."));
                }

                destination[i * classCount + labels[i]] = T.One;
            }
        }

        /// <summary>The inverse: the index of the largest value of each row (the first one on ties).</summary>
        public static int[] Decode<T>(ReadOnlySpan<T> rows, int classCount)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
            if (rows.Length % classCount != 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{rows.Length} values are not a whole number of rows of {classCount}."), nameof(rows));
            }

            var labels = new int[rows.Length / classCount];
            for (int i = 0; i < labels.Length; i++)
            {
                labels[i] = ArgMax(rows.Slice(i * classCount, classCount));
            }

            return labels;
        }

        /// <summary>A dataset whose labels are replaced by one-hot targets, for losses that take targets (e.g. mean squared error).</summary>
        public static Dataset<T> ToTargets<T>(Dataset<T> labeled, int classCount)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(labeled);
            int[] labels = labeled.Labels ?? throw new ArgumentException("The dataset has no labels to encode.", nameof(labeled));
            return new Dataset<T>(labeled.Features, labeled.FeatureCount, Encode<T>(labels, classCount), classCount);
        }

        /// <summary>The index of the largest value (the first one on ties; NaN never wins).</summary>
        public static int ArgMax<T>(ReadOnlySpan<T> values)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int best = 0;
            for (int i = 1; i < values.Length; i++)
            {
                if (values[i] > values[best] || T.IsNaN(values[best]))
                {
                    best = i;
                }
            }

            return best;
        }
    }
}
