using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Losses;

/// <summary>Multiclass hinge on the raw class scores: at least 2 outputs.</summary>
internal sealed class MulticlassHingeLoss : LossRule
{
    public static readonly MulticlassHingeLoss Instance = new();

    public override LossKind Kind => LossKind.MulticlassHinge;

    public override bool IsClassification => true;

    public override LossFusion Fusion => LossFusion.None;

    public override LossFusion Check(NetworkSpec network, PlannedLayer? last, int outputs, List<ShapeError> diagnostics)
    {
        if (outputs < 2)
        {
            Mismatch(diagnostics, $"MulticlassHinge compares class scores and needs at least 2 outputs, but {network.ClassName} has {outputs}.");
        }

        return LossFusion.None;
    }
}
