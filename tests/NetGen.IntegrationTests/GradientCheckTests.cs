using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetGen.IntegrationTests;

// Small double-precision networks, each isolating one layer kind, loss or penalty between Dense layers, so that the
// gradient check exercises its forward and backward code. All Dense layers here with fewer than 8 inputs are unrolled
// (in × out ≤ 256, the default UnrollLimit) unless UnrollLimit says otherwise; wider ones and Maxout call the kernels.

[Network(Precision = Precision.Double)] [Input(4)] [Dense(5)] [Dense(3)]
public partial class GcDense;

[Network(Precision = Precision.Double)] [Input(4)] [Dense(5, Bias = false)] [Tanh] [Dense(3, Bias = false)]
public partial class GcDenseNoBias;

[Network(Precision = Precision.Double)] [Input(4)] [Dense(5)] [BatchNorm] [Dense(3)]
public partial class GcBatchNorm;

[Network(Precision = Precision.Double)] [Input(5)] [BatchNorm(Momentum = 0.5, Epsilon = 1e-3)] [Dense(3)]
public partial class GcBatchNormFirst;

[Network(Precision = Precision.Double)] [Input(4)] [Dense(6)] [Dropout(0.4)] [Dense(3)]
public partial class GcDropout;

[Network(Precision = Precision.Double)] [Input(5)] [Dropout(0.3)] [Dense(3)]
public partial class GcDropoutFirst;

[Network(Precision = Precision.Double)] [Input(4)] [Dense(6)] [ReLU] [Dense(3)]
public partial class GcReLU;

[Network(Precision = Precision.Double)] [Input(4)] [Dense(6)] [LeakyReLU(0.1)] [Dense(3)]
public partial class GcLeakyReLU;

[Network(Precision = Precision.Double)] [Input(4)] [Dense(6)] [PReLU(InitialAlpha = 0.2)] [Dense(3)]
public partial class GcPReLU;

[Network(Precision = Precision.Double)] [Input(4)] [Dense(6)] [PReLU(Shared = true)] [Dense(3)]
public partial class GcPReLUShared;

[Network(Precision = Precision.Double)] [Input(4)] [Dense(6)] [ELU(0.7)] [Dense(3)]
public partial class GcELU;

[Network(Precision = Precision.Double)] [Input(4)] [Dense(6)] [Sigmoid] [Dense(3)]
public partial class GcSigmoid;

[Network(Precision = Precision.Double)] [Input(4)] [Dense(6)] [Tanh] [Dense(3)]
public partial class GcTanh;

// Softmax not fused with its loss: its own backward (the Jacobian diag(y) − y yᵀ) runs under MSE.
[Network(Precision = Precision.Double)] [Input(4)] [Dense(5)] [Softmax]
public partial class GcSoftmax;

[Network(Precision = Precision.Double)] [Input(4)] [Dense(5)] [Maxout(3, pieces: 3)] [Dense(2)]
public partial class GcMaxout;

[Network(Precision = Precision.Double)] [Input(4)] [Maxout(3)] [Dense(2)]
public partial class GcMaxoutFirst;

[Network(Precision = Precision.Double)] [Input(4)] [ELU] [Dense(3)]
public partial class GcActivationFirst;

[Network(Precision = Precision.Double, Loss = LossFunction.BinaryCrossEntropy)] [Input(4)] [Dense(5)] [Tanh] [Dense(1)] [Sigmoid]
public partial class GcBinaryCrossEntropy;

[Network(Precision = Precision.Double, Loss = LossFunction.BinaryCrossEntropy)] [Input(4)] [Dense(5)] [ReLU] [Dense(3)] [Sigmoid]
public partial class GcBinaryCrossEntropyMultiLabel;

[Network(Precision = Precision.Double, Loss = LossFunction.SoftmaxCrossEntropy)] [Input(4)] [Dense(5)] [ReLU] [Dense(3)] [Softmax]
public partial class GcSoftmaxCrossEntropy;

[Network(Precision = Precision.Double, Loss = LossFunction.MulticlassHinge)] [Input(4)] [Dense(5)] [Tanh] [Dense(4)]
public partial class GcHinge;

[Network(Precision = Precision.Double, L1 = 0.01)] [Input(4)] [Dense(5)] [Tanh] [Dense(3)]
public partial class GcL1;

[Network(Precision = Precision.Double, L2 = 0.1)] [Input(4)] [Dense(5)] [Tanh] [Dense(3)]
public partial class GcL2;

// Both penalties, next to tensors that must not be penalized (γ, β, α) and a Maxout weight matrix that must.
[Network(Precision = Precision.Double, L1 = 0.02, L2 = 0.05)] [Input(4)] [Dense(5)] [BatchNorm] [PReLU] [Maxout(3)] [Dense(2)]
public partial class GcL1L2;

[Network(Precision = Precision.Double, Loss = LossFunction.SoftmaxCrossEntropy, L2 = 0.01)]
[Input(6)]
[Dense(7)] [BatchNorm] [ReLU] [Dropout(0.25)]
[Dense(6)] [BatchNorm] [ReLU] [Dropout(0.2)]
[Dense(5)] [BatchNorm] [LeakyReLU(0.05)]
[Dense(3)] [Softmax]
public partial class GcDeep;

// UnrollLimit = 40: Dense 5 → 8 (40 weights) is unrolled to scalar statements, Dense 8 → 6 (48) calls the runtime
// kernel, Dense 6 → 3 (18) is unrolled again.
[Network(Precision = Precision.Double, UnrollLimit = 40)] [Input(5)] [Dense(8)] [Tanh] [Dense(6)] [ReLU] [Dense(3, Bias = false)]
public partial class GcUnrollMixed;

// The default UnrollLimit (256) at its boundary: Dense 4 → 64 (256 weights) is unrolled, Dense 4 → 65 (260) is not;
// Dense 64 → 4 (256 weights, but 8 or more inputs) calls the kernels.
[Network(Precision = Precision.Double)] [Input(4)] [Dense(64)] [Tanh] [Dense(4)] [Tanh] [Dense(65)] [Tanh] [Dense(3)]
public partial class GcUnrollBoundary;

// UnrollLimit = 0: every Dense layer calls the runtime kernels.
[Network(Precision = Precision.Double, Loss = LossFunction.SoftmaxCrossEntropy, L1 = 0.01, UnrollLimit = 0)]
[Input(5)]
[Dense(6)] [BatchNorm] [ELU] [Dropout(0.3)]
[Dense(4, Bias = false)] [Tanh]
[Dense(3)] [Softmax]
public partial class GcKernelsOnly;

/// <summary>
/// Gradient checks: each generated backward pass against central finite differences of its own loss, in double
/// precision, relative error below 1e-7 overall and per layer.
/// </summary>
/// <remarks>
/// ReLU-family kinks, Maxout ties and hinge margins: the inputs and weights are continuous random values, so a
/// pre-activation lies within the finite-difference reach of a kink (|Δz| ≤ h·|x| ≈ 1e-6) with probability of order
/// 1e-6 per value; with a few hundred values per check and fixed seeds the cases below are deterministic and clear of
/// kinks. Every check also asserts a non-zero analytic gradient, since two zero gradients agree trivially.
/// </remarks>
public class GradientCheckTests
{
    private const double Tolerance = 1e-7;

    internal static readonly Dictionary<string, (Func<int, INetwork<double>> Create, LossFunction Loss)> Networks = new()
    {
        ["Dense"] = (s => new GcDense(s), LossFunction.MeanSquaredError),
        ["Dense without bias"] = (s => new GcDenseNoBias(s), LossFunction.MeanSquaredError),
        ["BatchNorm"] = (s => new GcBatchNorm(s), LossFunction.MeanSquaredError),
        ["BatchNorm first"] = (s => new GcBatchNormFirst(s), LossFunction.MeanSquaredError),
        ["Dropout"] = (s => new GcDropout(s), LossFunction.MeanSquaredError),
        ["Dropout first"] = (s => new GcDropoutFirst(s), LossFunction.MeanSquaredError),
        ["ReLU"] = (s => new GcReLU(s), LossFunction.MeanSquaredError),
        ["LeakyReLU"] = (s => new GcLeakyReLU(s), LossFunction.MeanSquaredError),
        ["PReLU per unit"] = (s => new GcPReLU(s), LossFunction.MeanSquaredError),
        ["PReLU shared"] = (s => new GcPReLUShared(s), LossFunction.MeanSquaredError),
        ["ELU"] = (s => new GcELU(s), LossFunction.MeanSquaredError),
        ["Sigmoid"] = (s => new GcSigmoid(s), LossFunction.MeanSquaredError),
        ["Tanh"] = (s => new GcTanh(s), LossFunction.MeanSquaredError),
        ["Softmax with MSE"] = (s => new GcSoftmax(s), LossFunction.MeanSquaredError),
        ["Maxout"] = (s => new GcMaxout(s), LossFunction.MeanSquaredError),
        ["Maxout first"] = (s => new GcMaxoutFirst(s), LossFunction.MeanSquaredError),
        ["activation first"] = (s => new GcActivationFirst(s), LossFunction.MeanSquaredError),
        ["BinaryCrossEntropy"] = (s => new GcBinaryCrossEntropy(s), LossFunction.BinaryCrossEntropy),
        ["BinaryCrossEntropy multi-label"] = (s => new GcBinaryCrossEntropyMultiLabel(s), LossFunction.BinaryCrossEntropy),
        ["SoftmaxCrossEntropy"] = (s => new GcSoftmaxCrossEntropy(s), LossFunction.SoftmaxCrossEntropy),
        ["MulticlassHinge"] = (s => new GcHinge(s), LossFunction.MulticlassHinge),
        ["L1"] = (s => new GcL1(s), LossFunction.MeanSquaredError),
        ["L2"] = (s => new GcL2(s), LossFunction.MeanSquaredError),
        ["L1 and L2"] = (s => new GcL1L2(s), LossFunction.MeanSquaredError),
        ["deep: BatchNorm, ReLU, dropout"] = (s => new GcDeep(s), LossFunction.SoftmaxCrossEntropy),
        ["UnrollLimit 40: unrolled and kernel Dense"] = (s => new GcUnrollMixed(s), LossFunction.MeanSquaredError),
        ["UnrollLimit 256 boundary"] = (s => new GcUnrollBoundary(s), LossFunction.MeanSquaredError),
        ["UnrollLimit 0: kernels only"] = (s => new GcKernelsOnly(s), LossFunction.SoftmaxCrossEntropy),
    };

    public static TheoryData<string, int, bool> Cases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string name in Networks.Keys)
        {
            foreach (int seed in new[] { 1, 2, 3 })
            {
                data.Add(name, seed, false);
                data.Add(name, seed, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_pass_matches_finite_differences(string network, int seed, bool useLabels)
    {
        (Func<int, INetwork<double>> create, LossFunction loss) = Networks[network];
        INetwork<double> net = create(seed);
        Assert.Equal(loss, net.Loss);
        int batch = 3 + (seed % 3);
        Check(net, network, batch, dataSeed: 100 + seed, useLabels);
    }

    [Fact]
    public void Gradient_check_leaves_parameters_state_and_random_state_unchanged()
    {
        var net = new GcDeep(5);
        double[] inputs = TestData.Inputs<double>(4, GcDeep.InputSize, 9);
        int[] labels = TestData.Labels(4, GcDeep.OutputSize, 9);
        net.TrainStep(inputs, labels); // non-trivial running statistics
        byte[] parameters = TestData.Bytes<double>(net.Parameters), state = TestData.Bytes<double>(net.State);
        ulong random = net.RandomState;

        GradientCheck.Run(net, inputs, labels);

        Assert.Equal(parameters, TestData.Bytes<double>(net.Parameters));
        Assert.Equal(state, TestData.Bytes<double>(net.State));
        Assert.Equal(random, net.RandomState);
    }

    private static void Check(INetwork<double> net, string name, int batch, int dataSeed, bool useLabels)
    {
        double[] inputs = TestData.Inputs<double>(batch, net.InputSize, dataSeed);
        GradientCheckResult result;
        if (useLabels)
        {
            int classes = net.OutputSize == 1 ? 2 : net.OutputSize;
            result = GradientCheck.Run(net, inputs, TestData.Labels(batch, classes, dataSeed));
        }
        else
        {
            result = GradientCheck.Run(net, inputs, TestData.Targets<double>(batch, net.OutputSize, net.Loss, dataSeed));
        }

        string context = string.Create(CultureInfo.InvariantCulture, $"{name} ({(useLabels ? "labels" : "targets")}, batch {batch}, data seed {dataSeed}):\n{result}");
        Assert.Equal(net.ParameterCount, result.ParametersChecked);
        double norm = Math.Sqrt(net.Gradients.ToArray().Sum(g => g * g));
        Assert.True(norm > 1e-6, $"{context}\nThe analytic gradient is (almost) zero: the check would prove nothing.");
        Assert.True(result.RelativeError < Tolerance, $"{context}\nOverall relative error {result.RelativeError:E3} ≥ {Tolerance:E0}.");
        foreach (LayerGradientError layer in result.Layers)
        {
            Assert.True(layer.RelativeError < Tolerance, $"{context}\nLayer {layer.Layer}: relative error {layer.RelativeError:E3} ≥ {Tolerance:E0}.");
        }

        // Every layer with parameters is reported.
        Assert.Equal(net.Layers.Where(l => l.ParameterCount > 0).Select(l => l.Name), result.Layers.Select(l => l.Layer));
    }
}
