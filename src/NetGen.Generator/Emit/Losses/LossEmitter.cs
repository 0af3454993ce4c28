using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Losses;

/// <summary>
/// Writes the body of <c>ComputeLoss</c> for one loss: its math in comments, the spans it reads and writes, and the
/// kernel call. One subclass per <see cref="LossKind"/> (its rule is in <c>Analysis/Losses/</c>).
/// </summary>
internal abstract class LossEmitter
{
    public abstract LossKind Kind { get; }

    public abstract void Write(SourceWriter w, EmitContext c);

    /// <summary>
    /// The emitter of each loss. Exhaustive: a loss without an emitter is a bug in the generator, never mean squared
    /// error by default.
    /// </summary>
    public static LossEmitter For(LossKind loss) => loss switch
    {
        LossKind.MeanSquaredError => MeanSquaredErrorEmitter.Instance,
        LossKind.BinaryCrossEntropy => BinaryCrossEntropyEmitter.Instance,
        LossKind.SoftmaxCrossEntropy => SoftmaxCrossEntropyEmitter.Instance,
        LossKind.MulticlassHinge => MulticlassHingeEmitter.Instance,
        _ => throw new System.ArgumentOutOfRangeException(nameof(loss), loss, "No emitter for this loss: add one in Emit/Losses and register it in LossEmitter.For."),
    };

    /// <summary>
    /// A loss on the network's outputs (no fusion): the comment, the output span and its gradient (empty for a network
    /// that ends with its input), and the kernel call.
    /// </summary>
    protected static void WriteOnOutputs(SourceWriter w, EmitContext c, string title, string math, string kernel, string countName)
    {
        int n = c.Plan.Layers.Count;
        string outputs = Literals.Int(c.Plan.OutputSize);
        string y = n == 0 ? "a0" : $"a{Literals.Int(n)}";
        string dy = $"dA{Literals.Int(n)}";
        w.Line(title);
        w.Line(math);
        if (n > 0)
        {
            w.Line($"var {y} = ws.A{Literals.Int(n)}.AsSpan(0, batch * {outputs});");
        }

        w.Line(n == 0 ? $"var {dy} = {c.EmptySpan};" : $"var {dy} = withGradient ? ws.DA{Literals.Int(n)}.AsSpan(0, batch * {outputs}) : {c.EmptySpan};");
        w.Line($"return {RuntimeTypes.Losses}.{kernel}({y}, targets, {dy}, batch, {countName}: {outputs});");
    }

    /// <summary>
    /// A loss fused with the last layer: it reads that layer's input (the logits) and output, and writes the gradient of
    /// the logits.
    /// </summary>
    protected static void WriteFused(SourceWriter w, EmitContext c, string title, string math, string kernel, string countName)
    {
        int n = c.Plan.Layers.Count;
        if (c.Plan.Fusion == LossFusion.None || n == 0)
        {
            throw new System.InvalidOperationException("A fused loss needs its final layer; shape inference reports NG0004 without it.");
        }

        string outputs = Literals.Int(c.Plan.OutputSize);
        string z = $"a{Literals.Int(n - 1)}", y = $"a{Literals.Int(n)}", dz = $"dA{Literals.Int(n - 1)}";
        w.Line(title);
        w.Line(math);
        if (n - 1 > 0)
        {
            w.Line($"var {z} = ws.A{Literals.Int(n - 1)}.AsSpan(0, batch * {outputs});");
        }

        w.Line($"var {y} = ws.A{Literals.Int(n)}.AsSpan(0, batch * {outputs});");
        if (n - 1 == 0)
        {
            w.Line($"var {dz} = {c.EmptySpan}; // the input needs no gradient");
        }
        else
        {
            w.Line($"var {dz} = withGradient ? ws.DA{Literals.Int(n - 1)}.AsSpan(0, batch * {outputs}) : {c.EmptySpan};");
        }

        w.Line($"return {RuntimeTypes.Losses}.{kernel}({z}, {y}, targets, {dz}, batch, {countName}: {outputs});");
    }
}
