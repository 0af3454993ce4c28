using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace NetGen.Data
{
    /// <summary>One fold of a k-fold cross-validation: the samples to train on and the samples to validate on.</summary>
    /// <param name="TrainingIndices">Indices of the training samples (all folds but this one), ascending.</param>
    /// <param name="ValidationIndices">Indices of this fold's samples, ascending.</param>
    public sealed record Fold(int[] TrainingIndices, int[] ValidationIndices);

    /// <summary>Seeded, reproducible splits. Shuffles use NetGen's own SplitMix64 generator (Fisher–Yates), never <see cref="Random"/>.</summary>
    public static class DataSplit
    {
        /// <summary>A random permutation of <c>0 … count − 1</c>, the same for the same seed on every machine.</summary>
        public static int[] Permutation(int count, ulong seed)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            int[] order = new int[count];
            for (int i = 0; i < count; i++)
            {
                order[i] = i;
            }

            var random = new SplitMixShuffler(seed);
            random.Shuffle(order);
            return order;
        }

        /// <summary>
        /// Splits <paramref name="data"/> at random into a training and a validation part; the validation part gets
        /// <c>round(fraction·Count)</c> samples (at least 1 and at most Count − 1). Both parts keep the original order.
        /// </summary>
        /// <param name="data">The samples to split.</param>
        /// <param name="validationFraction">In (0, 1).</param>
        /// <param name="seed">The shuffle seed.</param>
        public static (Dataset<T> Training, Dataset<T> Validation) TrainValidation<T>(Dataset<T> data, double validationFraction, ulong seed)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(data);
            if (!(validationFraction > 0 && validationFraction < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must lie in (0, 1).");
            }

            if (data.Count < 2)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A dataset of {data.Count} samples cannot be split into two non-empty parts."), nameof(data));
            }

            int validationCount = Math.Clamp((int)Math.Round(validationFraction * data.Count), 1, data.Count - 1);
            int[] order = Permutation(data.Count, seed);
            int[] validation = order[..validationCount];
            int[] training = order[validationCount..];
            Array.Sort(validation);
            Array.Sort(training);
            return (data.Select(training), data.Select(validation));
        }

        /// <summary>
        /// K-fold cross-validation indices: the shuffled samples are cut into <paramref name="folds"/> parts whose sizes
        /// differ by at most one; fold <c>i</c> validates on part <c>i</c> and trains on the rest.
        /// </summary>
        public static IReadOnlyList<Fold> KFold(int count, int folds, ulong seed)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
            if (count < folds)
            {
                throw new ArgumentOutOfRangeException(nameof(count), count, string.Create(CultureInfo.InvariantCulture, $"{folds} folds need at least {folds} samples."));
            }

            int[] order = Permutation(count, seed);
            var result = new Fold[folds];
            int start = 0;
            for (int f = 0; f < folds; f++)
            {
                int size = count / folds + (f < count % folds ? 1 : 0);
                int[] validation = order[start..(start + size)];
                int[] training = new int[count - size];
                order.AsSpan(0, start).CopyTo(training);
                order.AsSpan(start + size).CopyTo(training.AsSpan(start));
                Array.Sort(validation);
                Array.Sort(training);
                result[f] = new Fold(training, validation);
                start += size;
            }

            return result;
        }
    }
}
