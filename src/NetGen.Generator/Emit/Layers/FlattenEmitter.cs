using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>Flatten: the same values seen as a vector.</summary>
internal sealed class FlattenEmitter : LayerEmitter<FlattenSpec>
{
    public static readonly FlattenEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"Flatten [{layer.InputShape.Text}] → {N(layer.OutputSize)}";

    public override string Signature(PlannedLayer layer) => "Flatten";

    public override string ForwardMath(PlannedLayer layer) => $"{M(layer.Number)}{EmitContext.Batch(layer.OutputSize)} = {M(layer.Number - 1)} (same values, row-major)";

    public override string BackwardMath(PlannedLayer layer) =>
        layer.Number == 1 ? "(the input needs no gradient)" : $"d{M(layer.Number - 1)} = d{M(layer.Number)}";

    public override string OnnxMath(PlannedLayer layer) => $"Flatten({M(layer.Number - 1)}, axis = 1)";

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"graph.Flatten({OnnxName(layer)});");

    public override string TangentMath(PlannedLayer layer) => $"{Dot(M(layer.Number))} = {Dot(M(layer.Number - 1))}";

    public override IEnumerable<string> TangentSpans(PlannedLayer layer) => new[] { TA(layer.Number - 1), TA(layer.Number) };

    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{TA(layer.Number - 1)}.CopyTo({TA(layer.Number)});");

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{A(layer.Number - 1)}.CopyTo({A(layer.Number)});");

    public override System.Collections.Generic.IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        layer.Number > 1 ? new[] { DA(layer.Number), DA(layer.Number - 1) } : System.Array.Empty<string>();

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        if (layer.Number > 1)
        {
            writer.Line($"{DA(layer.Number)}.CopyTo({DA(layer.Number - 1)});");
        }
    }

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{DA(layer.Number)}.CopyTo({DA(layer.Number - 1)});");
}
