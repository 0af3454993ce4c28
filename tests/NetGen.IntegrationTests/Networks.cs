using NetGen;

namespace NetGen.IntegrationTests;

[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 42)]
[Input(784)]
[Dense(256)] [BatchNorm] [ReLU] [Dropout(0.2)]
[Dense(128)] [BatchNorm] [ReLU] [Dropout(0.2)]
[Dense(10)] [Softmax]
public partial class FashionMlp;

[Network(Loss = LossFunction.MeanSquaredError, Seed = 1)]
[Input(2)]
[Dense(4)] [Tanh]
[Dense(1)] [Sigmoid]
public partial class XorNet;
