using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>
/// Every rule at its exact span: the attribute argument at fault when there is one, else the whole attribute;
/// network-level rules at the [Network] attribute or its argument; declaration rules at the class identifier; NG0013 at
/// the inputs argument of the call.
/// </summary>
public class AnalyzerTests
{
    private static Task Verify(string source, params DiagnosticResult[] expected) => AnalyzerTest.VerifyAsync("using NetGen;\n" + source, withGenerator: false, expected);

    private static Task VerifyWithGenerator(string source, params DiagnosticResult[] expected) => AnalyzerTest.VerifyAsync("using NetGen;\n" + source, withGenerator: true, expected);

    // ───────────────────────── valid declarations ─────────────────────────

    [Fact]
    public Task FashionMlp_has_no_diagnostic() => AnalyzerTest.VerifyAsync(Sources.FashionMlp, withGenerator: true);

    [Fact]
    public Task Every_layer_kind_and_loss_have_no_diagnostic() => AnalyzerTest.VerifyAsync(Sources.Zoo, withGenerator: true);

    [Fact]
    public Task Valid_declarations_without_the_generator_have_no_diagnostic() => Verify("""
        [Network(Loss = LossFunction.BinaryCrossEntropy, MaxParameters = 17)] [Input(2)] [Dense(4, Inputs = 2)] [Tanh] [Dense(1)] [Sigmoid]
        public partial class Xor;

        [Network] [Input(1, 28, 28)] [Conv2D(8, 3, Stride = 1, Padding = 1)] [MaxPool2D(2)] [Flatten] [Dense(10, Inputs = 1568)]
        public partial class Conv;

        [Network] [Input(3, 100)] [Conv1D(4, 5)] [MaxPool1D(4)] [Flatten] [Dense(1)]
        public partial class Conv1;

        public class NotANetwork { }
        """);

    // ───────────────────────── NG0001 ─────────────────────────

    [Fact]
    public Task NG0001_at_the_Inputs_argument() => Verify("""
        [Network] [Input(784)] [Dense(256)] [ReLU] [Dense(10, {|NG0001:Inputs = 100|}, Name = "hidden2")]
        public partial class Net;
        """);

    [Fact]
    public Task NG0001_message_gives_both_sizes_and_the_path() => Verify(
        """
        [Network] [Input(784)] [Dense(256)] [ReLU] [Dense(100, Inputs = 100, Name = "hidden2")]
        public partial class Net;
        """,
        new DiagnosticResult("NG0001", DiagnosticSeverity.Error)
            .WithSpan(2, 56, 2, 68)
            .WithMessage("Dense 'hidden2' expects 100 inputs but receives 256: Input(784) → Dense(256) → ReLU(256)"));

    [Fact]
    public void NG0001_carries_the_inferred_size_for_the_code_fix()
    {
        Diagnostic diagnostic = Assert.Single(TestCompilation.AnalyzerDiagnostics(TestCompilation.Create("""
            using NetGen;
            [Network] [Input(784)] [Dense(256)] [ReLU] [Dense(10, Inputs = 100)]
            public partial class Net;
            """)));

        Assert.Equal("NG0001", diagnostic.Id);
        Assert.Equal("256", diagnostic.Properties[Diagnostics.NetworkAnalyzer.FixValueKey]);
        Assert.Equal("docs/diagnostics/NG0001.md", diagnostic.Descriptor.HelpLinkUri);
    }

    [Fact]
    public void Every_rule_has_a_descriptor_with_a_help_link()
    {
        var analyzer = new Diagnostics.NetworkAnalyzer();

        Assert.Equal(
            System.Linq.Enumerable.Range(1, 20).Select(i => $"NG{i:0000}"),
            analyzer.SupportedDiagnostics.Select(d => d.Id));
        Assert.All(analyzer.SupportedDiagnostics, d => Assert.EndsWith($"{d.Id}.md", d.HelpLinkUri));
        Assert.Equal(
            new[] { "NG0009", "NG0010", "NG0012", "NG0015", "NG0017", "NG0018", "NG0019" },
            analyzer.SupportedDiagnostics.Where(d => d.DefaultSeverity == DiagnosticSeverity.Warning).Select(d => d.Id));
    }

    // ───────────────────────── NG0002 ─────────────────────────

    [Fact]
    public Task NG0002_at_the_kernel_when_it_is_larger_than_the_input() => Verify("""
        [Network] [Input(1, 4, 4)] [Conv2D(8, {|NG0002:5|})] [Flatten] [Dense(1)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0002_at_the_size_when_the_pooling_window_is_larger_than_the_input() => Verify("""
        [Network] [Input(3, 10)] [Conv1D(4, 3)] [MaxPool1D({|NG0002:9|})] [Flatten] [Dense(1)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0002_at_the_stride_when_it_does_not_divide() => Verify("""
        [Network] [Input(1, 28, 28)] [Conv2D(8, 3, {|NG0002:Stride = 2|}, Padding = 1)] [Flatten] [Dense(10)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0002_at_the_whole_pooling_attribute_when_its_default_stride_does_not_divide() => Verify("""
        [Network] [Input(1, 5, 5)] [{|NG0002:MaxPool2D(2)|}] [Flatten] [Dense(1)]
        public partial class Net;
        """);

    // ───────────────────────── NG0003 ─────────────────────────

    [Fact]
    public Task NG0003_at_the_Network_attribute_when_there_is_no_Input() => Verify("""
        [{|NG0003:Network(Seed = 1)|}] [Dense(10)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0003_at_the_second_Input() => Verify("""
        [Network] [Input(4)] [{|NG0003:Input(4)|}] [Dense(1)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0003_at_an_Input_that_is_not_first() => Verify("""
        [Network]
        [Dense(3)]
        [{|NG0003:Input(4)|}]
        public partial class Net;
        """);

    // ───────────────────────── NG0004 ─────────────────────────

    [Fact]
    public Task NG0004_at_the_Loss_argument_without_a_final_Softmax() => Verify("""
        [Network({|NG0004:Loss = LossFunction.SoftmaxCrossEntropy|}, Seed = 3)] [Input(4)] [Dense(3)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0004_at_the_Loss_argument_with_one_class() => Verify("""
        [Network({|NG0004:Loss = LossFunction.SoftmaxCrossEntropy|})] [Input(4)] [Dense(1)] [Softmax]
        public partial class Net;
        """);

    [Fact]
    public Task NG0004_at_the_Loss_argument_without_a_final_Sigmoid() => Verify("""
        [Network({|NG0004:Loss = LossFunction.BinaryCrossEntropy|})] [Input(4)] [Dense(1)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0004_at_the_Loss_argument_for_hinge_with_one_output() => Verify("""
        [Network({|NG0004:Loss = LossFunction.MulticlassHinge|})] [Input(4)] [Dense(1)]
        public partial class Net;
        """);

    // ───────────────────────── NG0005, NG0006 ─────────────────────────

    [Fact]
    public Task NG0005_at_the_identifier_of_a_class_that_is_not_partial() => Verify("""
        [Network] [Input(4)] [Dense(1)]
        public class {|NG0005:Net|} { }
        """);

    [Fact]
    public Task NG0005_at_the_identifier_of_a_generic_class() => Verify("""
        [Network] [Input(4)] [Dense(1)]
        public partial class {|NG0005:Net|}<T> { }
        """);

    [Fact]
    public Task NG0005_at_the_identifier_of_a_class_nested_in_a_type_that_is_not_partial() => Verify("""
        public class Outer
        {
            [Network] [Input(4)] [Dense(1)]
            public partial class {|NG0005:Net|};
        }
        """);

    [Fact]
    public Task NG0005_once_for_a_class_nested_in_a_generic_type() => Verify("""
        public partial class Outer<T>
        {
            [Network] [Input(4)] [Dense(1)]
            public partial class {|NG0005:Net|};
        }
        """);

    [Fact]
    public Task NG0005_at_the_identifier_of_a_static_class_and_of_a_record() => Verify("""
        [Network] [Input(4)] [Dense(1)]
        public static partial class {|NG0005:StaticNet|} { }

        [Network] [Input(4)] [Dense(1)]
        public partial record {|NG0005:RecordNet|};
        """);

    [Fact]
    public Task NG0006_at_the_class_identifier() => Verify("""
        [Network] [Input(4)] [Dense(3)]
        public partial class {|NG0006:Net|};

        [ReLU] [Dense(1)]
        public partial class Net;
        """);

    // ───────────────────────── NG0007 ─────────────────────────

    [Theory]
    [InlineData("[Dense({|NG0007:0|})]")]
    [InlineData("[Dense(3, {|NG0007:Inputs = -2|})]")]
    [InlineData("[Dense(3, {|NG0007:Init = (Init)42|})]")]
    [InlineData("[Maxout({|NG0007:0|})]")]
    [InlineData("[Maxout(3, {|NG0007:0|})]")]
    [InlineData("[Maxout(3, {|NG0007:pieces: -1|})]")]
    [InlineData("[Dropout({|NG0007:1.5|})]")]
    [InlineData("[Dropout({|NG0007:-0.1|})]")]
    [InlineData("[Dropout({|NG0007:rate: 1|})]")]
    [InlineData("[LeakyReLU({|NG0007:-0.1|})]")]
    [InlineData("[ELU({|NG0007:alpha: -1|})]")]
    [InlineData("[PReLU({|NG0007:InitialAlpha = double.NaN|})]")]
    [InlineData("[BatchNorm({|NG0007:Momentum = 1.0|})]")]
    [InlineData("[BatchNorm(Momentum = 0.5, {|NG0007:Epsilon = 0|})]")]
    public Task NG0007_at_the_invalid_layer_argument(string layer) => Verify($$"""
        [Network] [Input(4)] [Dense(4)] {{layer}} [Dense(2)]
        public partial class Net;
        """);

    [Theory]
    [InlineData("[Conv2D({|NG0007:0|}, 3)]")]
    [InlineData("[Conv2D(8, {|NG0007:0|})]")]
    [InlineData("[Conv2D(8, 3, {|NG0007:Stride = 0|})]")]
    [InlineData("[Conv2D(8, 3, {|NG0007:Padding = -1|})]")]
    [InlineData("[MaxPool2D({|NG0007:0|}, Stride = 2)]")]
    [InlineData("[MaxPool2D(2, {|NG0007:Stride = -2|})]")]
    public Task NG0007_at_the_invalid_convolution_argument(string layer) => Verify($$"""
        [Network] [Input(1, 8, 8)] {{layer}} [Flatten] [Dense(2)]
        public partial class Net;
        """);

    [Theory]
    [InlineData("[Input({|NG0007:0|})]")]
    [InlineData("[Input({|NG0007:1, -28, 28|})]")]
    [InlineData("[Input({|NG0007:1, 2, 3, 4|})]")]
    [InlineData("[{|NG0007:Input|}]")]
    public Task NG0007_at_the_input_shape(string input) => Verify($$"""
        [Network] {{input}} [Flatten] [Dense(2)]
        public partial class Net;
        """);

    [Theory]
    [InlineData("{|NG0007:L1 = -1|}")]
    [InlineData("{|NG0007:L2 = double.PositiveInfinity|}")]
    [InlineData("Seed = 1, {|NG0007:UnrollLimit = -1|}")]
    [InlineData("{|NG0007:MaxParameters = -5|}")]
    [InlineData("{|NG0007:Loss = (LossFunction)9|}")]
    public Task NG0007_at_the_invalid_network_argument(string arguments) => Verify($$"""
        [Network({{arguments}})] [Input(4)] [Dense(2)]
        public partial class Net;
        """);

    // ───────────────────────── NG0008 ─────────────────────────

    [Fact]
    public Task NG0008_at_Dense_after_a_three_dimensional_map() => Verify("""
        [Network] [Input(1, 28, 28)] [{|NG0008:Dense(10)|}]
        public partial class Net;
        """);

    [Fact]
    public Task NG0008_at_Conv2D_after_a_flat_vector() => Verify("""
        [Network] [Input(784)] [{|NG0008:Conv2D(8, 3, Stride = 1)|}] [Flatten] [Dense(10)]
        public partial class Net;
        """);

    // ───────────────────────── NG0009, NG0010 ─────────────────────────

    [Fact]
    public Task NG0009_at_the_Init_argument() => Verify("""
        [Network] [Input(4)] [Dense(3, {|NG0009:Init = Init.Zeros|})] [ReLU] [Maxout(2, {|NG0009:Init = Init.Zeros|})]
        public partial class Net;
        """);

    [Fact]
    public Task NG0010_at_the_Init_argument() => Verify("""
        [Network]
        [Input(4)]
        [Dense(3, {|NG0010:Init = Init.GlorotNormal|})] [BatchNorm] [ReLU]
        [Dense(3, Name = "squash", {|NG0010:Init = Init.HeUniform|})] [Tanh]
        [Dense(3, Init = Init.HeNormal)] [ELU]
        public partial class Net;
        """);

    // ───────────────────────── NG0011 ─────────────────────────

    [Fact]
    public Task NG0011_at_the_MaxParameters_argument() => Verify("""
        [Network(Seed = 1, {|NG0011:MaxParameters = 10|})] [Input(4)] [Dense(3)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0011_at_the_Network_attribute_when_the_total_is_too_large_to_index() => Verify("""
        [{|NG0011:Network|}] [Input(50000)] [Dense(30000)] [Dense(30000)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0011_at_the_layer_whose_weights_are_too_large_to_index() => Verify("""
        [Network] [Input(100000)] [{|NG0011:Dense(100000)|}]
        public partial class Net;
        """);

    [Fact]
    public Task NG0011_at_the_input_shape_when_a_sample_is_too_large_to_index() => Verify("""
        [Network] [Input({|NG0011:65536, 65536|})] [Flatten] [Dense(10)]
        public partial class Net;
        """);

    // ───────────────────────── NG0012 ─────────────────────────

    [Fact]
    public Task NG0012_at_a_Softmax_that_is_not_last() => Verify("""
        [Network] [Input(4)] [Dense(3)] [{|NG0012:Softmax|}] [Dense(2)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0012_at_the_second_squashing_layer() => Verify("""
        [Network(Loss = LossFunction.SoftmaxCrossEntropy)] [Input(4)] [Dense(3)] [Sigmoid] [{|NG0012:Softmax|}]
        public partial class Net;
        """);

    // ───────────────────────── NG0013 ─────────────────────────

    private const string Mlp = """
        [Network(Loss = LossFunction.SoftmaxCrossEntropy)] [Input(784)] [Dense(10)] [Softmax]
        public partial class Mlp;

        """;

    [Fact]
    public Task NG0013_at_a_constant_length_input_that_is_not_a_multiple() => VerifyWithGenerator(Mlp + """
        public static class Use
        {
            public static void Run(Mlp net, float[] outputs, int[] labels)
            {
                net.Predict({|NG0013:new float[100]|}, outputs);
                net.TrainStep({|NG0013:new float[785]|}, labels);
                net.Evaluate({|NG0013:new float[0]|}, labels);
            }
        }
        """);

    [Fact]
    public Task NG0013_also_on_the_derivative_members() => VerifyWithGenerator("using System;\n" + Mlp + """
        public static class Use
        {
            public static void Run(Mlp net, float[] outputs, float[] tangents, float[] gradients, int[] labels)
            {
                net.InputGradients({|NG0013:new float[100]|}, labels, gradients);
                net.Jvp({|NG0013:new float[783]|}, ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, outputs, tangents);
                net.LossJvp({|NG0013:new float[0]|}, labels, ReadOnlySpan<float>.Empty);
                net.TrainStep({|NG0013:new float[10]|}, labels, outputs);
                net.Jvp(new float[784], ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, outputs, tangents);
            }
        }
        """);

    [Fact]
    public Task NG0013_counts_initializers_and_collection_expressions() => VerifyWithGenerator("""
        [Network] [Input(2)] [Dense(1)]
        public partial class Small;

        public static class Use
        {
            public static float Run(Small net, float[] targets)
            {
                net.Predict({|NG0013:new float[] { 1, 2, 3 }|}, new float[2]);
                return net.TrainStep({|NG0013:[1f, 2f, 3f]|}, targets) + net.Evaluate({|NG0013:new[] { 1f }|}, targets);
            }
        }
        """);

    [Fact]
    public Task NG0013_with_named_arguments_in_another_order() => VerifyWithGenerator(Mlp + """
        public static class Use
        {
            public static void Run(Mlp net, float[] outputs) => net.Predict(outputs: outputs, {|NG0013:inputs: new float[100]|});
        }
        """);

    [Fact]
    public Task NG0013_is_silent_for_whole_batches_and_unknown_lengths() => VerifyWithGenerator("using System;\n" + Mlp + """
        public static class Use
        {
            public static void Run(Mlp net, float[] outputs, int[] labels, int batch, float[] data)
            {
                net.Predict(new float[784], outputs);
                net.Predict(new float[784 * 3], outputs);
                net.Predict(new float[Mlp.InputSize * 2], outputs);
                net.TrainStep(new float[batch * 784], labels);
                net.Evaluate(data, labels);
                net.Predict(data.AsSpan(0, 100), outputs); // not a constant-length creation
            }
        }
        """);

    // ───────────────────────── several errors ─────────────────────────

    [Fact]
    public Task Several_errors_in_one_class_each_at_its_own_span() => Verify("""
        [Network({|NG0004:Loss = LossFunction.BinaryCrossEntropy|}, {|NG0007:L2 = -0.5|})]
        [Input(784)]
        [Dense(256, {|NG0009:Init = Init.Zeros|})] [ReLU] [Dropout({|NG0007:1.5|})]
        [Dense(10, {|NG0001:Inputs = 100|})] [{|NG0012:Softmax|}] [Dense(1)]
        public partial class Net;
        """);

    [Fact]
    public Task Several_networks_in_one_file_each_get_their_own_diagnostics() => Verify("""
        [Network] [Input(4)] [Dense({|NG0007:0|})]
        public partial class First;

        [Network] [Input(4)] [Dense(2, {|NG0001:Inputs = 5|})]
        public partial class Second;

        [Network] [Input(4)] [Dense(2)]
        public partial class Fine;
        """);
}
