using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>Inverted dropout: masks drawn from the network's own generator, so a seed replays them.</summary>
internal sealed class DropoutEmitter : LayerEmitter
{
    public static readonly DropoutEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"Dropout {Literals.Number(layer.Spec.Rate)} over {Values(layer.OutputSize)}";

    public override string Signature(PlannedLayer layer) => $"Dropout({Literals.Number(layer.Spec.Rate)})";

    public override string ForwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        double keep = 1 - layer.Spec.Rate;
        return $"training: M{N(n)} = (U ≥ {Literals.Number(layer.Spec.Rate)}) / {Literals.Number(keep)},  {M(n)} = {M(n - 1)} ⊙ M{N(n)};  inference: {M(n)} = {M(n - 1)}";
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

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line("if (training)");
        writer.Indent();
        writer.Line($"global::NetGen.Kernels.Dropout.ForwardTraining({A(n - 1)}, mask{N(n)}, {A(n)}, rate: {context.Real(layer.Spec.Rate)}, _random);");
        writer.Unindent();
        writer.Line("else");
        writer.Indent();
        writer.Line($"{A(n - 1)}.CopyTo({A(n)});");
        writer.Unindent();
    }

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        if (layer.Number > 1)
        {
            writer.Line($"global::NetGen.Kernels.Dropout.Backward(mask{N(layer.Number)}, {DA(layer.Number)}, {DA(layer.Number - 1)});");
        }
    }
}

/// <summary>Flatten: the same values seen as a vector.</summary>
internal sealed class FlattenEmitter : LayerEmitter
{
    public static readonly FlattenEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"Flatten [{Analysis.ShapeInference.Dims(layer.InputShape)}] → {N(layer.OutputSize)}";

    public override string Signature(PlannedLayer layer) => "Flatten";

    public override string ForwardMath(PlannedLayer layer) => $"{M(layer.Number)}{EmitContext.Batch(layer.OutputSize)} = {M(layer.Number - 1)} (same values, row-major)";

    public override string BackwardMath(PlannedLayer layer) =>
        layer.Number == 1 ? "(the input needs no gradient)" : $"d{M(layer.Number - 1)} = d{M(layer.Number)}";

    public override string OnnxMath(PlannedLayer layer) => $"Flatten({M(layer.Number - 1)}, axis = 1)";

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"graph.Flatten({OnnxName(layer)});");

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{A(layer.Number - 1)}.CopyTo({A(layer.Number)});");

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        if (layer.Number > 1)
        {
            writer.Line($"{DA(layer.Number)}.CopyTo({DA(layer.Number - 1)});");
        }
    }
}
