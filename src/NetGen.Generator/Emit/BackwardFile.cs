using NetGen.Generator.Emit.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary><c>Name.Backward.g.cs</c>: TrainStep and the backward pass, layer by layer from the loss to the input.</summary>
internal static class BackwardFile
{
    public static void Write(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        string t = c.T;
        int classes = ForwardFile.Classes(plan);

        w.Line("/// <summary>");
        w.Line("/// One training step: forward in training mode (dropout, BatchNorm batch statistics), loss, backward.");
        w.Line("/// Overwrites <see cref=\"Gradients\"/> with the gradient of the returned mean loss and updates the BatchNorm");
        w.Line("/// running statistics. Never changes <see cref=\"Parameters\"/>: an optimizer does.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line($"/// <param name=\"labels\">One class per sample, in [0, {Literals.Int(classes)}).</param>");
        w.Line("/// <returns>The mean loss over the batch, regularization included.</returns>");
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length, an empty batch, a label out of range, or a NaN input; nothing is changed.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public {t} TrainStep({c.ReadOnlySpan} inputs, global::System.ReadOnlySpan<int> labels)"))
        {
            w.Line("int batch = CheckLabels(inputs, labels);");
            w.Line("EnsureCapacity(batch);");
            w.Line("var targets = _targets.AsSpan(0, batch * OutputSize);");
            w.Line("global::NetGen.Kernels.Losses.LabelsToTargets(labels, targets, OutputSize);");
            w.Line("return Train(inputs, targets, batch);");
        }

        w.Line();
        w.Line("/// <summary>One training step with real-valued targets; see the label overload.</summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line("/// <param name=\"targets\">Targets, row-major [batch × OutputSize].</param>");
        w.Line("/// <returns>The mean loss over the batch, regularization included.</returns>");
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length, an empty batch, or a NaN value; nothing is changed.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public {t} TrainStep({c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets)"))
        {
            w.Line("int batch = CheckTargets(inputs, targets);");
            w.Line("EnsureCapacity(batch);");
            w.Line("return Train(inputs, targets, batch);");
        }

        w.Line();
        using (w.Block($"private {t} Train({c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets, int batch)"))
        {
            w.Line("Forward(inputs, batch, training: true);");
            w.Line($"{t} loss = ComputeLoss(inputs, targets, batch, withGradient: true);");
            w.Line("_gradients.AsSpan().Clear(); // parameter gradients accumulate below");
            w.Line("loss += Penalty(withGradient: true);");
            w.Line("Backward(inputs, batch);");
            w.Line("return loss;");
        }

        w.Line();
        w.Line("// The backward pass: from the loss's gradient back to the first layer. dAn = ∂J/∂An, already divided by B.");
        using (w.Block($"private void Backward({c.ReadOnlySpan} a0, int batch)"))
        {
            var body = new SourceWriter();
            for (int i = plan.Layers.Count - 1; i >= 0; i--)
            {
                PlannedLayer layer = plan.Layers[i];
                LayerEmitter emitter = LayerEmitter.For(layer.Kind);
                body.Line();
                body.Line($"// Layer {Literals.Int(layer.Number)}: {emitter.Sentence(layer)}.  {emitter.BackwardMath(layer)}");
                emitter.Backward(body, layer, c);
            }

            ForwardFile.WithSpans(w, c, body.ToString());
        }
    }
}
