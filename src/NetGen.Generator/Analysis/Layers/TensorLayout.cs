using System.Collections.Generic;
using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>
/// Places one layer's tensors in the flat parameter buffer (DESIGN §3), in the order the rule adds them, and counts its
/// non-trainable state.
/// </summary>
internal sealed class TensorLayout
{
    private readonly List<TensorPlan> _tensors = new();
    private readonly string _number;

    public TensorLayout(int number, int offset)
    {
        _number = number.ToString(CultureInfo.InvariantCulture);
        Offset = offset;
    }

    /// <summary>Where the next tensor starts.</summary>
    public int Offset { get; private set; }

    /// <summary>The values added to the parameter count, in <c>long</c>.</summary>
    public long Count { get; private set; }

    /// <summary>Values of non-trainable state (BatchNorm's running mean and variance).</summary>
    public int StateCount { get; private set; }

    public IReadOnlyList<TensorPlan> Planned => _tensors;

    /// <summary>A tensor called <paramref name="name"/> in math, field <paramref name="field"/> + layer number.</summary>
    public void Add(string name, string field, params int[] dims)
    {
        var shape = new Shape(dims);
        _tensors.Add(new TensorPlan(name, field + _number, Offset, shape));
        long length = shape.Product;
        Count += length;
        Offset = (int)System.Math.Min(int.MaxValue, Offset + length);
    }

    public void State(int count) => StateCount += count;
}
