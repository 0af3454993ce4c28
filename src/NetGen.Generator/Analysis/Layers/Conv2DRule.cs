using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>Conv2D: channels × height × width → filters × height' × width'; <c>W [filters × C × k × k]</c> then <c>b [filters]</c>.</summary>
internal sealed class Conv2DRule : LayerRule<Conv2DSpec>
{
    public static readonly Conv2DRule Instance = new();

    protected override InitRole Role(Conv2DSpec layer) => InitRole.Neutral;

    protected override bool CheckOptions(Conv2DSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        WindowGeometry.CheckConvolution(check, layer.Filters, layer.Kernel, layer.Stride, layer.Padding, layer.Init);
        return check.Sized;
    }

    protected override Shape? Output(Conv2DSpec layer, Shape input, RuleContext context) =>
        WindowGeometry.Output(layer, input, twoD: true, pooling: false, layer.Kernel, layer.Stride, layer.Padding, layer.Filters, context);

    protected override IEnumerable<(long Length, string What)> Buffers(Conv2DSpec layer, Shape input, Shape output) =>
        WindowGeometry.ConvolutionBuffers(layer.Filters, (long)input[0] * layer.Kernel * layer.Kernel, output);

    protected override void Tensors(Conv2DSpec layer, Shape input, Shape output, TensorLayout layout)
    {
        layout.Add("W", "W", layer.Filters, input[0], layer.Kernel, layer.Kernel);
        layout.Add("b", "b", layer.Filters);
    }

    protected override InitKind? Init(Conv2DSpec layer) => layer.Init;
}
