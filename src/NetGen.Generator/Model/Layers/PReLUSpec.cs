namespace NetGen.Generator.Model;

/// <summary><c>[PReLU]</c>: a learned slope α per unit, or one <c>Shared</c> α, starting at <c>InitialAlpha</c>.</summary>
internal sealed record PReLUSpec(bool Shared = false, double InitialAlpha = 0.25) : LayerSpec
{
    public override string Kind => "PReLU";
}
