namespace NetGen.Generator.Model;

/// <summary>
/// <c>[AvgPool2D(size)]</c>; <c>Stride</c> as resolved by the parser (the default 0 becomes <c>size</c>), <c>Padding</c>
/// on each side, not counted in the means.
/// </summary>
internal sealed record AvgPool2DSpec(int Size, int Stride, int Padding) : LayerSpec
{
    public override string Kind => "AvgPool2D";
}
