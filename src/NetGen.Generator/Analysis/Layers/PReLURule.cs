using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>PReLU: keeps the shape; <c>α</c> per value, or one when shared.</summary>
internal sealed class PReLURule : LayerRule<PReLUSpec>
{
    public static readonly PReLURule Instance = new();

    protected override InitRole Role(PReLUSpec layer) => InitRole.ReLUFamily;

    protected override bool CheckOptions(PReLUSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        double alpha = context.AsEmitted(layer.InitialAlpha);
        if (double.IsNaN(alpha) || double.IsInfinity(alpha) || context.Underflows(layer.InitialAlpha)) check.Invalid("InitialAlpha", $"InitialAlpha = {context.Value(layer.InitialAlpha)} must be finite.", false);
        return check.Sized;
    }

    protected override void Tensors(PReLUSpec layer, Shape input, Shape output, TensorLayout layout) =>
        layout.Add("α", "alpha", layer.Shared ? 1 : output.Size);
}
