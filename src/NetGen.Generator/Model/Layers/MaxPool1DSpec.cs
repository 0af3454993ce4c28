namespace NetGen.Generator.Model;

/// <summary><c>[MaxPool1D(size)]</c>; <c>Stride</c> as resolved by the parser (the default 0 becomes <c>size</c>).</summary>
internal sealed record MaxPool1DSpec(int Size, int Stride) : LayerSpec
{
    public override string Kind => "MaxPool1D";
}
