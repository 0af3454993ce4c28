using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>
/// 1-D convolution over <c>channels × length</c> sequences, <c>W [F × C × k]</c> then <c>b [F]</c>: the runtime's
/// im2col + GEMM kernel with every size a constant, and a workspace the network owns.
/// </summary>
internal sealed class Conv1DEmitter : LayerEmitter
{
    public static readonly Conv1DEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) =>
        $"Conv1D {Dims(layer.InputShape)} → {Shape(layer)}, kernel {N(layer.Spec.Kernel)}, stride {N(layer.Spec.Stride)}{WindowMath.Padding(layer.Spec)}";

    public override string Signature(PlannedLayer layer) =>
        $"Conv1D({N(layer.Spec.Filters)}, {N(layer.Spec.Kernel)}, stride {N(layer.Spec.Stride)}, padding {N(layer.Spec.Padding)})";

    public override string ForwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return $"{M(n)}[B×{Shape(layer)}] = W{N(n)}[{Dims(layer.Tensors[0].Shape)}] ⊛ {M(n - 1)} + b{N(n)}[{N(layer.Spec.Filters)}]";
    }

    public override string BackwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        string input = n == 1
            ? "(the input needs no gradient)"
            : $"d{M(n - 1)} = d{M(n)} fully convolved with the flipped W{N(n)} (each window's gradient added back where it was taken)";
        return $"dW{N(n)}[f,c,u] += Σ_s,i d{M(n)}[s,f,i] · {Element(layer)};  db{N(n)}[f] += Σ_s,i d{M(n)}[s,f,i];  {input}";
    }

    public override IEnumerable<FixedBuffer> FixedBuffers(PlannedLayer layer)
    {
        int n = layer.Number;
        yield return new FixedBuffer($"_workspace{N(n)}", $"workspace{N(n)}", WorkspaceLength(layer), $"layer {N(n)}'s im2col workspace: one sample's windows, and scratch for the backward pass");
    }

    public override void Initialize(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        WeightInitializer.Write(writer, context, layer, context.Tensor(layer, "W"), fanIn: layer.InputShape[0] * layer.Spec.Kernel, fanOut: layer.Spec.Filters * layer.Spec.Kernel);

    public override string OnnxMath(PlannedLayer layer)
    {
        int n = layer.Number, p = layer.Spec.Padding;
        return $"Conv({M(n - 1)}, W{N(n)}, b{N(n)}), kernel_shape [{N(layer.Spec.Kernel)}], strides [{N(layer.Spec.Stride)}], pads [{N(p)}, {N(p)}]";
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"graph.Conv1D({OnnxName(layer)}, W{N(n)}, b{N(n)}, channels: {N(layer.InputShape[0])}, filters: {N(layer.Spec.Filters)}, kernel: {N(layer.Spec.Kernel)}, stride: {N(layer.Spec.Stride)}, padding: {N(layer.Spec.Padding)});");
    }

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"//   {M(n)}[s,f,i] = b{N(n)}[f] + Σ_c,u W{N(n)}[f,c,u] · {Element(layer)}{WindowMath.ZeroOutside(layer.Spec, M(n - 1))}");
        writer.Line($"global::NetGen.Kernels.Conv1D.Forward({A(n - 1)}, W{N(n)}, b{N(n)}, {A(n)}, workspace{N(n)}, batch, {Sizes(layer)});");
    }

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"global::NetGen.Kernels.Conv1D.Backward({A(n - 1)}, W{N(n)}, {DA(n)}, dW{N(n)}, db{N(n)}, {context.DInput(layer)}, workspace{N(n)}, batch, {Sizes(layer)});");
    }

    /// <summary>The runtime's <c>Conv1D.WorkspaceLength</c>: <c>Q·Lo + F·max(Lo, Q)</c> with Q = C·k values per window.</summary>
    private static int WorkspaceLength(PlannedLayer layer)
    {
        int patch = layer.InputShape[0] * layer.Spec.Kernel, positions = layer.OutputShape[1];
        return (patch * positions) + (layer.Spec.Filters * System.Math.Max(patch, positions));
    }

    private static string Sizes(PlannedLayer layer) =>
        $"channels: {N(layer.InputShape[0])}, length: {N(layer.InputShape[1])}, filters: {N(layer.Spec.Filters)}, kernel: {N(layer.Spec.Kernel)}, stride: {N(layer.Spec.Stride)}, padding: {N(layer.Spec.Padding)}";

    /// <summary><c>A0[s, c, i + u]</c>: the input value under kernel tap u of output i.</summary>
    private static string Element(PlannedLayer layer) =>
        $"{M(layer.Number - 1)}[s, c, {WindowMath.Index("i", "u", layer.Spec.Stride, layer.Spec.Padding)}]";

    private static string Dims(EquatableArray<int> shape) => Analysis.ShapeInference.Dims(shape);
}
