using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using NetGen;
using NetGen.Benchmarks;

// OpenBLAS reads these when it loads; BenchmarkDotNet's child processes inherit them.
SetDefault("OPENBLAS_NUM_THREADS", "1");
SetDefault("OPENBLAS_CORETYPE", "SkylakeX");

if (args is ["--quick", ..])
{
    Quick.Run();
    return;
}

if (args is ["--trainer", ..])
{
    TrainerOverhead.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : -1);
    return;
}

if (args is ["--trainer-steps", ..])
{
    TrainerOverhead.StepTimes(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : -1);
    return;
}

if (args is ["--fit-ab", ..])
{
    FitCheckAB.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 9);
    return;
}

if (args is ["--first-epoch", ..])
{
    FirstEpoch.Run(args.Length > 1 ? args[1] : "fit", args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2);
    return;
}

if (args is ["--profile", ..])
{
    Profile.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1, args is [_, _, "whole", ..], args is [_, _, "sequence", ..]);
    return;
}

if (args is ["--tiny-parts", ..])
{
    TinyProfile.Parts();
    return;
}

if (args is ["--tiny-loop", _, ..])
{
    TinyProfile.Loop(args[1], args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10);
    return;
}

if (args is ["--tiny", ..])
{
    TinyProfile.Run(args.Length > 1 ? args[1] : "all");
    return;
}

if (args is ["--mlp-train", ..])
{
    MlpTrainProfile.Run(args.Length > 1 ? args[1] : null, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : null);
    return;
}

if (args is ["--conv", ..])
{
    Quick.CompareDirectConvolution();
    return;
}

if (args is ["--winograd", ..])
{
    WinogradProbe.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1);
    return;
}

if (args is ["--ab", _, ..])
{
    StepAB.Run(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1);
    return;
}

if (args is ["--bn-block", ..])
{
    BlockAB.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1);
    return;
}

if (args is ["--gemm-ab", ..])
{
    GemmPrefetchAB.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15);
    return;
}

if (args is ["--predict-ab", ..])
{
    GemmPrefetchAB.Predict(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1);
    return;
}

if (args is ["--maps-ab", ..])
{
    MapPrefetchAB.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15);
    return;
}

if (args is ["--tanh", ..])
{
    TanhProbe.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 9);
    return;
}

if (args is ["--tiles", ..])
{
    Quick.CompareTiles();
    return;
}

// A busy machine (other builds on the same cores) can take more than BenchmarkDotNet's default 2 minutes to build the
// benchmark's copy of the project, which it then reports as a build error.
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args, ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10)));

static void SetDefault(string name, string value)
{
    if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
    {
        Environment.SetEnvironmentVariable(name, value);
    }
}

/// <summary>A rough Stopwatch pass over the GEMM shapes, for a first look while tuning; the figures that count come from BenchmarkDotNet.</summary>
internal static class Quick
{
    public static void Run()
    {
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPath}; OpenBLAS core: {OpenBlas.Describe() ?? "not found"}");
        OpenBlas.SetThreads(1);
        foreach (GemmShape shape in GemmShape.MlpShapes.Concat(GemmShape.CnnShapes))
        {
            float[] a = GemmBenchmarks.Random(shape.M * shape.K, 1), b = GemmBenchmarks.Random(shape.K * shape.N, 2), c = GemmBenchmarks.Random(shape.M * shape.N, 3);
            double blas = Time(() => GemmBenchmarks.RunOpenBlas(shape, a, b, c));
            double one = Time(() => GemmBenchmarks.RunNetGen(shape, a, b, c, 1));
            double two = Time(() => GemmBenchmarks.RunNetGen(shape, a, b, c, 2));
            Console.WriteLine($"{shape.Name,-24} OpenBLAS {shape.Flops / blas / 1e9,6:F1} GFLOP/s  NetGen {shape.Flops / one / 1e9,6:F1} ({blas / one:P0})  2 threads {shape.Flops / two / 1e9,6:F1}");
        }

        var mlp = new MlpBenchmarks();
        double hand = Time(() => mlp.HandWritten());
        double step1 = Time(() => mlp.NetGenOneThread());
        double step2 = Time(() => mlp.NetGenTwoThreads());
        Console.WriteLine($"MLP step: hand-written {hand * 1e6:F0} µs, NetGen 1 thread {step1 * 1e6:F0} µs ({hand / step1:F1}×), 2 threads {step2 * 1e6:F0} µs ({step1 / step2:F2}× over 1)");
        mlp.Cleanup();

        var tiny = new TinyNetworkBenchmarks();
        Console.WriteLine($"XOR TrainStep {Time(() => tiny.XorTrainStep()) * 1e9:F0} ns, Predict {Time(tiny.XorPredict) * 1e9:F0} ns; 16-32-32-4 TrainStep {Time(() => tiny.MlpTrainStep()) * 1e9:F0} ns, Predict {Time(tiny.MlpPredict) * 1e9:F0} ns");
        var optimizers = new OptimizerBenchmarks();
        optimizers.Setup();
        Console.WriteLine($"Adam step {Time(optimizers.AdamStep) * 1e6:F0} µs, SGD momentum step {Time(optimizers.SgdStep) * 1e6:F0} µs");
        var generator = new GeneratorBenchmarks();
        generator.Setup();
        Console.WriteLine($"Generator: warm compilation {Time(() => generator.Generate()) * 1e3:F2} ms, new compilation {Time(() => generator.GenerateNewCompilation()) * 1e3:F2} ms");
    }

    private static double Time(Action action)
    {
        // Warm up for half a second, as the peers do: after only 20 calls the tiny networks still ran their tier-0
        // code (5–10× slower) through the whole measurement, since tier-1 arrives ~100 ms after the last new JIT.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 20 || warm.Elapsed.TotalMilliseconds < 500; i++)
        {
            action();
        }

        double best = double.MaxValue;
        for (int round = 0; round < 7; round++)
        {
            var watch = Stopwatch.StartNew();
            int count = 0;
            while (watch.Elapsed.TotalMilliseconds < 30)
            {
                action();
                count++;
            }

            best = Math.Min(best, watch.Elapsed.TotalSeconds / count);
        }

        return best;
    }

    /// <summary>
    /// The Fashion CNN's convolutions at batch 128 on one thread, alternating the two ways 15 times and keeping each one's
    /// best: the first layer's forward pass (1 → 32 channels, 28 × 28) by the direct one-channel kernel against im2col and
    /// the GEMM, and the second layer's (32 → 64, 14 × 14) forward and backward passes by Winograd against im2col.
    /// </summary>
    public static void CompareDirectConvolution()
    {
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPathReason}");
        int previous = NetGenOptions.MaxDegreeOfParallelism;
        NetGenOptions.MaxDegreeOfParallelism = 1;
        const int batch = 128, filters = 32;
        float[] x = GemmBenchmarks.Random(batch * 784, 1), w = GemmBenchmarks.Random(filters * 9, 2), b = GemmBenchmarks.Random(filters, 3);
        float[] y = new float[batch * filters * 784], workspace = new float[NetGen.Kernels.Conv2D.WorkspaceLength(1, 28, 28, filters, 3, 1, 1)];
        float[] dy = GemmBenchmarks.Random(y.Length, 8), dw = new float[w.Length], db = new float[filters];
        double direct = double.MaxValue, gemm = double.MaxValue, directBackward = double.MaxValue, gemmBackward = double.MaxValue;
        for (int round = 0; round < 15; round++)
        {
            NetGen.Kernels.DirectConvolution.Enabled = true;
            direct = Math.Min(direct, Time(() => NetGen.Kernels.Conv2D.Forward<float>(x, w, b, y, workspace, batch, 1, 28, 28, filters, 3, 1, 1)));
            directBackward = Math.Min(directBackward, Time(() => NetGen.Kernels.Conv2D.Backward<float>(x, w, dy, dw, db, Span<float>.Empty, workspace, batch, 1, 28, 28, filters, 3, 1, 1)));
            NetGen.Kernels.DirectConvolution.Enabled = false;
            gemm = Math.Min(gemm, Time(() => NetGen.Kernels.Conv2D.Forward<float>(x, w, b, y, workspace, batch, 1, 28, 28, filters, 3, 1, 1)));
            gemmBackward = Math.Min(gemmBackward, Time(() => NetGen.Kernels.Conv2D.Backward<float>(x, w, dy, dw, db, Span<float>.Empty, workspace, batch, 1, 28, 28, filters, 3, 1, 1)));
        }

        NetGen.Kernels.DirectConvolution.Enabled = true;
        Console.WriteLine($"conv 1→32 3×3 28×28 b=128 forward: direct {direct * 1e3:F3} ms, im2col + GEMM {gemm * 1e3:F3} ms ({gemm / direct:F2}×)");
        Console.WriteLine($"conv 1→32 3×3 28×28 b=128 backward (dW, db): nine-tap dots {directBackward * 1e3:F3} ms, GEMM {gemmBackward * 1e3:F3} ms ({gemmBackward / directBackward:F2}×)");

        // The second layer, 32 → 64 on 14 × 14 maps: Winograd's F(2 × 2, 3 × 3) against im2col and the GEMM.
        float[] x5 = GemmBenchmarks.Random(batch * 32 * 196, 4), w5 = GemmBenchmarks.Random(64 * 288, 5), b5 = GemmBenchmarks.Random(64, 6);
        float[] y5 = new float[batch * 64 * 196], dy5 = GemmBenchmarks.Random(y5.Length, 7), dx5 = new float[x5.Length], dw5 = new float[w5.Length], db5 = new float[64];
        float[] ws5 = new float[NetGen.Kernels.Conv2D.WorkspaceLength(32, 14, 14, 64, 3, 1, 1)];
        double[] winograd = [double.MaxValue, double.MaxValue], columns = [double.MaxValue, double.MaxValue];
        for (int round = 0; round < 15; round++)
        {
            foreach (bool on in new[] { true, false })
            {
                NetGen.Kernels.Winograd.Enabled = on;
                double forward = Time(() => NetGen.Kernels.Conv2D.Forward<float>(x5, w5, b5, y5, ws5, batch, 32, 14, 14, 64, 3, 1, 1));
                double backward = Time(() => NetGen.Kernels.Conv2D.Backward<float>(x5, w5, dy5, dw5, db5, dx5, ws5, batch, 32, 14, 14, 64, 3, 1, 1));
                double[] best = on ? winograd : columns;
                best[0] = Math.Min(best[0], forward);
                best[1] = Math.Min(best[1], backward);
            }
        }

        NetGen.Kernels.Winograd.Enabled = true;

        // Its kernel gradient alone (no dX): Winograd's transforms against im2col and the GEMM.
        double weightsWinograd = double.MaxValue, weightsColumns = double.MaxValue;
        for (int round = 0; round < 15; round++)
        {
            foreach (bool on in new[] { true, false })
            {
                NetGen.Kernels.Winograd.WeightGradientEnabled = on;
                double time = Time(() => NetGen.Kernels.Conv2D.Backward<float>(x5, w5, dy5, dw5, db5, Span<float>.Empty, ws5, batch, 32, 14, 14, 64, 3, 1, 1));
                if (on)
                {
                    weightsWinograd = Math.Min(weightsWinograd, time);
                }
                else
                {
                    weightsColumns = Math.Min(weightsColumns, time);
                }
            }
        }

        NetGen.Kernels.Winograd.WeightGradientEnabled = true;
        NetGenOptions.MaxDegreeOfParallelism = previous;
        Console.WriteLine($"conv 32→64 3×3 14×14 b=128 forward: Winograd {winograd[0] * 1e3:F3} ms, im2col + GEMM {columns[0] * 1e3:F3} ms ({columns[0] / winograd[0]:F2}×)");
        Console.WriteLine($"conv 32→64 3×3 14×14 b=128 backward (dW, db): Winograd dW {weightsWinograd * 1e3:F3} ms, im2col + GEMM {weightsColumns * 1e3:F3} ms ({weightsColumns / weightsWinograd:F2}×)");
        Console.WriteLine($"conv 32→64 3×3 14×14 b=128 backward (dW, db, dX): Winograd (dW, and dX where it pays) {winograd[1] * 1e3:F3} ms, im2col + GEMM {columns[1] * 1e3:F3} ms ({columns[1] / winograd[1]:F2}×)");
    }

    /// <summary>
    /// A rough A/B of the 16-register paths' outer-product tiles (6 × 2 against 8 × 1), alternating the two 15 times per
    /// shape and keeping each one's best time, so that a busy machine slows both alike; BenchmarkDotNet's
    /// GemmPathBenchmarks (parameter SixRowTiles) gives the figures that count.
    /// </summary>
    public static void CompareTiles()
    {
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPathReason}");
        foreach (GemmShape shape in GemmShape.MlpShapes.Concat(GemmShape.CnnShapes))
        {
            float[] a = GemmBenchmarks.Random(shape.M * shape.K, 1), b = GemmBenchmarks.Random(shape.K * shape.N, 2), c = GemmBenchmarks.Random(shape.M * shape.N, 3);
            double six = double.MaxValue, eight = double.MaxValue;
            for (int round = 0; round < 15; round++)
            {
                NetGen.Kernels.GemmTuning.SixRowTiles = true;
                six = Math.Min(six, Time(() => GemmBenchmarks.RunNetGen(shape, a, b, c, 1)));
                NetGen.Kernels.GemmTuning.SixRowTiles = false;
                eight = Math.Min(eight, Time(() => GemmBenchmarks.RunNetGen(shape, a, b, c, 1)));
            }

            NetGen.Kernels.GemmTuning.SixRowTiles = true;
            Console.WriteLine($"{shape.Name,-24} 6×2 {shape.Flops / six / 1e9,6:F1} GFLOP/s  8×1 {shape.Flops / eight / 1e9,6:F1} GFLOP/s  ({eight / six:F2}×)");
        }
    }
}
