using System.Diagnostics;
using FashionMnistSample;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>--fit-ab [rounds]</c>: in one process, interleaved round by round, the trainer's two ways of checking the gradient
/// (Adam measuring its norm in the update's own pass, against a separate norm pass first:
/// <see cref="Trainer{T}.FusedGradientCheck"/>) against the bare loop, for one epoch of the Fashion MLP at batch 128;
/// then the optimizer step alone after each TrainStep: Adam plain, guarded and checked at 1 and 2 threads, and split in
/// one contiguous range per thread or two. Medians and ratios; absolute times on a shared machine are noise.
/// </summary>
internal static class FitCheckAB
{
    private const int Samples = 60_000, Batch = 128;

    public static void Run(int rounds)
    {
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPath}; threads {NetGenOptions.MaxDegreeOfParallelism}; {Environment.ProcessorCount} cores; {rounds} rounds");
        (float[] features, int[] labels, Dataset<float> data) = TrainerOverhead.StandInData(Samples);
        var names = new[] { "bare", "Fit new", "Fit old", "Fit new (no accuracy)", "Fit old (no accuracy)" };
        var times = names.Select(_ => new List<double>()).ToArray();
        var withAccuracy = new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1, ReportBatches = false };
        var noAccuracy = new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1, TrainingAccuracy = false, ComputeAccuracy = false, ReportBatches = false };
        double Variant(int v) => v switch
        {
            0 => TrainerOverhead.Bare(features, labels),
            1 => Fit(data, withAccuracy, fused: true),
            2 => Fit(data, withAccuracy, fused: false),
            3 => Fit(data, noAccuracy, fused: true),
            _ => Fit(data, noAccuracy, fused: false),
        };

        for (int v = 0; v < names.Length; v++)
        {
            Variant(v); // warm-up: tiering, buffers
        }

        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < names.Length; k++)
            {
                int v = (round + k) % names.Length;
                times[v].Add(Variant(v));
            }
        }

        double bare = Profile.Median(times[0]);
        for (int v = 0; v < names.Length; v++)
        {
            double m = Profile.Median(times[v]);
            Console.WriteLine($"{names[v],-32} median {m:F3} s  ({m / bare:F3} × bare, {(m - bare) / Steps * 1e6:F0} µs per step over bare)");
        }

        Console.WriteLine($"new / old: {Profile.Median(times[1]) / Profile.Median(times[2]):F3} (accuracy), {Profile.Median(times[3]) / Profile.Median(times[4]):F3} (no accuracy)");
        Optimizer(features, labels, rounds);
    }

    private static int Steps => (Samples + Batch - 1) / Batch;

    /// <summary>The optimizer step alone, timed after each of 100 TrainSteps, so that its buffers are as cold as in training.</summary>
    private static void Optimizer(float[] features, int[] labels, int rounds)
    {
        var network = new FashionMlp(1);
        float limit = MathF.Sqrt(float.MaxValue);
        var names = new[] { "plain 1t", "plain 2t (2 parts/thread)", "plain 2t (1 part/thread)", "guarded 1t", "guarded 2t", "checked 1t", "checked 2t", "checked 1t streamed", "checked 2t streamed", "norm pass 1t", "norm pass 2t" };
        var optimizers = names.Select(_ => new Adam<float>(learningRate: 1e-4)).ToArray();
        for (int i = 3; i < 9; i++)
        {
            optimizers[i].KeepPreviousState();
        }

        // Aligned, as the trainer's copy is, so that the streamed variants stream.
        float[] storage = GC.AllocateArray<float>(network.Parameters.Length + 16, pinned: true);
        Span<float> previous = Aligned(storage, network.Parameters.Length);
        var times = names.Select(_ => new List<double>()).ToArray();
        int threadsBefore = NetGenOptions.MaxDegreeOfParallelism;
        for (int round = 0; round < rounds + 1; round++)
        {
            for (int k = 0; k < names.Length; k++)
            {
                int v = (round + k) % names.Length;
                NetGenOptions.MaxDegreeOfParallelism = names[v].Contains("1t") ? 1 : 2;
                AdamJobParts(names[v].Contains("1 part") ? 1 : 2);
                AdamJob<float>.StreamPrevious = names[v].Contains("streamed");
                long ticks = 0;
                for (int s = 0; s < 100; s++)
                {
                    int start = (s * Batch) % (Samples - Batch);
                    network.TrainStep(features.AsSpan(start * FashionMlp.InputSize, Batch * FashionMlp.InputSize), labels.AsSpan(start, Batch));
                    long t0 = Stopwatch.GetTimestamp();
                    switch (v)
                    {
                        case 0 or 1 or 2:
                            optimizers[v].Step(network.Parameters, network.Gradients);
                            break;
                        case 3 or 4:
                            optimizers[v].StepGuarded(network.Parameters, network.Gradients, previous, limit);
                            break;
                        case 5 or 6 or 7 or 8:
                            optimizers[v].StepChecked(network.Parameters, network.Gradients, previous, limit, out _);
                            break;
                        default:
                            GradientClipping.GlobalNorm<float>(network.Gradients);
                            break;
                    }

                    ticks += Stopwatch.GetTimestamp() - t0;
                }

                if (round > 0)
                {
                    times[v].Add(ticks * 1e6 / Stopwatch.Frequency / 100);
                }
            }
        }

        NetGenOptions.MaxDegreeOfParallelism = threadsBefore;
        AdamJobParts(2);
        AdamJob<float>.StreamPrevious = true;
        double plain1 = Profile.Median(times[0]);
        for (int v = 0; v < names.Length; v++)
        {
            double m = Profile.Median(times[v]);
            Console.WriteLine($"optimizer {names[v],-28} median {m,6:F1} µs  ({m / plain1:F3} × plain 1t)");
        }
    }

    private static unsafe Span<float> Aligned(float[] storage, int length)
    {
        fixed (float* start = storage)
        {
            int offset = (int)((64 - ((nuint)start % 64)) % 64) / sizeof(float);
            return storage.AsSpan(offset, length);
        }
    }

    private static void AdamJobParts(int parts) => AdamJob<float>.PartsPerThread = parts;

    private static double Fit(Dataset<float> data, TrainerOptions options, bool fused)
    {
        // Old: the norm in a pass of its own, the copy of the parameters through the caches.
        Trainer<float>.FusedGradientCheck = fused;
        AdamJob<float>.StreamPrevious = fused;
        try
        {
            return TrainerOverhead.Fit(data, options);
        }
        finally
        {
            Trainer<float>.FusedGradientCheck = true;
            AdamJob<float>.StreamPrevious = true;
        }
    }
}
