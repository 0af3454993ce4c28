using System.Collections.Generic;
using System.Text;
using NetGen.Generator.Analysis;

namespace NetGen.Generator.Model;

/// <summary>Names of layers: in messages (<c>Dense 'hidden'</c>) and as generated properties (<c>Hidden</c>, <c>Dense2</c>).</summary>
internal static class LayerNames
{
    /// <summary>Members the generator adds to every network class; a layer property never takes one of these names.</summary>
    public static readonly IReadOnlyCollection<string> Reserved = new HashSet<string>
    {
        "InputSize", "OutputSize", "ParameterCount", "StateCount", "Summary", "Architecture", "Parameters", "Gradients",
        "State", "Layers", "Predict", "TrainStep", "Evaluate", "RandomState", "Loss", "Equals", "GetHashCode", "ToString", "GetType",
    };

    /// <summary>How a layer is called in diagnostics: <c>Dense 'hidden'</c>, or <c>Dense (layer 3)</c> when it has no name.</summary>
    public static string Describe(LayerSpec layer) =>
        layer.Name is { Length: > 0 } name ? $"{layer.Kind} '{name}'" : $"{layer.Kind} (layer {layer.AttributeIndex})";

    /// <summary>Every property name a layer of this spec could get, before collisions are resolved.</summary>
    public static IEnumerable<string> Candidates(NetworkSpec spec)
    {
        for (int i = 1; i < spec.Layers.Count; i++)
        {
            yield return DefaultName(spec.Layers[i], i);
        }
    }

    /// <summary>Resolves the property name of every layer after the input (layer numbers 1…), unique and free.</summary>
    public static string[] PropertyNames(NetworkSpec spec)
    {
        var taken = new HashSet<string>(Reserved) { spec.ClassName };
        taken.UnionWith(GeneratedNames.Public);
        taken.UnionWith(GeneratedNames.Private);
        foreach (string member in spec.MemberNames)
        {
            taken.Add(member);
        }

        var names = new string[spec.Layers.Count];
        for (int i = 1; i < spec.Layers.Count; i++)
        {
            string name = DefaultName(spec.Layers[i], i);
            if (taken.Contains(name) || GeneratedNames.IsLayerMemberPattern(name))
            {
                name += "Layer";
            }

            string unique = name;
            for (int suffix = 2; taken.Contains(unique); suffix++)
            {
                unique = name + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            taken.Add(unique);
            names[i] = unique;
        }

        return names;
    }

    private static string DefaultName(LayerSpec layer, int number) =>
        layer.Name is { Length: > 0 } name ? ToIdentifier(name) : layer.Kind + number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static string ToIdentifier(string name)
    {
        var builder = new StringBuilder(name.Length + 1);
        bool upper = true;
        foreach (char c in name)
        {
            if (char.IsLetterOrDigit(c) || c == '_')
            {
                builder.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }

        if (builder.Length == 0 || char.IsDigit(builder[0]))
        {
            builder.Insert(0, "Layer");
        }

        return builder.ToString();
    }
}
