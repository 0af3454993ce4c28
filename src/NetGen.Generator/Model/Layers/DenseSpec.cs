namespace NetGen.Generator.Model;

/// <summary><c>[Dense(units)]</c> with <c>Init</c>, <c>Bias</c> and the stated <c>Inputs</c> (0: not stated).</summary>
internal sealed record DenseSpec(int Units, InitKind Init = InitKind.Auto, bool Bias = true, int Inputs = 0) : LayerSpec
{
    public override string Kind => "Dense";
}
