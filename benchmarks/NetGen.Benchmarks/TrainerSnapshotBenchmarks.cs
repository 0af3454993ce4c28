using BenchmarkDotNet.Attributes;
using FashionMnistSample;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Benchmarks;

/// <summary>
/// What the trainer's per-batch rollback copy costs next to the batch itself: one <see cref="StepSnapshot{T}.Save"/>
/// (Parameters, State and RandomState of the Fashion-MNIST MLP; Adam keeps its previous moments itself) against one
/// TrainStep + Adam step (with the previous moments kept, as in the trainer) at batch 32 and at 128.
/// </summary>
[MemoryDiagnoser]
public class TrainerSnapshotBenchmarks
{
    private readonly FashionMlp _network = new();
    private readonly Adam<float> _adam = new(0.001);
    private StepSnapshot<float> _snapshot = null!;
    private float[] _inputs32 = null!, _inputs128 = null!;
    private int[] _labels32 = null!, _labels128 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _inputs32 = Data.Inputs(32, FashionMlp.InputSize);
        _labels32 = Data.Labels(32, FashionMlp.OutputSize);
        _inputs128 = Data.Inputs(128, FashionMlp.InputSize);
        _labels128 = Data.Labels(128, FashionMlp.OutputSize);
        _network.TrainStep(_inputs32, _labels32);
        _adam.Step(_network.Parameters, _network.Gradients); // sizes the moments, so Save copies them
        _snapshot = new StepSnapshot<float>(_network, _adam);
    }

    [Benchmark(Description = "rollback snapshot (Parameters, State)")]
    public void Snapshot() => _snapshot.Save();

    [Benchmark(Description = "TrainStep + Adam step, batch 32")]
    public void Step32()
    {
        _network.TrainStep(_inputs32, _labels32);
        _adam.Step(_network.Parameters, _network.Gradients);
    }

    [Benchmark(Description = "TrainStep + Adam step, batch 128")]
    public void Step128()
    {
        _network.TrainStep(_inputs128, _labels128);
        _adam.Step(_network.Parameters, _network.Gradients);
    }
}
