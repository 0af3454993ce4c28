namespace NetGen.Generator.Model;

/// <summary><c>[BatchNorm]</c> with <c>Momentum</c> and <c>Epsilon</c>.</summary>
internal sealed record BatchNormSpec(double Momentum = 0.9, double Epsilon = 1e-5) : LayerSpec
{
    public override string Kind => "BatchNorm";
}
