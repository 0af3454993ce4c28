using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>AvgPool2D: channels × height × width → channels × height' × width', no parameters.</summary>
internal sealed class AvgPool2DRule : LayerRule<AvgPool2DSpec>
{
    public static readonly AvgPool2DRule Instance = new();

    protected override InitRole Role(AvgPool2DSpec layer) => InitRole.Transparent;

    protected override bool CheckOptions(AvgPool2DSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        WindowGeometry.CheckAveragePooling(check, layer.Size, layer.Stride, layer.Padding);
        return check.Sized;
    }

    protected override Shape? Output(AvgPool2DSpec layer, Shape input, RuleContext context) =>
        WindowGeometry.Output(layer, input, twoD: true, pooling: true, layer.Size, layer.Stride, layer.Padding, input.Rank > 0 ? input[0] : 0, context);
}
