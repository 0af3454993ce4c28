using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>Names and literals shared by the emitters, so that every file calls a buffer by the same name.</summary>
internal sealed class EmitContext
{
    public EmitContext(NetworkPlan plan)
    {
        Plan = plan;
        T = plan.Spec.DoublePrecision ? "double" : "float";
    }

    public NetworkPlan Plan { get; }

    /// <summary>The number type: <c>float</c> or <c>double</c>.</summary>
    public string T { get; }

    public string Real(double value) => Literals.Real(value, Plan.Spec.DoublePrecision);

    public static string Int(int value) => Literals.Int(value);

    /// <summary>Output of layer <paramref name="number"/> as a local span (<c>a0</c> is the input).</summary>
    public static string A(int number) => "a" + Int(number);

    /// <summary>Tangent (forward-mode derivative) of the output of layer <paramref name="number"/>: <c>tA2</c>.</summary>
    public static string TA(int number) => "tA" + Int(number);

    /// <summary>The tangent of a layer's tensor <paramref name="name"/> (<c>W</c>, <c>γ</c>, …) as a local span: <c>tW2</c>, <c>tgamma3</c>.</summary>
    public static string TangentOf(PlannedLayer layer, string name)
    {
        foreach (TensorPlan tensor in layer.Tensors)
        {
            if (tensor.Name == name)
            {
                return "t" + tensor.Field;
            }
        }

        throw new KeyNotFoundException($"Layer {layer.Number} has no tensor {name}.");
    }

    /// <summary>A math name with a dot above its first letter, the usual notation for a tangent: <c>Ȧ1</c>, <c>Ẇ2</c>, <c>ḃ2</c>, <c>γ̇3</c>.</summary>
    public static string Dot(string name) => name.Length == 0 ? name : name[0] switch
    {
        'A' => "Ȧ" + name.Substring(1),
        'W' => "Ẇ" + name.Substring(1),
        'b' => "ḃ" + name.Substring(1),
        'Z' => "Ż" + name.Substring(1),
        'X' => "Ẋ" + name.Substring(1),
        _ => name.Substring(0, 1) + "\u0307" + name.Substring(1),
    };

    /// <summary>Gradient of the loss with respect to the output of layer <paramref name="number"/>.</summary>
    public static string DA(int number) => "dA" + Int(number);

    /// <summary>
    /// Whether the training step's backward pass writes this layer's parameter gradients instead of adding to them, so
    /// that the step need not clear them first: a Dense layer that calls the kernels, in a network whose penalty adds
    /// nothing to the gradients before the backward pass (no L1 or L2 on weights).
    /// </summary>
    public bool WritesGradients(PlannedLayer layer) =>
        layer.Spec is DenseSpec && !layer.Unrolled && layer.Tensors.Count > 0 && !PenaltyWritesGradients;

    /// <summary>Whether <c>Penalty(withGradient: true)</c> adds to the parameter gradients: L1 or L2 set and some weight matrix.</summary>
    public bool PenaltyWritesGradients =>
        (Plan.Spec.L1 > 0 || Plan.Spec.L2 > 0) && Plan.Layers.Any(l => l.Tensors.Any(x => x.Name == "W"));

    /// <summary>The gradient to write for a layer's input, or an empty span for the first layer (no one needs it).</summary>
    public string DInput(PlannedLayer layer) => layer.Number == 1 ? EmptySpan : DA(layer.Number - 1);

    // Type names are global-qualified: a user type named Span or Array in the network's namespace must not capture them.

    /// <summary><c>global::System.Span&lt;float&gt;</c>.</summary>
    public string Span => $"global::System.Span<{T}>";

    /// <summary><c>global::System.ReadOnlySpan&lt;float&gt;</c>.</summary>
    public string ReadOnlySpan => $"global::System.ReadOnlySpan<{T}>";

    /// <summary>An empty output span: "skip this result" for the kernels.</summary>
    public string EmptySpan => $"global::System.Span<{T}>.Empty";

    /// <summary>An empty input span.</summary>
    public string EmptyReadOnlySpan => $"global::System.ReadOnlySpan<{T}>.Empty";

    /// <summary>An empty array of the given element type.</summary>
    public static string EmptyArray(string elementType) => $"global::System.Array.Empty<{elementType}>()";

    /// <summary>The math name of a layer's output: <c>A3</c> (or <c>X</c> for the input).</summary>
    public static string Math(int number) => "A" + Int(number);

    /// <summary><c>[B×256]</c>.</summary>
    public static string Batch(int features) => $"[B×{Int(features)}]";

    public TensorPlan Tensor(PlannedLayer layer, string name)
    {
        foreach (TensorPlan tensor in layer.Tensors)
        {
            if (tensor.Name == name)
            {
                return tensor;
            }
        }

        throw new KeyNotFoundException($"Layer {layer.Number} has no tensor {name}.");
    }

    public static string Gradient(TensorPlan tensor) => "d" + tensor.Field;
}

/// <summary>
/// A buffer the layer needs per training batch, <c>perSample</c> values for each sample: numbers of type <c>T</c>, or
/// <c>int</c> indexes when <paramref name="Indexes"/> is set (max pooling's argmax). A <paramref name="TrainingOnly"/>
/// buffer is empty in an inference workspace, unless <paramref name="InputGradients"/> says <c>InputGradients</c> needs
/// it too; an <paramref name="InputGradientsOnly"/> buffer is allocated only for <c>InputGradients</c>.
/// </summary>
internal sealed record BatchBuffer(string Field, string Local, int PerSample, string Purpose, bool Indexes = false, bool TrainingOnly = false, bool InputGradients = false, bool InputGradientsOnly = false)
{
    /// <summary>When the workspace allocates the buffer (an expression over its flags), or null for always.</summary>
    public string? AllocatedWhen => InputGradientsOnly ? "WithGradients" : TrainingOnly ? (InputGradients ? "ForTraining || WithGradients" : "ForTraining") : null;

    /// <summary>The element type: <c>int</c> for indexes, else the network's number type.</summary>
    public string Type(EmitContext context) => Indexes ? "int" : context.T;
}

/// <summary>A buffer of fixed length (per feature), allocated once.</summary>
internal sealed record FixedBuffer(string Field, string Local, int Length, string Purpose);
