namespace NetGen.Generator.Model;

/// <summary><c>[GlobalAvgPool]</c>: the mean of each channel's map, <c>C × H × W → C</c> or <c>C × L → C</c>.</summary>
internal sealed record GlobalAvgPoolSpec : LayerSpec
{
    public override string Kind => "GlobalAvgPool";
}
