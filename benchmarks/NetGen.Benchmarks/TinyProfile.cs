using System.Diagnostics;
using System.Globalization;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>--tiny</c>: the 16-32-32-4 tanh network at batch 1 (train step + SGD, predict) and its dense layers' kernel calls
/// at their shapes, each timed with the single-sample switches of <see cref="GemmTuning"/> (<c>SingleSampleLayers</c>,
/// <c>LeanSgd</c>, <c>EightRowDots</c>,
/// <c>RankOneRows</c>) off (before) and on (after), alternating in one process: 9 rounds, medians of the rounds. A round's figure is the 3rd-fastest of 41 groups of 2,000
/// calls, so that a busy machine's pre-emptions drop out; only the ratios mean anything on a shared machine.
/// </summary>
internal static class TinyProfile
{
    public static void Run()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        NetGenOptions.MaxDegreeOfParallelism = 1;
        Console.WriteLine($"kernel path {NetGenOptions.KernelPath}; ns per call, switches off → on");
        var net = new TanhMlp();
        var sgd = new Sgd<float>(learningRate: 0.01);
        float[] x = Data.Inputs(1, 16), targets = [0.5f, -0.25f, 0.125f, 1f], outputs = new float[4];
        float[] w1 = Data.Inputs(32, 16), b1 = Data.Inputs(1, 32), w3 = Data.Inputs(32, 32), b3 = Data.Inputs(1, 32);
        float[] a1 = new float[32], a2 = Data.Inputs(1, 32), a3 = new float[32], dy = Data.Inputs(1, 32);
        float[] dw1 = new float[512], db1 = new float[32], dw3 = new float[1024], db3 = new float[32], dx = new float[32];
        (string Name, Action Call)[] cases =
        [
            ("train step + SGD", () => { net.TrainStep(x, targets); sgd.Step(net.Parameters, net.Gradients); }),
            ("predict", () => net.Predict(x, outputs)),
            ("Linear.Forward 16 → 32", () => Linear.Forward<float>(x, w1, b1, a1, 1, 16, 32)),
            ("Linear.Forward 32 → 32", () => Linear.Forward<float>(a2, w3, b3, a3, 1, 32, 32)),
            ("Linear.Backward 32 → 32", () => Linear.Backward<float>(a2, w3, dy, dw3, db3, dx, 1, 32, 32)),
            ("Linear.Backward 16 → 32 (no dX)", () => Linear.Backward<float>(x, w1, dy, dw1, db1, Span<float>.Empty, 1, 16, 32)),
            ("SGD step, 1,732 parameters", () => sgd.Step(net.Parameters, net.Gradients)),
        ];
        foreach ((string name, Action call) in cases)
        {
            var off = new double[9];
            var on = new double[9];
            for (int round = 0; round < off.Length; round++)
            {
                Switch(false);
                off[round] = Time(call);
                Switch(true);
                on[round] = Time(call);
            }

            Array.Sort(off);
            Array.Sort(on);
            Console.WriteLine($"{name,-32} {off[4],8:F0} → {on[4],6:F0}  {off[4] / on[4]:F2}×");
        }
    }

    private static void Switch(bool on)
    {
        GemmTuning.SingleSampleLayers = on;
        GemmTuning.LeanSgd = on;
        GemmTuning.EightRowDots = on;
        GemmTuning.RankOneRows = on;
    }

    private static double Time(Action call)
    {
        for (int i = 0; i < 20_000; i++)
        {
            call();
        }

        var groups = new double[41];
        for (int g = 0; g < groups.Length; g++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 2_000; i++)
            {
                call();
            }

            groups[g] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / 2_000;
        }

        Array.Sort(groups);
        return groups[2];
    }
}
