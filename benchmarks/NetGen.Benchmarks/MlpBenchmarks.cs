using BenchmarkDotNet.Attributes;
using FashionMnistSample;

namespace NetGen.Benchmarks;

/// <summary>
/// One training step of the Fashion-MNIST MLP (samples/FashionMnist) at batch 128: forward in training mode, loss,
/// backward. Baseline: the same network written by hand (<see cref="HandWrittenMlp"/>). NetGen runs on one thread and
/// on two (<see cref="NetGenOptions.MaxDegreeOfParallelism"/>).
/// </summary>
[MemoryDiagnoser]
public class MlpBenchmarks
{
    public const int Batch = 128;

    private readonly FashionMlp _network = new();
    private readonly HandWrittenMlp _handWritten = new(Batch);
    private readonly float[] _inputs = Data.Inputs(Batch, FashionMlp.InputSize);
    private readonly int[] _labels = Data.Labels(Batch, FashionMlp.OutputSize);
    private readonly float[] _outputs = new float[Batch * FashionMlp.OutputSize];

    [GlobalCleanup]
    public void Cleanup() => NetGenOptions.MaxDegreeOfParallelism = -1;

    [Benchmark(Baseline = true, Description = "Hand-written C# MLP, TrainStep")]
    public float HandWritten() => _handWritten.TrainStep(_inputs, _labels);

    [Benchmark(Description = "NetGen FashionMlp, TrainStep, 1 thread")]
    public float NetGenOneThread()
    {
        NetGenOptions.MaxDegreeOfParallelism = 1;
        return _network.TrainStep(_inputs, _labels);
    }

    [Benchmark(Description = "NetGen FashionMlp, TrainStep, 2 threads")]
    public float NetGenTwoThreads()
    {
        NetGenOptions.MaxDegreeOfParallelism = 2;
        return _network.TrainStep(_inputs, _labels);
    }

    [Benchmark(Description = "NetGen FashionMlp, Predict, 1 thread")]
    public void NetGenPredict()
    {
        NetGenOptions.MaxDegreeOfParallelism = 1;
        _network.Predict(_inputs, _outputs);
    }
}

/// <summary>Deterministic stand-ins for a batch: pixel-like values in [0, 1) and labels.</summary>
internal static class Data
{
    public static float[] Inputs(int batch, int features)
    {
        var random = new Random(5);
        var values = new float[batch * features];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)random.NextDouble();
        }

        return values;
    }

    public static int[] Labels(int batch, int classes)
    {
        var random = new Random(6);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++)
        {
            labels[i] = random.Next(classes);
        }

        return labels;
    }
}
