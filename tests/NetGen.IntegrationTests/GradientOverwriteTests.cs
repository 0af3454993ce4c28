using NetGen.Kernels;

namespace NetGen.IntegrationTests;

[Network(Loss = LossFunction.MeanSquaredError, Seed = 3)]
[Input(16)] [Dense(32)] [Tanh] [Dense(32)] [Tanh] [Dense(4)]
public partial class OverwriteTanhFloat;

[Network(Loss = LossFunction.MeanSquaredError, Seed = 3, Precision = Precision.Double)]
[Input(16)] [Dense(32)] [Tanh] [Dense(32)] [Tanh] [Dense(4)]
public partial class OverwriteTanhDouble;

[Network(Loss = LossFunction.MeanSquaredError, Seed = 3, L2 = 0.01)]
[Input(16)] [Dense(32)] [Tanh] [Dense(4)]
public partial class OverwriteRegularized;

/// <summary>
/// A training step writes the gradients of its Dense layers on the kernels instead of clearing and adding to them
/// (the unrolled ones, and every layer of a regularized network, are still cleared first): whatever the gradients held
/// before, a step leaves the bits of a fresh network's, and the same bits as clearing and accumulating
/// (<see cref="GemmTuning.OverwriteGradients"/> off), at batch 1 and larger.
/// </summary>
[Collection(AllThreadsCollection.Name)] // it flips GemmTuning.OverwriteGradients, which every training test in the process reads
public class GradientOverwriteTests
{
    [Fact]
    public void A_step_writes_every_gradient_whatever_was_there_in_float_and_double()
    {
        Check<float>(() => new OverwriteTanhFloat());
        Check<double>(() => new OverwriteTanhDouble());
        Check<float>(() => new OverwriteRegularized());
    }

    private static void Check<T>(Func<INetwork<T>> create)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        foreach (int batch in new[] { 1, 3 })
        {
            INetwork<T> probe = create();
            T[] x = Values<T>(batch * probe.InputSize, 11 + batch), y = Values<T>(batch * probe.OutputSize, 23 + batch);
            T[] x2 = Values<T>(batch * probe.InputSize, 31 + batch), y2 = Values<T>(batch * probe.OutputSize, 41 + batch);

            // The reference: clear and accumulate, on fresh networks.
            T[] expected, expected2;
            bool saved = GemmTuning.OverwriteGradients;
            GemmTuning.OverwriteGradients = false;
            try
            {
                expected = StepGradients(create(), x, y);
                expected2 = StepGradients(create(), x2, y2);
            }
            finally
            {
                GemmTuning.OverwriteGradients = saved;
            }

            // NaN in every gradient before the step: one value read instead of written would stay NaN.
            INetwork<T> net = create();
            net.Gradients.Fill(T.NaN);
            AssertSameBits(expected, StepGradients(net, x, y), $"{typeof(T).Name} {net.GetType().Name} batch {batch}");

            // A second step on other data: nothing of the first step's gradients is left.
            AssertSameBits(expected2, StepGradients(net, x2, y2), $"{typeof(T).Name} {net.GetType().Name} batch {batch}, second step");
        }
    }

    private static T[] StepGradients<T>(INetwork<T> net, T[] x, T[] y)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        net.TrainStep(x, y);
        return net.Gradients.ToArray();
    }

    private static T[] Values<T>(int count, int seed)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new NetGenRandom(seed);
        var values = new T[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = T.CreateTruncating(random.NextNormal());
        }

        return values;
    }

    private static void AssertSameBits<T>(T[] expected, T[] actual, string what)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i].Equals(actual[i]) && T.IsNegative(expected[i]) == T.IsNegative(actual[i]), $"{what} [{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }
}
