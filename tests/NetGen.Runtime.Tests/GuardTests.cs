using System;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    public sealed class GuardTests
    {
        [Theory]
        [InlineData(784, 784, 1)]
        [InlineData(7840, 784, 10)]
        [InlineData(17, 1, 17)]
        public void BatchSize_returns_the_number_of_samples(int length, int sampleSize, int batch) =>
            Assert.Equal(batch, Guard.BatchSize(length, sampleSize, "inputs", "InputSize"));

        [Fact]
        public void Valid_inputs_allocate_nothing()
        {
            double[] inputs = new double[3 * 784];
            int[] labels = [1, 2, 3];
            TestMath.AssertNoAllocation(() =>
            {
                int batch = Guard.BatchSize(inputs.Length, 784, "inputs", "InputSize");
                Guard.BatchLength(30, batch, 10, "outputs", "OutputSize");
                Guard.Length(30, 30, "outputs", "a constant description");
                Guard.Labels(labels, 10, "labels");
                Guard.Finite<double>(inputs, "inputs");
            });
        }

        [Fact]
        public void BatchSize_of_an_empty_span_says_what_was_expected()
        {
            var error = Assert.Throws<ArgumentException>(() => Guard.BatchSize(0, 784, "inputs", "InputSize"));
            Assert.Equal("inputs", error.ParamName);
            Assert.StartsWith("inputs is empty: expected batch × 784 values (InputSize = 784), batch ≥ 1", error.Message);
        }

        [Fact]
        public void BatchSize_of_a_partial_sample_says_what_was_expected()
        {
            var error = Assert.Throws<ArgumentException>(() => Guard.BatchSize(100, 784, "inputs", "InputSize"));
            Assert.Equal("inputs", error.ParamName);
            Assert.StartsWith("inputs has 100 values, which is not a whole number of samples: expected a multiple of InputSize = 784", error.Message);
            Assert.Throws<ArgumentException>(() => Guard.BatchSize(785, 784, "inputs", "InputSize"));
        }

        [Fact]
        public void Length_uses_the_callers_description()
        {
            Guard.Length(30, 30, "outputs", "unused");
            var error = Assert.Throws<ArgumentException>(() =>
                Guard.Length(20, 30, "outputs", "the batch of 3 samples needs 3 × 10 = 30 (OutputSize = 10)"));
            Assert.Equal("outputs", error.ParamName);
            Assert.StartsWith("outputs has 20 values but the batch of 3 samples needs 3 × 10 = 30 (OutputSize = 10)", error.Message);
        }

        [Fact]
        public void Length_appends_the_expected_size_when_the_description_lacks_it()
        {
            var error = Assert.Throws<ArgumentException>(() => Guard.Length(20, 30, "outputs", "batch × OutputSize"));
            Assert.StartsWith("outputs has 20 values but batch × OutputSize: expected 30", error.Message);
            error = Assert.Throws<ArgumentException>(() => Guard.Length(2, 3, "labels", "one label per sample"));
            Assert.StartsWith("labels has 2 values but one label per sample: expected 3", error.Message);
        }

        [Fact]
        public void BatchLength_formats_the_expected_size()
        {
            Guard.BatchLength(30, 3, 10, "outputs", "OutputSize");
            var error = Assert.Throws<ArgumentException>(() => Guard.BatchLength(20, 3, 10, "outputs", "OutputSize"));
            Assert.Equal("outputs", error.ParamName);
            Assert.StartsWith("outputs has 20 values but the batch of 3 samples needs 3 × 10 = 30 (OutputSize = 10)", error.Message);

            error = Assert.Throws<ArgumentException>(() => Guard.BatchLength(5, 1, 10, "targets", "OutputSize"));
            Assert.StartsWith("targets has 5 values but the batch of 1 sample needs 1 × 10 = 10 (OutputSize = 10)", error.Message);
        }

        [Fact]
        public void Labels_names_the_index_the_value_and_the_valid_range()
        {
            Guard.Labels([0, 9, 3], 10, "labels");
            var error = Assert.Throws<ArgumentException>(() => Guard.Labels([0, 9, 3, 10, 2], 10, "labels"));
            Assert.Equal("labels", error.ParamName);
            Assert.Contains("labels[3] is 10", error.Message);
            Assert.Contains("[0, 10)", error.Message);

            error = Assert.Throws<ArgumentException>(() => Guard.Labels([1, -1], 2, "labels"));
            Assert.Contains("labels[1] is -1", error.Message);
            Assert.Contains("[0, 2)", error.Message);
        }

        [Fact]
        public void Finite_names_the_first_value_that_is_not()
        {
            Guard.Finite<double>([1, -2, double.MaxValue, double.Epsilon], "inputs");
            var values = new double[20];
            values[17] = double.NaN;
            values[18] = double.PositiveInfinity;
            var error = Assert.Throws<ArgumentException>(() => Guard.Finite<double>(values, "inputs"));
            Assert.Equal("inputs", error.ParamName);
            Assert.StartsWith("inputs[17] is NaN", error.Message);

            error = Assert.Throws<ArgumentException>(() => Guard.Finite<float>([0f, float.PositiveInfinity], "targets"));
            Assert.StartsWith("targets[1] is +∞", error.Message);
            error = Assert.Throws<ArgumentException>(() => Guard.Finite<float>([float.NegativeInfinity], "targets"));
            Assert.StartsWith("targets[0] is −∞", error.Message);
        }
    }
}
