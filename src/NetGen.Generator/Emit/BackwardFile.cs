using System.Linq;
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
        w.Line("/// <remarks>One thread at a time: a call while another <c>TrainStep</c> on this instance runs throws <see cref=\"InvalidOperationException\"/> and changes nothing.</remarks>");
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length, an empty batch, a label out of range, or a NaN or infinite input; nothing is changed.</exception>");
        w.Line("/// <exception cref=\"InvalidOperationException\">Another <c>TrainStep</c> on this instance is running.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        NetworkEmitter.Optimized(w, c);
        using (w.Block($"public {t} TrainStep({c.ReadOnlySpan} inputs, global::System.ReadOnlySpan<int> labels)"))
        {
            w.Line("int batch = CheckLabels(inputs, labels);");
            BeginTraining(w);
            w.Line("try");
            w.Open();
            w.Line("Workspace ws = _trainingWorkspace;");
            w.Line("ws.EnsureCapacity(batch);");
            w.Line("var targets = ws.Targets.AsSpan(0, batch * OutputSize);");
            w.Line($"{RuntimeTypes.Losses}.LabelsToTargets(labels, targets, OutputSize);");
            w.Line($"return Train(ws, inputs, targets, batch, {c.Span}.Empty);");
            w.Close();
            EndTraining(w);
        }

        w.Line();
        WriteWithOutputs(w, c, labels: true);
        w.Line("/// <summary>One training step with real-valued targets; see the label overload.</summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line("/// <param name=\"targets\">Targets, row-major [batch × OutputSize].</param>");
        w.Line("/// <returns>The mean loss over the batch, regularization included.</returns>");
        w.Line("/// <remarks>One thread at a time, like the label overload.</remarks>");
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length, an empty batch, or a NaN or infinite value; nothing is changed.</exception>");
        w.Line("/// <exception cref=\"InvalidOperationException\">Another <c>TrainStep</c> on this instance is running.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        NetworkEmitter.Optimized(w, c);
        using (w.Block($"public {t} TrainStep({c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets)"))
        {
            w.Line("int batch = CheckTargets(inputs, targets);");
            BeginTraining(w);
            w.Line("try");
            w.Open();
            w.Line("_trainingWorkspace.EnsureCapacity(batch);");
            w.Line($"return Train(_trainingWorkspace, inputs, targets, batch, {c.Span}.Empty);");
            w.Close();
            EndTraining(w);
        }

        w.Line();
        WriteWithOutputs(w, c, labels: false);
        w.Line("// outputs is empty, or [batch × OutputSize]: it receives this forward pass's outputs, before the loss reads them.");
        NetworkEmitter.Optimized(w, c);
        using (w.Block($"private {t} Train(Workspace ws, {c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets, int batch, {c.Span} outputs)"))
        {
            w.Line("Forward(ws, inputs, batch, training: true);");
            w.Line("if (!outputs.IsEmpty)");
            w.Open();
            w.Line($"ws.A{Literals.Int(plan.Layers.Count)}.AsSpan(0, batch * OutputSize).CopyTo(outputs);");
            w.Close();
            w.Line();
            w.Line($"{t} loss = ComputeLoss(ws, inputs, targets, batch, withGradient: true);");
            ClearGradients(w, c);
            w.Line("loss += Penalty(withGradient: true);");
            w.Line("Backward(ws, inputs, batch);");
            w.Line("return loss;");
        }

        w.Line();
        w.Line("// The backward pass: from the loss's gradient back to the first layer. dAn = ∂J/∂An, already divided by B.");
        NetworkEmitter.Optimized(w, c);
        using (w.Block($"private void Backward(Workspace ws, {c.ReadOnlySpan} a0, int batch)"))
        {
            var body = new SourceWriter();
            var used = new System.Collections.Generic.HashSet<string>(System.StringComparer.Ordinal);
            for (int i = plan.Layers.Count - 1; i >= 0; i--)
            {
                PlannedLayer layer = plan.Layers[i];
                LayerEmitter emitter = LayerEmitter.For(layer.Spec);
                body.Line();
                body.Line($"// Layer {Literals.Int(layer.Number)}: {emitter.Sentence(layer)}.  {emitter.TrainingBackwardMath(layer, c)}");
                if (BatchNormBlock.Head(plan, layer) is PlannedLayer head)
                {
                    body.Line(BatchNormBlock.MemberNote(head));
                    continue;
                }

                used.UnionWith(BatchNormBlock.Starts(plan, layer) ? BatchNormBlock.BackwardSpans(layer) : emitter.BackwardSpans(layer));
                emitter.Backward(body, layer, c);
            }

            ForwardFile.WithSpans(w, c, body.ToString(), used);
        }
    }

    /// <summary>
    /// Clears the parameter gradients that the backward pass adds to. The layers that write theirs (Dense layers on the
    /// kernels, without L1 or L2) need no clearing: for a tiny network the clear was a pass as long as the update's.
    /// </summary>
    private static void ClearGradients(SourceWriter w, EmitContext c)
    {
        var ranges = new System.Collections.Generic.List<(long Start, long Length, System.Collections.Generic.List<int> Layers)>();
        long total = 0;
        foreach (PlannedLayer layer in c.Plan.Layers)
        {
            foreach (TensorPlan tensor in layer.Tensors)
            {
                total += tensor.Length;
                if (c.WritesGradients(layer))
                {
                    continue;
                }

                if (ranges.Count > 0 && ranges[ranges.Count - 1].Start + ranges[ranges.Count - 1].Length == tensor.Offset)
                {
                    var last = ranges[ranges.Count - 1];
                    if (last.Layers[last.Layers.Count - 1] != layer.Number)
                    {
                        last.Layers.Add(layer.Number);
                    }

                    ranges[ranges.Count - 1] = (last.Start, last.Length + tensor.Length, last.Layers);
                }
                else
                {
                    ranges.Add((tensor.Offset, tensor.Length, new System.Collections.Generic.List<int> { layer.Number }));
                }
            }
        }

        if (ranges.Count == 1 && ranges[0].Start == 0 && ranges[0].Length == total)
        {
            w.Line("_gradients.AsSpan().Clear(); // parameter gradients accumulate below");
            return;
        }

        if (ranges.Count == 0)
        {
            w.Line("// No clearing: every layer below writes its parameter gradients (=), none adds to them.");
            return;
        }

        foreach (var range in ranges)
        {
            string which = range.Layers.Count == 1 ? "layer " + Literals.Int(range.Layers[0]) : "layers " + string.Join(", ", range.Layers.Select(Literals.Int));
            w.Line($"_gradients.AsSpan({Literals.Int((int)range.Start)}, {Literals.Int((int)range.Length)}).Clear(); // the gradients of {which} accumulate below (+=); the other layers write theirs (=)");
        }
    }

    /// <summary>
    /// The TrainStep overload that also hands back the batch's outputs in training mode (what a trainer counts its running
    /// accuracy from, as Keras does), at the cost of one copy of the last layer's output.
    /// </summary>
    private static void WriteWithOutputs(SourceWriter w, EmitContext c, bool labels)
    {
        string t = c.T;
        string meaning = ForwardFile.OutputMeaning(c.Plan);
        w.Line(labels
            ? "/// <summary>One training step, as the label overload, that also writes the batch's outputs of this training-mode forward pass.</summary>"
            : "/// <summary>One training step, as the targets overload, that also writes the batch's outputs of this training-mode forward pass.</summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line(labels
            ? $"/// <param name=\"labels\">One class per sample, in [0, {Literals.Int(ForwardFile.Classes(c.Plan))}).</param>"
            : "/// <param name=\"targets\">Targets, row-major [batch × OutputSize].</param>");
        w.Line($"/// <param name=\"outputs\">Receives [batch × OutputSize]: {meaning}, from the forward pass this step trains on (training mode: with dropout and BatchNorm batch statistics, and the parameters from before the optimizer's update).</param>");
        w.Line("/// <returns>The mean loss over the batch, regularization included.</returns>");
        w.Line("/// <remarks>Costs one copy of the outputs more than the overload without them. One thread at a time, like the label overload.</remarks>");
        w.Line(labels
            ? "/// <exception cref=\"ArgumentException\">A wrong length (outputs included), an empty batch, a label out of range, or a NaN or infinite input; nothing is changed.</exception>"
            : "/// <exception cref=\"ArgumentException\">A wrong length (outputs included), an empty batch, or a NaN or infinite value; nothing is changed.</exception>");
        w.Line("/// <exception cref=\"InvalidOperationException\">Another <c>TrainStep</c> on this instance is running.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        string second = labels ? "global::System.ReadOnlySpan<int> labels" : $"{c.ReadOnlySpan} targets";
        NetworkEmitter.Optimized(w, c);
        using (w.Block($"public {t} TrainStep({c.ReadOnlySpan} inputs, {second}, {c.Span} outputs)"))
        {
            w.Line(labels ? "int batch = CheckLabels(inputs, labels);" : "int batch = CheckTargets(inputs, targets);");
            w.Line($"{RuntimeTypes.Guard}.BatchLength(outputs.Length, batch, OutputSize, nameof(outputs), nameof(OutputSize));");
            BeginTraining(w);
            w.Line("try");
            w.Open();
            w.Line("Workspace ws = _trainingWorkspace;");
            w.Line("ws.EnsureCapacity(batch);");
            if (labels)
            {
                w.Line("var targets = ws.Targets.AsSpan(0, batch * OutputSize);");
                w.Line($"{RuntimeTypes.Losses}.LabelsToTargets(labels, targets, OutputSize);");
            }

            w.Line("return Train(ws, inputs, targets, batch, outputs);");
            w.Close();
            EndTraining(w);
        }

        w.Line();
    }

    /// <summary>What a concurrent TrainStep is told.</summary>
    private const string ConcurrentTrainStep = "TrainStep was called on this network while another TrainStep on it was still running on another thread. A training step writes the gradients, the BatchNorm running statistics and the dropout generator, so one thread at a time trains a network (Predict and Evaluate may run on many); nothing was changed by this call.";

    private static void BeginTraining(SourceWriter w) => BeginTraining(w, ConcurrentTrainStep);

    /// <summary>
    /// Takes the training flag, or refuses a second concurrent user of the training workspace (TrainStep, LossJvp)
    /// before it writes anything, with <paramref name="message"/>.
    /// </summary>
    internal static void BeginTraining(SourceWriter w, string message)
    {
        using (w.Block("if (global::System.Threading.Interlocked.CompareExchange(ref _trainingBusy, 1, 0) != 0)"))
        {
            w.Line($"throw new global::System.InvalidOperationException(\"{message}\");");
        }

        w.Line();
    }

    /// <summary>Releases the training flag taken by <see cref="BeginTraining(SourceWriter, string)"/>.</summary>
    internal static void EndTraining(SourceWriter w)
    {
        w.Line("finally");
        w.Open();
        w.Line("global::System.Threading.Volatile.Write(ref _trainingBusy, 0);");
        w.Close();
    }
}
