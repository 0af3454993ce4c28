using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Losses;

/// <summary>Binary cross-entropy, computed from the logits of a final Sigmoid.</summary>
internal sealed class BinaryCrossEntropyLoss : LossRule
{
    public static readonly BinaryCrossEntropyLoss Instance = new();

    public override LossKind Kind => LossKind.BinaryCrossEntropy;

    public override bool IsClassification => true;

    public override LossFusion Fusion => LossFusion.SigmoidBinaryCrossEntropy;

    public override LossFusion Check(NetworkSpec network, PlannedLayer? last, int outputs, List<ShapeError> diagnostics)
    {
        if (last?.Spec is not ActivationSpec { Function: ActivationFunction.Sigmoid })
        {
            Mismatch(diagnostics, $"BinaryCrossEntropy needs a final [Sigmoid], but {network.ClassName} ends with {Ending(last)}: add [Sigmoid] as the last layer (the loss is computed from its logits).");
            return LossFusion.None;
        }

        return Fusion;
    }
}
