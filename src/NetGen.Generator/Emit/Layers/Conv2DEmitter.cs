using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>
/// 2-D convolution over NCHW maps, <c>W [F × C × k × k]</c> then <c>b [F]</c>: the runtime's im2col + GEMM kernel with
/// every size a constant, and a workspace the network owns.
/// </summary>
internal sealed class Conv2DEmitter : LayerEmitter
{
    public static readonly Conv2DEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) =>
        $"Conv2D {Dims(layer.InputShape)} → {Shape(layer)}, {N(layer.Spec.Kernel)}×{N(layer.Spec.Kernel)} kernel, stride {N(layer.Spec.Stride)}{WindowMath.Padding(layer.Spec)}";

    public override string Signature(PlannedLayer layer) =>
        $"Conv2D({N(layer.Spec.Filters)}, {N(layer.Spec.Kernel)}, stride {N(layer.Spec.Stride)}, padding {N(layer.Spec.Padding)})";

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
            : $"d{M(n - 1)} = d{M(n)} fully convolved with the flipped W{N(n)} (each patch's gradient added back where it was taken)";
        return $"dW{N(n)}[f,c,u,v] += Σ_s,i,j d{M(n)}[s,f,i,j] · {Element(layer)};  db{N(n)}[f] += Σ_s,i,j d{M(n)}[s,f,i,j];  {input}";
    }

    public override IEnumerable<FixedBuffer> FixedBuffers(PlannedLayer layer)
    {
        int n = layer.Number;
        yield return new FixedBuffer($"_workspace{N(n)}", $"workspace{N(n)}", WorkspaceLength(layer), $"layer {N(n)}'s im2col workspace: one sample's patches, and scratch for the backward pass");
    }

    public override void Initialize(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int kk = layer.Spec.Kernel * layer.Spec.Kernel;
        WeightInitializer.Write(writer, context, layer, context.Tensor(layer, "W"), fanIn: layer.InputShape[0] * kk, fanOut: layer.Spec.Filters * kk);
    }

    public override string OnnxMath(PlannedLayer layer)
    {
        int n = layer.Number, k = layer.Spec.Kernel, s = layer.Spec.Stride, p = layer.Spec.Padding;
        return $"Conv({M(n - 1)}, W{N(n)}, b{N(n)}), kernel_shape [{N(k)}, {N(k)}], strides [{N(s)}, {N(s)}], pads [{N(p)}, {N(p)}, {N(p)}, {N(p)}]";
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"graph.Conv2D({OnnxName(layer)}, W{N(n)}, b{N(n)}, channels: {N(layer.InputShape[0])}, filters: {N(layer.Spec.Filters)}, kernel: {N(layer.Spec.Kernel)}, stride: {N(layer.Spec.Stride)}, padding: {N(layer.Spec.Padding)});");
    }

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"//   {M(n)}[s,f,i,j] = b{N(n)}[f] + Σ_c,u,v W{N(n)}[f,c,u,v] · {Element(layer)}{WindowMath.ZeroOutside(layer.Spec, M(n - 1))}");
        writer.Line($"global::NetGen.Kernels.Conv2D.Forward({A(n - 1)}, W{N(n)}, b{N(n)}, {A(n)}, workspace{N(n)}, batch, {Sizes(layer)});");
    }

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"global::NetGen.Kernels.Conv2D.Backward({A(n - 1)}, W{N(n)}, {DA(n)}, dW{N(n)}, db{N(n)}, {context.DInput(layer)}, workspace{N(n)}, batch, {Sizes(layer)});");
    }

    /// <summary>The runtime's <c>Conv2D.WorkspaceLength</c>: <c>Q·P + F·max(P, Q)</c> with Q = C·k·k values per patch, P = Ho·Wo positions.</summary>
    private static int WorkspaceLength(PlannedLayer layer)
    {
        int patch = layer.InputShape[0] * layer.Spec.Kernel * layer.Spec.Kernel, positions = layer.OutputShape[1] * layer.OutputShape[2];
        return (patch * positions) + (layer.Spec.Filters * System.Math.Max(patch, positions));
    }

    private static string Sizes(PlannedLayer layer) =>
        $"channels: {N(layer.InputShape[0])}, height: {N(layer.InputShape[1])}, width: {N(layer.InputShape[2])}, filters: {N(layer.Spec.Filters)}, kernel: {N(layer.Spec.Kernel)}, stride: {N(layer.Spec.Stride)}, padding: {N(layer.Spec.Padding)}";

    /// <summary><c>A0[s, c, i + u, j + v]</c>: the input value under kernel tap (u, v) of output (i, j).</summary>
    private static string Element(PlannedLayer layer) =>
        $"{M(layer.Number - 1)}[s, c, {WindowMath.Index("i", "u", layer.Spec.Stride, layer.Spec.Padding)}, {WindowMath.Index("j", "v", layer.Spec.Stride, layer.Spec.Padding)}]";

    private static string Dims(EquatableArray<int> shape) => Analysis.ShapeInference.Dims(shape);
}
