using BenchmarkDotNet.Attributes;
using FashionMnistSample;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>
/// The Fashion-MNIST CNN (samples/FashionMnist): a train step at batch 128 (TrainStep, then an Adam step, as
/// ../shared/peers times it) and Predict at batch 1024, on 1 and 2 threads. <see cref="SplitBySamples"/> compares, in one
/// run, convolutions split by samples over the threads (the default) with each sample's GEMMs split instead (before).
/// The kernel path is the process's: set <c>NETGEN_KERNEL_PATH=Vector256</c> for the AVX2 path.
/// </summary>
[MemoryDiagnoser]
public class CnnBenchmarks
{
    public const int TrainBatch = 128;
    public const int PredictBatch = 1024;

    private readonly FashionCnn _network = new();
    private readonly Adam<float> _adam = new(learningRate: 0.001);
    private readonly float[] _inputs = Data.Inputs(PredictBatch, FashionCnn.InputSize);
    private readonly int[] _labels = Data.Labels(TrainBatch, FashionCnn.OutputSize);
    private readonly float[] _outputs = new float[PredictBatch * FashionCnn.OutputSize];

    [Params(true, false)]
    public bool SplitBySamples { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Convolution.SplitBySamples = SplitBySamples;
        Console.WriteLine($"// NetGen kernels: {NetGenOptions.KernelPathReason}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NetGenOptions.MaxDegreeOfParallelism = -1;
        Convolution.SplitBySamples = true;
    }

    [Benchmark(Description = "FashionCnn TrainStep + Adam b=128, 1 thread")]
    public void TrainStepOneThread()
    {
        NetGenOptions.MaxDegreeOfParallelism = 1;
        TrainStep();
    }

    [Benchmark(Description = "FashionCnn TrainStep + Adam b=128, 2 threads")]
    public void TrainStepTwoThreads()
    {
        NetGenOptions.MaxDegreeOfParallelism = 2;
        TrainStep();
    }

    [Benchmark(Description = "FashionCnn Predict b=1024, 1 thread")]
    public void PredictOneThread()
    {
        NetGenOptions.MaxDegreeOfParallelism = 1;
        _network.Predict(_inputs, _outputs);
    }

    [Benchmark(Description = "FashionCnn Predict b=1024, 2 threads")]
    public void PredictTwoThreads()
    {
        NetGenOptions.MaxDegreeOfParallelism = 2;
        _network.Predict(_inputs, _outputs);
    }

    private void TrainStep()
    {
        _network.TrainStep(_inputs.AsSpan(0, TrainBatch * FashionCnn.InputSize), _labels);
        _adam.Step(_network.Parameters, _network.Gradients);
    }
}
