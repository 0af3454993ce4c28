using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Model;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>
/// The pipeline caches: the same input gives Cached/Unchanged steps, an unrelated edit too, a layer change gives
/// Modified, and no step output holds a Roslyn object (which would keep compilations alive and defeat caching).
/// </summary>
public class IncrementalityTests
{
    private const string Network = """
        using NetGen;

        namespace App;

        [Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 42)]
        [Input(784)]
        [Dense(256)] [BatchNorm] [ReLU] [Dropout(0.2)]
        [Dense(10)] [Softmax]
        public partial class Net
        {
            public int Helper() => 1;
        }
        """;

    private const string Other = """
        namespace App;

        public class Other
        {
            public int Compute(int x) => x + 1;
        }
        """;

    /// <summary>Every step name in <see cref="TrackingNames"/>, so a new step is covered without changing this test.</summary>
    public static readonly string[] StepNames = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    [Fact]
    public void The_pipeline_has_named_steps()
    {
        Assert.Equal(new[] { "Parse", "Infer" }, StepNames);
    }

    [Fact]
    public void The_same_compilation_again_is_cached()
    {
        CSharpCompilation compilation = TestCompilation.Create(Network, Other);

        GeneratorRunResult second = RunTwice(compilation, compilation.Clone());

        AssertSteps(second, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertOutputs(second, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void Adding_an_unrelated_file_is_cached_or_unchanged()
    {
        CSharpCompilation compilation = TestCompilation.Create(Network, Other);
        CSharpCompilation edited = compilation.AddSyntaxTrees(
            CSharpSyntaxTree.ParseText("namespace App; public static class Added { public static void M() { } }", TestCompilation.ParseOptions, path: "Added.cs"));

        GeneratorRunResult second = RunTwice(compilation, edited);

        AssertSteps(second, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertOutputs(second, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void Editing_a_method_in_another_class_is_cached_or_unchanged()
    {
        CSharpCompilation compilation = TestCompilation.Create(Network, Other);
        SyntaxTree other = compilation.SyntaxTrees.Single(t => t.ToString().Contains("class Other"));
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other, other.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(other.ToString().Replace("x + 1", "x * 2"))));

        GeneratorRunResult second = RunTwice(compilation, edited);

        AssertSteps(second, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertOutputs(second, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void Editing_a_method_of_the_network_class_is_unchanged()
    {
        CSharpCompilation compilation = TestCompilation.Create(Network, Other);

        GeneratorRunResult second = RunTwice(compilation, Edit(compilation, "public int Helper() => 1;", "public int Helper() => 2;\n    public void Another() { }"));

        AssertSteps(second, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertOutputs(second, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void Changing_a_layer_is_modified()
    {
        CSharpCompilation compilation = TestCompilation.Create(Network, Other);

        GeneratorRunResult second = RunTwice(compilation, Edit(compilation, "[Dense(256)]", "[Dense(128)]"));

        AssertSteps(second, IncrementalStepRunReason.Modified);
        AssertOutputs(second, IncrementalStepRunReason.Modified);
        var plan = (NetworkPlan)second.TrackedSteps["Infer"].Single().Outputs.Single().Value;
        Assert.Equal(128, plan.Layers[0].OutputSize);
    }

    [Fact]
    public void Changing_a_network_option_is_modified()
    {
        CSharpCompilation compilation = TestCompilation.Create(Network, Other);

        GeneratorRunResult second = RunTwice(compilation, Edit(compilation, "Seed = 42", "Seed = 43"));

        AssertSteps(second, IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void Two_compilations_of_the_same_source_give_equal_step_outputs()
    {
        GeneratorRunResult first = Run(TestCompilation.Create(Network, Other));
        GeneratorRunResult second = Run(TestCompilation.Create(Network, Other));

        foreach (string step in StepNames)
        {
            object[] left = first.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Value).ToArray();
            object[] right = second.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Value).ToArray();
            Assert.NotEmpty(left);
            Assert.Equal(left, right);
        }
    }

    [Fact]
    public void No_step_output_holds_a_Roslyn_object()
    {
        // Networks that exercise every model type: problems, containing types, member names, diagnostics.
        string more = """
            using NetGen;
            namespace App;
            public partial class Outer
            {
                [Network(Loss = LossFunction.BinaryCrossEntropy)]
                [Input(1, 28, 28)] [Dense(0)] [Sigmoid]
                public partial class Broken { public int Dense1 => 0; }
            }
            [Network] [Input(2)] [Dense(1)]
            public class NotPartial { }
            """;
        GeneratorRunResult result = Run(TestCompilation.Create(Network, Other, more, Sources.Zoo));

        int outputs = 0;
        foreach (string step in StepNames)
        {
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
            {
                foreach ((object value, _) in run.Outputs)
                {
                    outputs++;
                    AssertNoRoslynObjects(value, $"{step} output");
                }
            }
        }

        Assert.True(outputs >= 2 * 9, $"only {outputs} outputs were walked");
    }

    [Fact]
    public void The_object_graph_walk_finds_a_symbol()
    {
        // The walk must be able to fail: a record holding a symbol somewhere deep is caught.
        ISymbol symbol = TestCompilation.Create(Other).GetTypeByMetadataName("App.Other")!;
        var holder = new List<object> { new Dictionary<string, object> { ["deep"] = Tuple.Create(1, (object)symbol) } };

        Assert.ThrowsAny<Exception>(() => AssertNoRoslynObjects(holder, "test"));
    }

    private static GeneratorRunResult Run(Compilation compilation) =>
        TestCompilation.CreateDriver(trackSteps: true).RunGenerators(compilation).GetRunResult().Results.Single();

    /// <summary>Runs the same driver on <paramref name="first"/> then <paramref name="second"/>; returns the second run.</summary>
    private static GeneratorRunResult RunTwice(Compilation first, Compilation second)
    {
        GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(first);
        GeneratorRunResult firstRun = driver.GetRunResult().Results.Single();
        Assert.Null(firstRun.Exception);
        Assert.All(StepNames, step => Assert.True(firstRun.TrackedSteps.ContainsKey(step), $"step {step} did not run"));

        driver = driver.RunGenerators(second);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return result;
    }

    private static CSharpCompilation Edit(CSharpCompilation compilation, string find, string replace)
    {
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.ToString().Contains(find));
        return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(tree.ToString().Replace(find, replace))));
    }

    private static void AssertSteps(GeneratorRunResult result, params IncrementalStepRunReason[] allowed)
    {
        foreach (string step in StepNames)
        {
            Assert.True(result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs), $"step {step} did not run");
            IncrementalStepRunReason[] reasons = runs.SelectMany(r => r.Outputs).Select(o => o.Reason).ToArray();
            Assert.NotEmpty(reasons);
            Assert.True(reasons.All(allowed.Contains), $"step {step}: {string.Join(", ", reasons)}; expected only {string.Join(" or ", allowed)}");
        }
    }

    private static void AssertOutputs(GeneratorRunResult result, IncrementalStepRunReason expected)
    {
        IncrementalStepRunReason[] reasons = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs).Select(o => o.Reason).ToArray();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, reason => Assert.Equal(expected, reason));
    }

    private static readonly Type[] s_forbidden =
    {
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(AttributeData),
    };

    /// <summary>Walks every field of every object reachable from <paramref name="root"/>; fails on a Roslyn object.</summary>
    private static void AssertNoRoslynObjects(object root, string rootPath)
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<(object Value, string Path)>();
        pending.Push((root, rootPath));
        while (pending.Count > 0)
        {
            (object value, string path) = pending.Pop();
            Type type = value.GetType();
            if (s_forbidden.Any(forbidden => forbidden.IsAssignableFrom(type)) || type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true)
            {
                throw new Xunit.Sdk.XunitException($"{path} holds a {type.FullName}.");
            }

            if (type.IsPrimitive || type.IsEnum || value is string || value is decimal || (!type.IsValueType && !visited.Add(value)))
            {
                continue;
            }

            if (value is IEnumerable sequence && type.IsArray)
            {
                int i = 0;
                foreach (object? item in sequence)
                {
                    if (item is not null)
                    {
                        pending.Push((item, $"{path}[{i}]"));
                    }

                    i++;
                }

                continue;
            }

            for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
            {
                foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (field.GetValue(value) is { } child)
                    {
                        pending.Push((child, $"{path}.{field.Name}"));
                    }
                }
            }
        }
    }
}
