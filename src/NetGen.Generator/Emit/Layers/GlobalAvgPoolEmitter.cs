using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>
/// Global average pooling: the mean of each channel's whole map, a vector of one value per channel. Linear, so the
/// backward pass spreads each channel's gradient evenly over its map.
/// </summary>
internal sealed class GlobalAvgPoolEmitter : LayerEmitter<GlobalAvgPoolSpec>
{
    public static readonly GlobalAvgPoolEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"GlobalAvgPool {layer.InputShape.Text} → {Shape(layer)}";

    public override string Signature(PlannedLayer layer) => "GlobalAvgPool";

    public override string ForwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return $"{M(n)}[s,c] = (1/{N(Spatial(layer))}) Σ_p {M(n - 1)}[s,c,p], p over the {Map(layer)} map";
    }

    public override string BackwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return n == 1 ? "(the input needs no gradient)" : $"d{M(n - 1)}[s,c,p] = d{M(n)}[s,c] / {N(Spatial(layer))}";
    }

    public override string OnnxMath(PlannedLayer layer) => $"GlobalAveragePool({M(layer.Number - 1)}), then Flatten(axis = 1)";

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"graph.GlobalAvgPool({OnnxName(layer)}, channels: {N(layer.InputShape[0])});");

    public override string TangentMath(PlannedLayer layer) =>
        $"{Dot(M(layer.Number))} = the same averages of {Dot(M(layer.Number - 1))} (average pooling is linear)";

    public override IEnumerable<string> TangentSpans(PlannedLayer layer) => new[] { TA(layer.Number - 1), TA(layer.Number) };

    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{RuntimeTypes.GlobalAvgPool}.Forward({TA(layer.Number - 1)}, {TA(layer.Number)}, batch, {Sizes(layer)});");

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"{RuntimeTypes.GlobalAvgPool}.Forward({A(n - 1)}, {A(n)}, batch, {Sizes(layer)});");
    }

    public override IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        layer.Number > 1 ? new[] { DA(layer.Number), DA(layer.Number - 1) } : System.Array.Empty<string>();

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        if (n > 1)
        {
            writer.Line($"{RuntimeTypes.GlobalAvgPool}.Backward({DA(n)}, {DA(n - 1)}, batch, {Sizes(layer)});");
        }
    }

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{RuntimeTypes.GlobalAvgPool}.Backward({DA(layer.Number)}, {DA(layer.Number - 1)}, batch, {Sizes(layer)});");

    /// <summary>Values per channel: H·W, or L.</summary>
    private static int Spatial(PlannedLayer layer) => layer.InputShape.Size / layer.InputShape[0];

    private static string Map(PlannedLayer layer) => layer.InputShape.Rank == 3
        ? $"{N(layer.InputShape[1])}×{N(layer.InputShape[2])}"
        : $"length-{N(layer.InputShape[1])}";

    private static string Sizes(PlannedLayer layer) => $"channels: {N(layer.InputShape[0])}, spatial: {N(Spatial(layer))}";
}
