using System;
using System.Linq;
using NetGen.Data;

namespace NetGen.Runtime.Tests.Data
{
    public class PreprocessingTests
    {
        // Training set: feature 0 = 1, 2, 3 (μ = 2, σ = √(2/3)); feature 1 = 5, 5, 5 (constant).
        private static readonly Dataset<double> Training = new(new double[] { 1, 5, 2, 5, 3, 5 }, 2, new[] { 0, 1, 0 });

        [Fact]
        public void Standardizer_FitsMeanAndPopulationDeviation()
        {
            var scaler = Standardizer<double>.Fit(Training);
            Assert.Equal(new[] { 2.0, 5.0 }, scaler.Means);
            Assert.Equal(Math.Sqrt(2.0 / 3.0), scaler.StandardDeviations[0], 1e-15);
            Assert.Equal(0, scaler.StandardDeviations[1]);

            Dataset<double> scaled = scaler.Transform(Training);
            double s = Math.Sqrt(1.5);
            Assert.Equal(new[] { -s, 0, 0, 0, s, 0 }, scaled.Features, (a, b) => Math.Abs(a - b) < 1e-12);
            Assert.Equal(Training.Labels, scaled.Labels);
            Assert.Equal(1.0, Training.Features[0]); // the original is untouched
        }

        [Fact]
        public void Standardizer_AppliesTrainingStatisticsToOtherSets()
        {
            var scaler = Standardizer<double>.Fit(Training);
            double[] test = { 4, 7 };
            scaler.Transform(test.AsSpan());
            Assert.Equal(2 / Math.Sqrt(2.0 / 3.0), test[0], 1e-12);
            Assert.Equal(0, test[1]); // zero-variance feature stays at 0
        }

        [Fact]
        public void Standardizer_ConstantFractionStaysZero()
        {
            // 0.1 three times: μ computed in floating point may differ from 0.1 by one ulp; the feature must still map to 0.
            var scaler = Standardizer<double>.Fit(new double[] { 0.1, 0.1, 0.1 }, 1);
            double[] x = { 0.1, 0.1 };
            scaler.Transform(x.AsSpan());
            Assert.Equal(new double[] { 0, 0 }, x);
        }

        [Fact]
        public void Standardizer_WrongWidth_Throws()
        {
            var scaler = Standardizer<double>.Fit(Training);
            Assert.Throws<ArgumentException>(() => scaler.Transform(new double[3].AsSpan()));
        }

        [Fact]
        public void MinMax_ScalesToUnitInterval()
        {
            var scaler = MinMaxScaler<float>.Fit(new float[] { 1, 5, 2, 5, 3, 5 }, 2);
            float[] x = { 1, 5, 3, 5, 4, 0 };
            scaler.Transform(x.AsSpan());
            Assert.Equal(new float[] { 0, 0, 1, 0, 1.5f, 0 }, x);
        }

        [Fact]
        public void OneHot_EncodesAndDecodes()
        {
            double[] rows = OneHot.Encode<double>(new[] { 2, 0 }, 3);
            Assert.Equal(new double[] { 0, 0, 1, 1, 0, 0 }, rows);
            Assert.Equal(new[] { 2, 0 }, OneHot.Decode<double>(rows, 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode<double>(new[] { 3 }, 3));
            Dataset<double> targets = OneHot.ToTargets(Training, 2);
            Assert.Equal(2, targets.TargetSize);
            Assert.Equal(new double[] { 1, 0, 0, 1, 1, 0 }, targets.Targets);
        }

        [Fact]
        public void Permutation_IsSeededAndComplete()
        {
            int[] a = DataSplit.Permutation(100, 7);
            Assert.Equal(a, DataSplit.Permutation(100, 7));
            Assert.NotEqual(a, DataSplit.Permutation(100, 8));
            Assert.Equal(Enumerable.Range(0, 100), a.OrderBy(i => i));
            Assert.NotEqual(Enumerable.Range(0, 100), a);
        }

        [Fact]
        public void TrainValidation_SplitsDisjointly()
        {
            var data = new Dataset<double>(Enumerable.Range(0, 50).Select(i => (double)i).ToArray(), 1, Enumerable.Range(0, 50).Select(i => i % 3).ToArray());
            var (training, validation) = DataSplit.TrainValidation(data, 0.2, 42);
            Assert.Equal(40, training.Count);
            Assert.Equal(10, validation.Count);
            Assert.Equal(Enumerable.Range(0, 50).Select(i => (double)i), training.Features.Concat(validation.Features).OrderBy(x => x));
            for (int i = 0; i < validation.Count; i++)
            {
                Assert.Equal((int)validation.Features[i] % 3, validation.Labels![i]);
            }

            var (_, again) = DataSplit.TrainValidation(data, 0.2, 42);
            Assert.Equal(validation.Features, again.Features);
            var (_, other) = DataSplit.TrainValidation(data, 0.2, 43);
            Assert.NotEqual(validation.Features, other.Features);
        }

        [Fact]
        public void KFold_CoversEverySampleOnce()
        {
            var folds = DataSplit.KFold(10, 3, 1);
            Assert.Equal(3, folds.Count);
            Assert.Equal(Enumerable.Range(0, 10), folds.SelectMany(f => f.ValidationIndices).OrderBy(i => i));
            Assert.All(folds, f => Assert.InRange(f.ValidationIndices.Length, 3, 4));
            Assert.All(folds, f => Assert.Empty(f.TrainingIndices.Intersect(f.ValidationIndices)));
            Assert.All(folds, f => Assert.Equal(10, f.TrainingIndices.Length + f.ValidationIndices.Length));
            Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.KFold(2, 3, 1));
        }

        [Fact]
        public void Dataset_ValidatesItsShape()
        {
            Assert.Throws<ArgumentException>(() => new Dataset<double>(new double[5], 2, new[] { 0, 1 }));
            Assert.Throws<ArgumentException>(() => new Dataset<double>(new double[4], 2, new[] { 0 }));
            Assert.Throws<ArgumentException>(() => new Dataset<double>(new double[4], 2, new[] { 0, -1 }));
            Assert.Throws<ArgumentException>(() => new Dataset<double>(new double[4], 2, new double[3], 2));
            Dataset<double> slice = Training.Slice(1, 2);
            Assert.Equal(new double[] { 2, 5, 3, 5 }, slice.Features);
            Assert.Equal(new[] { 1, 0 }, slice.Labels);
        }
    }
}
