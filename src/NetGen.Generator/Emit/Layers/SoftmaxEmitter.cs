using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>Softmax over each sample's features; fused with softmax cross-entropy when it is the last layer.</summary>
internal sealed class SoftmaxEmitter : LayerEmitter<SoftmaxSpec>
{
    public static readonly SoftmaxEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"Softmax over {N(layer.OutputSize)} classes";

    public override string ForwardMath(PlannedLayer layer) =>
        $"{M(layer.Number)}[s,j] = e^({M(layer.Number - 1)}[s,j] − max) / Σ_k e^({M(layer.Number - 1)}[s,k] − max)";

    public override string BackwardMath(PlannedLayer layer)
    {
        if (layer.FusedWithLoss)
        {
            return $"fused with the loss: d{M(layer.Number - 1)} = ({M(layer.Number)} − T)/B was written by the loss";
        }

        return layer.Number == 1
            ? "(the input needs no gradient)"
            : $"d{M(layer.Number - 1)} = {M(layer.Number)} ⊙ (d{M(layer.Number)} − Σ_j d{M(layer.Number)}[s,j]·{M(layer.Number)}[s,j])";
    }

    public override string OnnxMath(PlannedLayer layer) => $"Softmax({M(layer.Number - 1)}, axis = 1)";

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"graph.Softmax({OnnxName(layer)}, features: {N(layer.OutputSize)});");

    public override string TangentMath(PlannedLayer layer)
    {
        string y = M(layer.Number), ty = Dot(y), tx = Dot(M(layer.Number - 1));
        return $"{ty} = {y} ⊙ ({tx} − Σ_j {tx}[s,j]·{y}[s,j])";
    }

    public override System.Collections.Generic.IEnumerable<string> TangentSpans(PlannedLayer layer) =>
        new[] { A(layer.Number), TA(layer.Number - 1), TA(layer.Number) };

    // The softmax Jacobian is symmetric, so its tangent is the backward kernel applied to Ẋ.
    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{RuntimeTypes.Activations}.SoftmaxBackward({A(layer.Number)}, {TA(layer.Number - 1)}, {TA(layer.Number)}, batch, features: {N(layer.OutputSize)});");

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{RuntimeTypes.Activations}.Softmax({A(layer.Number - 1)}, {A(layer.Number)}, batch, features: {N(layer.OutputSize)});");

    public override System.Collections.Generic.IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        !layer.FusedWithLoss && layer.Number > 1 ? new[] { A(layer.Number), DA(layer.Number), DA(layer.Number - 1) } : System.Array.Empty<string>();

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        if (!layer.FusedWithLoss && layer.Number > 1)
        {
            writer.Line($"{RuntimeTypes.Activations}.SoftmaxBackward({A(layer.Number)}, {DA(layer.Number)}, {DA(layer.Number - 1)}, batch, features: {N(layer.OutputSize)});");
        }
    }

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        if (layer.FusedWithLoss)
        {
            FusedInputGradients(writer, layer);
            return;
        }

        writer.Line($"{RuntimeTypes.Activations}.SoftmaxBackward({A(layer.Number)}, {DA(layer.Number)}, {DA(layer.Number - 1)}, batch, features: {N(layer.OutputSize)});");
    }

    public override System.Collections.Generic.IEnumerable<string> InputGradientsSpans(PlannedLayer layer) =>
        layer.FusedWithLoss ? FusedInputGradientsSpans(layer) : new[] { A(layer.Number), DA(layer.Number), DA(layer.Number - 1) };
}
