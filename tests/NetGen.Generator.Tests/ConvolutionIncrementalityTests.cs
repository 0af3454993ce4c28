using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>A convolutional network caches like a dense one: an unrelated edit leaves Parse and Infer cached; a kernel change is Modified.</summary>
public class ConvolutionIncrementalityTests
{
    private const string Network = """
        using NetGen;

        namespace App;

        [Network(Loss = LossFunction.SoftmaxCrossEntropy)]
        [Input(1, 28, 28)]
        [Conv2D(8, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
        [Flatten] [Dense(10)] [Softmax]
        public partial class Cnn;
        """;

    [Fact]
    public void An_unrelated_edit_leaves_parse_and_infer_cached()
    {
        CSharpCompilation compilation = TestCompilation.Create(Network);
        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public static class Added { }", TestCompilation.ParseOptions, path: "Added.cs"));

        GeneratorRunResult second = RunTwice(compilation, edited);

        Assert.All(new[] { "Parse", "Infer" }, step => Assert.All(Reasons(second, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}")));
    }

    [Fact]
    public void Changing_a_kernel_size_modifies_parse_and_infer()
    {
        CSharpCompilation compilation = TestCompilation.Create(Network);
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.ToString().Contains("Conv2D(8, 3"));
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Network.Replace("Conv2D(8, 3", "Conv2D(8, 5"))));

        GeneratorRunResult second = RunTwice(compilation, edited);

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, "Parse"));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, "Infer"));
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result, string step)
    {
        Assert.True(result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs), $"step {step} did not run");
        return runs.SelectMany(r => r.Outputs).Select(o => o.Reason).ToArray();
    }

    private static GeneratorRunResult RunTwice(Compilation first, Compilation second)
    {
        GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(first);
        Assert.Null(driver.GetRunResult().Results.Single().Exception);
        driver = driver.RunGenerators(second);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return result;
    }
}
