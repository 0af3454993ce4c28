using NetGen;

namespace NetGen.Benchmarks;

/// <summary>The XOR network of samples/Xor: 2 → 4 tanh → 1 sigmoid, binary cross-entropy. Both Dense layers are unrolled.</summary>
[Network(Loss = LossFunction.BinaryCrossEntropy, Seed = 7)]
[Input(2)]
[Dense(4)] [Tanh]
[Dense(1)] [Sigmoid]
public partial class XorNet;

/// <summary>A small regression MLP: 16 → 32 tanh → 32 tanh → 4, mean squared error. The 16×32 and 32×32 layers call the GEMM kernels.</summary>
[Network(Loss = LossFunction.MeanSquaredError, Seed = 3)]
[Input(16)]
[Dense(32)] [Tanh]
[Dense(32)] [Tanh]
[Dense(4)]
public partial class TanhMlp;

/// <summary><see cref="TanhMlp"/> with no layer unrolled (its 32 → 4 layer calls the kernels too), for <c>--tiny unroll</c>.</summary>
[Network(Loss = LossFunction.MeanSquaredError, Seed = 3, UnrollLimit = 0)]
[Input(16)]
[Dense(32)] [Tanh]
[Dense(32)] [Tanh]
[Dense(4)]
public partial class TanhMlpKernelsOnly;
