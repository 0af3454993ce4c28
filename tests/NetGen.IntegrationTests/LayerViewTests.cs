using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetGen.IntegrationTests;

// Every kind of trainable tensor, with hand-computed offsets (DESIGN.md §3):
//   Dense1   W [4×3] @ 0            (no bias)
//   PReLU2   α [4] @ 12
//   Maxout3  W [6×4] @ 16, b [6] @ 40   (2 units × 3 pieces)
//   PReLU4   α [1] @ 46             (shared)
//   Dense5   W [2×2] @ 47, b [2] @ 51
//   BatchNorm6 γ [2] @ 53, β [2] @ 55; state: running mean [2] @ 0, running variance [2] @ 2
[Network(Precision = Precision.Double, Seed = 8)]
[Input(3)] [Dense(4, Bias = false)] [PReLU] [Maxout(2, pieces: 3)] [PReLU(Shared = true)] [Dense(2, Name = "scores")] [BatchNorm]
public partial class LayoutNet;

/// <summary>Layer views, the flat layout, the constants and summary, and allocation-free steps.</summary>
public class LayerViewTests
{
    [Fact]
    public void FashionMlp_lists_its_layers_with_kinds_names_and_shapes()
    {
        var net = new FashionMlp();
        string[] kinds = { "Dense", "BatchNorm", "ReLU", "Dropout", "Dense", "BatchNorm", "ReLU", "Dropout", "Dense", "Softmax" };
        Assert.Equal(kinds, net.Layers.Select(l => l.Kind));
        Assert.Equal(kinds.Select((k, i) => k + (i + 1).ToString(CultureInfo.InvariantCulture)), net.Layers.Select(l => l.Name));
        Assert.Equal(Enumerable.Range(1, 10), net.Layers.Select(l => l.Index));
        Assert.Equal(new[] { 256, 256, 256, 256, 128, 128, 128, 128, 10, 10 }, net.Layers.Select(l => l.OutputShape.Single()));
        Assert.Same(net.Layers[0], net.Dense1);
        Assert.Same(net.Layers[1], net.BatchNorm2);
        Assert.Same(net.Layers[8], net.Dense9);
        Assert.Same(net.Layers[9], net.Softmax10);
    }

    [Fact]
    public void FashionMlp_parameters_follow_the_documented_layout()
    {
        var net = new FashionMlp();
        var expected = new List<(string Layer, string Tensor, int[] Shape)>
        {
            ("Dense1", "W", new[] { 256, 784 }), ("Dense1", "b", new[] { 256 }),
            ("BatchNorm2", "γ", new[] { 256 }), ("BatchNorm2", "β", new[] { 256 }),
            ("Dense5", "W", new[] { 128, 256 }), ("Dense5", "b", new[] { 128 }),
            ("BatchNorm6", "γ", new[] { 128 }), ("BatchNorm6", "β", new[] { 128 }),
            ("Dense9", "W", new[] { 10, 128 }), ("Dense9", "b", new[] { 10 }),
        };
        AssertLayout(net, expected);
        Assert.Equal(235_914, FashionMlp.ParameterCount);
        Assert.Equal(2 * (256 + 128), FashionMlp.StateCount);
        Assert.Equal(FashionMlp.StateCount, net.State.Length);
    }

    [Fact]
    public void Tensors_are_found_by_ascii_names_as_well_as_math_names()
    {
        var net = new LayoutNet();
        LayerView<double> norm = net.Layers[5];
        Assert.Same(norm["γ"], norm["gamma"]);
        Assert.Same(norm["β"], norm["beta"]);
        Assert.Same(net.Layers[1]["α"], net.Layers[1]["alpha"]);
        LayerView<double> scores = net.Layers[4];
        Assert.Same(scores["W"], scores["weights"]);
        Assert.Same(scores["W"], scores["kernel"]);
        Assert.Same(scores["b"], scores["bias"]);
        Assert.Same(scores["b"], scores["Biases"]);
        Assert.Equal(53, norm["gamma"].Offset);

        // A missing tensor is an error that lists what the layer has, not a null to trip over later.
        var missing = Assert.Throws<KeyNotFoundException>(() => net.Layers[0]["bias"]);
        Assert.Contains("has no tensor 'bias'", missing.Message);
        Assert.Contains("W (weights)", missing.Message);
        Assert.False(net.Layers[0].TryGetTensor("b", out ParameterView<double>? none));
        Assert.Null(none);
        Assert.True(norm.TryGetTensor("gamma", out ParameterView<double>? gamma));
        Assert.Equal("γ", gamma.Name);
    }

    [Fact]
    public void Every_tensor_kind_sits_at_its_documented_offset()
    {
        var net = new LayoutNet();
        AssertLayout(net, new List<(string, string, int[])>
        {
            ("Dense1", "W", new[] { 4, 3 }),
            ("PReLU2", "α", new[] { 4 }),
            ("Maxout3", "W", new[] { 6, 4 }), ("Maxout3", "b", new[] { 6 }),
            ("PReLU4", "α", new[] { 1 }),
            ("scores", "W", new[] { 2, 2 }), ("scores", "b", new[] { 2 }),
            ("BatchNorm6", "γ", new[] { 2 }), ("BatchNorm6", "β", new[] { 2 }),
        });
        Assert.Equal(new[] { 0, 12, 16, 40, 46, 47, 51, 53, 55 }, net.Layers.SelectMany(l => l.ParameterTensors).Select(t => t.Offset));
        Assert.Equal(57, LayoutNet.ParameterCount);
        Assert.Equal(4, LayoutNet.StateCount);
        Assert.Same(net.Layers[4], net.Scores); // Name = "scores" names the property
        Assert.Equal("scores", net.Scores.Name, ignoreCase: true);

        // Weights/Biases are the first and second tensor: W and b, γ and β, or α alone.
        Assert.Equal(12, net.Dense1.Weights.Length);
        Assert.Equal(0, net.Dense1.Biases.Length);
        Assert.Equal(4, net.PReLU2.Weights.Length);
        Assert.Equal(0, net.PReLU2.Biases.Length);
        Assert.Equal(1, net.PReLU4.Weights.Length);
        Assert.Equal(2, net.BatchNorm6.Weights.Length);
        Assert.Equal(2, net.BatchNorm6.Biases.Length);
    }

    [Fact]
    public void Views_alias_the_flat_buffers()
    {
        var net = new LayoutNet();
        net.Maxout3.Biases[5] = 42;
        Assert.Equal(42, net.Parameters[45]);
        net.Parameters[53] = -7; // BatchNorm6 γ[0]
        Assert.Equal(-7, net.BatchNorm6.Weights[0]);

        double[] inputs = TestData.Inputs<double>(3, LayoutNet.InputSize, 1);
        net.TrainStep(inputs, TestData.Targets<double>(3, LayoutNet.OutputSize, LossFunction.MeanSquaredError, 1));
        foreach (ParameterView<double> tensor in net.Layers.SelectMany(l => l.ParameterTensors))
        {
            Assert.Equal(net.Gradients.Slice(tensor.Offset, tensor.Length).ToArray(), tensor.Gradients.ToArray());
            Assert.Equal(net.Parameters.Slice(tensor.Offset, tensor.Length).ToArray(), tensor.Values.ToArray());
        }

        Assert.Equal(net.Gradients.Slice(16, 24).ToArray(), net.Maxout3.WeightGradients.ToArray());
        Assert.Equal(net.Gradients.Slice(40, 6).ToArray(), net.Maxout3.BiasGradients.ToArray());
    }

    [Fact]
    public void Constants_match_the_interface_and_the_buffers()
    {
        var net = new FashionMlp();
        INetwork<float> network = net;
        Assert.Equal(784, FashionMlp.InputSize);
        Assert.Equal(10, FashionMlp.OutputSize);
        Assert.Equal(FashionMlp.InputSize, network.InputSize);
        Assert.Equal(FashionMlp.OutputSize, network.OutputSize);
        Assert.Equal(FashionMlp.ParameterCount, network.ParameterCount);
        Assert.Equal(FashionMlp.ParameterCount, net.Parameters.Length);
        Assert.Equal(FashionMlp.ParameterCount, net.Gradients.Length);
        Assert.Equal(FashionMlp.ParameterCount, net.Layers.Sum(l => l.ParameterCount));
        Assert.Equal(FashionMlp.Architecture, network.Architecture);
        Assert.Equal(LossFunction.SoftmaxCrossEntropy, network.Loss);
        Assert.StartsWith("Input(784) → Dense(256) → BatchNorm", FashionMlp.Architecture, StringComparison.Ordinal);
        Assert.NotEqual(RefAFloat.Architecture, RefADouble.Architecture); // precision is part of the architecture
    }

    [Theory]
    [InlineData(nameof(FashionMlp))]
    [InlineData(nameof(LayoutNet))]
    public void Summary_lists_every_layer_and_the_total(string network)
    {
        (string summary, IReadOnlyList<LayerView<float>>? floatLayers, IReadOnlyList<LayerView<double>>? doubleLayers, int total) = network == nameof(FashionMlp)
            ? (FashionMlp.Summary, new FashionMlp().Layers, null, FashionMlp.ParameterCount)
            : (LayoutNet.Summary, (IReadOnlyList<LayerView<float>>?)null, new LayoutNet().Layers, LayoutNet.ParameterCount);
        IEnumerable<(string Name, string Kind, int Count)> layers = floatLayers is not null
            ? floatLayers.Select(l => (l.Name, l.Kind, l.ParameterCount))
            : doubleLayers!.Select(l => (l.Name, l.Kind, l.ParameterCount));
        string[] lines = summary.Split('\n');
        foreach ((string name, string kind, int count) in layers)
        {
            string? line = lines.FirstOrDefault(l => l.StartsWith($"{name} ({kind})", StringComparison.Ordinal));
            Assert.True(line is not null, $"No line for {name} ({kind}) in:\n{summary}");
            Assert.EndsWith(" " + count.ToString("N0", CultureInfo.InvariantCulture), line!.TrimEnd(), StringComparison.Ordinal);
        }

        Assert.Contains(total.ToString("N0", CultureInfo.InvariantCulture), summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_and_TrainStep_allocate_nothing_after_warm_up_with_kernels()
    {
        var net = new FashionMlp();
        const int Batch = 8;
        float[] inputs = TestData.Inputs<float>(Batch, FashionMlp.InputSize, 1);
        int[] labels = TestData.Labels(Batch, FashionMlp.OutputSize, 1);
        float[] targets = TestData.Targets<float>(Batch, FashionMlp.OutputSize, LossFunction.SoftmaxCrossEntropy, 1);
        var outputs = new float[Batch * FashionMlp.OutputSize];
        AssertNoAllocation(() =>
        {
            net.Predict(inputs, outputs);
            net.TrainStep(inputs, labels);
            net.TrainStep(inputs, targets);
            net.Predict(inputs.AsSpan(0, 2 * FashionMlp.InputSize), outputs.AsSpan(0, 2 * FashionMlp.OutputSize)); // a smaller batch reuses the buffers
        });
    }

    [Fact]
    public void Predict_and_TrainStep_allocate_nothing_after_warm_up_when_unrolled()
    {
        var net = new GcDeep(1);
        const int Batch = 5;
        double[] inputs = TestData.Inputs<double>(Batch, GcDeep.InputSize, 1);
        int[] labels = TestData.Labels(Batch, GcDeep.OutputSize, 1);
        double[] targets = TestData.Targets<double>(Batch, GcDeep.OutputSize, LossFunction.SoftmaxCrossEntropy, 1);
        var outputs = new double[Batch * GcDeep.OutputSize];
        AssertNoAllocation(() =>
        {
            net.Predict(inputs, outputs);
            net.TrainStep(inputs, labels);
            net.TrainStep(inputs, targets);
        });
    }

    private static void AssertNoAllocation(Action calls)
    {
        // Warm-up: buffers sized, methods compiled (and re-compiled by tiered compilation).
        for (int i = 0; i < 200; i++)
        {
            calls();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            calls();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated by 5 rounds of calls after warm-up.");
    }

    private static void AssertLayout<T>(INetwork<T> net, List<(string Layer, string Tensor, int[] Shape)> expected)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var actual = net.Layers.SelectMany(l => l.ParameterTensors.Select(t => (Layer: l.Name, Tensor: t))).ToList();
        Assert.Equal(expected.Select(e => $"{e.Layer}.{e.Tensor} [{string.Join("×", e.Shape)}]"), actual.Select(a => $"{a.Layer}.{a.Tensor.Name} [{string.Join("×", a.Tensor.Shape)}]"), StringComparer.OrdinalIgnoreCase); // a Name may be shown as given or as its property

        // Contiguous, in declaration order, covering the buffer exactly.
        int offset = 0;
        foreach ((_, ParameterView<T> tensor) in actual)
        {
            Assert.Equal(offset, tensor.Offset);
            Assert.Equal(tensor.Shape.Aggregate(1, (a, d) => a * d), tensor.Length);
            offset += tensor.Length;
        }

        Assert.Equal(net.ParameterCount, offset);
        Assert.Equal(net.Parameters.Length, offset);
        foreach (LayerView<T> layer in net.Layers)
        {
            Assert.Equal(layer.ParameterTensors.Sum(t => t.Length), layer.ParameterCount);
        }
    }
}
