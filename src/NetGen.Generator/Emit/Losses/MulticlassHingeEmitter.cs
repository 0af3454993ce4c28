using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Losses;

/// <summary>Multiclass hinge on the raw class scores.</summary>
internal sealed class MulticlassHingeEmitter : LossEmitter
{
    public static readonly MulticlassHingeEmitter Instance = new();

    public override LossKind Kind => LossKind.MulticlassHinge;

    public override void Write(SourceWriter w, EmitContext c)
    {
        string y = EmitContext.Math(c.Plan.Layers.Count);
        WriteOnOutputs(w, c, $"// Loss: multiclass hinge on the raw outputs {y}.", $"//   J = (1/B) Σ_s Σ_(j≠y) max(0, {y}[s,j] − {y}[s,y] + 1), y = the class of T[s];  d{y} = (1/B)·(1 per violating j, −count at y)", "MulticlassHinge", "classes");
    }
}
