using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>AvgPool1D: channels × length → channels × length', no parameters.</summary>
internal sealed class AvgPool1DRule : LayerRule<AvgPool1DSpec>
{
    public static readonly AvgPool1DRule Instance = new();

    protected override InitRole Role(AvgPool1DSpec layer) => InitRole.Transparent;

    protected override bool CheckOptions(AvgPool1DSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        WindowGeometry.CheckAveragePooling(check, layer.Size, layer.Stride, layer.Padding);
        return check.Sized;
    }

    protected override Shape? Output(AvgPool1DSpec layer, Shape input, RuleContext context) =>
        WindowGeometry.Output(layer, input, twoD: false, pooling: true, layer.Size, layer.Stride, layer.Padding, input.Rank > 0 ? input[0] : 0, context);
}
