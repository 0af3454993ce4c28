namespace NetGen.Generator.Model;

// Plain data read from the attributes: no Roslyn types, value equality throughout, so the incremental
// pipeline caches a network until one of its attributes changes.

/// <summary>Mirrors <c>NetGen.LossFunction</c>.</summary>
internal enum LossKind
{
    MeanSquaredError = 0,
    BinaryCrossEntropy = 1,
    SoftmaxCrossEntropy = 2,
    MulticlassHinge = 3,
}

/// <summary>Mirrors <c>NetGen.Init</c>.</summary>
internal enum InitKind
{
    Auto = 0,
    Zeros = 1,
    SmallRandom = 2,
    LeCunNormal = 3,
    GlorotNormal = 4,
    GlorotUniform = 5,
    HeNormal = 6,
    HeUniform = 7,
}

/// <summary>A type that contains the network class, outermost first: <c>partial class Outer</c>.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>A problem with the class declaration itself (NG0005, NG0006): no code can be generated into it.</summary>
internal sealed record DeclarationProblem(DiagnosticId Code, string Message, string? Fix = null)
{
    /// <summary>The id as reported, <c>NG0005</c>.</summary>
    public string Id => Code.ToString();
}

/// <summary>
/// Everything the generator knows about one network class. Names are as declared, without a keyword's <c>@</c>
/// (<c>event</c> for <c>@event</c>): the emitter escapes them. <c>MemberNames</c> holds only the user's member names
/// that a generated member or layer property could collide with (constructors as <c>.ctor()</c>, <c>.ctor(int)</c>, or
/// <c>.ctor</c> for one that does not chain to <c>this(…)</c>); <c>Precision</c> is the raw <c>Precision</c> value.
/// </summary>
internal sealed record NetworkSpec(
    string? Namespace,
    string ClassName,
    EquatableArray<ContainingType> ContainingTypes,
    LossKind Loss,
    bool DoublePrecision,
    int Seed,
    double L1,
    double L2,
    long MaxParameters,
    int UnrollLimit,
    EquatableArray<LayerSpec> Layers,
    EquatableArray<DeclarationProblem> Problems,
    EquatableArray<string> MemberNames,
    int Precision = 0)
{
    /// <summary>
    /// The prefix of this class's hint names: <see cref="FullName"/> with containing types joined by <c>-</c>, so that
    /// namespace <c>A.B</c> class <c>C</c> and class <c>A.B</c> with nested <c>C</c> get different files. Names are
    /// stored without a keyword's <c>@</c>, so only identifier characters, <c>.</c> and <c>-</c> occur: all valid in
    /// hint names.
    /// </summary>
    public string HintName
    {
        get
        {
            var text = new System.Text.StringBuilder();
            if (!string.IsNullOrEmpty(Namespace))
            {
                text.Append(Namespace).Append('.');
            }

            foreach (ContainingType type in ContainingTypes)
            {
                text.Append(type.Name).Append('-');
            }

            return text.Append(ClassName).ToString();
        }
    }

    /// <summary>The name used in messages and comments: namespace, containing types and class.</summary>
    public string FullName
    {
        get
        {
            var parts = new System.Collections.Generic.List<string>();
            if (!string.IsNullOrEmpty(Namespace))
            {
                parts.Add(Namespace!);
            }

            foreach (ContainingType type in ContainingTypes)
            {
                parts.Add(type.Name);
            }

            parts.Add(ClassName);
            return string.Join(".", parts);
        }
    }
}
