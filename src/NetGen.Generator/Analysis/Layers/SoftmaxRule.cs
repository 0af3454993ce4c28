using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>Softmax: normalizes a flat vector, keeps its size.</summary>
internal sealed class SoftmaxRule : LayerRule<SoftmaxSpec>
{
    public static readonly SoftmaxRule Instance = new();

    protected override InitRole Role(SoftmaxSpec layer) => InitRole.Neutral;

    protected override Shape? Output(SoftmaxSpec layer, Shape input, RuleContext context) =>
        FlatVector.Check(layer, input, "normalizes", context) ? input : null;
}
