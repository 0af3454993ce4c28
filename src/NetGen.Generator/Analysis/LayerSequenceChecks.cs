using System;
using System.Collections.Generic;
using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis;

/// <summary>
/// Declarations that build and run but do not do what they seem to: a Maxout with one piece (NG0017), a Flatten with
/// nothing to flatten (NG0018), two BatchNorm in a row (NG0019), and two layers given the same Name (NG0020).
/// </summary>
internal static class LayerSequenceChecks
{
    /// <summary>
    /// Adds the diagnostics for <paramref name="spec"/>; <paramref name="layers"/> are the planned layers (those whose
    /// input shape is known), in order.
    /// </summary>
    public static void Check(NetworkSpec spec, IReadOnlyList<PlannedLayer> layers, List<ShapeError> diagnostics)
    {
        CheckNames(spec, diagnostics);
        for (int i = 0; i < layers.Count; i++)
        {
            PlannedLayer layer = layers[i];
            PlannedLayer? previous = i > 0 ? layers[i - 1] : null;
            string who = LayerNames.Describe(layer.Spec);
            switch (layer.Kind)
            {
                case LayerKind.Maxout when layer.Spec.Pieces == 1:
                    diagnostics.Add(Warning("NG0017", layer.Spec.AttributeIndex, "pieces", $"{who} has 1 piece: the max over one affine map is that map, so this is a Dense({Int(layer.Spec.Units)}) with no activation. Use pieces ≥ 2 (the default is 2), or [Dense({Int(layer.Spec.Units)})]."));
                    break;
                case LayerKind.Flatten when layer.InputShape.Count == 1:
                    string why = previous?.Kind == LayerKind.Flatten
                        ? "directly follows another [Flatten]"
                        : $"receives a flat vector of {Int(layer.InputShape[0])} values";
                    diagnostics.Add(Warning("NG0018", layer.Spec.AttributeIndex, null, $"{who} {why}: there is nothing to flatten, so it does nothing. Remove it."));
                    break;
                case LayerKind.BatchNorm when previous?.Kind == LayerKind.BatchNorm:
                    diagnostics.Add(Warning("NG0019", layer.Spec.AttributeIndex, null, $"{who} directly follows {LayerNames.Describe(previous.Spec)}: the first already gives every feature mean β and scale γ, so the second only renormalizes what the first produced (twice the parameters, no new effect). Remove one, or put an activation between them."));
                    break;
            }
        }
    }

    /// <summary>NG0020: a Name is how a layer is addressed (its property, Layers, Summary), so two layers cannot share one.</summary>
    private static void CheckNames(NetworkSpec spec, List<ShapeError> diagnostics)
    {
        var first = new Dictionary<string, LayerSpec>(StringComparer.Ordinal);
        foreach (LayerSpec layer in spec.Layers)
        {
            if (layer.Name is not { Length: > 0 } name)
            {
                continue;
            }

            string property = LayerNames.ToIdentifier(name);
            if (first.TryGetValue(property, out LayerSpec? earlier))
            {
                string same = earlier.Name == name
                    ? $"has the same Name \"{name}\" as"
                    : $"has the Name \"{name}\", which gives the same property {property} as the Name \"{earlier.Name}\" of";
                diagnostics.Add(new ShapeError("NG0020", Severity.Error, layer.AttributeIndex, "Name", Text($"{layer.Kind} (layer attribute {Int(layer.AttributeIndex)}) {same} {earlier.Kind} (layer attribute {Int(earlier.AttributeIndex)}): each layer needs its own name, which becomes its property and its entry in Layers and Summary. Rename one of them.")));
            }
            else
            {
                first.Add(property, layer);
            }
        }
    }

    private static ShapeError Warning(string id, int attribute, string? argument, FormattableString message) => new(id, Severity.Warning, attribute, argument, Text(message));

    private static string Text(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
