using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>Dropout: keeps the shape, no parameters.</summary>
internal sealed class DropoutRule : LayerRule<DropoutSpec>
{
    public static readonly DropoutRule Instance = new();

    protected override InitRole Role(DropoutSpec layer) => InitRole.Transparent;

    // Each value is checked as it will be emitted: in single precision after the cast to float, where
    // Dropout(0.99999999) is 1.
    protected override bool CheckOptions(DropoutSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        if (!(context.AsEmitted(layer.Rate) is >= 0 and < 1) || context.Underflows(layer.Rate)) check.Invalid("rate", $"rate = {context.Value(layer.Rate)} is the probability of dropping a value and must be in [0, 1).", false);
        return check.Sized;
    }
}
