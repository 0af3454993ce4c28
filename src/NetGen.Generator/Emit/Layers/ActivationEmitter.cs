using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>Element-wise activations: ReLU, LeakyReLU, ELU, Sigmoid, Tanh. Every switch over the function throws on one it does not know.</summary>
internal sealed class ActivationEmitter : LayerEmitter<ActivationSpec>
{
    public static readonly ActivationEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"{layer.Kind} over {Values(layer.OutputSize)}";

    public override string Signature(PlannedLayer layer) =>
        Spec(layer).HasAlpha ? $"{layer.Kind}({Literals.Number(Spec(layer).Alpha)})" : layer.Kind;

    public override string ForwardMath(PlannedLayer layer)
    {
        string y = M(layer.Number), x = M(layer.Number - 1), alpha = Literals.Number(Spec(layer).Alpha);
        return Spec(layer).Function switch
        {
            ActivationFunction.ReLU => $"{y} = max(0, {x})",
            ActivationFunction.LeakyReLU => $"{y} = {x} > 0 ? {x} : {alpha}·{x}",
            ActivationFunction.ELU => $"{y} = {x} > 0 ? {x} : {alpha}·(e^{x} − 1)",
            ActivationFunction.Sigmoid => $"{y} = 1/(1 + e^−{x})",
            ActivationFunction.Tanh => $"{y} = tanh({x})",
            _ => throw Unknown(layer),
        };
    }

    public override string BackwardMath(PlannedLayer layer)
    {
        if (layer.FusedWithLoss)
        {
            return $"fused with the loss: d{M(layer.Number - 1)} = ({M(layer.Number)} − T)/B was written by the loss";
        }

        if (layer.Number == 1)
        {
            return "(the input needs no gradient)";
        }

        string dy = "d" + M(layer.Number), dx = "d" + M(layer.Number - 1), y = M(layer.Number), x = M(layer.Number - 1), alpha = Literals.Number(Spec(layer).Alpha);
        return Spec(layer).Function switch
        {
            ActivationFunction.ReLU => $"{dx} = {dy} ⊙ [{x} > 0]",
            ActivationFunction.LeakyReLU => $"{dx} = {dy} ⊙ ({x} > 0 ? 1 : {alpha})",
            ActivationFunction.ELU => $"{dx} = {dy} ⊙ ({x} > 0 ? 1 : {y} + {alpha})",
            ActivationFunction.Sigmoid => $"{dx} = {dy} ⊙ {y} ⊙ (1 − {y})",
            ActivationFunction.Tanh => $"{dx} = {dy} ⊙ (1 − {y}²)",
            _ => throw Unknown(layer),
        };
    }

    public override string OnnxMath(PlannedLayer layer)
    {
        string x = M(layer.Number - 1), alpha = Literals.Number(Spec(layer).Alpha);
        return Spec(layer).Function switch
        {
            ActivationFunction.ReLU => $"Relu({x})",
            ActivationFunction.LeakyReLU => $"LeakyRelu({x}, alpha = {alpha})",
            ActivationFunction.ELU => $"Elu({x}, alpha = {alpha})",
            ActivationFunction.Sigmoid => $"Sigmoid({x})",
            ActivationFunction.Tanh => $"Tanh({x})",
            _ => throw Unknown(layer),
        };
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        string name = OnnxName(layer), alpha = Literals.Real(Spec(layer).Alpha, doublePrecision: true);
        writer.Line(Spec(layer).Function switch
        {
            ActivationFunction.ReLU => $"graph.ReLU({name});",
            ActivationFunction.LeakyReLU => $"graph.LeakyReLU({name}, alpha: {alpha});",
            ActivationFunction.ELU => $"graph.ELU({name}, alpha: {alpha});",
            ActivationFunction.Sigmoid => $"graph.Sigmoid({name});",
            ActivationFunction.Tanh => $"graph.Tanh({name});",
            _ => throw Unknown(layer),
        });
    }

    public override string TangentMath(PlannedLayer layer)
    {
        string ty = Dot(M(layer.Number)), tx = Dot(M(layer.Number - 1)), y = M(layer.Number), x = M(layer.Number - 1), alpha = Literals.Number(Spec(layer).Alpha);
        return Spec(layer).Function switch
        {
            ActivationFunction.ReLU => $"{ty} = {tx} ⊙ [{y} > 0]",
            ActivationFunction.LeakyReLU => $"{ty} = {tx} ⊙ ({x} > 0 ? 1 : {alpha})",
            ActivationFunction.ELU => $"{ty} = {tx} ⊙ ({x} > 0 ? 1 : {y} + {alpha})",
            ActivationFunction.Sigmoid => $"{ty} = {tx} ⊙ {y} ⊙ (1 − {y})",
            ActivationFunction.Tanh => $"{ty} = {tx} ⊙ (1 − {y}²)",
            _ => throw Unknown(layer),
        };
    }

    public override IEnumerable<string> TangentSpans(PlannedLayer layer)
    {
        string x = A(layer.Number - 1), y = A(layer.Number), tx = TA(layer.Number - 1), ty = TA(layer.Number);
        return Spec(layer).Function switch
        {
            ActivationFunction.ReLU => new[] { y, tx, ty },
            ActivationFunction.LeakyReLU => new[] { x, tx, ty },
            ActivationFunction.ELU => new[] { x, y, tx, ty },
            ActivationFunction.Sigmoid or ActivationFunction.Tanh => new[] { y, tx, ty },
            _ => throw Unknown(layer),
        };
    }

    // An element-wise activation's Jacobian is diagonal: its tangent is its backward kernel with dy = Ẋ. ReLU's mask is
    // read from its output (max(x, 0) > 0 exactly when x > 0): in a BatchNorm → ReLU → MaxPool2D block in training its
    // input buffer is not written.
    public override void Tangent(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        string x = A(layer.Number - 1), y = A(layer.Number), tx = TA(layer.Number - 1), ty = TA(layer.Number), kernels = RuntimeTypes.Activations;
        writer.Line(Spec(layer).Function switch
        {
            ActivationFunction.ReLU => $"{kernels}.ReLUBackward({y}, {tx}, {ty});",
            ActivationFunction.LeakyReLU => $"{kernels}.LeakyReLUBackward({x}, {tx}, {ty}, alpha: {context.Real(Spec(layer).Alpha)});",
            ActivationFunction.ELU => $"{kernels}.ELUBackward({x}, {y}, {tx}, {ty}, alpha: {context.Real(Spec(layer).Alpha)});",
            ActivationFunction.Sigmoid => $"{kernels}.SigmoidBackward({y}, {tx}, {ty});",
            ActivationFunction.Tanh => $"{kernels}.TanhBackward({y}, {tx}, {ty});",
            _ => throw Unknown(layer),
        });
    }

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        string x = A(layer.Number - 1), y = A(layer.Number), kernels = RuntimeTypes.Activations;
        writer.Line(Spec(layer).Function switch
        {
            ActivationFunction.ReLU => $"{kernels}.ReLU({x}, {y});",
            ActivationFunction.LeakyReLU => $"{kernels}.LeakyReLU({x}, {y}, alpha: {context.Real(Spec(layer).Alpha)});",
            ActivationFunction.ELU => $"{kernels}.ELU({x}, {y}, alpha: {context.Real(Spec(layer).Alpha)});",
            ActivationFunction.Sigmoid => $"{kernels}.Sigmoid({x}, {y});",
            ActivationFunction.Tanh => $"{kernels}.Tanh({x}, {y});",
            _ => throw Unknown(layer),
        });
    }

    public override IEnumerable<string> BackwardSpans(PlannedLayer layer) =>
        layer.FusedWithLoss || layer.Number == 1 ? System.Array.Empty<string>() : KernelSpans(layer);

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        if (layer.FusedWithLoss || layer.Number == 1)
        {
            return;
        }

        writer.Line(KernelCall(layer, context));
    }

    public override void InputGradients(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        if (layer.FusedWithLoss)
        {
            FusedInputGradients(writer, layer);
            return;
        }

        writer.Line(KernelCall(layer, context));
    }

    public override IEnumerable<string> InputGradientsSpans(PlannedLayer layer) =>
        layer.FusedWithLoss ? FusedInputGradientsSpans(layer) : KernelSpans(layer);

    private static System.ArgumentOutOfRangeException Unknown(PlannedLayer layer) =>
        new(nameof(layer), Spec(layer).Function, "Not an element-wise activation this emitter knows.");

    /// <summary>The backward kernel call, <c>dA(n−1)</c> from <c>dAn</c>: the same in training and for input gradients.</summary>
    private static string KernelCall(PlannedLayer layer, EmitContext context)
    {
        string x = A(layer.Number - 1), y = A(layer.Number), dy = DA(layer.Number), dx = DA(layer.Number - 1), kernels = RuntimeTypes.Activations;
        return Spec(layer).Function switch
        {
            ActivationFunction.ReLU => $"{kernels}.ReLUBackward({x}, {dy}, {dx});",
            ActivationFunction.LeakyReLU => $"{kernels}.LeakyReLUBackward({x}, {dy}, {dx}, alpha: {context.Real(Spec(layer).Alpha)});",
            ActivationFunction.ELU => $"{kernels}.ELUBackward({x}, {y}, {dy}, {dx}, alpha: {context.Real(Spec(layer).Alpha)});",
            ActivationFunction.Sigmoid => $"{kernels}.SigmoidBackward({y}, {dy}, {dx});",
            ActivationFunction.Tanh => $"{kernels}.TanhBackward({y}, {dy}, {dx});",
            _ => throw Unknown(layer),
        };
    }

    /// <summary>The spans <see cref="KernelCall"/> uses.</summary>
    private static IEnumerable<string> KernelSpans(PlannedLayer layer)
    {
        string x = A(layer.Number - 1), y = A(layer.Number), dy = DA(layer.Number), dx = DA(layer.Number - 1);
        return Spec(layer).Function switch
        {
            ActivationFunction.ReLU or ActivationFunction.LeakyReLU => new[] { x, dy, dx },
            ActivationFunction.ELU => new[] { x, y, dy, dx },
            ActivationFunction.Sigmoid or ActivationFunction.Tanh => new[] { y, dy, dx },
            _ => throw Unknown(layer),
        };
    }
}
