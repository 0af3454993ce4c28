using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Emit.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// <c>Name.Tangent.g.cs</c>: forward-mode automatic differentiation. <c>Jvp</c> (inference mode) and both <c>LossJvp</c>
/// overloads (the training loss's directional derivative along a parameter tangent), the tangent buffers of the
/// <c>Workspace</c>, and <c>ForwardTangent</c>: each layer's forward statement with its tangent statement beside it.
/// </summary>
internal static class TangentFile
{
    /// <summary>What a LossJvp concurrent with a TrainStep or another LossJvp is told.</summary>
    private const string ConcurrentLossJvp = "LossJvp was called on this network while a TrainStep or LossJvp on it was still running on another thread. Both run the training-mode forward pass in the network's one training workspace and draw dropout masks from its generator, so one thread at a time does either; nothing was changed by this call.";

    public static void Write(SourceWriter w, EmitContext c)
    {
        WriteWorkspace(w, c);
        WriteJvp(w, c);
        WriteLossJvp(w, c);
        WriteForwardTangent(w, c);
        WriteLossTangent(w, c);
    }

    /// <summary>The tangent buffers: one per layer output, and what the emitters ask for (Maxout's Ż, a first max pooling's argmax).</summary>
    private static List<(string Field, string Type, int PerSample, string Purpose)> Buffers(EmitContext c)
    {
        var buffers = new List<(string Field, string Type, int PerSample, string Purpose)>
        {
            ("TA0", c.T, c.Plan.InputSize, "Ȧ0 = 0: the input tangent when none is given"),
        };

        foreach (PlannedLayer layer in c.Plan.Layers)
        {
            buffers.Add((ForwardFile.WorkspaceField(EmitContext.TA(layer.Number)), c.T, layer.OutputSize, $"{EmitContext.Dot(EmitContext.Math(layer.Number))}: tangent of layer {Literals.Int(layer.Number)}'s output"));
        }

        foreach (BatchBuffer buffer in TangentBuffers(c.Plan))
        {
            buffers.Add((ForwardFile.WorkspaceField(buffer.Local), buffer.Type(c), buffer.PerSample, buffer.Purpose));
        }

        return buffers;
    }

    private static IEnumerable<BatchBuffer> TangentBuffers(NetworkPlan plan) =>
        plan.Layers.SelectMany(l => LayerEmitter.For(l.Spec).TangentBuffers(l));

    private static void WriteWorkspace(SourceWriter w, EmitContext c)
    {
        var buffers = Buffers(c);
        var maps = BatchNormBlock.TangentMaps(c.Plan).ToList();
        int largest = buffers.Max(b => b.PerSample);
        bool hasState = c.Plan.Layers.Any(l => l.StateCount > 0);
        w.Line("// The tangent buffers are allocated the first time Jvp or LossJvp uses a workspace (EnsureTangentCapacity), so the");
        w.Line("// workspaces only Predict, Evaluate and TrainStep use stay as small as before.");
        using (w.Block("private sealed partial class Workspace"))
        {
            w.Line("public int TangentCapacity;");
            foreach (var buffer in buffers)
            {
                w.Line($"public {buffer.Type}[] {buffer.Field} = {EmitContext.EmptyArray(buffer.Type)};   // {buffer.Purpose}");
            }

            if (hasState)
            {
                w.Line($"public {c.T}[] SavedState = {EmitContext.EmptyArray(c.T)};   // State during LossJvp, whose training-mode BatchNorm moves it (training only)");
            }

            w.Line();
            w.Line("// Grows the tangent buffers as EnsureCapacity grows the others: checked in long first, assigned after every allocation.");
            using (w.Block("public void EnsureTangentCapacity(int batch)"))
            {
                using (w.Block("if (batch <= TangentCapacity)"))
                {
                    w.Line("return;");
                }

                w.Line();
                using (w.Block($"if ((long)batch * {Literals.Int(largest)} > global::System.Array.MaxLength)"))
                {
                    w.Line($"throw new global::System.ArgumentException($\"A batch of {{batch}} samples needs {{(long)batch * {Literals.Int(largest)}}} tangent values in one buffer ({Literals.Int(largest)} per sample), more than an array can hold ({{(global::System.Array.MaxLength)}}): use batches of at most {{(global::System.Array.MaxLength / {Literals.Int(largest)})}} samples.\", \"inputs\");");
                }

                w.Line();
                foreach (var buffer in buffers)
                {
                    w.Line($"var new{buffer.Field} = new {buffer.Type}[batch * {Literals.Int(buffer.PerSample)}];");
                }

                // A BatchNorm → ReLU → MaxPool2D block's full maps: only the tangent pass writes them.
                foreach ((string field, int perSample, string? when) in maps)
                {
                    string allocation = $"new {c.T}[batch * {Literals.Int(perSample)}]";
                    w.Line(when is null ? $"var new{field} = {allocation};" : $"var new{field} = {when} ? {allocation} : {field};");
                }

                if (hasState)
                {
                    w.Line($"var newSavedState = ForTraining && SavedState.Length == 0 ? new {c.T}[StateCount] : SavedState;");
                }

                foreach (var buffer in buffers)
                {
                    w.Line($"{buffer.Field} = new{buffer.Field};");
                }

                foreach ((string field, _, _) in maps)
                {
                    w.Line($"{field} = new{field};");
                }

                if (hasState)
                {
                    w.Line("SavedState = newSavedState;");
                }

                w.Line("TangentCapacity = batch;");
            }
        }

        w.Line();
    }

    private static void WriteJvp(SourceWriter w, EmitContext c)
    {
        int last = c.Plan.Layers.Count;
        w.Line("/// <summary>");
        w.Line("/// Forward-mode automatic differentiation in inference mode (no dropout, BatchNorm with its running statistics):");
        w.Line("/// the outputs, as <see cref=\"Predict\"/> computes them, and their tangent, the Jacobian-vector product");
        w.Line("/// <c>Ẏ = ∂Y/∂x · ẋ + ∂Y/∂p · ṗ</c> along an input tangent ẋ and a parameter tangent ṗ.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line("/// <param name=\"inputTangents\">The input tangent ẋ, same length as <paramref name=\"inputs\"/>; empty means 0.</param>");
        w.Line("/// <param name=\"parameterTangents\">The parameter tangent ṗ, in the layout of <see cref=\"Parameters\"/> (ParameterCount values); empty means 0.</param>");
        w.Line("/// <param name=\"outputs\">Receives [batch × OutputSize]: the same values as <see cref=\"Predict\"/>.</param>");
        w.Line("/// <param name=\"outputTangents\">Receives [batch × OutputSize]: the tangent Ẏ of the outputs.</param>");
        w.Line("/// <remarks>");
        w.Line("/// Safe to call from any number of threads at once, like <see cref=\"Predict\"/>: each call works in its own pooled");
        w.Line("/// workspace (whose tangent buffers are allocated on its first Jvp) and only reads the parameters and state. At a kink");
        w.Line("/// (ReLU at 0, a tie in a max) the tangent is the one-sided derivative the backward pass also uses.");
        w.Line("/// </remarks>");
        w.Line("/// <exception cref=\"ArgumentException\">A length is not a whole number of samples or does not match, the batch is empty, or it is too large for one array; nothing is changed.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public void Jvp({c.ReadOnlySpan} inputs, {c.ReadOnlySpan} inputTangents, {c.ReadOnlySpan} parameterTangents, {c.Span} outputs, {c.Span} outputTangents)"))
        {
            w.Line($"int batch = {RuntimeTypes.Guard}.BatchSize(inputs.Length, InputSize, nameof(inputs), nameof(InputSize));");
            using (w.Block("if (!inputTangents.IsEmpty)"))
            {
                w.Line($"{RuntimeTypes.Guard}.Length(inputTangents.Length, inputs.Length, nameof(inputTangents), \"it must be empty (a zero tangent) or as long as inputs\");");
            }

            CheckParameterTangents(w);
            w.Line($"{RuntimeTypes.Guard}.BatchLength(outputs.Length, batch, OutputSize, nameof(outputs), nameof(OutputSize));");
            w.Line($"{RuntimeTypes.Guard}.BatchLength(outputTangents.Length, batch, OutputSize, nameof(outputTangents), nameof(OutputSize));");
            w.Line("Workspace ws = RentWorkspace(batch);");
            w.Line("try");
            w.Open();
            w.Line("ws.EnsureCapacity(batch);");
            w.Line("ws.EnsureTangentCapacity(batch);");
            w.Line($"{c.ReadOnlySpan} tA0 = inputTangents.IsEmpty ? ZeroInputTangent(ws, batch) : inputTangents;");
            w.Line("ForwardTangent(ws, inputs, tA0, parameterTangents, batch, training: false);");
            w.Line($"ws.A{Literals.Int(last)}.AsSpan(0, batch * OutputSize).CopyTo(outputs);");
            w.Line($"ws.TA{Literals.Int(last)}.AsSpan(0, batch * OutputSize).CopyTo(outputTangents);");
            w.Close();
            w.Line("finally");
            w.Open();
            w.Line("ReturnWorkspace(ws, batch);");
            w.Close();
        }

        w.Line();
        using (w.Block($"private static {c.ReadOnlySpan} ZeroInputTangent(Workspace ws, int batch)"))
        {
            w.Line("var zero = ws.TA0.AsSpan(0, batch * InputSize);");
            w.Line("zero.Clear();");
            w.Line("return zero;");
        }

        w.Line();
    }

    private static void CheckParameterTangents(SourceWriter w)
    {
        using (w.Block("if (!parameterTangents.IsEmpty)"))
        {
            w.Line($"{RuntimeTypes.Guard}.Length(parameterTangents.Length, ParameterCount, nameof(parameterTangents), \"it must be empty (a zero tangent) or hold ParameterCount values, in the layout of Parameters\");");
        }
    }

    private static void WriteLossJvp(SourceWriter w, EmitContext c)
    {
        string t = c.T;
        const string Remarks = "/// <remarks>" +
            "\n/// Runs the forward pass in training mode, as <c>TrainStep</c> does: dropout masks drawn from <see cref=\"RandomState\"/>," +
            "\n/// which advances exactly as in <c>TrainStep</c> (restore it first to see the masks of a given step), and BatchNorm" +
            "\n/// with the batch's statistics, whose tangents move with the batch. Changes neither <see cref=\"Parameters\"/>, nor" +
            "\n/// <see cref=\"State\"/> (the running statistics are restored), nor <see cref=\"Gradients\"/>. So after restoring" +
            "\n/// <c>RandomState</c> and <c>State</c>, <c>LossJvp(x, y, v)</c> equals <c>Gradients · v</c> of a <c>TrainStep(x, y)</c> to" +
            "\n/// rounding (see <c>GradientCheck.ForwardVersusReverse</c>). One thread at a time, like <c>TrainStep</c>." +
            "\n/// </remarks>";
        w.Line("/// <summary>");
        w.Line("/// The directional derivative of the training loss (the mean loss <c>TrainStep</c> returns, regularization included)");
        w.Line("/// along the parameter tangent ṗ, computed forward-mode: <c>J̇ = ∂J/∂p · ṗ</c>.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line($"/// <param name=\"labels\">One class per sample, in [0, {Literals.Int(ForwardFile.Classes(c.Plan))}).</param>");
        w.Line("/// <param name=\"parameterTangents\">The direction ṗ, in the layout of <see cref=\"Parameters\"/> (ParameterCount values); empty means 0.</param>");
        w.Line("/// <returns>The directional derivative of the loss.</returns>");
        w.Lines(Remarks);
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length, an empty batch, a label out of range, or a NaN or infinite input; nothing is changed.</exception>");
        w.Line("/// <exception cref=\"InvalidOperationException\">A <c>TrainStep</c> or <c>LossJvp</c> on this instance is running.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public {t} LossJvp({c.ReadOnlySpan} inputs, global::System.ReadOnlySpan<int> labels, {c.ReadOnlySpan} parameterTangents)"))
        {
            w.Line("int batch = CheckLabels(inputs, labels);");
            CheckParameterTangents(w);
            BackwardFile.BeginTraining(w, ConcurrentLossJvp);
            w.Line("try");
            w.Open();
            w.Line("Workspace ws = _trainingWorkspace;");
            w.Line("ws.EnsureCapacity(batch);");
            w.Line("ws.EnsureTangentCapacity(batch);");
            w.Line("var targets = ws.Targets.AsSpan(0, batch * OutputSize);");
            w.Line($"{RuntimeTypes.Losses}.LabelsToTargets(labels, targets, OutputSize);");
            w.Line("return LossTangent(ws, inputs, targets, parameterTangents, batch);");
            w.Close();
            BackwardFile.EndTraining(w);
        }

        w.Line();
        w.Line("/// <summary>The directional derivative of the training loss with real-valued targets; see the label overload.</summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line("/// <param name=\"targets\">Targets, row-major [batch × OutputSize].</param>");
        w.Line("/// <param name=\"parameterTangents\">The direction ṗ, in the layout of <see cref=\"Parameters\"/> (ParameterCount values); empty means 0.</param>");
        w.Line("/// <returns>The directional derivative of the loss.</returns>");
        w.Lines(Remarks);
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length, an empty batch, or a NaN or infinite value; nothing is changed.</exception>");
        w.Line("/// <exception cref=\"InvalidOperationException\">A <c>TrainStep</c> or <c>LossJvp</c> on this instance is running.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public {t} LossJvp({c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets, {c.ReadOnlySpan} parameterTangents)"))
        {
            w.Line("int batch = CheckTargets(inputs, targets);");
            CheckParameterTangents(w);
            BackwardFile.BeginTraining(w, ConcurrentLossJvp);
            w.Line("try");
            w.Open();
            w.Line("_trainingWorkspace.EnsureCapacity(batch);");
            w.Line("_trainingWorkspace.EnsureTangentCapacity(batch);");
            w.Line("return LossTangent(_trainingWorkspace, inputs, targets, parameterTangents, batch);");
            w.Close();
            BackwardFile.EndTraining(w);
        }

        w.Line();
    }

    /// <summary>
    /// <c>ForwardTangent</c>: for each layer, its sentence, its forward math and its tangent math, then the forward statement
    /// and the tangent statement, so that the derivative reads beside the value it differentiates.
    /// </summary>
    private static void WriteForwardTangent(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        w.Line("// The forward pass with its tangents (forward-mode AD), layer after layer: each forward statement, then its tangent.");
        w.Line("// Ȧn = ∂An/∂(A0, p) · (Ȧ0, ṗ), with tA0 = Ȧ0 and the parameter tangents tW1, tb1, … spans of p (all empty when p is).");
        using (w.Block($"private void ForwardTangent(Workspace ws, {c.ReadOnlySpan} a0, {c.ReadOnlySpan} tA0, {c.ReadOnlySpan} p, int batch, bool training)"))
        {
            var body = new SourceWriter();
            var used = new HashSet<string>(System.StringComparer.Ordinal);
            var tangentUsed = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (PlannedLayer layer in plan.Layers)
            {
                LayerEmitter emitter = LayerEmitter.For(layer.Spec);
                tangentUsed.UnionWith(emitter.TangentSpans(layer));
                body.Line();
                body.Line($"// Layer {Literals.Int(layer.Number)}: {emitter.Sentence(layer)}.  {emitter.ForwardMath(layer)}");
                body.Line($"//   tangent: {emitter.TangentMath(layer)}");
                BatchNormBlock.Forward(body, plan, layer, emitter, c, used, keepMaps: true);
                emitter.Tangent(body, layer, c);
            }

            used.UnionWith(tangentUsed);
            var declarations = new SourceWriter();
            foreach (PlannedLayer layer in plan.Layers)
            {
                string ta = EmitContext.TA(layer.Number);
                if (used.Contains(ta))
                {
                    declarations.Line($"var {ta} = ws.{ForwardFile.WorkspaceField(ta)}.AsSpan(0, batch * {Literals.Int(layer.OutputSize)});");
                }
            }

            foreach (BatchBuffer buffer in TangentBuffers(plan))
            {
                if (used.Contains(buffer.Local))
                {
                    declarations.Line($"var {buffer.Local} = ws.{ForwardFile.WorkspaceField(buffer.Local)}.AsSpan(0, batch * {Literals.Int(buffer.PerSample)});");
                }
            }

            foreach (PlannedLayer layer in plan.Layers)
            {
                foreach (TensorPlan tensor in layer.Tensors)
                {
                    string local = "t" + tensor.Field;
                    if (used.Contains(local))
                    {
                        declarations.Line($"{c.ReadOnlySpan} {local} = p.IsEmpty ? default : p.Slice({Literals.Int(tensor.Offset)}, {Literals.Int((int)tensor.Length)});   // {EmitContext.Dot(tensor.Name)}{Literals.Int(layer.Number)}");
                    }
                }
            }

            ForwardFile.WithSpans(w, c, declarations.ToString() + body.ToString(), used, trainingFlag: "training", tangentPass: true);
        }

        w.Line();
    }

    /// <summary>
    /// <c>LossTangent</c>: the training-mode forward pass with tangents, the loss's gradient δ with respect to what it reads
    /// (its 1/B included), then <c>J̇ = ⟨δ, Ȧ⟩</c> plus the penalty's tangent; the running statistics are put back.
    /// </summary>
    private static void WriteLossTangent(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        string t = c.T;
        int n = plan.Layers.Count;
        int k = plan.Fusion == LossFusion.None ? n : n - 1;
        bool hasState = plan.Layers.Any(l => l.StateCount > 0);
        var weights = plan.Layers.SelectMany(l => l.Tensors.Where(x => x.Name == "W")).ToList();
        bool regularized = (plan.Spec.L1 > 0 || plan.Spec.L2 > 0) && weights.Count > 0;
        string z = EmitContext.Math(k);
        w.Line($"// J̇ = ⟨δ, {EmitContext.Dot(z)}⟩{(regularized ? " + the penalty's tangent" : string.Empty)}, with δ = ∂J/∂{z} as the loss writes it for the backward pass ({(k == n ? "on the outputs" : "fused: on the logits")}, 1/B included).");
        using (w.Block($"private {t} LossTangent(Workspace ws, {c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets, {c.ReadOnlySpan} p, int batch)"))
        {
            if (hasState)
            {
                w.Line("_state.AsSpan().CopyTo(ws.SavedState); // the training-mode BatchNorm moves the running statistics: put back below");
                w.Line("try");
                w.Open();
            }

            w.Line("ForwardTangent(ws, inputs, ZeroInputTangent(ws, batch), p, batch, training: true);");
            w.Line("ComputeLoss(ws, inputs, targets, batch, withGradient: true);");
            w.Line("double tangent = 0;");
            if (k == 0)
            {
                w.Line("// The loss reads the inputs themselves (the logits of the fused Softmax), whose tangent is 0.");
            }
            else
            {
                string size = Literals.Int(plan.Layers[k - 1].OutputSize);
                w.Line($"var delta = ws.DA{Literals.Int(k)}.AsSpan(0, batch * {size});");
                w.Line($"var tA{Literals.Int(k)} = ws.TA{Literals.Int(k)}.AsSpan(0, batch * {size});");
                using (w.Block("for (int i = 0; i < delta.Length; i++)"))
                {
                    w.Line($"tangent += (double)delta[i] * tA{Literals.Int(k)}[i];");
                }
            }

            if (regularized)
            {
                string l1 = c.Real(plan.Spec.L1), l2 = c.Real(plan.Spec.L2);
                using (w.Block("if (!p.IsEmpty)"))
                {
                    foreach (TensorPlan weight in weights)
                    {
                        w.Line($"tangent += {RuntimeTypes.Regularization}.Tangent({weight.Field}, p.Slice({Literals.Int(weight.Offset)}, {Literals.Int((int)weight.Length)}), {l1}, {l2});");
                    }
                }
            }

            w.Line($"return ({t})tangent;");
            if (hasState)
            {
                w.Close();
                w.Line("finally");
                w.Open();
                w.Line("ws.SavedState.AsSpan().CopyTo(_state);");
                w.Close();
            }
        }
    }
}
