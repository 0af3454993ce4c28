using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>
/// Emits one layer kind: its forward and backward code side by side, under the same sentence, with the math in the
/// comment above each block.
/// </summary>
internal abstract class LayerEmitter
{
    /// <summary>The spec type this emitter writes.</summary>
    public abstract System.Type SpecType { get; }

    /// <summary>The English sentence that starts the layer's forward and backward blocks, e.g. <c>Dense 784 → 256</c>.</summary>
    public abstract string Sentence(PlannedLayer layer);

    /// <summary>The forward math with shapes, e.g. <c>A1[B×256] = A0[B×784] · W1ᵀ[784×256] + b1</c>.</summary>
    public abstract string ForwardMath(PlannedLayer layer);

    /// <summary>The backward math, e.g. <c>dW1 += dA1ᵀ · A0;  dA0 = dA1 · W1</c>.</summary>
    public abstract string BackwardMath(PlannedLayer layer);

    /// <summary>The math of the training step's backward pass: <see cref="BackwardMath"/>, unless the layer writes its parameter gradients.</summary>
    public virtual string TrainingBackwardMath(PlannedLayer layer, EmitContext context) => BackwardMath(layer);

    public virtual IEnumerable<BatchBuffer> BatchBuffers(PlannedLayer layer) => System.Array.Empty<BatchBuffer>();

    public virtual IEnumerable<FixedBuffer> FixedBuffers(PlannedLayer layer) => System.Array.Empty<FixedBuffer>();

    /// <summary>
    /// The tangent math (forward-mode derivative along the input and parameter tangents), e.g.
    /// <c>Ȧ1 = Ȧ0 · W1ᵀ + A0 · Ẇ1ᵀ + ḃ1</c>: the comment under the layer's sentence in <c>ForwardTangent</c>.
    /// </summary>
    public abstract string TangentMath(PlannedLayer layer);

    /// <summary>
    /// Writes the layer's tangent statement, after its forward statement: <c>tA{n}</c> (Ȧn) from <c>tA{n−1}</c>, the forward
    /// values, and the parameter tangents <c>tW{n}</c>, <c>tb{n}</c>, … (spans of <c>parameterTangents</c>, empty when it is
    /// empty, which means 0). The forward pass in <c>ForwardTangent</c> runs in either mode (<c>training</c>).
    /// </summary>
    public abstract void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context);

    /// <summary>The span locals <see cref="Tangent"/> uses, forward values and tangents alike (<c>a1</c>, <c>tA1</c>, <c>tW2</c>, …).</summary>
    public abstract IEnumerable<string> TangentSpans(PlannedLayer layer);

    /// <summary>Per-batch buffers only the tangent pass needs (Maxout's ż), allocated the first time a workspace computes tangents.</summary>
    public virtual IEnumerable<BatchBuffer> TangentBuffers(PlannedLayer layer) => System.Array.Empty<BatchBuffer>();

    public abstract void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context);

    public abstract void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context);

    /// <summary>
    /// Writes the layer's backward step in inference mode, for <c>InputGradients</c>: <c>dA(n−1)</c> from <c>dAn</c> with the
    /// parameters, running statistics and what the inference forward kept, and no parameter gradient. Every layer writes
    /// its input's gradient, the first one into <c>dA0</c>, the caller's <c>gradients</c>; a layer fused with the loss has
    /// its gradient written by the loss.
    /// </summary>
    public abstract void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context);

    /// <summary>The span locals <see cref="InputGradients"/> uses: <c>dAn</c> and <c>dA(n−1)</c> by default.</summary>
    public virtual IEnumerable<string> InputGradientsSpans(PlannedLayer layer) => new[] { DA(layer.Number), DA(layer.Number - 1) };

    /// <summary>
    /// The span locals <see cref="Forward"/> uses (<c>a2</c>, <c>mask3</c>, …), so that the forward pass declares exactly
    /// those: its input and output by default.
    /// </summary>
    public virtual IEnumerable<string> ForwardSpans(PlannedLayer layer) => new[] { A(layer.Number - 1), A(layer.Number) };

    /// <summary>The span locals <see cref="Backward"/> uses; none when it writes nothing.</summary>
    public abstract IEnumerable<string> BackwardSpans(PlannedLayer layer);

    /// <summary>The ONNX nodes the layer becomes, for the comment above its export, e.g. <c>Gemm(A0, W1, b1, transB = 1)</c>.</summary>
    public abstract string OnnxMath(PlannedLayer layer);

    /// <summary>
    /// Writes the layer's part of the ONNX inference graph: one call on the <c>graph</c> builder with constant sizes
    /// (nothing for a layer that inference leaves out).
    /// </summary>
    public abstract void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context);

    /// <summary>Writes the initialization of the layer's parameters and state; nothing by default.</summary>
    public virtual void Initialize(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
    }

    /// <summary>
    /// The kind's parameter layout for the <c>Parameters</c> summary when it is not the plain <c>W</c> then <c>b</c>
    /// (DESIGN §3), e.g. <c>Conv2D W [filters × channels × k × k] then b [filters]</c>; null otherwise.
    /// </summary>
    public virtual string? ParameterLayout => null;

    /// <summary>The layer in the one-line architecture string, e.g. <c>Dense(256)</c>.</summary>
    public virtual string Signature(PlannedLayer layer) => $"{layer.Kind}";

    protected static string N(int value) => Literals.Int(value);

    protected static string Values(int count) => count == 1 ? "1 value" : $"{N(count)} values";

    protected static string A(int number) => EmitContext.A(number);

    protected static string DA(int number) => EmitContext.DA(number);

    protected static string M(int number) => EmitContext.Math(number);

    protected static string Shape(PlannedLayer layer) => layer.OutputShape.Text;

    /// <summary><c>tA2</c>: the tangent Ȧ2 of layer 2's output (<c>tA0</c> is the input tangent).</summary>
    protected static string TA(int number) => EmitContext.TA(number);

    /// <summary><c>tW2</c>: the tangent of a layer's tensor, the span of <c>parameterTangents</c> at its offset.</summary>
    protected static string TP(PlannedLayer layer, string name) => EmitContext.TangentOf(layer, name);

    /// <summary>A math name with a dot above (<c>Ȧ1</c>, <c>Ẇ2</c>, <c>ḃ2</c>, <c>γ̇3</c>): its tangent.</summary>
    protected static string Dot(string name) => EmitContext.Dot(name);

    /// <summary><c>dA2</c>, or nothing for the first layer, whose input needs no gradient.</summary>
    protected static IEnumerable<string> InputGradient(PlannedLayer layer) =>
        layer.Number == 1 ? System.Array.Empty<string>() : new[] { DA(layer.Number - 1) };

    /// <summary>
    /// A final Softmax or Sigmoid fused with the loss: the loss wrote <c>dA(n−1)</c> = (An − T)/B, except for a first
    /// layer, whose input gradient the loss does not write (training never needs it), so it is written here.
    /// </summary>
    protected static void FusedInputGradients(SourceWriter writer, PlannedLayer layer)
    {
        if (layer.Number == 1)
        {
            writer.Line("// the gradient the fused loss writes to its logits, here the inputs: dA0 = (A1 − T)/B");
            using (writer.Block("for (int i = 0; i < dA0.Length; i++)"))
            {
                writer.Line("dA0[i] = (a1[i] - targets[i]) / batch;");
            }
        }
    }

    /// <summary>The spans <see cref="FusedInputGradients"/> uses.</summary>
    protected static IEnumerable<string> FusedInputGradientsSpans(PlannedLayer layer) =>
        layer.Number == 1 ? new[] { A(1) } : System.Array.Empty<string>();

    /// <summary>The layer's name in the ONNX graph (its nodes, values and initializers): the generated property name.</summary>
    protected static string OnnxName(PlannedLayer layer) => Literals.String(layer.PropertyName);

    /// <summary>
    /// The emitter of each kind. Exhaustive: a spec type without an emitter is a bug in the generator (the completeness
    /// test finds it), never a plausible default.
    /// </summary>
    public static LayerEmitter For(LayerSpec layer) => layer switch
    {
        DenseSpec => DenseEmitter.Instance,
        MaxoutSpec => MaxoutEmitter.Instance,
        BatchNormSpec => BatchNormEmitter.Instance,
        DropoutSpec => DropoutEmitter.Instance,
        FlattenSpec => FlattenEmitter.Instance,
        PReLUSpec => PReLUEmitter.Instance,
        SoftmaxSpec => SoftmaxEmitter.Instance,
        Conv2DSpec => Conv2DEmitter.Instance,
        MaxPool2DSpec => MaxPool2DEmitter.Instance,
        Conv1DSpec => Conv1DEmitter.Instance,
        MaxPool1DSpec => MaxPool1DEmitter.Instance,
        AvgPool2DSpec => AvgPool2DEmitter.Instance,
        AvgPool1DSpec => AvgPool1DEmitter.Instance,
        GlobalAvgPoolSpec => GlobalAvgPoolEmitter.Instance,
        ActivationSpec => ActivationEmitter.Instance,
        _ => throw new System.ArgumentOutOfRangeException(nameof(layer), layer.GetType().Name, "No emitter for this layer kind: add one in Emit/Layers and register it in LayerEmitter.For."),
    };
}

/// <summary>The typed base of every emitter: <see cref="Spec"/> gives the kind's own spec record.</summary>
internal abstract class LayerEmitter<TSpec> : LayerEmitter
    where TSpec : LayerSpec
{
    public sealed override System.Type SpecType => typeof(TSpec);

    /// <summary>The layer's options, as its kind's spec record.</summary>
    protected static TSpec Spec(PlannedLayer layer) => (TSpec)layer.Spec;
}
