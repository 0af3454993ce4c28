using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen.IntegrationTests;

/// <summary>
/// Every layer kind has a reference implementation that the generated code is compared with: a <see cref="RefLayer"/>
/// record (<see cref="ReferenceNetwork"/>) or the convolution interpreter (<see cref="ConvolutionReferenceTests.Kinds"/>).
/// A new layer attribute fails here until it has one.
/// </summary>
public class ReferenceCompletenessTests
{
    public static IEnumerable<object[]> LayerKinds() =>
        typeof(LayerAttribute).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(LayerAttribute)) && !t.IsAbstract && t != typeof(InputAttribute))
            .Select(t => t.Name.Substring(0, t.Name.Length - "Attribute".Length))
            .OrderBy(k => k, StringComparer.Ordinal)
            .Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(LayerKinds))]
    public void Every_layer_kind_has_a_reference(string kind)
    {
        IEnumerable<string> records = typeof(RefLayer).GetNestedTypes()
            .Where(t => t.IsSubclassOf(typeof(RefLayer)) && !t.IsAbstract)
            .Select(t => ((RefLayer)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t)).Kind);
        Assert.True(
            records.Contains(kind) || ConvolutionReferenceTests.Kinds.Contains(kind),
            $"The layer kind {kind} has no reference implementation: add a RefLayer.{kind} record (tests/NetGen.IntegrationTests/Reference.cs) with its forward and backward, "
            + "or teach the convolution interpreter in ConvolutionReferenceTests and list it in ConvolutionReferenceTests.Kinds.");
    }
}
