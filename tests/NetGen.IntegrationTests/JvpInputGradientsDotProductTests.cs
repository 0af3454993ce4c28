using System;
using System.Globalization;
using System.Linq;

namespace NetGen.IntegrationTests;

/// <summary>
/// Forward mode against reverse mode on the inputs: for the outputs y(x), Jvp gives J·v and InputGradients gives
/// Jᵀu with u = ∂L/∂y, so uᵀ(J·v) must equal (Jᵀu)ᵀ·v to rounding. Two generated derivatives, written independently,
/// check each other without a finite-difference step.
/// </summary>
public class JvpInputGradientsDotProductTests
{
    public static TheoryData<string> Names() => new(InputGradientsTests.Networks.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Output_tangent_dotted_with_the_loss_gradient_equals_input_gradients_dotted_with_the_direction(string name)
    {
        INetwork<double> net = InputGradientsTests.Networks[name]();
        InputGradientsTests.MoveRunningStatistics(net);
        const int batch = 3;
        double[] inputs = TestData.Inputs<double>(batch, net.InputSize, seed: 21);
        double[] direction = TestData.Inputs<double>(batch, net.InputSize, seed: 22);
        int[] labels = TestData.Labels(batch, net.OutputSize == 1 ? 2 : net.OutputSize, seed: 23);
        double[] targets = TestData.Targets<double>(batch, net.OutputSize, net.Loss, seed: 24);
        bool useLabels = net.Loss is LossFunction.SoftmaxCrossEntropy or LossFunction.MulticlassHinge;

        var gradients = new double[inputs.Length];
        _ = useLabels ? net.InputGradients(inputs, labels, gradients) : net.InputGradients(inputs, targets, gradients);
        var outputs = new double[batch * net.OutputSize];
        var outputTangents = new double[outputs.Length];
        net.Jvp(inputs, direction, ReadOnlySpan<double>.Empty, outputs, outputTangents);

        double[] u = LossGradient(net.Loss, outputs, labels, targets, batch, net.OutputSize);
        double forward = u.Zip(outputTangents, (a, b) => a * b).Sum();
        double reverse = gradients.Zip(direction, (a, b) => a * b).Sum();
        double relative = Math.Abs(forward - reverse) / (Math.Abs(forward) + Math.Abs(reverse));
        string context = string.Create(CultureInfo.InvariantCulture, $"{name}: uᵀ(J·v) = {forward:R}, (Jᵀu)ᵀv = {reverse:R}, relative error {relative:E3}");
        Assert.True(Math.Abs(reverse) > 1e-9, $"{context}: the product is (almost) zero, so the check proves nothing.");
        Assert.True(relative < 1e-12, context);
    }

    // ∂L/∂y of the mean loss over the batch, written from DESIGN §3's definitions on the network's outputs.
    private static double[] LossGradient(LossFunction loss, double[] y, int[] labels, double[] targets, int batch, int outputs)
    {
        var u = new double[y.Length];
        for (int s = 0; s < batch; s++)
        {
            for (int j = 0; j < outputs; j++)
            {
                int k = (s * outputs) + j;
                u[k] = loss switch
                {
                    LossFunction.MeanSquaredError => (y[k] - targets[k]) / batch,
                    LossFunction.BinaryCrossEntropy => ((1 - targets[k]) / (1 - y[k]) - (targets[k] / y[k])) / batch,
                    LossFunction.SoftmaxCrossEntropy => j == labels[s] ? -1 / (batch * y[k]) : 0,
                    LossFunction.MulticlassHinge => HingeGradient(y, s, j, labels[s], outputs) / batch,
                    _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "No loss gradient for this loss."),
                };
            }
        }

        return u;
    }

    private static double HingeGradient(double[] scores, int sample, int j, int label, int outputs)
    {
        double Margin(int other) => scores[(sample * outputs) + other] - scores[(sample * outputs) + label] + 1;
        return j != label
            ? (Margin(j) > 0 ? 1 : 0)
            : -Enumerable.Range(0, outputs).Count(other => other != label && Margin(other) > 0);
    }
}
