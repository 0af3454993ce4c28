using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using NetGen.Generator.Analysis.Layers;
using NetGen.Generator.Analysis.Losses;
using NetGen.Generator.Emit.Layers;
using NetGen.Generator.Emit.Losses;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.Tests;

/// <summary>
/// A layer kind is one unit: its attribute, spec record, parser line, shape rule and emitter. These tests find every
/// piece by reflection, so a kind with a piece missing fails here (with the file to add) instead of in a user's build.
/// </summary>
public class CompletenessTests
{
    private static readonly Assembly Generator = typeof(LayerSpec).Assembly;

    /// <summary>The specs the pipeline handles itself: the input starts the walk, an unreadable attribute stops it.</summary>
    private static readonly Type[] NotLayers = { typeof(InputSpec), typeof(InvalidSpec) };

    public static IEnumerable<object[]> LayerAttributes() =>
        typeof(NetGen.LayerAttribute).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(NetGen.LayerAttribute)) && !t.IsAbstract)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => new object[] { t.Name });

    public static IEnumerable<object[]> LayerSpecs() =>
        Generator.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(LayerSpec)) && !t.IsAbstract && !NotLayers.Contains(t))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => new object[] { t.Name });

    [Theory]
    [MemberData(nameof(LayerAttributes))]
    public void Every_layer_attribute_maps_to_a_spec(string attribute)
    {
        Dictionary<string, Type> specs = NetworkParser.LayerAttributeSpecs.ToDictionary(p => p.Key, p => p.Value);
        string kind = attribute.Substring(0, attribute.Length - "Attribute".Length);
        Assert.True(
            specs.ContainsKey(attribute),
            $"NetGen.{attribute} derives from LayerAttribute, but the generator does not know the layer kind {kind}: add its spec record "
            + $"Model/Layers/{kind}Spec.cs and one line in NetworkParser.s_layerFactories, then its rule (Analysis/Layers/{kind}Rule.cs) and "
            + $"emitter (Emit/Layers/{kind}Emitter.cs), each registered in LayerRule.For and LayerEmitter.For (docs/architecture.md, \"How to add a layer kind\").");
        Assert.True(specs[attribute].IsSubclassOf(typeof(LayerSpec)));
    }

    [Fact]
    public void The_parser_knows_no_attribute_that_does_not_exist()
    {
        var attributes = new HashSet<string>(LayerAttributes().Select(a => (string)a[0]));
        foreach (string name in NetworkParser.LayerAttributeSpecs.Select(p => p.Key))
        {
            Assert.True(attributes.Contains(name), $"NetworkParser.s_layerFactories has {name}, which is not a layer attribute in NetGen.Attributes.");
        }
    }

    [Theory]
    [MemberData(nameof(LayerSpecs))]
    public void Every_spec_has_a_rule_registered_for_it(string spec)
    {
        Type type = SpecType(spec);
        LayerRule[] rules = Instances<LayerRule>().Where(r => r.SpecType == type).ToArray();
        Assert.True(rules.Length == 1, $"{spec} needs exactly one shape rule (a LayerRule<{spec}> in Analysis/Layers), found {rules.Length}.");

        LayerRule registered = Registered(() => LayerRule.For(Sample(type)), $"{spec} has {rules[0].GetType().Name} but LayerRule.For does not return it: add '{spec} => {rules[0].GetType().Name}.Instance' to its switch.");
        Assert.Same(rules[0], registered);
    }

    [Theory]
    [MemberData(nameof(LayerSpecs))]
    public void Every_spec_has_an_emitter_registered_for_it_with_forward_backward_and_onnx(string spec)
    {
        Type type = SpecType(spec);
        LayerEmitter[] emitters = Instances<LayerEmitter>().Where(e => e.SpecType == type).ToArray();
        Assert.True(emitters.Length == 1, $"{spec} needs exactly one emitter (a LayerEmitter<{spec}> in Emit/Layers), found {emitters.Length}.");

        LayerEmitter registered = Registered(() => LayerEmitter.For(Sample(type)), $"{spec} has {emitters[0].GetType().Name} but LayerEmitter.For does not return it: add '{spec} => {emitters[0].GetType().Name}.Instance' to its switch.");
        Assert.Same(emitters[0], registered);
        foreach (string method in new[] { nameof(LayerEmitter.Forward), nameof(LayerEmitter.Backward), nameof(LayerEmitter.BackwardSpans), nameof(LayerEmitter.InputGradients), nameof(LayerEmitter.EmitOnnx), nameof(LayerEmitter.OnnxMath), nameof(LayerEmitter.Tangent), nameof(LayerEmitter.TangentMath), nameof(LayerEmitter.TangentSpans) })
        {
            MethodInfo? declared = emitters[0].GetType().GetMethod(method, BindingFlags.Public | BindingFlags.Instance);
            Assert.True(declared?.DeclaringType == emitters[0].GetType(), $"{emitters[0].GetType().Name} does not write its own {method}.");
        }
    }

    [Fact]
    public void The_registries_throw_on_a_spec_they_do_not_know()
    {
        // Never a plausible default: an unknown kind is a generator bug, found by the tests above.
        LayerSpec unknown = new UnknownSpec();
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerRule.For(unknown));
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerEmitter.For(unknown));
        Assert.Throws<ArgumentOutOfRangeException>(() => LossEmitter.For((LossKind)99));
        Assert.Null(LossRule.For((LossKind)99));
    }

    [Fact]
    public void Every_loss_function_has_a_rule_and_an_emitter()
    {
        foreach (NetGen.LossFunction loss in Enum.GetValues(typeof(NetGen.LossFunction)))
        {
            var kind = (LossKind)(int)loss;
            Assert.True(Enum.IsDefined(typeof(LossKind), kind) && kind.ToString() == loss.ToString(), $"LossFunction.{loss} has no LossKind of the same name and value.");
            LossRule? rule = LossRule.For(kind);
            Assert.True(rule is not null, $"LossFunction.{loss} has no rule: add one in Analysis/Losses and register it in LossRule.For.");
            Assert.Equal(kind, rule!.Kind);
            Assert.Equal(kind, LossEmitter.For(kind).Kind);
        }
    }

    [Fact]
    public void Losses_that_fuse_say_with_what_and_the_classification_losses_are_the_ones_on_classes()
    {
        Assert.Equal(LossFusion.SoftmaxCrossEntropy, LossRule.For(LossKind.SoftmaxCrossEntropy)!.Fusion);
        Assert.Equal(LossFusion.SigmoidBinaryCrossEntropy, LossRule.For(LossKind.BinaryCrossEntropy)!.Fusion);
        Assert.Equal(LossFusion.None, LossRule.For(LossKind.MeanSquaredError)!.Fusion);
        Assert.Equal(LossFusion.None, LossRule.For(LossKind.MulticlassHinge)!.Fusion);
        Assert.Equal(
            new[] { LossKind.BinaryCrossEntropy, LossKind.SoftmaxCrossEntropy, LossKind.MulticlassHinge },
            Enum.GetValues(typeof(LossKind)).Cast<LossKind>().Where(k => LossRule.For(k)!.IsClassification));
    }

    private static Type SpecType(string name) => Generator.GetTypes().Single(t => t.Name == name && t.IsSubclassOf(typeof(LayerSpec)));

    /// <summary>A spec of the type, for the registries (they look at the type only).</summary>
    private static LayerSpec Sample(Type type) => (LayerSpec)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type);

    /// <summary>The <c>Instance</c> of every concrete subclass of <typeparamref name="T"/> in the generator.</summary>
    private static IEnumerable<T> Instances<T>() =>
        Generator.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(T)) && !t.IsAbstract)
            .Select(t => (T)(t.GetField("Instance", BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
                ?? throw new InvalidOperationException($"{t.Name} has no public static Instance.")));

    private static T Registered<T>(Func<T> lookup, string message)
    {
        try
        {
            return lookup();
        }
        catch (ArgumentOutOfRangeException)
        {
            Assert.Fail(message);
            throw;
        }
    }

    private sealed record UnknownSpec : LayerSpec
    {
        public override string Kind => "Unknown";
    }
}
