using NetGen.Optimizers;
using NetGen.Threading;

namespace NetGen.IntegrationTests;

/// <summary>Tests that count bytes allocated on the worker pool's threads: they run alone, so that no other test's work is counted.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllThreadsCollection
{
    public const string Name = "Allocations counted on every thread";
}

/// <summary>
/// A train step of a CNN with every layer kind of the Fashion-MNIST CNN, and its optimizer step, allocate nothing after
/// 100 warm-up calls, in one of three windows of 200 more, on the calling thread and on the worker pool's, at 1 and 2 threads. Its
/// second convolution is large enough at batch 16 to be split by samples over two threads.
/// </summary>
[Collection(AllThreadsCollection.Name)]
public class AllThreadsAllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_cnn_train_step_and_adam_allocate_nothing_after_warm_up(int threads)
    {
        int saved = NetGenOptions.MaxDegreeOfParallelism;
        NetGenOptions.MaxDegreeOfParallelism = threads;
        try
        {
            var net = new ConvAllocationCnn(1);
            var adam = new Adam<float>(learningRate: 0.001);
            const int batch = 16;
            float[] inputs = ConvTestData.NormalSingle(batch * ConvAllocationCnn.InputSize, 1);
            int[] labels = ConvTestData.Labels(batch, ConvAllocationCnn.OutputSize, 1);
            var outputs = new float[batch * ConvAllocationCnn.OutputSize];
            void Step()
            {
                net.TrainStep(inputs, labels);
                adam.Step(net.Parameters, net.Gradients);
                net.Predict(inputs, outputs);
            }

            for (int i = 0; i < 100; i++)
            {
                Step();
            }

            // One of three windows must be clean: a one-off of a few kilobytes from a source not found yet has now and
            // then appeared once in a window, while an allocation in the step itself shows in every window.
            var windows = new List<string>();
            for (int window = 0; window < 3; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread(), workersBefore = WorkerPool.Shared.WorkerAllocatedBytes;
                for (int i = 0; i < 200; i++)
                {
                    Step();
                }

                long caller = GC.GetAllocatedBytesForCurrentThread() - before, workers = WorkerPool.Shared.WorkerAllocatedBytes - workersBefore;
                if (caller == 0 && workers == 0)
                {
                    return;
                }

                windows.Add($"{caller} bytes on the calling thread and {workers} on the workers");
            }

            Assert.Fail($"Every window of 200 steps after warm-up allocated: {string.Join("; ", windows)}.");
        }
        finally
        {
            NetGenOptions.MaxDegreeOfParallelism = saved;
        }
    }
}

// The Fashion-MNIST CNN's layer kinds at a smaller size: 1×16×16 → 8×16×16 → pool → 16×8×8 → pool → 16×4×4 → 32 → 10.
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 1)]
[Input(1, 16, 16)]
[Conv2D(8, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Conv2D(16, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Flatten]
[Dense(32)] [ReLU] [Dropout(0.3)]
[Dense(10)] [Softmax]
public partial class ConvAllocationCnn;
