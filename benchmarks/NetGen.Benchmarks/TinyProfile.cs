using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>--tiny [NAME]</c>: the 16-32-32-4 tanh network at batch 1 (train step + SGD, predict) and its dense layers' kernel
/// calls at their shapes, each timed with switches of <see cref="GemmTuning"/> off (before) and on (after), alternating in
/// one process: 9 rounds, medians of the rounds. A round alternates 41 groups of 1,000 calls of each side and takes each
/// side's 3rd-fastest group, so that a busy machine's pre-emptions drop out; only the ratios mean anything on a shared
/// machine. NAME flips one switch (<c>single-sample</c>: SingleSampleLayers, LeanSgd, EightRowDots and RankOneRows;
/// <c>overwrite</c>: OverwriteGradients; <c>tanh</c>: DirectTanh; <c>fused-backward</c>: FusedBackward; <c>aligned-sgd</c>: AlignedSgd; <c>row-pointers</c>: RowPointerDots; <c>wide-trees</c>: WideTrees; <c>lean-single</c>: LeanSingleSample; <c>eight-sgd</c>: EightVectorSgd; <c>lean-all</c>: both), <c>all</c> (the default) every one; <c>alignment</c> times a backward pass with dW at a 32-byte boundary and 16 bytes past one; <c>workspace</c>
/// compares a one-sample call's workspace hand-over.
/// <c>--tiny-parts</c> times the step's pieces alone (no A/B).
/// </summary>
internal static class TinyProfile
{
    /// <summary>
    /// The switches to compare: <c>all</c> (the default) flips every switch below at once; a name flips one switch,
    /// and only the whole-network cases and the SGD step are timed.
    /// </summary>
    private static readonly (string Name, Action<bool> Set)[] Switches =
    [
        ("single-sample", on => { GemmTuning.SingleSampleLayers = on; GemmTuning.LeanSgd = on; GemmTuning.EightRowDots = on; GemmTuning.RankOneRows = on; }),
        ("overwrite", on => GemmTuning.OverwriteGradients = on),
        ("tanh", on => GemmTuning.DirectTanh = on),
        ("fused-backward", on => GemmTuning.FusedBackward = on),
        ("aligned-sgd", on => GemmTuning.AlignedSgd = on),
        ("row-pointers", on => GemmTuning.RowPointerDots = on),
        ("wide-trees", on => GemmTuning.WideTrees = on),
        ("lean-single", on => GemmTuning.LeanSingleSample = on),
        ("eight-sgd", on => GemmTuning.EightVectorSgd = on),
        ("lean-all", on => { GemmTuning.LeanSingleSample = on; GemmTuning.EightVectorSgd = on; }),
    ];

    public static void Run(string which = "all")
    {
        if (which == "workspace")
        {
            Workspaces();
            return;
        }

        if (which == "alignment")
        {
            Alignment();
            return;
        }

        Action<bool> set = which == "all"
            ? on => { foreach ((string _, Action<bool> s) in Switches) { s(on); } }
            : Array.Find(Switches, s => s.Name == which).Set ?? throw new ArgumentException($"No switch {which}: all, {string.Join(", ", Array.ConvertAll(Switches, s => s.Name))}.");
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
            ("mse 4", () => Losses.MeanSquaredError<float>(outputs, targets, a1.AsSpan(0, 4), 1, 4)),
            ("SGD step, 1,732 parameters", () => sgd.Step(net.Parameters, net.Gradients)),
        ];
        if (which != "all" && !which.StartsWith("lean", StringComparison.Ordinal))
        {
            cases = [cases[0], ("train step", () => net.TrainStep(x, targets)), cases[1], cases[^1]];
        }

        Console.WriteLine($"switch {which}");
        foreach ((string name, Action call) in cases)
        {
            var off = new double[9];
            var on = new double[9];
            for (int round = 0; round < off.Length; round++)
            {
                (off[round], on[round]) = TimePair(call, set);
            }

            Array.Sort(off);
            Array.Sort(on);
            Console.WriteLine($"{name,-32} {off[4],8:F0} → {on[4],6:F0}  {off[4] / on[4]:F2}×");
        }
    }

    /// <summary><c>--tiny-parts</c>: the step, predict and each of their pieces alone, current switches, the median of 5 rounds.</summary>
    public static void Parts()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        NetGenOptions.MaxDegreeOfParallelism = 1;
        Console.WriteLine($"kernel path {NetGenOptions.KernelPath}");
        var net = new TanhMlp();
        var sgd = new Sgd<float>(learningRate: 0.01);
        float[] x = Data.Inputs(1, 16), targets = [0.5f, -0.25f, 0.125f, 1f], outputs = new float[4];
        float[] a = Data.Inputs(1, 32), b = new float[32], d = Data.Inputs(1, 32), g = new float[1732], y4 = new float[4], d4 = new float[4];
        float[] w1 = Data.Inputs(32, 16), b1 = Data.Inputs(1, 32), w3 = Data.Inputs(32, 32), b3 = Data.Inputs(1, 32);
        float[] dw1 = new float[512], b1g = new float[32], dw3 = new float[1024], b3g = new float[32];
        (string Name, Action Call)[] cases =
        [
            ("train step + SGD", () => { net.TrainStep(x, targets); sgd.Step(net.Parameters, net.Gradients); }),
            ("train step", () => net.TrainStep(x, targets)),
            ("predict", () => net.Predict(x, outputs)),
            ("Linear.Forward 16 → 32", () => Linear.Forward<float>(x, w1, b1, b, 1, 16, 32)),
            ("Linear.Forward 32 → 32", () => Linear.Forward<float>(a, w3, b3, b, 1, 32, 32)),
            ("Linear.Backward 32 → 32", () => Linear.BackwardOverwrite<float>(a, w3, d, dw3, b3g, b, 1, 32, 32)),
            ("Linear.Backward 16 → 32", () => Linear.BackwardOverwrite<float>(x, w1, d, dw1, b1g, Span<float>.Empty, 1, 16, 32)),
            ("tanh 32", () => Activations.Tanh<float>(a, b)),
            ("tanh backward 32", () => Activations.TanhBackward<float>(a, d, b)),
            ("mse 4", () => Losses.MeanSquaredError<float>(y4, targets, d4, 1, 4)),
            ("clear 1732", () => g.AsSpan().Clear()),
            ("SGD step", () => sgd.Step(net.Parameters, net.Gradients)),
        ];
        foreach ((string name, Action call) in cases)
        {
            var t = new double[5];
            for (int round = 0; round < t.Length; round++)
            {
                t[round] = Time(call);
            }

            Array.Sort(t);
            Console.WriteLine($"{name,-32} {t[2],8:F0}");
        }
    }

    /// <summary>
    /// <c>--tiny-loop predict|train|forward [SECONDS]</c>: calls one case for that long (10 s by default) and nothing else, for a
    /// sampling profiler (<c>perf record</c> with <c>DOTNET_PerfMapEnabled=1</c>) to see where its time goes.
    /// </summary>
    public static void Loop(string what, double seconds)
    {
        NetGenOptions.MaxDegreeOfParallelism = 1;
        var net = new TanhMlp();
        var sgd = new Sgd<float>(learningRate: 0.01);
        float[] x = Data.Inputs(1, 16), targets = [0.5f, -0.25f, 0.125f, 1f], outputs = new float[4];
        float[] w1 = Data.Inputs(32, 16), b1 = Data.Inputs(1, 32), y1 = new float[32];
        Action call = what switch
        {
            "predict" => () => net.Predict(x, outputs),
            "train" => () => { net.TrainStep(x, targets); sgd.Step(net.Parameters, net.Gradients); },
            "forward" => () => Linear.Forward<float>(x, w1, b1, y1, 1, 16, 32),
            _ => throw new ArgumentException($"No case {what}: predict, train or forward (Linear.Forward 16 → 32)."),
        };
        long calls = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (int i = 0; i < 10_000; i++)
            {
                call();
            }

            calls += 10_000;
        }

        Console.WriteLine($"kernel path {NetGenOptions.KernelPath}; {what}: {clock.Elapsed.TotalNanoseconds / calls:F0} ns per call over {calls} calls");
    }

    /// <summary>
    /// <c>--tiny workspace</c>: what a one-sample Predict pays to take and give back its workspace, before (the pool's
    /// Interlocked exchange and compare-exchange on a free slot) and after (this thread's [ThreadStatic] workspace), each
    /// around the same Predict-sized work (a 32-value copy), in the generated code's own shape.
    /// </summary>
    private static void Workspaces()
    {
        var pool = new WorkspacePool();
        float[] source = Data.Inputs(1, 32), target = new float[32];
        bool threadLocal = false;
        Action call = () =>
        {
            float[] ws = pool.Rent(threadLocal);
            try
            {
                source.AsSpan().CopyTo(ws);
                ws.AsSpan().CopyTo(target);
            }
            finally
            {
                pool.Return(ws, threadLocal);
            }
        };
        var off = new double[9];
        var on = new double[9];
        for (int round = 0; round < off.Length; round++)
        {
            (off[round], on[round]) = TimePair(call, v => threadLocal = v);
        }

        Array.Sort(off);
        Array.Sort(on);
        Console.WriteLine($"{"rent + copy + return",-32} {off[4],8:F1} → {on[4],6:F1}  {off[4] - on[4]:F1} ns less");
    }

    /// <summary>
    /// <c>--tiny alignment</c>: what the weight gradient's place costs a one-sample backward pass: dW starting at a 32-byte
    /// boundary (on) against 16 bytes past one (off, where every other 256-bit store of a 16-float row crosses a cache line).
    /// </summary>
    private static unsafe void Alignment()
    {
        float[] x = Data.Inputs(1, 32), w = Data.Inputs(32, 32), dy = Data.Inputs(1, 32), db = new float[32], dx = new float[32];
        float[] buffer = GC.AllocateArray<float>(1024 + 16, pinned: true);
        int aligned = (int)((32 - ((nint)Unsafe.AsPointer(ref buffer[0]) % 32)) % 32 / sizeof(float));
        foreach ((int inputs, bool withDx) in new[] { (16, false), (32, true) })
        {
            int count = inputs * 32;
            bool on = true;
            Action call = () =>
            {
                Span<float> dw = buffer.AsSpan(on ? aligned : aligned + 4, count);
                Linear.BackwardOverwrite<float>(x.AsSpan(0, inputs), w.AsSpan(0, count), dy, dw, db, withDx ? dx.AsSpan(0, inputs) : Span<float>.Empty, 1, inputs, 32);
            };
            var off = new double[9];
            var onTimes = new double[9];
            for (int round = 0; round < off.Length; round++)
            {
                (off[round], onTimes[round]) = TimePair(call, v => on = v);
            }

            Array.Sort(off);
            Array.Sort(onTimes);
            Console.WriteLine($"{$"backward {inputs} → 32, dW +16 B → aligned",-32} {off[4],8:F0} → {onTimes[4],6:F0}  {off[4] / onTimes[4]:F2}×");
        }
    }

    private sealed class WorkspacePool
    {
        [ThreadStatic]
        private static float[]? _threadWorkspace;

        private readonly float[]?[] _workspaces = new float[]?[Math.Clamp(Environment.ProcessorCount, 4, 64)];

        public float[] Rent(bool threadLocal)
        {
            if (threadLocal)
            {
                float[]? own = _threadWorkspace;
                _threadWorkspace = null;
                return own ?? new float[32];
            }

            for (int i = 0; i < _workspaces.Length; i++)
            {
                float[]? pooled = Interlocked.Exchange(ref _workspaces[i], null);
                if (pooled is not null)
                {
                    return pooled;
                }
            }

            return new float[32];
        }

        public void Return(float[] workspace, bool threadLocal)
        {
            if (threadLocal)
            {
                _threadWorkspace = workspace;
                return;
            }

            for (int i = 0; i < _workspaces.Length; i++)
            {
                if (Interlocked.CompareExchange(ref _workspaces[i], workspace, null) is null)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Before and after in alternating groups of 1,000 calls (41 of each after a warm-up of both), so that both see the
    /// same moments of a busy machine; each side's figure is its 3rd-fastest group.
    /// </summary>
    private static (double Off, double On) TimePair(Action call, Action<bool> set)
    {
        foreach (bool on in new[] { false, true })
        {
            set(on);
            for (int i = 0; i < 10_000; i++)
            {
                call();
            }
        }

        var groups = new double[2][];
        groups[0] = new double[41];
        groups[1] = new double[41];
        for (int g = 0; g < 41; g++)
        {
            for (int side = 0; side < 2; side++)
            {
                set(side == 1);
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < 1_000; i++)
                {
                    call();
                }

                groups[side][g] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / 1_000;
            }
        }

        Array.Sort(groups[0]);
        Array.Sort(groups[1]);
        return (groups[0][2], groups[1][2]);
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
