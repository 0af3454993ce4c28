using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>Conv1D: channels × length → filters × length'; <c>W [filters × C × k]</c> then <c>b [filters]</c>.</summary>
internal sealed class Conv1DRule : LayerRule<Conv1DSpec>
{
    public static readonly Conv1DRule Instance = new();

    protected override InitRole Role(Conv1DSpec layer) => InitRole.Neutral;

    protected override bool CheckOptions(Conv1DSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        WindowGeometry.CheckConvolution(check, layer.Filters, layer.Kernel, layer.Stride, layer.Padding, layer.Init);
        return check.Sized;
    }

    protected override Shape? Output(Conv1DSpec layer, Shape input, RuleContext context) =>
        WindowGeometry.Output(layer, input, twoD: false, pooling: false, layer.Kernel, layer.Stride, layer.Padding, layer.Filters, context);

    protected override IEnumerable<(long Length, string What)> Buffers(Conv1DSpec layer, Shape input, Shape output) =>
        WindowGeometry.ConvolutionBuffers(layer.Filters, (long)input[0] * layer.Kernel, output);

    protected override void Tensors(Conv1DSpec layer, Shape input, Shape output, TensorLayout layout)
    {
        layout.Add("W", "W", layer.Filters, input[0], layer.Kernel);
        layout.Add("b", "b", layer.Filters);
    }

    protected override InitKind? Init(Conv1DSpec layer) => layer.Init;
}
