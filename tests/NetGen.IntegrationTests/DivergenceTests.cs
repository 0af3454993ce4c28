using System;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.IntegrationTests;

// BatchNorm straight after the input, so that huge inputs reach its running variance; dropout, so that RandomState moves.
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 9)]
[Input(5)] [BatchNorm] [Dense(6)] [ReLU] [Dropout(0.3)] [Dense(3)] [Softmax]
public partial class DivergenceProbe;

/// <summary>A generated network after a failed Fit holds exactly what it held after its last good batch.</summary>
public class DivergenceTests
{
    private sealed record Snapshot(byte[] Parameters, byte[] Gradients, byte[] State, ulong RandomState)
    {
        public static Snapshot Of(DivergenceProbe net) => new(
            MemoryMarshal.AsBytes(net.Parameters).ToArray(), MemoryMarshal.AsBytes(net.Gradients).ToArray(), MemoryMarshal.AsBytes(net.State).ToArray(), net.RandomState);

        /// <summary>Equal bit for bit; Gradients only when asked (after a divergence they hold the failing batch's gradient).</summary>
        public void AssertSame(Snapshot actual, bool gradients = true)
        {
            Assert.Equal(Parameters, actual.Parameters);
            if (gradients)
            {
                Assert.Equal(Gradients, actual.Gradients);
            }

            Assert.Equal(State, actual.State);
            Assert.Equal(RandomState, actual.RandomState);
        }
    }

    /// <summary>Snapshots before every batch: index = batches done.</summary>
    private sealed class Journal(DivergenceProbe net) : IProgress<TrainingProgress>
    {
        public System.Collections.Generic.List<Snapshot> Before { get; } = [Snapshot.Of(net)];

        public int BatchesPerEpoch { get; private set; }

        public void Report(TrainingProgress value)
        {
            if (value.Kind == ProgressKind.Batch)
            {
                Before.Add(Snapshot.Of(net));
                BatchesPerEpoch = value.Batches;
            }
        }

        public int Index(int epoch, int batch) => ((epoch - 1) * BatchesPerEpoch) + batch - 1;
    }

    private static Dataset<float> Data(int count, float scale, int seed) =>
        new(TestData.Inputs<float>(count, 5, seed).Select(x => x * scale).ToArray(), 5, TestData.Labels(count, 3, seed));

    [Fact]
    public void Inputs_of_1e22_overflow_the_BatchNorm_running_variance_and_the_batch_is_undone()
    {
        var net = new DivergenceProbe();
        var trainer = new Trainer<float>(net, new Adam<float>(learningRate: 0.01), new TrainerOptions { Epochs = 1, BatchSize = 8, Seed = 1 });
        trainer.Fit(Data(32, 1, 1));
        Snapshot before = Snapshot.Of(net);

        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(Data(32, 1e22f, 2)));

        Assert.Equal(1, e.Batch);
        before.AssertSame(Snapshot.Of(net), gradients: false);
        Assert.All(net.State.ToArray(), s => Assert.True(float.IsFinite(s)));
    }

    [Theory]
    [InlineData(1e30)]
    [InlineData(1e3)]
    [InlineData(30.0)]
    public void A_huge_learning_rate_ends_with_NonFiniteLossException_and_the_parameters_from_before_the_bad_step(double rate)
    {
        var net = new DivergenceProbe();
        var journal = new Journal(net);
        var optimizer = new Sgd<float>(learningRate: rate, momentum: 0.9);
        var trainer = new Trainer<float>(net, optimizer, new TrainerOptions { Epochs = 200, BatchSize = 4, Seed = 3 });
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(Data(64, 1, 3), null, journal));

        // The failing batch is the first one not reported; the network is back before it, or before the batch whose
        // optimizer step produced the parameters its TrainStep failed with.
        int failing = journal.Index(e.Epoch, e.Batch);
        int restored = journal.Index(e.RestoredEpoch, e.RestoredBatch);
        Assert.Equal(journal.Before.Count - 1, failing);
        Assert.True(restored == failing || restored == failing - 1, e.Message);
        journal.Before[restored].AssertSame(Snapshot.Of(net), gradients: false);
        var outputs = new float[2 * 3];
        net.Predict(Data(2, 1, 4).Features, outputs);
        Assert.All(outputs, o => Assert.True(float.IsFinite(o), "a kept parameter makes predictions non-finite"));
    }

    [Fact]
    public void A_NaN_feature_anywhere_is_reported_before_the_first_batch_and_nothing_changes()
    {
        var net = new DivergenceProbe();
        Dataset<float> data = Data(200, 1, 5);
        data.Features[(187 * 5) + 4] = float.NaN;
        Snapshot before = Snapshot.Of(net);
        var trainer = new Trainer<float>(net, new Adam<float>(learningRate: 0.01), new TrainerOptions { Epochs = 1, BatchSize = 8 });

        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(data));

        Assert.Contains("Sample 187", e.Message);
        Assert.Contains("feature 4", e.Message);
        before.AssertSame(Snapshot.Of(net));
    }
}
