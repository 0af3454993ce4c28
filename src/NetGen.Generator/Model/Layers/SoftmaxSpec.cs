namespace NetGen.Generator.Model;

/// <summary><c>[Softmax]</c>.</summary>
internal sealed record SoftmaxSpec : LayerSpec
{
    public override string Kind => "Softmax";
}
