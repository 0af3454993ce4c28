using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>Inverted dropout: masks drawn from the network's own generator, so a seed replays them.</summary>
internal sealed class DropoutEmitter : LayerEmitter<DropoutSpec>
{
    public static readonly DropoutEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"Dropout {Literals.Number(Spec(layer).Rate)} over {Values(layer.OutputSize)}";

    public override string Signature(PlannedLayer layer) => $"Dropout({Literals.Number(Spec(layer).Rate)})";

    public override string ForwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        double keep = 1 - Spec(layer).Rate;
        return $"training: M{N(n)} = (U ≥ {Literals.Number(Spec(layer).Rate)}) / {Literals.Number(keep)},  {M(n)} = {M(n - 1)} ⊙ M{N(n)};  inference: {M(n)} = {M(n - 1)}";
    }

    public override string BackwardMath(PlannedLayer layer) =>
        layer.Number == 1 ? "(the input needs no gradient)" : $"d{M(layer.Number - 1)} = d{M(layer.Number)} ⊙ M{N(layer.Number)}";

    public override string OnnxMath(PlannedLayer layer) => "left out: inference keeps every value";

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
    }

    public override IEnumerable<BatchBuffer> BatchBuffers(PlannedLayer layer)
    {
        yield return new BatchBuffer($"_mask{N(layer.Number)}", $"mask{N(layer.Number)}", layer.OutputSize, "the dropout mask: 0, or 1/(1 − rate) for kept values (training only)", TrainingOnly: true);
    }

    public override string TangentMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return $"training: {Dot(M(n))} = {Dot(M(n - 1))} ⊙ M{N(n)} (the same mask);  inference: {Dot(M(n))} = {Dot(M(n - 1))}";
    }

    public override IEnumerable<string> TangentSpans(PlannedLayer layer) =>
        new[] { $"mask{N(layer.Number)}", TA(layer.Number - 1), TA(layer.Number) };

    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line("if (training)");
        writer.Indent();
        writer.Line($"{RuntimeTypes.Dropout}.Backward(mask{N(n)}, {TA(n - 1)}, {TA(n)});");
        writer.Unindent();
        writer.Line("else");
        writer.Indent();
        writer.Line($"{TA(n - 1)}.CopyTo({TA(n)});");
        writer.Unindent();
    }

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line("if (training)");
        writer.Indent();
        writer.Line($"{RuntimeTypes.Dropout}.ForwardTraining({A(n - 1)}, mask{N(n)}, {A(n)}, rate: {context.Real(Spec(layer).Rate)}, _random);");
        writer.Unindent();
        writer.Line("else");
        writer.Indent();
        writer.Line($"{A(n - 1)}.CopyTo({A(n)});");
        writer.Unindent();
    }

    public override IEnumerable<string> ForwardSpans(PlannedLayer layer) =>
        new[] { A(layer.Number - 1), $"mask{N(layer.Number)}", A(layer.Number) };

    public override IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        layer.Number > 1 ? new[] { $"mask{N(layer.Number)}", DA(layer.Number), DA(layer.Number - 1) } : System.Array.Empty<string>();

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        if (layer.Number > 1)
        {
            writer.Line($"{RuntimeTypes.Dropout}.Backward(mask{N(layer.Number)}, {DA(layer.Number)}, {DA(layer.Number - 1)});");
        }
    }

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{DA(layer.Number)}.CopyTo({DA(layer.Number - 1)});");
}
