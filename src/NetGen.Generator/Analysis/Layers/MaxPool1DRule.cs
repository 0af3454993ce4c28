using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>MaxPool1D: channels × length → channels × length', no parameters.</summary>
internal sealed class MaxPool1DRule : LayerRule<MaxPool1DSpec>
{
    public static readonly MaxPool1DRule Instance = new();

    protected override InitRole Role(MaxPool1DSpec layer) => InitRole.Transparent;

    protected override bool CheckOptions(MaxPool1DSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        WindowGeometry.CheckPooling(check, layer.Size, layer.Stride);
        return check.Sized;
    }

    protected override Shape? Output(MaxPool1DSpec layer, Shape input, RuleContext context) =>
        WindowGeometry.Output(layer, input, twoD: false, pooling: true, layer.Size, layer.Stride, padding: 0, input.Rank > 0 ? input[0] : 0, context);
}
