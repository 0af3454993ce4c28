using System.Globalization;

namespace NetGen.Generator.Emit;

/// <summary>Culture-invariant C# literals: the same text on every machine, whatever its culture.</summary>
internal static class Literals
{
    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A literal of the network's number type: <c>0.9f</c> or <c>0.9d</c>.</summary>
    public static string Real(double value, bool doublePrecision) => doublePrecision
        ? value.ToString("R", CultureInfo.InvariantCulture) + "d"
        : ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

    /// <summary>A number for comments and docs: <c>0.2</c>, <c>1E-05</c>; 15 digits, so 1 − 0.9 reads 0.1.</summary>
    public static string Number(double value) => value.ToString("G15", CultureInfo.InvariantCulture);

    /// <summary>A grouped count for tables: <c>235,146</c>.</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A C# string literal.</summary>
    public static string String(string value) => SymbolDisplayString(value);

    private static string SymbolDisplayString(string value)
    {
        var builder = new System.Text.StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    // Control characters, and the line separators C# also ends a line at.
                    if (char.IsControl(c) || c is '\u2028' or '\u2029')
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>
    /// Escapes text for an XML doc comment. Line breaks (also U+0085, U+2028, U+2029, which end a C# line) become
    /// spaces, so a layer name cannot end the comment and start code.
    /// </summary>
    public static string Xml(string text) => OneLine(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>Text for a <c>//</c> comment: the same line breaks as <see cref="Xml"/> become spaces.</summary>
    public static string OneLine(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            builder.Append(c is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029' ? ' ' : c);
        }

        return builder.ToString();
    }

    /// <summary>An identifier as C# source: <c>@event</c> for a keyword (contextual keywords too: always legal).</summary>
    public static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None
        || Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetContextualKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None
            ? "@" + name
            : name;

    /// <summary>A dotted namespace as C# source, each part an <see cref="Identifier"/>.</summary>
    public static string Namespace(string name) => string.Join(".", System.Linq.Enumerable.Select(name.Split('.'), Identifier));
}
