using System.Diagnostics;
using System.Globalization;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>--tanh [ROUNDS]</c>: the float tanh with <see cref="GemmTuning.FloatTanh"/> off (before: TensorPrimitives' formula,
/// whose exponential widens to double) and on (float arithmetic only), alternating in one process, on 32, 256 and 32,768
/// values, and the 16-32-32-4 tanh network's predict and train step at batch 1. Each round alternates 41 groups of calls of
/// each side and takes each side's 3rd-fastest group (as <see cref="TinyProfile"/> does); the figures are medians over the
/// rounds (9 by default), and only the new ÷ old ratios mean anything on a shared machine.
/// </summary>
internal static class TanhProbe
{
    public static void Run(int rounds)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        NetGenOptions.MaxDegreeOfParallelism = 1;
        Console.WriteLine($"kernel path {NetGenOptions.KernelPath}; ns per call, FloatTanh off → on, medians of {rounds} rounds; load {File.ReadAllText("/proc/loadavg").Trim()}");
        var net = new TanhMlp();
        var sgd = new Sgd<float>(learningRate: 0.01);
        float[] x = Data.Inputs(1, 16), targets = [0.5f, -0.25f, 0.125f, 1f], outputs = new float[4];
        float[] a32 = Data.Inputs(1, 32), b32 = new float[32], a256 = Data.Inputs(1, 256), b256 = new float[256];
        float[] a32k = Data.Inputs(1, 32_768), b32k = new float[32_768];
        GemmPath path = KernelPaths.Current;

        // The kernel with the switch passed in, one call site per side (toggling the switch around one call site made the
        // 32-value figures swing with the order of the sides); the networks with the switch itself.
        (string Name, Action Off, Action On, int Calls)[] cases =
        [
            ("tanh 32", () => Activations.TanhVectors<float>(a32, b32, path, floatTanh: false), () => Activations.TanhVectors<float>(a32, b32, path, floatTanh: true), 1_000),
            ("tanh 256", () => Activations.TanhVectors<float>(a256, b256, path, floatTanh: false), () => Activations.TanhVectors<float>(a256, b256, path, floatTanh: true), 1_000),
            ("tanh 32,768", () => Activations.TanhVectors<float>(a32k, b32k, path, floatTanh: false), () => Activations.TanhVectors<float>(a32k, b32k, path, floatTanh: true), 10),
            ("predict", () => { GemmTuning.FloatTanh = false; net.Predict(x, outputs); }, () => { GemmTuning.FloatTanh = true; net.Predict(x, outputs); }, 1_000),
            ("train step", () => { GemmTuning.FloatTanh = false; net.TrainStep(x, targets); }, () => { GemmTuning.FloatTanh = true; net.TrainStep(x, targets); }, 1_000),
            ("train step + SGD", () => { GemmTuning.FloatTanh = false; net.TrainStep(x, targets); sgd.Step(net.Parameters, net.Gradients); }, () => { GemmTuning.FloatTanh = true; net.TrainStep(x, targets); sgd.Step(net.Parameters, net.Gradients); }, 1_000),
        ];
        foreach ((string name, Action callOff, Action callOn, int calls) in cases)
        {
            WarmUp(callOff, callOn);
            var off = new double[rounds];
            var on = new double[rounds];
            for (int round = 0; round < rounds; round++)
            {
                (off[round], on[round]) = TimePair(callOff, callOn, calls);
            }

            Array.Sort(off);
            Array.Sort(on);
            double before = off[rounds / 2], after = on[rounds / 2];
            Console.WriteLine($"{name,-20} {before,10:F1} → {after,10:F1}  new ÷ old {after / before:F3}");
        }

        GemmTuning.FloatTanh = true;
        Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    /// <summary>Half a second of calls on each side first, so that the JIT's tiers are done before anything is timed.</summary>
    private static void WarmUp(Action off, Action on)
    {
        foreach (Action call in new[] { off, on })
        {
            var clock = Stopwatch.StartNew();
            while (clock.ElapsedMilliseconds < 500)
            {
                call();
            }
        }
    }

    /// <summary>Before and after in alternating groups of <paramref name="calls"/> calls (41 of each); each side's 3rd-fastest group.</summary>
    private static (double Off, double On) TimePair(Action off, Action on, int calls)
    {
        var groups = new[] { new double[41], new double[41] };
        for (int g = 0; g < 41; g++)
        {
            for (int side = 0; side < 2; side++)
            {
                Action call = side == 0 ? off : on;
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < calls; i++)
                {
                    call();
                }

                groups[side][g] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
            }
        }

        Array.Sort(groups[0]);
        Array.Sort(groups[1]);
        return (groups[0][2], groups[1][2]);
    }
}
