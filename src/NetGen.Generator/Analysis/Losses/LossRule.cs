using System.Collections.Generic;
using NetGen.Generator.Analysis.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Losses;

/// <summary>
/// One loss function: what it needs of the output layer (NG0004), whether it compares classes, and which final layer it
/// is fused with. One subclass per <see cref="LossKind"/>, registered in <see cref="For"/>; its code is the matching
/// emitter in <c>Emit/Losses/</c>.
/// </summary>
internal abstract class LossRule
{
    public abstract LossKind Kind { get; }

    /// <summary>Whether the targets are classes (one-hot rows, labels), so accuracy means something.</summary>
    public abstract bool IsClassification { get; }

    /// <summary>How the loss joins the last layer when the network fits it.</summary>
    public abstract LossFusion Fusion { get; }

    /// <summary>
    /// Reports NG0004 when the network does not fit the loss; returns the fusion that applies (<see cref="LossFusion.None"/>
    /// after an error). <paramref name="last"/> is null for a network that ends with its input.
    /// </summary>
    public abstract LossFusion Check(NetworkSpec network, PlannedLayer? last, int outputs, List<ShapeError> diagnostics);

    /// <summary>The rule of each defined loss; null for a value that is not a <c>LossFunction</c> (NG0007 reports it).</summary>
    public static LossRule? For(LossKind kind) => kind switch
    {
        LossKind.MeanSquaredError => MeanSquaredErrorLoss.Instance,
        LossKind.BinaryCrossEntropy => BinaryCrossEntropyLoss.Instance,
        LossKind.SoftmaxCrossEntropy => SoftmaxCrossEntropyLoss.Instance,
        LossKind.MulticlassHinge => MulticlassHingeLoss.Instance,
        _ => null,
    };

    protected static void Mismatch(List<ShapeError> diagnostics, System.FormattableString message) =>
        diagnostics.Add(Messages.Error(DiagnosticId.NG0004, ShapeInference.NetworkAttribute, "Loss", message));

    /// <summary>How a message names the last layer: its kind, or "its Input".</summary>
    protected static string Ending(PlannedLayer? last) => last?.Kind ?? "its Input";
}
