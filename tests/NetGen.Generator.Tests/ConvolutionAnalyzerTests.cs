using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>
/// NG0002 in whole convolutional networks, with the generator running as in a real build: the error sits on the
/// argument at fault, and the generated members keep everything else free of errors.
/// </summary>
public class ConvolutionAnalyzerTests
{
    [Fact]
    public Task NG0002_at_the_stride_of_the_second_convolution_of_a_CNN() => AnalyzerTest.VerifyAsync(
        """
        using NetGen;
        [Network(Loss = LossFunction.SoftmaxCrossEntropy)]
        [Input(1, 28, 28)]
        [Conv2D(32, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
        [Conv2D(64, 3, Stride = 2)] [BatchNorm] [ReLU] [MaxPool2D(2)]
        [Flatten] [Dense(128)] [ReLU] [Dense(10)] [Softmax]
        public partial class Cnn;

        public static class Use
        {
            public static float Run(Cnn net, float[] images, int[] labels) => net.TrainStep(images, labels) + Cnn.InputSize;
        }
        """,
        withGenerator: true,
        new DiagnosticResult("NG0002", DiagnosticSeverity.Error)
            .WithSpan(5, 16, 5, 26)
            .WithMessage("Conv2D (layer 5) gives a non-integral output height: (14 + 2·0 − 3)/2 + 1 = 11/2 + 1 = 13/2; choose a stride that divides 11, or change the padding. Input(1×28×28) → Conv2D(32×28×28) → BatchNorm(32×28×28) → ReLU(32×28×28) → MaxPool2D(32×14×14)"));

    [Fact]
    public Task NG0002_at_the_kernel_when_a_later_map_is_too_small() => AnalyzerTest.VerifyAsync(
        """
        using NetGen;
        [Network] [Input(1, 12, 12)] [Conv2D(4, 3)] [MaxPool2D(2)] [Conv2D(8, {|NG0002:7|})] [Flatten] [Dense(1)]
        public partial class Cnn;
        """,
        withGenerator: true);

    [Fact]
    public Task NG0002_at_the_pooling_attribute_when_its_default_stride_leaves_a_remainder() => AnalyzerTest.VerifyAsync(
        """
        using NetGen;
        [Network] [Input(3, 100)] [Conv1D(4, 4)] [{|NG0002:MaxPool1D(2)|}] [Flatten] [Dense(1)]
        public partial class Sequence;
        """,
        withGenerator: true);

    [Fact]
    public void A_CNN_with_NG0002_gets_throwing_members_and_no_other_error()
    {
        Compilation output = TestCompilation.RunGenerator(TestCompilation.Create("""
            using NetGen;
            [Network] [Input(1, 28, 28)] [Conv2D(8, 3, Stride = 2)] [Flatten] [Dense(10)]
            public partial class Cnn;
            """)).Output;

        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(new[] { "NG0002" }, TestCompilation.AnalyzerDiagnostics(output).Select(d => d.Id));
        Assert.Contains(output.SyntaxTrees, t => t.ToString().Contains("throw new global::System.NotSupportedException"));
    }
}
