using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Xunit.Abstractions;

namespace NetGen.IntegrationTests;

/// <summary>
/// Gradient checks of the generated convolutional networks: the backward pass against central finite differences of the
/// network's own loss, in double precision, relative error below 1e-7 overall and per layer.
/// </summary>
/// <remarks>
/// Max pooling and ReLU are piecewise linear: a finite difference that moves a maximum to another input or a value across
/// 0 would disagree with the analytic gradient. The inputs and weights are continuous random values, so with fixed seeds
/// no window holds two values within the step's reach (≈ 1e-6) of each other; each check also asserts a non-zero
/// gradient, since two zero gradients agree trivially.
/// </remarks>
public class ConvolutionGradientCheckTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-7;

    internal static readonly Dictionary<string, Func<int, INetwork<double>>> Networks = new()
    {
        ["Conv2D stride 2, padding 1"] = s => new ConvGcStrided(s),
        ["Conv2D after Conv2D (dX)"] = s => new ConvGcStacked(s),
        ["Conv2D padding 2"] = s => new ConvGcWidePadding(s),
        ["MaxPool2D between convolutions"] = s => new ConvGcPooling(s),
        ["MaxPool2D overlapping windows"] = s => new ConvGcOverlappingPool(s),
        ["BatchNorm per channel, Dropout on maps"] = s => new ConvGcBatchNormDropout(s),
        ["MaxPool2D first"] = s => new ConvGcPoolFirst(s),
        ["CNN classifier"] = s => new ConvGcClassifier(s),
        ["Conv1D and MaxPool1D"] = s => new ConvGc1D(s),
        ["Conv1D classifier, BatchNorm, Dropout"] = s => new ConvGc1DClassifier(s),
        ["AvgPool2D with padding, GlobalAvgPool"] = s => new ConvGcAvgPool(s),
        ["GlobalAvgPool CNN"] = s => new ConvGcGlobalAvgPoolCnn(s),
        ["AvgPool1D first and padded, GlobalAvgPool of a sequence"] = s => new ConvGcAvgPool1D(s),
    };

    public static TheoryData<string, int, bool> Cases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string name in Networks.Keys)
        {
            foreach (int seed in new[] { 1, 2 })
            {
                data.Add(name, seed, seed == 2);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_pass_matches_finite_differences(string network, int seed, bool useLabels)
    {
        INetwork<double> net = Networks[network](seed);
        int batch = 2 + seed;
        double[] inputs = ConvTestData.Normal(batch * net.InputSize, 100 + seed);
        GradientCheckResult result;
        if (useLabels)
        {
            result = GradientCheck.Run(net, inputs, ConvTestData.Labels(batch, net.OutputSize, 100 + seed));
        }
        else
        {
            result = GradientCheck.Run(net, inputs, ConvTestData.Targets(batch, net.OutputSize, net.Loss, 100 + seed));
        }

        string context = string.Create(CultureInfo.InvariantCulture, $"{network} (seed {seed}, batch {batch}, {(useLabels ? "labels" : "targets")}):\n{result}");
        output.WriteLine(context);
        Assert.Equal(net.ParameterCount, result.ParametersChecked);
        double norm = Math.Sqrt(net.Gradients.ToArray().Sum(g => g * g));
        Assert.True(norm > 1e-6, $"{context}\nThe analytic gradient is (almost) zero: the check would prove nothing.");
        Assert.True(result.RelativeError < Tolerance, $"{context}\nOverall relative error {result.RelativeError:E3} ≥ {Tolerance:E0}.");
        foreach (LayerGradientError layer in result.Layers)
        {
            Assert.True(layer.RelativeError < Tolerance, $"{context}\nLayer {layer.Layer}: relative error {layer.RelativeError:E3} ≥ {Tolerance:E0}.");
        }

        Assert.Equal(net.Layers.Where(l => l.ParameterCount > 0).Select(l => l.Name), result.Layers.Select(l => l.Layer));
    }

    [Fact]
    public void Every_convolution_layer_gets_a_non_zero_kernel_and_bias_gradient()
    {
        var net = new ConvGcClassifier(4);
        net.TrainStep(ConvTestData.Normal(3 * ConvGcClassifier.InputSize, 5), ConvTestData.Labels(3, 3, 5));
        foreach (LayerView<double> layer in net.Layers.Where(l => l.Kind == "Conv2D"))
        {
            Assert.Contains(layer.WeightGradients.ToArray(), g => g != 0);
            Assert.Contains(layer.BiasGradients.ToArray(), g => g != 0);
        }
    }
}

/// <summary>Seeded data for the convolution tests, from <see cref="NetGenRandom"/> on streams of their own.</summary>
internal static class ConvTestData
{
    public static double[] Normal(int count, int seed)
    {
        var random = new NetGenRandom(seed, stream: 11);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextNormal();
        }

        return values;
    }

    public static float[] NormalSingle(int count, int seed) => Array.ConvertAll(Normal(count, seed), v => (float)v);

    public static int[] Labels(int batch, int classes, int seed)
    {
        var random = new NetGenRandom(seed, stream: 12);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++)
        {
            labels[i] = random.NextInt(Math.Max(2, classes));
        }

        return labels;
    }

    /// <summary>N(0, 1) targets for MSE; probability rows for softmax cross-entropy.</summary>
    public static double[] Targets(int batch, int outputs, LossFunction loss, int seed)
    {
        var random = new NetGenRandom(seed, stream: 13);
        var targets = new double[batch * outputs];
        for (int s = 0; s < batch; s++)
        {
            Span<double> row = targets.AsSpan(s * outputs, outputs);
            double sum = 0;
            for (int j = 0; j < outputs; j++)
            {
                row[j] = loss == LossFunction.SoftmaxCrossEntropy ? 0.1 + random.NextDouble() : random.NextNormal();
                sum += row[j];
            }

            if (loss == LossFunction.SoftmaxCrossEntropy)
            {
                for (int j = 0; j < outputs; j++)
                {
                    row[j] /= sum;
                }
            }
        }

        return targets;
    }
}
