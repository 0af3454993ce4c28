using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using NetGen.Generator.Analysis;
using NetGen.Generator.Model;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>NG0017–NG0020 (<see cref="LayerSequenceChecks"/>) at their exact spans, with their messages.</summary>
public class LayerSequenceAnalyzerTests
{
    private static Task Verify(string source, params DiagnosticResult[] expected) => AnalyzerTest.VerifyAsync("using NetGen;\n" + source, withGenerator: false, expected);

    // ───────────────────────── NG0017 ─────────────────────────

    [Fact]
    public Task NG0017_at_the_pieces_argument_of_a_one_piece_Maxout() => Verify("""
        [Network] [Input(4)] [Maxout(3, {|NG0017:1|})] [Dense(2)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0017_at_the_named_pieces_argument() => Verify("""
        [Network] [Input(4)] [Maxout(3, {|NG0017:pieces: 1|})] [Dense(2)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0017_says_it_is_a_Dense() => Verify(
        """
        [Network] [Input(4)] [Maxout(3, 1)] [Dense(2)]
        public partial class Net;
        """,
        new DiagnosticResult("NG0017", DiagnosticSeverity.Warning).WithSpan(2, 33, 2, 34)
            .WithMessage("Maxout (layer 1) has 1 piece: the max over one affine map is that map, so this is a Dense(3) with no activation. Use pieces ≥ 2 (the default is 2), or [Dense(3)]."));

    [Fact]
    public Task Maxout_with_two_pieces_has_no_NG0017() => Verify("""
        [Network] [Input(4)] [Maxout(3)] [Maxout(3, 2)] [Dense(2)]
        public partial class Net;
        """);

    // ───────────────────────── NG0018 ─────────────────────────

    [Fact]
    public Task NG0018_at_a_Flatten_after_a_flat_input() => Verify(
        """
        [Network] [Input(784)] [Flatten] [Dense(10)]
        public partial class Net;
        """,
        new DiagnosticResult("NG0018", DiagnosticSeverity.Warning).WithSpan(2, 25, 2, 32)
            .WithMessage("Flatten (layer 1) receives a flat vector of 784 values: there is nothing to flatten, so it does nothing. Remove it."));

    [Fact]
    public Task NG0018_at_the_second_of_two_Flatten() => Verify(
        """
        [Network] [Input(1, 28, 28)] [Flatten] [Flatten] [Dense(10)]
        public partial class Net;
        """,
        new DiagnosticResult("NG0018", DiagnosticSeverity.Warning).WithSpan(2, 41, 2, 48)
            .WithMessage("Flatten (layer 2) directly follows another [Flatten]: there is nothing to flatten, so it does nothing. Remove it."));

    [Fact]
    public Task NG0018_at_a_Flatten_after_a_Dense() => Verify("""
        [Network] [Input(1, 4, 4)] [Flatten] [Dense(8)] [{|NG0018:Flatten|}] [Dense(2)]
        public partial class Net;
        """);

    [Fact]
    public Task A_Flatten_after_a_map_has_no_NG0018() => Verify("""
        [Network] [Input(2, 10)] [Flatten] [Dense(2)]
        public partial class Net;
        """);

    // ───────────────────────── NG0019 ─────────────────────────

    [Fact]
    public Task NG0019_at_the_second_of_two_BatchNorm() => Verify(
        """
        [Network] [Input(4)] [Dense(8)] [BatchNorm] [BatchNorm] [ReLU] [Dense(2)]
        public partial class Net;
        """,
        new DiagnosticResult("NG0019", DiagnosticSeverity.Warning).WithSpan(2, 46, 2, 55)
            .WithMessage("BatchNorm (layer 3) directly follows BatchNorm (layer 2): the first already gives every feature mean β and scale γ, so the second only renormalizes what the first produced (twice the parameters, no new effect). Remove one, or put an activation between them."));

    [Fact]
    public Task BatchNorm_separated_by_an_activation_has_no_NG0019() => Verify("""
        [Network] [Input(4)] [Dense(8)] [BatchNorm] [ReLU] [BatchNorm] [Dense(2)]
        public partial class Net;
        """);

    // ───────────────────────── NG0020 ─────────────────────────

    [Fact]
    public Task NG0020_at_the_Name_of_the_second_layer() => Verify(
        """
        [Network] [Input(4)] [Dense(8, Name = "hidden")] [ReLU] [Dense(8, Name = "hidden")] [Dense(2)]
        public partial class Net;
        """,
        new DiagnosticResult("NG0020", DiagnosticSeverity.Error).WithSpan(2, 67, 2, 82)
            .WithMessage("Dense (layer attribute 3) has the same Name \"hidden\" as Dense (layer attribute 1): each layer needs its own name, which becomes its property and its entry in Layers and Summary. Rename one of them."));

    [Fact]
    public Task NG0020_when_two_names_give_the_same_property() => Verify("""
        [Network] [Input(4)] [Dense(8, Name = "hidden layer")] [ReLU] [Dense(8, {|NG0020:Name = "HiddenLayer"|})] [Dense(2)]
        public partial class Net;
        """);

    [Fact]
    public Task Distinct_names_have_no_NG0020() => Verify("""
        [Network] [Input(4)] [Dense(8, Name = "first")] [ReLU] [Dense(8, Name = "second")] [Dense(2)]
        public partial class Net;
        """);

    [Fact]
    public void NG0020_is_an_error_of_the_plan_so_the_generated_members_throw()
    {
        NetworkSpec spec = Specs.Net(Specs.Input(4), Specs.Dense(8, name: "a"), Specs.Dense(2, name: "a"));
        NetworkPlan plan = ShapeInference.Infer(spec);
        Assert.True(plan.HasErrors);
        Assert.Contains(plan.Diagnostics, d => d.Id == "NG0020" && d.AttributeIndex == 2 && d.Argument == "Name");
    }
}
