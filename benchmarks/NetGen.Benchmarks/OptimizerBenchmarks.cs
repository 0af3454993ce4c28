using BenchmarkDotNet.Attributes;
using FashionMnistSample;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>One optimizer step over the Fashion-MNIST MLP's parameters (<see cref="FashionMlp.ParameterCount"/> floats).</summary>
[MemoryDiagnoser]
public class OptimizerBenchmarks
{
    private readonly FashionMlp _network = new();
    private readonly Adam<float> _adam = new(0.001);
    private readonly Sgd<float> _sgd = new(0.01, momentum: 0.9);

    [GlobalSetup]
    public void Setup()
    {
        // Real gradients, so that no value is a denormal or zero by accident.
        _network.TrainStep(Data.Inputs(32, FashionMlp.InputSize), Data.Labels(32, FashionMlp.OutputSize));
    }

    [Benchmark(Description = "Adam step, FashionMlp parameters")]
    public void AdamStep() => _adam.Step(_network.Parameters, _network.Gradients);

    [Benchmark(Description = "SGD momentum step, FashionMlp parameters")]
    public void SgdStep() => _sgd.Step(_network.Parameters, _network.Gradients);
}
