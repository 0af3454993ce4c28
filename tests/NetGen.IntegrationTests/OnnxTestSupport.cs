using System.Diagnostics;
using System.Numerics;
using Microsoft.ML.OnnxRuntime;

namespace NetGen.IntegrationTests;

/// <summary>Runs exported models in ONNX Runtime and prepares networks with non-trivial weights and statistics.</summary>
internal static class OnnxTestSupport
{
    /// <summary>Runs <paramref name="model"/> on <paramref name="inputs"/> (a batch of samples of <paramref name="sampleShape"/>).</summary>
    public static (TOut[] Values, long[] Shape) Run<TIn, TOut>(byte[] model, TIn[] inputs, int[] sampleShape, string inputName = "input", string outputName = "output")
        where TIn : unmanaged
        where TOut : unmanaged
    {
        int sample = sampleShape.Aggregate(1, (a, b) => a * b);
        long[] shape = new[] { (long)(inputs.Length / sample) }.Concat(sampleShape.Select(d => (long)d)).ToArray();
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, new[] { inputName }, new[] { input }, new[] { outputName });
        OrtValue output = results[0];
        return (output.GetTensorDataAsSpan<TOut>().ToArray(), output.GetTensorTypeAndShape().Shape);
    }

    /// <summary>The model <paramref name="network"/> exports with <paramref name="options"/>.</summary>
    public static byte[] Export<T>(INetwork<T> network, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var stream = new MemoryStream();
        network.ExportOnnx(stream, options);
        return stream.ToArray();
    }

    /// <summary>
    /// Moves every parameter away from its initial value by about 20 % (distinct α and γ per unit, β ≠ 0) and gives BatchNorm
    /// running statistics of real batches through a few training steps, so that a wrong tensor or layout shows.
    /// </summary>
    public static void Perturb<T>(INetwork<T> network, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new NetGenRandom(seed, stream: 5);
        Span<T> parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            // Relative to the value (at least 0.05), so a wide layer keeps its initial scale: an absolute 0.2 on every
            // weight of a 3,136-input Dense gives logits in the hundreds, whose float rounding alone exceeds the tolerance.
            double scale = Math.Max(Math.Abs(double.CreateTruncating(parameters[i])), 0.05);
            parameters[i] += T.CreateTruncating(0.2 * scale * random.NextNormal());
        }

        for (int step = 0; step < 3; step++)
        {
            T[] inputs = TestData.Inputs<T>(16, network.InputSize, seed + step);
            T[] targets = TestData.Targets<T>(16, network.OutputSize, network.Loss, seed + step);
            network.TrainStep(inputs, targets);
        }

        // Shift the inputs' statistics so that the running means and variances are far from 0 and 1.
        for (int step = 0; step < 3; step++)
        {
            T[] inputs = TestData.Inputs<T>(16, network.InputSize, seed + 10 + step);
            for (int i = 0; i < inputs.Length; i++)
            {
                inputs[i] = (inputs[i] * T.CreateTruncating(1.5)) + T.CreateTruncating(0.5);
            }

            network.TrainStep(inputs, TestData.Targets<T>(16, network.OutputSize, network.Loss, seed + 10 + step));
        }
    }

    public static T[] Predict<T>(INetwork<T> network, T[] inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var outputs = new T[inputs.Length / network.InputSize * network.OutputSize];
        network.Predict(inputs, outputs);
        return outputs;
    }

    public static double MaxAbsDifference<TA, TB>(TA[] a, TB[] b)
        where TA : unmanaged, INumberBase<TA>
        where TB : unmanaged, INumberBase<TB>
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(double.CreateChecked(a[i]) - double.CreateChecked(b[i])));
        }

        return max;
    }

    /// <summary>Debian's python3-onnx installs for the system interpreter; fall back to whatever python3 is on the PATH.</summary>
    public static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>Runs <c>onnx.checker.check_model(…, full_check=True)</c> on each file; returns the exit code and output.</summary>
    public static (int ExitCode, string Output) Check(IEnumerable<string> paths)
    {
        string script = "import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\n    print('ok', p)\n";
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (string path in paths)
        {
            start.ArgumentList.Add(path);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        // A hang guard, not a speed test: python's onnx import alone takes seconds on a busy machine.
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "the onnx checker timed out");
        }

        return (process.ExitCode, output.Result + error.Result);
    }
}
