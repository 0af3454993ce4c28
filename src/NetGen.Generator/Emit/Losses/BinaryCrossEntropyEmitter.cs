using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Losses;

/// <summary>Binary cross-entropy, from the logits of the final Sigmoid (stable for large |z|).</summary>
internal sealed class BinaryCrossEntropyEmitter : LossEmitter
{
    public static readonly BinaryCrossEntropyEmitter Instance = new();

    public override LossKind Kind => LossKind.BinaryCrossEntropy;

    public override void Write(SourceWriter w, EmitContext c)
    {
        int n = c.Plan.Layers.Count;
        string z = EmitContext.Math(n - 1), y = EmitContext.Math(n);
        WriteFused(
            w,
            c,
            $"// Loss: binary cross-entropy, computed from the logits {z} of the final Sigmoid (stable for large |z|).",
            $"//   J = (1/B) Σ max(z, 0) − z·T + log(1 + e^−|z|) with z = {z};  d{z} = ({y} − T)/B",
            "BinaryCrossEntropyWithLogits",
            "outputs");
    }
}
