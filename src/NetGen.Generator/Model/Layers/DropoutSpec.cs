namespace NetGen.Generator.Model;

/// <summary><c>[Dropout(rate)]</c>.</summary>
internal sealed record DropoutSpec(double Rate) : LayerSpec
{
    public override string Kind => "Dropout";
}
