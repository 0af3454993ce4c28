using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Emit.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// <c>Name.InputGradients.g.cs</c>: both <c>InputGradients</c> overloads, ∂J/∂X in inference mode, and the backward pass
/// they run: each layer's <see cref="LayerEmitter.InputGradients"/> step, from the loss to the input, with no parameter
/// gradient.
/// </summary>
internal static class InputGradientsFile
{
    public static void Write(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        string t = c.T;
        int classes = ForwardFile.Classes(plan);

        w.Line("/// <summary>");
        w.Line("/// The gradient of the loss with respect to the inputs, ∂J/∂X, in inference mode (no dropout, BatchNorm with its");
        w.Line("/// running statistics), for saliency maps and adversarial examples. J is the mean loss over the batch, as");
        w.Line("/// <c>Evaluate</c> returns it (regularization included, which the inputs do not change).");
        w.Line("/// Changes no parameter, state or <see cref=\"Gradients\"/>; parameter gradients are not computed.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line($"/// <param name=\"labels\">One class per sample, in [0, {Literals.Int(classes)}).</param>");
        w.Line("/// <param name=\"gradients\">Receives ∂J/∂X, [batch × InputSize] like <paramref name=\"inputs\"/>.</param>");
        w.Line("/// <returns>The mean loss over the batch, regularization included: what <c>Evaluate</c> returns.</returns>");
        w.Line("/// <remarks>Safe to call from any number of threads at once, like <see cref=\"Predict\"/>; after warm-up a call allocates nothing.</remarks>");
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length (of <paramref name=\"gradients\"/> too), an empty batch, a label out of range, or a NaN or infinite input; nothing is changed.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public {t} InputGradients({c.ReadOnlySpan} inputs, global::System.ReadOnlySpan<int> labels, {c.Span} gradients)"))
        {
            w.Line("int batch = CheckLabels(inputs, labels);");
            CheckGradients(w);
            w.Line("Workspace ws = RentWorkspace(batch);");
            w.Line("try");
            w.Open();
            w.Line("PrepareInputGradients(ws, batch);");
            w.Line("var targets = ws.Targets.AsSpan(0, batch * OutputSize);");
            w.Line($"{RuntimeTypes.Losses}.LabelsToTargets(labels, targets, OutputSize);");
            w.Line("return InputGradients(ws, inputs, targets, gradients, batch);");
            w.Close();
            ReturnWorkspace(w);
        }

        w.Line();
        w.Line("/// <summary>∂J/∂X in inference mode with real-valued targets; see the label overload.</summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line("/// <param name=\"targets\">Targets, row-major [batch × OutputSize].</param>");
        w.Line("/// <param name=\"gradients\">Receives ∂J/∂X, [batch × InputSize] like <paramref name=\"inputs\"/>.</param>");
        w.Line("/// <returns>The mean loss over the batch, regularization included: what <c>Evaluate</c> returns.</returns>");
        w.Line("/// <remarks>Safe to call from any number of threads at once, like the label overload.</remarks>");
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length (of <paramref name=\"gradients\"/> too), an empty batch, or a NaN or infinite value; nothing is changed.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public {t} InputGradients({c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets, {c.Span} gradients)"))
        {
            w.Line("int batch = CheckTargets(inputs, targets);");
            CheckGradients(w);
            w.Line("Workspace ws = RentWorkspace(batch);");
            w.Line("try");
            w.Open();
            w.Line("PrepareInputGradients(ws, batch);");
            w.Line("return InputGradients(ws, inputs, targets, gradients, batch);");
            w.Close();
            ReturnWorkspace(w);
        }

        w.Line();
        w.Line("// An inference workspace gets its gradient buffers the first time InputGradients uses it (Capacity = 0 regrows");
        w.Line("// every buffer once): Predict and Evaluate alone never allocate them.");
        using (w.Block("private static void PrepareInputGradients(Workspace ws, int batch)"))
        {
            using (w.Block("if (!ws.WithGradients)"))
            {
                w.Line("ws.WithGradients = true;");
                w.Line("ws.Capacity = 0;");
            }

            w.Line();
            w.Line("ws.EnsureCapacity(batch);");
        }

        w.Line();
        using (w.Block($"private {t} InputGradients(Workspace ws, {c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets, {c.Span} gradients, int batch)"))
        {
            w.Line("Forward(ws, inputs, batch, training: false);");
            w.Line($"{t} loss = ComputeLoss(ws, inputs, targets, batch, withGradient: true) + Penalty(withGradient: false);");
            w.Line("InputGradientsBackward(ws, inputs, targets, gradients, batch);");
            w.Line("return loss;");
        }

        w.Line();
        w.Line("// The backward pass in inference mode, from the loss's gradient to dA0 = ∂J/∂X: only input gradients, with the");
        w.Line("// parameters, the running statistics and what the inference forward kept (max pooling's argmax, Maxout's z).");
        using (w.Block($"private void InputGradientsBackward(Workspace ws, {c.ReadOnlySpan} a0, {c.ReadOnlySpan} targets, {c.Span} dA0, int batch)"))
        {
            var body = new SourceWriter();
            var used = new HashSet<string>(System.StringComparer.Ordinal);
            for (int i = plan.Layers.Count - 1; i >= 0; i--)
            {
                PlannedLayer layer = plan.Layers[i];
                LayerEmitter emitter = LayerEmitter.For(layer.Spec);
                body.Line();
                body.Line($"// Layer {Literals.Int(layer.Number)}: {emitter.Sentence(layer)}.  {InferenceMath(emitter, layer)}");
                if (BatchNormBlock.Head(plan, layer) is PlannedLayer head)
                {
                    body.Line(BatchNormBlock.MemberNote(head));
                    continue;
                }

                if (BatchNormBlock.Starts(plan, layer))
                {
                    int n = layer.Number;
                    body.Line($"// with layers {Literals.Int(n + 2)} and {Literals.Int(n + 1)}, in one pass over each map: dA{Literals.Int(n - 1)} = (dA{Literals.Int(n + 2)} unpooled where A{Literals.Int(n + 2)} > 0, that is dA{Literals.Int(n + 1)} ⊙ [A{Literals.Int(n)} > 0]) ⊙ γ{Literals.Int(n)}/√(running σ² + ε)");
                    used.UnionWith(BatchNormBlock.InputGradientsSpans(layer));
                    body.Line(BatchNormBlock.InputGradientsCall(plan, layer, c));
                    continue;
                }

                used.UnionWith(emitter.InputGradientsSpans(layer));
                emitter.InputGradients(body, layer, c);
            }

            ForwardFile.WithSpans(w, c, body.ToString(), used);
        }
    }

    /// <summary>
    /// The layer's backward math without the parameter gradients (which are not computed): the terms for
    /// <c>dA(n−1)</c>, with what inference mode changes. A first layer's training sentence has none, so it says where dA0 goes.
    /// </summary>
    private static string InferenceMath(LayerEmitter emitter, PlannedLayer layer)
    {
        string input = EmitContext.Math(layer.Number - 1), output = EmitContext.Math(layer.Number);
        switch (layer.Spec)
        {
            case BatchNormSpec bn:
                return $"inference: d{input} = d{output} ⊙ γ{Literals.Int(layer.Number)}/√(running σ² + {Literals.Number(bn.Epsilon)})";
            case DropoutSpec:
                return $"inference: d{input} = d{output}";
        }

        string math = emitter.BackwardMath(layer);
        if (layer.FusedWithLoss)
        {
            return layer.Number == 1 ? math + "; here the input's: dA0 = (A1 − T)/B" : math;
        }

        string[] terms = math.Split(new[] { ";  " }, System.StringSplitOptions.None)
            .Where(term => term.StartsWith("d" + input, System.StringComparison.Ordinal))
            .ToArray();
        return terms.Length > 0
            ? string.Join(";  ", terms)
            : $"d{input} = ∂J/∂X, into gradients: the input-gradient rule of this kind, which training skips for a first layer";
    }

    private static void CheckGradients(SourceWriter w) =>
        w.Line($"{RuntimeTypes.Guard}.BatchLength(gradients.Length, batch, InputSize, nameof(gradients), nameof(InputSize));");

    private static void ReturnWorkspace(SourceWriter w)
    {
        w.Line("finally");
        w.Open();
        w.Line("ReturnWorkspace(ws, batch);");
        w.Close();
    }
}
