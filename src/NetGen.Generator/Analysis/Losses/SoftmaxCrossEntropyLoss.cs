using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Losses;

/// <summary>Softmax cross-entropy, fused with a final Softmax over at least 2 classes.</summary>
internal sealed class SoftmaxCrossEntropyLoss : LossRule
{
    public static readonly SoftmaxCrossEntropyLoss Instance = new();

    public override LossKind Kind => LossKind.SoftmaxCrossEntropy;

    public override bool IsClassification => true;

    public override LossFusion Fusion => LossFusion.SoftmaxCrossEntropy;

    public override LossFusion Check(NetworkSpec network, PlannedLayer? last, int outputs, List<ShapeError> diagnostics)
    {
        if (last?.Spec is not SoftmaxSpec)
        {
            Mismatch(diagnostics, $"SoftmaxCrossEntropy needs a final [Softmax], but {network.ClassName} ends with {Ending(last)}: add [Softmax] as the last layer (the loss is fused with it).");
            return LossFusion.None;
        }

        if (outputs < 2)
        {
            Mismatch(diagnostics, $"SoftmaxCrossEntropy needs at least 2 classes, but {network.ClassName} has {outputs} output: for a yes/no output use a final [Sigmoid] with BinaryCrossEntropy.");
            return LossFusion.None;
        }

        return Fusion;
    }
}
