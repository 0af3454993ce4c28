using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen.IntegrationTests;

/// <summary>
/// The generated forward pass of convolutional networks against a naive interpreter written here from the definitions
/// (direct loops, no im2col, no kernels), reading the network's parameters and state through its layer views.
/// </summary>
public class ConvolutionReferenceTests
{
    /// <summary>The layer kinds this interpreter is the reference for (the others are <see cref="RefLayer"/> records).</summary>
    internal static readonly string[] Kinds = { "Conv2D", "Conv1D", "MaxPool2D", "MaxPool1D", "AvgPool2D", "AvgPool1D", "GlobalAvgPool", "Flatten" };

    /// <summary>The hyperparameters the layer views do not show, one entry per layer in order.</summary>
    private abstract record Op;

    private sealed record Conv(int Stride, int Padding) : Op;

    private sealed record Pool(int Size, int Stride) : Op;

    private sealed record AvgPool(int Size, int Stride, int Padding = 0) : Op;

    private sealed record GlobalPool : Op;

    private sealed record Elementwise(Func<double, double> F) : Op;

    private sealed record Norm(double Epsilon = 1e-5) : Op;

    private sealed record Keep : Op; // Flatten, Dropout in inference

    private sealed record Affine : Op; // Dense

    private sealed record Probabilities : Op; // Softmax

    private static readonly Elementwise Tanh = new(Math.Tanh);
    private static readonly Elementwise ReLU = new(x => Math.Max(0, x));

    [Fact]
    public void Stacked_convolutions_with_stride_and_padding()
    {
        var net = new ConvGcStacked(7);
        Check(net, 3, [new Conv(2, 1), Tanh, new Conv(1, 0), new Elementwise(x => x > 0 ? x : Math.Exp(x) - 1), new Keep(), new Affine()]);
    }

    [Fact]
    public void Wide_padding()
    {
        var net = new ConvGcWidePadding(7);
        Check(net, 2, [new Conv(1, 2), new Elementwise(x => 1 / (1 + Math.Exp(-x))), new Conv(1, 0), new Keep(), new Affine()]);
    }

    [Fact]
    public void Pooling_between_convolutions_and_overlapping_windows()
    {
        Check(new ConvGcPooling(7), 3, [new Conv(1, 1), new Pool(2, 2), new Conv(1, 1), Tanh, new Pool(3, 1), new Keep(), new Affine()]);
        Check(new ConvGcOverlappingPool(7), 2, [new Conv(1, 1), new Pool(3, 2), new Keep(), new Affine()]);
        Check(new ConvGcPoolFirst(7), 2, [new Pool(2, 2), new Conv(1, 0), new Keep(), new Affine()]);
    }

    [Fact]
    public void Classifier_in_inference_with_trained_running_statistics()
    {
        var net = new ConvGcClassifier(7);
        net.TrainStep(ConvTestData.Normal(4 * ConvGcClassifier.InputSize, 8), ConvTestData.Labels(4, 3, 8)); // running statistics ≠ 0, 1
        Check(net, 3, [new Conv(1, 1), new Norm(), ReLU, new Pool(3, 3), new Conv(2, 1), ReLU, new Pool(2, 2), new Keep(), new Affine(), ReLU, new Keep(), new Affine(), new Probabilities()]);
    }

    [Fact]
    public void One_dimensional_layers()
    {
        Check(new ConvGc1D(7), 3, [new Conv(2, 1), Tanh, new Pool(2, 2), new Conv(1, 0), new Keep(), new Affine()]);
        var net = new ConvGc1DClassifier(7);
        net.TrainStep(ConvTestData.Normal(3 * ConvGc1DClassifier.InputSize, 9), ConvTestData.Labels(3, 3, 9));
        Check(net, 2, [new Conv(1, 1), new Norm(), new Elementwise(x => x > 0 ? x : 0.1 * x), new Keep(), new Pool(3, 1), new Keep(), new Affine(), new Probabilities()]);
    }

    [Fact]
    public void Average_pooling_with_padding_and_global_average_pooling()
    {
        Check(new ConvGcAvgPool(7), 3, [new Conv(1, 1), new AvgPool(3, 2, 1), new Conv(1, 1), Tanh, new GlobalPool(), new Affine()]);
        Check(new ConvGcGlobalAvgPoolCnn(7), 2, [new Conv(1, 1), ReLU, new GlobalPool(), new Affine(), new Probabilities()]);
        Check(new ConvGcAvgPool1D(7), 3, [new AvgPool(2, 2), new Conv(1, 1), new Elementwise(x => x > 0 ? x : Math.Exp(x) - 1), new AvgPool(3, 1, 1), new GlobalPool(), new Affine()]);
    }

    [Fact]
    public void BatchNorm_after_a_convolution_keeps_statistics_per_channel()
    {
        // One training step from fresh state: running mean = 0.9·0 + 0.1·μ_c, with μ_c the mean of channel c of the
        // convolution's output over the batch and all 9×9 positions.
        var net = new ConvGcClassifier(3);
        const int batch = 5;
        double[] inputs = ConvTestData.Normal(batch * ConvGcClassifier.InputSize, 4);
        double[] a1 = Convolve(inputs, batch, [1, 9, 9], net.Layers[0], stride: 1, padding: 1, out int[] shape);
        Assert.Equal(new[] { 4, 9, 9 }, shape);

        net.TrainStep(inputs, ConvTestData.Labels(batch, 3, 4));

        int channels = 4, spatial = 81;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int s = 0; s < batch; s++)
            {
                for (int p = 0; p < spatial; p++)
                {
                    sum += a1[(((s * channels) + c) * spatial) + p];
                }
            }

            double mean = sum / (batch * spatial);
            Assert.Equal(0.1 * mean, net.State[c], 12);
        }
    }

    [Fact]
    public void Float_network_agrees_with_the_double_reference()
    {
        var net = new ConvSmallCnn();
        const int batch = 3;
        float[] inputs = ConvTestData.NormalSingle(batch * ConvSmallCnn.InputSize, 6);
        var outputs = new float[batch * ConvSmallCnn.OutputSize];
        net.Predict(inputs, outputs);

        // The same computation in double, from the float parameters.
        Op[] ops = [new Conv(1, 1), new Norm(), ReLU, new Pool(2, 2), new Conv(1, 1), new Norm(), ReLU, new Pool(2, 2), new Keep(), new Affine(), ReLU, new Keep(), new Affine(), new Probabilities()];
        double[] expected = Run(ops, net.Layers, Array.ConvertAll(net.State.ToArray(), v => (double)v), Array.ConvertAll(inputs, v => (double)v), batch, [1, 12, 12]);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - outputs[i]) <= 1e-5, $"output {i}: expected {expected[i]:R}, got {outputs[i]:R}");
        }
    }

    private static void Check(INetwork<double> net, int batch, Op[] ops)
    {
        Assert.Equal(net.Layers.Count, ops.Length);
        double[] inputs = ConvTestData.Normal(batch * net.InputSize, 21);
        var outputs = new double[batch * net.OutputSize];
        net.Predict(inputs, outputs);
        int[] inputShape = InputShape(net);
        double[] expected = Run(ops, net.Layers, net.State.ToArray(), inputs, batch, inputShape);
        Assert.Equal(expected.Length, outputs.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - outputs[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: expected {expected[i]:R}, got {outputs[i]:R}");
        }
    }

    /// <summary>The input shapes of the networks in ConvolutionNetworks.cs.</summary>
    private static int[] InputShape(INetwork<double> net) => net switch
    {
        ConvGcStacked => [2, 7, 5],
        ConvGcWidePadding => [1, 4, 5],
        ConvGcPooling or ConvGcPoolFirst => [2, 6, 6],
        ConvGcOverlappingPool => [2, 7, 7],
        ConvGcClassifier => [1, 9, 9],
        ConvGc1D => [3, 11],
        ConvGc1DClassifier => [2, 10],
        ConvGcAvgPool => [2, 7, 7],
        ConvGcGlobalAvgPoolCnn => [1, 6, 6],
        ConvGcAvgPool1D => [2, 12],
        _ => throw new ArgumentException(net.GetType().Name),
    };

    private static double[] Run<T>(Op[] ops, IReadOnlyList<LayerView<T>> layers, double[] state, double[] x, int batch, int[] shape)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int stateOffset = 0;
        for (int l = 0; l < ops.Length; l++)
        {
            LayerView<T> layer = layers[l];
            switch (ops[l])
            {
                case Conv conv:
                    x = Convolve(x, batch, shape, layer, conv.Stride, conv.Padding, out shape);
                    break;
                case Pool pool:
                    x = MaxPool(x, batch, shape, pool.Size, pool.Stride, out shape);
                    break;
                case AvgPool pool:
                    x = AveragePool(x, batch, shape, pool.Size, pool.Stride, pool.Padding, out shape);
                    break;
                case GlobalPool:
                {
                    int channels = shape[0], spatial = shape.Skip(1).Aggregate(1, (a, d) => a * d);
                    x = Enumerable.Range(0, batch * channels).Select(plane => x.Skip(plane * spatial).Take(spatial).Sum() / spatial).ToArray();
                    shape = [channels];
                    break;
                }

                case Elementwise e:
                    x = x.Select(e.F).ToArray();
                    break;
                case Norm norm:
                {
                    int channels = shape[0], spatial = shape.Skip(1).Aggregate(1, (a, d) => a * d);
                    double[] gamma = ToDouble(layer.Weights), beta = ToDouble(layer.Biases);
                    var y = new double[x.Length];
                    for (int i = 0; i < x.Length; i++)
                    {
                        int c = (i / spatial) % channels;
                        double mean = state[stateOffset + c], variance = state[stateOffset + channels + c];
                        y[i] = (gamma[c] * (x[i] - mean) / Math.Sqrt(variance + norm.Epsilon)) + beta[c];
                    }

                    stateOffset += 2 * channels;
                    x = y;
                    break;
                }

                case Affine:
                {
                    int inputs = shape.Aggregate(1, (a, d) => a * d), outputs = layer.OutputShape[0];
                    double[] w = ToDouble(layer.Weights), b = ToDouble(layer.Biases);
                    var y = new double[batch * outputs];
                    for (int s = 0; s < batch; s++)
                    {
                        for (int o = 0; o < outputs; o++)
                        {
                            double sum = b[o];
                            for (int i = 0; i < inputs; i++)
                            {
                                sum += w[(o * inputs) + i] * x[(s * inputs) + i];
                            }

                            y[(s * outputs) + o] = sum;
                        }
                    }

                    x = y;
                    shape = [outputs];
                    break;
                }

                case Probabilities:
                {
                    int classes = shape[0];
                    var y = new double[x.Length];
                    for (int s = 0; s < batch; s++)
                    {
                        double max = x.Skip(s * classes).Take(classes).Max();
                        double total = 0;
                        for (int j = 0; j < classes; j++)
                        {
                            total += Math.Exp(x[(s * classes) + j] - max);
                        }

                        for (int j = 0; j < classes; j++)
                        {
                            y[(s * classes) + j] = Math.Exp(x[(s * classes) + j] - max) / total;
                        }
                    }

                    x = y;
                    break;
                }

                case Keep:
                    if (layer.Kind == "Flatten")
                    {
                        shape = [shape.Aggregate(1, (a, d) => a * d)];
                    }

                    break;
            }

            Assert.Equal(layer.OutputShape.ToArray(), shape);
        }

        return x;
    }

    /// <summary>
    /// <c>y[s,f,i,j] = b[f] + Σ_c,u,v w[f,c,u,v] · x[s, c, i·S − P + u, j·S − P + v]</c> (x = 0 outside); a 1-D shape
    /// [C, L] is height 1 with a 1 × K kernel.
    /// </summary>
    private static double[] Convolve<T>(double[] x, int batch, int[] shape, LayerView<T> layer, int stride, int padding, out int[] outputShape)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        bool twoD = shape.Length == 3;
        int channels = shape[0], height = twoD ? shape[1] : 1, width = shape[^1];
        IReadOnlyList<int> kernelShape = layer.ParameterTensors[0].Shape;
        int filters = kernelShape[0], kh = twoD ? kernelShape[2] : 1, kw = kernelShape[^1];
        int padH = twoD ? padding : 0, strideH = twoD ? stride : 1;
        int ho = ((height + (2 * padH) - kh) / strideH) + 1, wo = ((width + (2 * padding) - kw) / stride) + 1;
        double[] w = ToDouble(layer.Weights), b = ToDouble(layer.Biases);
        var y = new double[batch * filters * ho * wo];
        for (int s = 0; s < batch; s++)
        {
            for (int f = 0; f < filters; f++)
            {
                for (int i = 0; i < ho; i++)
                {
                    for (int j = 0; j < wo; j++)
                    {
                        double sum = b[f];
                        for (int c = 0; c < channels; c++)
                        {
                            for (int u = 0; u < kh; u++)
                            {
                                for (int v = 0; v < kw; v++)
                                {
                                    int r = (i * strideH) - padH + u, q = (j * stride) - padding + v;
                                    if (r >= 0 && r < height && q >= 0 && q < width)
                                    {
                                        sum += w[(((((f * channels) + c) * kh) + u) * kw) + v] * x[(((((s * channels) + c) * height) + r) * width) + q];
                                    }
                                }
                            }
                        }

                        y[(((((s * filters) + f) * ho) + i) * wo) + j] = sum;
                    }
                }
            }
        }

        outputShape = twoD ? [filters, ho, wo] : [filters, wo];
        return y;
    }

    /// <summary><c>y[s,c,i,j] = max_(u,v) x[s, c, i·S + u, j·S + v]</c>; 1-D as height 1.</summary>
    private static double[] MaxPool(double[] x, int batch, int[] shape, int size, int stride, out int[] outputShape)
    {
        bool twoD = shape.Length == 3;
        int channels = shape[0], height = twoD ? shape[1] : 1, width = shape[^1];
        int kh = twoD ? size : 1, sh = twoD ? stride : 1;
        int ho = ((height - kh) / sh) + 1, wo = ((width - size) / stride) + 1;
        var y = new double[batch * channels * ho * wo];
        for (int plane = 0; plane < batch * channels; plane++)
        {
            for (int i = 0; i < ho; i++)
            {
                for (int j = 0; j < wo; j++)
                {
                    double max = double.NegativeInfinity;
                    for (int u = 0; u < kh; u++)
                    {
                        for (int v = 0; v < size; v++)
                        {
                            max = Math.Max(max, x[(((plane * height) + (i * sh) + u) * width) + (j * stride) + v]);
                        }
                    }

                    y[(((plane * ho) + i) * wo) + j] = max;
                }
            }
        }

        outputShape = twoD ? [channels, ho, wo] : [channels, wo];
        return y;
    }

    /// <summary>
    /// <c>y[s,c,i,j] = mean x[s, c, i·S − P + u, j·S − P + v]</c> over the window positions inside the map (padding not
    /// counted); 1-D as height 1.
    /// </summary>
    private static double[] AveragePool(double[] x, int batch, int[] shape, int size, int stride, int padding, out int[] outputShape)
    {
        bool twoD = shape.Length == 3;
        int channels = shape[0], height = twoD ? shape[1] : 1, width = shape[^1];
        int kh = twoD ? size : 1, sh = twoD ? stride : 1, ph = twoD ? padding : 0;
        int ho = ((height + (2 * ph) - kh) / sh) + 1, wo = ((width + (2 * padding) - size) / stride) + 1;
        var y = new double[batch * channels * ho * wo];
        for (int plane = 0; plane < batch * channels; plane++)
        {
            for (int i = 0; i < ho; i++)
            {
                for (int j = 0; j < wo; j++)
                {
                    double sum = 0;
                    int count = 0;
                    for (int u = 0; u < kh; u++)
                    {
                        for (int v = 0; v < size; v++)
                        {
                            int r = (i * sh) - ph + u, q = (j * stride) - padding + v;
                            if (r >= 0 && r < height && q >= 0 && q < width)
                            {
                                sum += x[(((plane * height) + r) * width) + q];
                                count++;
                            }
                        }
                    }

                    y[(((plane * ho) + i) * wo) + j] = sum / count;
                }
            }
        }

        outputShape = twoD ? [channels, ho, wo] : [channels, wo];
        return y;
    }

    private static double[] ToDouble<T>(Span<T> values)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = double.CreateTruncating(values[i]);
        }

        return result;
    }
}
