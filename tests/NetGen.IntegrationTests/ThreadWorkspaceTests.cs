using System.Threading;

namespace NetGen.IntegrationTests;

[Network(Loss = LossFunction.MeanSquaredError, Seed = 3)]
[Input(16)] [Dense(32)] [Tanh] [Dense(32)] [Tanh] [Dense(4)]
public partial class ThreadWorkspaceNet;

[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 8, Precision = Precision.Double)]
[Input(12)] [Dense(24)] [BatchNorm] [ReLU] [Dropout(0.2)] [Dense(3)] [Softmax]
public partial class ThreadWorkspaceDouble;

/// <summary>
/// A one-sample Predict (and Evaluate, InputGradients, Jvp) works in its thread's own workspace, shared by the instances
/// of the class: instances with other parameters, calls of other kinds and larger batches on the same thread, and many
/// threads at once all get the bits of a lone call, and after warm-up a one-sample call allocates nothing.
/// </summary>
public class ThreadWorkspaceTests
{
    [Fact]
    public void Instances_and_threads_sharing_the_thread_workspaces_get_the_bits_of_a_lone_call()
    {
        var first = new ThreadWorkspaceNet(1);
        var second = new ThreadWorkspaceNet(2);
        float[][] samples = Enumerable.Range(0, 6).Select(i => TestData.Inputs<float>(1, ThreadWorkspaceNet.InputSize, 40 + i)).ToArray();
        float[] batch = TestData.Inputs<float>(5, ThreadWorkspaceNet.InputSize, 50);

        // The lone calls: each on a fresh instance (its own pool, a new thread workspace on this thread is fine too).
        float[][] expectedFirst = samples.Select(x => Predict(new ThreadWorkspaceNet(1), x)).ToArray();
        float[][] expectedSecond = samples.Select(x => Predict(new ThreadWorkspaceNet(2), x)).ToArray();
        float[] expectedBatch = Predict(new ThreadWorkspaceNet(1), batch);
        Assert.NotEqual(expectedFirst[0], expectedSecond[0]);

        // Interleaved on one thread: two instances, a larger batch and a one-sample Evaluate between the predictions.
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.Equal(expectedFirst[i], Predict(first, samples[i]));
            Assert.Equal(expectedSecond[i], Predict(second, samples[i]));
            Assert.Equal(expectedBatch, Predict(first, batch));
            second.Evaluate(samples[(i + 1) % samples.Length], new float[ThreadWorkspaceNet.OutputSize]);
            first.InputGradients(samples[i], new float[ThreadWorkspaceNet.OutputSize], new float[ThreadWorkspaceNet.InputSize]);
        }

        // Eight threads, both instances, at once.
        var failures = 0;
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            for (int round = 0; round < 300; round++)
            {
                int i = (round + t) % samples.Length;
                bool same = Predict(first, samples[i]).SequenceEqual(expectedFirst[i])
                    && Predict(second, samples[i]).SequenceEqual(expectedSecond[i])
                    && (round % 50 != 0 || Predict(second, batch).SequenceEqual(Predict(new ThreadWorkspaceNet(2), batch)));
                if (!same)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(0, failures);
    }

    [Fact]
    public void A_one_sample_call_allocates_nothing_after_warm_up_in_float_and_double()
    {
        var net = new ThreadWorkspaceNet();
        float[] x = TestData.Inputs<float>(1, ThreadWorkspaceNet.InputSize, 7), y = new float[ThreadWorkspaceNet.OutputSize];
        float[] targets = new float[ThreadWorkspaceNet.OutputSize], gradients = new float[ThreadWorkspaceNet.InputSize];
        var deep = new ThreadWorkspaceDouble();
        double[] xd = TestData.Inputs<double>(1, ThreadWorkspaceDouble.InputSize, 8), yd = new double[ThreadWorkspaceDouble.OutputSize];
        int[] label = [2];
        void Calls()
        {
            net.Predict(x, y);
            net.Evaluate(x, targets);
            net.InputGradients(x, targets, gradients);
            deep.Predict(xd, yd);
            deep.Evaluate(xd, label);
        }

        for (int i = 0; i < 100; i++)
        {
            Calls();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            Calls();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static float[] Predict(ThreadWorkspaceNet net, float[] x)
    {
        var y = new float[x.Length / ThreadWorkspaceNet.InputSize * ThreadWorkspaceNet.OutputSize];
        net.Predict(x, y);
        return y;
    }
}
