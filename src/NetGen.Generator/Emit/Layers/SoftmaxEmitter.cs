using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>Softmax over each sample's features; fused with softmax cross-entropy when it is the last layer.</summary>
internal sealed class SoftmaxEmitter : LayerEmitter
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

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"global::NetGen.Kernels.Activations.Softmax({A(layer.Number - 1)}, {A(layer.Number)}, batch, features: {N(layer.OutputSize)});");

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        if (!layer.FusedWithLoss && layer.Number > 1)
        {
            writer.Line($"global::NetGen.Kernels.Activations.SoftmaxBackward({A(layer.Number)}, {DA(layer.Number)}, {DA(layer.Number - 1)}, batch, features: {N(layer.OutputSize)});");
        }
    }
}

/// <summary>Parametric ReLU: a learned slope α for negative inputs, one per unit or shared.</summary>
internal sealed class PReLUEmitter : LayerEmitter
{
    public static readonly PReLUEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"PReLU over {Values(layer.OutputSize)}, {(layer.Spec.Shared ? "one shared α" : "one α per unit")}";

    public override string Signature(PlannedLayer layer) => layer.Spec.Shared ? "PReLU(shared)" : "PReLU";

    public override string ForwardMath(PlannedLayer layer)
    {
        string y = M(layer.Number), x = M(layer.Number - 1), alpha = $"α{N(layer.Number)}";
        return $"{y} = {x} > 0 ? {x} : {alpha}{(layer.Spec.Shared ? string.Empty : "[j]")}·{x}";
    }

    public override string BackwardMath(PlannedLayer layer)
    {
        string dy = "d" + M(layer.Number), x = M(layer.Number - 1), alpha = $"α{N(layer.Number)}";
        string input = layer.Number == 1 ? "(the input needs no gradient)" : $"d{x} = {dy} ⊙ ({x} > 0 ? 1 : {alpha})";
        return $"d{alpha} += Σ {dy} ⊙ {x} over {x} ≤ 0;  {input}";
    }

    public override string OnnxMath(PlannedLayer layer)
    {
        string slope = layer.Spec.Shared ? "[1]" : $"[{Shape(layer)}]";
        return $"PRelu({M(layer.Number - 1)}, α{N(layer.Number)}{slope})";
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"graph.PReLU({OnnxName(layer)}, alpha{N(layer.Number)}, shared: {(layer.Spec.Shared ? "true" : "false")});");

    public override void Initialize(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        writer.Line($"// Layer {N(layer.Number)}: {Sentence(layer)}.  α{N(layer.Number)} = {Literals.Number(layer.Spec.InitialAlpha)}.");
        writer.Line($"global::NetGen.Kernels.Initializers.Fill(alpha{N(layer.Number)}, {context.Real(layer.Spec.InitialAlpha)});");
    }

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"global::NetGen.Kernels.Activations.PReLU({A(layer.Number - 1)}, alpha{N(layer.Number)}, {A(layer.Number)}, batch, features: {N(layer.OutputSize)});");

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        writer.Line($"global::NetGen.Kernels.Activations.PReLUBackward({A(layer.Number - 1)}, alpha{N(layer.Number)}, {DA(layer.Number)}, {context.DInput(layer)}, dalpha{N(layer.Number)}, batch, features: {N(layer.OutputSize)});");
}
