using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>
/// BatchNorm → ReLU → MaxPool2D over convolution maps, the block of most CNNs. In training the forward steps and the
/// backward steps of the three layers each run as one runtime kernel, one pass over each map
/// (<c>BatchNorm.ForwardTrainingReLUMaxPool</c>, <c>BatchNorm.BackwardReLUMaxPoolFromInputs</c>), with each map still in
/// cache between the layers. The training pass keeps only the pooled maps, argmax and the batch means: x̂, BatchNorm's
/// output and the rectified map are each one scratch map in the kernel (the maps are memory-bound, and writing two full
/// maps, then reading them back, was most of the block's traffic). The backward recomputes x̂ = (x − μ)·invStd from the
/// convolution's output with the same operations (the same bits), and takes ReLU's mask from the pooled maps (the only
/// positions that get a gradient are the argmax ones, where max(y, 0) &gt; 0 ⟺ y &gt; 0). Inference is one pass per map
/// too (<c>BatchNorm.ForwardInferenceReLUMaxPool</c>), and <c>InputGradients</c> unpools straight into the block's input
/// gradient (<c>BatchNorm.BackwardInferenceReLUMaxPool</c>). The tangent pass keeps the calls that write every map, as
/// its tangents read x̂, BatchNorm's output and the rectified map; only it needs those buffers. Each layer keeps its
/// comment; the pooling and the ReLU say that the BatchNorm's calls compute them (in the tangent pass they are their
/// own calls in inference).
/// </summary>
internal static class BatchNormBlock
{
    /// <summary>Whether <paramref name="layer"/> is the BatchNorm of such a block.</summary>
    public static bool Starts(NetworkPlan plan, PlannedLayer layer)
    {
        int i = layer.Number - 1;
        return layer.Spec is BatchNormSpec
            && i + 2 < plan.Layers.Count
            && plan.Layers[i + 1].Spec is ActivationSpec { Function: ActivationFunction.ReLU }
            && plan.Layers[i + 2].Spec is MaxPool2DSpec
            && !plan.Layers[i + 2].FusedWithLoss;
    }

    /// <summary>The BatchNorm whose training pass also computes <paramref name="layer"/> (the block's ReLU or pooling), or null.</summary>
    public static PlannedLayer? Head(NetworkPlan plan, PlannedLayer layer)
    {
        for (int back = 1; back <= 2 && layer.Number - 1 - back >= 0; back++)
        {
            PlannedLayer head = plan.Layers[layer.Number - 1 - back];
            if (Starts(plan, head))
            {
                return head;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="layer"/> is a block's BatchNorm or ReLU, whose full maps neither the forward pass (training
    /// or inference) nor the backward passes write: only the tangent pass does, so the workspaces allocate them with the
    /// tangent buffers (<see cref="TangentMaps"/>).
    /// </summary>
    public static bool KeepsNoMap(NetworkPlan plan, PlannedLayer layer) => Starts(plan, layer) || IsReLU(plan, layer);

    /// <summary>Whether <paramref name="layer"/> is a block's ReLU.</summary>
    public static bool IsReLU(NetworkPlan plan, PlannedLayer layer) => Head(plan, layer) is PlannedLayer head && head.Number + 1 == layer.Number;

    /// <summary>
    /// The block's full maps, which only the tangent pass (Jvp, LossJvp) writes, as (workspace field, values per sample,
    /// the workspace flag under which it is allocated, or null for both kinds): x̂ (training), BatchNorm's output
    /// (inference) and the rectified map (both).
    /// </summary>
    public static IEnumerable<(string Field, int PerSample, string? When)> TangentMaps(NetworkPlan plan)
    {
        foreach (PlannedLayer layer in plan.Layers)
        {
            if (Starts(plan, layer))
            {
                yield return ($"XHat{N(layer.Number)}", layer.OutputSize, "ForTraining");
                yield return ($"A{N(layer.Number)}", layer.OutputSize, "!ForTraining");
                yield return ($"A{N(layer.Number + 1)}", plan.Layers[layer.Number].OutputSize, null);
            }
        }
    }

    /// <summary>
    /// A layer's forward code in a pass over the layers (the forward pass, the tangent pass), and the spans it uses into
    /// <paramref name="used"/>: a block's ReLU and pooling are computed by the BatchNorm's calls. With
    /// <paramref name="keepMaps"/> (the tangent pass) its training call also writes x̂ and the rectified map, and in
    /// inference the three layers keep their own calls.
    /// </summary>
    public static void Forward(SourceWriter body, NetworkPlan plan, PlannedLayer layer, LayerEmitter emitter, EmitContext context, ISet<string> used, bool keepMaps)
    {
        if (Starts(plan, layer))
        {
            used.UnionWith(ForwardSpans(layer, keepMaps));
            BatchNormEmitter.Instance.ForwardCode(body, layer, context, keepMaps);
            return;
        }

        if (Head(plan, layer) is PlannedLayer head && !keepMaps)
        {
            body.Line(MemberForwardNote(head));
            return;
        }

        used.UnionWith(emitter.ForwardSpans(layer));
        if (Head(plan, layer) is PlannedLayer member)
        {
            body.Line(ForwardNote(member));
            body.Line("if (!training)");
            body.Indent();
            emitter.Forward(body, layer, context);
            body.Unindent();
            return;
        }

        emitter.Forward(body, layer, context);
    }

    /// <summary>The line under a member's comment in the tangent pass: where its training code is.</summary>
    public static string ForwardNote(PlannedLayer head) =>
        $"// in training computed by layer {Literals.Int(head.Number)}'s call above (normalize, rectify and pool each map in one pass)";

    /// <summary>The line under a member's comment in the forward pass: where its code is, in training and inference.</summary>
    public static string MemberForwardNote(PlannedLayer head) =>
        $"// computed by layer {Literals.Int(head.Number)}'s calls above (normalize, rectify and pool each map in one pass)";

    /// <summary>The block's forward call in inference: the pooled maps and argmax, from the running statistics.</summary>
    public static string InferenceCall(NetworkPlan plan, PlannedLayer head, EmitContext context)
    {
        int n = head.Number;
        var spec = (BatchNormSpec)head.Spec;
        return $"{RuntimeTypes.BatchNorm}.ForwardInferenceReLUMaxPool({EmitContext.A(n - 1)}, gamma{N(n)}, beta{N(n)}, runningMean{N(n)}, runningVariance{N(n)}, {EmitContext.A(n + 2)}, argmax{N(n + 2)}, batch, {Sizes(plan.Layers[n + 1])}, epsilon: {context.Real(spec.Epsilon)});";
    }

    /// <summary>The block's input-gradient call in inference: dA{n−1} from the pooled maps' gradient, unpooled where A{n+2} &gt; 0.</summary>
    public static string InputGradientsCall(NetworkPlan plan, PlannedLayer head, EmitContext context)
    {
        int n = head.Number;
        var spec = (BatchNormSpec)head.Spec;
        return $"{RuntimeTypes.BatchNorm}.BackwardInferenceReLUMaxPool(argmax{N(n + 2)}, {EmitContext.DA(n + 2)}, {EmitContext.A(n + 2)}, gamma{N(n)}, runningVariance{N(n)}, {EmitContext.DA(n - 1)}, batch, {Sizes(plan.Layers[n + 1])}, epsilon: {context.Real(spec.Epsilon)});";
    }

    /// <summary>The spans <see cref="InputGradientsCall"/> uses.</summary>
    public static IEnumerable<string> InputGradientsSpans(PlannedLayer head)
    {
        int n = head.Number;
        return new[] { $"argmax{N(n + 2)}", EmitContext.DA(n + 2), EmitContext.A(n + 2), EmitContext.DA(n - 1) };
    }

    /// <summary>
    /// The block's forward call in training: the pooled maps, argmax and the batch statistics only, or with
    /// <paramref name="keepMaps"/> also x̂ and the rectified map (BatchNorm's output rectified in place in the ReLU's
    /// buffer: nothing reads BatchNorm's own buffer in training).
    /// </summary>
    public static string ForwardCall(NetworkPlan plan, PlannedLayer head, EmitContext context, bool keepMaps)
    {
        int n = head.Number;
        var spec = (BatchNormSpec)head.Spec;
        string kept = keepMaps
            ? $"xHat{N(n)}, inverseStd{N(n)}, {EmitContext.A(n + 1)}, {EmitContext.A(n + 1)}"
            : $"mean{N(n)}, inverseStd{N(n)}";
        return $"{RuntimeTypes.BatchNorm}.ForwardTrainingReLUMaxPool({EmitContext.A(n - 1)}, gamma{N(n)}, beta{N(n)}, runningMean{N(n)}, runningVariance{N(n)}, {kept}, {EmitContext.A(n + 2)}, argmax{N(n + 2)}, batch, {Sizes(plan.Layers[n + 1])}, momentum: {context.Real(spec.Momentum)}, epsilon: {context.Real(spec.Epsilon)});";
    }

    /// <summary>The spans the BatchNorm's forward code uses (<see cref="ForwardCall"/> and its inference call).</summary>
    public static IEnumerable<string> ForwardSpans(PlannedLayer head, bool keepMaps)
    {
        int n = head.Number;
        return keepMaps
            ? new[] { EmitContext.A(n - 1), $"xHat{N(n)}", $"inverseStd{N(n)}", EmitContext.A(n), EmitContext.A(n + 1), EmitContext.A(n + 2), $"argmax{N(n + 2)}" }
            : new[] { EmitContext.A(n - 1), $"mean{N(n)}", $"inverseStd{N(n)}", EmitContext.A(n + 2), $"argmax{N(n + 2)}" };
    }

    /// <summary>The block's buffers beyond its layers' own: the batch means the backward recomputes x̂ with.</summary>
    public static IEnumerable<FixedBuffer> FixedBuffers(NetworkPlan plan, PlannedLayer layer)
    {
        if (Starts(plan, layer))
        {
            yield return new FixedBuffer($"_mean{N(layer.Number)}", $"mean{N(layer.Number)}", BatchNormEmitter.Features(layer), "μ of the last training batch: the backward recomputes x̂ from it (BatchNorm → ReLU → MaxPool2D)");
        }
    }

    /// <summary>The line under a member's comment in the backward pass: where its code is.</summary>
    public static string MemberNote(PlannedLayer head) =>
        $"// computed in layer {Literals.Int(head.Number)}'s pass below (unpooling, ReLU and BatchNorm in one pass over each map)";

    /// <summary>The block's backward call: from the pooled maps, the convolution's output and μ (dA{n} is its scratch).</summary>
    public static string BackwardCall(NetworkPlan plan, PlannedLayer head, EmitContext context)
    {
        int n = head.Number;
        PlannedLayer pool = plan.Layers[n + 1];
        return $"{RuntimeTypes.BatchNorm}.BackwardReLUMaxPoolFromInputs(argmax{N(n + 2)}, {EmitContext.DA(n + 2)}, {EmitContext.A(n + 2)}, {EmitContext.A(n - 1)}, mean{N(n)}, inverseStd{N(n)}, gamma{N(n)}, dgamma{N(n)}, dbeta{N(n)}, {context.DInput(head)}, {EmitContext.DA(n)}, batch, {Sizes(pool)});";
    }

    /// <summary>The spans <see cref="BackwardCall"/> uses.</summary>
    public static IEnumerable<string> BackwardSpans(PlannedLayer head)
    {
        int n = head.Number;
        var spans = new List<string> { $"argmax{N(n + 2)}", EmitContext.DA(n + 2), EmitContext.A(n + 2), EmitContext.A(n - 1), $"mean{N(n)}", $"inverseStd{N(n)}", EmitContext.DA(n) };
        if (n > 1)
        {
            spans.Add(EmitContext.DA(n - 1));
        }

        return spans;
    }

    private static string Sizes(PlannedLayer pool)
    {
        var spec = (MaxPool2DSpec)pool.Spec;
        return $"channels: {N(pool.InputShape[0])}, height: {N(pool.InputShape[1])}, width: {N(pool.InputShape[2])}, size: {N(spec.Size)}, stride: {N(spec.Stride)}";
    }

    private static string N(int value) => Literals.Int(value);
}
