using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>
/// Max pooling over each channel of NCHW maps. The forward pass keeps where each maximum came from (<c>argmax</c>, an
/// index into the input), and the backward pass sends each gradient there.
/// </summary>
internal sealed class MaxPool2DEmitter : LayerEmitter<MaxPool2DSpec>
{
    public static readonly MaxPool2DEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) =>
        $"MaxPool2D {layer.InputShape.Text} → {Shape(layer)}, {N(Spec(layer).Size)}×{N(Spec(layer).Size)} window, stride {N(Spec(layer).Stride)}";

    public override string Signature(PlannedLayer layer) => $"MaxPool2D({N(Spec(layer).Size)}, stride {N(Spec(layer).Stride)})";

    public override string ForwardMath(PlannedLayer layer)
    {
        int n = layer.Number, size = Spec(layer).Size, stride = Spec(layer).Stride;
        string kept = n == 1 ? string.Empty : $";  argmax{N(n)} = the index in {M(n - 1)} of each maximum";
        return $"{M(n)}[s,c,i,j] = max_(u,v < {N(size)}) {M(n - 1)}[s, c, {WindowMath.Index("i", "u", stride, 0)}, {WindowMath.Index("j", "v", stride, 0)}]{kept}";
    }

    public override string BackwardMath(PlannedLayer layer) => Pooling.Unpooling(layer);

    public override IEnumerable<BatchBuffer> BatchBuffers(PlannedLayer layer) => Pooling.Argmax(layer);

    public override string OnnxMath(PlannedLayer layer)
    {
        int size = Spec(layer).Size, stride = Spec(layer).Stride;
        return $"MaxPool({M(layer.Number - 1)}), kernel_shape [{N(size)}, {N(size)}], strides [{N(stride)}, {N(stride)}]";
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"graph.MaxPool2D({OnnxName(layer)}, channels: {N(layer.InputShape[0])}, size: {N(Spec(layer).Size)}, stride: {N(Spec(layer).Stride)});");

    public override string TangentMath(PlannedLayer layer) => Pooling.MaxTangentMath(layer);

    public override IEnumerable<BatchBuffer> TangentBuffers(PlannedLayer layer) => Pooling.FirstLayerArgmax(layer);

    public override IEnumerable<string> TangentSpans(PlannedLayer layer) => Pooling.MaxTangentSpans(layer);

    // A first layer's forward pass keeps no argmax (its backward step is skipped): it is recomputed with one here.
    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        if (n == 1)
        {
            writer.Line($"{RuntimeTypes.MaxPool2D}.Forward({A(0)}, {A(1)}, {Pooling.TangentArgmax}, batch, {Sizes(layer)});");
        }

        writer.Line($"{RuntimeTypes.MaxPool2D}.Tangent({Pooling.TangentArgmaxSpan(layer)}, {TA(n - 1)}, {TA(n)}, batch, {Sizes(layer)});");
    }

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"{RuntimeTypes.MaxPool2D}.Forward({A(n - 1)}, {A(n)}, {Pooling.ArgmaxSpan(layer)}, batch, {Sizes(layer)});");
    }

    public override IEnumerable<string> ForwardSpans(PlannedLayer layer) =>
        System.Linq.Enumerable.Concat(new[] { A(layer.Number - 1), A(layer.Number) }, Pooling.ArgmaxSpans(layer));

    public override IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        layer.Number > 1 ? new[] { $"argmax{N(layer.Number)}", DA(layer.Number), DA(layer.Number - 1) } : System.Array.Empty<string>();

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        if (n > 1)
        {
            writer.Line($"{RuntimeTypes.MaxPool2D}.Backward(argmax{N(n)}, {DA(n)}, {DA(n - 1)}, batch, {Sizes(layer)});");
        }
    }

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        if (n == 1)
        {
            // The inference forward keeps no argmax for a first layer (training never needs it): find the maxima again.
            writer.Line($"{RuntimeTypes.MaxPool2D}.Forward({A(0)}, {A(1)}, argmax1, batch, {Sizes(layer)});");
        }

        writer.Line($"{RuntimeTypes.MaxPool2D}.Backward(argmax{N(n)}, {DA(n)}, {DA(n - 1)}, batch, {Sizes(layer)});");
    }

    public override IEnumerable<string> InputGradientsSpans(PlannedLayer layer) => Pooling.InputGradientsSpans(layer);

    private static string Sizes(PlannedLayer layer) =>
        $"channels: {N(layer.InputShape[0])}, height: {N(layer.InputShape[1])}, width: {N(layer.InputShape[2])}, size: {N(Spec(layer).Size)}, stride: {N(Spec(layer).Stride)}";
}
