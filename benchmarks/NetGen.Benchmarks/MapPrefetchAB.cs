using System.Diagnostics;
using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>--maps-ab [ROUNDS]</c>: the Fashion CNN's two BatchNorm → ReLU → MaxPool2D backward passes (batch 128; 32 maps of
/// 28 × 28 and 64 of 14 × 14), as the train step calls them, and BatchNorm's own backward over maps of those shapes, with <see cref="GemmTuning.PrefetchMaps"/> off (before)
/// and on, alternating in each round, at 1 and 2 threads, then the whole train step (TrainStep + Adam) the same way: the
/// median of the rounds' after ÷ before, and each side's fastest round.
/// </summary>
internal static class MapPrefetchAB
{
    public static void Run(int rounds)
    {
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPathReason}");
        foreach ((int channels, int size) in new[] { (32, 28), (64, 14) })
        {
            const int batch = 128;
            int spatial = size * size, pooledSize = size / 2;
            float[] x = Data.Inputs(batch, channels * spatial), gamma = Enumerable.Repeat(1f, channels).ToArray(), beta = new float[channels];
            float[] runningMean = new float[channels], runningVariance = Enumerable.Repeat(1f, channels).ToArray(), mean = new float[channels], inverseStd = new float[channels];
            float[] pooled = new float[batch * channels * pooledSize * pooledSize], dPooled = Data.Inputs(batch, channels * pooledSize * pooledSize);
            int[] argmax = new int[pooled.Length];
            float[] dgamma = new float[channels], dbeta = new float[channels], dx = new float[x.Length], dy = new float[x.Length];
            BatchNorm.ForwardTrainingReLUMaxPool<float>(x, gamma, beta, runningMean, runningVariance, mean, inverseStd, pooled, argmax, batch, channels, size, size, 2, 2, 0.9f, 1e-5f);
            float[] xHat = Data.Inputs(batch, channels * spatial), dyFull = Data.Inputs(batch, channels * spatial);
            foreach ((string name, Action call) in new (string, Action)[]
            {
                ("block backward", () => BatchNorm.BackwardReLUMaxPoolFromInputs<float>(argmax, dPooled, pooled, x, mean, inverseStd, gamma, dgamma, dbeta, dx, dy, batch, channels, size, size, 2, 2)),
                ("BatchNorm.Backward", () => BatchNorm.Backward<float>(xHat, inverseStd, gamma, dyFull, dgamma, dbeta, dx, batch, channels, spatial)),
            })
            {
                Compare($"{name}, {channels} maps of {size}×{size}", call, rounds);
            }
        }

        var network = new FashionMnistSample.FashionCnn();
        var adam = new NetGen.Optimizers.Adam<float>(learningRate: 0.001);
        float[] inputs = Data.Inputs(128, 784);
        int[] labels = Data.Labels(128, 10);
        Action step = () => { network.TrainStep(inputs, labels); adam.Step(network.Parameters, network.Gradients); };
        Compare("Fashion CNN TrainStep + Adam", step, rounds);
    }

    /// <summary>The switch off and on alternately in each of <paramref name="rounds"/> rounds, at 1 and at 2 threads.</summary>
    private static void Compare(string name, Action call, int rounds)
    {
        for (int threads = 1; threads <= 2; threads++)
        {
            NetGenOptions.MaxDegreeOfParallelism = threads;
            var ratios = new List<double>();
            double before = double.MaxValue, after = double.MaxValue;
            for (int round = 0; round < rounds; round++)
            {
                GemmTuning.PrefetchMaps = false;
                double off = Time(call);
                GemmTuning.PrefetchMaps = true;
                double on = Time(call);
                ratios.Add(on / off);
                (before, after) = (Math.Min(before, off), Math.Min(after, on));
            }

            ratios.Sort();
            Console.WriteLine($"{name}, {threads} thread(s): before {before * 1e3,6:F3} ms, after {after * 1e3,6:F3} ms; after ÷ before: median {ratios[rounds / 2]:F3}, fastest {after / before:F3}");
        }
    }

    /// <summary>Seconds per call over at least ~60 ms and 3 calls, after two warm-up calls.</summary>
    private static double Time(Action call)
    {
        call();
        call();
        long calls = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalMilliseconds < 60 || calls < 3)
        {
            call();
            calls++;
        }

        return clock.Elapsed.TotalSeconds / calls;
    }
}
