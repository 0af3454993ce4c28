using System;

namespace NetGen.IntegrationTests;

/// <summary>A generated network learns, with plain SGD written here: p ← p − lr·g.</summary>
public class LearningTests
{
    private static readonly float[] XorInputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
    private static readonly float[] XorTargets = { 0, 1, 1, 0 };

    [Fact]
    public void XorNet_learns_xor_with_plain_sgd()
    {
        var net = new XorNet();
        var outputs = new float[4];
        net.Predict(XorInputs, outputs);
        Assert.False(AllCorrect(outputs), $"The untrained network should not solve XOR already: {string.Join(", ", outputs)}");

        float firstLoss = net.TrainStep(XorInputs, XorTargets);
        float loss = firstLoss;
        for (int epoch = 0; epoch < 5000; epoch++)
        {
            loss = net.TrainStep(XorInputs, XorTargets);
            Span<float> parameters = net.Parameters;
            ReadOnlySpan<float> gradients = net.Gradients;
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i] -= 2f * gradients[i];
            }
        }

        net.Predict(XorInputs, outputs);
        Assert.True(AllCorrect(outputs), $"Predictions after training: {string.Join(", ", outputs)} for targets 0, 1, 1, 0 (loss {firstLoss} → {loss}).");
        Assert.True(loss < firstLoss / 10, $"The loss should fall by 10×: {firstLoss} → {loss}.");
    }

    [Fact]
    public void Labels_and_targets_give_the_same_step_for_a_single_sigmoid_output()
    {
        var byLabels = new XorNet();
        var byTargets = new XorNet();
        float a = byLabels.TrainStep(XorInputs, new[] { 0, 1, 1, 0 });
        float b = byTargets.TrainStep(XorInputs, XorTargets);
        Assert.Equal(b, a);
        Assert.Equal(byTargets.Gradients.ToArray(), byLabels.Gradients.ToArray());
    }

    private static bool AllCorrect(float[] outputs)
    {
        for (int i = 0; i < 4; i++)
        {
            if ((outputs[i] > 0.5f) != (XorTargets[i] > 0.5f))
            {
                return false;
            }
        }

        return true;
    }
}
