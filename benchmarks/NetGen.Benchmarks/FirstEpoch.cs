using System.Diagnostics;
using System.Runtime;
using FashionMnistSample;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>--first-epoch [fit|bare] [threads]</c>: what the first epoch of a fresh process costs, as the peers' harness
/// times it (one <c>Trainer.Fit</c> of the Fashion-MNIST MLP, batch 128, 60,000 stand-in samples, the peers' options),
/// or the same 469 batches as bare <c>TrainStep</c> + Adam steps (<c>bare</c>, rows gathered by the same shuffled
/// order beforehand). Run each mode in its own process, alternately: the point is the JIT, which a process does once.
/// Prints one line: wall time, the JIT's compilation time and method count during the timed part
/// (<see cref="JitInfo"/>, all threads), the process's CPU time over it, the first batch and the per-step median of
/// the last 200 (bare only).
/// </summary>
/// <remarks>
/// With <c>DOTNET_JitStdOutFile=&lt;file&gt; DOTNET_JitDisasmSummary=1</c> the runtime lists every method it compiles
/// with its tier (tier 0, instrumented, OSR, tier 1, optimized): which are compiled more than once.
/// </remarks>
internal static class FirstEpoch
{
    private const int Samples = 60_000, Batch = 128;

    public static void Run(string mode, int threads)
    {
        NetGenOptions.MaxDegreeOfParallelism = threads;
        (float[] features, int[] labels, Dataset<float> data) = TrainerOverhead.StandInData(Samples);
        var network = new FashionMlp(1);
        var adam = new Adam<float>(learningRate: 0.001);
        double firstBatch = double.NaN, steady = double.NaN;
        TimeSpan jit0, jit1, cpu0, cpu1;
        long methods0, methods1;
        double wall;
        if (mode == "bare")
        {
            var order = new int[Samples];
            var shuffler = new SplitMixShuffler(1);
            new InMemorySource<float>(data).BeginEpoch(order, ref shuffler, shuffle: true);
            var x = new float[features.Length];
            var y = new int[Samples];
            for (int i = 0; i < Samples; i++)
            {
                features.AsSpan(order[i] * FashionMlp.InputSize, FashionMlp.InputSize).CopyTo(x.AsSpan(i * FashionMlp.InputSize));
                y[i] = labels[order[i]];
            }

            int steps = (Samples + Batch - 1) / Batch;
            var times = new double[steps];
            (jit0, methods0, cpu0) = Counters();
            var watch = Stopwatch.StartNew();
            for (int s = 0; s < steps; s++)
            {
                long t = Stopwatch.GetTimestamp();
                int start = s * Batch, n = Math.Min(Batch, Samples - start);
                network.TrainStep(x.AsSpan(start * FashionMlp.InputSize, n * FashionMlp.InputSize), y.AsSpan(start, n));
                adam.Step(network.Parameters, network.Gradients);
                times[s] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }

            wall = watch.Elapsed.TotalSeconds;
            (jit1, methods1, cpu1) = Counters();
            firstBatch = times[0];
            double[] last = times[^200..];
            Array.Sort(last);
            steady = last[100];
        }
        else
        {
            var trainer = new Trainer<float>(network, adam, new TrainerOptions
            { Epochs = 1, BatchSize = Batch, Seed = 1, TrainingAccuracy = false, ComputeAccuracy = false, ReportBatches = false });
            (jit0, methods0, cpu0) = Counters();
            var watch = Stopwatch.StartNew();
            trainer.Fit(data);
            wall = watch.Elapsed.TotalSeconds;
            (jit1, methods1, cpu1) = Counters();
        }

        Console.WriteLine(
            $"first-epoch {mode}\tthreads {threads}\t{NetGenOptions.KernelPath}\twall {wall:F3} s\tJIT {(jit1 - jit0).TotalMilliseconds:F0} ms ({methods1 - methods0} methods; {jit0.TotalMilliseconds:F0} ms, {methods0} before)\t"
            + $"CPU {(cpu1 - cpu0).TotalSeconds:F3} s\tfirst batch {firstBatch:F1} ms\tsteady step {steady:F3} ms");
    }

    private static (TimeSpan Jit, long Methods, TimeSpan Cpu) Counters() =>
        (JitInfo.GetCompilationTime(currentThread: false), JitInfo.GetCompiledMethodCount(currentThread: false), Process.GetCurrentProcess().TotalProcessorTime);
}
