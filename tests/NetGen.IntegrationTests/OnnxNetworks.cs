using NetGen;

namespace NetGen.IntegrationTests;

// Networks for the ONNX tests: together they use every layer kind and option the export writes differently.

/// <summary>Dense with and without a bias (Gemm, MatMul), every element-wise activation, Softmax.</summary>
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 11)]
[Input(12)]
[Dense(10)] [ReLU] [Dense(9)] [LeakyReLU(0.2)] [Dense(8)] [ELU(0.7)]
[Dense(8, Bias = false)] [Sigmoid] [Dense(6)] [Tanh] [Dense(4)] [Softmax]
public partial class OnnxActivations;

/// <summary>PReLU per unit and shared, and Dense without a bias as the last layer.</summary>
[Network(Seed = 12)]
[Input(10)]
[Dense(8)] [PReLU] [Dense(6)] [PReLU(Shared = true)] [Dense(3, Bias = false)]
public partial class OnnxPrelu;

/// <summary>Maxout with three pieces and with the default two.</summary>
[Network(Seed = 13)]
[Input(9)]
[Maxout(5, 3)] [Dense(4)] [Maxout(3)] [Sigmoid]
public partial class OnnxMaxout;

/// <summary>BatchNorm after Dense ([N, F] input), one with its own epsilon; Dropout left out.</summary>
[Network(Loss = LossFunction.BinaryCrossEntropy, Seed = 14)]
[Input(10)]
[Dense(12)] [BatchNorm] [ReLU] [Dropout(0.3)] [Dense(5)] [BatchNorm(Epsilon = 1e-3)] [Sigmoid]
public partial class OnnxBatchNormDense;

/// <summary>The same as <see cref="OnnxBatchNormDense"/> with a wider first layer: its weights do not fit.</summary>
[Network(Loss = LossFunction.BinaryCrossEntropy, Seed = 14)]
[Input(10)]
[Dense(13)] [BatchNorm] [ReLU] [Dropout(0.3)] [Dense(5)] [BatchNorm(Epsilon = 1e-3)] [Sigmoid]
public partial class OnnxBatchNormDenseWide;

/// <summary>Conv2D with stride and padding, BatchNorm per channel, PReLU per unit and shared after convolutions, overlapping pooling.</summary>
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 15)]
[Input(2, 9, 9)]
[Conv2D(4, 3, Stride = 2, Padding = 1)] [BatchNorm] [PReLU] [Conv2D(3, 2)] [PReLU(Shared = true)]
[MaxPool2D(2, Stride = 1)] [Flatten] [Dense(4)] [Softmax]
public partial class OnnxConv2D;

/// <summary>Conv1D with stride and padding, BatchNorm, ELU, pooling and a second convolution.</summary>
[Network(Seed = 16)]
[Input(3, 17)]
[Conv1D(4, 3, Stride = 2, Padding = 2)] [BatchNorm] [ELU] [MaxPool1D(2)] [Conv1D(2, 2)] [Tanh] [Flatten] [Dense(3)] [Sigmoid]
public partial class OnnxConv1D;

/// <summary>Average pooling with stride and padding (not counted in the means), then GlobalAvgPool instead of Flatten.</summary>
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 20)]
[Input(2, 9, 9)]
[Conv2D(4, 3, Padding = 1)] [BatchNorm] [ReLU] [AvgPool2D(3, Stride = 2, Padding = 1)] [Conv2D(5, 3, Padding = 1)] [Tanh]
[GlobalAvgPool] [Dense(4)] [Softmax]
public partial class OnnxAvgPool2D;

/// <summary>AvgPool1D with overlapping padded windows, then GlobalAvgPool of the sequence.</summary>
[Network(Seed = 21)]
[Input(3, 16)]
[Conv1D(4, 3, Padding = 1)] [ELU] [AvgPool1D(2)] [AvgPool1D(3, Stride = 1, Padding = 1)] [Conv1D(3, 2)] [GlobalAvgPool] [Dense(2)] [Sigmoid]
public partial class OnnxAvgPool1D;

/// <summary>The sample's CNN (samples/FashionMnist/Networks.cs).</summary>
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 42)]
[Input(1, 28, 28)]
[Conv2D(32, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Conv2D(64, 3, Padding = 1)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Flatten]
[Dense(128)] [ReLU] [Dropout(0.3)]
[Dense(10)] [Softmax]
public partial class OnnxFashionCnn;

/// <summary>A double network whose every op has a double kernel in ONNX Runtime: exports as float32 and float64.</summary>
[Network(Precision = Precision.Double, Loss = LossFunction.SoftmaxCrossEntropy, Seed = 17)]
[Input(6)]
[Dense(8)] [BatchNorm] [ReLU] [Maxout(4)] [PReLU] [Dense(5, Bias = false)] [LeakyReLU(0.1)] [Tanh] [Dense(3)] [Softmax]
public partial class OnnxDoubleMlp;

/// <summary>A double network with a convolution: float64 has no Conv kernel in ONNX Runtime, float32 works.</summary>
[Network(Precision = Precision.Double, Seed = 18)]
[Input(1, 6, 6)]
[Conv2D(2, 3, Padding = 1)] [ReLU] [MaxPool2D(2)] [Flatten] [Dense(3)] [Sigmoid]
public partial class OnnxDoubleConv;

/// <summary>The layers of a small PyTorch model, for weights written the way torch.onnx.export writes them.</summary>
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 19)]
[Input(6)]
[Dense(5)] [BatchNorm] [ReLU] [Dense(4)] [PReLU] [Dense(3)] [Softmax]
public partial class OnnxTorchLike;

/// <summary>Only a layer that inference leaves out: the graph is one Identity from input to output.</summary>
[Network(Seed = 20)]
[Input(3)]
[Dropout(0.5)]
public partial class OnnxDropoutOnly;
