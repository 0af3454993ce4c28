using System;
using System.Linq;
using NetGen.Kernels;

namespace NetGen.IntegrationTests;

// One Dense 1000 → 500 per scheme (500,000 weights), followed by an activation that suits the scheme so that no NG0010
// warning fires; Zeros is meant to warn (NG0009).
#pragma warning disable NG0009
[Network(Seed = 1)] [Input(1000)] [Dense(500, Init = Init.Zeros)] [Tanh]
public partial class InitZeros;
#pragma warning restore NG0009

[Network(Seed = 2)] [Input(1000)] [Dense(500, Init = Init.SmallRandom)] [Tanh]
public partial class InitSmallRandom;

[Network(Seed = 3)] [Input(1000)] [Dense(500, Init = Init.LeCunNormal)] [Tanh]
public partial class InitLeCunNormal;

[Network(Seed = 4)] [Input(1000)] [Dense(500, Init = Init.GlorotNormal)] [Tanh]
public partial class InitGlorotNormal;

[Network(Seed = 5)] [Input(1000)] [Dense(500, Init = Init.GlorotUniform)] [Tanh]
public partial class InitGlorotUniform;

[Network(Seed = 6)] [Input(1000)] [Dense(500, Init = Init.HeNormal)] [ReLU]
public partial class InitHeNormal;

[Network(Seed = 7)] [Input(1000)] [Dense(500, Init = Init.HeUniform)] [ReLU]
public partial class InitHeUniform;

[Network(Seed = 8)] [Input(1000)] [Dense(500)] [ReLU]
public partial class InitAutoReLU;

[Network(Seed = 9)] [Input(1000)] [Dense(500)] [Tanh]
public partial class InitAutoTanh;

// Auto looks through BatchNorm (and Dropout) to the activation that follows.
[Network(Seed = 10)] [Input(1000)] [Dense(500)] [BatchNorm] [Dropout(0.1)] [LeakyReLU]
public partial class InitAutoBatchNormLeakyReLU;

// Auto on a last layer (no activation after it): Glorot.
[Network(Seed = 11)] [Input(1000)] [Dense(500)]
public partial class InitAutoLast;

[Network(Seed = 77)]
[Input(4)] [Dense(5)] [BatchNorm] [PReLU(InitialAlpha = 0.3)] [Dense(3)] [PReLU(Shared = true)] [Dense(2)]
public partial class InitMisc;

/// <summary>Weight initialization: each scheme's distribution, the other tensors' constants, and seeding.</summary>
public class InitializationTests
{
    private const int FanIn = 1000, FanOut = 500;

    public enum Shape
    {
        Normal,
        Uniform,
    }

    public static TheoryData<string, double, Shape> Schemes() => new()
    {
        { nameof(InitSmallRandom), 0.01 * 0.01, Shape.Normal },
        { nameof(InitLeCunNormal), 1.0 / FanIn, Shape.Normal },
        { nameof(InitGlorotNormal), 2.0 / (FanIn + FanOut), Shape.Normal },
        { nameof(InitGlorotUniform), 2.0 / (FanIn + FanOut), Shape.Uniform }, // U(±√(6/(n_in + n_out))): Var = limit²/3
        { nameof(InitHeNormal), 2.0 / FanIn, Shape.Normal },
        { nameof(InitHeUniform), 2.0 / FanIn, Shape.Uniform },                 // U(±√(6/n_in))
        { nameof(InitAutoReLU), 2.0 / FanIn, Shape.Normal },                   // He normal
        { nameof(InitAutoTanh), 2.0 / (FanIn + FanOut), Shape.Normal },        // Glorot normal
        { nameof(InitAutoBatchNormLeakyReLU), 2.0 / FanIn, Shape.Normal },     // He normal
        { nameof(InitAutoLast), 2.0 / (FanIn + FanOut), Shape.Normal },        // Glorot normal
    };

    [Theory]
    [MemberData(nameof(Schemes))]
    public void Weights_have_the_scheme_s_mean_variance_and_shape(string network, double variance, Shape shape)
    {
        INetwork<float> net = Create(network);
        LayerView<float> dense = net.Layers[0];
        Assert.Equal(new[] { FanOut, FanIn }, dense["W"]!.Shape);
        double[] w = TestData.ToDouble<float>(dense.Weights);
        int n = w.Length;
        double mean = w.Average();
        double sampleVariance = w.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        double kurtosis = w.Sum(v => Math.Pow(v - mean, 4)) / n / (sampleVariance * sampleVariance);

        // Standard errors at n = 500,000: mean σ/√n; variance ≈ 0.2 % (normal) or 0.13 % (uniform); kurtosis ≈ 0.007.
        Assert.True(Math.Abs(mean) < 5 * Math.Sqrt(variance / n), $"{network}: mean {mean:E3}, expected 0 ± {5 * Math.Sqrt(variance / n):E3}.");
        Assert.True(Math.Abs((sampleVariance / variance) - 1) < 0.015, $"{network}: variance {sampleVariance:E4}, expected {variance:E4}.");
        double expectedKurtosis = shape == Shape.Normal ? 3 : 1.8;
        Assert.True(Math.Abs(kurtosis - expectedKurtosis) < 0.1, $"{network}: kurtosis {kurtosis:F3}, expected {expectedKurtosis} ({shape}).");
        if (shape == Shape.Uniform)
        {
            double limit = Math.Sqrt(3 * variance);
            double largest = w.Max(Math.Abs);
            Assert.True(largest <= limit * (1 + 1e-6) && largest > limit * 0.999, $"{network}: max |w| = {largest}, expected just below the limit {limit}.");
        }

        Assert.All(TestData.ToDouble<float>(dense.Biases), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Zeros_gives_zero_weights_and_biases()
    {
        var net = new InitZeros();
        Assert.All(TestData.ToDouble<float>(net.Parameters), v => Assert.Equal(0, v));
        Assert.Equal(FanIn * FanOut + FanOut, InitZeros.ParameterCount);
    }

    [Fact]
    public void Biases_are_0_batch_norm_gamma_1_beta_0_prelu_alpha_its_initial_value()
    {
        var net = new InitMisc(3);
        Assert.All(TestData.ToDouble<float>(net.Dense1.Biases), b => Assert.Equal(0, b));
        Assert.All(TestData.ToDouble<float>(net.Dense4.Biases), b => Assert.Equal(0, b));
        Assert.All(TestData.ToDouble<float>(net.Dense6.Biases), b => Assert.Equal(0, b));
        Assert.Equal(new float[] { 1, 1, 1, 1, 1 }, net.BatchNorm2["γ"]!.Values.ToArray());
        Assert.Equal(new float[] { 0, 0, 0, 0, 0 }, net.BatchNorm2["β"]!.Values.ToArray());
        Assert.Equal(new float[] { 0.3f, 0.3f, 0.3f, 0.3f, 0.3f }, net.PReLU3["α"]!.Values.ToArray());
        Assert.Equal(new float[] { 0.25f }, net.PReLU5["α"]!.Values.ToArray());
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1 }, net.State.ToArray()); // running mean 0, variance 1
        Assert.All(TestData.ToDouble<float>(net.Gradients), g => Assert.Equal(0, g));
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_and_another_seed_different_ones()
    {
        byte[] a = TestData.Bytes<float>(new InitMisc(3).Parameters);
        byte[] b = TestData.Bytes<float>(new InitMisc(3).Parameters);
        Assert.Equal(a, b);

        var other = new InitMisc(4);
        var same = new InitMisc(3);
        Assert.NotEqual(same.Dense1.Weights.ToArray(), other.Dense1.Weights.ToArray());
        Assert.NotEqual(same.Dense4.Weights.ToArray(), other.Dense4.Weights.ToArray());
        Assert.NotEqual(same.Dense6.Weights.ToArray(), other.Dense6.Weights.ToArray());
    }

    [Fact]
    public void The_parameterless_constructor_uses_the_network_attribute_s_seed()
    {
        Assert.Equal(TestData.Bytes<float>(new InitMisc(77).Parameters), TestData.Bytes<float>(new InitMisc().Parameters));
        Assert.NotEqual(TestData.Bytes<float>(new InitMisc(76).Parameters), TestData.Bytes<float>(new InitMisc().Parameters));
        Assert.Equal(TestData.Bytes<float>(new InitHeNormal(6).Parameters), TestData.Bytes<float>(new InitHeNormal().Parameters));
    }

    [Fact]
    public void Weights_are_drawn_in_declaration_order_from_the_seed_s_generator()
    {
        // The weights come from NetGenRandom(seed, stream 0), layer after layer, so a seed fixes them on every machine.
        var net = new InitMisc(3);
        var random = new NetGenRandom(3, stream: 0);
        var w1 = new float[5 * 4];
        var w4 = new float[3 * 5];
        var w6 = new float[2 * 3];
        Initializers.HeNormal<float>(w1, fanIn: 4, random);                   // Dense1 → BatchNorm → PReLU: He
        Initializers.HeNormal<float>(w4, fanIn: 5, random);                   // Dense4 → PReLU: He
        Initializers.GlorotNormal<float>(w6, fanIn: 3, fanOut: 2, random);    // Dense6, last: Glorot
        Assert.Equal(w1, net.Dense1.Weights.ToArray());
        Assert.Equal(w4, net.Dense4.Weights.ToArray());
        Assert.Equal(w6, net.Dense6.Weights.ToArray());
    }

    [Fact]
    public void A_seed_gives_the_same_weights_in_either_precision()
    {
        float[] single = new RefAFloat(11).Parameters.ToArray();
        double[] @double = new RefADouble(11).Parameters.ToArray();
        Assert.Equal(@double.Select(v => (float)v), single);
    }

    private static INetwork<float> Create(string network) => network switch
    {
        nameof(InitSmallRandom) => new InitSmallRandom(),
        nameof(InitLeCunNormal) => new InitLeCunNormal(),
        nameof(InitGlorotNormal) => new InitGlorotNormal(),
        nameof(InitGlorotUniform) => new InitGlorotUniform(),
        nameof(InitHeNormal) => new InitHeNormal(),
        nameof(InitHeUniform) => new InitHeUniform(),
        nameof(InitAutoReLU) => new InitAutoReLU(),
        nameof(InitAutoTanh) => new InitAutoTanh(),
        nameof(InitAutoBatchNormLeakyReLU) => new InitAutoBatchNormLeakyReLU(),
        nameof(InitAutoLast) => new InitAutoLast(),
        _ => throw new ArgumentOutOfRangeException(nameof(network), network, null),
    };
}
