namespace NetGen.Generator.Model;

/// <summary>Error or warning, as the analyzer reports it.</summary>
internal enum Severity
{
    Warning,
    Error,
}

/// <summary>
/// A diagnostic found by shape inference: which attribute (and which of its arguments) is at fault and the message.
/// The generator never reports it; the analyzer maps <see cref="AttributeIndex"/> to a location and reports it.
/// </summary>
/// <c>FixValue</c> is what a code fix needs, e.g. the inferred input size for NG0001; <c>Fix</c> names that fix.
internal sealed record ShapeError(DiagnosticId Code, Severity Severity, int AttributeIndex, string? Argument, string Message, string? FixValue = null)
{
    /// <summary>The code fix that repairs it (<c>Diagnostics.FixHints</c>), or null.</summary>
    public string? Fix { get; init; }

    /// <summary>The id as reported, <c>NG0001</c>.</summary>
    public string Id => Code.ToString();
}

/// <summary>A trainable tensor of a layer and where it sits in the flat parameter buffer.</summary>
internal sealed record TensorPlan(string Name, string Field, int Offset, Shape Shape)
{
    public long Length => Shape.Product;
}

/// <summary>
/// A layer with every size resolved. <c>Number</c> is 1 for the first layer after the input (the input is layer 0);
/// <c>PropertyName</c> names the generated layer property; <c>FusedWithLoss</c> marks the final Softmax or Sigmoid
/// whose backward step the loss does (δ = p − t).
/// </summary>
internal sealed record PlannedLayer(
    int Number,
    LayerSpec Spec,
    string PropertyName,
    Shape InputShape,
    Shape OutputShape,
    EquatableArray<TensorPlan> Tensors,
    int StateOffset,
    int StateCount,
    InitKind ResolvedInit,
    bool Unrolled,
    bool FusedWithLoss = false)
{
    /// <summary>The kind as its attribute is called: <c>Dense</c>, <c>ReLU</c>.</summary>
    public string Kind => Spec.Kind;

    /// <summary>
    /// Whether backprop forms ∂J/∂(this layer's output). Not for a layer fused with the loss: the loss writes the
    /// gradient of its input directly, so a buffer for its own would never be read.
    /// </summary>
    public bool HasOutputGradient => !FusedWithLoss;

    public int InputSize => InputShape.Size;

    public int OutputSize => OutputShape.Size;

    public long ParameterCount
    {
        get
        {
            long count = 0;
            foreach (TensorPlan tensor in Tensors)
            {
                count += tensor.Length;
            }

            return count;
        }
    }
}

/// <summary>How the loss joins the last layer.</summary>
internal enum LossFusion
{
    /// <summary>The loss differentiates the network's output; backprop runs through every layer.</summary>
    None,

    /// <summary>Softmax cross-entropy from the final Softmax's logits: δ = p − y.</summary>
    SoftmaxCrossEntropy,

    /// <summary>Binary cross-entropy from the final Sigmoid's logits: δ = σ(z) − t.</summary>
    SigmoidBinaryCrossEntropy,
}

/// <summary>The network with shapes inferred, ready to emit; or the reasons it cannot run.</summary>
internal sealed record NetworkPlan(
    NetworkSpec Spec,
    EquatableArray<PlannedLayer> Layers,
    Shape InputShape,
    long ParameterCount,
    int StateCount,
    LossFusion Fusion,
    EquatableArray<ShapeError> Diagnostics,
    string? UnsupportedReason)
{
    public int InputSize => InputShape.Size;

    public int OutputSize => Layers.IsEmpty ? InputSize : Layers[Layers.Count - 1].OutputSize;

    public bool HasErrors
    {
        get
        {
            foreach (ShapeError diagnostic in Diagnostics)
            {
                if (diagnostic.Severity == Severity.Error)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Whether code that runs can be emitted; otherwise members throw with <see cref="WhyNotRunnable"/>.</summary>
    public bool IsRunnable => !HasErrors && UnsupportedReason is null && Spec.Problems.IsEmpty;

    public string WhyNotRunnable => UnsupportedReason
        ?? (Spec.Problems.IsEmpty ? null : Spec.Problems[0].Message)
        ?? $"{Spec.ClassName} has errors in its layer attributes (see the NG diagnostics in the build output).";
}
