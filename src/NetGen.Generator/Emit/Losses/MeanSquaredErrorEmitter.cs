using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Losses;

/// <summary>Mean squared error on the outputs.</summary>
internal sealed class MeanSquaredErrorEmitter : LossEmitter
{
    public static readonly MeanSquaredErrorEmitter Instance = new();

    public override LossKind Kind => LossKind.MeanSquaredError;

    public override void Write(SourceWriter w, EmitContext c)
    {
        string y = EmitContext.Math(c.Plan.Layers.Count);
        WriteOnOutputs(w, c, $"// Loss: mean squared error on the outputs {y}.", $"//   J = (1/B) Σ_s ½‖{y}[s] − T[s]‖²;  d{y} = ({y} − T)/B", "MeanSquaredError", "outputs");
    }
}
