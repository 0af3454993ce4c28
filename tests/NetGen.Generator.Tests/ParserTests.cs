using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>Source → <see cref="NetworkSpec"/>: what the parser reads from the attributes of a network class.</summary>
public class ParserTests
{
    [Fact]
    public void Network_options_default_to_the_documented_values()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network]
            [Input(4)]
            [Dense(3)]
            public partial class Net;
            """);

        Assert.Null(spec.Namespace);
        Assert.Equal("Net", spec.ClassName);
        Assert.Empty(spec.ContainingTypes);
        Assert.Equal(LossKind.MeanSquaredError, spec.Loss);
        Assert.False(spec.DoublePrecision);
        Assert.Equal(0, spec.Seed);
        Assert.Equal(0.0, spec.L1);
        Assert.Equal(0.0, spec.L2);
        Assert.Equal(0L, spec.MaxParameters);
        Assert.Equal(256, spec.UnrollLimit);
        Assert.Empty(spec.Problems);
        Assert.Empty(spec.MemberNames);
    }

    [Fact]
    public void Network_named_arguments_are_read()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network(Loss = LossFunction.SoftmaxCrossEntropy, Precision = Precision.Double, Seed = 42, L1 = 0.001, L2 = 1e-4, MaxParameters = 5000, UnrollLimit = 64)]
            [Input(4)]
            [Dense(3)]
            [Softmax]
            public partial class Net;
            """);

        Assert.Equal(LossKind.SoftmaxCrossEntropy, spec.Loss);
        Assert.True(spec.DoublePrecision);
        Assert.Equal(42, spec.Seed);
        Assert.Equal(0.001, spec.L1);
        Assert.Equal(1e-4, spec.L2);
        Assert.Equal(5000L, spec.MaxParameters); // an int literal for a long property
        Assert.Equal(64, spec.UnrollLimit);
    }

    [Theory]
    [InlineData(0, "MeanSquaredError")]
    [InlineData(1, "BinaryCrossEntropy")]
    [InlineData(2, "SoftmaxCrossEntropy")]
    [InlineData(3, "MulticlassHinge")]
    public void Every_loss_is_read(int expected, string name)
    {
        NetworkSpec spec = TestCompilation.ParseSpec($$"""
            using NetGen;
            [Network(Loss = LossFunction.{{name}})]
            [Input(4)]
            [Dense(3)]
            public partial class Net;
            """);

        Assert.Equal((LossKind)expected, spec.Loss);
    }

    [Fact]
    public void Input_shapes_of_one_two_and_three_dimensions()
    {
        string source = """
            using NetGen;
            [Network] [Input(784)] [Dense(10)] public partial class Flat;
            [Network] [Input(3, 100)] [Conv1D(4, 3)] public partial class Sequence;
            [Network] [Input(1, 28, 28)] [Flatten] [Dense(10)] public partial class Image;
            [Network] [Input(new[] { 2, 5 })] [Flatten] public partial class ExplicitArray;
            """;

        Assert.Equal(new[] { 784 }, ((InputSpec)FirstLayer(source, "Flat")).Shape);
        Assert.Equal(new[] { 3, 100 }, ((InputSpec)FirstLayer(source, "Sequence")).Shape);
        Assert.Equal(new[] { 1, 28, 28 }, ((InputSpec)FirstLayer(source, "Image")).Shape);
        Assert.Equal(new[] { 2, 5 }, ((InputSpec)FirstLayer(source, "ExplicitArray")).Shape);
        Assert.All(new[] { "Flat", "Sequence", "Image", "ExplicitArray" }, name => Assert.IsType<InputSpec>(FirstLayer(source, name)));

        static LayerSpec FirstLayer(string source, string name) => TestCompilation.ParseSpec(source, name).Layers[0];
    }

    [Fact]
    public void Dense_defaults_and_named_arguments()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network]
            [Input(784)]
            [Dense(256)]
            [Dense(100, Init = Init.HeUniform, Bias = false, Inputs = 256, Name = "hidden2")]
            public partial class Net;
            """);

        DenseSpec plain = Assert.IsType<DenseSpec>(spec.Layers[1]), named = Assert.IsType<DenseSpec>(spec.Layers[2]);
        Assert.Equal(new DenseSpec(256) { AttributeIndex = 1 }, plain);
        Assert.Equal(InitKind.Auto, plain.Init);
        Assert.True(plain.Bias);
        Assert.Equal(0, plain.Inputs);
        Assert.Null(plain.Name);

        Assert.Equal("Dense", named.Kind);
        Assert.Equal(100, named.Units);
        Assert.Equal(InitKind.HeUniform, named.Init);
        Assert.False(named.Bias);
        Assert.Equal(256, named.Inputs);
        Assert.Equal("hidden2", named.Name);
    }

    [Fact]
    public void Every_init_scheme_is_read()
    {
        string[] names = { "Auto", "Zeros", "SmallRandom", "LeCunNormal", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform" };
        string layers = string.Join("\n", names.Select(n => $"[Dense(2, Init = Init.{n})]"));
        NetworkSpec spec = TestCompilation.ParseSpec($"using NetGen;\n[Network]\n[Input(2)]\n{layers}\npublic partial class Net;");

        Assert.Equal(
            new[] { InitKind.Auto, InitKind.Zeros, InitKind.SmallRandom, InitKind.LeCunNormal, InitKind.GlorotNormal, InitKind.GlorotUniform, InitKind.HeNormal, InitKind.HeUniform },
            spec.Layers.Skip(1).Select(l => ((DenseSpec)l).Init));
    }

    [Fact]
    public void Dropout_BatchNorm_and_activation_arguments()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network]
            [Input(8)]
            [Dropout(0.2)]
            [Dropout(0)]
            [BatchNorm]
            [BatchNorm(Momentum = 0.99, Epsilon = 1e-3)]
            [LeakyReLU]
            [LeakyReLU(0.2)]
            [ELU]
            [ELU(alpha: 0.5)]
            [ReLU, Sigmoid, Tanh, Softmax]
            public partial class Net;
            """);

        LayerSpec[] layers = spec.Layers.ToArray();
        Assert.Equal(0.2, Assert.IsType<DropoutSpec>(layers[1]).Rate);
        Assert.Equal(0.0, Assert.IsType<DropoutSpec>(layers[2]).Rate); // an int literal for a double parameter
        Assert.Equal(new BatchNormSpec(0.9, 1e-5) { AttributeIndex = 3 }, layers[3]);
        Assert.Equal(new BatchNormSpec(0.99, 1e-3) { AttributeIndex = 4 }, layers[4]);
        Assert.Equal(new ActivationSpec(ActivationFunction.LeakyReLU, 0.01) { AttributeIndex = 5 }, layers[5]);
        Assert.Equal(new ActivationSpec(ActivationFunction.LeakyReLU, 0.2) { AttributeIndex = 6 }, layers[6]);
        Assert.Equal(new ActivationSpec(ActivationFunction.ELU, 1.0) { AttributeIndex = 7 }, layers[7]);
        Assert.Equal(new ActivationSpec(ActivationFunction.ELU, 0.5) { AttributeIndex = 8 }, layers[8]);
        Assert.Equal(new[] { "ReLU", "Sigmoid", "Tanh", "Softmax" }, layers.Skip(9).Select(l => l.Kind));
    }

    [Fact]
    public void PReLU_Shared_and_InitialAlpha()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network]
            [Input(8)]
            [PReLU]
            [PReLU(Shared = true, InitialAlpha = 0.1)]
            public partial class Net;
            """);

        Assert.Equal(new PReLUSpec(false, 0.25) { AttributeIndex = 1 }, spec.Layers[1]);
        Assert.Equal(new PReLUSpec(true, 0.1) { AttributeIndex = 2 }, spec.Layers[2]);
    }

    [Fact]
    public void Maxout_units_pieces_and_init()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network]
            [Input(8)]
            [Maxout(64)]
            [Maxout(32, 3)]
            [Maxout(16, pieces: 4, Init = Init.GlorotUniform, Name = "mx")]
            public partial class Net;
            """);

        Assert.Equal(new MaxoutSpec(64, 2, InitKind.Auto) { AttributeIndex = 1 }, spec.Layers[1]);
        Assert.Equal(new MaxoutSpec(32, 3, InitKind.Auto) { AttributeIndex = 2 }, spec.Layers[2]);
        Assert.Equal(new MaxoutSpec(16, 4, InitKind.GlorotUniform) { AttributeIndex = 3, Name = "mx" }, spec.Layers[3]);
        Assert.All(spec.Layers.Skip(1), l => Assert.IsType<MaxoutSpec>(l));
    }

    [Fact]
    public void Convolution_and_pooling_arguments_with_pooling_stride_defaulting_to_the_size()
    {
        string source = """
            using NetGen;
            [Network]
            [Input(1, 28, 28)]
            [Conv2D(8, 3)]
            [Conv2D(16, 5, Stride = 2, Padding = 2, Init = Init.HeUniform)]
            [MaxPool2D(2)]
            [MaxPool2D(3, Stride = 1)]
            [Flatten]
            public partial class Net;

            [Network]
            [Input(2, 100)]
            [Conv1D(4, 7, Stride = 3, Padding = 1)]
            [MaxPool1D(4)]
            [MaxPool1D(2, Stride = 1)]
            public partial class Net1D;
            """;
        NetworkSpec spec = TestCompilation.ParseSpec(source);

        Assert.Equal(new Conv2DSpec(8, 3, 1, 0, InitKind.Auto) { AttributeIndex = 1 }, spec.Layers[1]);
        Assert.Equal(new Conv2DSpec(16, 5, 2, 2, InitKind.HeUniform) { AttributeIndex = 2 }, spec.Layers[2]);
        Assert.Equal(new MaxPool2DSpec(2, 2) { AttributeIndex = 3 }, spec.Layers[3]);
        Assert.Equal(new MaxPool2DSpec(3, 1) { AttributeIndex = 4 }, spec.Layers[4]);
        Assert.IsType<FlattenSpec>(spec.Layers[5]);

        NetworkSpec oneD = TestCompilation.ParseSpec(source, "Net1D");
        Assert.Equal(new Conv1DSpec(4, 7, 3, 1) { AttributeIndex = 1 }, oneD.Layers[1]);
        Assert.Equal(new MaxPool1DSpec(4, 4) { AttributeIndex = 2 }, oneD.Layers[2]);
        Assert.Equal(new MaxPool1DSpec(2, 1) { AttributeIndex = 3 }, oneD.Layers[3]);
    }

    [Fact]
    public void Layers_keep_source_order_across_attribute_lists_and_around_other_attributes()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using System;
            using NetGen;
            [Input(784)]
            [Dense(256, Name = "first"), BatchNorm, ReLU]
            [Obsolete("not a layer")]
            [Network(Seed = 1)]
            [Dropout(0.5)] [Dense(10, Name = "last")]
            [Softmax]
            public partial class Net;
            """);

        Assert.Equal(
            new[] { "Input", "Dense", "BatchNorm", "ReLU", "Dropout", "Dense", "Softmax" },
            spec.Layers.Select(l => l.Kind));
        Assert.Equal(Enumerable.Range(0, 7), spec.Layers.Select(l => l.AttributeIndex));
        Assert.Equal("first", spec.Layers[1].Name);
        Assert.Equal("last", spec.Layers[5].Name);
        Assert.Equal(1, spec.Seed);
    }

    [Fact]
    public void Attributes_of_the_same_name_in_another_namespace_are_not_layers()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            namespace Other
            {
                [System.AttributeUsage(System.AttributeTargets.Class)]
                public sealed class DenseAttribute : System.Attribute { public DenseAttribute(int units) { } }
            }

            [Network]
            [Input(4)]
            [Other.Dense(7)]
            [NetGen.Dense(3)]
            public partial class Net;
            """);

        Assert.Equal(new[] { "Input", "Dense" }, spec.Layers.Select(l => l.Kind));
        Assert.Equal(3, ((DenseSpec)spec.Layers[1]).Units);
    }

    [Fact]
    public void Namespace_and_containing_types_outermost_first()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            namespace Company.Models
            {
                public partial class Outer
                {
                    internal partial struct Middle
                    {
                        public partial record Inner
                        {
                            [Network] [Input(2)] [Dense(1)]
                            public partial class Net;
                        }
                    }
                }
            }
            """, "Company.Models.Outer+Middle+Inner+Net");

        Assert.Equal("Company.Models", spec.Namespace);
        Assert.Equal(
            new[] { new ContainingType("class", "Outer"), new ContainingType("struct", "Middle"), new ContainingType("record", "Inner") },
            spec.ContainingTypes);
        Assert.Equal("Company.Models.Outer.Middle.Inner.Net", spec.FullName);
        Assert.Empty(spec.Problems);
    }

    [Fact]
    public void File_scoped_namespace_and_global_namespace()
    {
        NetworkSpec scoped = TestCompilation.ParseSpec("""
            using NetGen;
            namespace A.B;
            [Network] [Input(2)] [Dense(1)] partial class Net;
            """, "A.B.Net");
        NetworkSpec global = TestCompilation.ParseSpec("""
            [NetGen.Network] [NetGen.Input(2)] [NetGen.Dense(1)] partial class Net;
            """);

        Assert.Equal(("A.B", "A.B.Net"), (scoped.Namespace, scoped.FullName));
        Assert.Equal(((string?)null, "Net"), (global.Namespace, global.FullName));
    }

    [Fact]
    public void NG0005_when_the_class_is_not_partial()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network] [Input(2)] [Dense(1)]
            public class Net { }
            """);

        DeclarationProblem problem = Assert.Single(spec.Problems);
        Assert.Equal("NG0005", problem.Id);
        Assert.Contains("'Net' is not partial", problem.Message);
    }

    [Fact]
    public void NG0005_when_the_class_is_generic()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network] [Input(2)] [Dense(1)]
            public partial class Net<T> { }
            """, "Net`1");

        DeclarationProblem problem = Assert.Single(spec.Problems);
        Assert.Equal("NG0005", problem.Id);
        Assert.Contains("generic", problem.Message);
    }

    [Fact]
    public void NG0005_when_nested_in_a_type_that_is_not_partial()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            public class Outer
            {
                [Network] [Input(2)] [Dense(1)]
                public partial class Net;
            }
            """, "Outer+Net");

        DeclarationProblem problem = Assert.Single(spec.Problems);
        Assert.Equal("NG0005", problem.Id);
        Assert.Contains("'Outer'", problem.Message);
        Assert.Contains("not partial", problem.Message);
    }

    [Fact]
    public void NG0005_when_nested_in_a_generic_type()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            public partial class Outer<T>
            {
                [Network] [Input(2)] [Dense(1)]
                public partial class Net;
            }
            """, "Outer`1+Net");

        DeclarationProblem problem = Assert.Single(spec.Problems);
        Assert.Equal("NG0005", problem.Id);
        Assert.Contains("generic", problem.Message);
    }

    [Fact]
    public void NG0005_when_the_class_is_static()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network] [Input(2)] [Dense(1)]
            public static partial class Net { }
            """);

        DeclarationProblem problem = Assert.Single(spec.Problems);
        Assert.Equal("NG0005", problem.Id);
        Assert.Contains("static", problem.Message);
    }

    [Fact]
    public void NG0005_when_the_class_is_a_record()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network] [Input(2)] [Dense(1)]
            public partial record Net;
            """);

        DeclarationProblem problem = Assert.Single(spec.Problems);
        Assert.Equal("NG0005", problem.Id);
        Assert.Contains("is a record", problem.Message);
    }

    [Fact]
    public void NG0006_when_layers_are_spread_over_two_partial_declarations()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network] [Input(2)] [Dense(4)]
            public partial class Net;

            [ReLU] [Dense(1)]
            public partial class Net;
            """);

        DeclarationProblem problem = Assert.Single(spec.Problems);
        Assert.Equal("NG0006", problem.Id);
        Assert.Contains("2 declarations", problem.Message);
    }

    [Fact]
    public void Network_attribute_on_one_declaration_and_all_layers_on_another_is_fine()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network]
            public partial class Net { public void Helper() { } }

            [Input(2)] [Dense(4)]
            public partial class Net;
            """);

        Assert.Empty(spec.Problems);
        Assert.Equal(new[] { "Input", "Dense" }, spec.Layers.Select(l => l.Kind));
    }

    [Fact]
    public void Only_members_that_could_collide_with_a_layer_property_are_recorded()
    {
        NetworkSpec spec = TestCompilation.ParseSpec("""
            using NetGen;
            [Network] [Input(2)] [Dense(4, Name = "hidden")] [ReLU] [Dense(1)]
            public partial class Net
            {
                public int Hidden => 1;
                public void ReLU2() { }
                public void Unrelated() { }
            }
            """);

        Assert.Equal(new[] { "Hidden", "ReLU2" }, spec.MemberNames);
    }

    [Fact]
    public void An_attribute_with_a_compile_error_becomes_an_invalid_layer()
    {
        CSharpCompilation compilation = TestCompilation.Create("""
            using NetGen;
            [Network] [Input(2)] [Dense("ten")] [Dense(1)]
            public partial class Net;
            """);
        INamedTypeSymbol type = compilation.GetTypeByMetadataName("Net")!;
        AttributeData network = type.GetAttributes().First(a => a.AttributeClass!.Name == "NetworkAttribute");

        NetworkSpec spec = NetworkParser.Parse(type, network, default);

        Assert.Equal(new[] { "Input", "Invalid", "Dense" }, spec.Layers.Select(l => l.Kind));
    }

    [Fact]
    public void The_same_source_in_two_compilations_gives_equal_specs()
    {
        string source = """
            using NetGen;
            namespace N;
            [Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 42)]
            [Input(784)]
            [Dense(256)] [BatchNorm] [ReLU] [Dropout(0.2)]
            [Dense(10)] [Softmax]
            public partial class Net;
            """;

        NetworkSpec first = TestCompilation.ParseSpec(source, "N.Net");
        NetworkSpec second = TestCompilation.ParseSpec(source, "N.Net");

        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }
}
