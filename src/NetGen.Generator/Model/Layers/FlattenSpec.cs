namespace NetGen.Generator.Model;

/// <summary><c>[Flatten]</c>.</summary>
internal sealed record FlattenSpec : LayerSpec
{
    public override string Kind => "Flatten";
}
