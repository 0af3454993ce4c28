using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;

namespace NetGen.IntegrationTests;

// A first max pooling in 1-D: its forward pass keeps no argmax, so the tangent pass recomputes one. 2×8 → 2×4 → 2×2 → 2.
[Network(Precision = Precision.Double)]
[Input(2, 8)] [MaxPool1D(2)] [Conv1D(2, 3)] [Flatten] [Dense(2)]
public partial class JvpPool1DFirst;

// Float, kernels only: Jvp and LossJvp in single precision, the allocation test.
[Network(Loss = LossFunction.SoftmaxCrossEntropy, L1 = 0.001, L2 = 0.01, Seed = 4)]
[Input(1, 8, 8)]
[Conv2D(3, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Flatten] [Dense(12)] [PReLU] [Dropout(0.2)] [Maxout(5)] [Dense(4)] [Softmax]
public partial class JvpFloatCnn;

/// <summary>
/// Forward-mode AD: the generated <c>Jvp</c> against central differences of <c>Predict</c>, and the exact check
/// <see cref="GradientCheck.ForwardVersusReverse{T}(INetwork{T}, ReadOnlySpan{T}, ReadOnlySpan{int}, int)"/> on every
/// network the gradient-check tests use.
/// </summary>
/// <remarks>
/// Kinks (ReLU at 0, max-pooling and Maxout ties) are as rare here as in the gradient checks: continuous random inputs,
/// weights and directions with fixed seeds, a step of 1e-6.
/// </remarks>
public class JvpTests
{
    private const double FiniteDifferenceTolerance = 1e-6;
    private const double ExactTolerance = 1e-12;

    private static IEnumerable<(string Name, Func<int, INetwork<double>> Create, LossFunction Loss)> All()
    {
        foreach (var (name, (create, loss)) in GradientCheckTests.Networks)
        {
            yield return (name, create, loss);
        }

        foreach (var (name, create) in ConvolutionGradientCheckTests.Networks)
        {
            yield return (name, create, create(1).Loss);
        }

        yield return ("MaxPool1D first", s => new JvpPool1DFirst(s), LossFunction.MeanSquaredError);
    }

    private static (Func<int, INetwork<double>> Create, LossFunction Loss) Find(string name)
    {
        var entry = All().First(e => e.Name == name);
        return (entry.Create, entry.Loss);
    }

    public static TheoryData<string, int> Networks()
    {
        var data = new TheoryData<string, int>();
        foreach (var entry in All())
        {
            data.Add(entry.Name, 1);
            data.Add(entry.Name, 2);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Jvp_matches_central_differences_of_Predict(string name, int seed)
    {
        INetwork<double> net = Find(name).Create(seed);
        MoveRunningStatistics(net, seed);
        int batch = 2 + seed;
        double[] x = TestData.Inputs<double>(batch, net.InputSize, 300 + seed);
        double[] dx = TestData.Inputs<double>(batch, net.InputSize, 400 + seed);
        double[] dp = TestData.Inputs<double>(1, net.ParameterCount, 500 + seed);
        int outputs = batch * net.OutputSize;

        var y = new double[outputs];
        var dy = new double[outputs];
        net.Jvp(x, dx, dp, y, dy);

        var predicted = new double[outputs];
        net.Predict(x, predicted);
        Assert.Equal(predicted, y); // the same forward statements: the same bits

        double[] numeric = CentralDifference(net, x, dx, dp, step: 1e-6);
        string context = string.Create(CultureInfo.InvariantCulture, $"{name}, seed {seed}");
        Assert.True(Norm(dy) > 1e-6, $"{context}: the tangent is (almost) zero, the check would prove nothing.");
        double error = RelativeError(dy, numeric);
        Assert.True(error < FiniteDifferenceTolerance, $"{context}: relative error {error:E3} between Jvp and central differences.");

        // Each tangent alone: the input part and the parameter part add up (the map is linear).
        var dyInput = new double[outputs];
        var dyParameters = new double[outputs];
        net.Jvp(x, dx, ReadOnlySpan<double>.Empty, y, dyInput);
        net.Jvp(x, ReadOnlySpan<double>.Empty, dp, y, dyParameters);
        Assert.True(RelativeError(dy, dyInput.Zip(dyParameters, (a, b) => a + b).ToArray()) < 1e-12, $"{context}: Jvp is not linear in its tangents.");
        Assert.True(RelativeError(dyInput, CentralDifference(net, x, dx, new double[net.ParameterCount], 1e-6)) < FiniteDifferenceTolerance, $"{context}: input tangent alone.");
    }

    public static TheoryData<string, int, bool> ExactCases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (var entry in All())
        {
            foreach (int seed in new[] { 1, 2, 3 })
            {
                data.Add(entry.Name, seed, seed != 2);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExactCases))]
    public void Forward_mode_loss_derivative_equals_the_backward_gradient_along_a_random_direction(string name, int seed, bool useLabels)
    {
        (Func<int, INetwork<double>> create, LossFunction loss) = Find(name);
        INetwork<double> net = create(seed);
        MoveRunningStatistics(net, seed);
        int batch = 3 + seed;
        double[] inputs = TestData.Inputs<double>(batch, net.InputSize, 600 + seed);
        byte[] parameters = TestData.Bytes<double>(net.Parameters), state = TestData.Bytes<double>(net.State), gradients = TestData.Bytes<double>(net.Gradients);
        ulong random = net.RandomState;

        ForwardVersusReverseResult result = useLabels
            ? GradientCheck.ForwardVersusReverse(net, inputs, TestData.Labels(batch, net.OutputSize == 1 ? 2 : net.OutputSize, 600 + seed), seed)
            : GradientCheck.ForwardVersusReverse(net, inputs, TestData.Targets<double>(batch, net.OutputSize, loss, 600 + seed), seed);

        string context = string.Create(CultureInfo.InvariantCulture, $"{name}, seed {seed}, {(useLabels ? "labels" : "targets")}: {result}");
        Assert.True(Math.Abs(result.Reverse) > 1e-6, $"{context}: g·v is (almost) zero, the check would prove nothing.");
        Assert.True(result.RelativeError <= ExactTolerance, context);
        Assert.Equal(parameters, TestData.Bytes<double>(net.Parameters));
        Assert.Equal(state, TestData.Bytes<double>(net.State));
        Assert.Equal(gradients, TestData.Bytes<double>(net.Gradients));
        Assert.Equal(random, net.RandomState);
    }

    [Fact]
    public void LossJvp_advances_RandomState_as_TrainStep_and_changes_no_parameter_state_or_gradient()
    {
        var net = new GcDeep(3);
        double[] inputs = TestData.Inputs<double>(4, GcDeep.InputSize, 7);
        int[] labels = TestData.Labels(4, GcDeep.OutputSize, 7);
        net.TrainStep(inputs, labels);
        byte[] parameters = TestData.Bytes<double>(net.Parameters), state = TestData.Bytes<double>(net.State), gradients = TestData.Bytes<double>(net.Gradients);
        ulong random = net.RandomState;
        double[] direction = TestData.Inputs<double>(1, GcDeep.ParameterCount, 8);

        double first = net.LossJvp(inputs, labels, direction);
        ulong afterLossJvp = net.RandomState;
        Assert.Equal(parameters, TestData.Bytes<double>(net.Parameters));
        Assert.Equal(state, TestData.Bytes<double>(net.State));
        Assert.Equal(gradients, TestData.Bytes<double>(net.Gradients));

        net.RandomState = random;
        Assert.Equal(first, net.LossJvp(inputs, labels, direction)); // the same masks again
        net.RandomState = random;
        net.TrainStep(inputs, labels);
        Assert.Equal(afterLossJvp, net.RandomState);
        Assert.NotEqual(random, afterLossJvp);
        Assert.Equal(0.0, net.LossJvp(inputs, labels, ReadOnlySpan<double>.Empty)); // an empty direction is 0
    }

    // A BatchNorm → ReLU → MaxPool2D block's forward passes (training and inference) and backward passes keep only the
    // pooled maps: the workspaces hold BatchNorm's output, x̂ and the rectified map only once Jvp or LossJvp needs them,
    // grown with the tangent buffers, and the ReLU has no gradient buffer.
    [Fact]
    public void A_pooled_blocks_full_maps_are_allocated_only_for_the_tangent_pass_and_grow_with_its_batches()
    {
        var net = new ConvGcClassifier(2);
        const int PerSample = 324;
        net.TrainStep(TestData.Inputs<double>(4, ConvGcClassifier.InputSize, 70), TestData.Labels(4, ConvGcClassifier.OutputSize, 70));
        object training = Field(net, "_trainingWorkspace");
        Assert.Empty(Buffer(training, "A2"));
        Assert.Empty(Buffer(training, "A3"));
        Assert.Empty(Buffer(training, "XHat2"));
        Assert.NotEmpty(Buffer(training, "A1"));
        Assert.Null(training.GetType().GetField("DA3"));

        // TrainStep and LossJvp at batches that grow and shrink, each LossJvp against the backward gradient.
        foreach (int batch in new[] { 2, 5, 3, 7, 7, 1 })
        {
            double[] inputs = TestData.Inputs<double>(batch, ConvGcClassifier.InputSize, 80 + batch);
            int[] labels = TestData.Labels(batch, ConvGcClassifier.OutputSize, 80 + batch);
            net.TrainStep(TestData.Inputs<double>(batch + 2, ConvGcClassifier.InputSize, 90 + batch), TestData.Labels(batch + 2, ConvGcClassifier.OutputSize, 90 + batch));
            ForwardVersusReverseResult result = GradientCheck.ForwardVersusReverse<double>(net, inputs, labels, seed: batch);
            Assert.True(result.RelativeError <= ExactTolerance, $"batch {batch}: {result}");
            Assert.True(Buffer(training, "XHat2").Length >= batch * PerSample, $"batch {batch}: x̂ holds {Buffer(training, "XHat2").Length} values");
            Assert.True(Buffer(training, "A3").Length >= batch * PerSample, $"batch {batch}: the rectified map holds {Buffer(training, "A3").Length} values");
        }

        Assert.Empty(Buffer(training, "A2")); // read only in inference, even by the tangent pass

        // Inference: Predict and InputGradients keep no full map of the block; Jvp adds them.
        double[] x = TestData.Inputs<double>(3, ConvGcClassifier.InputSize, 71);
        var outputs = new double[3 * ConvGcClassifier.OutputSize];
        net.Predict(x, outputs);
        net.InputGradients(x, TestData.Labels(3, ConvGcClassifier.OutputSize, 71), new double[x.Length]);
        object inference = ((object?[])Field(net, "_workspaces")).First(w => w is not null)!;
        Assert.NotEmpty(Buffer(inference, "A1"));
        Assert.Empty(Buffer(inference, "A2"));
        Assert.Empty(Buffer(inference, "A3"));
        net.Jvp(x, TestData.Inputs<double>(3, ConvGcClassifier.InputSize, 72), ReadOnlySpan<double>.Empty, outputs, new double[outputs.Length]);
        Assert.True(Buffer(inference, "A2").Length >= 3 * PerSample);
        Assert.True(Buffer(inference, "A3").Length >= 3 * PerSample);
        Assert.Empty(Buffer(inference, "XHat2"));
    }

    private static object Field(object owner, string name) =>
        owner.GetType().GetField(name, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)!.GetValue(owner)!;

    private static Array Buffer(object workspace, string name) => (Array)Field(workspace, name);

    [Fact]
    public void Bad_lengths_are_ArgumentExceptions_and_change_nothing()
    {
        var net = new GcL1L2(1);
        const int batch = 3;
        double[] x = TestData.Inputs<double>(batch, GcL1L2.InputSize, 1);
        double[] dx = new double[x.Length];
        double[] dp = new double[GcL1L2.ParameterCount];
        int[] labels = TestData.Labels(batch, GcL1L2.OutputSize, 1);
        byte[] parameters = TestData.Bytes<double>(net.Parameters), state = TestData.Bytes<double>(net.State);
        ulong random = net.RandomState;
        double[] Filled(int length) => Enumerable.Repeat(42.0, length).ToArray();
        int outputs = batch * GcL1L2.OutputSize;

        void Expect(string parameter, Action<double[], double[]> call)
        {
            double[] y = Filled(outputs), dy = Filled(outputs);
            var exception = Assert.ThrowsAny<ArgumentException>(() => call(y, dy));
            Assert.Equal(parameter, exception.ParamName);
            Assert.All(y, v => Assert.Equal(42.0, v));
            Assert.All(dy, v => Assert.Equal(42.0, v));
        }

        Expect("inputs", (y, dy) => net.Jvp(x.AsSpan(1), ReadOnlySpan<double>.Empty, dp, y, dy));
        Expect("inputTangents", (y, dy) => net.Jvp(x, dx.AsSpan(1), dp, y, dy));
        Expect("parameterTangents", (y, dy) => net.Jvp(x, dx, dp.AsSpan(1), y, dy));
        Expect("outputs", (y, dy) => net.Jvp(x, dx, dp, y.AsSpan(1), dy));
        Expect("outputTangents", (y, _) => net.Jvp(x, dx, dp, y, new double[outputs + 1]));
        Expect("parameterTangents", (_, _) => net.LossJvp(x, labels, dp.AsSpan(1)));
        Expect("labels", (_, _) => net.LossJvp(x, labels.AsSpan(1), dp));
        Expect("targets", (_, _) => net.LossJvp(x, new double[outputs - 1], dp));

        Assert.Equal(parameters, TestData.Bytes<double>(net.Parameters));
        Assert.Equal(state, TestData.Bytes<double>(net.State));
        Assert.Equal(random, net.RandomState);
    }

    [Fact]
    public void Empty_tangents_are_zero()
    {
        var net = new ConvGcClassifier(2);
        const int batch = 3;
        double[] x = TestData.Inputs<double>(batch, ConvGcClassifier.InputSize, 2);
        double[] dx = TestData.Inputs<double>(batch, ConvGcClassifier.InputSize, 3);
        double[] dp = TestData.Inputs<double>(1, ConvGcClassifier.ParameterCount, 4);
        int outputs = batch * ConvGcClassifier.OutputSize;
        double[] y = new double[outputs], a = new double[outputs], b = new double[outputs];

        net.Jvp(x, ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, y, a);
        Assert.All(a, v => Assert.Equal(0.0, v));

        net.Jvp(x, dx, ReadOnlySpan<double>.Empty, y, a);
        net.Jvp(x, dx, new double[dp.Length], y, b);
        Assert.Equal(b, a);
        Assert.Contains(a, v => v != 0);

        net.Jvp(x, ReadOnlySpan<double>.Empty, dp, y, a);
        net.Jvp(x, new double[dx.Length], dp, y, b);
        Assert.Equal(b, a);
        Assert.Contains(a, v => v != 0);
    }

    [Fact]
    public void Jvp_from_eight_threads_equals_single_thread_results()
    {
        var net = new GcDeep(4);
        MoveRunningStatistics(net, 4);
        const int batch = 5, calls = 16;
        var inputs = Enumerable.Range(0, calls).Select(i => TestData.Inputs<double>(batch, GcDeep.InputSize, 1000 + i)).ToArray();
        var inputTangents = Enumerable.Range(0, calls).Select(i => TestData.Inputs<double>(batch, GcDeep.InputSize, 2000 + i)).ToArray();
        var parameterTangents = Enumerable.Range(0, calls).Select(i => TestData.Inputs<double>(1, GcDeep.ParameterCount, 3000 + i)).ToArray();
        var expected = new double[calls][];
        for (int i = 0; i < calls; i++)
        {
            expected[i] = new double[batch * GcDeep.OutputSize];
            net.Jvp(inputs[i], inputTangents[i], parameterTangents[i], new double[batch * GcDeep.OutputSize], expected[i]);
        }

        var mismatches = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            var y = new double[batch * GcDeep.OutputSize];
            var dy = new double[batch * GcDeep.OutputSize];
            for (int round = 0; round < 50; round++)
            {
                int i = (thread + round) % calls;
                net.Jvp(inputs[i], inputTangents[i], parameterTangents[i], y, dy);
                if (!dy.AsSpan().SequenceEqual(expected[i]))
                {
                    mismatches.Add($"thread {thread}, call {i}");
                }
            }
        });

        Assert.Empty(mismatches);
    }

    [Fact]
    public void Float_network_agrees_with_its_own_backward_pass_and_finite_differences()
    {
        var net = new JvpFloatCnn(1);
        const int batch = 4;
        float[] x = TestData.Inputs<float>(batch, JvpFloatCnn.InputSize, 5);
        int[] labels = TestData.Labels(batch, JvpFloatCnn.OutputSize, 5);
        net.TrainStep(x, labels); // running statistics away from 0 and 1
        ForwardVersusReverseResult exact = GradientCheck.ForwardVersusReverse(net, x, labels, seed: 3);
        Assert.True(exact.RelativeError < 1e-4 && Math.Abs(exact.Reverse) > 1e-4, exact.ToString());

        float[] dx = TestData.Inputs<float>(batch, JvpFloatCnn.InputSize, 6);
        var y = new float[batch * JvpFloatCnn.OutputSize];
        var dy = new float[y.Length];
        net.Jvp(x, dx, ReadOnlySpan<float>.Empty, y, dy);
        var plus = new float[y.Length];
        var minus = new float[y.Length];
        const float h = 1e-2f;
        net.Predict(x.Zip(dx, (a, d) => a + (h * d)).ToArray(), plus);
        net.Predict(x.Zip(dx, (a, d) => a - (h * d)).ToArray(), minus);
        double[] numeric = plus.Zip(minus, (p, m) => ((double)p - m) / (2 * h)).ToArray();
        double error = RelativeError(dy.Select(v => (double)v).ToArray(), numeric);
        Assert.True(error < 2e-2, $"float Jvp against central differences: {error:E3}");
    }

    [Fact]
    public void Jvp_and_LossJvp_allocate_nothing_after_warm_up()
    {
        var net = new JvpFloatCnn(2);
        const int batch = 8;
        float[] x = TestData.Inputs<float>(batch, JvpFloatCnn.InputSize, 9);
        float[] dx = TestData.Inputs<float>(batch, JvpFloatCnn.InputSize, 10);
        float[] dp = TestData.Inputs<float>(1, JvpFloatCnn.ParameterCount, 11);
        int[] labels = TestData.Labels(batch, JvpFloatCnn.OutputSize, 9);
        var y = new float[batch * JvpFloatCnn.OutputSize];
        var dy = new float[y.Length];
        void Call()
        {
            net.Jvp(x, dx, dp, y, dy);
            net.Jvp(x, ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, y, dy);
            net.LossJvp(x, labels, dp);
        }

        for (int i = 0; i < 20; i++)
        {
            Call();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Call();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>A few training steps on shifted, scaled inputs: BatchNorm's running statistics leave 0 and 1.</summary>
    private static void MoveRunningStatistics(INetwork<double> net, int seed)
    {
        if (net.State.Length == 0)
        {
            return;
        }

        double[] before = net.State.ToArray();
        const int batch = 6;
        double[] inputs = TestData.Inputs<double>(batch, net.InputSize, 700 + seed).Select(v => (2 * v) + 0.5).ToArray();
        double[] targets = TestData.Targets<double>(batch, net.OutputSize, net.Loss, 700 + seed);
        for (int i = 0; i < 5; i++)
        {
            net.TrainStep(inputs, targets);
        }

        Assert.NotEqual(before, net.State.ToArray());
    }

    private static double[] CentralDifference(INetwork<double> net, double[] x, double[] dx, double[] dp, double step)
    {
        double[] parameters = net.Parameters.ToArray();
        int outputs = x.Length / net.InputSize * net.OutputSize;
        var plus = new double[outputs];
        var minus = new double[outputs];
        try
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                net.Parameters[i] = parameters[i] + (step * dp[i]);
            }

            net.Predict(x.Zip(dx, (a, d) => a + (step * d)).ToArray(), plus);
            for (int i = 0; i < parameters.Length; i++)
            {
                net.Parameters[i] = parameters[i] - (step * dp[i]);
            }

            net.Predict(x.Zip(dx, (a, d) => a - (step * d)).ToArray(), minus);
        }
        finally
        {
            parameters.CopyTo(net.Parameters);
        }

        return plus.Zip(minus, (p, m) => (p - m) / (2 * step)).ToArray();
    }

    private static double Norm(double[] values) => Math.Sqrt(values.Sum(v => v * v));

    private static double RelativeError(double[] a, double[] b)
    {
        double difference = Math.Sqrt(a.Zip(b, (u, v) => (u - v) * (u - v)).Sum());
        double scale = Norm(a) + Norm(b);
        return scale == 0 ? 0 : difference / scale;
    }
}
