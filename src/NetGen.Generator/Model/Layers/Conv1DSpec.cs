namespace NetGen.Generator.Model;

/// <summary><c>[Conv1D(filters, kernel)]</c> with <c>Stride</c>, <c>Padding</c> and <c>Init</c>.</summary>
internal sealed record Conv1DSpec(int Filters, int Kernel, int Stride = 1, int Padding = 0, InitKind Init = InitKind.Auto) : LayerSpec
{
    public override string Kind => "Conv1D";
}
