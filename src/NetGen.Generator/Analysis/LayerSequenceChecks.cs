using System;
using System.Collections.Generic;
using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis;

/// <summary>
/// Declarations that build and run but do not do what they seem to: each kind's own (a Maxout with one piece NG0017, a
/// Flatten with nothing to flatten NG0018, two BatchNorm in a row NG0019) from its rule's <c>CheckInSequence</c>, and
/// two layers given the same Name (NG0020) here.
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
            Layers.LayerRule.For(layers[i].Spec).CheckInSequence(layers[i], i > 0 ? layers[i - 1] : null, diagnostics);
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
                diagnostics.Add(new ShapeError(DiagnosticId.NG0020, Severity.Error, layer.AttributeIndex, "Name", Text($"{layer.Kind} (layer attribute {Int(layer.AttributeIndex)}) {same} {earlier.Kind} (layer attribute {Int(earlier.AttributeIndex)}): each layer needs its own name, which becomes its property and its entry in Layers and Summary. Rename one of them.")));
            }
            else
            {
                first.Add(property, layer);
            }
        }
    }

    private static string Text(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
