using FashionMnistSample;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>-- --ab SWITCH [threads]</c>: the Fashion CNN's TrainStep + Adam (batch 128) with a kernel switch on and off,
/// alternating in one process (21 rounds, the order alternating too), and the median and best of each with their ratios (and the median of each round's ratio), so that a busy machine
/// slows both alike. <c>SWITCH</c>: <c>wgrad</c> (Winograd's kernel gradient against im2col and the GEMM), <c>rows</c> (Winograd's maps split straight from their rows), <c>wdx</c> (Winograd's input gradient on the 512-bit path too), <c>winograd-dw</c> (both of the first two), <c>products</c> (Winograd's one-thread products against the general GEMM), <c>shared</c> (Winograd's kernels transformed once per call split by samples, not per part), <c>bn-pooled</c> (the BatchNorm → ReLU → MaxPool2D blocks keep only the pooled maps and μ, against writing x̂ and the rectified maps and reading them back), <c>samples</c> (the blocks' training forward on two threads split by samples, against by channels), <c>overwrite</c> (the Fashion MLP, its dense layers' gradients stored by the GEMM, not cleared and accumulated); <c>threads</c>
/// times the step on 1 thread and on 2 threads alternately instead (the scaling).
/// </summary>
internal static class StepAB
{
    public static void Run(string name, int threads)
    {
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPathReason}; switch {name}; threads {threads}");
        // Switches of the dense layers time the Fashion MLP instead.
        bool mlp = name is "overwrite";
        INetwork<float> network = mlp ? new FashionMlp() : new FashionCnn();
        var adam = new Adam<float>(learningRate: 0.001);
        float[] inputs = Data.Inputs(CnnBenchmarks.TrainBatch, network.InputSize);
        int[] labels = Data.Labels(CnnBenchmarks.TrainBatch, network.OutputSize);
        Action<bool> set = name switch
        {
            "overwrite" => on => GemmTuning.OverwriteGradients = on,
            "wgrad" => on => Winograd.WeightGradientEnabled = on,
            "rows" => on => Winograd.DirectRows = on,
            "wdx" => on => Winograd.InputGradientOnEveryPath = on,
            "winograd-dw" => on => Winograd.WeightGradientEnabled = Winograd.DirectRows = on,
            "products" => on => Winograd.FastProducts = on,
            "shared" => on => Convolution.ShareTransformedWeights = on,
            "bn-pooled" => on => BatchNorm.PooledOnlyBlocks = on,
            "samples" => on => GemmTuning.SampleSplitBlocks = on,
            "threads" => on => NetGenOptions.MaxDegreeOfParallelism = on ? 2 : 1,
            _ => throw new ArgumentException($"Unknown switch '{name}': expected wgrad, rows, wdx, winograd-dw, products, shared, bn-pooled, samples, threads or overwrite.", nameof(name)),
        };
        NetGenOptions.MaxDegreeOfParallelism = threads;
        void Step()
        {
            network.TrainStep(inputs, labels);
            adam.Step(network.Parameters, network.Gradients);
        }

        (List<double> on, List<double> off, List<double> ratios) = Alternate(set, Step, 21);
        double onMedian = Profile.Median(on), offMedian = Profile.Median(off);
        Console.WriteLine($"on:  median {onMedian * 1e3:F2} ms, best {on.Min() * 1e3:F2} ms");
        Console.WriteLine($"off: median {offMedian * 1e3:F2} ms, best {off.Min() * 1e3:F2} ms");
        Console.WriteLine($"off / on: median {offMedian / onMedian:F3}×, best {off.Min() / on.Min():F3}×, median of the rounds' ratios {Profile.Median(ratios):F3}×");
    }

    /// <summary>
    /// Times <paramref name="action"/> with a switch on and off, alternating for <paramref name="rounds"/> rounds (the
    /// order alternating too, so that neither side always runs right after the other), and leaves the switch on. Returns
    /// each side's times and each round's off / on ratio.
    /// </summary>
    internal static (List<double> On, List<double> Off, List<double> Ratios) Alternate(Action<bool> set, Action action, int rounds)
    {
        List<double> on = [], off = [], ratios = [];
        for (int round = 0; round < rounds; round++)
        {
            bool onFirst = round % 2 == 0;
            set(onFirst);
            double a = Profile.Time(action);
            set(!onFirst);
            double b = Profile.Time(action);
            (double timeOn, double timeOff) = onFirst ? (a, b) : (b, a);
            on.Add(timeOn);
            off.Add(timeOff);
            ratios.Add(timeOff / timeOn);
        }

        set(true);
        return (on, off, ratios);
    }
}
