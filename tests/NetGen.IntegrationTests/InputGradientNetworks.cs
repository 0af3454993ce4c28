namespace NetGen.IntegrationTests;

// Networks for the InputGradients tests: together every layer kind, every loss, both fusions, a first layer of each
// pooling kind, unrolled and kernel Dense layers, L1 and L2.

// Dense (unrolled) → BatchNorm → PReLU → Dropout → Maxout → ELU → Dense → Softmax, softmax cross-entropy, L1 and L2.
[Network(Precision = Precision.Double, Loss = LossFunction.SoftmaxCrossEntropy, L1 = 0.01, L2 = 0.02, Seed = 1)]
[Input(5)] [Dense(6)] [BatchNorm] [PReLU] [Dropout(0.3)] [Maxout(4, 3)] [ELU] [Dense(3)] [Softmax]
public partial class IgMlp;

// Kernel Dense layers (UnrollLimit = 0), shared PReLU, LeakyReLU, Tanh, Sigmoid, multiclass hinge.
[Network(Precision = Precision.Double, Loss = LossFunction.MulticlassHinge, UnrollLimit = 0, Seed = 2)]
[Input(6)] [Dense(7)] [PReLU(Shared = true)] [LeakyReLU(0.1)] [Dense(5, Bias = false)] [Tanh] [Sigmoid] [Dense(3)]
public partial class IgHinge;

// Conv2D → BatchNorm (per channel) → ReLU → overlapping MaxPool2D → padded AvgPool2D → Conv2D → Tanh → GlobalAvgPool →
// Dense → Sigmoid, binary cross-entropy, L2. 2×7×7 → 3×7×7 → 3×6×6 → 3×6×6 → 4×4×4 → 4 → 1.
[Network(Precision = Precision.Double, Loss = LossFunction.BinaryCrossEntropy, L2 = 0.05, Seed = 3)]
[Input(2, 7, 7)] [Conv2D(3, 3, Padding = 1)] [BatchNorm] [ReLU] [Dropout(0.2)] [MaxPool2D(2, Stride = 1)] [AvgPool2D(3, Stride = 1, Padding = 1)]
[Conv2D(4, 3)] [Tanh] [GlobalAvgPool] [Dense(1)] [Sigmoid]
public partial class IgCnn;

// Max pooling first (its argmax is found again for the input gradient), 1-D: 2×10 → 2×5 → 3×5 → 3×4 → 12 → 3, MSE.
[Network(Precision = Precision.Double, Seed = 4)]
[Input(2, 10)] [MaxPool1D(2)] [Conv1D(3, 3, Padding = 1)] [BatchNorm] [LeakyReLU(0.1)] [AvgPool1D(2, Stride = 1)] [Flatten] [Dense(3)]
public partial class IgSequence;

// Pooling first, 2-D: max then average. 2×8×8 → 2×4×4 → 2×2×2 → 2×1×1 → 2 → 2.
[Network(Precision = Precision.Double, Seed = 5)]
[Input(2, 8, 8)] [MaxPool2D(2)] [AvgPool2D(2)] [Conv2D(2, 2)] [ELU] [GlobalAvgPool] [Dense(2)]
public partial class IgPoolFirst;

// Average pooling and GlobalAvgPool first.
[Network(Precision = Precision.Double, Seed = 6)]
[Input(3, 12)] [AvgPool1D(3, Stride = 1, Padding = 1)] [Conv1D(2, 3)] [GlobalAvgPool] [Dense(2)]
public partial class IgAvgFirst;

[Network(Precision = Precision.Double, Seed = 7)]
[Input(3, 4, 4)] [GlobalAvgPool] [Dense(2)] [Tanh]
public partial class IgGlobalFirst;

// A fused final layer that is also the first: the loss's gradient (A1 − T)/B is the input gradient.
[Network(Precision = Precision.Double, Loss = LossFunction.SoftmaxCrossEntropy)]
[Input(4)] [Softmax]
public partial class IgSoftmaxOnly;

[Network(Precision = Precision.Double, Loss = LossFunction.BinaryCrossEntropy)]
[Input(1)] [Sigmoid]
public partial class IgSigmoidOnly;

// Unfused Softmax (MSE) and Flatten first.
[Network(Precision = Precision.Double)]
[Input(2, 2)] [Flatten] [Dense(3)] [Softmax]
public partial class IgSoftmaxMse;

// Float, for threads and allocations: the sample's CNN kinds.
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 8)]
[Input(1, 12, 12)] [Conv2D(4, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)] [Dropout(0.2)] [Conv2D(6, 3, Padding = 1)] [ReLU]
[GlobalAvgPool] [Dense(16)] [ReLU] [Dense(4)] [Softmax]
public partial class IgFloatCnn;
