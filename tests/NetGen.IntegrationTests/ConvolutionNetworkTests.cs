using System;
using System.Linq;
using NetGen.Optimizers;

namespace NetGen.IntegrationTests;

/// <summary>Generated convolutional networks: parameter layout, architecture, allocation-free steps, bad input, learning.</summary>
public class ConvolutionNetworkTests
{
    [Fact]
    public void Parameters_follow_the_documented_layout()
    {
        // DESIGN §3: Conv2D W [filters × C × k × k] then b [filters]; BatchNorm γ then β; Dense W [out × in] then b.
        var net = new ConvGcClassifier();
        (string Layer, string Tensor, int[] Shape, int Offset)[] expected =
        [
            ("Conv2D1", "W", [4, 1, 3, 3], 0),
            ("Conv2D1", "b", [4], 36),
            ("BatchNorm2", "γ", [4], 40),
            ("BatchNorm2", "β", [4], 44),
            ("Conv2D5", "W", [6, 4, 3, 3], 48),
            ("Conv2D5", "b", [6], 264),
            ("Dense9", "W", [8, 6], 270),
            ("Dense9", "b", [8], 318),
            ("Dense12", "W", [3, 8], 326),
            ("Dense12", "b", [3], 350),
        ];
        var actual = net.Layers.SelectMany(l => l.ParameterTensors.Select(t => (Layer: l.Name, Tensor: t.Name, Shape: t.Shape.ToArray(), t.Offset))).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Layer, actual[i].Layer);
            Assert.Equal(expected[i].Tensor, actual[i].Tensor);
            Assert.Equal(expected[i].Shape, actual[i].Shape);
            Assert.Equal(expected[i].Offset, actual[i].Offset);
        }

        Assert.Equal(353, ConvGcClassifier.ParameterCount);
        Assert.Equal(8, ConvGcClassifier.StateCount);
        Assert.Equal(new[] { 4, 3, 3 }, net.Layers[3].OutputShape.ToArray());
        Assert.Equal(new[] { 3, 8 }, new ConvGc1DClassifier().Layers[4].OutputShape.ToArray());
        Assert.Equal(new[] { 4, 3, 3 }, new ConvGc1D().Layers[0].ParameterTensors[0].Shape.ToArray()); // Conv1D W [filters × C × k]
    }

    [Fact]
    public void Architecture_and_summary_name_every_convolution_option()
    {
        Assert.Equal(
            "Input(1×9×9) → Conv2D(4, 3, stride 1, padding 1) → BatchNorm(4×9×9, epsilon 1E-05, momentum 0.9) → ReLU → MaxPool2D(3, stride 3) → Conv2D(6, 3, stride 2, padding 1) → ReLU → MaxPool2D(2, stride 2) → Flatten → Dense(8) → ReLU → Dropout(0.25) → Dense(3) → Softmax; SoftmaxCrossEntropy; Double; L1 0, L2 0.01",
            ConvGcClassifier.Architecture);
        Assert.StartsWith("Input(3×11) → Conv1D(4, 3, stride 2, padding 1) → Tanh → MaxPool1D(2, stride 2) → Conv1D(2, 2, stride 1, padding 0)", ConvGc1D.Architecture);
        Assert.Contains("Conv2D5 (Conv2D)", ConvGcClassifier.Summary);
        Assert.Contains("6×2×2", ConvGcClassifier.Summary);
    }

    [Fact]
    public void Default_initialization_is_He_before_ReLU_and_Glorot_before_tanh()
    {
        // Over 20 seeds: ConvSmallCnn's Conv2D(4, 3) on 1 channel is followed by BatchNorm, then ReLU: He, Var = 2/(1·3·3).
        // ConvGc1D's Conv1D(4, 3) on 3 channels is followed by Tanh: Glorot, Var = 2/(fanIn + fanOut) = 2/(3·3 + 4·3).
        double he = Enumerable.Range(1, 20).SelectMany(seed => new ConvSmallCnn(seed).Layers[0].Weights.ToArray()).Select(w => (double)w * w).Average();
        Assert.InRange(he, 2.0 / 9 * 0.8, 2.0 / 9 * 1.2);
        Assert.All(new ConvSmallCnn(1).Layers[0].Biases.ToArray(), b => Assert.Equal(0f, b));

        double glorot = Enumerable.Range(1, 20).SelectMany(seed => new ConvGc1D(seed).Layers[0].Weights.ToArray()).Select(w => w * w).Average();
        Assert.InRange(glorot, 2.0 / 21 * 0.8, 2.0 / 21 * 1.2);
    }

    [Fact]
    public void Predict_and_TrainStep_allocate_nothing_after_warm_up()
    {
        var net = new ConvSmallCnn();
        const int batch = 6;
        float[] inputs = ConvTestData.NormalSingle(batch * ConvSmallCnn.InputSize, 1);
        int[] labels = ConvTestData.Labels(batch, ConvSmallCnn.OutputSize, 1);
        var outputs = new float[batch * ConvSmallCnn.OutputSize];
        for (int i = 0; i < 100; i++)
        {
            net.Predict(inputs, outputs);
            net.TrainStep(inputs, labels);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            net.Predict(inputs, outputs);
            net.TrainStep(inputs, labels);
            net.Predict(inputs.AsSpan(0, 2 * ConvSmallCnn.InputSize), outputs.AsSpan(0, 2 * ConvSmallCnn.OutputSize));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_wrong_input_length_names_the_image_size_and_changes_nothing()
    {
        var net = new ConvSmallCnn();
        float[] parameters = net.Parameters.ToArray();
        float[] oneValueTooMany = ConvTestData.NormalSingle(ConvSmallCnn.InputSize + 1, 2); // not a constant length: NG0013 would catch that at build time
        var error = Assert.Throws<ArgumentException>(() => net.TrainStep(oneValueTooMany, new[] { 0 }));
        Assert.Contains("144", error.Message);
        Assert.Equal(parameters, net.Parameters.ToArray());
    }

    [Fact]
    public void A_small_cnn_learns_where_a_bright_square_is()
    {
        // 12×12 noise images with a bright 3×3 square in one of four quadrants; the label is the quadrant.
        const int count = 512, size = 12;
        var random = new NetGenRandom(5, stream: 14);
        var images = new float[count * size * size];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            Span<float> image = images.AsSpan(n * size * size, size * size);
            for (int p = 0; p < image.Length; p++)
            {
                image[p] = (float)(0.5 * random.NextNormal());
            }

            int quadrant = random.NextInt(4);
            int top = ((quadrant / 2) * 6) + random.NextInt(4), left = ((quadrant % 2) * 6) + random.NextInt(4);
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 3; j++)
                {
                    image[((top + i) * size) + left + j] += 2f;
                }
            }

            labels[n] = quadrant;
        }

        var net = new ConvSmallCnn();
        var adam = new Adam<float>(learningRate: 0.01);
        const int batch = 32, training = 384;
        for (int epoch = 0; epoch < 4; epoch++)
        {
            for (int start = 0; start < training; start += batch)
            {
                net.TrainStep(images.AsSpan(start * size * size, batch * size * size), labels.AsSpan(start, batch));
                adam.Step(net.Parameters, net.Gradients);
            }
        }

        int test = count - training, correct = 0;
        var outputs = new float[test * 4];
        net.Predict(images.AsSpan(training * size * size), outputs);
        for (int n = 0; n < test; n++)
        {
            ReadOnlySpan<float> p = outputs.AsSpan(n * 4, 4);
            int predicted = 0;
            for (int c = 1; c < 4; c++)
            {
                predicted = p[c] > p[predicted] ? c : predicted;
            }

            correct += predicted == labels[training + n] ? 1 : 0;
        }

        double accuracy = (double)correct / test;
        Assert.True(accuracy >= 0.95, $"held-out accuracy {accuracy:F3} after 4 epochs");
    }
}
