using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Emit.Layers;
using NetGen.Generator.Emit.Losses;
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

        WriteWorkspace(w, c);
        WritePredict(w, c);
        WriteEvaluate(w, c);
        WriteValidation(w, c);
        WriteForward(w, c);
        WriteLoss(w, c);
        WritePenalty(w, c);
    }

    public static IEnumerable<BatchBuffer> BatchBuffers(NetworkPlan plan) =>
        plan.Layers.SelectMany(l => LayerEmitter.For(l.Spec).BatchBuffers(l));

    public static IEnumerable<FixedBuffer> FixedBuffers(NetworkPlan plan) =>
        plan.Layers.SelectMany(l => LayerEmitter.For(l.Spec).FixedBuffers(l).Concat(BatchNormBlock.FixedBuffers(plan, l)));

    /// <summary>A workspace field: <c>A3</c>, <c>DA3</c>, <c>XHat2</c>, named after the local span over it.</summary>
    public static string WorkspaceField(string local) => char.ToUpperInvariant(local[0]) + local.Substring(1);

    /// <summary>
    /// The nested <c>Workspace</c> (every per-batch buffer, so calls on different threads never share one), the pool
    /// inference rents from, and the training workspace.
    /// </summary>
    private static void WriteWorkspace(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        string t = c.T;
        // When: the workspace flags under which a buffer is allocated (null: always; "false": never here, the tangent
        // buffers' EnsureTangentCapacity allocates it).
        var batchBuffers = new List<(string Field, string Type, int PerSample, string? When, string Purpose)>();
        foreach (PlannedLayer layer in plan.Layers)
        {
            string output = $"{EmitContext.Math(layer.Number)}: output of layer {Literals.Int(layer.Number)}, {layer.Kind}";
            batchBuffers.Add(BatchNormBlock.KeepsNoMap(plan, layer)
                ? (WorkspaceField(EmitContext.A(layer.Number)), t, layer.OutputSize, "false", output + " (only the tangent pass writes it: allocated with the tangent buffers)")
                : (WorkspaceField(EmitContext.A(layer.Number)), t, layer.OutputSize, null, output));
        }

        // A block's ReLU has no gradient buffer: both backward passes unpool straight to BatchNorm, and the training one
        // uses BatchNorm's output gradient as its scratch.
        foreach (PlannedLayer layer in plan.Layers.Where(l => l.HasOutputGradient && !BatchNormBlock.IsReLU(plan, l)))
        {
            batchBuffers.Add(BatchNormBlock.Starts(plan, layer)
                ? (WorkspaceField(EmitContext.DA(layer.Number)), t, layer.OutputSize, "ForTraining", $"scratch of the training backward of layers {Literals.Int(layer.Number)} to {Literals.Int(layer.Number + 2)}, in one pass over each map")
                : (WorkspaceField(EmitContext.DA(layer.Number)), t, layer.OutputSize, "ForTraining || WithGradients", $"d{EmitContext.Math(layer.Number)} = ∂J/∂{EmitContext.Math(layer.Number)} (training and input gradients)"));
        }

        var tangentMaps = new HashSet<string>(BatchNormBlock.TangentMaps(plan).Select(m => m.Field), System.StringComparer.Ordinal);
        foreach (BatchBuffer buffer in BatchBuffers(plan))
        {
            string field = WorkspaceField(buffer.Local);
            batchBuffers.Add(tangentMaps.Contains(field)
                ? (field, buffer.Type(c), buffer.PerSample, "false", "normalized inputs: a BatchNorm → ReLU → MaxPool2D block's backward recomputes them, only LossJvp keeps them")
                : (field, buffer.Type(c), buffer.PerSample, buffer.AllocatedWhen, buffer.Purpose));
        }

        batchBuffers.Add(("Targets", t, plan.OutputSize, null, "T: targets, one-hot rows when training on labels"));
        int largest = batchBuffers.Max(b => b.PerSample);

        w.Line("// Every buffer a call writes lives in a Workspace, so calls on different threads never share one: inference on");
        w.Line("// one sample takes its thread's own, on more rents one from a small lock-free pool (a new one only while all");
        w.Line("// pooled ones are in use), training has its own. Buffers are sized for the largest batch seen and reused: after");
        w.Line("// warm-up a call allocates nothing.");
        using (w.Block("private sealed partial class Workspace"))
        {
            w.Line("public readonly bool ForTraining;");
            w.Line("public bool WithGradients;   // set once InputGradients uses this inference workspace: it then also holds the gradients");
            w.Line("public int Capacity;");
            foreach (var buffer in batchBuffers)
            {
                w.Line($"public {buffer.Type}[] {buffer.Field} = {EmitContext.EmptyArray(buffer.Type)};   // {buffer.Purpose}");
            }

            foreach (FixedBuffer buffer in FixedBuffers(plan))
            {
                w.Line($"public readonly {t}[] {WorkspaceField(buffer.Local)} = new {t}[{Literals.Int(buffer.Length)}];   // {buffer.Purpose}");
            }

            w.Line();
            w.Line("public Workspace(bool forTraining) => ForTraining = forTraining;");
            w.Line();
            w.Line("// Whether batch samples fit the largest buffer: checked in long, before anything is allocated.");
            using (w.Block("public static void CheckBatch(int batch)"))
            {
                using (w.Block($"if ((long)batch * {Literals.Int(largest)} > global::System.Array.MaxLength)"))
                {
                    w.Line($"throw new global::System.ArgumentException($\"A batch of {{batch}} samples needs {{(long)batch * {Literals.Int(largest)}}} values in one buffer ({Literals.Int(largest)} per sample), more than an array can hold ({{(global::System.Array.MaxLength)}}): use batches of at most {{(global::System.Array.MaxLength / {Literals.Int(largest)})}} samples.\", \"inputs\");");
                }
            }

            w.Line();
            w.Line("// Grows every buffer to hold batch samples. Lengths are checked in long before anything is allocated, and the");
            w.Line("// fields are assigned only after every allocation succeeded: a batch too large leaves the workspace as it was.");
            NetworkEmitter.Optimized(w, c);
            using (w.Block("public void EnsureCapacity(int batch)"))
            {
                using (w.Block("if (batch <= Capacity)"))
                {
                    w.Line("return;");
                }

                w.Line();
                w.Line("CheckBatch(batch);");
                w.Line();
                var grown = batchBuffers.Where(b => b.When != "false").ToList();
                foreach (var buffer in grown)
                {
                    string local = "new" + buffer.Field;
                    string allocation = $"new {buffer.Type}[batch * {Literals.Int(buffer.PerSample)}]";
                    w.Line(buffer.When is not null ? $"var {local} = {buffer.When} ? {allocation} : {buffer.Field};" : $"var {local} = {allocation};");
                }

                foreach (var buffer in grown)
                {
                    w.Line($"{buffer.Field} = new{buffer.Field};");
                }

                w.Line("Capacity = batch;");
            }
        }

        w.Line();
        w.Line($"private readonly Workspace?[] _workspaces = new Workspace?[global::System.Math.Clamp(global::System.Environment.ProcessorCount, 4, 64)];");
        w.Line("private readonly Workspace _trainingWorkspace = new Workspace(forTraining: true);");
        w.Line("private int _trainingBusy;   // 1 while a TrainStep runs: a second one at the same time is refused");
        w.Line();
        w.Line("// One inference workspace per thread for one-sample calls, shared by the instances of this class (a workspace holds");
        w.Line("// no parameters): such a call takes it without touching the pool. Null while in use, so a nested call makes its own.");
        w.Line("[global::System.ThreadStatic]");
        w.Line("private static Workspace? _threadWorkspace;");
        w.Line();
        w.Line("// One sample: this thread's workspace (made on its first such call). More: a pooled workspace, or a new one when");
        w.Line("// every pooled one is in use by another thread.");
        using (w.Block("private Workspace RentWorkspace(int batch)"))
        {
            using (w.Block("if (batch == 1)"))
            {
                w.Line("Workspace? own = _threadWorkspace;");
                w.Line("_threadWorkspace = null;");
                w.Line("return own ?? new Workspace(forTraining: false);");
            }

            w.Line();
            using (w.Block("for (int i = 0; i < _workspaces.Length; i++)"))
            {
                w.Line("Workspace? pooled = global::System.Threading.Interlocked.Exchange(ref _workspaces[i], null);");
                using (w.Block("if (pooled is not null)"))
                {
                    w.Line("return pooled;");
                }
            }

            w.Line();
            w.Line("return new Workspace(forTraining: false);");
        }

        w.Line();
        w.Line("// Puts a workspace back where RentWorkspace took it from: a one-sample one is this thread's again; others go into a");
        w.Line("// free slot, and when every slot is taken they are left to the garbage collector.");
        using (w.Block("private void ReturnWorkspace(Workspace workspace, int batch)"))
        {
            using (w.Block("if (batch == 1)"))
            {
                w.Line("_threadWorkspace = workspace;");
                w.Line("return;");
            }

            w.Line();
            using (w.Block("for (int i = 0; i < _workspaces.Length; i++)"))
            {
                using (w.Block("if (global::System.Threading.Interlocked.CompareExchange(ref _workspaces[i], workspace, null) is null)"))
                {
                    w.Line("return;");
                }
            }
        }

        w.Line();
    }

    /// <summary>
    /// Writes <paramref name="body"/> after declarations of the spans in <paramref name="used"/> (what its emitters declared),
    /// each over the first <c>batch</c> rows of its buffer, so the code reads as the math and declares nothing it does not use. In the forward pass
    /// (<paramref name="trainingFlag"/> names its <c>training</c> parameter) a training-only buffer is empty in an inference
    /// workspace, so its span is taken only when training; in the <paramref name="tangentPass"/>, a block's BatchNorm
    /// output is there only in inference.
    /// </summary>
    public static void WithSpans(SourceWriter w, EmitContext c, string body, ISet<string> used, string? trainingFlag = null, bool tangentPass = false)
    {
        var declarations = new List<(string Local, string Line)>();
        foreach (PlannedLayer layer in c.Plan.Layers)
        {
            string n = Literals.Int(layer.Number), size = Literals.Int(layer.OutputSize);
            string output = $"ws.A{n}.AsSpan(0, batch * {size})";
            // Only the tangent pass uses a block's full maps, and BatchNorm's output there only in inference: the training
            // workspace has none (BatchNormBlock.TangentMaps).
            bool inferenceOnly = tangentPass && BatchNormBlock.Starts(c.Plan, layer);
            declarations.Add(($"a{n}", inferenceOnly ? $"var a{n} = {trainingFlag} ? default : {output};" : $"var a{n} = {output};"));
            if (layer.HasOutputGradient && !BatchNormBlock.IsReLU(c.Plan, layer))
            {
                declarations.Add(($"dA{n}", $"var dA{n} = ws.DA{n}.AsSpan(0, batch * {size});"));
            }
        }

        foreach (BatchBuffer buffer in BatchBuffers(c.Plan))
        {
            string span = $"ws.{WorkspaceField(buffer.Local)}.AsSpan(0, batch * {Literals.Int(buffer.PerSample)})";
            declarations.Add((buffer.Local, buffer.TrainingOnly && trainingFlag is not null
                ? $"var {buffer.Local} = {trainingFlag} ? {span} : default;"
                : $"var {buffer.Local} = {span};"));
        }

        foreach (FixedBuffer buffer in FixedBuffers(c.Plan))
        {
            declarations.Add((buffer.Local, $"var {buffer.Local} = ws.{WorkspaceField(buffer.Local)};"));
        }

        // Only the spans the emitters declared they use (LayerEmitter.ForwardSpans, BackwardSpans), in buffer order.
        foreach ((string local, string line) in declarations)
        {
            if (used.Contains(local))
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
        w.Line("/// <remarks>");
        w.Line("/// Safe to call from any number of threads at once: each call works in its own workspace (its thread's for one");
        w.Line("/// sample, a pooled one for more) and only reads the parameters and state. Inputs are not checked for NaN or");
        w.Line("/// infinity (that would cost a pass over them): a non-finite input gives non-finite outputs.");
        w.Line("/// </remarks>");
        w.Line("/// <exception cref=\"ArgumentException\">A length is not a whole number of samples, the batch is empty, or it is too large for one array; nothing is changed.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        NetworkEmitter.Optimized(w, c);
        using (w.Block($"public void Predict({c.ReadOnlySpan} inputs, {c.Span} outputs)"))
        {
            w.Line($"int batch = {RuntimeTypes.Guard}.BatchSize(inputs.Length, InputSize, nameof(inputs), nameof(InputSize));");
            w.Line($"{RuntimeTypes.Guard}.BatchLength(outputs.Length, batch, OutputSize, nameof(outputs), nameof(OutputSize));");
            w.Line($"int parts = {RuntimeTypes.BatchSplit}.Parts(batch, multiplyAddsPerSample: {Literals.Int(MultiplyAddsPerSample(c.Plan))});");
            using (w.Block("if (parts > 1)"))
            {
                w.Line("// A large batch: each thread predicts its own rows, every layer at once (inference treats samples one by one).");
                w.Line("// A batch too large for one workspace fails here, as it does on one thread.");
                w.Line("Workspace.CheckBatch(batch);");
                w.Line($"{RuntimeTypes.BatchSplit}.Predict(this, inputs, outputs, batch, parts);");
                w.Line("return;");
            }

            w.Line();
            w.Line("Workspace ws = RentWorkspace(batch);");
            w.Line("try");
            w.Open();
            w.Line("ws.EnsureCapacity(batch);");
            w.Line("Forward(ws, inputs, batch, training: false);");
            w.Line($"ws.A{Literals.Int(c.Plan.Layers.Count)}.AsSpan(0, batch * OutputSize).CopyTo(outputs);");
            w.Close();
            w.Line("finally");
            w.Open();
            w.Line("ReturnWorkspace(ws, batch);");
            w.Close();
        }

        w.Line();
    }

    /// <summary>
    /// The forward pass's work per sample, roughly: a multiply-add per weight and output position (a dense layer's weights
    /// once, a convolution's once per output position), plus one per output value for the element-wise layers.
    /// </summary>
    internal static long MultiplyAddsPerSample(NetworkPlan plan)
    {
        long total = 0;
        foreach (PlannedLayer layer in plan.Layers)
        {
            total += layer.OutputShape.Product;
            long positions = layer.OutputShape.Rank > 1 ? layer.OutputShape.Product / layer.OutputShape[0] : 1;
            foreach (TensorPlan tensor in layer.Tensors)
            {
                if (tensor.Shape.Rank >= 2)
                {
                    total += tensor.Length * positions;
                }
            }
        }

        return total;
    }

    private static void WriteEvaluate(SourceWriter w, EmitContext c)
    {
        string t = c.T;
        w.Line("/// <summary>The mean loss over the batch, regularization included, in inference mode. Changes nothing.</summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line($"/// <param name=\"labels\">One class per sample, in [0, {Literals.Int(Classes(c.Plan))}).</param>");
        w.Line("/// <remarks>Safe to call from any number of threads at once, like <see cref=\"Predict\"/>.</remarks>");
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length, an empty batch, a label out of range, or a NaN or infinite input; nothing is changed.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public {t} Evaluate({c.ReadOnlySpan} inputs, global::System.ReadOnlySpan<int> labels)"))
        {
            w.Line("int batch = CheckLabels(inputs, labels);");
            w.Line("Workspace ws = RentWorkspace(batch);");
            w.Line("try");
            w.Open();
            w.Line("ws.EnsureCapacity(batch);");
            w.Line("var targets = ws.Targets.AsSpan(0, batch * OutputSize);");
            w.Line($"{RuntimeTypes.Losses}.LabelsToTargets(labels, targets, OutputSize);");
            w.Line("Forward(ws, inputs, batch, training: false);");
            w.Line("return ComputeLoss(ws, inputs, targets, batch, withGradient: false) + Penalty(withGradient: false);");
            w.Close();
            w.Line("finally");
            w.Open();
            w.Line("ReturnWorkspace(ws, batch);");
            w.Close();
        }

        w.Line();
        w.Line("/// <summary>The mean loss over the batch, regularization included, in inference mode. Changes nothing.</summary>");
        w.Line("/// <param name=\"inputs\">A batch of samples, row-major [batch × InputSize].</param>");
        w.Line("/// <param name=\"targets\">Real-valued targets, row-major [batch × OutputSize].</param>");
        w.Line("/// <remarks>Safe to call from any number of threads at once, like <see cref=\"Predict\"/>.</remarks>");
        w.Line("/// <exception cref=\"ArgumentException\">A wrong length, an empty batch, or a NaN or infinite value; nothing is changed.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public {t} Evaluate({c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets)"))
        {
            w.Line("int batch = CheckTargets(inputs, targets);");
            w.Line("Workspace ws = RentWorkspace(batch);");
            w.Line("try");
            w.Open();
            w.Line("ws.EnsureCapacity(batch);");
            w.Line("Forward(ws, inputs, batch, training: false);");
            w.Line("return ComputeLoss(ws, inputs, targets, batch, withGradient: false) + Penalty(withGradient: false);");
            w.Close();
            w.Line("finally");
            w.Open();
            w.Line("ReturnWorkspace(ws, batch);");
            w.Close();
        }

        w.Line();
    }

    private static void WriteValidation(SourceWriter w, EmitContext c)
    {
        string t = c.T;
        w.Line("// Every check runs before anything is written, so bad input leaves the network as it was.");
        NetworkEmitter.Optimized(w, c);
        using (w.Block($"private static int CheckLabels({c.ReadOnlySpan} inputs, global::System.ReadOnlySpan<int> labels)"))
        {
            w.Line($"int batch = {RuntimeTypes.Guard}.BatchSize(inputs.Length, InputSize, nameof(inputs), nameof(InputSize));");
            w.Line($"{RuntimeTypes.Guard}.Length(labels.Length, batch, nameof(labels), \"there is one label per input sample\");");
            w.Line($"{RuntimeTypes.Guard}.Labels(labels, {Literals.Int(Classes(c.Plan))}, nameof(labels));");
            w.Line($"{RuntimeTypes.Guard}.Finite(inputs, nameof(inputs));");
            w.Line("return batch;");
        }

        w.Line();
        NetworkEmitter.Optimized(w, c);
        using (w.Block($"private static int CheckTargets({c.ReadOnlySpan} inputs, {c.ReadOnlySpan} targets)"))
        {
            w.Line($"int batch = {RuntimeTypes.Guard}.BatchSize(inputs.Length, InputSize, nameof(inputs), nameof(InputSize));");
            w.Line($"{RuntimeTypes.Guard}.BatchLength(targets.Length, batch, OutputSize, nameof(targets), nameof(OutputSize));");
            w.Line($"{RuntimeTypes.Guard}.Finite(inputs, nameof(inputs));");
            w.Line($"{RuntimeTypes.Guard}.Finite(targets, nameof(targets));");
            w.Line("return batch;");
        }

        w.Line();
    }

    private static void WriteForward(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        w.Line("// The forward pass, layer after layer. A0 is the input batch; B is the batch size. Inference writes only ws.");
        NetworkEmitter.Optimized(w, c);
        using (w.Block($"private void Forward(Workspace ws, {c.ReadOnlySpan} a0, int batch, bool training)"))
        {
            var body = new SourceWriter();
            var used = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (PlannedLayer layer in plan.Layers)
            {
                LayerEmitter emitter = LayerEmitter.For(layer.Spec);
                body.Line();
                body.Line($"// Layer {Literals.Int(layer.Number)}: {emitter.Sentence(layer)}.  {emitter.ForwardMath(layer)}");
                BatchNormBlock.Forward(body, plan, layer, emitter, c, used, keepMaps: false);
            }

            WithSpans(w, c, body.ToString(), used, trainingFlag: "training");
        }

        w.Line();
    }

    private static void WriteLoss(SourceWriter w, EmitContext c)
    {
        NetworkEmitter.Optimized(w, c);
        using (w.Block($"private {c.T} ComputeLoss(Workspace ws, {c.ReadOnlySpan} a0, {c.ReadOnlySpan} targets, int batch, bool withGradient)"))
        {
            LossEmitter.For(c.Plan.Spec.Loss).Write(w, c);
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
                w.Line($"penalty += withGradient ? {RuntimeTypes.Regularization}.Apply({weight.Field}, {EmitContext.Gradient(weight)}, {l1}, {l2}) : {RuntimeTypes.Regularization}.Penalty({weight.Field}, {l1}, {l2});");
            }

            w.Line("return penalty;");
        }
    }

    /// <summary>The number of valid label values: the classes, or 0 and 1 for a single output.</summary>
    public static int Classes(NetworkPlan plan) => plan.OutputSize == 1 ? 2 : plan.OutputSize;

    public static string OutputMeaning(NetworkPlan plan)
    {
        LayerSpec? last = plan.Layers.IsEmpty ? null : plan.Layers[plan.Layers.Count - 1].Spec;
        return last switch
        {
            SoftmaxSpec => "class probabilities (the final Softmax)",
            ActivationSpec { Function: ActivationFunction.Sigmoid } => "probabilities (the final Sigmoid)",
            _ => "the last layer's raw outputs",
        };
    }
}
