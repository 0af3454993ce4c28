using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Losses;

/// <summary>Softmax cross-entropy, fused with the final Softmax: from its logits by log-sum-exp.</summary>
internal sealed class SoftmaxCrossEntropyEmitter : LossEmitter
{
    public static readonly SoftmaxCrossEntropyEmitter Instance = new();

    public override LossKind Kind => LossKind.SoftmaxCrossEntropy;

    public override void Write(SourceWriter w, EmitContext c)
    {
        int n = c.Plan.Layers.Count;
        string z = EmitContext.Math(n - 1), y = EmitContext.Math(n);
        WriteFused(
            w,
            c,
            $"// Loss: softmax cross-entropy, fused with the final Softmax and computed from its logits {z} by log-sum-exp.",
            $"//   J = (1/B) Σ_s Σ_j T[s,j]·(lse({z}[s]) − {z}[s,j]);  d{z} = ({y} − T)/B",
            "SoftmaxCrossEntropy",
            "classes");
    }
}
