using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>Dense: a flat input, <c>units</c> outputs; <c>W [units × inputs]</c> then <c>b [units]</c>.</summary>
internal sealed class DenseRule : LayerRule<DenseSpec>
{
    public static readonly DenseRule Instance = new();

    /// <summary>
    /// Inputs from which a Dense layer calls the kernels however few its weights: a row of 8 fills a 256-bit vector of
    /// floats, and the kernels' vector rows then beat scalar statements (the 16-32-32-4 network's 32 → 4 layer: its train
    /// step 1.2–1.35× faster on the kernels). Narrower layers (XOR's 2 → 4 → 1) stay scalar statements.
    /// </summary>
    public const int VectorInputs = 8;

    protected override InitRole Role(DenseSpec layer) => InitRole.Neutral;

    protected override bool CheckOptions(DenseSpec layer, RuleContext context)
    {
        OptionCheck check = context.Options(layer);
        if (layer.Units <= 0) check.Invalid("units", $"units = {layer.Units}, but a layer needs at least 1 unit.", true);
        if (layer.Inputs < 0) check.Invalid("Inputs", $"Inputs = {layer.Inputs}: the stated input size must be positive (or left out).", false);
        check.Init(layer.Init);
        return check.Sized;
    }

    protected override Shape? Output(DenseSpec layer, Shape input, RuleContext context)
    {
        if (!FlatVector.Check(layer, input, "needs", context))
        {
            return null;
        }

        int size = input.Size;
        if (layer.Inputs > 0 && layer.Inputs != size)
        {
            context.Error(DiagnosticId.NG0001, layer, "Inputs", $"{LayerNames.Describe(layer)} expects {layer.Inputs} inputs but receives {size}: {context.Trail}", fix: Diagnostics.FixHints.SetInputs, fixValue: Messages.Int(size));
        }

        return Shape.Of(layer.Units);
    }

    protected override IEnumerable<(long Length, string What)> Buffers(DenseSpec layer, Shape input, Shape output)
    {
        yield return ((long)layer.Units * input.Product, "its weights W");
    }

    protected override void Tensors(DenseSpec layer, Shape input, Shape output, TensorLayout layout)
    {
        layout.Add("W", "W", layer.Units, input.Size);
        if (layer.Bias)
        {
            layout.Add("b", "b", layer.Units);
        }
    }

    protected override InitKind? Init(DenseSpec layer) => layer.Init;

    protected override bool Unrolled(DenseSpec layer, Shape input, int unrollLimit) => input.Size < VectorInputs && (long)input.Size * layer.Units <= unrollLimit;
}

/// <summary>The check shared by the layers that take a flat vector (Dense, Maxout, Softmax): NG0008 otherwise.</summary>
internal static class FlatVector
{
    // verb: how the message says what the layer does with the vector (needs, normalizes).
    public static bool Check(LayerSpec layer, Shape input, string verb, RuleContext context)
    {
        if (input.Rank == 1)
        {
            return true;
        }

        context.Error(DiagnosticId.NG0008, layer, null, $"{LayerNames.Describe(layer)} {verb} a flat vector but receives a {input.Rank}-D map [{input.Text}]: insert [Flatten] before it. {context.Trail}", fix: Diagnostics.FixHints.InsertFlatten);
        return false;
    }
}
