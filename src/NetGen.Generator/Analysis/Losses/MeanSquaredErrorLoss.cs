using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Losses;

/// <summary>Mean squared error on the raw outputs: fits any network, a regression loss.</summary>
internal sealed class MeanSquaredErrorLoss : LossRule
{
    public static readonly MeanSquaredErrorLoss Instance = new();

    public override LossKind Kind => LossKind.MeanSquaredError;

    public override bool IsClassification => false;

    public override LossFusion Fusion => LossFusion.None;

    public override LossFusion Check(NetworkSpec network, PlannedLayer? last, int outputs, List<ShapeError> diagnostics) => LossFusion.None;
}
