using System.Diagnostics;
using FashionMnistSample;
using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>--gemm-ab [ROUNDS]</c>: every GEMM shape of the MLP and the CNN on one thread, OpenBLAS and NetGen with
/// <see cref="GemmTuning.PrefetchC"/> off (before) and on (after), the three interleaved in each round; each side's
/// fastest round of ROUNDS (default 15), so a busy machine's pre-emptions drop out. Prints NetGen ÷ OpenBLAS speed for
/// both and after ÷ before.
/// </summary>
internal static class GemmPrefetchAB
{
    public static void Run(int rounds)
    {
        Action<bool> set = on => GemmTuning.PrefetchC = on;
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPathReason}; OpenBLAS core: {OpenBlas.Describe() ?? "not found"}");
        OpenBlas.SetThreads(1);
        foreach (GemmShape shape in GemmShape.MlpShapes.Concat(GemmShape.CnnShapes))
        {
            float[] a = GemmBenchmarks.Random(shape.M * shape.K, 1), b = GemmBenchmarks.Random(shape.K * shape.N, 2), c = GemmBenchmarks.Random(shape.M * shape.N, 3);
            double blas = double.MaxValue, before = double.MaxValue, after = double.MaxValue;
            for (int round = 0; round < rounds; round++)
            {
                blas = Math.Min(blas, Time(() => GemmBenchmarks.RunOpenBlas(shape, a, b, c)));
                set(false);
                before = Math.Min(before, Time(() => GemmBenchmarks.RunNetGen(shape, a, b, c, 1)));
                set(true);
                after = Math.Min(after, Time(() => GemmBenchmarks.RunNetGen(shape, a, b, c, 1)));
            }

            Console.WriteLine($"{shape.Name,-24} OpenBLAS {shape.Flops / blas / 1e9,6:F1} GFLOP/s  before {blas / before,5:P0}  after {blas / after,5:P0}  (after ÷ before time {after / before:F3})");
        }
    }

    /// <summary>
    /// <c>--predict-ab [ROUNDS] [THREADS]</c>: the Fashion MLP's Predict of 1,024 samples with C's prefetch and the
    /// cache-sized parts of <see cref="GemmTuning.PredictChunkWork"/> both off (before), each alone, and both on,
    /// interleaved in each round. Prints each side's fastest round and its time ÷ before's: the median of the rounds' own ratios (the two sides a few milliseconds apart, so that a busy machine's slow spells cancel) and of the fastest rounds.
    /// </summary>
    public static void Predict(int rounds, int threads)
    {
        NetGenOptions.MaxDegreeOfParallelism = threads;
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPath}; {threads} thread(s)");
        var net = new FashionMlp();
        float[] inputs = Data.Inputs(1024, FashionMlp.InputSize), outputs = new float[1024 * FashionMlp.OutputSize];
        long chunk = GemmTuning.PredictChunkWork;
        (string Name, Action Set)[] sides =
        [
            ("before", () => { GemmTuning.PrefetchC = false; GemmTuning.PredictChunkWork = 0; }),
            ("prefetch C", () => { GemmTuning.PrefetchC = true; GemmTuning.PredictChunkWork = 0; }),
            ("parts", () => { GemmTuning.PrefetchC = false; GemmTuning.PredictChunkWork = chunk; }),
            ("both", () => { GemmTuning.PrefetchC = true; GemmTuning.PredictChunkWork = chunk; }),
        ];
        var best = new double[sides.Length];
        var ratios = new double[sides.Length, rounds];
        Array.Fill(best, double.MaxValue);
        for (int round = 0; round < rounds; round++)
        {
            var times = new double[sides.Length];
            for (int s = 0; s < sides.Length; s++)
            {
                sides[s].Set();
                times[s] = Time(() => net.Predict(inputs, outputs));
                best[s] = Math.Min(best[s], times[s]);
            }

            for (int s = 0; s < sides.Length; s++)
            {
                ratios[s, round] = times[s] / times[0];
            }
        }

        sides[^1].Set();
        for (int s = 0; s < sides.Length; s++)
        {
            double[] own = Enumerable.Range(0, rounds).Select(r => ratios[s, r]).Order().ToArray();
            Console.WriteLine($"{sides[s].Name,-12} fastest {best[s] * 1e3,7:F3} ms  ÷ before: median of rounds {own[rounds / 2]:F3}, fastest {best[s] / best[0]:F3}");
        }
    }

    /// <summary>Seconds per call: calls for ~20 ms after a few warm-up calls.</summary>
    private static double Time(Action call)
    {
        for (int i = 0; i < 3; i++)
        {
            call();
        }

        long calls = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalMilliseconds < 20)
        {
            call();
            calls++;
        }

        return clock.Elapsed.TotalSeconds / calls;
    }
}
