using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Emit.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary><c>Name.Forward.g.cs</c>: buffers, input checks, Predict, Evaluate, the forward pass, the loss.</summary>
internal static class ForwardFile
{
    public static void Write(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        string t = c.T;
        int last = plan.Layers.Count;

        w.Line("// Per-batch buffers, sized for the largest batch seen so far and reused: after warm-up a step allocates nothing.");
        w.Line("private int _capacity;");
        foreach (PlannedLayer layer in plan.Layers)
        {
            w.Line($"private {t}[] _a{Literals.Int(layer.Number)} = {EmitContext.EmptyArray(t)};    // {EmitContext.Math(layer.Number)}: output of layer {Literals.Int(layer.Number)}, {layer.Kind}");
        }

        foreach (PlannedLayer layer in plan.Layers.Where(l => l.HasOutputGradient))
        {
            w.Line($"private {t}[] _dA{Literals.Int(layer.Number)} = {EmitContext.EmptyArray(t)};   // d{EmitContext.Math(layer.Number)} = ∂J/∂{EmitContext.Math(layer.Number)}");
        }

        foreach (BatchBuffer buffer in BatchBuffers(plan))
        {
            w.Line($"private {buffer.Type(c)}[] {buffer.Field} = {EmitContext.EmptyArray(buffer.Type(c))};   // {buffer.Purpose}");
        }

        foreach (FixedBuffer buffer in FixedBuffers(plan))
        {
            w.Line($"private readonly {t}[] {buffer.Field} = new {t}[{Literals.Int(buffer.Length)}];   // {buffer.Purpose}");
        }

        w.Line($"private {t}[] _targets = {EmitContext.EmptyArray(t)};   // T: targets, one-hot rows when training on labels");
        w.Line();

        WritePredict(w, c);
        WriteEvaluate(w, c);
        WriteValidation(w, c);
        WriteEnsureCapacity(w, c);
        WriteForward(w, c);
        WriteLoss(w, c);
        WritePenalty(w, c);
    }

    public static IEnumerable<BatchBuffer> BatchBuffers(NetworkPlan plan) =>
        plan.Layers.SelectMany(l => LayerEmitter.For(l.Kind).BatchBuffers(l));

    public static IEnumerable<FixedBuffer> FixedBuffers(NetworkPlan plan) =>
        plan.Layers.SelectMany(l => LayerEmitter.For(l.Kind).FixedBuffers(l));

    /// <summary>
    /// Writes <paramref name="body"/> after declarations of the spans it uses, each over the first <c>batch</c> rows of
    /// its buffer, so the code reads as the math and declares nothing it does not use.
    /// </summary>
    public static void WithSpans(SourceWriter w, EmitContext c, string body)
    {
        var declarations = new List<(string Local, string Line)>();
        foreach (PlannedLayer layer in c.Plan.Layers)
        {
            string n = Literals.Int(layer.Number), size = Literals.Int(layer.OutputSize);
            declarations.Add(($"a{n}", $"var a{n} = _a{n}.AsSpan(0, batch * {size});"));
            if (layer.HasOutputGradient)
            {
                declarations.Add(($"dA{n}", $"var dA{n} = _dA{n}.AsSpan(0, batch * {size});"));
            }
        }

        foreach (BatchBuffer buffer in BatchBuffers(c.Plan))
        {
            declarations.Add((buffer.Local, $"var {buffer.Local} = {buffer.Field}.AsSpan(0, batch * {Literals.Int(buffer.PerSample)});"));
        }

        // Comments name the math (dA3, A2) too: only code counts as a use.
        string code = System.Text.RegularExpressions.Regex.Replace(body, "//[^\n]*", string.Empty);
        foreach ((string local, string line) in declarations)
        {
            if (System.Text.RegularExpressions.Regex.IsMatch(code, $@"(?<![\w.]){local}\b"))
            {
                w.Line(line);
            }
        }

        w.Lines(body.TrimEnd('\n'));
    }

    private static void WritePredict(SourceWriter w, EmitContext c)
    {
        string t = c.T;
        w.Line("/// <summary>Runs the network in inference mode: no dropout, BatchNorm with its running statistics.</summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line($"/// <param name=\"outputs\">Receives [batch × OutputSize]: {OutputMeaning(c.Plan)}.</param>");
        w.Line("/// <exception cref=\"ArgumentException\">A length is not a whole number of samples, or the batch is empty.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public void Predict({c.ReadOnlySpan} inputs, {c.Span} outputs)"))
        {
            w.Line("int batch = global::NetGen.Kernels.Guard.BatchSize(inputs.Length, InputSize, nameof(inputs), nameof(InputSize));");
            w.Line("global::NetGen.Kernels.Guard.BatchLength(outputs.Length, batch, OutputSize, nameof(outputs), nameof(OutputSize));");
            w.Line("EnsureCapacity(batch);");
            w.Line("Forward(inputs, batch, training: false);");
            w.Line($"_a{Literals.Int(c.Plan.Layers.Count)}.AsSpan(0, batch * OutputSize).CopyTo(outputs);");
        }

        w.Line();
    }

    private static void WriteEvaluate(SourceWriter w, EmitContext c)
    {
        string t = c.T;
        w.Line("/// <summary>The mean loss over the batch, regularization included, in inference mode. Changes nothing.</summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line($"/// <param name=\"labels\">One class per sample, in [0, {Literals.Int(Classes(c.Plan))}).</param>");
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length, an empty batch, a label out of range, or a NaN input.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public {t} Evaluate({c.ReadOnlySpan} inputs, global::System.ReadOnlySpan<int> labels)"))
        {
            w.Line("int batch = CheckLabels(inputs, labels);");
            w.Line("EnsureCapacity(batch);");
            w.Line("var targets = _targets.AsSpan(0, batch * OutputSize);");
            w.Line("global::NetGen.Kernels.Losses.LabelsToTargets(labels, targets, OutputSize);");
            w.Line("Forward(inputs, batch, training: false);");
            w.Line("return ComputeLoss(inputs, targets, batch, withGradient: false) + Penalty(withGradient: false);");
        }

        w.Line();
        w.Line("/// <summary>The mean loss over the batch, regularization included, in inference mode. Changes nothing.</summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line("/// <param name=\"targets\">Real-valued targets, row-major [batch × OutputSize].</param>");
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length, an empty batch, or a NaN value.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public {t} Evaluate({c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets)"))
        {
            w.Line("int batch = CheckTargets(inputs, targets);");
            w.Line("EnsureCapacity(batch);");
            w.Line("Forward(inputs, batch, training: false);");
            w.Line("return ComputeLoss(inputs, targets, batch, withGradient: false) + Penalty(withGradient: false);");
        }

        w.Line();
    }

    private static void WriteValidation(SourceWriter w, EmitContext c)
    {
        string t = c.T;
        w.Line("// Every check runs before anything is written, so bad input leaves the network as it was.");
        using (w.Block($"private static int CheckLabels({c.ReadOnlySpan} inputs, global::System.ReadOnlySpan<int> labels)"))
        {
            w.Line("int batch = global::NetGen.Kernels.Guard.BatchSize(inputs.Length, InputSize, nameof(inputs), nameof(InputSize));");
            w.Line("global::NetGen.Kernels.Guard.Length(labels.Length, batch, nameof(labels), \"there is one label per input sample\");");
            w.Line($"global::NetGen.Kernels.Guard.Labels(labels, {Literals.Int(Classes(c.Plan))}, nameof(labels));");
            w.Line("global::NetGen.Kernels.Guard.Finite(inputs, nameof(inputs));");
            w.Line("return batch;");
        }

        w.Line();
        using (w.Block($"private static int CheckTargets({c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets)"))
        {
            w.Line("int batch = global::NetGen.Kernels.Guard.BatchSize(inputs.Length, InputSize, nameof(inputs), nameof(InputSize));");
            w.Line("global::NetGen.Kernels.Guard.BatchLength(targets.Length, batch, OutputSize, nameof(targets), nameof(OutputSize));");
            w.Line("global::NetGen.Kernels.Guard.Finite(inputs, nameof(inputs));");
            w.Line("global::NetGen.Kernels.Guard.Finite(targets, nameof(targets));");
            w.Line("return batch;");
        }

        w.Line();
    }

    private static void WriteEnsureCapacity(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        string t = c.T;
        using (w.Block("private void EnsureCapacity(int batch)"))
        {
            using (w.Block("if (batch <= _capacity)"))
            {
                w.Line("return;");
            }

            w.Line();
            foreach (PlannedLayer layer in plan.Layers)
            {
                string n = Literals.Int(layer.Number), size = Literals.Int(layer.OutputSize);
                w.Line($"_a{n} = new {t}[batch * {size}];");
                if (layer.HasOutputGradient)
                {
                    w.Line($"_dA{n} = new {t}[batch * {size}];");
                }
            }

            foreach (BatchBuffer buffer in BatchBuffers(plan))
            {
                w.Line($"{buffer.Field} = new {buffer.Type(c)}[batch * {Literals.Int(buffer.PerSample)}];");
            }

            w.Line($"_targets = new {t}[batch * OutputSize];");
            w.Line("_capacity = batch;");
        }

        w.Line();
    }

    private static void WriteForward(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        w.Line("// The forward pass, layer after layer. A0 is the input batch; B is the batch size.");
        using (w.Block($"private void Forward({c.ReadOnlySpan} a0, int batch, bool training)"))
        {
            var body = new SourceWriter();
            foreach (PlannedLayer layer in plan.Layers)
            {
                LayerEmitter emitter = LayerEmitter.For(layer.Kind);
                body.Line();
                body.Line($"// Layer {Literals.Int(layer.Number)}: {emitter.Sentence(layer)}.  {emitter.ForwardMath(layer)}");
                emitter.Forward(body, layer, c);
            }

            WithSpans(w, c, body.ToString());
        }

        w.Line();
    }

    private static void WriteLoss(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        int n = plan.Layers.Count;
        string t = c.T, outputs = Literals.Int(plan.OutputSize);
        string y = n == 0 ? "a0" : $"a{Literals.Int(n)}";
        string yMath = EmitContext.Math(n), dy = $"dA{Literals.Int(n)}";
        using (w.Block($"private {t} ComputeLoss({c.ReadOnlySpan} a0, {c.ReadOnlySpan} targets, int batch, bool withGradient)"))
        {
            switch (plan.Fusion)
            {
                case LossFusion.SoftmaxCrossEntropy:
                case LossFusion.SigmoidBinaryCrossEntropy:
                    string z = $"a{Literals.Int(n - 1)}", zMath = EmitContext.Math(n - 1), dz = $"dA{Literals.Int(n - 1)}";
                    bool softmax = plan.Fusion == LossFusion.SoftmaxCrossEntropy;
                    w.Line(softmax
                        ? $"// Loss: softmax cross-entropy, fused with the final Softmax and computed from its logits {zMath} by log-sum-exp."
                        : $"// Loss: binary cross-entropy, computed from the logits {zMath} of the final Sigmoid (stable for large |z|).");
                    w.Line(softmax
                        ? $"//   J = (1/B) Σ_s Σ_j T[s,j]·(lse({zMath}[s]) − {zMath}[s,j]);  d{zMath} = ({yMath} − T)/B"
                        : $"//   J = (1/B) Σ max(z, 0) − z·T + log(1 + e^−|z|) with z = {zMath};  d{zMath} = ({yMath} − T)/B");
                    if (n - 1 > 0)
                    {
                        w.Line($"var {z} = _a{Literals.Int(n - 1)}.AsSpan(0, batch * {outputs});");
                    }

                    w.Line($"var {y} = _a{Literals.Int(n)}.AsSpan(0, batch * {outputs});");
                    if (n - 1 == 0)
                    {
                        w.Line($"var {dz} = {c.EmptySpan}; // the input needs no gradient");
                    }
                    else
                    {
                        w.Line($"var {dz} = withGradient ? _dA{Literals.Int(n - 1)}.AsSpan(0, batch * {outputs}) : {c.EmptySpan};");
                    }

                    string kernel = softmax ? "SoftmaxCrossEntropy" : "BinaryCrossEntropyWithLogits";
                    string count = softmax ? "classes" : "outputs";
                    w.Line($"return global::NetGen.Kernels.Losses.{kernel}({z}, {y}, targets, {dz}, batch, {count}: {outputs});");
                    break;
                default:
                    string math = plan.Spec.Loss == LossKind.MulticlassHinge
                        ? $"//   J = (1/B) Σ_s Σ_(j≠y) max(0, {yMath}[s,j] − {yMath}[s,y] + 1), y = the class of T[s];  d{yMath} = (1/B)·(1 per violating j, −count at y)"
                        : $"//   J = (1/B) Σ_s ½‖{yMath}[s] − T[s]‖²;  d{yMath} = ({yMath} − T)/B";
                    w.Line(plan.Spec.Loss == LossKind.MulticlassHinge ? $"// Loss: multiclass hinge on the raw outputs {yMath}." : $"// Loss: mean squared error on the outputs {yMath}.");
                    w.Line(math);
                    if (n > 0)
                    {
                        w.Line($"var {y} = _a{Literals.Int(n)}.AsSpan(0, batch * {outputs});");
                    }

                    w.Line(n == 0 ? $"var {dy} = {c.EmptySpan};" : $"var {dy} = withGradient ? _dA{Literals.Int(n)}.AsSpan(0, batch * {outputs}) : {c.EmptySpan};");
                    string lossKernel = plan.Spec.Loss == LossKind.MulticlassHinge ? "MulticlassHinge" : "MeanSquaredError";
                    string lossCount = plan.Spec.Loss == LossKind.MulticlassHinge ? "classes" : "outputs";
                    w.Line($"return global::NetGen.Kernels.Losses.{lossKernel}({y}, targets, {dy}, batch, {lossCount}: {outputs});");
                    break;
            }
        }

        w.Line();
    }

    private static void WritePenalty(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        string t = c.T;
        var weights = plan.Layers.SelectMany(l => l.Tensors.Where(x => x.Name == "W")).ToList();
        bool regularized = (plan.Spec.L1 > 0 || plan.Spec.L2 > 0) && weights.Count > 0;
        w.Line(regularized
            ? $"// Regularization of the weight matrices (not biases, BatchNorm or PReLU): J += {Literals.Number(plan.Spec.L1)}·Σ|W| + ({Literals.Number(plan.Spec.L2)}/2)·ΣW²;  dW += {Literals.Number(plan.Spec.L1)}·sign(W) + {Literals.Number(plan.Spec.L2)}·W"
            : "// No regularization: [Network] sets neither L1 nor L2.");
        using (w.Block($"private {t} Penalty(bool withGradient)"))
        {
            if (!regularized)
            {
                w.Line($"return {c.Real(0)};");
                return;
            }

            string l1 = c.Real(plan.Spec.L1), l2 = c.Real(plan.Spec.L2);
            w.Line($"{t} penalty = {c.Real(0)};");
            foreach (TensorPlan weight in weights)
            {
                w.Line($"penalty += withGradient ? global::NetGen.Kernels.Regularization.Apply({weight.Field}, {EmitContext.Gradient(weight)}, {l1}, {l2}) : global::NetGen.Kernels.Regularization.Penalty({weight.Field}, {l1}, {l2});");
            }

            w.Line("return penalty;");
        }
    }

    /// <summary>The number of valid label values: the classes, or 0 and 1 for a single output.</summary>
    public static int Classes(NetworkPlan plan) => plan.OutputSize == 1 ? 2 : plan.OutputSize;

    private static string OutputMeaning(NetworkPlan plan)
    {
        LayerKind? last = plan.Layers.IsEmpty ? null : plan.Layers[plan.Layers.Count - 1].Kind;
        return last switch
        {
            LayerKind.Softmax => "class probabilities (the final Softmax)",
            LayerKind.Sigmoid => "probabilities (the final Sigmoid)",
            _ => "the last layer's raw outputs",
        };
    }
}
