using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;

namespace NetGen.Generator.Model;

/// <summary>
/// The shape of one sample at some point of the network (or of a tensor): its dimensions, outermost first. Value
/// equality, so the plans that hold it stay cacheable.
/// </summary>
internal readonly struct Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    private readonly EquatableArray<int> _dims;

    public Shape(EquatableArray<int> dims) => _dims = dims;

    public Shape(params int[] dims) => _dims = dims.ToEquatableArray();

    public static Shape Empty => new(EquatableArray<int>.Empty);

    public static Shape Of(params int[] dims) => new(dims);

    public int Rank => _dims.Count;

    public int Count => _dims.Count;

    public bool IsEmpty => _dims.IsEmpty;

    public int this[int axis] => _dims[axis];

    /// <summary>The number of values, in <c>long</c> so that an impossible size is seen instead of wrapping around.</summary>
    public long Product
    {
        get
        {
            long product = 1;
            foreach (int dimension in _dims)
            {
                product *= dimension;
            }

            return product;
        }
    }

    /// <summary>The number of values as the generated code holds it (an <c>int</c>; inference checked that it fits).</summary>
    public int Size => unchecked((int)Product);

    /// <summary><c>1×28×28</c>.</summary>
    public string Text => string.Join("×", System.Linq.Enumerable.Select(this, d => d.ToString(CultureInfo.InvariantCulture)));

    public EquatableArray<int> Dims => _dims;

    public int[] ToArray() => System.Linq.Enumerable.ToArray(_dims);

    public bool Equals(Shape other) => _dims.Equals(other._dims);

    public override bool Equals(object? obj) => obj is Shape other && Equals(other);

    public override int GetHashCode() => _dims.GetHashCode();

    public override string ToString() => Text;

    public IEnumerator<int> GetEnumerator() => _dims.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public static bool operator ==(Shape left, Shape right) => left.Equals(right);

    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);
}
