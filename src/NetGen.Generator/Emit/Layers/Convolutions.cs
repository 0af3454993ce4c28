using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>What Conv2D and Conv1D share: the tangent, which is linear in the input and in the weights.</summary>
internal static class Convolutions
{
    public static string TangentMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return $"{EmitContext.Dot(EmitContext.Math(n))} = W{Literals.Int(n)} ⊛ {EmitContext.Dot(EmitContext.Math(n - 1))} + {EmitContext.Dot("W")}{Literals.Int(n)} ⊛ {EmitContext.Math(n - 1)} + {EmitContext.Dot("b")}{Literals.Int(n)}";
    }

    public static IEnumerable<string> TangentSpans(PlannedLayer layer) =>
        new[] { EmitContext.A(layer.Number - 1), EmitContext.TA(layer.Number - 1), EmitContext.TA(layer.Number), $"workspace{Literals.Int(layer.Number)}", EmitContext.TangentOf(layer, "W"), EmitContext.TangentOf(layer, "b") };

    /// <summary>
    /// Ȧ = W ⊛ Ẋ + ḃ, then Ȧ += Ẇ ⊛ X when there is a parameter tangent; the im2col workspace is scratch, reused.
    /// <paramref name="kernel"/> is the runtime class, <paramref name="sizes"/> the named size arguments.
    /// </summary>
    public static void Tangent(SourceWriter writer, PlannedLayer layer, string kernel, string sizes)
    {
        int n = layer.Number;
        string w = EmitContext.TangentOf(layer, "W");
        writer.Line($"{kernel}.Forward({EmitContext.TA(n - 1)}, W{Literals.Int(n)}, {EmitContext.TangentOf(layer, "b")}, {EmitContext.TA(n)}, workspace{Literals.Int(n)}, batch, {sizes});");
        writer.Line($"if (!{w}.IsEmpty)");
        writer.Indent();
        writer.Line($"{kernel}.AddForward({EmitContext.A(n - 1)}, {w}, {EmitContext.TA(n)}, workspace{Literals.Int(n)}, batch, {sizes});");
        writer.Unindent();
    }
}
