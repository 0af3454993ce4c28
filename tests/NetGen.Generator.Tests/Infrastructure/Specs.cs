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

    public static LayerSpec Input(params int[] shape) => new(LayerKind.Input, 0, Shape: shape.ToEquatableArray());

    public static LayerSpec Dense(int units, InitKind init = InitKind.Auto, bool bias = true, int inputs = 0, string? name = null) =>
        new(LayerKind.Dense, 0, name, Units: units, Init: init, Bias: bias, Inputs: inputs);

    public static LayerSpec BatchNorm(double momentum = 0.9, double epsilon = 1e-5) => new(LayerKind.BatchNorm, 0, Momentum: momentum, Epsilon: epsilon);

    public static LayerSpec Dropout(double rate) => new(LayerKind.Dropout, 0, Rate: rate);

    public static LayerSpec ReLU() => new(LayerKind.ReLU, 0);

    public static LayerSpec LeakyReLU(double alpha = 0.01) => new(LayerKind.LeakyReLU, 0, Alpha: alpha);

    public static LayerSpec PReLU(bool shared = false, double initialAlpha = 0.25) => new(LayerKind.PReLU, 0, Shared: shared, InitialAlpha: initialAlpha);

    public static LayerSpec ELU(double alpha = 1.0) => new(LayerKind.ELU, 0, Alpha: alpha);

    public static LayerSpec Sigmoid() => new(LayerKind.Sigmoid, 0);

    public static LayerSpec Tanh() => new(LayerKind.Tanh, 0);

    public static LayerSpec Softmax() => new(LayerKind.Softmax, 0);

    public static LayerSpec Flatten() => new(LayerKind.Flatten, 0);

    public static LayerSpec Maxout(int units, int pieces = 2, InitKind init = InitKind.Auto) => new(LayerKind.Maxout, 0, Units: units, Pieces: pieces, Init: init);

    public static LayerSpec Conv2D(int filters, int kernel, int stride = 1, int padding = 0) =>
        new(LayerKind.Conv2D, 0, Filters: filters, Kernel: kernel, Stride: stride, Padding: padding);

    public static LayerSpec Conv1D(int filters, int kernel, int stride = 1, int padding = 0) =>
        new(LayerKind.Conv1D, 0, Filters: filters, Kernel: kernel, Stride: stride, Padding: padding);

    /// <summary>Pooling as the parser reads it: a stride of 0 (not written) becomes the window size.</summary>
    public static LayerSpec MaxPool2D(int size, int stride = 0) => new(LayerKind.MaxPool2D, 0, Size: size, Stride: stride == 0 ? size : stride);

    public static LayerSpec MaxPool1D(int size, int stride = 0) => new(LayerKind.MaxPool1D, 0, Size: size, Stride: stride == 0 ? size : stride);

    /// <summary>The DESIGN.md §1 network.</summary>
    public static NetworkSpec FashionMlp() => Net(
        "FashionMlp",
        LossKind.SoftmaxCrossEntropy,
        Input(784),
        Dense(256), BatchNorm(), ReLU(), Dropout(0.2),
        Dense(128), BatchNorm(), ReLU(), Dropout(0.2),
        Dense(10), Softmax()) with { Seed = 42 };
}
