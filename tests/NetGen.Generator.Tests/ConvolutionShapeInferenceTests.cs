using System.Linq;
using NetGen.Generator.Analysis;
using NetGen.Generator.Model;
using static NetGen.Generator.Tests.Infrastructure.Specs;

namespace NetGen.Generator.Tests;

/// <summary>Shape inference for convolution and pooling layers: runnable plans, tensor layout, Init.Auto, warnings.</summary>
public class ConvolutionShapeInferenceTests
{
    [Fact]
    public void A_CNN_is_runnable_with_kernel_then_bias_per_convolution()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(
            LossKind.SoftmaxCrossEntropy,
            Input(1, 28, 28), Conv2D(32, 3, padding: 1), BatchNorm(), ReLU(), MaxPool2D(2),
            Conv2D(64, 3, padding: 1), BatchNorm(), ReLU(), MaxPool2D(2), Flatten(), Dense(128), ReLU(), Dropout(0.3), Dense(10), Softmax()));

        Assert.Empty(plan.Diagnostics);
        Assert.True(plan.IsRunnable);
        Assert.Null(plan.UnsupportedReason);
        Assert.Equal(
            new[] { "32×28×28", "32×28×28", "32×28×28", "32×14×14", "64×14×14", "64×14×14", "64×14×14", "64×7×7", "3136", "128", "128", "128", "10", "10" },
            plan.Layers.Select(l => ShapeInference.Dims(l.OutputShape)));

        // DESIGN §3: Conv2D W [filters × C × k × k] then b [filters], fields named like Dense's.
        var tensors = plan.Layers.SelectMany(l => l.Tensors).Select(t => (t.Name, t.Field, ShapeInference.Dims(t.Shape), t.Offset)).ToArray();
        Assert.Equal(
            new[]
            {
                ("W", "W1", "32×1×3×3", 0), ("b", "b1", "32", 288),
                ("γ", "gamma2", "32", 320), ("β", "beta2", "32", 352),
                ("W", "W5", "64×32×3×3", 384), ("b", "b5", "64", 18816),
                ("γ", "gamma6", "64", 18880), ("β", "beta6", "64", 18944),
                ("W", "W10", "128×3136", 19008), ("b", "b10", "128", 420416),
                ("W", "W13", "10×128", 420544), ("b", "b13", "10", 421824),
            },
            tensors);
        Assert.Equal(421834, plan.ParameterCount);
        Assert.Equal(2 * (32 + 64), plan.StateCount);
        Assert.All(plan.Layers.Where(l => l.Spec is Conv2DSpec or MaxPool2DSpec), l => Assert.False(l.Unrolled));
    }

    [Fact]
    public void Conv1D_has_a_kernel_of_filters_by_channels_by_width()
    {
        // (52 + 2·2 − 5)/3 + 1 = 18 → overlapping pooling → 17 → 15.
        NetworkPlan plan = ShapeInference.Infer(Net(Input(3, 52), Conv1D(8, 5, stride: 3, padding: 2), MaxPool1D(2, stride: 1), Conv1D(4, 3), Flatten(), Dense(1)));

        Assert.True(plan.IsRunnable);
        Assert.Equal(new[] { "8×18", "8×17", "4×15", "60", "1" }, plan.Layers.Select(l => ShapeInference.Dims(l.OutputShape)));
        Assert.Equal(new[] { "8×3×5", "8", "4×8×3", "4", "1×60", "1" }, plan.Layers.SelectMany(l => l.Tensors).Select(t => ShapeInference.Dims(t.Shape)));
    }

    [Theory]
    [InlineData("ReLU", "HeNormal")]
    [InlineData("ELU", "HeNormal")]
    [InlineData("Tanh", "GlorotNormal")]
    [InlineData("Flatten", "GlorotNormal")]
    public void Init_Auto_looks_past_BatchNorm_Dropout_and_pooling_for_the_activation(string activation, string expected)
    {
        NetworkPlan plan = ShapeInference.Infer(Net(
            Input(2, 8, 8), Conv2D(4, 3, padding: 1), BatchNorm(), Dropout(0.1), MaxPool2D(2), ByName(activation), Flatten(), Dense(2)));

        Assert.True(plan.IsRunnable);
        Assert.Equal(expected, plan.Layers[0].ResolvedInit.ToString());
        // With "Flatten" the network flattens twice, which is NG0018 on the second one.
        Assert.Equal(activation == "Flatten" ? new[] { "NG0018" } : System.Array.Empty<string>(), plan.Diagnostics.Select(d => d.Id));
    }

    [Fact]
    public void NG0010_when_a_convolution_uses_Glorot_before_ReLU()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(1, 8, 8), new Conv2DSpec(4, 3, Init: InitKind.GlorotUniform), ReLU(), Flatten(), Dense(2)));

        ShapeError warning = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0010", Severity.Warning, 1, "Init"), (warning.Id, warning.Severity, warning.AttributeIndex, warning.Argument));
        Assert.True(plan.IsRunnable);
        Assert.Equal(InitKind.GlorotUniform, plan.Layers[0].ResolvedInit);
    }

    [Fact]
    public void A_convolution_after_a_wrong_stride_stops_inference_with_one_NG0002()
    {
        // 28 → pool 2 → 14 → Conv2D(16, 3, stride 2): (14 − 3)/2 + 1 = 6.5.
        NetworkPlan plan = ShapeInference.Infer(Net(Input(1, 28, 28), Conv2D(8, 3, padding: 1), MaxPool2D(2), Conv2D(16, 3, stride: 2), Flatten(), Dense(10)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0002", 3, "Stride"), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains("(14 + 2·0 − 3)/2 + 1 = 11/2 + 1 = 13/2;", error.Message);
        Assert.False(plan.IsRunnable);
    }
}
