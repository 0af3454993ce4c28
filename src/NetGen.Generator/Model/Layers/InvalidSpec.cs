namespace NetGen.Generator.Model;

/// <summary>A layer attribute that could not be read (the compiler reports why).</summary>
internal sealed record InvalidSpec : LayerSpec
{
    public override string Kind => "Invalid";
}
