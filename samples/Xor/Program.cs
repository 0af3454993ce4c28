// XOR with a 2-4-1 network: the smallest problem a single layer cannot solve.
// The generated code is in obj/<configuration>/net10.0/generated/NetGen.Generator/…/XorNet.*.g.cs.
using NetGen;
using NetGen.Optimizers;

float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
float[] targets = [0, 1, 1, 0];

var network = new XorNet();
var optimizer = new Sgd<float>(learningRate: 0.5, momentum: 0.9);
Console.WriteLine(XorNet.Summary);
// The instruction set of the runtime's kernels (a Native AOT build shows what its instruction set allows).
Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPathReason}");
Console.WriteLine();

for (int step = 0; step <= 1000; step++)
{
    float loss = network.TrainStep(inputs, targets);
    optimizer.Step(network.Parameters, network.Gradients);
    if (step % 100 == 0)
    {
        Console.WriteLine($"step {step,4}  loss {loss:F6}");
    }
}

var predictions = new float[4];
network.Predict(inputs, predictions);
Console.WriteLine();
int correct = 0;
for (int i = 0; i < 4; i++)
{
    bool right = predictions[i] > 0.5f == targets[i] > 0.5f;
    correct += right ? 1 : 0;
    Console.WriteLine($"{inputs[2 * i]} xor {inputs[(2 * i) + 1]} = {targets[i]}   predicted {predictions[i]:F4} {(right ? "✓" : "✗")}");
}

Console.WriteLine($"{correct}/4 correct");
return correct == 4 ? 0 : 1;

/// <summary>2 inputs → 4 tanh units → 1 sigmoid output, trained with binary cross-entropy.</summary>
[Network(Loss = LossFunction.BinaryCrossEntropy, Seed = 7)]
[Input(2)]
[Dense(4)] [Tanh]
[Dense(1)] [Sigmoid]
public partial class XorNet;
