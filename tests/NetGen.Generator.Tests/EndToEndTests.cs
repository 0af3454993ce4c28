using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>
/// The generator run by <see cref="CSharpGeneratorDriver"/> on real sources (C# 12): the generated code compiles with no
/// warning, and a network with errors still leaves the user's code compiling.
/// </summary>
public class EndToEndTests
{
    [Fact]
    public void FashionMlp_compiles_with_no_warnings()
    {
        Compilation output = AssertGeneratesCleanly(Sources.FashionMlp, expectedFiles: 6);

        Assert.NotNull(output.GetTypeByMetadataName("Samples.FashionMlp")!.GetMembers("TrainStep").FirstOrDefault());
    }

    [Fact]
    public void Every_layer_kind_every_loss_float_double_nested_and_global_compile_with_no_warnings()
    {
        Compilation output = AssertGeneratesCleanly(Sources.Zoo, expectedFiles: 6 * 6);

        INamedTypeSymbol image = output.GetTypeByMetadataName("Zoo.Outer+Middle+Image")!;
        Assert.Contains(image.AllInterfaces, i => i.ToDisplayString() == "NetGen.INetwork<float>");
        Assert.Equal(784, ((IFieldSymbol)image.GetMembers("InputSize").Single()).ConstantValue);
        INamedTypeSymbol xor = output.GetTypeByMetadataName("Zoo.Xor")!;
        Assert.Contains(xor.AllInterfaces, i => i.ToDisplayString() == "NetGen.INetwork<double>");
    }

    [Fact]
    public void Generated_code_compiles_as_an_executable_that_emits()
    {
        (Compilation output, _, _) = TestCompilation.RunGenerator(TestCompilation.Create(Sources.FashionMlp, Sources.Zoo));

        using var stream = new System.IO.MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = output.Emit(stream);

        Assert.True(result.Success, TestCompilation.Describe(result.Diagnostics));
    }

    public static TheoryData<string, string, string> InvalidDeclarations => new()
    {
        { "no Input", "[Network] [Dense(10)] public partial class Net;", "NG0003" },
        { "nothing at all", "[Network] public partial class Net;", "NG0003" },
        { "negative size", "[Network] [Input(4)] [Dense(-3)] public partial class Net;", "NG0007" },
        { "negative input size", "[Network] [Input(-4)] [Dense(3)] public partial class Net;", "NG0007" },
        { "dropout rate 1.5", "[Network] [Input(4)] [Dense(3)] [Dropout(1.5)] public partial class Net;", "NG0007" },
        { "loss mismatch", "[Network(Loss = LossFunction.SoftmaxCrossEntropy)] [Input(4)] [Dense(3)] public partial class Net;", "NG0004" },
        { "stated input size", "[Network] [Input(784)] [Dense(256)] [ReLU] [Dense(10, Inputs = 100)] public partial class Net;", "NG0001" },
        { "Dense after a 3-D map", "[Network] [Input(1, 28, 28)] [Dense(10)] public partial class Net;", "NG0008" },
        { "over budget", "[Network(MaxParameters = 10)] [Input(4)] [Dense(3)] public partial class Net;", "NG0011" },
        { "several errors", "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(4)] [Dropout(2)] [Dense(3)] public partial class Net;", "NG0004 NG0007" },
        // Nothing to run: NG0016, and the members throw NotSupportedException.
        { "no layers after Input", "[Network] [Input(4)] public partial class Net;", "NG0016" },
    };

    [Theory]
    [MemberData(nameof(InvalidDeclarations))]
    public void An_invalid_declaration_leaves_only_the_NG_errors(string situation, string declaration, string expectedIds)
    {
        string source = $$"""
            using NetGen;
            {{declaration}}

            public static class Usage
            {
                public static float Run(int batch)
                {
                    var net = new Net();
                    var outputs = new float[batch * Net.OutputSize];
                    net.Predict(new float[batch * Net.InputSize], outputs);
                    return net.TrainStep(outputs, outputs) + net.Parameters.Length + Net.ParameterCount;
                }
            }
            """;

        (Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics, GeneratorDriverRunResult run) = TestCompilation.RunGenerator(TestCompilation.Create(source));

        Assert.Null(run.Results.Single().Exception);
        Assert.Empty(generatorDiagnostics);
        Assert.Single(run.GeneratedTrees);
        Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, $"{situation}:\n{TestCompilation.Describe(problems)}");

        // The analyzer reports the NG errors: nothing else is wrong.
        string ids = string.Join(" ", AnalyzerDiagnostics(output).Select(d => d.Id).OrderBy(id => id, System.StringComparer.Ordinal));
        Assert.Equal(expectedIds, ids);
        Assert.Contains("throw new global::System.NotSupportedException", run.GeneratedTrees[0].ToString());
    }

    [Fact]
    public void A_class_that_is_not_partial_gets_nothing_and_only_NG0005()
    {
        string source = """
            using NetGen;
            [Network] [Input(4)] [Dense(3)]
            public class Net { }
            """;

        (Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics, GeneratorDriverRunResult run) = TestCompilation.RunGenerator(TestCompilation.Create(source));

        Assert.Null(run.Results.Single().Exception);
        Assert.Empty(generatorDiagnostics);
        Assert.Empty(run.GeneratedTrees);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(new[] { "NG0005" }, AnalyzerDiagnostics(output).Select(d => d.Id));
    }

    [Fact]
    public void Layers_spread_over_two_declarations_get_throwing_members_and_only_NG0006()
    {
        string source = """
            using NetGen;
            [Network] [Input(4)] [Dense(3)]
            public partial class Net;
            [ReLU] [Dense(1)]
            public partial class Net;

            public static class Usage
            {
                public static void Run(float[] inputs, float[] outputs) => new Net().Predict(inputs, outputs);
            }
            """;

        (Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics, GeneratorDriverRunResult run) = TestCompilation.RunGenerator(TestCompilation.Create(source));

        Assert.Null(run.Results.Single().Exception);
        Assert.Empty(generatorDiagnostics);
        Assert.Contains("throw new global::System.NotSupportedException", Assert.Single(run.GeneratedTrees).ToString());
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(new[] { "NG0006" }, AnalyzerDiagnostics(output).Select(d => d.Id));
    }

    [Fact]
    public void Layer_properties_avoid_the_users_members_and_generated_names()
    {
        Compilation output = AssertGeneratesCleanly("""
            using NetGen;
            namespace App;
            [Network]
            [Input(4)]
            [Dense(3)] [ReLU]
            [Dense(3, Name = "hidden")] [ReLU]
            [Dense(3, Name = "hidden layer")] [Tanh]
            [Dense(3, Name = "W1")] [Dense(2, Name = "Predict")]
            public partial class Net
            {
                public int Dense1 => 1;
                public string ReLU2() => "mine";
            }
            """, expectedFiles: 6);

        string[] properties = output.GetTypeByMetadataName("App.Net")!.GetMembers().OfType<IPropertySymbol>()
            .Where(p => p.Type.Name == "LayerView").Select(p => p.Name).ToArray();
        Assert.Equal(new[] { "Dense1Layer", "ReLU2Layer", "Hidden", "ReLU4", "HiddenLayer", "Tanh6", "W1Layer", "PredictLayer" }, properties);
    }

    [Fact]
    public void Generated_code_is_immune_to_user_types_named_like_framework_types()
    {
        AssertGeneratesCleanly(HostileNamespace("""
            public class Math { }
            public class MathF { }
            public class ArgumentException { }
            public class NotSupportedException { }
            public class Kernels { }
            public class String { }
            public class Int32 { }
            public class Single { }
            public class Double { }
            public class Collections { }
            public class CodeDom { }
            public class System { }
            public class IReadOnlyList<T> { }
            public class MemoryExtensions { }
            """), expectedFiles: 7, allowAnalyzerErrors: true);
    }

    [Fact]
    public void Generated_code_is_immune_to_user_types_named_Span_ReadOnlySpan_or_Array()
    {
        AssertGeneratesCleanly(HostileNamespace("""
            public class Array { }
            public class Span<T> { }
            public class ReadOnlySpan<T> { }
            """), expectedFiles: 7, allowAnalyzerErrors: true);
    }

    /// <summary>A runnable network (every kind of generated code) and a broken one (the stub) next to <paramref name="types"/>.</summary>
    private static string HostileNamespace(string types) => $$"""
        using NetGen;
        namespace App
        {
            {{types}}

            [Network(Loss = LossFunction.SoftmaxCrossEntropy, L1 = 0.01, L2 = 0.01, UnrollLimit = 64)]
            [Input(4)] [Dense(8)] [BatchNorm] [PReLU] [Dropout(0.1)] [Maxout(4)] [Dense(3)] [Softmax]
            public partial class Net;

            [Network] [Input(4)] [Dense(-1)]
            public partial class Broken;
        }
        """;

    [Fact]
    public void A_record_gets_nothing_and_only_NG0005()
    {
        string source = """
            using NetGen;
            [Network] [Input(4)] [Dense(3)]
            public partial record Net;
            """;

        (Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics, GeneratorDriverRunResult run) = TestCompilation.RunGenerator(TestCompilation.Create(source));

        Assert.Null(run.Results.Single().Exception);
        Assert.Empty(generatorDiagnostics);
        Assert.Empty(run.GeneratedTrees);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(new[] { "NG0005" }, AnalyzerDiagnostics(output).Select(d => d.Id));
    }

    [Fact]
    public void A_Conv2D_network_compiles_with_its_convolution_and_pooling_generated()
    {
        Compilation output = AssertGeneratesCleanly("""
            using NetGen;
            [Network(Loss = LossFunction.SoftmaxCrossEntropy)]
            [Input(1, 28, 28)] [Conv2D(8, 3)] [MaxPool2D(2)] [Flatten] [Dense(10)] [Softmax]
            public partial class ConvNet;
            """, expectedFiles: 6);

        Assert.Contains(output.SyntaxTrees, t => t.ToString().Contains("global::NetGen.Kernels.Conv2D.Forward("));
        Assert.DoesNotContain(output.SyntaxTrees, t => t.ToString().Contains("NotSupportedException(NotRunnable)"));
    }

    /// <summary>Runs the generator and asserts: no exception, no generator diagnostic, zero warnings or errors in the output.</summary>
    private static Compilation AssertGeneratesCleanly(string source, int expectedFiles, bool allowAnalyzerErrors = false)
    {
        CSharpCompilation input = TestCompilation.Create(source);

        (Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics, GeneratorDriverRunResult run) = TestCompilation.RunGenerator(input);

        Assert.Null(run.Results.Single().Exception);
        Assert.Empty(generatorDiagnostics);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(expectedFiles, run.GeneratedTrees.Length);
        Assert.All(run.GeneratedTrees, tree => Assert.Equal(LanguageVersion.CSharp12, ((CSharpParseOptions)tree.Options).LanguageVersion));
        Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, "The output compilation has diagnostics:\n" + TestCompilation.Describe(problems));
        if (!allowAnalyzerErrors)
        {
            Assert.Empty(AnalyzerDiagnostics(output).Where(d => d.Severity >= DiagnosticSeverity.Warning));
        }

        return output;
    }

    private static ImmutableArray<Diagnostic> AnalyzerDiagnostics(Compilation compilation) => TestCompilation.AnalyzerDiagnostics(compilation);
}
