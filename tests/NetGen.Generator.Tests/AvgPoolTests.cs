using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;
using NetGen.Generator.Analysis;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Tests.Infrastructure;
using static NetGen.Generator.Tests.Infrastructure.Specs;

namespace NetGen.Generator.Tests;

/// <summary>
/// The average pooling kinds (AvgPool2D, AvgPool1D, GlobalAvgPool) at every stage: parser, shape rule, analyzer spans,
/// emitted code (a snapshot and its sentences) and end to end.
/// </summary>
public class AvgPoolTests
{
    [Fact]
    public void The_parser_reads_size_stride_and_padding_and_the_default_stride_is_the_size()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network]
            [Input(2, 12, 12)]
            [AvgPool2D(2)]
            [AvgPool2D(3, Stride = 1, Padding = 1)]
            [GlobalAvgPool(Name = "gap")]
            public partial class Net;
            [Network]
            [Input(2, 20)]
            [AvgPool1D(4, Padding = 2)]
            [AvgPool1D(2, Stride = 1)]
            public partial class Net1D;
            """);

        Assert.Equal(new AvgPool2DSpec(2, 2, 0) { AttributeIndex = 1 }, spec.Layers[1]);
        Assert.Equal(new AvgPool2DSpec(3, 1, 1) { AttributeIndex = 2 }, spec.Layers[2]);
        Assert.Equal(new GlobalAvgPoolSpec { AttributeIndex = 3, Name = "gap" }, spec.Layers[3]);

        NetworkSpec oneD = TestCompilation.ParseSpec("""
            using NetGen;
            [Network]
            [Input(2, 20)]
            [AvgPool1D(4, Padding = 2)]
            [AvgPool1D(2, Stride = 1)]
            public partial class Net1D;
            """, "Net1D");
        Assert.Equal(new AvgPool1DSpec(4, 4, 2) { AttributeIndex = 1 }, oneD.Layers[1]);
        Assert.Equal(new AvgPool1DSpec(2, 1, 0) { AttributeIndex = 2 }, oneD.Layers[2]);
    }

    [Fact]
    public void Shapes_count_the_padding_and_global_pooling_gives_one_value_per_channel()
    {
        // (9 + 2·1 − 3)/2 + 1 = 5; (12 + 2·2 − 4)/4 + 1 = 4.
        NetworkPlan plan = ShapeInference.Infer(Net(Input(3, 9, 9), AvgPool2D(3, stride: 2, padding: 1), Conv2D(4, 3, padding: 1), GlobalAvgPool(), Dense(2)));
        Assert.True(plan.IsRunnable);
        Assert.Equal(new[] { "3×5×5", "4×5×5", "4", "2" }, plan.Layers.Select(l => ShapeInference.Dims(l.OutputShape)));
        Assert.Empty(plan.Layers[0].Tensors);
        Assert.Empty(plan.Layers[2].Tensors);
        Assert.Equal(new[] { "2×4", "2" }, plan.Layers[3].Tensors.Select(t => ShapeInference.Dims(t.Shape)));

        NetworkPlan oneD = ShapeInference.Infer(Net(Input(2, 12), AvgPool1D(4, padding: 2), GlobalAvgPool(), Dense(1)));
        Assert.True(oneD.IsRunnable);
        Assert.Equal(new[] { "2×4", "2", "1" }, oneD.Layers.Select(l => ShapeInference.Dims(l.OutputShape)));
    }

    [Fact]
    public void Init_Auto_looks_past_average_pooling()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(1, 8, 8), Conv2D(2, 3, padding: 1), AvgPool2D(2), GlobalAvgPool(), ReLU(), Dense(1)));
        Assert.Equal(InitKind.HeNormal, plan.Layers[0].ResolvedInit);
    }

    [Theory]
    [InlineData("size = 0 must be at least 1.", 0, 0, 0)]
    [InlineData("Stride = -1 must be at least 1.", 2, -1, 0)]
    [InlineData("Padding = -1 must be ≥ 0.", 2, 0, -1)]
    [InlineData("Padding = 2 must be less than size = 2: a window over the padding alone would average no input.", 2, 0, 2)]
    public void Invalid_options_are_NG0007(string message, int size, int stride, int padding)
    {
        var spec = new AvgPool2DSpec(size, stride == 0 ? (size > 0 ? size : 1) : stride, padding);
        NetworkPlan plan = ShapeInference.Infer(Net(Input(1, 8, 8), spec, Flatten(), Dense(1)));
        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(DiagnosticId.NG0007, error.Code);
        Assert.Equal($"AvgPool2D (layer 1): {message}", error.Message);
    }

    [Fact]
    public Task NG0007_at_each_invalid_option() => AnalyzerTest.VerifyAsync(
        """
        using NetGen;
        [Network] [Input(1, 8, 8)] [AvgPool2D({|NG0007:0|})] [Flatten] [Dense(1)]
        public partial class A;
        [Network] [Input(1, 8, 8)] [AvgPool2D(2, {|NG0007:Padding = 2|})] [Flatten] [Dense(1)]
        public partial class B;
        [Network] [Input(2, 8)] [AvgPool1D(2, {|NG0007:Stride = -1|}, {|NG0007:Padding = -1|})] [Flatten] [Dense(1)]
        public partial class C;
        """);

    [Fact]
    public Task NG0002_at_the_stride_and_NG0008_at_the_attribute() => AnalyzerTest.VerifyAsync(
        """
        using NetGen;
        [Network] [Input(1, 9, 9)] [AvgPool2D(2, {|NG0002:Stride = 2|})] [Flatten] [Dense(1)]
        public partial class A;
        [Network] [Input(2, 8)] [AvgPool1D({|NG0002:9|})] [Flatten] [Dense(1)]
        public partial class B;
        [Network] [Input(16)] [{|NG0008:GlobalAvgPool|}] [Dense(1)]
        public partial class C;
        [Network] [Input(2, 8)] [{|NG0008:AvgPool2D(2)|}] [Flatten] [Dense(1)]
        public partial class D;
        """);

    [Fact]
    public Task NG0008_names_the_shapes_GlobalAvgPool_takes() => AnalyzerTest.VerifyAsync(
        """
        using NetGen;
        [Network] [Input(16)] [GlobalAvgPool] [Dense(1)]
        public partial class Flat;
        """,
        withGenerator: false,
        new DiagnosticResult("NG0008", DiagnosticSeverity.Error)
            .WithSpan(2, 24, 2, 37)
            .WithMessage("GlobalAvgPool (layer 1) averages each channel's map, so it needs a channels × height × width or channels × length input (e.g. after a convolution) but receives [16]. Input(16)"));

    [Fact]
    public void Snapshot_of_a_network_with_every_average_pooling_kind()
    {
        NetworkSpec spec = Net(
            "AvgPoolNet", LossKind.SoftmaxCrossEntropy,
            Input(2, 9, 9), Conv2D(4, 3, padding: 1), AvgPool2D(3, stride: 2, padding: 1), Conv2D(3, 3, padding: 1), ReLU(), GlobalAvgPool(), Dense(3), Softmax()) with { DoublePrecision = true };

        Snapshot.Match(nameof(Snapshot_of_a_network_with_every_average_pooling_kind), NetworkEmitter.Emit(ShapeInference.Infer(spec)));
    }

    [Fact]
    public void Each_block_states_its_math_and_calls_the_kernel_with_constant_sizes()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(2, 12), Conv1D(3, 3), AvgPool1D(2, padding: 1), GlobalAvgPool(), Dense(1)));
        string forward = Source(plan, "Forward"), backward = Source(plan, "Backward"), onnx = Source(plan, "Onnx"), parameters = Source(plan, "Parameters");

        Assert.Contains("// Layer 2: AvgPool1D 3×10 → 3×6, window 2, stride 2, padding 1.  A2[s,c,i] = mean_(u < 2) A1[s, c, 2i − 1 + u], over the positions inside the map (padding not counted)", forward);
        Assert.Contains("global::NetGen.Kernels.AvgPool1D.Forward(a1, a2, batch, channels: 3, length: 10, size: 2, stride: 2, padding: 1);", forward);
        Assert.Contains("// Layer 3: GlobalAvgPool 3×6 → 3.  A3[s,c] = (1/6) Σ_p A2[s,c,p], p over the length-6 map", forward);
        Assert.Contains("global::NetGen.Kernels.GlobalAvgPool.Forward(a2, a3, batch, channels: 3, spatial: 6);", forward);
        Assert.Contains("dA1 = 0, then dA1[s, c, 2i − 1 + u] += dA2[s,c,i] / n_i: each gradient shared equally by the real inputs of its window", backward);
        Assert.Contains("global::NetGen.Kernels.AvgPool1D.Backward(dA2, dA1, batch, channels: 3, length: 10, size: 2, stride: 2, padding: 1);", backward);
        Assert.Contains("// Layer 3: GlobalAvgPool 3×6 → 3.  dA2[s,c,p] = dA3[s,c] / 6", backward);
        Assert.Contains("global::NetGen.Kernels.GlobalAvgPool.Backward(dA3, dA2, batch, channels: 3, spatial: 6);", backward);
        Assert.Contains("graph.AvgPool1D(\"AvgPool1D2\", channels: 3, size: 2, stride: 2, padding: 1);", onnx);
        Assert.Contains("graph.GlobalAvgPool(\"GlobalAvgPool3\", channels: 3);", onnx);
        Assert.Contains("AvgPool1D(2, stride 2, padding 1) → GlobalAvgPool", parameters);
    }

    [Fact]
    public void A_first_average_pooling_layer_writes_no_input_gradient()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(2, 6, 6), AvgPool2D(2), Conv2D(2, 3), GlobalAvgPool(), Dense(1)));
        string backward = Source(plan, "Backward");
        Assert.DoesNotContain("AvgPool2D.Backward", backward);
        Assert.Contains("// Layer 1: AvgPool2D 2×6×6 → 2×3×3, 2×2 window, stride 2.  (the input needs no gradient)", backward);
    }

    public static TheoryData<string> Networks => new()
    {
        "[Network(Loss = LossFunction.SoftmaxCrossEntropy)] [Input(1, 28, 28)] [Conv2D(8, 3, Padding = 1)] [ReLU] [GlobalAvgPool] [Dense(10)] [Softmax] public partial class Net;",
        "[Network(Precision = Precision.Double)] [Input(2, 9, 9)] [AvgPool2D(3, Stride = 2, Padding = 1)] [Conv2D(3, 3)] [BatchNorm] [AvgPool2D(3, Stride = 1)] [Flatten] [Dense(2)] public partial class Net;",
        "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(3, 16)] [Conv1D(4, 3)] [AvgPool1D(2, Padding = 1)] [GlobalAvgPool] [Dense(1)] [Sigmoid] public partial class Net;",
        "[Network] [Input(2, 10)] [GlobalAvgPool] public partial class Net;",
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Generated_code_compiles_with_no_diagnostic(string declaration)
    {
        CSharpCompilation input = TestCompilation.Create($"using NetGen;\nnamespace App;\n{declaration}");

        (Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics, GeneratorDriverRunResult run) = TestCompilation.RunGenerator(input);

        Assert.Null(run.Results.Single().Exception);
        Assert.Empty(generatorDiagnostics);
        Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, "The output compilation has diagnostics:\n" + TestCompilation.Describe(problems));
        Assert.Empty(TestCompilation.AnalyzerDiagnostics(output).Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.DoesNotContain(run.GeneratedTrees, tree => tree.ToString().Contains("NotSupportedException(NotRunnable)"));
    }

    private static string Source(NetworkPlan plan, string file) =>
        NetworkEmitter.Emit(plan).Single(f => f.HintName.EndsWith($".{file}.g.cs", System.StringComparison.Ordinal)).Source;
}
