using System;
using System.Linq;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.IntegrationTests;

[Network(Loss = LossFunction.BinaryCrossEntropy, Seed = 2)]
[Input(3)] [Dense(4)] [Tanh] [Dense(1)] [Sigmoid]
public partial class YesNoNet;

/// <summary>PredictClasses, the per-class report and top-k on generated networks; Summary through INetwork.</summary>
public class ClassificationTests
{
    [Fact]
    public void PredictClasses_is_the_argmax_of_Predict()
    {
        var net = new FashionMlp();
        float[] inputs = TestData.Inputs<float>(7, FashionMlp.InputSize, seed: 1);
        var outputs = new float[7 * FashionMlp.OutputSize];
        net.Predict(inputs, outputs);
        int[] expected = Enumerable.Range(0, 7).Select(i => Array.IndexOf(outputs, outputs.Skip(i * 10).Take(10).Max(), i * 10) - (i * 10)).ToArray();

        Assert.Equal(expected, net.PredictClasses(inputs));
        var classes = new int[7];
        net.PredictClasses(inputs, classes);
        Assert.Equal(expected, classes);
        Assert.Throws<ArgumentException>(() => net.PredictClasses(inputs, new int[6]));
        Assert.Throws<ArgumentException>(() => net.PredictClasses(inputs.AsSpan(1)));
    }

    [Fact]
    public void PredictClasses_thresholds_a_single_sigmoid_output_at_one_half()
    {
        var net = new YesNoNet();
        float[] inputs = TestData.Inputs<float>(20, 3, seed: 2);
        var outputs = new float[20];
        net.Predict(inputs, outputs);
        Assert.Equal(outputs.Select(p => p >= 0.5f ? 1 : 0), net.PredictClasses(inputs));
    }

    [Fact]
    public void Report_and_top_k_agree_with_the_confusion_matrix_and_the_accuracy()
    {
        var net = new FashionMlp();
        var data = new Dataset<float>(TestData.Inputs<float>(200, FashionMlp.InputSize, seed: 3), FashionMlp.InputSize, TestData.Labels(200, 10, seed: 3));
        ClassificationReport report = ClassificationMetrics.Report(net, data);

        Assert.Equal(Metrics.Accuracy(net, data), report.Accuracy, 12);
        Assert.Equal(report.Accuracy, ClassificationMetrics.TopKAccuracy(net, data, k: 1), 12);
        Assert.Equal(1.0, ClassificationMetrics.TopKAccuracy(net, data, k: 10));
        double top3 = ClassificationMetrics.TopKAccuracy(net, data, k: 3);
        Assert.InRange(top3, report.Accuracy, 1.0);
        Assert.Equal(200, report.Support.Sum());
    }

    [Fact]
    public void Summary_through_INetwork_is_the_generated_table()
    {
        INetwork<float> mlp = new FashionMlp();
        Assert.Equal(FashionMlp.Summary, mlp.Summary);
        INetwork<float> yesNo = new YesNoNet();
        Assert.Equal(YesNoNet.Summary, yesNo.Summary);
        Assert.Contains("Input                   784", mlp.Summary);
        INetwork<double> image = new ConvGcStrided();
        Assert.Equal(ConvGcStrided.Summary, image.Summary);
        Assert.Contains("2×7×5", image.Summary.Split('\n')[2]);
    }
}
