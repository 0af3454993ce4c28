namespace NetGen.Generator.Diagnostics;

/// <summary>
/// The machine-readable fix hint a NetGen diagnostic carries in its properties, so that a code fix recognizes what it
/// can repair by a key, not by matching message text. Compiled into the generator and, as a linked file, into
/// NetGen.CodeFixes: one definition for both sides.
/// </summary>
internal static class FixHints
{
    /// <summary>The property that names the fix: one of the values below.</summary>
    public const string Key = "NetGen.Fix";

    /// <summary>The property with the value the fix writes (NG0001: the inferred input size).</summary>
    public const string ValueKey = "FixValue";

    /// <summary>NG0001: set <c>Inputs</c> to <see cref="ValueKey"/>.</summary>
    public const string SetInputs = "SetInputs";

    /// <summary>NG0008: insert <c>[Flatten]</c> before the layer, which needs a flat vector.</summary>
    public const string InsertFlatten = "InsertFlatten";

    /// <summary>NG0009: replace <c>Init.Zeros</c> with <c>Init.Auto</c>.</summary>
    public const string UseInitAuto = "UseInitAuto";

    /// <summary>NG0005: add <c>partial</c> to the class and the types containing it.</summary>
    public const string MakePartial = "MakePartial";

    /// <summary>Whether <paramref name="diagnostic"/> says that <paramref name="fix"/> repairs it.</summary>
    public static bool Offers(Microsoft.CodeAnalysis.Diagnostic diagnostic, string fix) =>
        diagnostic.Properties.TryGetValue(Key, out string? value) && value == fix;
}
