using System;
using System.Linq;
using System.Numerics.Tensors;

namespace NetGen.IntegrationTests;

/// <summary>Predict, TrainStep and Evaluate with System.Numerics.Tensors spans, shapes checked against the network.</summary>
public class TensorTests
{
    private const int Batch = 3;

    [Fact]
    public void An_image_network_takes_B_C_H_W_and_gives_what_the_span_overload_gives()
    {
        var net = new ConvGcStrided(); // Input(2, 7, 5), 3 outputs
        double[] inputs = TestData.Inputs<double>(Batch, ConvGcStrided.InputSize, seed: 1);
        var expected = new double[Batch * ConvGcStrided.OutputSize];
        net.Predict(inputs, expected);

        var outputs = new double[expected.Length];
        net.Predict(new ReadOnlyTensorSpan<double>(inputs, [Batch, 2, 7, 5]), new TensorSpan<double>(outputs, [Batch, 3]));
        Assert.Equal(expected, outputs);

        // The flat form [B, C·H·W] is accepted too, and the allocating overload returns a [B, OutputSize] tensor.
        Tensor<double> result = net.Predict(new ReadOnlyTensorSpan<double>(inputs, [Batch, ConvGcStrided.InputSize]));
        Assert.Equal(new nint[] { Batch, 3 }, result.Lengths.ToArray());
        Assert.Equal(expected, result.ToArray());
    }

    [Fact]
    public void A_shape_that_does_not_fit_names_the_expected_one()
    {
        var net = new ConvGcStrided();
        var inputs = new double[Batch * ConvGcStrided.InputSize];
        var outputs = new double[Batch * 3];
        var error = Assert.Throws<ArgumentException>(() => net.Predict(new ReadOnlyTensorSpan<double>(inputs, [Batch, 7, 2, 5]), new TensorSpan<double>(outputs, [Batch, 3])));
        Assert.Contains("has shape [3, 7, 2, 5] but the network takes [B, 2, 7, 5] or [B, 70]", error.Message);
        var wrongOutputs = Assert.Throws<ArgumentException>(() => net.Predict(new ReadOnlyTensorSpan<double>(inputs, [Batch, 2, 7, 5]), new TensorSpan<double>(outputs, [1, 9])));
        Assert.Contains("gives [3, 3]", wrongOutputs.Message);
        Assert.Throws<ArgumentException>(() => net.TrainStep(new ReadOnlyTensorSpan<double>(inputs, [Batch, 2, 7, 5]), new int[2]));
    }

    [Fact]
    public void TrainStep_and_Evaluate_match_the_span_overloads_even_for_a_strided_tensor()
    {
        var a = new FashionMlp();
        var b = new FashionMlp();
        float[] inputs = TestData.Inputs<float>(Batch, FashionMlp.InputSize, seed: 2);
        int[] labels = TestData.Labels(Batch, 10, seed: 2);
        float spanLoss = a.TrainStep(inputs, labels);
        float tensorLoss = b.TrainStep(new ReadOnlyTensorSpan<float>(inputs, [Batch, FashionMlp.InputSize]), labels);
        Assert.Equal(spanLoss, tensorLoss);
        Assert.Equal(a.Gradients.ToArray(), b.Gradients.ToArray());

        // The same samples every other row of a [2B, 784] buffer: a strided view, copied once.
        var doubled = new float[2 * inputs.Length];
        for (int i = 0; i < Batch; i++)
        {
            inputs.AsSpan(i * FashionMlp.InputSize, FashionMlp.InputSize).CopyTo(doubled.AsSpan(2 * i * FashionMlp.InputSize));
        }

        var strided = new ReadOnlyTensorSpan<float>(doubled, [Batch, FashionMlp.InputSize], [2 * FashionMlp.InputSize, 1]);
        Assert.False(strided.IsDense);
        Assert.Equal(a.Evaluate(inputs, labels), b.Evaluate(strided, labels));
    }
}
