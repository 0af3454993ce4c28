// Function approximation with one hidden layer of 3 tanh units (Bishop, Pattern Recognition and Machine
// Learning, fig. 5.3): 50 points in [−1, 1] of x², sin(πx), |x| and a step, each fitted by a fresh network.
using NetGen;
using NetGen.Optimizers;

const int Points = 50;
var functions = new (string Name, Func<double, double> F)[]
{
    ("x²", x => x * x),
    ("sin(πx)", x => Math.Sin(Math.PI * x)),
    ("|x|", Math.Abs),
    ("step", x => x < 0 ? 0 : 1),
};

double[] inputs = new double[Points];
for (int i = 0; i < Points; i++)
{
    inputs[i] = -1 + (2.0 * i / (Points - 1));
}

Console.WriteLine(Approximator.Summary);
Console.WriteLine();
Console.WriteLine("function   final MSE (½ mean squared error)");
foreach ((string name, Func<double, double> f) in functions)
{
    double[] targets = inputs.Select(f).ToArray();
    var network = new Approximator();
    var optimizer = new Adam<double>(learningRate: 0.01);
    for (int step = 0; step < 20_000; step++)
    {
        network.TrainStep(inputs, targets);
        optimizer.Step(network.Parameters, network.Gradients);
    }

    Console.WriteLine($"{name,-10} {network.Evaluate(inputs, targets):E3}");
}

/// <summary>1 input → 3 tanh units → 1 linear output, mean squared error, in double precision.</summary>
[Network(Loss = LossFunction.MeanSquaredError, Precision = Precision.Double, Seed = 3)]
[Input(1)]
[Dense(3)] [Tanh]
[Dense(1)]
public partial class Approximator;
