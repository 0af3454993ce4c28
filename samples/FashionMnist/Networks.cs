using NetGen;

namespace FashionMnistSample;

/// <summary>The MLP of DESIGN.md §1: 784-256-128-10 with BatchNorm, ReLU and dropout 0.2 (He init through Init.Auto).</summary>
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 42)]
[Input(784)]
[Dense(256)] [BatchNorm] [ReLU] [Dropout(0.2)]
[Dense(128)] [BatchNorm] [ReLU] [Dropout(0.2)]
[Dense(10)]  [Softmax]
public partial class FashionMlp;
