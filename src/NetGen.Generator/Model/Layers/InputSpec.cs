namespace NetGen.Generator.Model;

/// <summary><c>[Input(shape)]</c>: the shape of one sample (no dimensions for <c>[Input(null)]</c>, NG0007).</summary>
internal sealed record InputSpec(EquatableArray<int> Shape) : LayerSpec
{
    public override string Kind => "Input";
}
