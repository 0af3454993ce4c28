using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace NetGen.Data
{
    /// <summary>
    /// Samples for training or evaluation: a row-major feature matrix <c>[Count × FeatureCount]</c> with either class
    /// labels (one <see cref="int"/> per sample), real-valued targets <c>[Count × TargetSize]</c>, or neither (data to
    /// predict on). The arrays are shared, not copied: changing them changes the dataset.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class Dataset<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private Dataset(T[] features, int featureCount, int[]? labels, T[]? targets, int targetSize, IReadOnlyList<string>? classNames)
        {
            ArgumentNullException.ThrowIfNull(features);
            ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
            if (features.Length % featureCount != 0)
            {
                throw new ArgumentException(Invariant($"The feature array holds {features.Length} values, not a whole number of samples of {featureCount} features."), nameof(features));
            }

            Count = features.Length / featureCount;
            Features = features;
            FeatureCount = featureCount;
            Labels = labels;
            Targets = targets;
            TargetSize = targetSize;
            ClassNames = classNames;
        }

        /// <summary>A dataset with class labels.</summary>
        /// <param name="features">The samples, row-major <c>[count × featureCount]</c>.</param>
        /// <param name="featureCount">Features per sample.</param>
        /// <param name="labels">One class index per sample, in [0, int.MaxValue − 1] (so that <see cref="ClassCount"/> fits in an int).</param>
        /// <param name="classNames">Optional names of the classes, indexed by label.</param>
        public Dataset(T[] features, int featureCount, int[] labels, IReadOnlyList<string>? classNames = null)
            : this(features, featureCount, labels ?? throw new ArgumentNullException(nameof(labels)), null, 0, classNames)
        {
            if (labels.Length != Count)
            {
                throw new ArgumentException(Invariant($"There are {labels.Length} labels for {Count} samples."), nameof(labels));
            }

            for (int i = 0; i < labels.Length; i++)
            {
                if (labels[i] < 0 || labels[i] == int.MaxValue || (classNames is not null && labels[i] >= classNames.Count))
                {
                    string range = classNames is null ? Invariant($"in [0, {int.MaxValue - 1}] (the class count is the largest label + 1)") : Invariant($"in [0, {classNames.Count})");
                    throw new ArgumentException(Invariant($"Label {labels[i]} of sample {i} must be {range}."), nameof(labels));
                }
            }
        }

        /// <summary>A dataset with real-valued targets.</summary>
        /// <param name="features">The samples, row-major <c>[count × featureCount]</c>.</param>
        /// <param name="featureCount">Features per sample.</param>
        /// <param name="targets">The targets, row-major <c>[count × targetSize]</c>.</param>
        /// <param name="targetSize">Target values per sample.</param>
        public Dataset(T[] features, int featureCount, T[] targets, int targetSize)
            : this(features, featureCount, null, targets ?? throw new ArgumentNullException(nameof(targets)), targetSize, null)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(targetSize, 1);
            if (targets.Length != (long)Count * targetSize)
            {
                throw new ArgumentException(Invariant($"There are {targets.Length} target values for {Count} samples of {targetSize}; expected {(long)Count * targetSize}."), nameof(targets));
            }
        }

        /// <summary>A dataset of features only, e.g. to predict on.</summary>
        public static Dataset<T> Unlabeled(T[] features, int featureCount) => new(features, featureCount, null, null, 0, null);

        /// <summary>The number of samples.</summary>
        public int Count { get; }

        /// <summary>Features per sample.</summary>
        public int FeatureCount { get; }

        /// <summary>All features, row-major <c>[Count × FeatureCount]</c>.</summary>
        public T[] Features { get; }

        /// <summary>The class labels, or null when the dataset has targets or nothing.</summary>
        public int[]? Labels { get; }

        /// <summary>The real-valued targets <c>[Count × TargetSize]</c>, or null.</summary>
        public T[]? Targets { get; }

        /// <summary>Target values per sample; 0 when there are no targets.</summary>
        public int TargetSize { get; }

        /// <summary>The class names indexed by label, when known.</summary>
        public IReadOnlyList<string>? ClassNames { get; }

        /// <summary>The number of classes: the length of <see cref="ClassNames"/>, else the largest label + 1; 0 without labels.</summary>
        public int ClassCount
        {
            get
            {
                if (ClassNames is not null)
                {
                    return ClassNames.Count;
                }

                int max = -1;
                foreach (int label in Labels ?? Array.Empty<int>())
                {
                    max = Math.Max(max, label);
                }

                return max + 1;
            }
        }

        /// <summary>The features of sample <paramref name="index"/>.</summary>
        public ReadOnlySpan<T> FeaturesOf(int index)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return Features.AsSpan(index * FeatureCount, FeatureCount);
        }

        /// <summary>How many samples each class has, indexed by label (empty without labels).</summary>
        public int[] ClassCounts()
        {
            int[] counts = new int[ClassCount];
            foreach (int label in Labels ?? Array.Empty<int>())
            {
                counts[label]++;
            }

            return counts;
        }

        /// <summary>A new dataset with copies of the samples at <paramref name="indices"/>, in that order.</summary>
        public Dataset<T> Select(ReadOnlySpan<int> indices)
        {
            var features = new T[indices.Length * FeatureCount];
            int[]? labels = Labels is null ? null : new int[indices.Length];
            T[]? targets = Targets is null ? null : new T[indices.Length * TargetSize];
            for (int i = 0; i < indices.Length; i++)
            {
                int source = indices[i];
                if ((uint)source >= (uint)Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(indices), Invariant($"Index {source} at position {i} is outside the dataset's {Count} samples."));
                }

                Features.AsSpan(source * FeatureCount, FeatureCount).CopyTo(features.AsSpan(i * FeatureCount));
                if (labels is not null)
                {
                    labels[i] = Labels![source];
                }

                if (targets is not null)
                {
                    Targets.AsSpan(source * TargetSize, TargetSize).CopyTo(targets.AsSpan(i * TargetSize));
                }
            }

            return new Dataset<T>(features, FeatureCount, labels, targets, TargetSize, ClassNames);
        }

        /// <summary>A new dataset with copies of <paramref name="count"/> samples starting at <paramref name="start"/>.</summary>
        public Dataset<T> Slice(int start, int count)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(start);
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            if (start + (long)count > Count)
            {
                throw new ArgumentOutOfRangeException(nameof(count), Invariant($"Samples [{start}, {start + (long)count}) are outside the dataset's {Count} samples."));
            }

            int[] indices = new int[count];
            for (int i = 0; i < count; i++)
            {
                indices[i] = start + i;
            }

            return Select(indices);
        }

        /// <summary>The same labels or targets with other features (e.g. scaled ones) of <paramref name="featureCount"/> per sample.</summary>
        public Dataset<T> WithFeatures(T[] features, int featureCount)
        {
            ArgumentNullException.ThrowIfNull(features);
            if (features.Length != (long)Count * featureCount)
            {
                throw new ArgumentException(Invariant($"Expected {Count} samples × {featureCount} features = {(long)Count * featureCount} values but got {features.Length}."), nameof(features));
            }

            return new Dataset<T>(features, featureCount, Labels, Targets, TargetSize, ClassNames);
        }

        /// <inheritdoc/>
        public override string ToString()
        {
            string kind = Labels is not null ? Invariant($"{ClassCount} classes") : Targets is not null ? Invariant($"{TargetSize} targets") : "unlabeled";
            return Invariant($"{Count} samples × {FeatureCount} features, {kind}");
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
