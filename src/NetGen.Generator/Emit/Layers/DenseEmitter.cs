using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>Fully connected layer: <c>Y = X · Wᵀ + b</c>. Small layers are written out as scalar statements.</summary>
internal sealed class DenseEmitter : LayerEmitter<DenseSpec>
{
    public static readonly DenseEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"Dense {N(layer.InputSize)} → {N(layer.OutputSize)}";

    public override string Signature(PlannedLayer layer) => Spec(layer).Bias ? $"Dense({N(layer.OutputSize)})" : $"Dense({N(layer.OutputSize)}, no bias)";

    public override string ForwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        string bias = Spec(layer).Bias ? $" + b{N(n)}[{N(layer.OutputSize)}]" : string.Empty;
        return $"{M(n)}{EmitContext.Batch(layer.OutputSize)} = {M(n - 1)}{EmitContext.Batch(layer.InputSize)} · W{N(n)}ᵀ[{N(layer.InputSize)}×{N(layer.OutputSize)}]{bias}";
    }

    public override string BackwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        var parts = new List<string> { $"dW{N(n)} += d{M(n)}ᵀ · {M(n - 1)}" };
        if (Spec(layer).Bias)
        {
            parts.Add($"db{N(n)} += Σ_rows d{M(n)}");
        }

        parts.Add(n == 1 ? "(the input needs no gradient)" : $"d{M(n - 1)} = d{M(n)} · W{N(n)}");
        return string.Join(";  ", parts);
    }

    public override string TrainingBackwardMath(PlannedLayer layer, EmitContext context) =>
        context.WritesGradients(layer) ? BackwardMath(layer).Replace(" += ", " = ") : BackwardMath(layer);

    public override string OnnxMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return Spec(layer).Bias ? $"Gemm({M(n - 1)}, W{N(n)}, b{N(n)}, transB = 1)" : $"MatMul({M(n - 1)}, W{N(n)}ᵀ), W{N(n)}ᵀ stored as [{N(layer.InputSize)}×{N(layer.OutputSize)}]";
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        string bias = Spec(layer).Bias ? $"b{N(n)}" : context.EmptyReadOnlySpan;
        writer.Line($"graph.Dense({OnnxName(layer)}, W{N(n)}, {bias}, inputs: {N(layer.InputSize)}, outputs: {N(layer.OutputSize)});");
    }

    public override void Initialize(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        WeightInitializer.Write(writer, context, layer, Spec(layer).Init, context.Tensor(layer, "W"), layer.InputSize, layer.OutputSize);

    public override string TangentMath(PlannedLayer layer)
    {
        int n = layer.Number;
        string bias = Spec(layer).Bias ? $" + {Dot("b")}{N(n)}" : string.Empty;
        return $"{Dot(M(n))} = {Dot(M(n - 1))} · W{N(n)}ᵀ + {M(n - 1)} · {Dot("W")}{N(n)}ᵀ{bias}";
    }

    public override IEnumerable<string> TangentSpans(PlannedLayer layer)
    {
        var spans = new List<string> { A(layer.Number - 1), TA(layer.Number - 1), TA(layer.Number), TP(layer, "W") };
        if (Spec(layer).Bias)
        {
            spans.Add(TP(layer, "b"));
        }

        return spans;
    }

    // Ȧ = Ẋ·Wᵀ + ḃ, then Ȧ += X·Ẇᵀ when there is a parameter tangent (an empty one is 0).
    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number, inputs = layer.InputSize, outputs = layer.OutputSize;
        bool bias = Spec(layer).Bias;
        string tW = TP(layer, "W");
        if (!layer.Unrolled)
        {
            writer.Line($"{RuntimeTypes.Linear}.Forward({TA(n - 1)}, W{N(n)}, {(bias ? TP(layer, "b") : context.EmptyReadOnlySpan)}, {TA(n)}, batch, inputs: {N(inputs)}, outputs: {N(outputs)});");
            writer.Line($"if (!{tW}.IsEmpty)");
            writer.Indent();
            writer.Line($"{RuntimeTypes.Linear}.AddForward({A(n - 1)}, {tW}, {TA(n)}, batch, inputs: {N(inputs)}, outputs: {N(outputs)});");
            writer.Unindent();
            return;
        }

        using (writer.Block())
        {
            writer.Line($"var w = W{N(n)};");
            using (writer.Block("for (int s = 0; s < batch; s++)"))
            {
                writer.Line($"var tx = {TA(n - 1)}.Slice(s * {N(inputs)}, {N(inputs)});");
                writer.Line($"var ty = {TA(n)}.Slice(s * {N(outputs)}, {N(outputs)});");
                for (int o = 0; o < outputs; o++)
                {
                    writer.Line($"ty[{N(o)}] = {string.Join(" + ", Enumerable.Range(0, inputs).Select(i => $"w[{N((o * inputs) + i)}] * tx[{N(i)}]"))};");
                }
            }
        }

        using (writer.Block($"if (!{tW}.IsEmpty)"))
        {
            writer.Line($"var tw = {tW};");
            if (bias)
            {
                writer.Line($"var tb = {TP(layer, "b")};");
            }

            using (writer.Block("for (int s = 0; s < batch; s++)"))
            {
                writer.Line($"var x = {A(n - 1)}.Slice(s * {N(inputs)}, {N(inputs)});");
                writer.Line($"var ty = {TA(n)}.Slice(s * {N(outputs)}, {N(outputs)});");
                for (int o = 0; o < outputs; o++)
                {
                    string sum = string.Join(" + ", Enumerable.Range(0, inputs).Select(i => $"tw[{N((o * inputs) + i)}] * x[{N(i)}]")) + (bias ? $" + tb[{N(o)}]" : string.Empty);
                    writer.Line($"ty[{N(o)}] += {sum};");
                }
            }
        }
    }

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number, inputs = layer.InputSize, outputs = layer.OutputSize;
        string bias = Spec(layer).Bias ? $"b{N(n)}" : context.EmptyReadOnlySpan;
        if (!layer.Unrolled)
        {
            writer.Line($"{RuntimeTypes.Linear}.Forward({A(n - 1)}, W{N(n)}, {bias}, {A(n)}, batch, inputs: {N(inputs)}, outputs: {N(outputs)});");
            return;
        }

        using (writer.Block())
        {
            writer.Line($"var w = W{N(n)};");
            if (Spec(layer).Bias)
            {
                writer.Line($"var b = b{N(n)};");
            }

            using (writer.Block("for (int s = 0; s < batch; s++)"))
            {
                writer.Line($"var x = {A(n - 1)}.Slice(s * {N(inputs)}, {N(inputs)});");
                writer.Line($"var y = {A(n)}.Slice(s * {N(outputs)}, {N(outputs)});");
                for (int o = 0; o < outputs; o++)
                {
                    IEnumerable<string> terms = Enumerable.Range(0, inputs).Select(i => $"w[{N((o * inputs) + i)}] * x[{N(i)}]");
                    string sum = string.Join(" + ", terms) + (Spec(layer).Bias ? $" + b[{N(o)}]" : string.Empty);
                    writer.Line($"y[{N(o)}] = {sum};");
                }
            }
        }
    }

    public override IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        new[] { A(layer.Number - 1), DA(layer.Number) }.Concat(InputGradient(layer));

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number, inputs = layer.InputSize, outputs = layer.OutputSize;
        string db = Spec(layer).Bias ? $"db{N(n)}" : context.EmptySpan;
        if (!layer.Unrolled)
        {
            string kernel = context.WritesGradients(layer) ? "BackwardOverwrite" : "Backward";
            writer.Line($"{RuntimeTypes.Linear}.{kernel}({A(n - 1)}, W{N(n)}, {DA(n)}, dW{N(n)}, {db}, {context.DInput(layer)}, batch, inputs: {N(inputs)}, outputs: {N(outputs)});");
            return;
        }

        using (writer.Block())
        {
            writer.Line($"var w = W{N(n)};");
            writer.Line($"var dw = dW{N(n)};");
            if (Spec(layer).Bias)
            {
                writer.Line($"var db = db{N(n)};");
            }

            using (writer.Block("for (int s = 0; s < batch; s++)"))
            {
                writer.Line($"var x = {A(n - 1)}.Slice(s * {N(inputs)}, {N(inputs)});");
                writer.Line($"var dy = {DA(n)}.Slice(s * {N(outputs)}, {N(outputs)});");
                for (int o = 0; o < outputs; o++)
                {
                    writer.Line(string.Join(" ", Enumerable.Range(0, inputs).Select(i => $"dw[{N((o * inputs) + i)}] += dy[{N(o)}] * x[{N(i)}];")));
                }

                if (Spec(layer).Bias)
                {
                    writer.Line(string.Join(" ", Enumerable.Range(0, outputs).Select(o => $"db[{N(o)}] += dy[{N(o)}];")));
                }

                if (n > 1)
                {
                    writer.Line($"var dx = {DA(n - 1)}.Slice(s * {N(inputs)}, {N(inputs)});");
                    for (int i = 0; i < inputs; i++)
                    {
                        writer.Line($"dx[{N(i)}] = {string.Join(" + ", Enumerable.Range(0, outputs).Select(o => $"dy[{N(o)}] * w[{N((o * inputs) + i)}]"))};");
                    }
                }
            }
        }
    }

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number, inputs = layer.InputSize, outputs = layer.OutputSize;
        if (!layer.Unrolled)
        {
            writer.Line($"{RuntimeTypes.Linear}.Backward({A(n - 1)}, W{N(n)}, {DA(n)}, {context.EmptySpan}, {context.EmptySpan}, {DA(n - 1)}, batch, inputs: {N(inputs)}, outputs: {N(outputs)});");
            return;
        }

        using (writer.Block())
        {
            writer.Line($"var w = W{N(n)};");
            using (writer.Block("for (int s = 0; s < batch; s++)"))
            {
                writer.Line($"var dy = {DA(n)}.Slice(s * {N(outputs)}, {N(outputs)});");
                writer.Line($"var dx = {DA(n - 1)}.Slice(s * {N(inputs)}, {N(inputs)});");
                for (int i = 0; i < inputs; i++)
                {
                    writer.Line($"dx[{N(i)}] = {string.Join(" + ", Enumerable.Range(0, outputs).Select(o => $"dy[{N(o)}] * w[{N((o * inputs) + i)}]"))};");
                }
            }
        }
    }

    public override IEnumerable<string> InputGradientsSpans(PlannedLayer layer) =>
        layer.Unrolled ? new[] { DA(layer.Number), DA(layer.Number - 1) } : new[] { A(layer.Number - 1), DA(layer.Number), DA(layer.Number - 1) };
}
