using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.IntegrationTests;

[Network(Loss = LossFunction.SoftmaxCrossEntropy, Precision = Precision.Double, Seed = 4)]
[Input(4)] [Dense(8)] [Tanh] [Dense(3)] [Softmax]
public partial class OutputsPlainNet;

[Network(Loss = LossFunction.SoftmaxCrossEntropy, Precision = Precision.Double, Seed = 5)]
[Input(4)] [Dense(8)] [BatchNorm] [ReLU] [Dropout(0.3)] [Dense(3)] [Softmax]
public partial class OutputsDropoutNet;

[Network(Loss = LossFunction.BinaryCrossEntropy, Precision = Precision.Double, Seed = 6)]
[Input(3)] [Dense(4)] [Tanh] [Dense(1)] [Sigmoid]
public partial class OutputsBinaryNet;

[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 7)]
[Input(20)] [Dense(16)] [BatchNorm] [ReLU] [Dropout(0.2)] [Dense(5)] [Softmax]
public partial class OutputsFloatNet;

/// <summary>The TrainStep overloads that also hand back the batch's training-mode outputs.</summary>
public class TrainStepOutputsTests
{
    private static double[] Inputs(int count, int seed)
    {
        var random = new NetGenRandom(seed);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextNormal();
        }

        return values;
    }

    [Fact]
    public void Without_dropout_or_batch_norm_the_outputs_are_Predict_before_the_update()
    {
        var net = new OutputsPlainNet();
        double[] x = Inputs(6 * 4, 1);
        int[] labels = [0, 1, 2, 2, 1, 0];
        var predicted = new double[6 * 3];
        var outputs = new double[6 * 3];
        net.Predict(x, predicted);
        double[] parameters = net.Parameters.ToArray();
        double loss = net.TrainStep(x, labels, outputs);
        Assert.Equal(predicted, outputs);
        Assert.Equal(parameters, net.Parameters.ToArray()); // TrainStep never updates

        // Probabilities: each row sums to 1, and the loss is their mean −log p[label].
        double expected = 0;
        for (int s = 0; s < 6; s++)
        {
            Assert.Equal(1.0, outputs[(s * 3)..((s + 1) * 3)].Sum(), 1e-12);
            expected -= Math.Log(outputs[(s * 3) + labels[s]]) / 6;
        }

        Assert.Equal(expected, loss, 1e-12);
    }

    [Fact]
    public void With_dropout_and_batch_norm_the_outputs_are_the_training_forward_pass_and_nothing_else_differs()
    {
        var net = new OutputsDropoutNet();
        double[] x = Inputs(8 * 4, 2);
        int[] labels = [0, 1, 2, 0, 1, 2, 0, 1];
        double[] state = net.State.ToArray();
        ulong random = net.RandomState;

        double plain = net.TrainStep(x, labels);
        double[] gradients = net.Gradients.ToArray(), stateAfter = net.State.ToArray();
        ulong randomAfter = net.RandomState;

        state.CopyTo(net.State);
        net.RandomState = random;
        var outputs = new double[8 * 3];
        double loss = net.TrainStep(x, labels, outputs);
        Assert.Equal(plain, loss);
        Assert.Equal(gradients, net.Gradients.ToArray());
        Assert.Equal(stateAfter, net.State.ToArray());
        Assert.Equal(randomAfter, net.RandomState);

        // The loss is the cross-entropy of exactly these outputs (dropout masks and batch statistics included),
        // and they are not the inference-mode outputs.
        double expected = 0;
        for (int s = 0; s < 8; s++)
        {
            expected -= Math.Log(outputs[(s * 3) + labels[s]]) / 8;
        }

        Assert.Equal(expected, loss, 1e-12);
        var predicted = new double[8 * 3];
        net.Predict(x, predicted);
        Assert.NotEqual(predicted, outputs);
    }

    [Fact]
    public void The_targets_overload_gives_the_final_sigmoid_s_probabilities()
    {
        var net = new OutputsBinaryNet();
        double[] x = Inputs(5 * 3, 3);
        double[] targets = [1, 0, 0, 1, 1];
        var predicted = new double[5];
        var outputs = new double[5];
        net.Predict(x, predicted);
        double loss = net.TrainStep(x, targets, outputs);
        Assert.Equal(predicted, outputs);
        double expected = 0;
        for (int s = 0; s < 5; s++)
        {
            expected -= ((targets[s] * Math.Log(outputs[s])) + ((1 - targets[s]) * Math.Log(1 - outputs[s]))) / 5;
        }

        Assert.Equal(expected, loss, 1e-12);
    }

    [Fact]
    public void A_wrong_outputs_length_is_an_ArgumentException_and_changes_nothing()
    {
        var net = new OutputsDropoutNet();
        double[] x = Inputs(4 * 4, 4);
        int[] labels = [0, 1, 2, 0];
        net.TrainStep(x, labels); // gradients and state that a change would show in
        double[] parameters = net.Parameters.ToArray(), gradients = net.Gradients.ToArray(), state = net.State.ToArray();
        ulong random = net.RandomState;
        foreach (int length in new[] { 0, 11, 13, 24 })
        {
            var outputs = new double[length];
            var e = Assert.Throws<ArgumentException>(() => net.TrainStep(x, labels, outputs));
            Assert.Equal("outputs", e.ParamName);
            Assert.Contains("OutputSize", e.Message);
            e = Assert.Throws<ArgumentException>(() => net.TrainStep(x, new double[4 * 3], outputs));
            Assert.Equal("outputs", e.ParamName);
            Assert.All(outputs, v => Assert.Equal(0, v));
        }

        Assert.Equal(parameters, net.Parameters.ToArray());
        Assert.Equal(gradients, net.Gradients.ToArray());
        Assert.Equal(state, net.State.ToArray());
        Assert.Equal(random, net.RandomState);
    }

    [Fact]
    public void Through_the_interface_it_allocates_nothing_after_warm_up()
    {
        INetwork<float> net = new OutputsFloatNet();
        var adam = new Adam<float>(learningRate: 0.001);
        const int batch = 16;
        float[] x = Inputs(batch * 20, 5).Select(v => (float)v).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 5).ToArray();
        float[] targets = new float[batch * 5];
        var outputs = new float[batch * 5];
        void Step()
        {
            net.TrainStep(x, labels, outputs);
            adam.Step(net.Parameters, net.Gradients);
            net.TrainStep(x, targets, outputs);
        }

        for (int i = 0; i < 50; i++)
        {
            Step();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Step();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void The_trainer_reports_the_running_training_accuracy_of_a_generated_network()
    {
        var net = new OutputsDropoutNet();
        double[] x = Inputs(60 * 4, 6);
        int[] labels = Enumerable.Range(0, 60).Select(i => x[i * 4] > 0 ? 0 : x[(i * 4) + 1] > 0 ? 1 : 2).ToArray();
        var data = new NetGen.Data.Dataset<double>(x, 4, labels);
        var trainer = new Trainer<double>(net, new Adam<double>(learningRate: 0.01), new TrainerOptions { Epochs = 3, BatchSize = 8, Seed = 1 });
        TrainingResult result = trainer.Fit(data);
        Assert.All(result.History.TrainingAccuracy, a => Assert.InRange(a, 0.0, 1.0));
        Assert.All(result.History.TrainingAccuracy, a => Assert.Equal(0, (a * 60) - Math.Round(a * 60), 9)); // whole samples
    }
}
