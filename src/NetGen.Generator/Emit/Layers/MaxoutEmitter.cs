using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>Maxout: <c>units·pieces</c> affine maps, then the max over each unit's pieces.</summary>
internal sealed class MaxoutEmitter : LayerEmitter<MaxoutSpec>
{
    public static readonly MaxoutEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"Maxout {N(layer.InputSize)} → {N(Spec(layer).Units)} units × {N(Spec(layer).Pieces)} pieces";

    public override string Signature(PlannedLayer layer) => $"Maxout({N(Spec(layer).Units)}, {N(Spec(layer).Pieces)})";

    public override string ForwardMath(PlannedLayer layer)
    {
        int n = layer.Number, rows = Spec(layer).Units * Spec(layer).Pieces;
        return $"Z{N(n)}[B×{N(rows)}] = {M(n - 1)}{EmitContext.Batch(layer.InputSize)} · W{N(n)}ᵀ + b{N(n)};  {M(n)}[s,u] = max_k Z{N(n)}[s, u·{N(Spec(layer).Pieces)} + k]";
    }

    public override string BackwardMath(PlannedLayer layer)
    {
        int n = layer.Number;
        string input = n == 1 ? "(the input needs no gradient)" : $"d{M(n - 1)} = dZ{N(n)} · W{N(n)}";
        return $"dZ{N(n)} = d{M(n)} at each unit's winning piece, 0 elsewhere;  dW{N(n)} += dZ{N(n)}ᵀ · {M(n - 1)};  db{N(n)} += Σ_rows dZ{N(n)};  {input}";
    }

    public override System.Collections.Generic.IEnumerable<BatchBuffer> BatchBuffers(PlannedLayer layer)
    {
        int rows = Spec(layer).Units * Spec(layer).Pieces;
        yield return new BatchBuffer($"_z{N(layer.Number)}", $"z{N(layer.Number)}", rows, "pre-max values, kept for the backward pass");
        yield return new BatchBuffer($"_dZ{N(layer.Number)}", $"dZ{N(layer.Number)}", rows, "gradient of the pre-max values (training and input gradients)", TrainingOnly: true, InputGradients: true);
    }

    public override string OnnxMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return $"Gemm({M(n - 1)}, W{N(n)}, b{N(n)}, transB = 1) → Reshape [0, {N(Spec(layer).Units)}, {N(Spec(layer).Pieces)}] → ReduceMax over the pieces";
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number;
        writer.Line($"graph.Maxout({OnnxName(layer)}, W{N(n)}, b{N(n)}, inputs: {N(layer.InputSize)}, units: {N(Spec(layer).Units)}, pieces: {N(Spec(layer).Pieces)});");
    }

    public override void Initialize(SourceWriter writer, PlannedLayer layer, EmitContext context) =>
        WeightInitializer.Write(writer, context, layer, Spec(layer).Init, context.Tensor(layer, "W"), layer.InputSize, Spec(layer).Units);

    public override string TangentMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return $"{Dot("Z")}{N(n)} = {Dot(M(n - 1))} · W{N(n)}ᵀ + {M(n - 1)} · {Dot("W")}{N(n)}ᵀ + {Dot("b")}{N(n)};  {Dot(M(n))}[s,u] = {Dot("Z")}{N(n)} at unit u's winning piece";
    }

    public override System.Collections.Generic.IEnumerable<BatchBuffer> TangentBuffers(PlannedLayer layer)
    {
        yield return new BatchBuffer($"_tZ{N(layer.Number)}", $"tZ{N(layer.Number)}", Spec(layer).Units * Spec(layer).Pieces, $"Ż{N(layer.Number)}: tangent of the pre-max values");
    }

    public override System.Collections.Generic.IEnumerable<string> TangentSpans(PlannedLayer layer) =>
        new[] { A(layer.Number - 1), TA(layer.Number - 1), $"z{N(layer.Number)}", $"tZ{N(layer.Number)}", TA(layer.Number), TP(layer, "W"), TP(layer, "b") };

    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number, rows = Spec(layer).Units * Spec(layer).Pieces;
        string sizes = $"batch, inputs: {N(layer.InputSize)}, outputs: {N(rows)}";
        writer.Line($"{RuntimeTypes.Linear}.Forward({TA(n - 1)}, W{N(n)}, {TP(layer, "b")}, tZ{N(n)}, {sizes});");
        writer.Line($"if (!{TP(layer, "W")}.IsEmpty)");
        writer.Indent();
        writer.Line($"{RuntimeTypes.Linear}.AddForward({A(n - 1)}, {TP(layer, "W")}, tZ{N(n)}, {sizes});");
        writer.Unindent();
        writer.Line($"{RuntimeTypes.Activations}.MaxoutTangent(z{N(n)}, tZ{N(n)}, {TA(n)}, batch, units: {N(Spec(layer).Units)}, pieces: {N(Spec(layer).Pieces)});");
    }

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number, rows = Spec(layer).Units * Spec(layer).Pieces;
        writer.Line($"{RuntimeTypes.Linear}.Forward({A(n - 1)}, W{N(n)}, b{N(n)}, z{N(n)}, batch, inputs: {N(layer.InputSize)}, outputs: {N(rows)});");
        writer.Line($"{RuntimeTypes.Activations}.Maxout(z{N(n)}, {A(n)}, batch, units: {N(Spec(layer).Units)}, pieces: {N(Spec(layer).Pieces)});");
    }

    public override System.Collections.Generic.IEnumerable<string> ForwardSpans(PlannedLayer layer) =>
        new[] { A(layer.Number - 1), $"z{N(layer.Number)}", A(layer.Number) };

    public override System.Collections.Generic.IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        System.Linq.Enumerable.Concat(new[] { $"z{N(layer.Number)}", DA(layer.Number), $"dZ{N(layer.Number)}", A(layer.Number - 1) }, InputGradient(layer));

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number, rows = Spec(layer).Units * Spec(layer).Pieces;
        writer.Line($"{RuntimeTypes.Activations}.MaxoutBackward(z{N(n)}, {DA(n)}, dZ{N(n)}, batch, units: {N(Spec(layer).Units)}, pieces: {N(Spec(layer).Pieces)});");
        writer.Line($"{RuntimeTypes.Linear}.Backward({A(n - 1)}, W{N(n)}, dZ{N(n)}, dW{N(n)}, db{N(n)}, {context.DInput(layer)}, batch, inputs: {N(layer.InputSize)}, outputs: {N(rows)});");
    }

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        int n = layer.Number, rows = Spec(layer).Units * Spec(layer).Pieces;
        writer.Line($"{RuntimeTypes.Activations}.MaxoutBackward(z{N(n)}, {DA(n)}, dZ{N(n)}, batch, units: {N(Spec(layer).Units)}, pieces: {N(Spec(layer).Pieces)});");
        writer.Line($"{RuntimeTypes.Linear}.Backward({A(n - 1)}, W{N(n)}, dZ{N(n)}, {context.EmptySpan}, {context.EmptySpan}, {DA(n - 1)}, batch, inputs: {N(layer.InputSize)}, outputs: {N(rows)});");
    }

    public override System.Collections.Generic.IEnumerable<string> InputGradientsSpans(PlannedLayer layer) =>
        new[] { A(layer.Number - 1), $"z{N(layer.Number)}", $"dZ{N(layer.Number)}", DA(layer.Number), DA(layer.Number - 1) };
}
