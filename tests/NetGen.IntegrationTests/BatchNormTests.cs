using System;
using System.Linq;

namespace NetGen.IntegrationTests;

// A lone BatchNorm under MSE with zero targets: the loss is ½·mean Σ y², so the training-mode and inference-mode
// outputs can be computed by hand.
[Network(Precision = Precision.Double)] [Input(3)] [BatchNorm(Momentum = 0.8, Epsilon = 1e-3)]
public partial class BnProbe;

[Network(Precision = Precision.Double)] [Input(3)] [BatchNorm(Momentum = 0, Epsilon = 1e-3)]
public partial class BnNoMomentum;

/// <summary>Batch normalization: running statistics, and training mode against inference mode.</summary>
public class BatchNormTests
{
    private const int Batch = 4;
    private const int Features = 3;

    [Fact]
    public void Running_statistics_follow_the_momentum_rule_from_mean_0_and_variance_1()
    {
        var net = new BnProbe(1);
        Assert.Equal(2 * Features, BnProbe.StateCount);
        Assert.Equal(new double[] { 0, 0, 0, 1, 1, 1 }, net.State.ToArray());

        double[] first = TestData.Inputs<double>(Batch, Features, 1);
        double[] second = TestData.Inputs<double>(Batch, Features, 2);
        net.TrainStep(first, new double[Batch * Features]);
        var expected = new double[2 * Features];
        for (int f = 0; f < Features; f++)
        {
            (double mean, double variance) = BatchStatistics(first, f);
            expected[f] = (0.8 * 0) + (0.2 * mean);
            expected[Features + f] = (0.8 * 1) + (0.2 * variance);
        }

        TestData.AssertClose(expected, net.State.ToArray(), 1e-14, "running statistics after one step");

        net.TrainStep(second, new double[Batch * Features]);
        for (int f = 0; f < Features; f++)
        {
            (double mean, double variance) = BatchStatistics(second, f);
            expected[f] = (0.8 * expected[f]) + (0.2 * mean);
            expected[Features + f] = (0.8 * expected[Features + f]) + (0.2 * variance);
        }

        TestData.AssertClose(expected, net.State.ToArray(), 1e-14, "running statistics after two steps");
    }

    [Fact]
    public void Predict_uses_the_running_statistics()
    {
        var net = new BnProbe(1);
        net.TrainStep(TestData.Inputs<double>(Batch, Features, 1), new double[Batch * Features]);
        double[] gamma = { 1.5, -0.5, 2 }, beta = { 0.25, 1, -3 };
        gamma.CopyTo(net.BatchNorm1["γ"]!.Values);
        beta.CopyTo(net.BatchNorm1["β"]!.Values);
        double[] state = net.State.ToArray();

        double[] inputs = TestData.Inputs<double>(Batch, Features, 3);
        var outputs = new double[Batch * Features];
        net.Predict(inputs, outputs);

        var expected = new double[Batch * Features];
        for (int s = 0; s < Batch; s++)
        {
            for (int f = 0; f < Features; f++)
            {
                double x = inputs[(s * Features) + f];
                expected[(s * Features) + f] = (gamma[f] * (x - state[f]) / Math.Sqrt(state[Features + f] + 1e-3)) + beta[f];
            }
        }

        TestData.AssertClose(expected, outputs, 1e-14, "Predict");
        Assert.Equal(state, net.State.ToArray()); // inference leaves the running statistics alone
    }

    [Fact]
    public void Training_normalizes_with_the_batch_and_inference_with_the_running_statistics()
    {
        var net = new BnProbe(1);
        double[] inputs = TestData.Inputs<double>(Batch, Features, 4);
        var zeros = new double[Batch * Features];

        // Inference with the initial running statistics (mean 0, variance 1): y = x/√(1 + ε).
        double expectedInference = 0;
        foreach (double x in inputs)
        {
            expectedInference += 0.5 * x * x / (1 + 1e-3);
        }

        expectedInference /= Batch;

        // Training with the batch's statistics: Σ_s x̂² = m·σ²/(σ² + ε) per feature.
        double expectedTraining = 0;
        for (int f = 0; f < Features; f++)
        {
            (_, double variance) = BatchStatistics(inputs, f);
            expectedTraining += 0.5 * Batch * variance / (variance + 1e-3);
        }

        expectedTraining /= Batch;

        double inference = net.Evaluate(inputs, zeros);
        double training = net.TrainStep(inputs, zeros);
        TestData.AssertClose(expectedInference, inference, 1e-13, "Evaluate (inference mode)");
        TestData.AssertClose(expectedTraining, training, 1e-13, "TrainStep (training mode)");
        Assert.True(Math.Abs(training - inference) > 1e-3, $"Training ({training}) and inference ({inference}) should differ on this batch.");
    }

    [Fact]
    public void With_momentum_0_inference_after_a_step_reproduces_training_on_that_batch()
    {
        var net = new BnNoMomentum(1);
        double[] inputs = TestData.Inputs<double>(Batch, Features, 5);
        double[] targets = TestData.Targets<double>(Batch, Features, LossFunction.MeanSquaredError, 5);
        double training = net.TrainStep(inputs, targets);
        double inference = net.Evaluate(inputs, targets);
        TestData.AssertClose(training, inference, 1e-12, "Evaluate after TrainStep with momentum 0");
    }

    private static (double Mean, double BiasedVariance) BatchStatistics(double[] inputs, int feature)
    {
        double[] column = Enumerable.Range(0, Batch).Select(s => inputs[(s * Features) + feature]).ToArray();
        double mean = column.Average();
        return (mean, column.Sum(x => (x - mean) * (x - mean)) / Batch);
    }
}
