namespace NetGen.Generator.Model;

/// <summary>The element-wise activations without parameters, named as their attributes.</summary>
internal enum ActivationFunction
{
    ReLU,
    LeakyReLU,
    ELU,
    Sigmoid,
    Tanh,
}

/// <summary><c>[ReLU]</c>, <c>[LeakyReLU(alpha)]</c>, <c>[ELU(alpha)]</c>, <c>[Sigmoid]</c>, <c>[Tanh]</c>; <c>Alpha</c> is 0 for those without one.</summary>
internal sealed record ActivationSpec(ActivationFunction Function, double Alpha = 0) : LayerSpec
{
    public override string Kind => Function.ToString();

    /// <summary>Whether the function has the <c>alpha</c> argument.</summary>
    public bool HasAlpha => Function is ActivationFunction.LeakyReLU or ActivationFunction.ELU;
}
