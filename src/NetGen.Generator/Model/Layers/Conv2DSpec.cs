namespace NetGen.Generator.Model;

/// <summary><c>[Conv2D(filters, kernel)]</c> with <c>Stride</c>, <c>Padding</c> and <c>Init</c>.</summary>
internal sealed record Conv2DSpec(int Filters, int Kernel, int Stride = 1, int Padding = 0, InitKind Init = InitKind.Auto) : LayerSpec
{
    public override string Kind => "Conv2D";
}
