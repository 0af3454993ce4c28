using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>ReLU, LeakyReLU, ELU, Sigmoid, Tanh: element-wise, keep the shape, no parameters.</summary>
internal sealed class ActivationRule : LayerRule<ActivationSpec>
{
    public static readonly ActivationRule Instance = new();

    // Sigmoid and Tanh squash; the others are ReLU-like.
    protected override InitRole Role(ActivationSpec layer) => layer.Function switch
    {
        ActivationFunction.ReLU or ActivationFunction.LeakyReLU or ActivationFunction.ELU => InitRole.ReLUFamily,
        ActivationFunction.Sigmoid or ActivationFunction.Tanh => InitRole.Squashing,
        _ => throw new System.ArgumentOutOfRangeException(nameof(layer), layer.Function, "Not an activation function."),
    };

    // ELU(1e39) is ∞ as a float: checked as emitted.
    protected override bool CheckOptions(ActivationSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        double alpha = context.AsEmitted(layer.Alpha);
        if (layer.HasAlpha && (!(alpha >= 0) || double.IsInfinity(alpha) || context.Underflows(layer.Alpha))) check.Invalid("alpha", $"alpha = {context.Value(layer.Alpha)} must be a finite number ≥ 0.", false);
        return check.Sized;
    }
}
