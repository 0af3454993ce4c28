using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Tests.Infrastructure;

/// <summary>
/// Hand-made <see cref="NetworkSpec"/>s, as the parser would produce them, for tests that need no compilation.
/// Layers get their attribute index from their position.
/// </summary>
internal static class Specs
{
    public static NetworkSpec Net(params LayerSpec[] layers) => Net("Net", LossKind.MeanSquaredError, layers);

    public static NetworkSpec Net(LossKind loss, params LayerSpec[] layers) => Net("Net", loss, layers);

    public static NetworkSpec Net(string className, LossKind loss, params LayerSpec[] layers) => new(
        Namespace: "Tests",
        ClassName: className,
        ContainingTypes: EquatableArray<ContainingType>.Empty,
        Loss: loss,
        DoublePrecision: false,
        Seed: 0,
        L1: 0,
        L2: 0,
        MaxParameters: 0,
        UnrollLimit: 256,
        Layers: layers.Select((layer, i) => layer with { AttributeIndex = i }).ToEquatableArray(),
        Problems: EquatableArray<DeclarationProblem>.Empty,
        MemberNames: EquatableArray<string>.Empty);

    public static LayerSpec Input(params int[] shape) => new InputSpec(shape.ToEquatableArray());

    public static LayerSpec Dense(int units, InitKind init = InitKind.Auto, bool bias = true, int inputs = 0, string? name = null) =>
        new DenseSpec(units, init, bias, inputs) { Name = name };

    public static LayerSpec BatchNorm(double momentum = 0.9, double epsilon = 1e-5) => new BatchNormSpec(momentum, epsilon);

    public static LayerSpec Dropout(double rate) => new DropoutSpec(rate);

    public static LayerSpec ReLU() => new ActivationSpec(ActivationFunction.ReLU);

    public static LayerSpec LeakyReLU(double alpha = 0.01) => new ActivationSpec(ActivationFunction.LeakyReLU, alpha);

    public static LayerSpec PReLU(bool shared = false, double initialAlpha = 0.25) => new PReLUSpec(shared, initialAlpha);

    public static LayerSpec ELU(double alpha = 1.0) => new ActivationSpec(ActivationFunction.ELU, alpha);

    public static LayerSpec Sigmoid() => new ActivationSpec(ActivationFunction.Sigmoid);

    public static LayerSpec Tanh() => new ActivationSpec(ActivationFunction.Tanh);

    public static LayerSpec Softmax() => new SoftmaxSpec();

    public static LayerSpec Flatten() => new FlattenSpec();

    public static LayerSpec Maxout(int units, int pieces = 2, InitKind init = InitKind.Auto) => new MaxoutSpec(units, pieces, init);

    public static LayerSpec Conv2D(int filters, int kernel, int stride = 1, int padding = 0) => new Conv2DSpec(filters, kernel, stride, padding);

    public static LayerSpec Conv1D(int filters, int kernel, int stride = 1, int padding = 0) => new Conv1DSpec(filters, kernel, stride, padding);

    /// <summary>Pooling as the parser reads it: a stride of 0 (not written) becomes the window size.</summary>
    public static LayerSpec MaxPool2D(int size, int stride = 0) => new MaxPool2DSpec(size, stride == 0 ? size : stride);

    public static LayerSpec MaxPool1D(int size, int stride = 0) => new MaxPool1DSpec(size, stride == 0 ? size : stride);

    public static LayerSpec AvgPool2D(int size, int stride = 0, int padding = 0) => new AvgPool2DSpec(size, stride == 0 ? size : stride, padding);

    public static LayerSpec AvgPool1D(int size, int stride = 0, int padding = 0) => new AvgPool1DSpec(size, stride == 0 ? size : stride, padding);

    public static LayerSpec GlobalAvgPool() => new GlobalAvgPoolSpec();

    /// <summary>A parameterless layer by its attribute name (<c>ReLU</c>, <c>Flatten</c>, <c>Softmax</c>, …), for theories.</summary>
    public static LayerSpec ByName(string kind) => kind switch
    {
        "Softmax" => Softmax(),
        "Flatten" => Flatten(),
        "PReLU" => PReLU(),
        "BatchNorm" => BatchNorm(),
        _ => new ActivationSpec((ActivationFunction)System.Enum.Parse(typeof(ActivationFunction), kind)),
    };

    /// <summary>The DESIGN.md §1 network.</summary>
    public static NetworkSpec FashionMlp() => Net(
        "FashionMlp",
        LossKind.SoftmaxCrossEntropy,
        Input(784),
        Dense(256), BatchNorm(), ReLU(), Dropout(0.2),
        Dense(128), BatchNorm(), ReLU(), Dropout(0.2),
        Dense(10), Softmax()) with { Seed = 42 };
}
