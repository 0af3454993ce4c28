using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

/// <summary>
/// Tiny networks, one sample at a time: XOR (2-4-1, unrolled scalar code) and a 16-32-32-4 tanh MLP (its layers call
/// the kernels). TrainStep is forward, loss and backward; Predict is inference.
/// </summary>
[MemoryDiagnoser]
public class TinyNetworkBenchmarks
{
    private readonly XorNet _xor = new();
    private readonly float[] _xorInputs = [1f, 0f];
    private readonly int[] _xorLabels = [1];
    private readonly float[] _xorOutputs = new float[1];

    private readonly TanhMlp _mlp = new();
    private readonly float[] _mlpInputs = Data.Inputs(1, TanhMlp.InputSize);
    private readonly float[] _mlpTargets = [0.5f, -0.25f, 0.125f, 1f];
    private readonly float[] _mlpOutputs = new float[TanhMlp.OutputSize];

    [Benchmark(Description = "XOR 2-4-1, TrainStep")]
    public float XorTrainStep() => _xor.TrainStep(_xorInputs, _xorLabels);

    [Benchmark(Description = "XOR 2-4-1, Predict")]
    public void XorPredict() => _xor.Predict(_xorInputs, _xorOutputs);

    [Benchmark(Description = "16-32-32-4 tanh, TrainStep")]
    public float MlpTrainStep() => _mlp.TrainStep(_mlpInputs, _mlpTargets);

    [Benchmark(Description = "16-32-32-4 tanh, Predict")]
    public void MlpPredict() => _mlp.Predict(_mlpInputs, _mlpOutputs);
}
