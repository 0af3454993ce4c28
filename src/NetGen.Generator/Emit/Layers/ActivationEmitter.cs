using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>Element-wise activations: ReLU, LeakyReLU, ELU, Sigmoid, Tanh.</summary>
internal sealed class ActivationEmitter : LayerEmitter
{
    public static readonly ActivationEmitter Instance = new();

    public override string Sentence(PlannedLayer layer) => $"{layer.Kind} over {Values(layer.OutputSize)}";

    public override string Signature(PlannedLayer layer) => layer.Kind switch
    {
        LayerKind.LeakyReLU or LayerKind.ELU => $"{layer.Kind}({Literals.Number(layer.Spec.Alpha)})",
        _ => layer.Kind.ToString(),
    };

    public override string ForwardMath(PlannedLayer layer)
    {
        string y = M(layer.Number), x = M(layer.Number - 1), alpha = Literals.Number(layer.Spec.Alpha);
        return layer.Kind switch
        {
            LayerKind.ReLU => $"{y} = max(0, {x})",
            LayerKind.LeakyReLU => $"{y} = {x} > 0 ? {x} : {alpha}·{x}",
            LayerKind.ELU => $"{y} = {x} > 0 ? {x} : {alpha}·(e^{x} − 1)",
            LayerKind.Sigmoid => $"{y} = 1/(1 + e^−{x})",
            _ => $"{y} = tanh({x})",
        };
    }

    public override string BackwardMath(PlannedLayer layer)
    {
        if (IsFusedWithLoss(layer))
        {
            return $"fused with the loss: d{M(layer.Number - 1)} = ({M(layer.Number)} − T)/B was written by the loss";
        }

        if (layer.Number == 1)
        {
            return "(the input needs no gradient)";
        }

        string dy = "d" + M(layer.Number), dx = "d" + M(layer.Number - 1), y = M(layer.Number), x = M(layer.Number - 1), alpha = Literals.Number(layer.Spec.Alpha);
        return layer.Kind switch
        {
            LayerKind.ReLU => $"{dx} = {dy} ⊙ [{x} > 0]",
            LayerKind.LeakyReLU => $"{dx} = {dy} ⊙ ({x} > 0 ? 1 : {alpha})",
            LayerKind.ELU => $"{dx} = {dy} ⊙ ({x} > 0 ? 1 : {y} + {alpha})",
            LayerKind.Sigmoid => $"{dx} = {dy} ⊙ {y} ⊙ (1 − {y})",
            _ => $"{dx} = {dy} ⊙ (1 − {y}²)",
        };
    }

    public override string OnnxMath(PlannedLayer layer)
    {
        string x = M(layer.Number - 1), alpha = Literals.Number(layer.Spec.Alpha);
        return layer.Kind switch
        {
            LayerKind.ReLU => $"Relu({x})",
            LayerKind.LeakyReLU => $"LeakyRelu({x}, alpha = {alpha})",
            LayerKind.ELU => $"Elu({x}, alpha = {alpha})",
            LayerKind.Sigmoid => $"Sigmoid({x})",
            LayerKind.Tanh => $"Tanh({x})",
            _ => throw new System.ArgumentOutOfRangeException(nameof(layer), layer.Kind, "Not an element-wise activation."),
        };
    }

    public override void EmitOnnx(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        string name = OnnxName(layer), alpha = Literals.Real(layer.Spec.Alpha, doublePrecision: true);
        writer.Line(layer.Kind switch
        {
            LayerKind.ReLU => $"graph.ReLU({name});",
            LayerKind.LeakyReLU => $"graph.LeakyReLU({name}, alpha: {alpha});",
            LayerKind.ELU => $"graph.ELU({name}, alpha: {alpha});",
            LayerKind.Sigmoid => $"graph.Sigmoid({name});",
            LayerKind.Tanh => $"graph.Tanh({name});",
            _ => throw new System.ArgumentOutOfRangeException(nameof(layer), layer.Kind, "Not an element-wise activation."),
        });
    }

    public override void Forward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        string x = A(layer.Number - 1), y = A(layer.Number);
        writer.Line(layer.Kind switch
        {
            LayerKind.ReLU => $"global::NetGen.Kernels.Activations.ReLU({x}, {y});",
            LayerKind.LeakyReLU => $"global::NetGen.Kernels.Activations.LeakyReLU({x}, {y}, alpha: {context.Real(layer.Spec.Alpha)});",
            LayerKind.ELU => $"global::NetGen.Kernels.Activations.ELU({x}, {y}, alpha: {context.Real(layer.Spec.Alpha)});",
            LayerKind.Sigmoid => $"global::NetGen.Kernels.Activations.Sigmoid({x}, {y});",
            _ => $"global::NetGen.Kernels.Activations.Tanh({x}, {y});",
        });
    }

    public override void Backward(SourceWriter writer, PlannedLayer layer, EmitContext context)
    {
        if (IsFusedWithLoss(layer) || layer.Number == 1)
        {
            return;
        }

        string x = A(layer.Number - 1), y = A(layer.Number), dy = DA(layer.Number), dx = DA(layer.Number - 1);
        writer.Line(layer.Kind switch
        {
            LayerKind.ReLU => $"global::NetGen.Kernels.Activations.ReLUBackward({x}, {dy}, {dx});",
            LayerKind.LeakyReLU => $"global::NetGen.Kernels.Activations.LeakyReLUBackward({x}, {dy}, {dx}, alpha: {context.Real(layer.Spec.Alpha)});",
            LayerKind.ELU => $"global::NetGen.Kernels.Activations.ELUBackward({x}, {y}, {dy}, {dx}, alpha: {context.Real(layer.Spec.Alpha)});",
            LayerKind.Sigmoid => $"global::NetGen.Kernels.Activations.SigmoidBackward({y}, {dy}, {dx});",
            _ => $"global::NetGen.Kernels.Activations.TanhBackward({y}, {dy}, {dx});",
        });
    }

    private static bool IsFusedWithLoss(PlannedLayer layer) => layer.FusedWithLoss;
}
