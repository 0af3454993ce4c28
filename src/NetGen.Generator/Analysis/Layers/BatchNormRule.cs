using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>BatchNorm: keeps the shape; <c>γ</c>, <c>β</c> per channel (the first dimension), running mean and variance as state.</summary>
internal sealed class BatchNormRule : LayerRule<BatchNormSpec>
{
    public static readonly BatchNormRule Instance = new();

    protected override InitRole Role(BatchNormSpec layer) => InitRole.Transparent;

    protected override bool CheckOptions(BatchNormSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        double momentum = context.AsEmitted(layer.Momentum), epsilon = context.AsEmitted(layer.Epsilon);
        if (!(momentum is >= 0 and < 1) || context.Underflows(layer.Momentum)) check.Invalid("Momentum", $"Momentum = {context.Value(layer.Momentum)} must be in [0, 1).", false);
        if (!(epsilon > 0) || double.IsInfinity(epsilon)) check.Invalid("Epsilon", $"Epsilon = {context.Value(layer.Epsilon)} must be a finite number > 0.", false);
        return check.Sized;
    }

    protected override void Tensors(BatchNormSpec layer, Shape input, Shape output, TensorLayout layout)
    {
        layout.Add("γ", "gamma", output[0]);
        layout.Add("β", "beta", output[0]);
        layout.State(2 * output[0]);
    }

    protected override void CheckInSequence(BatchNormSpec spec, PlannedLayer layer, PlannedLayer? previous, List<ShapeError> diagnostics)
    {
        if (previous?.Spec is BatchNormSpec)
        {
            diagnostics.Add(Messages.Warning(DiagnosticId.NG0019, spec.AttributeIndex, null, $"{LayerNames.Describe(spec)} directly follows {LayerNames.Describe(previous.Spec)}: the first already gives every feature mean β and scale γ, so the second only renormalizes what the first produced (twice the parameters, no new effect). Remove one, or put an activation between them."));
        }
    }
}
