using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>How a layer counts when <c>Init.Auto</c> looks for the activation after a weighted layer.</summary>
internal enum InitRole
{
    /// <summary>Ends the search without being an activation either way (Dense, a convolution, Softmax).</summary>
    Neutral,

    /// <summary>Looked past (BatchNorm, Dropout, Flatten, pooling).</summary>
    Transparent,

    /// <summary>A ReLU-family activation: He initialization before it.</summary>
    ReLUFamily,

    /// <summary>A squashing activation (Tanh, Sigmoid): Glorot initialization before it.</summary>
    Squashing,
}

/// <summary>
/// What shape inference knows about one layer kind: its options (NG0007), its output shape (NG0001, NG0002, NG0008),
/// the buffers whose size must fit an array, the tensors it owns in the DESIGN §3 layout, and its role for
/// <c>Init.Auto</c>. One subclass per kind, registered in <see cref="For"/>.
/// </summary>
internal abstract class LayerRule
{
    /// <summary>The spec type this rule is for.</summary>
    public abstract System.Type SpecType { get; }

    /// <summary>Reports NG0007 for each invalid option; false when the layer's size cannot be known.</summary>
    public abstract bool CheckOptions(LayerSpec layer, RuleContext context);

    /// <summary>The output shape for one sample, or null after reporting why there is none.</summary>
    public abstract Shape? Output(LayerSpec layer, Shape input, RuleContext context);

    /// <summary>Per-sample buffers besides the output that must fit one array: weights, workspaces.</summary>
    public abstract IEnumerable<(long Length, string What)> Buffers(LayerSpec layer, Shape input, Shape output);

    /// <summary>Adds the layer's trainable tensors in the DESIGN §3 order, and its non-trainable state.</summary>
    public abstract void Tensors(LayerSpec layer, Shape input, Shape output, TensorLayout layout);

    /// <summary>How the layer counts when a weighted layer before it resolves <c>Init.Auto</c>.</summary>
    public abstract InitRole Role(LayerSpec layer);

    /// <summary>The layer's weight initialization as declared, or null for a layer without weights.</summary>
    public abstract InitKind? Init(LayerSpec layer);

    /// <summary>Whether the layer's forward and backward are written out as scalar statements.</summary>
    public abstract bool Unrolled(LayerSpec layer, Shape input, int unrollLimit);

    /// <summary>Warnings about the layer in its place in the network (NG0017–NG0019); nothing by default.</summary>
    public abstract void CheckInSequence(PlannedLayer layer, PlannedLayer? previous, List<ShapeError> diagnostics);

    /// <summary>
    /// The rule of each layer kind. Exhaustive: a spec type without a rule is a bug in the generator (the completeness
    /// test finds it), never a plausible default.
    /// </summary>
    public static LayerRule For(LayerSpec layer) => layer switch
    {
        DenseSpec => DenseRule.Instance,
        MaxoutSpec => MaxoutRule.Instance,
        BatchNormSpec => BatchNormRule.Instance,
        DropoutSpec => DropoutRule.Instance,
        ActivationSpec => ActivationRule.Instance,
        PReLUSpec => PReLURule.Instance,
        SoftmaxSpec => SoftmaxRule.Instance,
        FlattenSpec => FlattenRule.Instance,
        Conv2DSpec => Conv2DRule.Instance,
        Conv1DSpec => Conv1DRule.Instance,
        MaxPool2DSpec => MaxPool2DRule.Instance,
        MaxPool1DSpec => MaxPool1DRule.Instance,
        AvgPool2DSpec => AvgPool2DRule.Instance,
        AvgPool1DSpec => AvgPool1DRule.Instance,
        GlobalAvgPoolSpec => GlobalAvgPoolRule.Instance,
        _ => throw new System.ArgumentOutOfRangeException(nameof(layer), layer.GetType().Name, "No shape rule for this layer kind: add one in Analysis/Layers and register it in LayerRule.For."),
    };
}

/// <summary>The typed base of every rule: the overrides receive the kind's own spec record.</summary>
internal abstract class LayerRule<TSpec> : LayerRule
    where TSpec : LayerSpec
{
    public sealed override System.Type SpecType => typeof(TSpec);

    public sealed override bool CheckOptions(LayerSpec layer, RuleContext context) => CheckOptions((TSpec)layer, context);

    public sealed override Shape? Output(LayerSpec layer, Shape input, RuleContext context) => Output((TSpec)layer, input, context);

    public sealed override IEnumerable<(long Length, string What)> Buffers(LayerSpec layer, Shape input, Shape output) => Buffers((TSpec)layer, input, output);

    public sealed override void Tensors(LayerSpec layer, Shape input, Shape output, TensorLayout layout) => Tensors((TSpec)layer, input, output, layout);

    public sealed override InitKind? Init(LayerSpec layer) => Init((TSpec)layer);

    public sealed override InitRole Role(LayerSpec layer) => Role((TSpec)layer);

    public sealed override bool Unrolled(LayerSpec layer, Shape input, int unrollLimit) => Unrolled((TSpec)layer, input, unrollLimit);

    public sealed override void CheckInSequence(PlannedLayer layer, PlannedLayer? previous, List<ShapeError> diagnostics) => CheckInSequence((TSpec)layer.Spec, layer, previous, diagnostics);

    protected virtual bool CheckOptions(TSpec layer, RuleContext context) => true;

    /// <summary>The input shape by default (BatchNorm, Dropout, the element-wise activations).</summary>
    protected virtual Shape? Output(TSpec layer, Shape input, RuleContext context) => input;

    protected virtual IEnumerable<(long Length, string What)> Buffers(TSpec layer, Shape input, Shape output) => System.Array.Empty<(long, string)>();

    protected virtual void Tensors(TSpec layer, Shape input, Shape output, TensorLayout layout)
    {
    }

    protected abstract InitRole Role(TSpec layer);

    protected virtual InitKind? Init(TSpec layer) => null;

    protected virtual bool Unrolled(TSpec layer, Shape input, int unrollLimit) => false;

    protected virtual void CheckInSequence(TSpec spec, PlannedLayer layer, PlannedLayer? previous, List<ShapeError> diagnostics)
    {
    }
}
