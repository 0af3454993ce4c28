namespace NetGen.Generator.Model;

/// <summary>
/// One layer attribute as written: one sealed record per layer kind (in <c>Model/Layers/</c>), with only the options
/// that kind has. <see cref="AttributeIndex"/> is its position among the class's layer attributes (0 is the first,
/// normally <c>[Input]</c>): the analyzer maps it back to a source location.
/// </summary>
internal abstract record LayerSpec
{
    public int AttributeIndex { get; init; }

    /// <summary>The attribute's <c>Name</c>, or null.</summary>
    public string? Name { get; init; }

    /// <summary>The kind as its attribute is called (<c>Dense</c>, <c>LeakyReLU</c>): in messages, names and <c>LayerView.Kind</c>.</summary>
    public abstract string Kind { get; }
}
