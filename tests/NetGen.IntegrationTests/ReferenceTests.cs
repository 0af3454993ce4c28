using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;

namespace NetGen.IntegrationTests;

// Each architecture twice, in single and double precision, for comparison with ReferenceNetwork.

// A: BatchNorm, ReLU, per-unit PReLU, softmax cross-entropy fused with the final Softmax, L2.
[Network(Loss = LossFunction.SoftmaxCrossEntropy, L2 = 0.01, Seed = 11)]
[Input(5)] [Dense(6)] [BatchNorm] [ReLU] [Dense(4)] [PReLU] [Dense(3)] [Softmax]
public partial class RefAFloat;

[Network(Loss = LossFunction.SoftmaxCrossEntropy, L2 = 0.01, Seed = 11, Precision = Precision.Double)]
[Input(5)] [Dense(6)] [BatchNorm] [ReLU] [Dense(4)] [PReLU] [Dense(3)] [Softmax]
public partial class RefADouble;

// B: LeakyReLU, Maxout, ELU, Dense without bias, Tanh, binary cross-entropy on two sigmoid outputs, L1.
[Network(Loss = LossFunction.BinaryCrossEntropy, L1 = 0.005, Seed = 12)]
[Input(4)] [Dense(6)] [LeakyReLU(0.2)] [Maxout(4, pieces: 3)] [ELU(0.5)] [Dense(3, Bias = false)] [Tanh] [Dense(2)] [Sigmoid]
public partial class RefBFloat;

[Network(Loss = LossFunction.BinaryCrossEntropy, L1 = 0.005, Seed = 12, Precision = Precision.Double)]
[Input(4)] [Dense(6)] [LeakyReLU(0.2)] [Maxout(4, pieces: 3)] [ELU(0.5)] [Dense(3, Bias = false)] [Tanh] [Dense(2)] [Sigmoid]
public partial class RefBDouble;

// C: runtime kernels only, BatchNorm with its own momentum and epsilon, shared PReLU, dropout, Softmax under MSE
// (not fused), L1 and L2.
[Network(L1 = 0.001, L2 = 0.02, UnrollLimit = 0, Seed = 13)]
[Input(6)] [Dense(5)] [BatchNorm(Momentum = 0.7, Epsilon = 1e-3)] [PReLU(Shared = true, InitialAlpha = 0.1)] [Dropout(0.3)] [Dense(4)] [Softmax]
public partial class RefCFloat;

[Network(L1 = 0.001, L2 = 0.02, UnrollLimit = 0, Seed = 13, Precision = Precision.Double)]
[Input(6)] [Dense(5)] [BatchNorm(Momentum = 0.7, Epsilon = 1e-3)] [PReLU(Shared = true, InitialAlpha = 0.1)] [Dropout(0.3)] [Dense(4)] [Softmax]
public partial class RefCDouble;

// D: multiclass hinge, a Sigmoid inside, dropout after it; UnrollLimit = 15 unrolls Dense 3 → 5 but not Dense 5 → 4.
[Network(Loss = LossFunction.MulticlassHinge, L2 = 0.05, UnrollLimit = 15, Seed = 14)]
[Input(3)] [Dense(5)] [Sigmoid] [Dropout(0.5)] [Dense(4)]
public partial class RefDFloat;

[Network(Loss = LossFunction.MulticlassHinge, L2 = 0.05, UnrollLimit = 15, Seed = 14, Precision = Precision.Double)]
[Input(3)] [Dense(5)] [Sigmoid] [Dropout(0.5)] [Dense(4)]
public partial class RefDDouble;

// E: BatchNorm as the first layer, then Tanh; MSE.
[Network(Seed = 15)] [Input(4)] [BatchNorm] [Tanh] [Dense(3)]
public partial class RefEFloat;

[Network(Seed = 15, Precision = Precision.Double)] [Input(4)] [BatchNorm] [Tanh] [Dense(3)]
public partial class RefEDouble;

/// <summary>
/// Generated networks against <see cref="ReferenceNetwork"/>, a plain interpreter written in the tests: Predict outputs,
/// TrainStep and Evaluate losses, gradients and BatchNorm state, with the generated network's own parameters.
/// </summary>
public class ReferenceTests
{
    private const double FloatTolerance = 1e-4;
    private const double DoubleTolerance = 1e-10;

    private static readonly Dictionary<string, ReferenceNetwork> References = new()
    {
        ["A"] = new ReferenceNetwork(5, LossFunction.SoftmaxCrossEntropy, 0, 0.01, new RefLayer.Dense(6), new RefLayer.BatchNorm(), new RefLayer.ReLU(), new RefLayer.Dense(4), new RefLayer.PReLU(), new RefLayer.Dense(3), new RefLayer.Softmax()),
        ["B"] = new ReferenceNetwork(4, LossFunction.BinaryCrossEntropy, 0.005, 0, new RefLayer.Dense(6), new RefLayer.LeakyReLU(0.2), new RefLayer.Maxout(4, 3), new RefLayer.ELU(0.5), new RefLayer.Dense(3, Bias: false), new RefLayer.Tanh(), new RefLayer.Dense(2), new RefLayer.Sigmoid()),
        ["C"] = new ReferenceNetwork(6, LossFunction.MeanSquaredError, 0.001, 0.02, new RefLayer.Dense(5), new RefLayer.BatchNorm(0.7, 1e-3), new RefLayer.PReLU(Shared: true), new RefLayer.Dropout(0.3), new RefLayer.Dense(4), new RefLayer.Softmax()),
        ["D"] = new ReferenceNetwork(3, LossFunction.MulticlassHinge, 0, 0.05, new RefLayer.Dense(5), new RefLayer.Sigmoid(), new RefLayer.Dropout(0.5), new RefLayer.Dense(4)),
        ["E"] = new ReferenceNetwork(4, LossFunction.MeanSquaredError, 0, 0, new RefLayer.BatchNorm(), new RefLayer.Tanh(), new RefLayer.Dense(3)),
    };

    public static TheoryData<string> Architectures() => new(References.Keys);

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Single_precision_matches_the_reference(string architecture)
    {
        INetwork<float> net = architecture switch
        {
            "A" => new RefAFloat(),
            "B" => new RefBFloat(),
            "C" => new RefCFloat(),
            "D" => new RefDFloat(),
            _ => new RefEFloat(),
        };
        Compare(net, References[architecture], FloatTolerance, rate => (float)rate);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Double_precision_matches_the_reference(string architecture)
    {
        INetwork<double> net = architecture switch
        {
            "A" => new RefADouble(),
            "B" => new RefBDouble(),
            "C" => new RefCDouble(),
            "D" => new RefDDouble(),
            _ => new RefEDouble(),
        };
        Compare(net, References[architecture], DoubleTolerance, rate => rate);
    }

    [Fact]
    public void The_reference_itself_agrees_with_finite_differences()
    {
        // The reference is the yardstick, so check it too: its gradient against central differences of its own loss.
        foreach ((string name, ReferenceNetwork reference) in References)
        {
            var random = new NetGenRandom(3, 5);
            double[] parameters = Enumerable.Range(0, reference.ParameterCount).Select(_ => 0.5 * random.NextNormal()).ToArray();
            double[] state = Enumerable.Range(0, reference.StateCount).Select(i => 0.5 + random.NextDouble()).ToArray();
            double[] inputs = TestData.Inputs<double>(4, reference.InputSize, 8);
            double[] targets = TestData.Targets<double>(4, reference.OutputSize, reference.Loss, 8);
            (_, double[] gradient, _) = reference.TrainStep(parameters, state, inputs, targets, 77, r => r);
            var numeric = new double[gradient.Length];
            const double h = 1e-6;
            for (int p = 0; p < parameters.Length; p++)
            {
                double original = parameters[p];
                parameters[p] = original + h;
                double plus = reference.TrainStep(parameters, state, inputs, targets, 77, r => r).Loss;
                parameters[p] = original - h;
                double minus = reference.TrainStep(parameters, state, inputs, targets, 77, r => r).Loss;
                parameters[p] = original;
                numeric[p] = (plus - minus) / (2 * h);
            }

            TestData.AssertClose(numeric, gradient, 1e-6, $"reference {name}: gradient vs finite differences");
        }
    }

    private static void Compare<T>(INetwork<T> net, ReferenceNetwork reference, double tolerance, Func<double, double> roundRate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Same architecture and layout as the reference.
        Assert.Equal(reference.InputSize, net.InputSize);
        Assert.Equal(reference.OutputSize, net.OutputSize);
        Assert.Equal(reference.ParameterCount, net.ParameterCount);
        Assert.Equal(reference.StateCount, net.State.Length);
        Assert.Equal(reference.Loss, net.Loss);
        Assert.Equal(reference.Layers.Select(l => l.Kind), net.Layers.Select(l => l.Kind));

        // Biases start at 0, γ at 1 and α at a constant: perturb every parameter so that each one matters.
        var noise = new NetGenRandom(21, 3);
        Span<T> parameters = net.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] += T.CreateTruncating(0.2 * noise.NextNormal());
        }

        // Batch sizes that grow and shrink: the per-batch buffers are reallocated, then used in part. In a batch of 2,
        // BatchNorm gives x̂ ≈ ±1 and its input gradient m·dy − Σdy − x̂·Σ(dy·x̂) is an almost total cancellation, which
        // lifts single-precision rounding above 1e-4 of the gradient; only double precision runs that batch.
        int[] batches = typeof(T) == typeof(double) ? new[] { 5, 2, 7, 3 } : new[] { 5, 3, 7, 4 };
        for (int step = 0; step < batches.Length; step++)
        {
            int batch = batches[step];
            T[] inputs = TestData.Inputs<T>(batch, net.InputSize, 40 + step);
            double[] x = TestData.ToDouble<T>(inputs);
            double[] p = TestData.ToDouble<T>(net.Parameters);
            double[] state = TestData.ToDouble<T>(net.State);
            ulong randomState = net.RandomState;
            T loss;
            double[] targets;
            if (step % 2 == 1)
            {
                int[] labels = TestData.Labels(batch, net.OutputSize == 1 ? 2 : net.OutputSize, 40 + step);
                targets = reference.LabelsToTargets(labels);
                loss = net.TrainStep(inputs, labels);
            }
            else
            {
                T[] t = TestData.Targets<T>(batch, net.OutputSize, net.Loss, 40 + step);
                targets = TestData.ToDouble<T>(t);
                loss = net.TrainStep(inputs, t);
            }

            (double expectedLoss, double[] expectedGradient, double[] expectedState) = reference.TrainStep(p, state, x, targets, randomState, roundRate);
            string what = $"{net.GetType().Name}, step {step} (batch {batch})";
            TestData.AssertClose(expectedLoss, double.CreateTruncating(loss), tolerance, $"{what}: TrainStep loss");
            foreach (LayerView<T> layer in net.Layers)
            {
                foreach (ParameterView<T> tensor in layer.ParameterTensors)
                {
                    TestData.AssertClose(
                        expectedGradient.AsSpan(tensor.Offset, tensor.Length),
                        TestData.ToDouble<T>(tensor.Gradients),
                        tolerance,
                        $"{what}: gradient of {layer.Name}.{tensor.Name}");
                }
            }

            TestData.AssertClose(expectedGradient, TestData.ToDouble<T>(net.Gradients), tolerance, $"{what}: Gradients");
            TestData.AssertClose(expectedState, TestData.ToDouble<T>(net.State), tolerance, $"{what}: State (running statistics)");
            Assert.Equal(p, TestData.ToDouble<T>(net.Parameters)); // TrainStep never changes the parameters

            // A plain SGD step so that the next comparison sees other parameters.
            Span<T> g = net.Gradients;
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i] -= T.CreateTruncating(0.1) * g[i];
            }
        }

        // Inference: running statistics, no dropout; nothing changes.
        const int Batch = 4;
        byte[] parametersBefore = TestData.Bytes<T>(net.Parameters), gradientsBefore = TestData.Bytes<T>(net.Gradients), stateBefore = TestData.Bytes<T>(net.State);
        ulong randomBefore = net.RandomState;
        T[] testInputs = TestData.Inputs<T>(Batch, net.InputSize, 50);
        double[] testX = TestData.ToDouble<T>(testInputs);
        double[] finalP = TestData.ToDouble<T>(net.Parameters), finalState = TestData.ToDouble<T>(net.State);
        var outputs = new T[Batch * net.OutputSize];
        net.Predict(testInputs, outputs);
        TestData.AssertClose(reference.Predict(finalP, finalState, testX), TestData.ToDouble<T>(outputs), tolerance, $"{net.GetType().Name}: Predict");

        int[] testLabels = TestData.Labels(Batch, net.OutputSize == 1 ? 2 : net.OutputSize, 50);
        T[] testTargets = TestData.Targets<T>(Batch, net.OutputSize, net.Loss, 50);
        TestData.AssertClose(
            reference.Evaluate(finalP, finalState, testX, reference.LabelsToTargets(testLabels)),
            double.CreateTruncating(net.Evaluate(testInputs, testLabels)),
            tolerance,
            $"{net.GetType().Name}: Evaluate (labels)");
        TestData.AssertClose(
            reference.Evaluate(finalP, finalState, testX, TestData.ToDouble<T>(testTargets)),
            double.CreateTruncating(net.Evaluate(testInputs, testTargets)),
            tolerance,
            $"{net.GetType().Name}: Evaluate (targets)");
        Assert.Equal(parametersBefore, TestData.Bytes<T>(net.Parameters));
        Assert.Equal(gradientsBefore, TestData.Bytes<T>(net.Gradients));
        Assert.Equal(stateBefore, TestData.Bytes<T>(net.State));
        Assert.Equal(randomBefore, net.RandomState);
    }
}
