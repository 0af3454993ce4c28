namespace NetGen.Generator.Emit.Layers;

/// <summary>The index arithmetic of a sliding window, written for comments: <c>2i − 1 + u</c> for stride 2, padding 1.</summary>
internal static class WindowMath
{
    /// <summary>The input position under window offset <paramref name="offset"/> of output position <paramref name="position"/>: <c>position·stride − padding + offset</c>.</summary>
    public static string Index(string position, string offset, int stride, int padding)
    {
        string scaled = stride == 1 ? position : $"{Literals.Int(stride)}{position}";
        string shifted = padding == 0 ? scaled : $"{scaled} − {Literals.Int(padding)}";
        return $"{shifted} + {offset}";
    }

    /// <summary><c>, padding 1</c>, or nothing without padding.</summary>
    public static string Padding(int padding) => padding > 0 ? $", padding {Literals.Int(padding)}" : string.Empty;

    /// <summary>The input is 0 outside the map when there is padding: said once in the comment.</summary>
    public static string ZeroOutside(int padding, string input) => padding > 0 ? $", {input} = 0 in the padding" : string.Empty;
}
