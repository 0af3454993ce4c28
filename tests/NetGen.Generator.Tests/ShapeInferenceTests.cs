using System.Linq;
using NetGen.Generator.Analysis;
using NetGen.Generator.Model;
using static NetGen.Generator.Tests.Infrastructure.Specs;

namespace NetGen.Generator.Tests;

/// <summary><see cref="NetworkSpec"/> → <see cref="NetworkPlan"/> on hand-made specs: no compilation.</summary>
public class ShapeInferenceTests
{
    // ───────────────────────── shapes, layout, state ─────────────────────────

    [Fact]
    public void FashionMlp_shapes_parameter_layout_and_state()
    {
        NetworkPlan plan = ShapeInference.Infer(FashionMlp());

        Assert.Empty(plan.Diagnostics);
        Assert.True(plan.IsRunnable);
        Assert.Equal(new[] { 784 }, plan.InputShape);
        Assert.Equal(784, plan.InputSize);
        Assert.Equal(10, plan.OutputSize);
        Assert.Equal(Enumerable.Range(1, 10), plan.Layers.Select(l => l.Number));
        Assert.Equal(
            new[] { "Dense1", "BatchNorm2", "ReLU3", "Dropout4", "Dense5", "BatchNorm6", "ReLU7", "Dropout8", "Dense9", "Softmax10" },
            plan.Layers.Select(l => l.PropertyName));
        Assert.Equal(new[] { 256, 256, 256, 256, 128, 128, 128, 128, 10, 10 }, plan.Layers.Select(l => l.OutputSize));
        Assert.Equal(new[] { 784, 256, 256, 256, 256, 128, 128, 128, 128, 10 }, plan.Layers.Select(l => l.InputSize));

        // DESIGN.md §3: layer by layer, Dense W [out × in] then b [out], BatchNorm γ then β.
        (string Field, int Offset, int[] Shape)[] expected =
        {
            ("W1", 0, new[] { 256, 784 }),
            ("b1", 200_704, new[] { 256 }),
            ("gamma2", 200_960, new[] { 256 }),
            ("beta2", 201_216, new[] { 256 }),
            ("W5", 201_472, new[] { 128, 256 }),
            ("b5", 234_240, new[] { 128 }),
            ("gamma6", 234_368, new[] { 128 }),
            ("beta6", 234_496, new[] { 128 }),
            ("W9", 234_624, new[] { 10, 128 }),
            ("b9", 235_904, new[] { 10 }),
        };
        TensorPlan[] tensors = plan.Layers.SelectMany(l => l.Tensors).ToArray();
        Assert.Equal(expected.Select(e => e.Field), tensors.Select(t => t.Field));
        Assert.Equal(expected.Select(e => e.Offset), tensors.Select(t => t.Offset));
        Assert.Equal(expected.Select(e => string.Join("×", e.Shape)), tensors.Select(t => string.Join("×", t.Shape)));
        Assert.Equal(new[] { "W", "b", "γ", "β", "W", "b", "γ", "β", "W", "b" }, tensors.Select(t => t.Name));
        Assert.Equal(235_914L, plan.ParameterCount);
        Assert.Equal(235_914, plan.Layers.Sum(l => l.ParameterCount));

        // State: per BatchNorm, running mean [n] then running variance [n].
        Assert.Equal(768, plan.StateCount);
        Assert.Equal((0, 512), (plan.Layers[1].StateOffset, plan.Layers[1].StateCount));
        Assert.Equal((512, 256), (plan.Layers[5].StateOffset, plan.Layers[5].StateCount));
        Assert.All(plan.Layers.Where(l => l.Spec is not BatchNormSpec), l => Assert.Equal(0, l.StateCount));
    }

    [Fact]
    public void Every_offset_is_the_sum_of_the_lengths_before_it()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(
            Input(6), Dense(5), PReLU(), BatchNorm(), Maxout(4, 3), PReLU(shared: true), Dense(3, bias: false), Tanh(), Dense(2), Sigmoid()));

        int offset = 0;
        foreach (TensorPlan tensor in plan.Layers.SelectMany(l => l.Tensors))
        {
            Assert.Equal(offset, tensor.Offset);
            offset += (int)tensor.Length;
        }

        Assert.Equal(offset, plan.ParameterCount);
        Assert.Equal(
            new[] { "W1", "b1", "alpha2", "gamma3", "beta3", "W4", "b4", "alpha5", "W6", "W8", "b8" },
            plan.Layers.SelectMany(l => l.Tensors).Select(t => t.Field));
    }

    [Fact]
    public void Maxout_weights_have_units_times_pieces_rows()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(10), Maxout(4, 3), Dense(2)));

        PlannedLayer maxout = plan.Layers[0];
        Assert.Equal(new[] { 4 }, maxout.OutputShape);
        Assert.Equal(new[] { 12, 10 }, maxout.Tensors[0].Shape);
        Assert.Equal(new[] { 12 }, maxout.Tensors[1].Shape);
        Assert.Equal((0, 120), (maxout.Tensors[0].Offset, maxout.Tensors[1].Offset));
        Assert.Equal(132 + (2 * 4) + 2, plan.ParameterCount);
        Assert.Equal(InitKind.HeNormal, maxout.ResolvedInit); // Maxout is itself a ReLU-family unit
    }

    [Fact]
    public void PReLU_has_one_alpha_per_unit_or_one_shared()
    {
        NetworkPlan perUnit = ShapeInference.Infer(Net(Input(5), Dense(3), PReLU()));
        NetworkPlan shared = ShapeInference.Infer(Net(Input(5), Dense(3), PReLU(shared: true)));

        Assert.Equal(new[] { 3 }, Assert.Single(perUnit.Layers[1].Tensors).Shape);
        Assert.Equal(new[] { 1 }, Assert.Single(shared.Layers[1].Tensors).Shape);
        Assert.Equal(("α", "alpha2", 18), (shared.Layers[1].Tensors[0].Name, shared.Layers[1].Tensors[0].Field, shared.Layers[1].Tensors[0].Offset));
        Assert.Equal(21L, perUnit.ParameterCount);
        Assert.Equal(19L, shared.ParameterCount);
    }

    [Fact]
    public void Dense_without_bias_has_only_weights()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(4), Dense(3, bias: false)));

        TensorPlan weights = Assert.Single(plan.Layers[0].Tensors);
        Assert.Equal(("W", 12), (weights.Name, weights.Length));
    }

    [Fact]
    public void Convolution_and_pooling_shapes()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(
            Input(1, 28, 28), Conv2D(8, 3), MaxPool2D(2), Conv2D(16, 3, padding: 1), Conv2D(16, 3, stride: 2, padding: 1), MaxPool2D(3, stride: 1), Flatten(), Dense(10)));

        Assert.Equal(
            new[] { "8×26×26", "8×13×13", "16×13×13", "16×7×7", "16×5×5", "400", "10" },
            plan.Layers.Select(l => ShapeInference.Dims(l.OutputShape)));
        Assert.DoesNotContain(plan.Diagnostics, d => d.Severity == Severity.Error);
        Assert.True(plan.IsRunnable);
    }

    [Fact]
    public void One_dimensional_convolution_and_pooling_shapes()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(2, 100), Conv1D(4, 5), MaxPool1D(4), Conv1D(3, 4, stride: 2), Flatten(), Dense(1)));

        Assert.Equal(new[] { "4×96", "4×24", "3×11", "33", "1" }, plan.Layers.Select(l => ShapeInference.Dims(l.OutputShape)));
        Assert.DoesNotContain(plan.Diagnostics, d => d.Severity == Severity.Error);
    }

    [Fact]
    public void Input_of_three_dimensions_flattened_into_dense()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(LossKind.SoftmaxCrossEntropy, Input(1, 28, 28), Flatten(), Dense(10), Softmax()));

        Assert.Empty(plan.Diagnostics);
        Assert.True(plan.IsRunnable);
        Assert.Equal(784, plan.InputSize);
        Assert.Equal(new[] { 784 }, plan.Layers[0].OutputShape);
        Assert.Equal(new[] { 10, 784 }, plan.Layers[1].Tensors[0].Shape);
    }

    [Fact]
    public void Shape_preserving_layers_keep_the_shape()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(7), Dense(5), BatchNorm(), Dropout(0.5), ReLU(), LeakyReLU(), PReLU(), ELU(), Sigmoid(), Tanh(), Flatten()));

        Assert.All(plan.Layers, l => Assert.Equal(new[] { 5 }, l.OutputShape));
        // A Flatten of a flat vector keeps it, and says that it does nothing.
        Assert.Equal(new[] { "NG0018" }, plan.Diagnostics.Select(d => d.Id));
    }

    [Fact]
    public void The_same_spec_gives_equal_plans()
    {
        NetworkPlan first = ShapeInference.Infer(FashionMlp());
        NetworkPlan second = ShapeInference.Infer(FashionMlp());

        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.NotEqual(first, ShapeInference.Infer(FashionMlp() with { Seed = 7 }));
    }

    // ───────────────────────── Init.Auto ─────────────────────────

    [Fact]
    public void Auto_init_is_He_before_the_ReLU_family_and_Glorot_otherwise()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(
            Input(4),
            Dense(4), ReLU(),
            Dense(4), LeakyReLU(),
            Dense(4), PReLU(),
            Dense(4), ELU(),
            Dense(4), Maxout(4),
            Dense(4), Tanh(),
            Dense(4), Sigmoid(),
            Dense(4), Dense(4)));

        InitKind[] inits = plan.Layers.Where(l => l.Spec is DenseSpec).Select(l => l.ResolvedInit).ToArray();
        Assert.Equal(
            new[] { InitKind.HeNormal, InitKind.HeNormal, InitKind.HeNormal, InitKind.HeNormal, InitKind.HeNormal, InitKind.GlorotNormal, InitKind.GlorotNormal, InitKind.GlorotNormal, InitKind.GlorotNormal },
            inits);
        Assert.Empty(plan.Diagnostics);
    }

    [Fact]
    public void Auto_init_looks_past_BatchNorm_and_Dropout()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(4), Dense(8), BatchNorm(), Dropout(0.1), ReLU(), Dense(8), Dropout(0.1), BatchNorm(), Tanh(), Dense(2)));

        Assert.Equal(InitKind.HeNormal, plan.Layers[0].ResolvedInit);
        Assert.Equal(InitKind.GlorotNormal, plan.Layers[4].ResolvedInit);
        Assert.Equal(InitKind.GlorotNormal, plan.Layers[8].ResolvedInit); // last layer: nothing after it
    }

    [Fact]
    public void Explicit_init_is_kept()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(4), Dense(4, InitKind.LeCunNormal), ReLU(), Dense(4, InitKind.SmallRandom), Tanh()));

        Assert.Equal(InitKind.LeCunNormal, plan.Layers[0].ResolvedInit);
        Assert.Equal(InitKind.SmallRandom, plan.Layers[2].ResolvedInit);
        Assert.Empty(plan.Diagnostics);
    }

    // ───────────────────────── unrolling and loss fusion ─────────────────────────

    [Theory]
    [InlineData(256, true, true)]
    [InlineData(8, true, true)] // 2 × 4 = 8 ≤ 8
    [InlineData(7, false, true)] // 4 × 1 = 4 ≤ 7
    [InlineData(3, false, false)]
    [InlineData(0, false, false)]
    public void Dense_is_unrolled_when_inputs_times_units_is_at_most_UnrollLimit(int limit, bool first, bool second)
    {
        NetworkPlan plan = ShapeInference.Infer(Net(LossKind.BinaryCrossEntropy, Input(2), Dense(4), Tanh(), Dense(1), Sigmoid()) with { UnrollLimit = limit });

        Assert.Equal(first, plan.Layers[0].Unrolled);
        Assert.Equal(second, plan.Layers[2].Unrolled);
        Assert.All(plan.Layers.Where(l => l.Spec is not DenseSpec), l => Assert.False(l.Unrolled));
    }

    [Theory]
    [InlineData(7, true)] // 7 × 4 = 28 ≤ 256, a row narrower than a vector of 8
    [InlineData(8, false)] // 8 × 4 = 32 ≤ 256, but a whole vector: the kernels
    [InlineData(32, false)] // the 16-32-32-4 network's last layer: 128 weights
    public void Dense_with_eight_or_more_inputs_calls_the_kernels_however_few_its_weights(int inputs, bool unrolled)
    {
        NetworkPlan plan = ShapeInference.Infer(Net(LossKind.MeanSquaredError, Input(inputs), Dense(4)) with { UnrollLimit = 256 });

        Assert.Equal(unrolled, plan.Layers[0].Unrolled);
    }

    [Fact]
    public void Loss_fusion()
    {
        NetworkPlan softmax = ShapeInference.Infer(Net(LossKind.SoftmaxCrossEntropy, Input(4), Dense(3), Softmax()));
        NetworkPlan sigmoid = ShapeInference.Infer(Net(LossKind.BinaryCrossEntropy, Input(4), Dense(1), Sigmoid()));
        NetworkPlan mse = ShapeInference.Infer(Net(LossKind.MeanSquaredError, Input(4), Dense(3), Softmax()));
        NetworkPlan hinge = ShapeInference.Infer(Net(LossKind.MulticlassHinge, Input(4), Dense(3)));

        Assert.Equal(LossFusion.SoftmaxCrossEntropy, softmax.Fusion);
        Assert.True(softmax.Layers[^1].FusedWithLoss);
        Assert.False(softmax.Layers[0].FusedWithLoss);
        Assert.Equal(LossFusion.SigmoidBinaryCrossEntropy, sigmoid.Fusion);
        Assert.True(sigmoid.Layers[^1].FusedWithLoss);
        Assert.Equal(LossFusion.None, mse.Fusion);
        Assert.False(mse.Layers[^1].FusedWithLoss);
        Assert.Equal(LossFusion.None, hinge.Fusion);
        Assert.All(new[] { softmax, sigmoid, mse, hinge }, p => Assert.Empty(p.Diagnostics));
    }

    // ───────────────────────── NG0001 ─────────────────────────

    [Fact]
    public void NG0001_states_both_sizes_and_the_path()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(784), Dense(256), ReLU(), Dense(10, inputs: 100, name: "hidden2")));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0001", Severity.Error, 3, "Inputs"), (error.Id, error.Severity, error.AttributeIndex, error.Argument));
        Assert.Equal("Dense 'hidden2' expects 100 inputs but receives 256: Input(784) → Dense(256) → ReLU(256)", error.Message);
        Assert.Equal("256", error.FixValue);
        Assert.False(plan.IsRunnable);
    }

    [Fact]
    public void NG0001_names_an_unnamed_layer_by_position()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(3, 4), Flatten(), Dense(5, inputs: 10)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal("NG0001", error.Id);
        Assert.Contains("Dense (layer 2)", error.Message);
        Assert.Contains("expects 10 inputs but receives 12", error.Message);
        Assert.EndsWith("Input(3×4) → Flatten(12)", error.Message);
    }

    [Fact]
    public void A_correct_stated_input_size_gives_no_diagnostic()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(784), Dense(256, inputs: 784), ReLU(), Dense(10, inputs: 256)));

        Assert.Empty(plan.Diagnostics);
    }

    [Fact]
    public void NG0001_does_not_cascade_the_network_keeps_its_declared_sizes()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(
            LossKind.SoftmaxCrossEntropy, Input(784), Dense(256), ReLU(), Dense(100, inputs: 100, name: "hidden2"), ReLU(), Dense(10, inputs: 100), Softmax()));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal("NG0001", error.Id);
        Assert.Equal(new[] { 784, 256, 256, 100, 100, 10 }, plan.Layers.Select(l => l.InputSize));
    }

    // ───────────────────────── NG0002 ─────────────────────────

    [Fact]
    public void NG0002_when_the_kernel_is_larger_than_the_input()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(1, 4, 4), Conv2D(2, 5), Flatten(), Dense(1)));

        ShapeError error = Assert.Single(plan.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal(("NG0002", 1, "kernel"), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains("non-positive output height", error.Message);
        Assert.Contains("(4 + 2·0 − 5)/1 + 1 = 0", error.Message);
        Assert.Contains("Input(1×4×4)", error.Message);
    }

    [Fact]
    public void NG0002_when_the_pooling_window_is_larger_than_the_input()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(3, 10), Conv1D(4, 3), MaxPool1D(9), Flatten(), Dense(1)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0002", 2, "size"), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains("non-positive output length", error.Message);
        Assert.Contains("Input(3×10) → Conv1D(4×8)", error.Message);
    }

    [Fact]
    public void NG0002_when_the_stride_does_not_divide_the_extent()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(1, 28, 28), Conv2D(8, 3, stride: 2, padding: 1), Flatten(), Dense(10)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0002", 1, "Stride"), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains("non-integral output height", error.Message);
        Assert.Contains("(28 + 2·1 − 3)/2 + 1 = 27/2 + 1 = 29/2;", error.Message);
    }

    [Fact]
    public void NG0002_for_pooling_with_the_default_stride()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(1, 5, 5), MaxPool2D(2), Flatten(), Dense(1)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0002", "Stride"), (error.Id, error.Argument));
        Assert.Contains("(5 + 2·0 − 2)/2 + 1 = 3/2 + 1 = 5/2;", error.Message);
    }

    // ───────────────────────── NG0003 ─────────────────────────

    [Fact]
    public void NG0003_when_there_is_no_Input()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(LossKind.SoftmaxCrossEntropy, Dense(10), Softmax()));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0003", ShapeInference.NetworkAttribute, (string?)null), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains("no [Input]", error.Message);
        Assert.Contains("found Dense first", error.Message);
        Assert.False(plan.IsRunnable);
    }

    [Fact]
    public void NG0003_when_there_are_no_layers_at_all()
    {
        NetworkPlan plan = ShapeInference.Infer(Net());

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal("NG0003", error.Id);
        Assert.False(plan.IsRunnable);
    }

    [Fact]
    public void NG0003_when_there_are_two_Inputs()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(4), Input(4), Dense(1)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0003", 1), (error.Id, error.AttributeIndex));
        Assert.Contains("more than one [Input]", error.Message);
    }

    [Fact]
    public void NG0003_when_Input_is_not_first()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Dense(3), Input(4), Dense(1)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0003", 1), (error.Id, error.AttributeIndex));
        Assert.Contains("must be the first", error.Message);
        Assert.Contains("Dense comes before it", error.Message);
    }

    // ───────────────────────── NG0004 ─────────────────────────

    [Fact]
    public void NG0004_SoftmaxCrossEntropy_without_a_final_Softmax()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net(LossKind.SoftmaxCrossEntropy, Input(4), Dense(3))).Diagnostics);

        Assert.Equal(("NG0004", ShapeInference.NetworkAttribute, "Loss"), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains("needs a final [Softmax]", error.Message);
        Assert.Contains("ends with Dense", error.Message);
    }

    [Fact]
    public void NG0004_SoftmaxCrossEntropy_with_one_output()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net(LossKind.SoftmaxCrossEntropy, Input(4), Dense(1), Softmax())).Diagnostics);

        Assert.Equal(("NG0004", "Loss"), (error.Id, error.Argument));
        Assert.Contains("at least 2 classes", error.Message);
        Assert.Contains("has 1 output", error.Message);
    }

    [Fact]
    public void NG0004_BinaryCrossEntropy_without_a_final_Sigmoid()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net(LossKind.BinaryCrossEntropy, Input(4), Dense(1), Tanh())).Diagnostics);

        Assert.Equal(("NG0004", "Loss"), (error.Id, error.Argument));
        Assert.Contains("needs a final [Sigmoid]", error.Message);
        Assert.Contains("ends with Tanh", error.Message);
    }

    [Fact]
    public void NG0004_MulticlassHinge_with_one_output()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net(LossKind.MulticlassHinge, Input(4), Dense(1))).Diagnostics);

        Assert.Equal(("NG0004", "Loss"), (error.Id, error.Argument));
        Assert.Contains("at least 2 outputs", error.Message);
    }

    [Fact]
    public void NG0004_when_nothing_follows_the_Input()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(LossKind.BinaryCrossEntropy, Input(4)));

        Assert.Equal(new[] { "NG0004", "NG0016" }, plan.Diagnostics.Select(d => d.Id));
        Assert.Contains("its Input", plan.Diagnostics[0].Message);
    }

    [Fact]
    public void NG0016_at_the_Input_when_no_layer_follows_it()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(7, 3)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0016", Severity.Error, 0, (string?)null), (error.Id, error.Severity, error.AttributeIndex, error.Argument));
        Assert.Contains("no layer after [Input(7×3)]", error.Message);
        Assert.False(plan.IsRunnable);
        Assert.Contains("no layers after [Input]", plan.UnsupportedReason);
    }

    // ───────────────────────── NG0007 ─────────────────────────

    public static TheoryData<string, string, string> InvalidLayers => new()
    {
        { "Dense(0)", "units", "units = 0" },
        { "Dense(-3)", "units", "units = -3" },
        { "Dense(3, Inputs = -2)", "Inputs", "Inputs = -2" },
        { "Maxout(0)", "units", "units = 0" },
        { "Maxout(3, 0)", "pieces", "pieces = 0" },
        { "Dropout(1.5)", "rate", "rate = 1.5" },
        { "Dropout(1)", "rate", "rate = 1" },
        { "Dropout(-0.1)", "rate", "rate = -0.1" },
        { "Dropout(NaN)", "rate", "rate = NaN" },
        { "LeakyReLU(-0.1)", "alpha", "alpha = -0.1" },
        { "ELU(-1)", "alpha", "alpha = -1" },
        { "ELU(∞)", "alpha", "alpha = Infinity" },
        { "PReLU(InitialAlpha = NaN)", "InitialAlpha", "InitialAlpha = NaN" },
        { "BatchNorm(Momentum = 1)", "Momentum", "Momentum = 1" },
        { "BatchNorm(Momentum = -0.5)", "Momentum", "Momentum = -0.5" },
        { "BatchNorm(Epsilon = 0)", "Epsilon", "Epsilon = 0" },
        { "BatchNorm(Epsilon = -1e-5)", "Epsilon", "Epsilon = -1E-05" },
        { "Dense(3, Init = 42)", "Init", "Init = 42" },
    };

    [Theory]
    [MemberData(nameof(InvalidLayers))]
    public void NG0007_for_each_invalid_layer_hyperparameter(string layer, string argument, string text)
    {
        LayerSpec spec = layer switch
        {
            "Dense(0)" => Dense(0),
            "Dense(-3)" => Dense(-3),
            "Dense(3, Inputs = -2)" => Dense(3, inputs: -2),
            "Maxout(0)" => Maxout(0),
            "Maxout(3, 0)" => Maxout(3, 0),
            "Dropout(1.5)" => Dropout(1.5),
            "Dropout(1)" => Dropout(1),
            "Dropout(-0.1)" => Dropout(-0.1),
            "Dropout(NaN)" => Dropout(double.NaN),
            "LeakyReLU(-0.1)" => LeakyReLU(-0.1),
            "ELU(-1)" => ELU(-1),
            "ELU(∞)" => ELU(double.PositiveInfinity),
            "PReLU(InitialAlpha = NaN)" => PReLU(initialAlpha: double.NaN),
            "BatchNorm(Momentum = 1)" => BatchNorm(momentum: 1),
            "BatchNorm(Momentum = -0.5)" => BatchNorm(momentum: -0.5),
            "BatchNorm(Epsilon = 0)" => BatchNorm(epsilon: 0),
            "BatchNorm(Epsilon = -1e-5)" => BatchNorm(epsilon: -1e-5),
            "Dense(3, Init = 42)" => Dense(3, (InitKind)42),
            _ => throw new System.ArgumentException(layer),
        };

        NetworkPlan plan = ShapeInference.Infer(Net(Input(4), Dense(4), spec, Dense(2)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0007", Severity.Error, 2, argument), (error.Id, error.Severity, error.AttributeIndex, error.Argument));
        Assert.Contains(text, error.Message);
        Assert.Contains($"{spec.Kind} (layer 2)", error.Message);
        Assert.False(plan.IsRunnable);
    }

    public static TheoryData<string, string> InvalidConvolutions => new()
    {
        { "filters", "filters = 0" },
        { "kernel", "kernel = 0" },
        { "Stride", "Stride = 0" },
        { "Padding", "Padding = -1" },
        { "size", "size = 0" },
        { "PoolStride", "Stride = -2" },
    };

    [Theory]
    [MemberData(nameof(InvalidConvolutions))]
    public void NG0007_for_each_invalid_convolution_hyperparameter(string argument, string text)
    {
        LayerSpec layer = argument switch
        {
            "filters" => Conv2D(0, 3),
            "kernel" => Conv2D(8, 0),
            "Stride" => Conv2D(8, 3, stride: 0),
            "Padding" => Conv2D(8, 3, padding: -1),
            "size" => MaxPool2D(0, stride: 2),
            _ => MaxPool2D(2, stride: -2),
        };

        NetworkPlan plan = ShapeInference.Infer(Net(Input(1, 8, 8), layer, Flatten(), Dense(2)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0007", 1, argument == "PoolStride" ? "Stride" : argument), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains(text, error.Message);
    }

    [Theory]
    [InlineData(new int[0], "0 dimensions")]
    [InlineData(new[] { 1, 2, 3, 4 }, "4 dimensions")]
    [InlineData(new[] { 0 }, "[Input(0)] has a size ≤ 0")]
    [InlineData(new[] { 1, -28, 28 }, "[Input(1×-28×28)] has a size ≤ 0")]
    public void NG0007_for_an_invalid_input_shape(int[] shape, string text)
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(shape), Flatten(), Dense(2)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0007", 0, "shape"), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains(text, error.Message);
        Assert.False(plan.IsRunnable);
    }

    [Fact]
    public void NG0007_for_each_invalid_network_option()
    {
        NetworkSpec valid = Net(Input(4), Dense(2));
        (NetworkSpec Spec, string Argument, string Text)[] cases =
        {
            (valid with { L1 = -0.1 }, "L1", "L1 = -0.1"),
            (valid with { L1 = double.PositiveInfinity }, "L1", "L1 = Infinity"),
            (valid with { L2 = double.NaN }, "L2", "L2 = NaN"),
            (valid with { UnrollLimit = -1 }, "UnrollLimit", "UnrollLimit = -1"),
            (valid with { MaxParameters = -5 }, "MaxParameters", "MaxParameters = -5"),
            (valid with { Loss = (LossKind)9 }, "Loss", "Loss = 9"),
        };

        foreach ((NetworkSpec spec, string argument, string text) in cases)
        {
            ShapeError error = Assert.Single(ShapeInference.Infer(spec).Diagnostics);
            Assert.Equal(("NG0007", ShapeInference.NetworkAttribute, argument), (error.Id, error.AttributeIndex, error.Argument));
            Assert.Contains(text, error.Message);
        }
    }

    [Fact]
    public void A_size_error_stops_inference_without_a_cascade()
    {
        // Dense(0) leaves no size: the stated Inputs of the next layer and the loss cannot be checked, and are not.
        NetworkPlan plan = ShapeInference.Infer(Net(LossKind.SoftmaxCrossEntropy, Input(4), Dense(0), Dense(3, inputs: 99), Tanh()));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0007", "units"), (error.Id, error.Argument));
        Assert.False(plan.IsRunnable);
    }

    [Fact]
    public void A_hyperparameter_that_does_not_change_sizes_lets_inference_continue()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(4), Dropout(1.5), Dense(3), ReLU(), Dense(2, inputs: 5)));

        Assert.Equal(new[] { ("NG0007", 1), ("NG0001", 4) }, plan.Diagnostics.Select(d => (d.Id, d.AttributeIndex)));
    }

    // ───────────────────────── NG0008 ─────────────────────────

    [Theory]
    [InlineData("Dense after a 3-D map", "needs a flat vector", "insert [Flatten]")]
    [InlineData("Maxout after a 3-D map", "needs a flat vector", "insert [Flatten]")]
    [InlineData("Softmax after a 3-D map", "normalizes a flat vector", "insert [Flatten]")]
    [InlineData("Conv2D after a flat vector", "needs a 3-D input", "[784]")]
    [InlineData("Conv2D after a 2-D map", "needs a 3-D input", "[2×100]")]
    [InlineData("Conv1D after a flat vector", "needs a 2-D input", "[784]")]
    [InlineData("MaxPool2D after a flat vector", "needs a 3-D input", "[784]")]
    [InlineData("MaxPool1D after a 3-D map", "needs a 2-D input", "[1×28×28]")]
    public void NG0008_when_a_layer_gets_an_input_of_the_wrong_rank(string situation, string text, string detail)
    {
        NetworkSpec spec = situation switch
        {
            "Dense after a 3-D map" => Net(Input(1, 28, 28), Dense(10)),
            "Maxout after a 3-D map" => Net(Input(1, 28, 28), Maxout(10)),
            "Softmax after a 3-D map" => Net(Input(1, 28, 28), Softmax()),
            "Conv2D after a flat vector" => Net(Input(784), Conv2D(8, 3), Flatten(), Dense(1)),
            "Conv2D after a 2-D map" => Net(Input(2, 100), Conv2D(8, 3), Flatten(), Dense(1)),
            "Conv1D after a flat vector" => Net(Input(784), Conv1D(8, 3), Flatten(), Dense(1)),
            "MaxPool2D after a flat vector" => Net(Input(784), MaxPool2D(2), Flatten(), Dense(1)),
            _ => Net(Input(1, 28, 28), MaxPool1D(2), Flatten(), Dense(1)),
        };

        ShapeError error = Assert.Single(ShapeInference.Infer(spec).Diagnostics);
        Assert.Equal(("NG0008", 1, (string?)null), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains(text, error.Message);
        Assert.Contains(detail, error.Message);
    }

    // ───────────────────────── NG0009, NG0010 ─────────────────────────

    [Fact]
    public void NG0009_warns_about_zero_weights_and_the_network_still_runs()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(4), Dense(3, InitKind.Zeros), ReLU(), Dense(2)));

        ShapeError warning = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0009", Severity.Warning, 1, "Init"), (warning.Id, warning.Severity, warning.AttributeIndex, warning.Argument));
        Assert.Contains("all weights zero", warning.Message);
        Assert.True(plan.IsRunnable);
        Assert.Equal(InitKind.Zeros, plan.Layers[0].ResolvedInit);
    }

    [Fact]
    public void NG0009_for_Maxout_with_zero_weights()
    {
        ShapeError warning = Assert.Single(ShapeInference.Infer(Net(Input(4), Maxout(3, init: InitKind.Zeros))).Diagnostics);

        Assert.Equal(("NG0009", "Init"), (warning.Id, warning.Argument));
    }

    [Theory]
    [InlineData(InitKind.GlorotNormal, "ReLU")]
    [InlineData(InitKind.GlorotUniform, "LeakyReLU")]
    [InlineData(InitKind.GlorotNormal, "PReLU")]
    [InlineData(InitKind.GlorotUniform, "ELU")]
    [InlineData(InitKind.HeNormal, "Tanh")]
    [InlineData(InitKind.HeUniform, "Sigmoid")]
    internal void NG0010_when_the_init_does_not_suit_the_activation(InitKind init, string activation)
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(4), Dense(3, init), BatchNorm(), ByName(activation), Dense(2)));

        ShapeError warning = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0010", Severity.Warning, 1, "Init"), (warning.Id, warning.Severity, warning.AttributeIndex, warning.Argument));
        Assert.Contains($"uses {init} but is followed by {activation}", warning.Message);
        Assert.True(plan.IsRunnable);
    }

    [Fact]
    public void NG0010_is_silent_when_the_init_suits_the_activation()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(
            Input(4), Dense(4, InitKind.HeNormal), ReLU(), Dense(4, InitKind.GlorotUniform), Tanh(), Dense(4, InitKind.HeUniform), ELU(),
            Dense(4, InitKind.GlorotNormal), Sigmoid(), Maxout(2, init: InitKind.GlorotNormal), Dense(2, InitKind.LeCunNormal), ReLU()));

        Assert.Empty(plan.Diagnostics);
    }

    // ───────────────────────── NG0011 ─────────────────────────

    [Fact]
    public void NG0011_when_over_the_MaxParameters_budget()
    {
        NetworkSpec spec = Net(Input(784), Dense(256), ReLU(), Dense(10)) with { MaxParameters = 100_000 };

        NetworkPlan plan = ShapeInference.Infer(spec);

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0011", Severity.Error, ShapeInference.NetworkAttribute, "MaxParameters"), (error.Id, error.Severity, error.AttributeIndex, error.Argument));
        Assert.Contains("203,530 parameters", error.Message);
        Assert.Contains("MaxParameters = 100,000", error.Message);
        Assert.Contains("Input(784) → Dense(256) → ReLU(256) → Dense(10)", error.Message);
        Assert.False(plan.IsRunnable);
    }

    [Fact]
    public void Exactly_MaxParameters_is_within_budget()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(784), Dense(256), ReLU(), Dense(10)) with { MaxParameters = 203_530 });

        Assert.Empty(plan.Diagnostics);
    }

    [Fact]
    public void NG0011_when_too_large_to_index()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(100_000), Dense(100_000)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0011", 1, (string?)null), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains("10,000,000,000 values per sample for its weights W", error.Message);
        Assert.False(plan.IsRunnable);
    }

    [Fact]
    public void NG0011_when_an_input_sample_is_too_large_to_index()
    {
        // 65536 × 65536 wraps to 0 in int arithmetic: without the check the network would be "runnable" with InputSize 0.
        NetworkPlan plan = ShapeInference.Infer(Net(Input(65536, 65536), Flatten(), Dense(10)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0011", 0, "shape"), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains("4,294,967,296 values per sample", error.Message);
        Assert.False(plan.IsRunnable);
    }

    [Fact]
    public void NG0011_when_a_layer_output_is_too_large_to_index()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(1, 2, 2), Conv2D(1_000_000_000, 1), Flatten(), Dense(10)));

        ShapeError error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0011", 1, (string?)null), (error.Id, error.AttributeIndex, error.Argument));
        Assert.Contains("Conv2D (layer 1) needs 4,000,000,004 values per sample for its im2col workspace", error.Message);
    }

    // ───────────────────────── NG0012 ─────────────────────────

    [Fact]
    public void NG0012_when_Softmax_is_not_the_last_layer()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(4), Dense(3), Softmax(), Dense(2)));

        ShapeError warning = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0012", Severity.Warning, 2, (string?)null), (warning.Id, warning.Severity, warning.AttributeIndex, warning.Argument));
        Assert.Contains("is not the last layer", warning.Message);
        Assert.True(plan.IsRunnable);
    }

    [Fact]
    public void NG0012_when_squashing_twice()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(LossKind.SoftmaxCrossEntropy, Input(4), Dense(3), Sigmoid(), Softmax()));

        ShapeError warning = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0012", 3), (warning.Id, warning.AttributeIndex));
        Assert.Contains("Softmax (layer 3) directly follows Sigmoid", warning.Message);
    }

    [Fact]
    public void NG0012_Sigmoid_after_Sigmoid()
    {
        NetworkPlan plan = ShapeInference.Infer(Net(LossKind.BinaryCrossEntropy, Input(4), Dense(1), Sigmoid(), Sigmoid()));

        ShapeError warning = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0012", 3), (warning.Id, warning.AttributeIndex));
    }

    [Theory]
    [InlineData("Softmax")]
    [InlineData("Sigmoid")]
    internal void NG0012_a_Softmax_followed_by_another_squashing_layer_is_one_warning(string second)
    {
        NetworkPlan plan = ShapeInference.Infer(Net(Input(4), Dense(3), Softmax(), ByName(second)));

        ShapeError warning = Assert.Single(plan.Diagnostics);
        Assert.Equal(("NG0012", 3), (warning.Id, warning.AttributeIndex));
        Assert.Contains("directly follows Softmax", warning.Message);
    }

    // ───────────────────────── several mistakes ─────────────────────────

    [Fact]
    public void Several_independent_mistakes_give_one_diagnostic_each()
    {
        NetworkSpec spec = Net(
            LossKind.SoftmaxCrossEntropy,
            Input(784),
            Dense(256, InitKind.Zeros), ReLU(), Dropout(1.5),
            Dense(10, inputs: 100), Softmax(), Softmax()) with { L1 = -1 };

        NetworkPlan plan = ShapeInference.Infer(spec);

        Assert.Equal(
            new[] { ("NG0007", -1), ("NG0009", 1), ("NG0007", 3), ("NG0001", 4), ("NG0012", 6) }.OrderBy(x => x),
            plan.Diagnostics.Select(d => (d.Id, d.AttributeIndex)).OrderBy(x => x));
    }
}
