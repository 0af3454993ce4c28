using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Analysis;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Tests.Infrastructure;
using static NetGen.Generator.Tests.Infrastructure.Specs;

namespace NetGen.Generator.Tests;

/// <summary>
/// Emission of convolution and pooling layers: snapshots of whole networks (set <c>NETGEN_UPDATE_SNAPSHOTS=1</c> to
/// accept a deliberate change), the sentences and calls, and end to end: the generated code compiles with no diagnostic.
/// </summary>
public class ConvolutionEmitterTests
{
    [Fact]
    public void Cnn_classifier_in_double()
    {
        NetworkSpec spec = Net(
            "Cnn", LossKind.SoftmaxCrossEntropy,
            Input(1, 9, 9), Conv2D(4, 3, padding: 1), BatchNorm(), ReLU(), MaxPool2D(3),
            Conv2D(6, 3, stride: 2, padding: 1), ReLU(), MaxPool2D(2), Flatten(), Dense(8), ReLU(), Dropout(0.25), Dense(3), Softmax()) with { DoublePrecision = true };

        IReadOnlyList<(string HintName, string Source)> files = NetworkEmitter.Emit(ShapeInference.Infer(spec));

        Snapshot.Match(nameof(Cnn_classifier_in_double), files);
    }

    [Fact]
    public void Conv1D_network()
    {
        NetworkSpec spec = Net("Sequence", LossKind.MeanSquaredError, Input(3, 11), Conv1D(4, 3, stride: 2, padding: 1), MaxPool1D(2), Conv1D(2, 2), Tanh(), Flatten(), Dense(2));

        Snapshot.Match(nameof(Conv1D_network), NetworkEmitter.Emit(ShapeInference.Infer(spec)));
    }

    [Fact]
    public void Each_block_starts_with_its_sentence_and_math_and_calls_the_kernel_with_constant_sizes()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(LossKind.SoftmaxCrossEntropy, Input(1, 28, 28), Conv2D(8, 3), MaxPool2D(2), Flatten(), Dense(10), Softmax()));
        string forward = Source(plan, "Forward"), backward = Source(plan, "Backward"), parameters = Source(plan, "Parameters");

        Assert.Contains("// Layer 1: Conv2D 1×28×28 → 8×26×26, 3×3 kernel, stride 1.  A1[B×8×26×26] = W1[8×1×3×3] ⊛ A0 + b1[8]", forward);
        Assert.Contains("//   A1[s,f,i,j] = b1[f] + Σ_c,u,v W1[f,c,u,v] · A0[s, c, i + u, j + v]\n", forward);
        Assert.Contains("global::NetGen.Kernels.Conv2D.Forward(a0, W1, b1, a1, workspace1, batch, channels: 1, height: 28, width: 28, filters: 8, kernel: 3, stride: 1, padding: 0);", forward);
        Assert.Contains("public readonly float[] Workspace1 = new float[11492];", forward); // 9·676 + 8·max(676, 9)
        Assert.Contains("// Layer 2: MaxPool2D 8×26×26 → 8×13×13, 2×2 window, stride 2.  A2[s,c,i,j] = max_(u,v < 2) A1[s, c, 2i + u, 2j + v];  argmax2 = the index in A1 of each maximum", forward);
        Assert.Contains("public int[] Argmax2 = global::System.Array.Empty<int>();", forward);
        Assert.Contains("var argmax2 = ws.Argmax2.AsSpan(0, batch * 1352);", forward);
        Assert.Contains("var newArgmax2 = new int[batch * 1352];", forward);

        Assert.Contains("// Layer 2: MaxPool2D 8×26×26 → 8×13×13, 2×2 window, stride 2.  dA1 = 0, then dA1[argmax2[k]] += dA2[k]", backward);
        Assert.Contains("global::NetGen.Kernels.MaxPool2D.Backward(argmax2, dA2, dA1, batch, channels: 8, height: 26, width: 26, size: 2, stride: 2);", backward);
        Assert.Contains("(the input needs no gradient)", backward);
        Assert.Contains("global::NetGen.Kernels.Conv2D.Backward(a0, W1, dA1, dW1, db1, global::System.Span<float>.Empty, workspace1, batch,", backward);

        // No activation follows (the pooling is skipped, then Dense): Glorot with fanIn = C·k·k, fanOut = F·k·k.
        Assert.Contains("// Layer 1: Conv2D 1×28×28 → 8×26×26, 3×3 kernel, stride 1.  W1 ~ Glorot normal, Var = 2/(9 + 72) (Init.Auto); b1 = 0.", parameters);
        Assert.Contains("global::NetGen.Kernels.Initializers.GlorotNormal(W1, fanIn: 9, fanOut: 72, random);", parameters);
        Assert.Contains("Conv2D W [filters × channels × k × k] then b [filters]", parameters);
        Assert.Contains("Input(1×28×28) → Conv2D(8, 3, stride 1, padding 0) → MaxPool2D(2, stride 2) → Flatten → Dense(10) → Softmax", parameters);
    }

    [Fact]
    public void Pooling_as_the_first_layer_keeps_no_indexes()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(2, 6, 6), MaxPool2D(2), Conv2D(2, 3), Flatten(), Dense(2)));

        string forward = Source(plan, "Forward");
        Assert.Contains("global::NetGen.Kernels.MaxPool2D.Forward(a0, a1, global::System.Span<int>.Empty, batch,", forward);
        Assert.DoesNotContain("_argmax", forward);
        Assert.DoesNotContain("MaxPool2D.Backward", Source(plan, "Backward"));
    }

    public static TheoryData<string> Networks => new()
    {
        "[Network(Loss = LossFunction.SoftmaxCrossEntropy)] [Input(1, 28, 28)] [Conv2D(32, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)] [Conv2D(64, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)] [Flatten] [Dense(128)] [ReLU] [Dropout(0.3)] [Dense(10)] [Softmax] public partial class Net;",
        "[Network(Precision = Precision.Double, L1 = 0.001, L2 = 0.01)] [Input(3, 7, 5)] [Conv2D(4, 3, Stride = 2, Padding = 1, Init = Init.HeUniform)] [PReLU] [Conv2D(2, 2)] [Dropout(0.5)] [Flatten] [Dense(1)] public partial class Net;",
        "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(2, 6, 6)] [MaxPool2D(2)] [Conv2D(2, 3, Name = \"features\")] [Flatten] [Dense(1)] [Sigmoid] public partial class Net;",
        "[Network(Precision = Precision.Double)] [Input(3, 11)] [Conv1D(4, 3, Stride = 2, Padding = 1)] [BatchNorm] [ELU] [MaxPool1D(2)] [Conv1D(2, 2)] [Flatten] [Dense(2)] public partial class Net;",
        "[Network] [Input(2, 10)] [MaxPool1D(3, Stride = 1)] [Conv1D(3, 1)] [Tanh] public partial class Net;",
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Generated_code_compiles_with_no_diagnostic(string declaration)
    {
        CSharpCompilation input = TestCompilation.Create($"using NetGen;\nnamespace App;\n{declaration}");

        (Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics, GeneratorDriverRunResult run) = TestCompilation.RunGenerator(input);

        Assert.Null(run.Results.Single().Exception);
        Assert.Empty(generatorDiagnostics);
        Assert.Equal(6, run.GeneratedTrees.Length);
        Assert.All(run.GeneratedTrees, tree => Assert.Equal(LanguageVersion.CSharp12, ((CSharpParseOptions)tree.Options).LanguageVersion));
        Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, "The output compilation has diagnostics:\n" + TestCompilation.Describe(problems));
        Assert.Empty(TestCompilation.AnalyzerDiagnostics(output).Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.DoesNotContain(run.GeneratedTrees, tree => tree.ToString().Contains("NotSupportedException(NotRunnable)"));
    }

    private static string Source(NetworkPlan plan, string file) =>
        NetworkEmitter.Emit(plan).Single(f => f.HintName.EndsWith($".{file}.g.cs", System.StringComparison.Ordinal)).Source;
}
