using System;
using System.Text.RegularExpressions;

namespace NetGen.IntegrationTests;

// InputSize 7, OutputSize 3: sizes that cannot be mistaken for each other or for the batch (4) in a message.
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 3)]
[Input(7)] [Dense(6)] [BatchNorm] [ReLU] [Dropout(0.5)] [Dense(3)] [Softmax]
public partial class GuardedNet;

// A single sigmoid output: labels are 0 or 1.
[Network(Loss = LossFunction.BinaryCrossEntropy, Precision = Precision.Double, Seed = 3)]
[Input(5)] [Dense(4)] [BatchNorm] [Tanh] [Dense(1)] [Sigmoid]
public partial class GuardedBinaryNet;

/// <summary>
/// Bad input is an <see cref="ArgumentException"/> that names the expected size, and leaves Parameters, Gradients,
/// State and the random state exactly as they were.
/// </summary>
public class BadInputTests
{
    private const int Batch = 4;

    private readonly GuardedNet _net = new();
    private readonly float[] _inputs = TestData.Inputs<float>(Batch, GuardedNet.InputSize, 1);
    private readonly int[] _labels = TestData.Labels(Batch, GuardedNet.OutputSize, 1);
    private readonly float[] _targets = TestData.Targets<float>(Batch, GuardedNet.OutputSize, LossFunction.SoftmaxCrossEntropy, 1);

    public BadInputTests()
    {
        // Non-trivial gradients and running statistics, so that "unchanged" means something.
        _net.TrainStep(_inputs, _labels);
    }

    [Fact]
    public void Predict_rejects_an_input_length_that_is_not_a_whole_number_of_samples() =>
        Rejects(() => _net.Predict(Floats(10), new float[3]), "inputs", GuardedNet.InputSize);

    [Fact]
    public void Predict_rejects_an_empty_batch() =>
        Rejects(() => _net.Predict(ReadOnlySpan<float>.Empty, Span<float>.Empty), "inputs", GuardedNet.InputSize);

    [Fact]
    public void Predict_rejects_outputs_of_the_wrong_length() =>
        Rejects(() => _net.Predict(_inputs, new float[(Batch * GuardedNet.OutputSize) - 1]), "outputs", Batch * GuardedNet.OutputSize);

    [Fact]
    public void TrainStep_rejects_an_input_length_that_is_not_a_whole_number_of_samples()
    {
        Rejects(() => _net.TrainStep(Floats((Batch * GuardedNet.InputSize) + 1), _labels), "inputs", GuardedNet.InputSize);
        Rejects(() => _net.TrainStep(Floats((Batch * GuardedNet.InputSize) + 1), _targets), "inputs", GuardedNet.InputSize);
    }

    [Fact]
    public void TrainStep_rejects_an_empty_batch()
    {
        Rejects(() => _net.TrainStep(ReadOnlySpan<float>.Empty, ReadOnlySpan<int>.Empty), "inputs", GuardedNet.InputSize);
        Rejects(() => _net.TrainStep(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty), "inputs", GuardedNet.InputSize);
    }

    [Fact]
    public void TrainStep_rejects_a_label_count_that_differs_from_the_batch() =>
        Rejects(() => _net.TrainStep(_inputs, new int[Batch - 1]), "labels", Batch);

    [Fact]
    public void TrainStep_rejects_targets_of_the_wrong_length() =>
        Rejects(() => _net.TrainStep(_inputs, new float[(Batch * GuardedNet.OutputSize) + 1]), "targets", Batch * GuardedNet.OutputSize);

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(int.MaxValue)]
    public void TrainStep_rejects_a_label_out_of_range(int label)
    {
        int[] labels = (int[])_labels.Clone();
        labels[2] = label;
        ArgumentException exception = Rejects(() => _net.TrainStep(_inputs, labels), "labels", GuardedNet.OutputSize);
        Assert.Contains(label.ToString(System.Globalization.CultureInfo.InvariantCulture), exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void A_single_sigmoid_output_takes_labels_0_and_1_only(int label)
    {
        var net = new GuardedBinaryNet();
        double[] inputs = TestData.Inputs<double>(Batch, GuardedBinaryNet.InputSize, 2);
        net.TrainStep(inputs, new[] { 0, 1, 1, 0 });
        Snapshot before = new(net);
        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(inputs, new[] { 0, label, 1, 0 }));
        Assert.Equal("labels", exception.ParamName);
        Assert.Matches(@"\b2\b", exception.Message); // two classes
        before.AssertUnchanged(net);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "∞")]
    public void TrainStep_rejects_a_value_that_is_not_finite_in_the_inputs(float value, string named)
    {
        float[] inputs = (float[])_inputs.Clone();
        inputs[9] = value;
        ArgumentException exception = Rejects(() => _net.TrainStep(inputs, _labels), "inputs", 9, "the offending index");
        Assert.Contains(named, exception.Message, StringComparison.Ordinal);
        exception = Rejects(() => _net.TrainStep(inputs, _targets), "inputs", 9, "the offending index");
        Assert.Contains(named, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_rejects_the_same_bad_input()
    {
        Rejects(() => _net.Evaluate(Floats(10), _labels), "inputs", GuardedNet.InputSize);
        Rejects(() => _net.Evaluate(ReadOnlySpan<float>.Empty, ReadOnlySpan<int>.Empty), "inputs", GuardedNet.InputSize);
        Rejects(() => _net.Evaluate(_inputs, new[] { 0, 1, 5, 0 }), "labels", GuardedNet.OutputSize);
        Rejects(() => _net.Evaluate(_inputs, new int[Batch + 1]), "labels", Batch);
        Rejects(() => _net.Evaluate(_inputs, new float[2]), "targets", Batch * GuardedNet.OutputSize);
    }

    [Fact]
    public void Valid_input_after_a_rejected_call_still_works()
    {
        Assert.ThrowsAny<ArgumentException>(() => _net.TrainStep(new float[10 * GuardedNet.InputSize], new int[9]));
        float loss = _net.TrainStep(_inputs, _labels);
        Assert.True(float.IsFinite(loss) && loss > 0, $"loss {loss}");
    }

    /// <summary>A zero buffer of a length the NG0013 analyzer cannot see (it rejects constant wrong lengths at build time).</summary>
    private static float[] Floats(int length) => new float[length];

    /// <summary>
    /// Asserts that <paramref name="call"/> throws an <see cref="ArgumentException"/> for <paramref name="parameter"/>
    /// whose message contains <paramref name="expected"/> as a whole number, and that it changed nothing.
    /// </summary>
    private ArgumentException Rejects(Action call, string parameter, int expected, string what = "the expected size")
    {
        Snapshot before = new(_net);
        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(parameter, exception.ParamName);
        Assert.True(
            Regex.IsMatch(exception.Message, $@"(?<![\d.]){expected}(?![\d.])"),
            $"The message should name {what} {expected}: \"{exception.Message}\"");
        before.AssertUnchanged(_net);
        return exception;
    }

    private sealed class Snapshot
    {
        private readonly byte[] _parameters;
        private readonly byte[] _gradients;
        private readonly byte[] _state;
        private readonly ulong _random;

        public Snapshot(INetwork<float> net)
        {
            _parameters = TestData.Bytes<float>(net.Parameters);
            _gradients = TestData.Bytes<float>(net.Gradients);
            _state = TestData.Bytes<float>(net.State);
            _random = net.RandomState;
        }

        public Snapshot(INetwork<double> net)
        {
            _parameters = TestData.Bytes<double>(net.Parameters);
            _gradients = TestData.Bytes<double>(net.Gradients);
            _state = TestData.Bytes<double>(net.State);
            _random = net.RandomState;
        }

        public void AssertUnchanged(INetwork<float> net) =>
            AssertUnchanged(TestData.Bytes<float>(net.Parameters), TestData.Bytes<float>(net.Gradients), TestData.Bytes<float>(net.State), net.RandomState);

        public void AssertUnchanged(INetwork<double> net) =>
            AssertUnchanged(TestData.Bytes<double>(net.Parameters), TestData.Bytes<double>(net.Gradients), TestData.Bytes<double>(net.State), net.RandomState);

        private void AssertUnchanged(byte[] parameters, byte[] gradients, byte[] state, ulong random)
        {
            Assert.True(_parameters.AsSpan().SequenceEqual(parameters), "Parameters changed.");
            Assert.True(_gradients.AsSpan().SequenceEqual(gradients), "Gradients changed.");
            Assert.True(_state.AsSpan().SequenceEqual(state), "State changed.");
            Assert.True(_random == random, "RandomState changed.");
        }
    }
}
