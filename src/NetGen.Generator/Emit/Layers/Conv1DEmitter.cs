using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>
/// 1-D convolution over <c>channels × length</c> sequences, <c>W [F × C × k]</c> then <c>b [F]</c>: the runtime's
/// im2col + GEMM kernel with every size a constant, and a workspace the network owns.
/// </summary>
internal sealed class Conv1DEmitter : LayerEmitter<Conv1DSpec>
{
    public static readonly Conv1DEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) =>
        $"Conv1D {layer.InputShape.Text} → {Shape(layer)}, kernel {N(Spec(layer).Kernel)}, stride {N(Spec(layer).Stride)}{WindowMath.Padding(Spec(layer).Padding)}";

    public override string? ParameterLayout => "Conv1D W [filters × channels × k] then b [filters]";

    public override string Signature(PlannedLayer layer) =>
        $"Conv1D({N(Spec(layer).Filters)}, {N(Spec(layer).Kernel)}, stride {N(Spec(layer).Stride)}, padding {N(Spec(layer).Padding)})";

    public override string ForwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return $"{M(n)}[B×{Shape(layer)}] = W{N(n)}[{layer.Tensors[0].Shape.Text}] ⊛ {M(n - 1)} + b{N(n)}[{N(Spec(layer).Filters)}]";
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
        WeightInitializer.Write(writer, context, layer, Spec(layer).Init, context.Tensor(layer, "W"), fanIn: layer.InputShape[0] * Spec(layer).Kernel, fanOut: Spec(layer).Filters * Spec(layer).Kernel);

    public override string OnnxMath(PlannedLayer layer)
    {
        int n = layer.Number, p = Spec(layer).Padding;
        return $"Conv({M(n - 1)}, W{N(n)}, b{N(n)}), kernel_shape [{N(Spec(layer).Kernel)}], strides [{N(Spec(layer).Stride)}], pads [{N(p)}, {N(p)}]";
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"graph.Conv1D({OnnxName(layer)}, W{N(n)}, b{N(n)}, channels: {N(layer.InputShape[0])}, filters: {N(Spec(layer).Filters)}, kernel: {N(Spec(layer).Kernel)}, stride: {N(Spec(layer).Stride)}, padding: {N(Spec(layer).Padding)});");
    }

    public override string TangentMath(PlannedLayer layer) => Convolutions.TangentMath(layer);

    public override IEnumerable<string> TangentSpans(PlannedLayer layer) => Convolutions.TangentSpans(layer);

    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        Convolutions.Tangent(writer, layer, RuntimeTypes.Conv1D, Sizes(layer));

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"//   {M(n)}[s,f,i] = b{N(n)}[f] + Σ_c,u W{N(n)}[f,c,u] · {Element(layer)}{WindowMath.ZeroOutside(Spec(layer).Padding, M(n - 1))}");
        writer.Line($"{RuntimeTypes.Conv1D}.Forward({A(n - 1)}, W{N(n)}, b{N(n)}, {A(n)}, workspace{N(n)}, batch, {Sizes(layer)});");
    }

    public override IEnumerable<string> ForwardSpans(PlannedLayer layer) =>
        new[] { A(layer.Number - 1), A(layer.Number), $"workspace{N(layer.Number)}" };

    public override IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        System.Linq.Enumerable.Concat(new[] { A(layer.Number - 1), DA(layer.Number), $"workspace{N(layer.Number)}" }, InputGradient(layer));

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"{RuntimeTypes.Conv1D}.Backward({A(n - 1)}, W{N(n)}, {DA(n)}, dW{N(n)}, db{N(n)}, {context.DInput(layer)}, workspace{N(n)}, batch, {Sizes(layer)});");
    }

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"{RuntimeTypes.Conv1D}.Backward({A(n - 1)}, W{N(n)}, {DA(n)}, {context.EmptySpan}, {context.EmptySpan}, {DA(n - 1)}, workspace{N(n)}, batch, {Sizes(layer)});");
    }

    public override IEnumerable<string> InputGradientsSpans(PlannedLayer layer) =>
        new[] { A(layer.Number - 1), DA(layer.Number), DA(layer.Number - 1), $"workspace{N(layer.Number)}" };

    /// <summary>The runtime's <c>Conv1D.WorkspaceLength</c>: <c>Q·Lo + F·max(Lo, Q)</c> with Q = C·k values per window.</summary>
    private static int WorkspaceLength(PlannedLayer layer)
    {
        int patch = layer.InputShape[0] * Spec(layer).Kernel, positions = layer.OutputShape[1];
        return (patch * positions) + (Spec(layer).Filters * System.Math.Max(patch, positions));
    }

    private static string Sizes(PlannedLayer layer) =>
        $"channels: {N(layer.InputShape[0])}, length: {N(layer.InputShape[1])}, filters: {N(Spec(layer).Filters)}, kernel: {N(Spec(layer).Kernel)}, stride: {N(Spec(layer).Stride)}, padding: {N(Spec(layer).Padding)}";

    /// <summary><c>A0[s, c, i + u]</c>: the input value under kernel tap u of output i.</summary>
    private static string Element(PlannedLayer layer) =>
        $"{M(layer.Number - 1)}[s, c, {WindowMath.Index("i", "u", Spec(layer).Stride, Spec(layer).Padding)}]";
}
