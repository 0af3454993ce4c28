namespace NetGen.IntegrationTests;

// Convolutional networks in double precision for the gradient checks and the reference tests. Each isolates a
// convolution or pooling feature; a convolution or pooling layer after a layer with parameters also has its input
// gradient (dX, unpooling) checked, through that layer's parameter gradients. Shapes are in the comments.

// 2×7×5 → Conv2D stride 2, padding 1 → 3×4×3 (odd sizes, several channels).
[Network(Precision = Precision.Double)]
[Input(2, 7, 5)] [Conv2D(3, 3, Stride = 2, Padding = 1)] [Tanh] [Flatten] [Dense(3)]
public partial class ConvGcStrided;

// Two convolutions: the second one's dX feeds the first one's dW. 2×7×5 → 3×4×3 → 4×3×2 (2×2 kernel, no padding).
[Network(Precision = Precision.Double)]
[Input(2, 7, 5)] [Conv2D(3, 3, Stride = 2, Padding = 1)] [Tanh] [Conv2D(4, 2)] [ELU] [Flatten] [Dense(3)]
public partial class ConvGcStacked;

// Padding larger than needed (2 with a 3×3 kernel): windows that see mostly zeros. 1×4×5 → padding 2 → 2×6×7 → 4×4 kernel → 3×3×4.
[Network(Precision = Precision.Double)]
[Input(1, 4, 5)] [Conv2D(2, 3, Padding = 2)] [Sigmoid] [Conv2D(3, 4, Padding = 0)] [Flatten] [Dense(2)]
public partial class ConvGcWidePadding;

// Pooling between convolutions: 2×6×6 → 3×6×6 → pool 2 → 3×3×3 → 2×3×3 → pool 3 (stride 1) → 2×1×1.
[Network(Precision = Precision.Double)]
[Input(2, 6, 6)] [Conv2D(3, 3, Padding = 1)] [MaxPool2D(2)] [Conv2D(2, 3, Padding = 1)] [Tanh] [MaxPool2D(3, Stride = 1)] [Flatten] [Dense(3)]
public partial class ConvGcPooling;

// Overlapping windows (3×3, stride 2): an input can be the maximum of two windows and gets both gradients. 2×7×7 → 4×7×7 → 4×3×3.
[Network(Precision = Precision.Double)]
[Input(2, 7, 7)] [Conv2D(4, 3, Padding = 1)] [MaxPool2D(3, Stride = 2)] [Flatten] [Dense(2)]
public partial class ConvGcOverlappingPool;

// BatchNorm per channel and dropout over maps, between a convolution and pooling.
[Network(Precision = Precision.Double)]
[Input(2, 5, 5)] [Conv2D(4, 3, Padding = 1)] [BatchNorm] [ReLU] [Dropout(0.3)] [MaxPool2D(3, Stride = 2)] [Flatten] [Dense(3)]
public partial class ConvGcBatchNormDropout;

// Pooling first (no argmax is kept: nothing needs the input's gradient), then a convolution.
[Network(Precision = Precision.Double)]
[Input(2, 6, 6)] [MaxPool2D(2)] [Conv2D(2, 3)] [Flatten] [Dense(2)]
public partial class ConvGcPoolFirst;

// The whole pipeline of a small CNN classifier: Conv → BatchNorm → ReLU → MaxPool → Conv (stride 2) → ReLU → MaxPool →
// Flatten → Dense → ReLU → Dropout → Dense → Softmax, with softmax cross-entropy and L2.
// 1×9×9 → 4×9×9 → pool 3 → 4×3×3 → 6×2×2 → pool 2 → 6×1×1 → 6 → 8 → 3.
[Network(Precision = Precision.Double, Loss = LossFunction.SoftmaxCrossEntropy, L2 = 0.01)]
[Input(1, 9, 9)]
[Conv2D(4, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(3)]
[Conv2D(6, 3, Stride = 2, Padding = 1)] [ReLU] [MaxPool2D(2)]
[Flatten] [Dense(8)] [ReLU] [Dropout(0.25)]
[Dense(3)] [Softmax]
public partial class ConvGcClassifier;

// 1-D: stride 2 and padding 1, pooling, a second convolution. 3×11 → 4×6 → pool 2 → 4×3 → 2×2 → 4.
[Network(Precision = Precision.Double)]
[Input(3, 11)] [Conv1D(4, 3, Stride = 2, Padding = 1)] [Tanh] [MaxPool1D(2)] [Conv1D(2, 2)] [Flatten] [Dense(2)]
public partial class ConvGc1D;

// 1-D with BatchNorm per channel, dropout, overlapping pooling, softmax cross-entropy. 2×10 → 3×10 → pool 3, stride 1 → 3×8.
[Network(Precision = Precision.Double, Loss = LossFunction.SoftmaxCrossEntropy)]
[Input(2, 10)] [Conv1D(3, 3, Padding = 1)] [BatchNorm] [LeakyReLU(0.1)] [Dropout(0.2)] [MaxPool1D(3, Stride = 1)] [Flatten] [Dense(3)] [Softmax]
public partial class ConvGc1DClassifier;

// Float: the precision the sample trains in, with the same layer kinds as the sample's CNN.
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 3)]
[Input(1, 12, 12)]
[Conv2D(4, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Conv2D(8, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Flatten] [Dense(16)] [ReLU] [Dropout(0.3)] [Dense(4)] [Softmax]
public partial class ConvSmallCnn;

// Average pooling between convolutions, with padding (not counted in the means) and overlapping windows, then a
// GlobalAvgPool. 2×7×7 → 3×7×7 → avg 3, stride 2, padding 1 → 3×4×4 → 4×4×4 → global → 4 → 3.
[Network(Precision = Precision.Double)]
[Input(2, 7, 7)] [Conv2D(3, 3, Padding = 1)] [AvgPool2D(3, Stride = 2, Padding = 1)] [Conv2D(4, 3, Padding = 1)] [Tanh] [GlobalAvgPool] [Dense(3)]
public partial class ConvGcAvgPool;

// The common GlobalAvgPool-ending CNN: Conv → ReLU → GlobalAvgPool → Dense → Softmax. 1×6×6 → 5×6×6 → 5 → 4.
[Network(Precision = Precision.Double, Loss = LossFunction.SoftmaxCrossEntropy)]
[Input(1, 6, 6)] [Conv2D(5, 3, Padding = 1)] [ReLU] [GlobalAvgPool] [Dense(4)] [Softmax]
public partial class ConvGcGlobalAvgPoolCnn;

// Average pooling first (no input gradient needed), then 1-D: 2×12 → avg 2 → 2×6 → 3×6 → avg 3, stride 1, padding 1 →
// 3×6 → global → 3 → 2.
[Network(Precision = Precision.Double)]
[Input(2, 12)] [AvgPool1D(2)] [Conv1D(3, 3, Padding = 1)] [ELU] [AvgPool1D(3, Stride = 1, Padding = 1)] [GlobalAvgPool] [Dense(2)]
public partial class ConvGcAvgPool1D;
