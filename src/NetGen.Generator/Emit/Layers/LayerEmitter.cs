using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>
/// Emits one layer kind: its forward and backward code side by side, under the same sentence, with the math in the
/// comment above each block.
/// </summary>
internal abstract class LayerEmitter
{
    /// <summary>The English sentence that starts the layer's forward and backward blocks, e.g. <c>Dense 784 → 256</c>.</summary>
    public abstract string Sentence(PlannedLayer layer);

    /// <summary>The forward math with shapes, e.g. <c>A1[B×256] = A0[B×784] · W1ᵀ[784×256] + b1</c>.</summary>
    public abstract string ForwardMath(PlannedLayer layer);

    /// <summary>The backward math, e.g. <c>dW1 += dA1ᵀ · A0;  dA0 = dA1 · W1</c>.</summary>
    public abstract string BackwardMath(PlannedLayer layer);

    public virtual IEnumerable<BatchBuffer> BatchBuffers(PlannedLayer layer) => System.Array.Empty<BatchBuffer>();

    public virtual IEnumerable<FixedBuffer> FixedBuffers(PlannedLayer layer) => System.Array.Empty<FixedBuffer>();

    public abstract void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context);

    public abstract void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context);

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

    /// <summary>The layer in the one-line architecture string, e.g. <c>Dense(256)</c>.</summary>
    public virtual string Signature(PlannedLayer layer) => $"{layer.Kind}";

    protected static string N(int value) => Literals.Int(value);

    protected static string Values(int count) => count == 1 ? "1 value" : $"{N(count)} values";

    protected static string A(int number) => EmitContext.A(number);

    protected static string DA(int number) => EmitContext.DA(number);

    protected static string M(int number) => EmitContext.Math(number);

    protected static string Shape(PlannedLayer layer) => Analysis.ShapeInference.Dims(layer.OutputShape);

    /// <summary>The layer's name in the ONNX graph (its nodes, values and initializers): the generated property name.</summary>
    protected static string OnnxName(PlannedLayer layer) => Literals.String(layer.PropertyName);

    /// <summary>The emitter of each kind. Exhaustive: an unknown kind is a bug in the generator, never a plausible default.</summary>
    public static LayerEmitter For(LayerKind kind) => kind switch
    {
        LayerKind.Dense => DenseEmitter.Instance,
        LayerKind.Maxout => MaxoutEmitter.Instance,
        LayerKind.BatchNorm => BatchNormEmitter.Instance,
        LayerKind.Dropout => DropoutEmitter.Instance,
        LayerKind.Flatten => FlattenEmitter.Instance,
        LayerKind.PReLU => PReLUEmitter.Instance,
        LayerKind.Softmax => SoftmaxEmitter.Instance,
        LayerKind.Conv2D => Conv2DEmitter.Instance,
        LayerKind.MaxPool2D => MaxPool2DEmitter.Instance,
        LayerKind.Conv1D => Conv1DEmitter.Instance,
        LayerKind.MaxPool1D => MaxPool1DEmitter.Instance,
        LayerKind.ReLU or LayerKind.LeakyReLU or LayerKind.ELU or LayerKind.Sigmoid or LayerKind.Tanh => ActivationEmitter.Instance,
        _ => throw new System.ArgumentOutOfRangeException(nameof(kind), kind, "No emitter for this layer kind."),
    };
}
