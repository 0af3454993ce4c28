using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>
/// Average pooling over each channel of NCHW maps, padding not counted in the means. Linear in its input, so the
/// forward pass keeps nothing: the backward pass shares each gradient equally among the inputs of its window.
/// </summary>
internal sealed class AvgPool2DEmitter : LayerEmitter<AvgPool2DSpec>
{
    public static readonly AvgPool2DEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) =>
        $"AvgPool2D {layer.InputShape.Text} → {Shape(layer)}, {N(Spec(layer).Size)}×{N(Spec(layer).Size)} window, stride {N(Spec(layer).Stride)}{WindowMath.Padding(Spec(layer).Padding)}";

    public override string Signature(PlannedLayer layer) =>
        $"AvgPool2D({N(Spec(layer).Size)}, stride {N(Spec(layer).Stride)}, padding {N(Spec(layer).Padding)})";

    public override string ForwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        AvgPool2DSpec spec = Spec(layer);
        return $"{M(n)}[s,c,i,j] = mean_(u,v < {N(spec.Size)}) {M(n - 1)}[s, c, {WindowMath.Index("i", "u", spec.Stride, spec.Padding)}, {WindowMath.Index("j", "v", spec.Stride, spec.Padding)}]{Pooling.OverInputs(spec.Padding)}";
    }

    public override string BackwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        AvgPool2DSpec spec = Spec(layer);
        return n == 1
            ? "(the input needs no gradient)"
            : $"d{M(n - 1)} = 0, then d{M(n - 1)}[s, c, {WindowMath.Index("i", "u", spec.Stride, spec.Padding)}, {WindowMath.Index("j", "v", spec.Stride, spec.Padding)}] += d{M(n)}[s,c,i,j] / n_ij: {Pooling.Sharing}";
    }

    public override string OnnxMath(PlannedLayer layer)
    {
        int size = Spec(layer).Size, stride = Spec(layer).Stride, p = Spec(layer).Padding;
        return $"AveragePool({M(layer.Number - 1)}), kernel_shape [{N(size)}, {N(size)}], strides [{N(stride)}, {N(stride)}], pads [{N(p)}, {N(p)}, {N(p)}, {N(p)}], count_include_pad = 0";
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"graph.AvgPool2D({OnnxName(layer)}, channels: {N(layer.InputShape[0])}, size: {N(Spec(layer).Size)}, stride: {N(Spec(layer).Stride)}, padding: {N(Spec(layer).Padding)});");

    public override string TangentMath(PlannedLayer layer) =>
        $"{Dot(M(layer.Number))} = the same averages of {Dot(M(layer.Number - 1))} (average pooling is linear)";

    public override IEnumerable<string> TangentSpans(PlannedLayer layer) => new[] { TA(layer.Number - 1), TA(layer.Number) };

    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{RuntimeTypes.AvgPool2D}.Forward({TA(layer.Number - 1)}, {TA(layer.Number)}, batch, {Sizes(layer)});");

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"{RuntimeTypes.AvgPool2D}.Forward({A(n - 1)}, {A(n)}, batch, {Sizes(layer)});");
    }

    public override IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        layer.Number > 1 ? new[] { DA(layer.Number), DA(layer.Number - 1) } : System.Array.Empty<string>();

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        if (n > 1)
        {
            writer.Line($"{RuntimeTypes.AvgPool2D}.Backward({DA(n)}, {DA(n - 1)}, batch, {Sizes(layer)});");
        }
    }

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{RuntimeTypes.AvgPool2D}.Backward({DA(layer.Number)}, {DA(layer.Number - 1)}, batch, {Sizes(layer)});");

    private static string Sizes(PlannedLayer layer) =>
        $"channels: {N(layer.InputShape[0])}, height: {N(layer.InputShape[1])}, width: {N(layer.InputShape[2])}, size: {N(Spec(layer).Size)}, stride: {N(Spec(layer).Stride)}, padding: {N(Spec(layer).Padding)}";
}
