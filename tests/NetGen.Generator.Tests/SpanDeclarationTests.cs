using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>
/// The forward, backward and tangent passes declare the spans their emitters say they use (LayerEmitter.ForwardSpans,
/// BackwardSpans, TangentSpans). A span used but not declared does not compile; this test finds the other mistake, a span declared
/// but never used, for every kind first and later in the network, fused and not.
/// </summary>
public class SpanDeclarationTests
{
    public static IEnumerable<object[]> Networks() => new[]
    {
        "[Network] [Input(4)] [ReLU] [LeakyReLU] [ELU] [Sigmoid] [Tanh] [Dense(3)] public partial class Net;",
        "[Network] [Input(4)] [Dropout(0.5)] [BatchNorm] [PReLU] [PReLU(Shared = true)] [Maxout(3)] [Dense(2)] public partial class Net;",
        "[Network] [Input(4)] [BatchNorm] [Dense(3)] [Dropout(0.1)] [ELU] [Sigmoid] [Tanh] [LeakyReLU] [ReLU] [Dense(2)] public partial class Net;",
        "[Network] [Input(4)] [Maxout(2, 3)] [Dense(30)] [Flatten] public partial class Net;",
        "[Network] [Input(4)] [Flatten] [Dense(2)] [Flatten] [Softmax] [Dense(2)] public partial class Net;",
        "[Network(Loss = LossFunction.SoftmaxCrossEntropy)] [Input(4)] [Softmax] public partial class Net;",
        "[Network(Loss = LossFunction.SoftmaxCrossEntropy)] [Input(4)] [Dense(3)] [Softmax] public partial class Net;",
        "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(4)] [Sigmoid] public partial class Net;",
        "[Network(Loss = LossFunction.BinaryCrossEntropy)] [Input(4)] [Dense(1)] [Sigmoid] public partial class Net;",
        "[Network(Loss = LossFunction.MulticlassHinge)] [Input(4)] [Dense(3)] public partial class Net;",
        "[Network] [Input(1, 6, 6)] [MaxPool2D(2)] [Conv2D(2, 3, Padding = 1)] [MaxPool2D(3)] [Flatten] [Dense(1)] public partial class Net;",
        "[Network] [Input(1, 6, 6)] [Conv2D(2, 3)] [BatchNorm] [Conv2D(2, 3)] [Flatten] public partial class Net;",
        "[Network] [Input(2, 12)] [MaxPool1D(2)] [Conv1D(3, 3)] [MaxPool1D(2)] [Conv1D(2, 1)] [Flatten] public partial class Net;",
        "[Network] [Input(2, 12)] [Conv1D(3, 4, Stride = 2, Padding = 1)] [PReLU] [Flatten] [Dense(1)] public partial class Net;",
        "[Network] [Input(2, 9, 9)] [AvgPool2D(3, Stride = 2, Padding = 1)] [Conv2D(2, 3)] [AvgPool2D(2, Stride = 1)] [GlobalAvgPool] [Dense(1)] public partial class Net;",
        "[Network] [Input(2, 12)] [AvgPool1D(2)] [Conv1D(3, 3)] [AvgPool1D(2, Padding = 1)] [GlobalAvgPool] public partial class Net;",
        "[Network] [Input(2, 12)] [GlobalAvgPool] [Dense(2)] public partial class Net;",
    }.Select(d => new object[] { d });

    [Theory]
    [MemberData(nameof(Networks))]
    public void Every_declared_span_is_used(string declaration)
    {
        (_, _, GeneratorDriverRunResult run) = TestCompilation.RunGenerator(TestCompilation.Create($"using NetGen;\nnamespace App;\n{declaration}"));
        string[] files = run.GeneratedTrees.Select(t => t.ToString()).ToArray();
        Assert.Equal(6, files.Length);

        foreach ((string file, string method) in new[] { ("Forward", "private void Forward("), ("Backward", "private void Backward("), ("Tangent", "private void ForwardTangent("), ("InputGradients", "private void InputGradientsBackward(") })
        {
            string source = Assert.Single(files, f => f.Contains(method));
            string body = MethodBody(source, method);
            string code = Regex.Replace(body, "//[^\n]*", string.Empty);
            foreach (Match declared in Regex.Matches(code, @"(?:var|global::System\.ReadOnlySpan<\w+>) (\w+) = (?:training \? )?(?:ws\.|p\.IsEmpty)"))
            {
                string local = declared.Groups[1].Value;
                int uses = Regex.Matches(code, $@"(?<![\w.]){local}\b").Count;
                Assert.True(uses >= 2, $"{file}: {local} is declared but not used.\n{body}");
            }
        }
    }

    /// <summary>The text of the method that starts with <paramref name="signature"/>, up to its closing brace.</summary>
    private static string MethodBody(string source, string signature)
    {
        int start = source.IndexOf(signature, System.StringComparison.Ordinal);
        int lineStart = source.LastIndexOf('\n', start) + 1;
        string indent = source.Substring(lineStart, start - lineStart);
        int end = source.IndexOf("\n" + indent + "}", start, System.StringComparison.Ordinal);
        return source.Substring(start, end - start);
    }
}
