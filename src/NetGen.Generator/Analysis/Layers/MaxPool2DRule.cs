using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>MaxPool2D: channels × height × width → channels × height' × width', no parameters.</summary>
internal sealed class MaxPool2DRule : LayerRule<MaxPool2DSpec>
{
    public static readonly MaxPool2DRule Instance = new();

    protected override InitRole Role(MaxPool2DSpec layer) => InitRole.Transparent;

    protected override bool CheckOptions(MaxPool2DSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        WindowGeometry.CheckPooling(check, layer.Size, layer.Stride);
        return check.Sized;
    }

    protected override Shape? Output(MaxPool2DSpec layer, Shape input, RuleContext context) =>
        WindowGeometry.Output(layer, input, twoD: true, pooling: true, layer.Size, layer.Stride, padding: 0, input.Rank > 0 ? input[0] : 0, context);
}
