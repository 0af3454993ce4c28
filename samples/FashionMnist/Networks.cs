using NetGen;

namespace FashionMnistSample;

/// <summary>The MLP of DESIGN.md §1: 784-256-128-10 with BatchNorm, ReLU and dropout 0.2 (He init through Init.Auto).</summary>
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 42)]
[Input(784)]
[Dense(256)] [BatchNorm] [ReLU] [Dropout(0.2)]
[Dense(128)] [BatchNorm] [ReLU] [Dropout(0.2)]
[Dense(10)]  [Softmax]
public partial class FashionMlp;

/// <summary>
/// A small CNN: two 3×3 convolutions with padding 1 (32 and 64 filters), each followed by BatchNorm per channel, ReLU
/// and 2×2 max pooling (28 → 14 → 7), then Dense(128) with dropout 0.3 and the 10-class softmax.
/// </summary>
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 42)]
[Input(1, 28, 28)]
[Conv2D(32, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Conv2D(64, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Flatten]
[Dense(128)] [ReLU] [Dropout(0.3)]
[Dense(10)]  [Softmax]
public partial class FashionCnn;
