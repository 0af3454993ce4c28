using System.Diagnostics;
using FashionMnistSample;
using NetGen.Kernels;
using NetGen.Optimizers;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>-- --profile [threads]</c>: a Stopwatch breakdown of the Fashion CNN's train step (batch 128) and the Fashion MLP's
/// predict (batch 1024), each kernel called as the generated code calls it, with the same shapes, and the whole calls
/// beside them; medians of many calls. It shows where a step spends its time; the figures that count come from
/// BenchmarkDotNet. With <c>NETGEN_PROFILE_SCALING=1</c> each part runs on 1 and on 2 threads alternately, with the ratio.
/// </summary>
internal static class Profile
{
    private const int CnnBatch = CnnBenchmarks.TrainBatch;
    private const int MlpBatch = 1024;

    /// <summary>Whether only the whole calls are timed (<c>-- --profile N whole</c>), for quick A/B runs of two builds.</summary>
    private static bool s_wholeOnly;

    /// <summary>
    /// <c>-- --profile N sequence</c>: the CNN step's parts one after another in the step's order, each timed within the
    /// pass, at 1 and 2 threads, beside the whole step: what each part costs with the caches the one before left behind.
    /// </summary>
    private static bool s_sequence;

    public static void Run(int threads, bool wholeOnly = false, bool sequence = false)
    {
        s_wholeOnly = wholeOnly;
        s_sequence = sequence;
        if (Environment.GetEnvironmentVariable("NETGEN_PROFILE_EPOCH") == "1")
        {
            NetGenOptions.MaxDegreeOfParallelism = threads;
            Epoch();
            return;
        }

        NetGenOptions.MaxDegreeOfParallelism = threads;
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPathReason}; threads {threads}");
        Cnn();
        Mlp();
    }

    private static void Cnn()
    {
        const int b = CnnBatch;
        float[] x = Data.Inputs(b, 784);
        float[] w1 = Data.Inputs(32 * 9, 1), b1 = new float[32], a1 = new float[b * 32 * 784], ws1 = new float[Conv2D.WorkspaceLength(1, 28, 28, 32, 3, 1, 1)];
        float[] gamma2 = Ones(32), beta2 = new float[32], rm2 = new float[32], rv2 = Ones(32), xh2 = new float[a1.Length], is2 = new float[32], a2 = new float[a1.Length], a3 = new float[a1.Length];
        float[] a4 = new float[b * 32 * 196];
        int[] am4 = new int[a4.Length];
        float[] w5 = Data.Inputs(64 * 288, 1), b5 = new float[64], a5 = new float[b * 64 * 196], ws5 = new float[Conv2D.WorkspaceLength(32, 14, 14, 64, 3, 1, 1)];
        float[] gamma6 = Ones(64), beta6 = new float[64], rm6 = new float[64], rv6 = Ones(64), xh6 = new float[a5.Length], is6 = new float[64], a6 = new float[a5.Length], a7 = new float[a5.Length];
        float[] a8 = new float[b * 64 * 49];
        int[] am8 = new int[a8.Length];
        float[] w10 = Scaled(Data.Inputs(128 * 3136, 1), 0.02f), b10 = new float[128], a10 = new float[b * 128], a11 = new float[a10.Length], m12 = new float[a10.Length], a12 = new float[a10.Length];
        float[] w13 = Data.Inputs(1280, 1), b13 = new float[10], a13 = new float[b * 10], a14 = new float[b * 10], t = new float[b * 10], d13 = new float[b * 10];
        Losses.LabelsToTargets<float>(Data.Labels(b, 10), t, 10);
        float[] dw1 = new float[w1.Length], db1 = new float[32], d1 = new float[a1.Length], d2 = new float[a1.Length], d3 = new float[a1.Length], dg2 = new float[32], dbt2 = new float[32];
        float[] d4 = new float[a4.Length], dw5 = new float[w5.Length], db5 = new float[64], d5 = new float[a5.Length], d6 = new float[a5.Length], d7 = new float[a5.Length], dg6 = new float[64], dbt6 = new float[64];
        float[] d8 = new float[a8.Length], dw10 = new float[w10.Length], db10 = new float[128], d10 = new float[a10.Length], d11 = new float[a10.Length], d12 = new float[a10.Length];
        float[] dw13 = new float[w13.Length], db13 = new float[10];
        var random = new NetGenRandom(1);

        var network = new FashionCnn();
        var adam = new Adam<float>(learningRate: 0.001);
        int[] labels = Data.Labels(b, 10);
        var steps = new List<(string Name, Action Call)>
        {
            ("conv1 fwd 1→32 28×28", () => Conv2D.Forward<float>(x, w1, b1, a1, ws1, b, 1, 28, 28, 32, 3, 1, 1)),
            ("bn2 fwd train 32×784", () => BatchNorm.ForwardTraining<float>(a1, gamma2, beta2, rm2, rv2, xh2, is2, a2, b, 32, 784, 0.9f, 1e-5f)),
            ("relu3 fwd", () => Activations.ReLU<float>(a2, a3)),
            ("pool4 fwd 28→14", () => MaxPool2D.Forward<float>(a3, a4, am4, b, 32, 28, 28, 2, 2)),
            ("conv5 fwd 32→64 14×14", () => Conv2D.Forward<float>(a4, w5, b5, a5, ws5, b, 32, 14, 14, 64, 3, 1, 1)),
            ("bn6 fwd train 64×196", () => BatchNorm.ForwardTraining<float>(a5, gamma6, beta6, rm6, rv6, xh6, is6, a6, b, 64, 196, 0.9f, 1e-5f)),
            ("relu7 fwd", () => Activations.ReLU<float>(a6, a7)),
            ("pool8 fwd 14→7", () => MaxPool2D.Forward<float>(a7, a8, am8, b, 64, 14, 14, 2, 2)),
            ("dense10 fwd 3136→128", () => Linear.Forward<float>(a8, w10, b10, a10, b, 3136, 128)),
            ("relu11 + dropout12 fwd", () => { Activations.ReLU<float>(a10, a11); Dropout.ForwardTraining<float>(a11, m12, a12, 0.3f, random); }),
            ("dense13 fwd + softmax + loss", () => { Linear.Forward<float>(a12, w13, b13, a13, b, 128, 10); Activations.Softmax<float>(a13, a14, b, 10); Losses.SoftmaxCrossEntropy<float>(a13, a14, t, d13, b, 10); }),
            ("dense13 bwd + dropout + relu", () => { Linear.Backward<float>(a12, w13, d13, dw13, db13, d12, b, 128, 10); Dropout.Backward<float>(m12, d12, d11); Activations.ReLUBackward<float>(a10, d11, d10); }),
            ("dense10 bwd 3136→128", () => Linear.Backward<float>(a8, w10, d10, dw10, db10, d8, b, 3136, 128)),
            ("pool8 bwd", () => MaxPool2D.Backward<float>(am8, d8, d7, b, 64, 14, 14, 2, 2)),
            ("relu7 bwd", () => Activations.ReLUBackward<float>(a6, d7, d6)),
            ("bn6 bwd", () => BatchNorm.Backward<float>(xh6, is6, gamma6, d6, dg6, dbt6, d5, b, 64, 196)),
            ("conv5 bwd (dW, dX)", () => Conv2D.Backward<float>(a4, w5, d5, dw5, db5, d4, ws5, b, 32, 14, 14, 64, 3, 1, 1)),
            ("  conv5 bwd (dW only)", () => Conv2D.Backward<float>(a4, w5, d5, dw5, db5, Span<float>.Empty, ws5, b, 32, 14, 14, 64, 3, 1, 1)),
            ("pool4 bwd", () => MaxPool2D.Backward<float>(am4, d4, d3, b, 32, 28, 28, 2, 2)),
            ("relu3 bwd", () => Activations.ReLUBackward<float>(a2, d3, d2)),
            ("bn2 bwd", () => BatchNorm.Backward<float>(xh2, is2, gamma2, d2, dg2, dbt2, d1, b, 32, 784)),
            ("conv1 bwd (dW only)", () => Conv2D.Backward<float>(x, w1, d1, dw1, db1, Span<float>.Empty, ws1, b, 1, 28, 28, 32, 3, 1, 1)),
        };

        // conv5's products alone, 128 samples each (the columns of one sample stand for all).
        float[] cols = Data.Inputs(288 * 196, 1), dyT = Data.Inputs(196 * 64, 1), rows = new float[196 * 288], y5 = new float[64 * 196];
        GemmPath path = Gemm.DefaultPath;
        steps.Add(("  conv5 Y=W·Cols 64×288×196 ×128", () => { for (int s = 0; s < b; s++) { Gemm.Multiply<float>(w5, cols, y5, 64, 288, 196, path, 1); } }));
        float[] cols4 = Data.Inputs(288 * 784, 1), y4 = new float[64 * 784], dy4 = Data.Inputs(64 * 784, 2);
        steps.Add(("  conv5 Y=W·Cols 64×288×784 ×32", () => { for (int s = 0; s < b / 4; s++) { Gemm.Multiply<float>(w5, cols4, y4, 64, 288, 784, path, 1); } }));
        steps.Add(("  conv5 dW+=dY·Colsᵀ 64×784×288 ×32", () => { for (int s = 0; s < b / 4; s++) { Gemm.AddMultiplyTransposedB<float>(dy4, cols4, dw5, 64, 784, 288, path, 1); } }));
        steps.Add(("  conv5 dCols=Wᵀ·dY 288×64×784 ×32", () => { for (int s = 0; s < b / 4; s++) { Gemm.TransposedAMultiply<float>(w5, dy4, cols4, 288, 64, 784, path, 1); } }));
        steps.Add(("  conv5 dCols=Wᵀ·dY 288×64×196 ×128", () => { for (int s = 0; s < b; s++) { Gemm.TransposedAMultiply<float>(w5, y5, rows, 288, 64, 196, path, 1); } }));
        steps.Add(("  conv5 dW+=dY·Colsᵀ 64×196×288 ×128", () => { for (int s = 0; s < b; s++) { Gemm.AddMultiplyTransposedB<float>(y5, cols, dw5, 64, 196, 288, path, 1); } }));
        steps.Add(("  conv5 dRows=dYᵀ·W 196×64×288 ×128", () => { for (int s = 0; s < b; s++) { Gemm.Multiply<float>(dyT, w5, rows, 196, 64, 288, path, 1); } }));
        steps.Add(("  conv5 dCols+=Wᵀ·dY 288×64×196 ×128", () => { for (int s = 0; s < b; s++) { Gemm.AddTransposedAMultiply<float>(w5, y5, rows, 288, 64, 196, path, 1); } }));

        var g5 = new WindowGeometry(32, 14, 14, 3, 3, 1, 1, 1, 1);
        var g1 = new WindowGeometry(1, 28, 28, 3, 3, 1, 1, 1, 1);
        float[] cols1 = new float[9 * 784];
        steps.Add(("  conv5 im2col ×128", () => { for (int s = 0; s < b; s++) { Convolution.ToColumns<float>(a4.AsSpan(s * 6272, 6272), cols, g5); } }));
        steps.Add(("  conv5 col2im ×128", () => { for (int s = 0; s < b; s++) { Convolution.AddColumnsBack<float>(cols, d4.AsSpan(s * 6272, 6272), g5); } }));
        steps.Add(("  conv1 im2col ×128", () => { for (int s = 0; s < b; s++) { Convolution.ToColumns<float>(x.AsSpan(s * 784, 784), cols1, g1); } }));

        // BatchNorm → ReLU → MaxPool as three kernels, as the fused pass that writes every map, and as the pooled-only pass
        // and the backward from the inputs that the generated code calls (the same values).
        float[] dr3 = new float[a1.Length], dr7 = new float[a5.Length], mu2 = new float[32], mu6 = new float[64];
        steps.Add(("bn2+relu3+pool4 fwd, 3 kernels", () => { BatchNorm.ForwardTraining<float>(a1, gamma2, beta2, rm2, rv2, xh2, is2, a2, b, 32, 784, 0.9f, 1e-5f); Activations.ReLU<float>(a2, a3); MaxPool2D.Forward<float>(a3, a4, am4, b, 32, 28, 28, 2, 2); }));
        steps.Add(("bn2+relu3+pool4 fwd, fused", () => BatchNorm.ForwardTrainingReLUMaxPool<float>(a1, gamma2, beta2, rm2, rv2, xh2, is2, a2, a3, a4, am4, b, 32, 28, 28, 2, 2, 0.9f, 1e-5f)));
        steps.Add(("bn2+relu3+pool4 fwd, pooled only", () => BatchNorm.ForwardTrainingReLUMaxPool<float>(a1, gamma2, beta2, rm2, rv2, mu2, is2, a4, am4, b, 32, 28, 28, 2, 2, 0.9f, 1e-5f)));
        steps.Add(("bn6+relu7+pool8 fwd, 3 kernels", () => { BatchNorm.ForwardTraining<float>(a5, gamma6, beta6, rm6, rv6, xh6, is6, a6, b, 64, 196, 0.9f, 1e-5f); Activations.ReLU<float>(a6, a7); MaxPool2D.Forward<float>(a7, a8, am8, b, 64, 14, 14, 2, 2); }));
        steps.Add(("bn6+relu7+pool8 fwd, fused", () => BatchNorm.ForwardTrainingReLUMaxPool<float>(a5, gamma6, beta6, rm6, rv6, xh6, is6, a6, a7, a8, am8, b, 64, 14, 14, 2, 2, 0.9f, 1e-5f)));
        steps.Add(("bn6+relu7+pool8 fwd, pooled only", () => BatchNorm.ForwardTrainingReLUMaxPool<float>(a5, gamma6, beta6, rm6, rv6, mu6, is6, a8, am8, b, 64, 14, 14, 2, 2, 0.9f, 1e-5f)));
        steps.Add(("pool8+relu7+bn6 bwd, 3 kernels", () => { MaxPool2D.Backward<float>(am8, d8, d7, b, 64, 14, 14, 2, 2); Activations.ReLUBackward<float>(a6, d7, d6); BatchNorm.Backward<float>(xh6, is6, gamma6, d6, dg6, dbt6, d5, b, 64, 196); }));
        steps.Add(("pool8+relu7+bn6 bwd, fused", () => BatchNorm.BackwardReLUMaxPool<float>(am8, d8, a6, dr7, d6, xh6, is6, gamma6, dg6, dbt6, d5, b, 64, 14, 14, 2, 2)));
        steps.Add(("pool8+relu7+bn6 bwd, from inputs", () => BatchNorm.BackwardReLUMaxPoolFromInputs<float>(am8, d8, a8, a5, mu6, is6, gamma6, dg6, dbt6, d5, d6, b, 64, 14, 14, 2, 2)));
        steps.Add(("pool4+relu3+bn2 bwd, 3 kernels", () => { MaxPool2D.Backward<float>(am4, d4, d3, b, 32, 28, 28, 2, 2); Activations.ReLUBackward<float>(a2, d3, d2); BatchNorm.Backward<float>(xh2, is2, gamma2, d2, dg2, dbt2, d1, b, 32, 784); }));
        steps.Add(("pool4+relu3+bn2 bwd, fused", () => BatchNorm.BackwardReLUMaxPool<float>(am4, d4, a2, dr3, d2, xh2, is2, gamma2, dg2, dbt2, d1, b, 32, 28, 28, 2, 2)));
        steps.Add(("pool4+relu3+bn2 bwd, from inputs", () => BatchNorm.BackwardReLUMaxPoolFromInputs<float>(am4, d4, a4, a1, mu2, is2, gamma2, dg2, dbt2, d1, d2, b, 32, 28, 28, 2, 2)));

        steps.Add(("Adam step", () => adam.Step(network.Parameters, network.Gradients)));
        if (s_sequence)
        {
            // The calls of the generated TrainStep, in its order, each reading what the one before wrote.
            string[] order =
            [
                "conv1 fwd 1→32 28×28", "bn2+relu3+pool4 fwd, pooled only", "conv5 fwd 32→64 14×14", "bn6+relu7+pool8 fwd, pooled only",
                "dense10 fwd 3136→128", "relu11 + dropout12 fwd", "dense13 fwd + softmax + loss", "dense13 bwd + dropout + relu",
                "dense10 bwd 3136→128", "pool8+relu7+bn6 bwd, from inputs", "conv5 bwd (dW, dX)", "pool4+relu3+bn2 bwd, from inputs",
                "conv1 bwd (dW only)", "Adam step",
            ];
            List<(string Name, Action Call)> inOrder = [.. order.Select(name => steps.Single(step => step.Name == name))];
            inOrder.Add(("TrainStep + Adam (whole)", () => { network.TrainStep(x, labels); adam.Step(network.Parameters, network.Gradients); }));
            MlpTrainProfile.InSequence(inOrder);
            return;
        }

        Report("CNN train step b=128", steps, ("TrainStep + Adam (whole)", () => { network.TrainStep(x, labels); adam.Step(network.Parameters, network.Gradients); }));

        float[] xp = Data.Inputs(1024, 784), yp = new float[1024 * 10];
        Report("CNN predict b=1024", [], ("Predict (whole)", () => network.Predict(xp, yp)));
    }

    /// <summary>
    /// <c>NETGEN_PROFILE_EPOCH=1</c>: the MLP's first and second <c>Trainer.Fit</c> epoch over 60,000 stand-in samples (a
    /// fresh process, as the peers time it) against 469 bare TrainStep + Adam steps after them.
    /// </summary>
    private static void Epoch()
    {
        const int samples = 60_000, batch = 128;
        float[] features = Data.Inputs(samples, 784);
        var data = new Dataset<float>(features, 784, Data.Labels(samples, 10));
        var network = new FashionMlp();
        var trainer = new Trainer<float>(network, new Adam<float>(learningRate: 0.001), new TrainerOptions { Epochs = 1, BatchSize = batch, Seed = 1, TrainingAccuracy = false, ComputeAccuracy = false, ReportBatches = false });
        var watch = Stopwatch.StartNew();
        trainer.Fit(data);
        double first = watch.Elapsed.TotalSeconds;
        watch.Restart();
        trainer.Fit(data);
        double second = watch.Elapsed.TotalSeconds;
        var adam = new Adam<float>(learningRate: 0.001);
        int[] labels = Data.Labels(batch, 10);
        watch.Restart();
        int steps = (samples + batch - 1) / batch;
        for (int i = 0; i < steps; i++)
        {
            network.TrainStep(features.AsSpan((i % 100) * batch * 784, batch * 784), labels);
            adam.Step(network.Parameters, network.Gradients);
        }

        double bare = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"MLP epoch: first Fit {first:F3} s, second Fit {second:F3} s, {steps} bare steps {bare:F3} s");

        // The trainer's per-batch work beside the step, each repeated for an epoch's batches.
        var order = Enumerable.Range(0, samples).OrderBy(i => (i * 7919L) % samples).ToArray();
        float[] inputs = new float[batch * 784];
        var keeping = new Adam<float>(learningRate: 0.001);
        var snapshot = new StepSnapshot<float>(network, keeping);
        var pieces = new (string Name, Action<int> Call)[]
        {
            ("gather rows", b => { for (int i = 0; i < batch; i++) { features.AsSpan(order[(b * batch) + i] * 784, 784).CopyTo(inputs.AsSpan(i * 784)); } }),
            ("rollback Save", _ => snapshot.Save()),
            ("GlobalNorm", _ => GradientClipping.GlobalNorm<float>(network.Gradients)),
            ("MaxMagnitude", _ => System.Numerics.Tensors.TensorPrimitives.MaxMagnitude<float>(network.Parameters)),
            ("Adam keeping previous", _ => keeping.Step(network.Parameters, network.Gradients)),
            ("Adam", _ => adam.Step(network.Parameters, network.Gradients)),
            ("TrainStep", b => network.TrainStep(features.AsSpan((b % 100) * batch * 784, batch * 784), labels)),
        };
        foreach ((string name, Action<int> call) in pieces)
        {
            watch.Restart();
            for (int b = 0; b < steps - 1; b++)
            {
                call(b);
            }

            Console.WriteLine($"  {name,-24} {watch.Elapsed.TotalSeconds:F3} s per epoch");
        }
    }

    private static void Mlp()
    {
        const int b = MlpBatch;
        float[] x = Data.Inputs(b, 784);
        float[] w1 = Scaled(Data.Inputs(256 * 784, 1), 0.05f), b1 = new float[256], a1 = new float[b * 256], a2 = new float[a1.Length], a3 = new float[a1.Length];
        float[] g = Ones(256), beta = new float[256], rm = new float[256], rv = Ones(256);
        float[] w5 = Scaled(Data.Inputs(128 * 256, 1), 0.1f), b5 = new float[128], a5 = new float[b * 128], a6 = new float[a5.Length], a7 = new float[a5.Length];
        float[] w9 = Data.Inputs(1280, 1), b9 = new float[10], a9 = new float[b * 10], a10 = new float[b * 10];
        var steps = new List<(string Name, Action Call)>
        {
            ("dense1 fwd 1024×784×256", () => Linear.Forward<float>(x, w1, b1, a1, b, 784, 256)),
            ("bn2 inference + relu3", () => { BatchNorm.ForwardInference<float>(a1, g, beta, rm, rv, a2, b, 256, 1, 1e-5f); Activations.ReLU<float>(a2, a3); }),
            ("dense5 fwd 1024×256×128", () => Linear.Forward<float>(a3, w5, b5, a5, b, 256, 128)),
            ("bn6 inference + relu7", () => { BatchNorm.ForwardInference<float>(a5, g.AsSpan(0, 128), beta.AsSpan(0, 128), rm.AsSpan(0, 128), rv.AsSpan(0, 128), a6, b, 128, 1, 1e-5f); Activations.ReLU<float>(a6, a7); }),
            ("dense9 fwd 1024×128×10 + softmax", () => { Linear.Forward<float>(a7, w9, b9, a9, b, 128, 10); Activations.Softmax<float>(a9, a10, b, 10); }),
        };

        var network = new FashionMlp();
        float[] y = new float[b * 10];
        Report("MLP predict b=1024", steps, ("Predict (whole)", () => network.Predict(x, y)));
    }

    private static void Report(string title, List<(string Name, Action Call)> steps, (string Name, Action Call) whole)
    {
        // Rounds alternate over all the parts, so a busy spell of the machine slows each of them alike.
        if (s_wholeOnly)
        {
            steps = [];
        }

        // NETGEN_PROFILE_ONLY=text keeps the parts whose names contain it (an A/B of a few kernels in a short run).
        if (Environment.GetEnvironmentVariable("NETGEN_PROFILE_ONLY") is { Length: > 0 } only)
        {
            steps = steps.FindAll(step => step.Name.Contains(only, StringComparison.Ordinal));
        }

        // NETGEN_PROFILE_SCALING=1: each part on 1 thread and on 2 alternately, with the ratio (which parts scale worst).
        if (Environment.GetEnvironmentVariable("NETGEN_PROFILE_SCALING") == "1")
        {
            Scaling(title, [.. steps, whole]);
            return;
        }

        var times = new List<double>[steps.Count + 1];
        for (int i = 0; i < times.Length; i++)
        {
            times[i] = [];
        }

        for (int round = 0; round < 12; round++)
        {
            for (int i = 0; i < steps.Count; i++)
            {
                times[i].Add(Time(steps[i].Call));
            }

            times[steps.Count].Add(Time(whole.Call));
        }

        Console.WriteLine($"--- {title}");
        double sum = 0;
        for (int i = 0; i < steps.Count; i++)
        {
            double median = Median(times[i]);
            sum += median;
            Console.WriteLine($"{steps[i].Name,-34} {median * 1e3,9:F3} ms");
        }

        if (steps.Count > 0)
        {
            Console.WriteLine($"{"sum of the parts",-34} {sum * 1e3,9:F3} ms");
        }

        Console.WriteLine($"{whole.Name,-34} {Median(times[steps.Count]) * 1e3,9:F3} ms");
    }

    private static void Scaling(string title, List<(string Name, Action Call)> steps)
    {
        int previous = NetGenOptions.MaxDegreeOfParallelism;
        var one = new List<double>[steps.Count];
        var two = new List<double>[steps.Count];
        var ratios = new List<double>[steps.Count];
        for (int i = 0; i < steps.Count; i++)
        {
            (one[i], two[i], ratios[i]) = ([], [], []);
        }

        for (int round = 0; round < 12; round++)
        {
            for (int i = 0; i < steps.Count; i++)
            {
                NetGenOptions.MaxDegreeOfParallelism = 1;
                double a = Time(steps[i].Call);
                NetGenOptions.MaxDegreeOfParallelism = 2;
                double b = Time(steps[i].Call);
                one[i].Add(a);
                two[i].Add(b);
                ratios[i].Add(a / b);
            }
        }

        NetGenOptions.MaxDegreeOfParallelism = previous;
        Console.WriteLine($"--- {title}: 1 thread, 2 threads, the median of the rounds' ratios");
        for (int i = 0; i < steps.Count; i++)
        {
            Console.WriteLine($"{steps[i].Name,-34} {Median(one[i]) * 1e3,9:F3} ms {Median(two[i]) * 1e3,9:F3} ms {Median(ratios[i]),6:F2}×");
        }
    }

    /// <summary>Seconds per call: one call to warm up, then calls for at least 20 ms (and at least 2).</summary>
    internal static double Time(Action action)
    {
        action();
        var watch = Stopwatch.StartNew();
        int count = 0;
        while (watch.Elapsed.TotalMilliseconds < 20 || count < 2)
        {
            action();
            count++;
        }

        return watch.Elapsed.TotalSeconds / count;
    }

    internal static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static float[] Ones(int n) => Enumerable.Repeat(1f, n).ToArray();

    private static float[] Scaled(float[] values, float scale)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (values[i] - 0.5f) * scale;
        }

        return values;
    }
}
