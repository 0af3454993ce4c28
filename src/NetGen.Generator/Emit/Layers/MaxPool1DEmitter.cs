using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>
/// Max pooling over each channel of <c>channels × length</c> sequences, keeping where each maximum came from for the
/// backward pass. Also holds what both pooling kinds share: the argmax buffer and the unpooling sentence.
/// </summary>
internal sealed class MaxPool1DEmitter : LayerEmitter
{
    public static readonly MaxPool1DEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) =>
        $"MaxPool1D {Analysis.ShapeInference.Dims(layer.InputShape)} → {Shape(layer)}, window {N(layer.Spec.Size)}, stride {N(layer.Spec.Stride)}";

    public override string Signature(PlannedLayer layer) => $"MaxPool1D({N(layer.Spec.Size)}, stride {N(layer.Spec.Stride)})";

    public override string ForwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        string kept = n == 1 ? string.Empty : $";  argmax{N(n)} = the index in {M(n - 1)} of each maximum";
        return $"{M(n)}[s,c,i] = max_(u < {N(layer.Spec.Size)}) {M(n - 1)}[s, c, {WindowMath.Index("i", "u", layer.Spec.Stride, 0)}]{kept}";
    }

    public override string BackwardMath(PlannedLayer layer) => Unpooling(layer);

    public override IEnumerable<BatchBuffer> BatchBuffers(PlannedLayer layer) => Argmax(layer);

    public override string OnnxMath(PlannedLayer layer) =>
        $"MaxPool({M(layer.Number - 1)}), kernel_shape [{N(layer.Spec.Size)}], strides [{N(layer.Spec.Stride)}]";

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"graph.MaxPool1D({OnnxName(layer)}, channels: {N(layer.InputShape[0])}, size: {N(layer.Spec.Size)}, stride: {N(layer.Spec.Stride)});");

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"global::NetGen.Kernels.MaxPool1D.Forward({A(n - 1)}, {A(n)}, {ArgmaxSpan(layer)}, batch, {Sizes(layer)});");
    }

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        if (n > 1)
        {
            writer.Line($"global::NetGen.Kernels.MaxPool1D.Backward(argmax{N(n)}, {DA(n)}, {DA(n - 1)}, batch, {Sizes(layer)});");
        }
    }

    /// <summary>The backward sentence of both pooling kinds: each gradient goes back to the input that was the maximum.</summary>
    public static string Unpooling(PlannedLayer layer)
    {
        int n = layer.Number;
        return n == 1
            ? "(the input needs no gradient)"
            : $"d{M(n - 1)} = 0, then d{M(n - 1)}[argmax{N(n)}[k]] += d{M(n)}[k]: each gradient goes to the value that was the maximum";
    }

    /// <summary>The indexes the backward pass needs, one per output value; none for a first layer, which has no backward step.</summary>
    public static IEnumerable<BatchBuffer> Argmax(PlannedLayer layer)
    {
        int n = layer.Number;
        if (n > 1)
        {
            yield return new BatchBuffer($"_argmax{N(n)}", $"argmax{N(n)}", layer.OutputSize, $"where each maximum of layer {N(n)} came from, an index into {M(n - 1)}", Indexes: true);
        }
    }

    /// <summary><c>argmax2</c>, or an empty span for a first layer.</summary>
    public static string ArgmaxSpan(PlannedLayer layer) => layer.Number == 1 ? "global::System.Span<int>.Empty" : $"argmax{N(layer.Number)}";

    private static string Sizes(PlannedLayer layer) =>
        $"channels: {N(layer.InputShape[0])}, length: {N(layer.InputShape[1])}, size: {N(layer.Spec.Size)}, stride: {N(layer.Spec.Stride)}";
}
