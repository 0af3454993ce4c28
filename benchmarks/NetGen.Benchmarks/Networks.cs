using NetGen;

namespace NetGen.Benchmarks;

/// <summary>The XOR network of samples/Xor: 2 → 4 tanh → 1 sigmoid, binary cross-entropy. Both Dense layers are unrolled.</summary>
[Network(Loss = LossFunction.BinaryCrossEntropy, Seed = 7)]
[Input(2)]
[Dense(4)] [Tanh]
[Dense(1)] [Sigmoid]
public partial class XorNet;

/// <summary>A small regression MLP: 16 → 32 tanh → 32 tanh → 4, mean squared error. Every Dense layer calls the kernels (8 or more inputs).</summary>
[Network(Loss = LossFunction.MeanSquaredError, Seed = 3)]
[Input(16)]
[Dense(32)] [Tanh]
[Dense(32)] [Tanh]
[Dense(4)]
public partial class TanhMlp;

