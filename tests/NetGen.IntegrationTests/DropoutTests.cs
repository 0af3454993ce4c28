using System;
using System.Linq;

namespace NetGen.IntegrationTests;

// Dropout on a large layer, read back through the gradient: with W = 0 the output is 0, and with target −1 and a batch
// of one, dW[i] = (0 − (−1)) · A1[i] = x[i] · mask[i]. Dense 4000 → 1 calls the runtime kernel.
[Network(Precision = Precision.Double, Seed = 5)] [Input(4000)] [Dropout(0.3)] [Dense(1, Bias = false)]
public partial class DropoutProbe;

/// <summary>Inverted dropout: kept fraction, scaling, identity in inference, and masks replayed from the random state.</summary>
public class DropoutTests
{
    private const int Size = 4000;
    private const double Rate = 0.3;

    [Fact]
    public void Training_keeps_about_1_minus_rate_of_the_values_scaled_by_1_over_1_minus_rate()
    {
        var net = new DropoutProbe();
        double[] x = Positive(1);
        double[] mask = Mask(net, x);

        int kept = 0;
        for (int i = 0; i < Size; i++)
        {
            if (mask[i] != 0)
            {
                kept++;
                Assert.True(Math.Abs(mask[i] - (1 / (1 - Rate))) < 1e-12, $"A kept value must be scaled by 1/(1 − rate) = {1 / (1 - Rate)}, but value {i} was scaled by {mask[i]}.");
            }
        }

        // Binomial(4000, 0.7): standard deviation of the fraction ≈ 0.0072.
        double fraction = kept / (double)Size;
        Assert.True(Math.Abs(fraction - (1 - Rate)) < 0.025, $"Kept fraction {fraction}, expected about {1 - Rate}.");
    }

    [Fact]
    public void Masks_follow_the_documented_rule()
    {
        // mask[i] = u < rate ? 0 : 1/(1 − rate), u = NextDouble() of the network's dropout generator, in element order.
        var net = new DropoutProbe(9);
        Assert.Equal(new NetGenRandom(9, stream: 1).State, net.RandomState);
        for (int step = 0; step < 2; step++)
        {
            var random = new NetGenRandom(0) { State = net.RandomState };
            double[] mask = Mask(net, Positive(step));
            for (int i = 0; i < Size; i++)
            {
                double expected = random.NextDouble() < Rate ? 0 : 1 / (1 - Rate);
                Assert.True(Math.Abs(mask[i] - expected) < 1e-12, $"Step {step}, value {i}: mask {mask[i]}, expected {expected}.");
            }

            Assert.Equal(random.State, net.RandomState); // one draw per value
        }
    }

    [Fact]
    public void Inference_is_the_identity_and_draws_nothing()
    {
        var net = new DropoutProbe();
        double[] w = TestData.Inputs<double>(1, Size, 2);
        w.CopyTo(net.Parameters);
        double[] x = TestData.Inputs<double>(2, Size, 3);
        ulong before = net.RandomState;

        var outputs = new double[2];
        net.Predict(x, outputs);
        double loss = net.Evaluate(x, new double[] { 0, 0 });

        double[] expected = Enumerable.Range(0, 2).Select(s => Enumerable.Range(0, Size).Sum(i => w[i] * x[(s * Size) + i])).ToArray();
        TestData.AssertClose(expected, outputs, 1e-12, "Predict");
        TestData.AssertClose(expected.Sum(y => 0.5 * y * y) / 2, loss, 1e-12, "Evaluate");
        Assert.Equal(before, net.RandomState);
    }

    [Fact]
    public void The_same_random_state_replays_the_same_masks()
    {
        var net = new DropoutProbe();
        double[] x = Positive(4);
        ulong saved = net.RandomState;
        double[] first = Mask(net, x);
        double[] second = Mask(net, x);
        Assert.NotEqual(first, second); // the generator moved on: a new mask

        net.RandomState = saved;
        double[] replayed = Mask(net, x);
        Assert.Equal(first, replayed);
    }

    /// <summary>Inputs in [0.5, 1.5): never zero, so the mask can be read back from the gradient.</summary>
    private static double[] Positive(int seed)
    {
        var random = new NetGenRandom(seed, 11);
        return Enumerable.Range(0, Size).Select(_ => 0.5 + random.NextDouble()).ToArray();
    }

    /// <summary>One training step on one sample; returns the mask it drew, read from dW = x ⊙ mask.</summary>
    private static double[] Mask(DropoutProbe net, double[] x)
    {
        net.Parameters.Clear();
        net.TrainStep(x, new double[] { -1 });
        double[] dw = net.Dense2.WeightGradients.ToArray();
        return dw.Select((g, i) => g / x[i]).ToArray();
    }
}
