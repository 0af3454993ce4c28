using System.Diagnostics;
using FashionMnistSample;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>-- --mlp-train</c>: the Fashion MLP's train step (batch 128, Adam) kernel by kernel, as the generated code calls
/// them, at 1 and at 2 threads in alternating rounds, with each part's speed-up from the second thread. It shows which
/// parts keep two threads from halving the step; the figures that count come from BenchmarkDotNet and the peers.
/// <c>-- --mlp-train SWITCH</c> times every part with a kernel switch off (before) and on, at both thread counts, in one
/// run: <c>light</c> (the light passes over activations split from <see cref="GemmTuning.LightGrain"/> values per
/// thread, against 2¹⁶ as before), a number (that grain against 2¹⁶), or <c>parts</c> (products split by columns into up to
/// 32 parts per thread, against 8), <c>ends</c> (the worker pool's parts claimed from both ends, against all from the front), <c>exp</c> (softmax
/// and its cross-entropy split by rows, against not), <c>prefetch</c> (the product tiles' prefetch of C, against none), <c>all</c> (light, exp and ends against none of them).
/// <c>-- --mlp-train sequence [GRAIN]</c> times the parts in the step's order instead, each within the pass (optionally
/// with the light passes' grain set to GRAIN values per thread).
/// </summary>
internal static class MlpTrainProfile
{
    public static void Run(string? name = null, int? lightGrain = null)
    {
        if (lightGrain is { } forcedGrain)
        {
            GemmTuning.LightGrain = forcedGrain;
        }

        bool sequence = name == "sequence";
        Action<bool>? set = name switch
        {
            null or "sequence" => null,
            "light" => on => GemmTuning.LightGrain = on ? MapJob<float>.DefaultLightGrain : 1 << 16,
            "parts" => on => GemmTuning.PartsPerThread = on ? 32 : 8,
            "ends" => on => NetGen.Threading.WorkerPool.TwoEnded = on,
            "exp" => on => GemmTuning.ExpGrain = on ? 1 << 9 : int.MaxValue,
            "prefetch" => on => GemmTuning.PrefetchC = on,
            "all" => on => (GemmTuning.LightGrain, GemmTuning.ExpGrain, NetGen.Threading.WorkerPool.TwoEnded) = (on ? MapJob<float>.DefaultLightGrain : 1 << 16, on ? 1 << 9 : int.MaxValue, on),
            _ when int.TryParse(name, System.Globalization.CultureInfo.InvariantCulture, out int grain) => on => GemmTuning.LightGrain = on ? grain : 1 << 16,
            _ => throw new ArgumentException($"Unknown switch '{name}': expected light or a grain.", nameof(name)),
        };
        const int b = 128;
        float[] x = Data.Inputs(b, 784);
        int[] labels = Data.Labels(b, 10);
        float[] t = new float[b * 10];
        Losses.LabelsToTargets<float>(labels, t, 10);
        float[] w1 = Data.Inputs(256 * 784, 1), b1 = new float[256], a1 = new float[b * 256], xh2 = new float[a1.Length], a2 = new float[a1.Length], a3 = new float[a1.Length], m4 = new float[a1.Length], a4 = new float[a1.Length];
        float[] g2 = Ones(256), be2 = new float[256], rm2 = new float[256], rv2 = Ones(256), is2 = new float[256];
        float[] w5 = Data.Inputs(128 * 256, 1), b5 = new float[128], a5 = new float[b * 128], xh6 = new float[a5.Length], a6 = new float[a5.Length], a7 = new float[a5.Length], m8 = new float[a5.Length], a8 = new float[a5.Length];
        float[] g6 = Ones(128), be6 = new float[128], rm6 = new float[128], rv6 = Ones(128), is6 = new float[128];
        float[] w9 = Data.Inputs(1280, 1), b9 = new float[10], a9 = new float[b * 10], a10 = new float[b * 10], d9 = new float[b * 10];
        float[] dw1 = new float[w1.Length], db1 = new float[256], d1 = new float[a1.Length], d2 = new float[a1.Length], d3 = new float[a1.Length], dg2 = new float[256], dbe2 = new float[256];
        float[] dw5 = new float[w5.Length], db5 = new float[128], d4 = new float[a1.Length], d5 = new float[a5.Length], d6 = new float[a5.Length], d7 = new float[a5.Length], dg6 = new float[128], dbe6 = new float[128];
        float[] dw9 = new float[w9.Length], db9 = new float[10], d8 = new float[a5.Length];
        var random = new NetGenRandom(1);
        Scale(w1, 0.05f);
        Scale(w5, 0.1f);

        var steps = new List<(string Name, Action Call)>
        {
            ("dense1 fwd 128×784×256", () => Linear.Forward<float>(x, w1, b1, a1, b, 784, 256)),
            ("bn2 train + relu3 + dropout4", () => { BatchNorm.ForwardTraining<float>(a1, g2, be2, rm2, rv2, xh2, is2, a2, b, 256, 1, 0.9f, 1e-5f); Activations.ReLU<float>(a2, a3); Dropout.ForwardTraining<float>(a3, m4, a4, 0.2f, random); }),
            ("dense5 fwd 128×256×128", () => Linear.Forward<float>(a4, w5, b5, a5, b, 256, 128)),
            ("bn6 train + relu7 + dropout8", () => { BatchNorm.ForwardTraining<float>(a5, g6, be6, rm6, rv6, xh6, is6, a6, b, 128, 1, 0.9f, 1e-5f); Activations.ReLU<float>(a6, a7); Dropout.ForwardTraining<float>(a7, m8, a8, 0.2f, random); }),
            ("dense9 fwd + softmax + loss", () => { Linear.Forward<float>(a8, w9, b9, a9, b, 128, 10); Activations.Softmax<float>(a9, a10, b, 10); Losses.SoftmaxCrossEntropy<float>(a9, a10, t, d9, b, 10); }),
            ("clear gradients", () => { dw1.AsSpan().Clear(); dw5.AsSpan().Clear(); dw9.AsSpan().Clear(); }),
            ("dense9 bwd", () => Linear.Backward<float>(a8, w9, d9, dw9, db9, d8, b, 128, 10)),
            ("dropout8 + relu7 + bn6 bwd", () => { Dropout.Backward<float>(m8, d8, d7); Activations.ReLUBackward<float>(a6, d7, d6); BatchNorm.Backward<float>(xh6, is6, g6, d6, dg6, dbe6, d5, b, 128, 1); }),
            ("dense5 bwd 128×256×128", () => Linear.Backward<float>(a4, w5, d5, dw5, db5, d4, b, 256, 128)),
            ("dropout4 + relu3 + bn2 bwd", () => { Dropout.Backward<float>(m4, d4, d3); Activations.ReLUBackward<float>(a2, d3, d2); BatchNorm.Backward<float>(xh2, is2, g2, d2, dg2, dbe2, d1, b, 256, 1); }),
            ("dense1 bwd (dW) 128×784×256", () => Linear.Backward<float>(x, w1, d1, dw1, db1, Span<float>.Empty, b, 784, 256)),
        };

        var network = new FashionMlp();
        var adam = new Adam<float>(learningRate: 0.001);
        steps.Add(("Adam step", () => adam.Step(network.Parameters, network.Gradients)));
        steps.Add(("TrainStep + Adam (whole)", () => { network.TrainStep(x, labels); adam.Step(network.Parameters, network.Gradients); }));

        if (sequence)
        {
            InSequence(steps);
            return;
        }

        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPathReason}" + (name is null ? "" : $"; switch {name}: off (1 thread, 2 threads), on (1 thread, 2 threads)"));
        int sides = set is null ? 1 : 2;
        var times = new List<double>[steps.Count, 2 * sides];
        for (int i = 0; i < steps.Count; i++)
        {
            for (int c = 0; c < 2 * sides; c++)
            {
                times[i, c] = [];
            }
        }

        for (int round = 0; round < 12; round++)
        {
            for (int side = 0; side < sides; side++)
            {
                // The order of the sides alternates from round to round.
                bool on = (side == 1) ^ (round % 2 == 1);
                set?.Invoke(on);
                for (int threads = 1; threads <= 2; threads++)
                {
                    NetGenOptions.MaxDegreeOfParallelism = threads;
                    for (int i = 0; i < steps.Count; i++)
                    {
                        times[i, (set is null || !on ? 0 : 2) + threads - 1].Add(Profile.Time(steps[i].Call));
                    }
                }
            }
        }

        set?.Invoke(true);
        var sums = new double[2 * sides];
        for (int i = 0; i < steps.Count; i++)
        {
            var medians = new double[2 * sides];
            for (int c = 0; c < 2 * sides; c++)
            {
                medians[c] = Profile.Median(times[i, c]);
            }

            if (i < steps.Count - 1)
            {
                for (int c = 0; c < 2 * sides; c++)
                {
                    sums[c] += medians[c];
                }
            }
            else
            {
                Console.WriteLine(Line("sum of the parts", sums));
            }

            Console.WriteLine(Line(steps[i].Name, medians));
        }
    }

    /// <summary>
    /// <c>--mlp-train sequence</c>: the parts one after another as the step runs them, each timed within the pass, so
    /// that a part pays for the caches and the idle worker the part before it left behind, as it does in the step.
    /// </summary>
    internal static void InSequence(List<(string Name, Action Call)> steps)
    {
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPathReason}; the parts in sequence, medians of 400 passes");
        int parts = steps.Count - 1;
        var medians = new double[steps.Count, 2];
        for (int threads = 1; threads <= 2; threads++)
        {
            NetGenOptions.MaxDegreeOfParallelism = threads;
            var times = new double[steps.Count, 400];
            for (int pass = -50; pass < 400; pass++)
            {
                for (int i = 0; i < parts; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    steps[i].Call();
                    if (pass >= 0)
                    {
                        times[i, pass] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    }
                }

                long whole = Stopwatch.GetTimestamp();
                steps[parts].Call();
                if (pass >= 0)
                {
                    times[parts, pass] = Stopwatch.GetElapsedTime(whole).TotalSeconds;
                }
            }

            for (int i = 0; i < steps.Count; i++)
            {
                medians[i, threads - 1] = Profile.Median(Enumerable.Range(0, 400).Select(p => times[i, p]).ToList());
            }
        }

        var sums = new double[2];
        for (int i = 0; i < steps.Count; i++)
        {
            if (i < parts)
            {
                sums[0] += medians[i, 0];
                sums[1] += medians[i, 1];
            }
            else
            {
                Console.WriteLine(Line("sum of the parts", sums));
            }

            Console.WriteLine(Line(steps[i].Name, [medians[i, 0], medians[i, 1]]));
        }
    }

    private static string Line(string name, double[] medians)
    {
        var line = new System.Text.StringBuilder($"{name,-32}");
        for (int side = 0; side < medians.Length / 2; side++)
        {
            line.Append($" {medians[2 * side] * 1e6,8:F0} µs {medians[(2 * side) + 1] * 1e6,8:F0} µs  {medians[2 * side] / medians[(2 * side) + 1],5:F2}×");
        }

        if (medians.Length == 4)
        {
            line.Append($"   on/off 1t {medians[2] / medians[0],5:F3} 2t {medians[3] / medians[1],5:F3}");
        }

        return line.ToString();
    }

    private static float[] Ones(int n) => Enumerable.Repeat(1f, n).ToArray();

    private static void Scale(float[] values, float scale)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (values[i] - 0.5f) * scale;
        }
    }
}
