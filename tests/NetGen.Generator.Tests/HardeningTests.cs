using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>
/// Issue 12, principles 1–3: the generator and the analyzer never throw, every declaration ends in generated code that
/// compiles or in an NG error on the user's source, names never collide, and every mistake is an NG diagnostic.
/// </summary>
public class HardeningTests
{
    private static Task Verify(string source, params DiagnosticResult[] expected) => AnalyzerTest.VerifyAsync("using NetGen;\n" + source, withGenerator: false, expected);

    private static Task VerifyWithGenerator(string source, params DiagnosticResult[] expected) => AnalyzerTest.VerifyAsync("using NetGen;\n" + source, withGenerator: true, expected);

    /// <summary>Generator and analyzer over <paramref name="sources"/>: what a build reports, with every exception caught.</summary>
    internal static (Compilation Output, ImmutableArray<Diagnostic> Generator, ImmutableArray<Diagnostic> Analyzer, List<Exception> Exceptions) Build(params string[] sources)
    {
        (Compilation output, ImmutableArray<Diagnostic> generator, GeneratorDriverRunResult run) = TestCompilation.RunGenerator(TestCompilation.Create(sources));
        var exceptions = new List<Exception>();
        exceptions.AddRange(run.Results.Where(r => r.Exception is not null).Select(r => r.Exception!));
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), (e, _, _) => exceptions.Add(e), concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> analyzer = output.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new Diagnostics.NetworkAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return (output, generator, analyzer, exceptions);
    }

    private static void AssertNoCrash((Compilation Output, ImmutableArray<Diagnostic> Generator, ImmutableArray<Diagnostic> Analyzer, List<Exception> Exceptions) build)
    {
        Assert.Empty(build.Exceptions);
        Assert.DoesNotContain(build.Generator.Concat(build.Analyzer), d => d.Id is "CS8785" or "AD0001");
    }

    private static Diagnostic[] GeneratedErrors(Compilation output) => output.GetDiagnostics()
        .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal))
        .ToArray();

    // ───────────────────────── 1. never throw, never emit code that does not compile ─────────────────────────

    [Theory]
    [InlineData("[Input({|NG0007:null|})]")]
    [InlineData("[Input({|NG0007:(int[])null|})]")]
    [InlineData("[Input({|NG0007:shape: null|})]")]
    public Task A_null_input_shape_is_NG0007_at_the_argument(string input) => Verify($$"""
        [Network] {{input}} [Dense(3)]
        public partial class Net;
        """);

    [Fact]
    public void A_null_input_shape_generates_a_compiling_stub()
    {
        var build = Build("using NetGen; [Network] [Input(shape: null)] [Dense(3)] public partial class Tiny; class User { int Size() => Tiny.InputSize; }");

        AssertNoCrash(build);
        Assert.Empty(build.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Contains(build.Analyzer, d => d.Id == "NG0007");
    }

    [Fact]
    public void Network_on_two_partial_declarations_makes_one_network()
    {
        var build = Build(
            "using NetGen; namespace Two; [Network(Seed = 3)] [Input(5)] [Dense(2)] public partial class Split;",
            "using NetGen; namespace Two; [Network(Seed = 4)] public partial class Split { public int Extra => OutputSize; }");

        AssertNoCrash(build);
        Assert.Equal(6, build.Output.SyntaxTrees.Count(t => t.FilePath.EndsWith(".g.cs", StringComparison.Ordinal)));
        Assert.Empty(GeneratedErrors(build.Output));
        Assert.All(build.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error), d => Assert.Equal("CS0579", d.Id)); // the compiler's "duplicate attribute"
    }

    [Fact]
    public void Keyword_names_in_the_namespace_class_containing_type_and_layer_names_compile()
    {
        var build = Build("""
            using NetGen;
            namespace App.@int.@namespace
            {
                public partial class @class
                {
                    [Network(Loss = LossFunction.SoftmaxCrossEntropy)] [Input(3)] [Dense(4, Name = "class")] [ReLU(Name = "event")] [Dense(2, Name = "int")] [Softmax(Name = "line\nbreak\u2028here")]
                    public partial class @event;
                }

                [Network] [Input(2)] [Dense(1, Name = "void")]
                public partial class @record;
            }

            class User { int Size() => App.@int.@namespace.@class.@event.OutputSize + new App.@int.@namespace.@class.@event().Class.ParameterCount; }
            """);

        AssertNoCrash(build);
        Assert.Empty(build.Analyzer.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(build.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Contains(build.Output.SyntaxTrees, t => t.FilePath.EndsWith("App.int.namespace.class-event.Forward.g.cs", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[Dropout({|NG0007:0.99999999|})]")]
    [InlineData("[ELU({|NG0007:1e39|})]")]
    [InlineData("[LeakyReLU({|NG0007:-1e-50|})]")]
    [InlineData("[LeakyReLU({|NG0007:1e-60|})]")]
    [InlineData("[BatchNorm({|NG0007:Epsilon = 1e-50|})]")]
    [InlineData("[BatchNorm({|NG0007:Epsilon = 1e300|})]")]
    [InlineData("[BatchNorm({|NG0007:Momentum = 0.999999999|})]")]
    [InlineData("[PReLU({|NG0007:InitialAlpha = -3e38 * 10|})]")]
    public Task Single_precision_values_are_checked_after_the_cast_to_float(string layer) => Verify($$"""
        [Network] [Input(4)] [Dense(4)] {{layer}} [Dense(1)]
        public partial class Net;
        """);

    [Fact]
    public Task The_same_values_are_valid_in_double_precision() => Verify("""
        [Network(Precision = Precision.Double, L2 = 1e300)] [Input(4)] [Dense(4)] [Dropout(0.99999999)] [ELU(1e39)] [BatchNorm(Epsilon = 1e-50, Momentum = 0.999999999)] [Dense(1)]
        public partial class Net;
        """);

    [Fact]
    public Task Penalty_weights_that_overflow_or_underflow_float_are_NG0007() => Verify("""
        [Network({|NG0007:L1 = 1e-50|}, {|NG0007:L2 = 7e38|})] [Input(4)] [Dense(1)]
        public partial class Net;
        """);

    [Theory]
    [InlineData("[{|NG0011:Maxout(65537, 65536)|}]")]
    [InlineData("[{|NG0011:Maxout(3, 1_000_000_000)|}]")]
    [InlineData("[{|NG0011:Dense(3_000_000)|}]")]
    public Task Sizes_that_do_not_fit_an_array_are_NG0011_at_the_layer(string layer) => Verify($$"""
        [Network] [Input(1000)] {{layer}}
        public partial class Net;
        """);

    [Fact]
    public Task A_huge_padding_is_NG0011_not_a_wrapped_size() => Verify("""
        [Network] [Input(1, 4, 4)] [Conv2D(1, 1, {|NG0011:Padding = 2_000_000_000|})] [Flatten] [Dense(1)]
        public partial class Net;
        """);

    [Fact]
    public void Maxout_parameter_count_is_exact_in_long()
    {
        var plan = Analysis.ShapeInference.Infer(TestCompilation.ParseSpec("using NetGen; [Network] [Input(3)] [Maxout(65537, 65536)] public partial class Net;"));

        Assert.Contains(plan.Diagnostics, d => d.Id == "NG0011" && d.AttributeIndex == 1 && d.Message.Contains("12,885,098,496 values per sample for its weights W", StringComparison.Ordinal));
        Assert.False(plan.IsRunnable);
    }

    // ───────────────────────── 3. every error is an NG error ─────────────────────────

    [Fact]
    public Task NG0016_at_the_Input_when_nothing_follows() => Verify("""
        [Network] [{|NG0016:Input(4)|}]
        public partial class Net;
        """);

    [Fact]
    public Task NG0016_message() => Verify(
        """
        [Network] [Input(2, 9)]
        public partial class Lonely;
        """,
        new DiagnosticResult("NG0016", DiagnosticSeverity.Error).WithSpan(2, 12, 2, 23)
            .WithMessage("Lonely has no layer after [Input(2×9)]: a network needs at least one, e.g. [Dense(10)], so there is nothing to generate."));

    [Theory]
    [InlineData("{|NG0007:Precision = (Precision)5|}")]
    [InlineData("{|NG0007:Loss = (LossFunction)9|}")]
    public Task Undefined_enum_values_are_NG0007_at_the_argument(string argument) => Verify($$"""
        [Network({{argument}})] [Input(4)] [Dense(1)]
        public partial class Net;
        """);

    [Fact]
    public Task An_undefined_Init_is_NG0007_at_the_argument() => Verify("""
        [Network] [Input(4)] [Dense(1, {|NG0007:Init = (Init)42|})]
        public partial class Net;
        """);

    [Fact]
    public Task NG0015_above_the_unroll_ceiling() => Verify(
        """
        [Network(UnrollLimit = 1_000_000)] [Input(4)] [Dense(1)]
        public partial class Net;
        """,
        new DiagnosticResult("NG0015", DiagnosticSeverity.Warning).WithSpan(2, 10, 2, 33)
            .WithMessage("UnrollLimit = 1,000,000 is above the ceiling of 4,096 weights: larger layers would be written out as so many statements that the build slows down without making the network faster. Layers up to 4,096 weights are unrolled; larger ones call the runtime's kernels."));

    [Fact]
    public Task The_unroll_ceiling_itself_is_allowed() => Verify("""
        [Network(UnrollLimit = 4096)] [Input(4)] [Dense(1)]
        public partial class Net;
        """);

    [Fact]
    public void Above_the_ceiling_layers_are_unrolled_up_to_the_ceiling_only()
    {
        // 4 × 1,024 = 4,096 weights (the ceiling) unrolled, 4 × 1,025 not; narrow inputs, as only those unroll.
        var atCeiling = Analysis.ShapeInference.Infer(TestCompilation.ParseSpec("using NetGen; [Network(UnrollLimit = int.MaxValue)] [Input(4)] [Dense(1024)] [ReLU] public partial class Net;"));
        var above = Analysis.ShapeInference.Infer(TestCompilation.ParseSpec("using NetGen; [Network(UnrollLimit = int.MaxValue)] [Input(4)] [Dense(1025)] [ReLU] public partial class Net;"));

        Assert.Equal(new[] { true, false }, atCeiling.Layers.Select(l => l.Unrolled));
        Assert.Equal(new[] { false, false }, above.Layers.Select(l => l.Unrolled));
    }

    [Fact]
    public Task MaxPool_of_size_zero_is_one_NG0007() => Verify("""
        [Network] [Input(1, 8, 8)] [MaxPool2D({|NG0007:0|})] [Flatten] [Dense(1)]
        public partial class Net;
        """);

    // ───────────────────────── 2. names cannot collide ─────────────────────────

    [Fact]
    public Task NG0014_on_a_user_member_named_like_a_private_generated_member() => VerifyWithGenerator("""
        [Network] [Input(4)] [Dense(2)]
        public partial class Net
        {
            public void {|NG0014:Train|}(int epochs) { }
            private int {|NG0014:_parameters|};
        }
        """);

    [Fact]
    public Task NG0014_message_names_the_member_and_what_it_is() => VerifyWithGenerator(
        """
        [Network] [Input(4)] [Dense(2)]
        public partial class Net
        {
            public string Predict(string text) => text;
        }
        """,
        new DiagnosticResult("NG0014", DiagnosticSeverity.Error).WithSpan(5, 19, 5, 26)
            .WithMessage("'Predict' is a public member NetGen generates in Net: rename your member."));

    [Fact]
    public Task NG0014_on_a_tensor_span_name_of_this_network() => VerifyWithGenerator("""
        [Network] [Input(4)] [Dense(2)] [BatchNorm]
        public partial class Net
        {
            public int {|NG0014:dW1|} => 0;
            public int {|NG0014:runningMean2|} => 0;
            public int W7 => 0; // no layer 7: no collision
        }
        """);

    [Fact]
    public Task NG0014_on_user_constructors_that_clash_or_do_not_chain() => VerifyWithGenerator("""
        [Network] [Input(4)] [Dense(2)]
        public partial class Net
        {
            public {|NG0014:Net|}() { }
            public {|NG0014:Net|}(int seed) { }
            public {|NG0014:Net|}(string name) { }
            public Net(double seed) : this((int)seed) { }
        }
        """);

    [Fact]
    public Task NG0014_on_the_class_when_it_would_hide_an_inherited_member() => VerifyWithGenerator(
        """
        public class Base { public void Predict() { } protected int Forward => 0; private int Train => 0; }

        [Network] [Input(4)] [Dense(2)]
        public partial class Net : Base;
        """,
        new DiagnosticResult("NG0014", DiagnosticSeverity.Error).WithSpan(5, 22, 5, 25)
            .WithMessage("'Forward' is a private member NetGen generates in Net, and Net inherits a member 'Forward' from its base class that it would hide: rename that member or do not derive the network from that class."),
        new DiagnosticResult("NG0014", DiagnosticSeverity.Error).WithSpan(5, 22, 5, 25)
            .WithMessage("'Predict' is a public member NetGen generates in Net, and Net inherits a member 'Predict' from its base class that it would hide: rename that member or do not derive the network from that class."));

    [Fact]
    public Task A_layer_property_avoids_an_inherited_name() => VerifyWithGenerator("""
        public class Base { public int Hidden => 0; }

        [Network] [Input(4)] [Dense(2, Name = "hidden")]
        public partial class Net : Base;

        class User { int Size(Net net) => net.HiddenLayer.ParameterCount + net.Hidden; }
        """);

    [Fact]
    public void A_network_derived_from_a_class_with_colliding_members_gets_a_stub_that_compiles()
    {
        var build = Build("using NetGen; public class Base { public void Predict() { } public int Layers => 0; } [Network] [Input(4)] [Dense(2)] public partial class Net : Base; class User { int Size() => new Net().Layers; }");

        AssertNoCrash(build);
        Assert.Equal(new[] { "NG0014", "NG0014" }, build.Analyzer.Select(d => d.Id));
        Assert.Empty(build.Output.GetDiagnostics().Where(d => d.Severity != DiagnosticSeverity.Hidden && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true));
    }

    [Theory]
    [InlineData("Summary")]
    [InlineData("Predict")]
    [InlineData("Forward")]
    [InlineData("Workspace")]
    public Task NG0014_on_a_class_named_like_a_generated_member(string name) => VerifyWithGenerator($$"""
        [Network] [Input(4)] [Dense(2)]
        public partial class {|NG0014:{{name}}|};
        """);

    /// <summary>
    /// Every member name the generator emits (read from the generated syntax trees of a network with every layer kind),
    /// tried as a user member and as a layer Name: an NG0014 error, or code that compiles.
    /// </summary>
    [Fact]
    public void Every_emitted_member_name_as_a_user_member_is_NG0014_and_as_a_layer_name_compiles()
    {
        const string Layers = "[Input(1, 6, 6)] [Conv2D(2, 3, Padding = 1)] [BatchNorm] [PReLU] [MaxPool2D(2)] [Conv1D(2, 2)] [Flatten] [Dense(4)] [Dropout(0.1)] [Maxout(2, 2)] [ELU] [Dense(3)] [Softmax]";
        string network = $"using NetGen; namespace N; [Network(Loss = LossFunction.SoftmaxCrossEntropy)] {Layers.Replace("[Conv1D(2, 2)] ", string.Empty, StringComparison.Ordinal)} public partial class Net;";
        var clean = Build(network);
        Assert.Empty(GeneratedErrors(clean.Output));
        string[] names = clean.Output.SyntaxTrees
            .Where(t => t.FilePath.EndsWith(".g.cs", StringComparison.Ordinal))
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Where(c => c.Identifier.ValueText == "Net"))
            .SelectMany(c => c.Members)
            .SelectMany(MemberNames)
            .Distinct()
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();
        Assert.Contains("Forward", names);
        Assert.Contains("_workspaces", names);
        Assert.Contains("W1", names);

        var failures = new List<string>();
        var asMembers = new List<string>();
        var asLayers = new List<string>();
        for (int i = 0; i < names.Length; i++)
        {
            asMembers.Add($"namespace M{i} {{ [Network(Loss = LossFunction.SoftmaxCrossEntropy)] {Layers.Replace("[Conv1D(2, 2)] ", string.Empty, StringComparison.Ordinal)} public partial class Net {{ public int {names[i]}() => 0; }} }}");
            asLayers.Add($"namespace L{i} {{ [Network(Loss = LossFunction.SoftmaxCrossEntropy)] [Input(2)] [Dense(3, Name = \"{names[i]}\")] [ReLU] [Dense(2, Name = \"{names[i]}Layer\")] [Softmax] public partial class Net; }}");
        }

        // A name that is not NG0014 (a layer property, which then takes another name) must compile in the user's line too.
        var members = Build("using NetGen;\n" + string.Join("\n", asMembers));
        AssertNoCrash(members);
        Assert.Empty(GeneratedErrors(members.Output));
        Diagnostic[] errors = members.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        for (int i = 0; i < names.Length; i++)
        {
            bool ng0014 = members.Analyzer.Any(d => d.Id == "NG0014" && d.Location.GetLineSpan().StartLinePosition.Line == i + 2);
            if (!ng0014 && errors.Any(d => d.Location.GetLineSpan().StartLinePosition.Line == i + 2))
            {
                failures.Add($"user member '{names[i]}': no NG0014, and a compiler error");
            }
        }

        var layers = Build("using NetGen;\n" + string.Join("\n", asLayers));
        AssertNoCrash(layers);
        Assert.Empty(layers.Analyzer.Where(d => d.Severity == DiagnosticSeverity.Error));
        failures.AddRange(layers.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static IEnumerable<string> MemberNames(MemberDeclarationSyntax member) => member switch
    {
        FieldDeclarationSyntax field => field.Declaration.Variables.Select(v => v.Identifier.ValueText),
        PropertyDeclarationSyntax property when property.ExplicitInterfaceSpecifier is null => new[] { property.Identifier.ValueText },
        MethodDeclarationSyntax method when method.ExplicitInterfaceSpecifier is null => new[] { method.Identifier.ValueText },
        BaseTypeDeclarationSyntax type => new[] { type.Identifier.ValueText },
        _ => Array.Empty<string>(),
    };
}
