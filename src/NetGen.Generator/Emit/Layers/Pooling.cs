using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>What the pooling kinds share: max pooling's argmax buffer and unpooling sentence, average pooling's wording.</summary>
internal static class Pooling
{
    /// <summary>Average pooling's backward sentence: every input of a window gets an equal share of its gradient.</summary>
    public const string Sharing = "each gradient shared equally by the real inputs of its window (overlapping windows add up)";

    /// <summary>Average pooling's means are over the real inputs: said when there is padding.</summary>
    public static string OverInputs(int padding) => padding > 0 ? ", over the positions inside the map (padding not counted)" : string.Empty;

    /// <summary>The backward sentence of both pooling kinds: each gradient goes back to the input that was the maximum.</summary>
    public static string Unpooling(PlannedLayer layer)
    {
        int n = layer.Number;
        return n == 1
            ? "(the input needs no gradient)"
            : $"d{EmitContext.Math(n - 1)} = 0, then d{EmitContext.Math(n - 1)}[argmax{Literals.Int(n)}[k]] += d{EmitContext.Math(n)}[k]: each gradient goes to the value that was the maximum";
    }

    /// <summary>
    /// The indexes the backward pass needs, one per output value. A first layer has no backward step in training: its
    /// argmax is only for <c>InputGradients</c>, allocated when that is used.
    /// </summary>
    public static IEnumerable<BatchBuffer> Argmax(PlannedLayer layer)
    {
        int n = layer.Number;
        string purpose = $"where each maximum of layer {Literals.Int(n)} came from, an index into {EmitContext.Math(n - 1)}";
        yield return n > 1
            ? new BatchBuffer($"_argmax{Literals.Int(n)}", $"argmax{Literals.Int(n)}", layer.OutputSize, purpose, Indexes: true)
            : new BatchBuffer($"_argmax{Literals.Int(n)}", $"argmax{Literals.Int(n)}", layer.OutputSize, purpose + " (input gradients only)", Indexes: true, InputGradientsOnly: true);
    }

    /// <summary>The spans a max pooling layer's input-gradient step uses (a first layer finds its maxima again from A0).</summary>
    public static IEnumerable<string> InputGradientsSpans(PlannedLayer layer) =>
        layer.Number == 1
            ? new[] { EmitContext.A(1), "argmax1", EmitContext.DA(1), EmitContext.DA(0) }
            : new[] { $"argmax{Literals.Int(layer.Number)}", EmitContext.DA(layer.Number), EmitContext.DA(layer.Number - 1) };

    /// <summary><c>argmax2</c>, or an empty span for a first layer.</summary>
    public static string ArgmaxSpan(PlannedLayer layer) => layer.Number == 1 ? "global::System.Span<int>.Empty" : $"argmax{Literals.Int(layer.Number)}";

    /// <summary>The argmax span the forward pass writes, if there is one.</summary>
    public static IEnumerable<string> ArgmaxSpans(PlannedLayer layer) =>
        layer.Number == 1 ? System.Array.Empty<string>() : new[] { $"argmax{Literals.Int(layer.Number)}" };

    /// <summary>The tangent math of both max pooling kinds: each output's tangent is that of the input it took.</summary>
    public static string MaxTangentMath(PlannedLayer layer)
    {
        int n = layer.Number;
        return $"{EmitContext.Dot(EmitContext.Math(n))}[k] = {EmitContext.Dot(EmitContext.Math(n - 1))}[argmax{Literals.Int(n)}[k]]: the tangent of the value that was the maximum";
    }

    /// <summary>
    /// The argmax a first max pooling layer needs for its tangent: the forward pass keeps none there (no backward step
    /// needs it), so the tangent pass has its own.
    /// </summary>
    public static IEnumerable<BatchBuffer> FirstLayerArgmax(PlannedLayer layer)
    {
        if (layer.Number == 1)
        {
            yield return new BatchBuffer("_tangentArgmax1", TangentArgmax, layer.OutputSize, $"where each maximum of layer 1 came from, an index into {EmitContext.Math(0)} (for its tangent)", Indexes: true);
        }
    }

    /// <summary>
    /// A first layer's tangent keeps its own argmax, apart from the one <c>InputGradients</c> keeps, since the two
    /// passes allocate their buffers separately.
    /// </summary>
    public const string TangentArgmax = "tangentArgmax1";

    /// <summary>The argmax a max pooling tangent reads: the forward pass's, or a first layer's own.</summary>
    public static string TangentArgmaxSpan(PlannedLayer layer) => layer.Number == 1 ? TangentArgmax : $"argmax{Literals.Int(layer.Number)}";

    /// <summary>The spans a max pooling tangent uses: its argmax and the two tangents (and the forward values it recomputes as a first layer).</summary>
    public static IEnumerable<string> MaxTangentSpans(PlannedLayer layer)
    {
        int n = layer.Number;
        var spans = new List<string> { TangentArgmaxSpan(layer), EmitContext.TA(n - 1), EmitContext.TA(n) };
        if (n == 1)
        {
            spans.Add(EmitContext.A(0));
            spans.Add(EmitContext.A(1));
        }

        return spans;
    }
}
