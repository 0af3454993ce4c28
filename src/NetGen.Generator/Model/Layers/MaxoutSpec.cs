namespace NetGen.Generator.Model;

/// <summary><c>[Maxout(units, pieces)]</c>: the max over <c>pieces</c> affine maps per unit.</summary>
internal sealed record MaxoutSpec(int Units, int Pieces = 2, InitKind Init = InitKind.Auto) : LayerSpec
{
    public override string Kind => "Maxout";
}
