using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>Flatten: any shape to a flat vector of the same values.</summary>
internal sealed class FlattenRule : LayerRule<FlattenSpec>
{
    public static readonly FlattenRule Instance = new();

    protected override InitRole Role(FlattenSpec layer) => InitRole.Transparent;

    protected override Shape? Output(FlattenSpec layer, Shape input, RuleContext context) => Shape.Of(input.Size);

    protected override void CheckInSequence(FlattenSpec spec, PlannedLayer layer, PlannedLayer? previous, List<ShapeError> diagnostics)
    {
        if (layer.InputShape.Rank == 1)
        {
            string why = previous?.Spec is FlattenSpec
                ? "directly follows another [Flatten]"
                : $"receives a flat vector of {Messages.Int(layer.InputShape[0])} values";
            diagnostics.Add(Messages.Warning(DiagnosticId.NG0018, spec.AttributeIndex, null, $"{LayerNames.Describe(spec)} {why}: there is nothing to flatten, so it does nothing. Remove it."));
        }
    }
}
