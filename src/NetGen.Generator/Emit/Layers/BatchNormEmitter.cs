using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>
/// Batch normalization per feature (per channel for maps). Training normalizes with the batch's statistics and
/// updates the running averages; inference uses the running averages.
/// </summary>
internal sealed class BatchNormEmitter : LayerEmitter<BatchNormSpec>
{
    public static readonly BatchNormEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"BatchNorm over {N(Features(layer))} {(Spatial(layer) > 1 ? "channels" : "features")}";

    // Epsilon changes what inference computes and Momentum what training does: both are part of the architecture, so a
    // checkpoint of a differently configured BatchNorm is refused.
    public override string Signature(PlannedLayer layer) =>
        $"BatchNorm({Shape(layer)}, epsilon {Literals.Number(Spec(layer).Epsilon)}, momentum {Literals.Number(Spec(layer).Momentum)})";

    public override string ForwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return $"training: {M(n)} = γ{N(n)} ⊙ ({M(n - 1)} − μ_B)/√(σ²_B + {Literals.Number(Spec(layer).Epsilon)}) + β{N(n)}, running = {Literals.Number(Spec(layer).Momentum)}·running + {Literals.Number(1 - Spec(layer).Momentum)}·batch;  inference: running μ, σ²";
    }

    public override string BackwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        string input = n == 1 ? "(the input needs no gradient)" : $"d{M(n - 1)} = (1/√(σ²+ε))/m · (m·dX̂ − Σ dX̂ − X̂ ⊙ Σ(dX̂ ⊙ X̂)) with dX̂ = d{M(n)} ⊙ γ{N(n)}";
        return $"dγ{N(n)} += Σ d{M(n)} ⊙ X̂{N(n)};  dβ{N(n)} += Σ d{M(n)};  {input}";
    }

    public override IEnumerable<BatchBuffer> BatchBuffers(PlannedLayer layer)
    {
        yield return new BatchBuffer($"_xHat{N(layer.Number)}", $"xHat{N(layer.Number)}", layer.OutputSize, "normalized inputs, kept for the backward pass (training only)", TrainingOnly: true);
    }

    public override IEnumerable<FixedBuffer> FixedBuffers(PlannedLayer layer)
    {
        yield return new FixedBuffer($"_inverseStd{N(layer.Number)}", $"inverseStd{N(layer.Number)}", Features(layer), "1/√(σ² + ε) of the last training batch");
    }

    public override string OnnxMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return $"BatchNormalization({M(n - 1)}, γ{N(n)}, β{N(n)}, running mean, running variance), ε = {Literals.Number(Spec(layer).Epsilon)}, training_mode 0";
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"graph.BatchNorm({OnnxName(layer)}, gamma{N(n)}, beta{N(n)}, runningMean{N(n)}, runningVariance{N(n)}, features: {N(Features(layer))}, epsilon: {Literals.Real(Spec(layer).Epsilon, doublePrecision: true)});");
    }

    public override void Initialize(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"// Layer {N(n)}: {Sentence(layer)}.  γ{N(n)} = 1, β{N(n)} = 0; running mean 0, running variance 1.");
        writer.Line($"{RuntimeTypes.Initializers}.Fill(gamma{N(n)}, {context.Real(1)});");
        writer.Line($"{RuntimeTypes.Initializers}.Fill(runningVariance{N(n)}, {context.Real(1)});");
    }

    public override string TangentMath(PlannedLayer layer)
    {
        int n = layer.Number;
        string x = M(n - 1), tx = Dot(M(n - 1)), y = Dot(M(n)), g = $"γ{N(n)}", tg = $"{Dot("γ")}{N(n)}", tb = $"{Dot("β")}{N(n)}";
        return $"training: {y} = {tg} ⊙ X̂ + {g} ⊙ (1/√(σ²_B + ε)) ⊙ ({tx} − mean({tx}) − X̂ ⊙ mean({tx} ⊙ X̂)) + {tb};  inference: {y} = {g} ⊙ {tx}/√(running σ² + ε) + {tg} ⊙ ({x} − running μ)/√(running σ² + ε) + {tb}";
    }

    public override IEnumerable<string> TangentSpans(PlannedLayer layer) =>
        new[] { A(layer.Number - 1), TA(layer.Number - 1), $"xHat{N(layer.Number)}", $"inverseStd{N(layer.Number)}", TA(layer.Number), TP(layer, "γ"), TP(layer, "β") };

    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        string sizes = $"batch, features: {N(Features(layer))}, spatial: {N(Spatial(layer))}";
        writer.Line("if (training)");
        writer.Indent();
        writer.Line($"{RuntimeTypes.BatchNorm}.TangentTraining(xHat{N(n)}, inverseStd{N(n)}, {TA(n - 1)}, gamma{N(n)}, {TP(layer, "γ")}, {TP(layer, "β")}, {TA(n)}, {sizes});");
        writer.Unindent();
        writer.Line("else");
        writer.Indent();
        writer.Line($"{RuntimeTypes.BatchNorm}.TangentInference({A(n - 1)}, {TA(n - 1)}, gamma{N(n)}, {TP(layer, "γ")}, {TP(layer, "β")}, runningMean{N(n)}, runningVariance{N(n)}, {TA(n)}, {sizes}, epsilon: {context.Real(Spec(layer).Epsilon)});");
        writer.Unindent();
    }

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context) => ForwardCode(writer, layer, context, keepMaps: true);

    /// <summary>
    /// The forward code; a BatchNorm that starts a BatchNorm → ReLU → MaxPool2D block calls the block's kernel in
    /// training, which keeps only the pooled maps and μ, or with <paramref name="keepMaps"/> (the tangent pass) every map.
    /// </summary>
    public void ForwardCode(SourceWriter writer, PlannedLayer layer, EmitContext context, bool keepMaps)
    {
        int n = layer.Number;
        string sizes = $"batch, features: {N(Features(layer))}, spatial: {N(Spatial(layer))}";
        bool block = BatchNormBlock.Starts(context.Plan, layer);
        if (block)
        {
            writer.Line(keepMaps
                ? $"// in training with layers {N(n + 1)} and {N(n + 2)}, in one pass over each map: the above rectified in place, A{N(n + 1)} = max(A{N(n)}, 0) (A{N(n)} itself only in inference), then A{N(n + 2)} and argmax{N(n + 2)} pooled"
                : $"// with layers {N(n + 1)} and {N(n + 2)}, one map at a time: the above, A{N(n + 1)} = max(A{N(n)}, 0), pooled into A{N(n + 2)} and argmax{N(n + 2)}; of these only A{N(n + 2)} and argmax{N(n + 2)} are kept, and in training μ{N(n)} and 1/√(σ² + ε) (the backward recomputes X̂{N(n)} from A{N(n - 1)})");
        }

        writer.Line("if (training)");
        writer.Indent();
        if (block)
        {
            writer.Line(BatchNormBlock.ForwardCall(context.Plan, layer, context, keepMaps));
        }
        else
        {
            writer.Line($"{RuntimeTypes.BatchNorm}.ForwardTraining({A(n - 1)}, gamma{N(n)}, beta{N(n)}, runningMean{N(n)}, runningVariance{N(n)}, xHat{N(n)}, inverseStd{N(n)}, {A(n)}, {sizes}, momentum: {context.Real(Spec(layer).Momentum)}, epsilon: {context.Real(Spec(layer).Epsilon)});");
        }

        writer.Unindent();
        writer.Line("else");
        writer.Indent();
        writer.Line(block && !keepMaps
            ? BatchNormBlock.InferenceCall(context.Plan, layer, context)
            : $"{RuntimeTypes.BatchNorm}.ForwardInference({A(n - 1)}, gamma{N(n)}, beta{N(n)}, runningMean{N(n)}, runningVariance{N(n)}, {A(n)}, {sizes}, epsilon: {context.Real(Spec(layer).Epsilon)});");
        writer.Unindent();
    }

    public override IEnumerable<string> ForwardSpans(PlannedLayer layer) =>
        new[] { A(layer.Number - 1), $"xHat{N(layer.Number)}", $"inverseStd{N(layer.Number)}", A(layer.Number) };

    public override IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        System.Linq.Enumerable.Concat(new[] { $"xHat{N(layer.Number)}", $"inverseStd{N(layer.Number)}", DA(layer.Number) }, InputGradient(layer));

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        if (BatchNormBlock.Starts(context.Plan, layer))
        {
            writer.Line($"// with layers {N(n + 2)} and {N(n + 1)}, in one pass over each map: dA{N(n)} = dA{N(n + 2)} unpooled where A{N(n + 2)} > 0 (that is dA{N(n + 1)} ⊙ [A{N(n)} > 0]), X̂{N(n)} = (A{N(n - 1)} − μ{N(n)})/√(σ² + ε) recomputed, then the above");
            writer.Line(BatchNormBlock.BackwardCall(context.Plan, layer, context));
            return;
        }

        writer.Line($"{RuntimeTypes.BatchNorm}.Backward(xHat{N(n)}, inverseStd{N(n)}, gamma{N(n)}, {DA(n)}, dgamma{N(n)}, dbeta{N(n)}, {context.DInput(layer)}, batch, features: {N(Features(layer))}, spatial: {N(Spatial(layer))});");
    }

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"{RuntimeTypes.BatchNorm}.BackwardInference(gamma{N(n)}, runningVariance{N(n)}, {DA(n)}, {DA(n - 1)}, batch, features: {N(Features(layer))}, spatial: {N(Spatial(layer))}, epsilon: {context.Real(Spec(layer).Epsilon)});");
    }

    public static int Features(PlannedLayer layer) => layer.OutputShape[0];

    public static int Spatial(PlannedLayer layer) => layer.OutputSize / layer.OutputShape[0];
}
