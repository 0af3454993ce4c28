using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace NetGen.Data
{
    /// <summary>
    /// A per-feature affine map <c>x′ = (x − offset)·scale</c>, fitted on the training set and then applied unchanged to
    /// every other set (validation, test, new data), so that no information leaks from them into training.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public abstract class FeatureScaler<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[] _offset;
        private readonly T[] _scale;

        /// <summary>Creates a scaler from per-feature offsets and scales (same length).</summary>
        protected FeatureScaler(double[] offset, double[] scale)
        {
            ArgumentNullException.ThrowIfNull(offset);
            ArgumentNullException.ThrowIfNull(scale);
            if (offset.Length != scale.Length || offset.Length == 0)
            {
                throw new ArgumentException("Offsets and scales must have the same, non-zero length.", nameof(scale));
            }

            Offsets = offset;
            Scales = scale;
            _offset = Array.ConvertAll(offset, T.CreateChecked);
            _scale = Array.ConvertAll(scale, T.CreateChecked);
        }

        /// <summary>The number of features the scaler was fitted on.</summary>
        public int FeatureCount => _offset.Length;

        /// <summary>The value subtracted from each feature.</summary>
        public IReadOnlyList<double> Offsets { get; }

        /// <summary>The factor applied after subtracting; 0 for a feature that was constant in the training set.</summary>
        public IReadOnlyList<double> Scales { get; }

        /// <summary>Scales <paramref name="features"/> (row-major, a whole number of samples) in place.</summary>
        public void Transform(Span<T> features)
        {
            int n = FeatureCount;
            if (features.Length % n != 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{features.Length} values are not a whole number of samples of {n} features (the scaler was fitted on {n})."), nameof(features));
            }

            for (int row = 0; row < features.Length; row += n)
            {
                Span<T> sample = features.Slice(row, n);
                for (int j = 0; j < n; j++)
                {
                    sample[j] = (sample[j] - _offset[j]) * _scale[j];
                }
            }
        }

        /// <summary>A new dataset with scaled copies of the features and the same labels or targets.</summary>
        public Dataset<T> Transform(Dataset<T> data)
        {
            ArgumentNullException.ThrowIfNull(data);
            if (data.FeatureCount != FeatureCount)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The dataset has {data.FeatureCount} features but the scaler was fitted on {FeatureCount}."), nameof(data));
            }

            T[] features = (T[])data.Features.Clone();
            Transform(features);
            return data.WithFeatures(features, data.FeatureCount);
        }

        /// <summary>Per-feature mean, population variance, minimum and maximum, accumulated in <see cref="double"/>.</summary>
        private protected static (double[] Mean, double[] Variance, double[] Min, double[] Max) Statistics(ReadOnlySpan<T> features, int featureCount)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
            if (features.Length == 0 || features.Length % featureCount != 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Fitting needs at least one sample; {features.Length} values are not a whole, non-zero number of samples of {featureCount} features."), nameof(features));
            }

            int count = features.Length / featureCount;
            var mean = new double[featureCount];
            var variance = new double[featureCount];
            var min = new double[featureCount];
            var max = new double[featureCount];
            Array.Fill(min, double.PositiveInfinity);
            Array.Fill(max, double.NegativeInfinity);
            for (int row = 0; row < features.Length; row += featureCount)
            {
                for (int j = 0; j < featureCount; j++)
                {
                    double x = double.CreateTruncating(features[row + j]);
                    if (!double.IsFinite(x))
                    {
                        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Sample {row / featureCount}, feature {j} is {x}; scalers need finite values."), nameof(features));
                    }

                    mean[j] += x;
                    min[j] = Math.Min(min[j], x);
                    max[j] = Math.Max(max[j], x);
                }
            }

            for (int j = 0; j < featureCount; j++)
            {
                mean[j] /= count;
            }

            // Second pass for the variance: Σ(x − μ)² is exact where Σx² − nμ² cancels.
            for (int row = 0; row < features.Length; row += featureCount)
            {
                for (int j = 0; j < featureCount; j++)
                {
                    double d = double.CreateTruncating(features[row + j]) - mean[j];
                    variance[j] += d * d;
                }
            }

            for (int j = 0; j < featureCount; j++)
            {
                variance[j] /= count;
            }

            return (mean, variance, min, max);
        }
    }

    /// <summary>
    /// Standardization: <c>x′ = (x − μ)/σ</c> with the training set's per-feature mean μ and population standard
    /// deviation σ (1/n). A feature that is constant in the training set maps to 0 everywhere.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class Standardizer<T> : FeatureScaler<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private Standardizer(double[] mean, double[] standardDeviation, double[] scale)
            : base(mean, scale)
        {
            Means = mean;
            StandardDeviations = standardDeviation;
        }

        /// <summary>The training set's per-feature means μ.</summary>
        public IReadOnlyList<double> Means { get; }

        /// <summary>The training set's per-feature standard deviations σ (0 for a constant feature).</summary>
        public IReadOnlyList<double> StandardDeviations { get; }

        /// <summary>Fits μ and σ on a training set.</summary>
        public static Standardizer<T> Fit(Dataset<T> training)
        {
            ArgumentNullException.ThrowIfNull(training);
            return Fit(training.Features, training.FeatureCount);
        }

        /// <summary>Fits μ and σ on row-major features <c>[count × featureCount]</c>.</summary>
        public static Standardizer<T> Fit(ReadOnlySpan<T> features, int featureCount)
        {
            var (mean, variance, min, max) = Statistics(features, featureCount);
            var deviation = new double[featureCount];
            var scale = new double[featureCount];
            for (int j = 0; j < featureCount; j++)
            {
                // A constant feature (min = max, exactly) has σ = 0 in exact arithmetic; rounding in μ must not turn it into ±1.
                bool constant = min[j] == max[j];
                deviation[j] = constant ? 0 : Math.Sqrt(variance[j]);
                scale[j] = constant || deviation[j] == 0 ? 0 : 1 / deviation[j];
            }

            return new Standardizer<T>(mean, deviation, scale);
        }
    }

    /// <summary>
    /// Min-max scaling to [0, 1] on the training set: <c>x′ = (x − min)/(max − min)</c>. Other sets can fall outside
    /// [0, 1]. A feature that is constant in the training set maps to 0 everywhere.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class MinMaxScaler<T> : FeatureScaler<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private MinMaxScaler(double[] min, double[] max, double[] scale)
            : base(min, scale)
        {
            Minimums = min;
            Maximums = max;
        }

        /// <summary>The training set's per-feature minimums.</summary>
        public IReadOnlyList<double> Minimums { get; }

        /// <summary>The training set's per-feature maximums.</summary>
        public IReadOnlyList<double> Maximums { get; }

        /// <summary>Fits the minimums and maximums on a training set.</summary>
        public static MinMaxScaler<T> Fit(Dataset<T> training)
        {
            ArgumentNullException.ThrowIfNull(training);
            return Fit(training.Features, training.FeatureCount);
        }

        /// <summary>Fits the minimums and maximums on row-major features <c>[count × featureCount]</c>.</summary>
        public static MinMaxScaler<T> Fit(ReadOnlySpan<T> features, int featureCount)
        {
            var (_, _, min, max) = Statistics(features, featureCount);
            var scale = new double[featureCount];
            for (int j = 0; j < featureCount; j++)
            {
                scale[j] = max[j] > min[j] ? 1 / (max[j] - min[j]) : 0;
            }

            return new MinMaxScaler<T>(min, max, scale);
        }
    }
}
