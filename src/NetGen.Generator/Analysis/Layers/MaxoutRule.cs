using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>Maxout: <c>units × pieces</c> affine maps of a flat input, the max of each unit's pieces; He by default.</summary>
internal sealed class MaxoutRule : LayerRule<MaxoutSpec>
{
    public static readonly MaxoutRule Instance = new();

    // The layer is its own activation, ReLU-like: He initialization (and a Dense before it too).
    protected override InitRole Role(MaxoutSpec layer) => InitRole.ReLUFamily;

    protected override bool CheckOptions(MaxoutSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        if (layer.Units <= 0) check.Invalid("units", $"units = {layer.Units}, but a layer needs at least 1 unit.", true);
        if (layer.Pieces <= 0) check.Invalid("pieces", $"pieces = {layer.Pieces}, but each unit needs at least 1 piece.", true);
        check.Init(layer.Init);
        return check.Sized;
    }

    protected override Shape? Output(MaxoutSpec layer, Shape input, RuleContext context) =>
        FlatVector.Check(layer, input, "needs", context) ? Shape.Of(layer.Units) : null;

    protected override IEnumerable<(long Length, string What)> Buffers(MaxoutSpec layer, Shape input, Shape output)
    {
        long rows = (long)layer.Units * layer.Pieces;
        yield return (rows, "its units × pieces");
        yield return (rows * input.Product, "its weights W");
    }

    protected override void Tensors(MaxoutSpec layer, Shape input, Shape output, TensorLayout layout)
    {
        layout.Add("W", "W", layer.Units * layer.Pieces, input.Size);
        layout.Add("b", "b", layer.Units * layer.Pieces);
    }

    protected override InitKind? Init(MaxoutSpec layer) => layer.Init;

    protected override void CheckInSequence(MaxoutSpec spec, PlannedLayer layer, PlannedLayer? previous, List<ShapeError> diagnostics)
    {
        if (spec.Pieces == 1)
        {
            diagnostics.Add(Messages.Warning(DiagnosticId.NG0017, spec.AttributeIndex, "pieces", $"{LayerNames.Describe(spec)} has 1 piece: the max over one affine map is that map, so this is a Dense({Messages.Int(spec.Units)}) with no activation. Use pieces ≥ 2 (the default is 2), or [Dense({Messages.Int(spec.Units)})]."));
        }
    }
}
