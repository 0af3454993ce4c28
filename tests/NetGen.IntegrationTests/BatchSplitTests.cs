using System.Reflection;
using NetGen.Kernels;
using NetGen.Threading;

namespace NetGen.IntegrationTests;

[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 3, Precision = Precision.Double)]
[Input(200)] [Dense(96)] [BatchNorm] [Tanh] [Dropout(0.1)] [Dense(10)] [Softmax]
public partial class SplitMlpDouble;

/// <summary>
/// A large Predict is split by samples over the worker pool (<see cref="BatchSplit"/>): the outputs must be the bits of
/// one thread's, and after warm-up it allocates nothing on any thread. These change the process-wide thread count, so
/// they run with the other tests that count every thread's bytes, alone.
/// </summary>
[Collection(AllThreadsCollection.Name)]
public class BatchSplitTests
{
    [Fact]
    public void A_split_predict_gives_the_bits_of_one_thread_for_float_double_and_a_cnn()
    {
        var mlp = new FashionMlp(7);
        var mlpDouble = new SplitMlpDouble(7);
        var cnn = new SharedCnn(7);
        // Trained a little, so that BatchNorm's running statistics are not the identity.
        mlp.TrainStep(TestData.Inputs<float>(32, FashionMlp.InputSize, 1), TestData.Labels(32, 10, 2));
        mlpDouble.TrainStep(TestData.Inputs<double>(32, SplitMlpDouble.InputSize, 1), TestData.Labels(32, 10, 2));
        cnn.TrainStep(TestData.Inputs<float>(32, SharedCnn.InputSize, 1), TestData.Labels(32, 10, 2));

        AssertSplitMatchesOneThread(mlp, batch: 1000, seed: 3);
        AssertSplitMatchesOneThread(mlpDouble, batch: 777, seed: 4);
        AssertSplitMatchesOneThread(cnn, batch: 1024, seed: 5);
    }

    [Fact]
    public void Parts_are_one_per_thread_and_for_a_dense_network_cache_sized()
    {
        int saved = NetGenOptions.MaxDegreeOfParallelism;
        long chunkWork = GemmTuning.PredictChunkWork;
        try
        {
            NetGenOptions.MaxDegreeOfParallelism = 1;
            Assert.Equal(1, BatchSplit.Parts(4096, 2_000_000)); // a CNN's samples: each product streams well alone
            Assert.Equal(7, BatchSplit.Parts(1024, 235_000)); // the Fashion MLP: parts of 146 samples, about 2²⁵ multiply-adds
            Assert.Equal(1, BatchSplit.Parts(1000, 1000)); // a million multiply-adds in all: one part
            NetGenOptions.MaxDegreeOfParallelism = 2;
            Assert.Equal(1, BatchSplit.Parts(31, 1_000_000)); // too few rows for two parts of 16
            Assert.Equal(1, BatchSplit.Parts(1000, 1000)); // not worth a thread
            Assert.Equal(Math.Min(2, Environment.ProcessorCount), BatchSplit.Parts(4096, 2_000_000));
            bool two = Environment.ProcessorCount >= 2;
            Assert.Equal(two ? 8 : 7, BatchSplit.Parts(1024, 235_000)); // 4 parts per thread, not 7 parts for 2 threads
            Assert.Equal(two ? 2 : 1, BatchSplit.Parts(32, 235_000)); // 16 samples each at least
            Assert.Equal(two ? 2 : 1, BatchSplit.Parts(63, 235_000));
            GemmTuning.PredictChunkWork = 0;
            Assert.Equal(Math.Min(2, Environment.ProcessorCount), BatchSplit.Parts(1024, 235_000));
            NetGenOptions.MaxDegreeOfParallelism = 1;
            Assert.Equal(1, BatchSplit.Parts(1024, 235_000));
        }
        finally
        {
            NetGenOptions.MaxDegreeOfParallelism = saved;
            GemmTuning.PredictChunkWork = chunkWork;
        }
    }

    [Fact]
    public void A_predict_in_cache_sized_parts_gives_the_bits_of_one_call_over_the_batch()
    {
        var mlp = new FashionMlp(11);
        var mlpDouble = new SplitMlpDouble(11);
        mlp.TrainStep(TestData.Inputs<float>(32, FashionMlp.InputSize, 1), TestData.Labels(32, 10, 2));
        mlpDouble.TrainStep(TestData.Inputs<double>(32, SplitMlpDouble.InputSize, 1), TestData.Labels(32, 10, 2));
        int saved = NetGenOptions.MaxDegreeOfParallelism;
        long chunkWork = GemmTuning.PredictChunkWork;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                NetGenOptions.MaxDegreeOfParallelism = threads;
                foreach (int batch in new[] { 32, 33, 147, 1000, 1031 })
                {
                    AssertPartsMatchWhole(mlp, batch, threads);
                    AssertPartsMatchWhole(mlpDouble, batch, threads);
                }
            }
        }
        finally
        {
            NetGenOptions.MaxDegreeOfParallelism = saved;
            GemmTuning.PredictChunkWork = chunkWork;
        }

        static void AssertPartsMatchWhole<T>(INetwork<T> net, int batch, int threads)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            T[] inputs = TestData.Inputs<T>(batch, net.InputSize, batch);
            var whole = new T[batch * net.OutputSize];
            var parts = new T[batch * net.OutputSize];
            GemmTuning.PredictChunkWork = 0;
            int saved = NetGenOptions.MaxDegreeOfParallelism;
            NetGenOptions.MaxDegreeOfParallelism = 1;
            net.Predict(inputs, whole);
            NetGenOptions.MaxDegreeOfParallelism = saved;
            GemmTuning.PredictChunkWork = 1L << 20; // parts of 16 or more samples, so these batches are cut
            net.Predict(inputs, parts);
            Assert.True(whole.AsSpan().SequenceEqual(parts), $"{net.GetType().Name}: {batch} samples in parts on {threads} thread(s) differ from one call over the batch.");
        }
    }

    [Fact]
    public void A_split_predict_allocates_nothing_on_any_thread_after_warm_up()
    {
        if (Environment.ProcessorCount < 2)
        {
            return; // nothing is split on one processor; the bits test covers the code path there
        }

        int saved = NetGenOptions.MaxDegreeOfParallelism;
        NetGenOptions.MaxDegreeOfParallelism = 2;
        try
        {
            var net = new FashionMlp(1);
            float[] inputs = TestData.Inputs<float>(512, FashionMlp.InputSize, 9);
            var outputs = new float[512 * FashionMlp.OutputSize];
            // Each part rents its own workspace; the pool holds a second one only once a worker has run a part at the
            // same time as the caller, which a busy machine may delay: warm up until it has.
            var pool = (Array)typeof(FashionMlp).GetField("_workspaces", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(net)!;
            var warmUp = System.Diagnostics.Stopwatch.StartNew();
            int calls = 0;
            while (calls < 50 || (PooledWorkspaces(pool) < 2 && warmUp.Elapsed < TimeSpan.FromSeconds(60)))
            {
                net.Predict(inputs, outputs);
                calls++;
            }

            Assert.True(PooledWorkspaces(pool) >= 2, $"after {calls} calls in {warmUp.Elapsed.TotalSeconds:F0} s no worker had run a part beside the caller.");
            // One clean window of three: a one-off in the runtime allocates once, an allocation in Predict every time.
            var windows = new List<string>();
            for (int window = 0; window < 3; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread(), workersBefore = WorkerPool.Shared.WorkerAllocatedBytes;
                for (int i = 0; i < 100; i++)
                {
                    net.Predict(inputs, outputs);
                }

                long caller = GC.GetAllocatedBytesForCurrentThread() - before, workers = WorkerPool.Shared.WorkerAllocatedBytes - workersBefore;
                if (caller == 0 && workers == 0)
                {
                    return;
                }

                windows.Add($"{caller} bytes on the calling thread and {workers} on the workers");
            }

            Assert.Fail($"Every window of 100 split predicts after warm-up allocated: {string.Join("; ", windows)}.");
        }
        finally
        {
            NetGenOptions.MaxDegreeOfParallelism = saved;
        }
    }

    private static int PooledWorkspaces(Array pool)
    {
        int count = 0;
        foreach (object? workspace in pool)
        {
            count += workspace is null ? 0 : 1;
        }

        return count;
    }

    private static void AssertSplitMatchesOneThread<T>(INetwork<T> net, int batch, int seed)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T[] inputs = TestData.Inputs<T>(batch, net.InputSize, seed);
        var oneThread = new T[batch * net.OutputSize];
        var split = new T[batch * net.OutputSize];
        int saved = NetGenOptions.MaxDegreeOfParallelism;
        try
        {
            NetGenOptions.MaxDegreeOfParallelism = 1;
            net.Predict(inputs, oneThread);
            NetGenOptions.MaxDegreeOfParallelism = 2;
            for (int i = 0; i < 3; i++)
            {
                Array.Clear(split);
                net.Predict(inputs, split);
                Assert.True(oneThread.AsSpan().SequenceEqual(split), $"{net.GetType().Name}: a split predict of {batch} samples differs from one thread's.");
            }
        }
        finally
        {
            NetGenOptions.MaxDegreeOfParallelism = saved;
        }
    }
}
