using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace NetGen.IntegrationTests;

// A small CNN with BatchNorm and dropout: the conv layers' im2col workspaces used to be shared by every call.
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 5)]
[Input(1, 12, 12)] [Conv2D(4, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)] [Dropout(0.25)] [Flatten] [Dense(10)] [Softmax]
public partial class SharedCnn;

// One sample's hidden layer is a million values: a batch of 2,200 needs more than one array can hold.
[Network(Loss = LossFunction.MeanSquaredError, Seed = 2)]
[Input(1)] [Dense(1_000_000)] [Dense(1)]
public partial class WideNet;

// Two networks that differ only in BatchNorm's epsilon, and two only in its momentum.
[Network(Seed = 1)] [Input(3)] [Dense(2)] [BatchNorm(Epsilon = 1e-3)] public partial class EpsilonA;
[Network(Seed = 1)] [Input(3)] [Dense(2)] [BatchNorm(Epsilon = 1e-5)] public partial class EpsilonB;
[Network(Seed = 1)] [Input(3)] [Dense(2)] [BatchNorm(Momentum = 0.5)] public partial class MomentumA;

/// <summary>
/// Issue 12, principles 4 and 8: one instance serves inference on many threads with exactly the single-thread results,
/// a concurrent TrainStep is refused without changing anything, a failed call leaves the instance usable, and a
/// single-threaded Predict allocates nothing after warm-up.
/// </summary>
public class ConcurrencyTests
{
    private const int Threads = 8;
    private static readonly int[] s_batches = { 1, 3, 17, 64 };

    private static T Trained<T>(T net, int inputSize, int classes)
        where T : INetwork<float>
    {
        // Non-trivial running statistics; the weights stay as initialized (no optimizer), which is enough here.
        net.TrainStep(TestData.Inputs<float>(32, inputSize, 11), TestData.Labels(32, classes, 11));
        return net;
    }

    [Fact]
    public void Eight_threads_predicting_on_one_MLP_get_exactly_the_single_thread_outputs() =>
        AssertConcurrentPredictMatches(Trained(new FashionMlp(), FashionMlp.InputSize, FashionMlp.OutputSize), FashionMlp.InputSize, FashionMlp.OutputSize);

    [Fact]
    public void Eight_threads_predicting_on_one_CNN_get_exactly_the_single_thread_outputs() =>
        AssertConcurrentPredictMatches(Trained(new SharedCnn(), SharedCnn.InputSize, SharedCnn.OutputSize), SharedCnn.InputSize, SharedCnn.OutputSize);

    private static void AssertConcurrentPredictMatches(INetwork<float> net, int inputSize, int outputSize)
    {
        float[][] inputs = s_batches.Select((b, i) => TestData.Inputs<float>(b, inputSize, 100 + i)).ToArray();
        float[][] expected = s_batches.Select((b, i) =>
        {
            var outputs = new float[b * outputSize];
            net.Predict(inputs[i], outputs);
            return outputs;
        }).ToArray();

        var mismatches = new ConcurrentBag<string>();
        using var start = new Barrier(Threads);
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            start.SignalAndWait();
            for (int round = 0; round < 60; round++)
            {
                // Each thread walks the batch sizes in its own order, so different sizes run at once.
                int i = (thread + round) % s_batches.Length;
                var outputs = new float[expected[i].Length];
                net.Predict(inputs[i], outputs);
                if (!outputs.AsSpan().SequenceEqual(expected[i]))
                {
                    mismatches.Add($"thread {thread}, round {round}, batch {s_batches[i]}");
                }
            }
        });

        Assert.True(mismatches.IsEmpty, string.Join("; ", mismatches.Take(10)));
    }

    [Fact]
    public void Concurrent_Evaluate_gives_the_single_thread_losses_and_changes_nothing()
    {
        SharedCnn net = Trained(new SharedCnn(), SharedCnn.InputSize, SharedCnn.OutputSize);
        float[][] inputs = s_batches.Select((b, i) => TestData.Inputs<float>(b, SharedCnn.InputSize, 200 + i)).ToArray();
        int[][] labels = s_batches.Select((b, i) => TestData.Labels(b, SharedCnn.OutputSize, 200 + i)).ToArray();
        float[] expected = s_batches.Select((_, i) => net.Evaluate(inputs[i], labels[i])).ToArray();
        var before = new NetworkSnapshot(net);

        var mismatches = new ConcurrentBag<string>();
        using var start = new Barrier(Threads);
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            start.SignalAndWait();
            for (int round = 0; round < 120; round++)
            {
                int i = (thread + round) % s_batches.Length;
                float loss = net.Evaluate(inputs[i], labels[i]);
                if (BitConverter.SingleToInt32Bits(loss) != BitConverter.SingleToInt32Bits(expected[i]))
                {
                    mismatches.Add($"thread {thread}, batch {s_batches[i]}: {loss} ≠ {expected[i]}");
                }
            }
        });

        Assert.True(mismatches.IsEmpty, string.Join("; ", mismatches.Take(10)));
        before.AssertUnchanged(net);
    }

    [Fact]
    public void A_TrainStep_while_another_runs_is_an_InvalidOperationException_that_changes_nothing()
    {
        SharedCnn net = Trained(new SharedCnn(), SharedCnn.InputSize, SharedCnn.OutputSize);
        float[] inputs = TestData.Inputs<float>(4, SharedCnn.InputSize, 300);
        int[] labels = TestData.Labels(4, SharedCnn.OutputSize, 300);
        float[] targets = new float[4 * SharedCnn.OutputSize];

        // Hold the flag as a running TrainStep does, deterministically.
        FieldInfo busy = typeof(SharedCnn).GetField("_trainingBusy", BindingFlags.NonPublic | BindingFlags.Instance)!;
        busy.SetValue(net, 1);
        var before = new NetworkSnapshot(net);
        InvalidOperationException labelsCall = Assert.Throws<InvalidOperationException>(() => net.TrainStep(inputs, labels));
        Assert.Throws<InvalidOperationException>(() => net.TrainStep(inputs, targets));
        before.AssertUnchanged(net);
        Assert.Contains("another TrainStep", labelsCall.Message, StringComparison.Ordinal);

        // Inference is not blocked by training, and the flag is released after a step (also a failed one).
        net.Predict(inputs, new float[4 * SharedCnn.OutputSize]);
        busy.SetValue(net, 0);
        Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(inputs, new int[3]));
        net.TrainStep(inputs, labels);
        Assert.Equal(0, (int)busy.GetValue(net)!);
    }

    [Fact]
    public void Racing_TrainSteps_either_run_or_are_refused_and_the_network_stays_consistent()
    {
        SharedCnn net = Trained(new SharedCnn(), SharedCnn.InputSize, SharedCnn.OutputSize);
        float[] inputs = TestData.Inputs<float>(16, SharedCnn.InputSize, 400);
        int[] labels = TestData.Labels(16, SharedCnn.OutputSize, 400);
        var unexpected = new ConcurrentBag<Exception>();
        int ran = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (int i = 0; i < 25; i++)
            {
                try
                {
                    net.TrainStep(inputs, labels);
                    Interlocked.Increment(ref ran);
                }
                catch (InvalidOperationException)
                {
                    // Refused: another step was running.
                }
                catch (Exception e)
                {
                    unexpected.Add(e);
                }
            }
        });

        Assert.Empty(unexpected);
        Assert.InRange(ran, 1, 100);

        // Not corrupted: a step now gives the same gradients as the same step on a fresh copy with the same state.
        var copy = new SharedCnn();
        net.Parameters.CopyTo(copy.Parameters);
        net.State.CopyTo(copy.State);
        copy.RandomState = net.RandomState;
        float loss = net.TrainStep(inputs, labels), copyLoss = copy.TrainStep(inputs, labels);
        Assert.Equal(copyLoss, loss);
        Assert.True(net.Gradients.SequenceEqual(copy.Gradients));
        Assert.True(net.State.SequenceEqual(copy.State));
    }

    [Fact]
    public void Predict_on_one_thread_allocates_nothing_after_warm_up()
    {
        FashionMlp mlp = Trained(new FashionMlp(), FashionMlp.InputSize, FashionMlp.OutputSize);
        SharedCnn cnn = Trained(new SharedCnn(), SharedCnn.InputSize, SharedCnn.OutputSize);
        float[] mlpInputs = TestData.Inputs<float>(8, FashionMlp.InputSize, 500), mlpOutputs = new float[8 * FashionMlp.OutputSize];
        float[] cnnInputs = TestData.Inputs<float>(2, SharedCnn.InputSize, 500), cnnOutputs = new float[2 * SharedCnn.OutputSize];
        int[] labels = TestData.Labels(2, SharedCnn.OutputSize, 500);
        mlp.Predict(mlpInputs, mlpOutputs);
        cnn.Predict(cnnInputs, cnnOutputs);
        cnn.Evaluate(cnnInputs, labels);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            mlp.Predict(mlpInputs, mlpOutputs);
            cnn.Predict(cnnInputs, cnnOutputs);
            cnn.Evaluate(cnnInputs, labels);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void An_inference_workspace_holds_only_the_layer_outputs_and_targets()
    {
        // The normalized inputs of BatchNorm and the dropout masks are kept for the backward pass only: an inference
        // workspace (one per thread that predicts at once) must not allocate them.
        const int Batch = 15; // fewer than BatchSplit gives a thread of their own: one workspace, on this thread
        var mlp = new FashionMlp();
        float[] inputs = TestData.Inputs<float>(Batch, FashionMlp.InputSize, 600), outputs = new float[Batch * FashionMlp.OutputSize];
        long before = GC.GetAllocatedBytesForCurrentThread();
        mlp.Predict(inputs, outputs);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        long outputsPerSample = (4 * 256) + (4 * 128) + 10 + 10 + FashionMlp.OutputSize; // A1…A10 and the targets
        long trainingOnlyPerSample = (2 * 256) + (2 * 128);                                // xHat and masks
        Assert.InRange(allocated, outputsPerSample * Batch * sizeof(float), (outputsPerSample + (trainingOnlyPerSample / 2)) * Batch * sizeof(float));
    }

    [Fact]
    public void An_oversized_batch_is_an_ArgumentException_and_later_batches_still_work()
    {
        var net = new WideNet();
        const int Oversized = 2_200; // 2,200 × 1,000,000 > Array.MaxLength
        var before = new NetworkSnapshot(net);

        ArgumentException predict = Assert.ThrowsAny<ArgumentException>(() => net.Predict(new float[Oversized], new float[Oversized]));
        Assert.Equal("inputs", predict.ParamName);
        Assert.Contains(Array.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture), predict.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(new float[Oversized], new float[Oversized]));
        Assert.ThrowsAny<ArgumentException>(() => net.Evaluate(new float[Oversized], new float[Oversized]));
        before.AssertUnchanged(net);

        // Every later batch works, and gives what a fresh network gives.
        var fresh = new WideNet();
        foreach (int batch in new[] { 1, 2, 5, 3 })
        {
            float[] inputs = TestData.Inputs<float>(batch, 1, batch);
            float[] outputs = new float[batch], expected = new float[batch];
            net.Predict(inputs, outputs);
            fresh.Predict(inputs, expected);
            Assert.Equal(expected, outputs);
            Assert.Equal(fresh.TrainStep(inputs, expected), net.TrainStep(inputs, expected));
        }
    }

    [Fact]
    public void Architecture_includes_BatchNorm_epsilon_and_momentum()
    {
        Assert.NotEqual(EpsilonA.Architecture, EpsilonB.Architecture);
        Assert.NotEqual(EpsilonB.Architecture, MomentumA.Architecture);
        Assert.Contains("BatchNorm(2, epsilon 0.001, momentum 0.9)", EpsilonA.Architecture, StringComparison.Ordinal);
        Assert.Contains("BatchNorm(2, epsilon 1E-05, momentum 0.5)", MomentumA.Architecture, StringComparison.Ordinal);
    }

    /// <summary>Parameters, Gradients, State and RandomState, byte for byte.</summary>
    private sealed class NetworkSnapshot(INetwork<float> net)
    {
        private readonly byte[] _parameters = TestData.Bytes<float>(net.Parameters);
        private readonly byte[] _gradients = TestData.Bytes<float>(net.Gradients);
        private readonly byte[] _state = TestData.Bytes<float>(net.State);
        private readonly ulong _random = net.RandomState;

        public void AssertUnchanged(INetwork<float> other)
        {
            Assert.True(_parameters.AsSpan().SequenceEqual(TestData.Bytes<float>(other.Parameters)), "Parameters changed.");
            Assert.True(_gradients.AsSpan().SequenceEqual(TestData.Bytes<float>(other.Gradients)), "Gradients changed.");
            Assert.True(_state.AsSpan().SequenceEqual(TestData.Bytes<float>(other.State)), "State changed.");
            Assert.Equal(_random, other.RandomState);
        }
    }
}
