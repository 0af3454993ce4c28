using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>Parametric ReLU: a learned slope α for negative inputs, one per unit or shared.</summary>
internal sealed class PReLUEmitter : LayerEmitter<PReLUSpec>
{
    public static readonly PReLUEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"PReLU over {Values(layer.OutputSize)}, {(Spec(layer).Shared ? "one shared α" : "one α per unit")}";

    public override string Signature(PlannedLayer layer) => Spec(layer).Shared ? "PReLU(shared)" : "PReLU";

    public override string ForwardMath(PlannedLayer layer)
    {
        string y = M(layer.Number), x = M(layer.Number - 1), alpha = $"α{N(layer.Number)}";
        return $"{y} = {x} > 0 ? {x} : {alpha}{(Spec(layer).Shared ? string.Empty : "[j]")}·{x}";
    }

    public override string BackwardMath(PlannedLayer layer)
    {
        string dy = "d" + M(layer.Number), x = M(layer.Number - 1), alpha = $"α{N(layer.Number)}";
        string input = layer.Number == 1 ? "(the input needs no gradient)" : $"d{x} = {dy} ⊙ ({x} > 0 ? 1 : {alpha})";
        return $"d{alpha} += Σ {dy} ⊙ {x} over {x} ≤ 0;  {input}";
    }

    public override string OnnxMath(PlannedLayer layer)
    {
        string slope = Spec(layer).Shared ? "[1]" : $"[{Shape(layer)}]";
        return $"PRelu({M(layer.Number - 1)}, α{N(layer.Number)}{slope})";
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"graph.PReLU({OnnxName(layer)}, alpha{N(layer.Number)}, shared: {(Spec(layer).Shared ? "true" : "false")});");

    public override void Initialize(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        writer.Line($"// Layer {N(layer.Number)}: {Sentence(layer)}.  α{N(layer.Number)} = {Literals.Number(Spec(layer).InitialAlpha)}.");
        writer.Line($"{RuntimeTypes.Initializers}.Fill(alpha{N(layer.Number)}, {context.Real(Spec(layer).InitialAlpha)});");
    }

    public override string TangentMath(PlannedLayer layer)
    {
        string x = M(layer.Number - 1), tx = Dot(x), j = Spec(layer).Shared ? string.Empty : "[j]";
        return $"{Dot(M(layer.Number))} = {x} > 0 ? {tx} : α{N(layer.Number)}{j}·{tx} + {Dot("α")}{N(layer.Number)}{j}·{x}";
    }

    public override System.Collections.Generic.IEnumerable<string> TangentSpans(PlannedLayer layer) =>
        new[] { A(layer.Number - 1), TA(layer.Number - 1), TA(layer.Number), TP(layer, "α") };

    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{RuntimeTypes.Activations}.PReLUTangent({A(layer.Number - 1)}, alpha{N(layer.Number)}, {TA(layer.Number - 1)}, {TP(layer, "α")}, {TA(layer.Number)}, batch, features: {N(layer.OutputSize)});");

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{RuntimeTypes.Activations}.PReLU({A(layer.Number - 1)}, alpha{N(layer.Number)}, {A(layer.Number)}, batch, features: {N(layer.OutputSize)});");

    public override System.Collections.Generic.IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        System.Linq.Enumerable.Concat(new[] { A(layer.Number - 1), DA(layer.Number) }, InputGradient(layer));

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{RuntimeTypes.Activations}.PReLUBackward({A(layer.Number - 1)}, alpha{N(layer.Number)}, {DA(layer.Number)}, {context.DInput(layer)}, dalpha{N(layer.Number)}, batch, features: {N(layer.OutputSize)});");

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"{RuntimeTypes.Activations}.PReLUBackward({A(layer.Number - 1)}, alpha{N(layer.Number)}, {DA(layer.Number)}, {DA(layer.Number - 1)}, {context.EmptySpan}, batch, features: {N(layer.OutputSize)});");

    public override System.Collections.Generic.IEnumerable<string> InputGradientsSpans(PlannedLayer layer) =>
        new[] { A(layer.Number - 1), DA(layer.Number), DA(layer.Number - 1) };
}
