using System.Diagnostics;
using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>--gemm-ab [ROUNDS] [rows|prefetch|all]</c>: every GEMM shape of the MLP and the CNN on one thread, OpenBLAS and NetGen with
/// <see cref="GemmTuning.RowBlocks"/>, <see cref="GemmTuning.PrefetchC"/> or both off (before) and on (after), the three interleaved in each round; each side's
/// fastest round of ROUNDS (default 15), so a busy machine's pre-emptions drop out. Prints NetGen ÷ OpenBLAS speed for
/// both and after ÷ before.
/// </summary>
internal static class GemmBlockAB
{
    public static void Run(int rounds, string which)
    {
        Action<bool> set = which switch
        {
            "rows" => on => GemmTuning.RowBlocks = on,
            "prefetch" => on => GemmTuning.PrefetchC = on,
            _ => on => { GemmTuning.RowBlocks = on; GemmTuning.PrefetchC = on; },
        };
        Console.WriteLine($"switch {which}");
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
