using System;
using System.Globalization;
using System.Numerics;

namespace NetGen.IntegrationTests;

/// <summary>
/// Seeded test data and comparisons. Data comes from <see cref="NetGenRandom"/> on a stream of its own, so a test's
/// inputs do not depend on the network's weights or dropout masks.
/// </summary>
internal static class TestData
{
    private const int DataStream = 7;

    /// <summary>Standard normal inputs <c>[batch × inputSize]</c>.</summary>
    public static T[] Inputs<T>(int batch, int inputSize, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new NetGenRandom(seed, DataStream);
        var values = new T[batch * inputSize];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateTruncating(random.NextNormal());
        }

        return values;
    }

    /// <summary>Uniform labels in [0, classes).</summary>
    public static int[] Labels(int batch, int classes, int seed)
    {
        var random = new NetGenRandom(seed, DataStream + 1);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++)
        {
            labels[i] = random.NextInt(classes);
        }

        return labels;
    }

    /// <summary>Real-valued targets for each loss: N(0, 1) for MSE, (0, 1) for binary cross-entropy, distributions for softmax cross-entropy, one-hot rows for the hinge.</summary>
    public static T[] Targets<T>(int batch, int outputs, LossFunction loss, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new NetGenRandom(seed, DataStream + 2);
        var targets = new T[batch * outputs];
        for (int s = 0; s < batch; s++)
        {
            Span<T> row = targets.AsSpan(s * outputs, outputs);
            switch (loss)
            {
                case LossFunction.MeanSquaredError:
                    for (int j = 0; j < outputs; j++)
                    {
                        row[j] = T.CreateTruncating(random.NextNormal());
                    }

                    break;
                case LossFunction.BinaryCrossEntropy:
                    for (int j = 0; j < outputs; j++)
                    {
                        row[j] = T.CreateTruncating(0.05 + (0.9 * random.NextDouble()));
                    }

                    break;
                case LossFunction.SoftmaxCrossEntropy:
                    double sum = 0;
                    var weights = new double[outputs];
                    for (int j = 0; j < outputs; j++)
                    {
                        weights[j] = 0.1 + random.NextDouble();
                        sum += weights[j];
                    }

                    for (int j = 0; j < outputs; j++)
                    {
                        row[j] = T.CreateTruncating(weights[j] / sum);
                    }

                    break;
                default:
                    row[random.NextInt(outputs)] = T.One;
                    break;
            }
        }

        return targets;
    }

    public static double[] ToDouble<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = double.CreateTruncating(values[i]);
        }

        return result;
    }

    /// <summary>
    /// Asserts <c>max|actual − expected| ≤ tolerance · max(max|expected|, floor)</c>: a relative error measured against the
    /// size of the whole tensor, so that entries near zero do not need an absolute tolerance of their own.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what, double floor = 1e-3)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} values, got {actual.Length}.");
        double scale = floor;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        int worst = -1;
        double worstDifference = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs(actual[i] - expected[i]);
            if (!(difference <= worstDifference))
            {
                worstDifference = difference;
                worst = i;
            }
        }

        Assert.True(
            worst < 0 || worstDifference <= tolerance * scale,
            string.Create(CultureInfo.InvariantCulture, $"{what}: at index {worst} expected {(worst < 0 ? 0 : expected[worst]):R} but got {(worst < 0 ? 0 : actual[worst]):R} (|difference| = {worstDifference:E3}, allowed {tolerance * scale:E3})."));
    }

    public static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        double allowed = tolerance * Math.Max(Math.Abs(expected), 1e-3);
        Assert.True(
            Math.Abs(expected - actual) <= allowed,
            string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:R} but got {actual:R} (allowed ±{allowed:E3})."));
    }

    /// <summary>The raw bytes of a span, for byte-for-byte comparisons.</summary>
    public static byte[] Bytes<T>(ReadOnlySpan<T> values)
        where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray();
}
