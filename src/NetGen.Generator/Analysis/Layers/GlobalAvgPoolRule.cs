using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>GlobalAvgPool: channels × height × width (or channels × length) → channels, no parameters.</summary>
internal sealed class GlobalAvgPoolRule : LayerRule<GlobalAvgPoolSpec>
{
    public static readonly GlobalAvgPoolRule Instance = new();

    protected override InitRole Role(GlobalAvgPoolSpec layer) => InitRole.Transparent;

    protected override Shape? Output(GlobalAvgPoolSpec layer, Shape input, RuleContext context)
    {
        if (input.Rank is 2 or 3)
        {
            return Shape.Of(input[0]);
        }

        context.Error(DiagnosticId.NG0008, layer, null, $"{LayerNames.Describe(layer)} averages each channel's map, so it needs a channels × height × width or channels × length input (e.g. after a convolution) but receives [{input.Text}]. {context.Trail}");
        return null;
    }
}
