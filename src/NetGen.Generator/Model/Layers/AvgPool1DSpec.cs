namespace NetGen.Generator.Model;

/// <summary>
/// <c>[AvgPool1D(size)]</c>; <c>Stride</c> as resolved by the parser (the default 0 becomes <c>size</c>), <c>Padding</c>
/// at each end, not counted in the means.
/// </summary>
internal sealed record AvgPool1DSpec(int Size, int Stride, int Padding) : LayerSpec
{
    public override string Kind => "AvgPool1D";
}
