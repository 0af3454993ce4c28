using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Runtime.Tests.Training
{
    /// <summary>
    /// Everything a training step changes, as bytes: the network's Parameters, Gradients, State and RandomState, and an
    /// Optimizer's step count and state buffers.
    /// </summary>
    internal sealed record TrainingSnapshot(byte[] Parameters, byte[] Gradients, byte[] State, ulong RandomState, long Steps, byte[][] Moments)
    {
        public static TrainingSnapshot Take<T>(INetwork<T> network, Optimizer<T>? optimizer = null)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var moments = new List<byte[]>();
            for (int i = 0; optimizer is not null && i < optimizer.StateBufferCount; i++)
            {
                moments.Add(Bytes<T>(optimizer.StateBuffer(i)));
            }

            return new TrainingSnapshot(Bytes<T>(network.Parameters), Bytes<T>(network.Gradients), Bytes<T>(network.State), network.RandomState, optimizer?.StepCount ?? 0, moments.ToArray());
        }

        /// <param name="actual">The snapshot to compare with.</param>
        /// <param name="gradients">
        /// Whether Gradients must match too: after a divergence they hold the failing batch's gradient (the trainer does
        /// not copy them back), everywhere else they must be unchanged.
        /// </param>
        public void AssertEqual(TrainingSnapshot actual, bool gradients = true)
        {
            Assert.Equal(Parameters, actual.Parameters);
            if (gradients)
            {
                Assert.Equal(Gradients, actual.Gradients);
            }

            Assert.Equal(State, actual.State);
            Assert.Equal(RandomState, actual.RandomState);
            Assert.Equal(Steps, actual.Steps);
            Assert.Equal(Moments.Length, actual.Moments.Length);
            for (int i = 0; i < Moments.Length; i++)
            {
                Assert.Equal(Moments[i], actual.Moments[i]);
            }
        }

        private static byte[] Bytes<T>(ReadOnlySpan<T> values)
            where T : unmanaged => MemoryMarshal.AsBytes(values).ToArray();
    }

    /// <summary>
    /// Snapshots of a network and its optimizer before every batch of a run (index = batches done), to check the point
    /// a <see cref="NonFiniteLossException"/> says it went back to.
    /// </summary>
    internal sealed class Journal<T> : IProgress<TrainingProgress>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly INetwork<T> _network;
        private readonly Optimizer<T>? _optimizer;
        private readonly List<TrainingSnapshot> _before = new();
        private int _batchesPerEpoch;

        public Journal(INetwork<T> network, Optimizer<T>? optimizer = null)
        {
            _network = network;
            _optimizer = optimizer;
            _before.Add(TrainingSnapshot.Take(network, optimizer));
        }

        /// <summary>Batches that passed.</summary>
        public int GoodBatches => _before.Count - 1;

        public void Report(TrainingProgress value)
        {
            if (value.Kind == ProgressKind.Batch)
            {
                _before.Add(TrainingSnapshot.Take(_network, _optimizer));
                _batchesPerEpoch = value.Batches;
            }
        }

        /// <summary>
        /// The network holds the snapshot from before the batch the exception names; that is the failing batch after an
        /// optimizer-step failure, and the one before it after a TrainStep failure (when there is one).
        /// </summary>
        public void AssertRestored(NonFiniteLossException e, bool trainStepFailed)
        {
            int failing = Index(e.Epoch, e.Batch);
            int restored = Index(e.RestoredEpoch, e.RestoredBatch);
            Assert.Equal(GoodBatches, failing);
            Assert.True((trainStepFailed && failing > 0 ? failing - 1 : failing) == restored, $"failing {failing}, restored {restored}, {_batchesPerEpoch} per epoch: {e.Message}");
            _before[restored].AssertEqual(TrainingSnapshot.Take(_network, _optimizer), gradients: false);
        }

        private int Index(int epoch, int batch) => epoch == 1 && _batchesPerEpoch == 0 ? batch - 1 : ((epoch - 1) * _batchesPerEpoch) + batch - 1;
    }

    /// <summary>A network whose TrainStep also advances <see cref="INetwork{T}.RandomState"/>, as dropout does.</summary>
    internal sealed class RandomStepping<T> : DelegatingNetwork<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public RandomStepping(INetwork<T> inner)
            : base(inner)
        {
        }

        public override ulong RandomState { get; set; } = 12345;

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels)
        {
            Advance();
            return Inner.TrainStep(inputs, labels);
        }

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets)
        {
            Advance();
            return Inner.TrainStep(inputs, targets);
        }

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, Span<T> outputs)
        {
            Advance();
            return Inner.TrainStep(inputs, labels, outputs);
        }

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> outputs)
        {
            Advance();
            return Inner.TrainStep(inputs, targets, outputs);
        }

        private void Advance() => RandomState = (RandomState * 6364136223846793005UL) + 1442695040888963407UL;
    }

    /// <summary>
    /// Linear regression <c>y = W·x + b</c> with mean squared error: gradient descent with a learning rate above
    /// 2 / λ_max of the input covariance diverges geometrically, the textbook "learning rate too large". Its state is a
    /// running mean of the targets.
    /// </summary>
    internal sealed class LinearRegression<T> : INetwork<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[] _parameters;
        private readonly T[] _gradients;
        private readonly T[] _state = new T[1];

        public LinearRegression(int inputSize, int outputSize)
        {
            InputSize = inputSize;
            OutputSize = outputSize;
            _parameters = new T[(outputSize * inputSize) + outputSize];
            _gradients = new T[_parameters.Length];
            for (int i = 0; i < _parameters.Length; i++)
            {
                _parameters[i] = T.CreateChecked(0.01 * ((i % 5) - 2));
            }
        }

        public int InputSize { get; }

        public int OutputSize { get; }

        public int ParameterCount => _parameters.Length;

        public LossFunction Loss => LossFunction.MeanSquaredError;

        public string Architecture => "LinearRegression";

        public Span<T> Parameters => _parameters;

        public Span<T> Gradients => _gradients;

        public Span<T> State => _state;

        public IReadOnlyList<LayerView<T>> Layers => Array.Empty<LayerView<T>>();

        public ulong RandomState { get; set; }

        public void Predict(ReadOnlySpan<T> inputs, Span<T> outputs)
        {
            int n = InputSize, k = OutputSize;
            for (int s = 0; s < inputs.Length / n; s++)
            {
                for (int j = 0; j < k; j++)
                {
                    T z = _parameters[(k * n) + j];
                    for (int i = 0; i < n; i++)
                    {
                        z += _parameters[(j * n) + i] * inputs[(s * n) + i];
                    }

                    outputs[(s * k) + j] = z;
                }
            }
        }

        public T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels) => throw new NotSupportedException();

        public T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets) => TrainStep(inputs, targets, new T[inputs.Length / InputSize * OutputSize]);

        public T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, Span<T> outputs) => throw new NotSupportedException();

        public T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> outputs)
        {
            int n = InputSize, k = OutputSize, batch = inputs.Length / n;
            Span<T> y = outputs;
            Predict(inputs, y);
            Array.Clear(_gradients);
            T loss = T.Zero, inverse = T.One / T.CreateChecked(batch), mean = T.Zero;
            for (int s = 0; s < batch; s++)
            {
                for (int j = 0; j < k; j++)
                {
                    T d = y[(s * k) + j] - targets[(s * k) + j];
                    mean += targets[(s * k) + j];
                    loss += d * d / T.CreateChecked(2);
                    _gradients[(k * n) + j] += d * inverse;
                    for (int i = 0; i < n; i++)
                    {
                        _gradients[(j * n) + i] += d * inputs[(s * n) + i] * inverse;
                    }
                }
            }

            _state[0] = (T.CreateChecked(0.9) * _state[0]) + (T.CreateChecked(0.1) * mean * inverse);
            return loss * inverse;
        }

        public T Evaluate(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels) => throw new NotSupportedException();

        public T Evaluate(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets) => T.Zero;

        public void ExportOnnx(System.IO.Stream destination, OnnxExportOptions? options = null) => throw new NotSupportedException("A hand-written test network has no ONNX graph.");

        public void ExportOnnx(string path, OnnxExportOptions? options = null) => throw new NotSupportedException("A hand-written test network has no ONNX graph.");
    }

    /// <summary>A diverging step is undone exactly; bad data is found before the first batch.</summary>
    public class DivergenceTests
    {
        public static TheoryData<string> Optimizers => new() { "sgd", "momentum", "adam", "rmsprop", "adagrad" };

        [Theory]
        [MemberData(nameof(Optimizers))]
        public void HugeLearningRate_EndsWithNonFiniteLoss_AndEverythingFromBeforeTheBadStep(string name)
        {
            // Learning rates chosen so that some steps succeed before one makes the parameters explode; the test does not
            // assume which batch it is: it compares with the snapshot after the last batch that was reported.
            Optimizer<float> optimizer = name switch
            {
                "sgd" => new Sgd<float>(learningRate: 6.0),
                "momentum" => new Sgd<float>(learningRate: 3.0, momentum: 0.9),
                "adam" => new Adam<float>(learningRate: 1.2e19),
                "rmsprop" => new RMSProp<float>(learningRate: 4e18),
                _ => new AdaGrad<float>(learningRate: 1.2e19),
            };
            var network = new RandomStepping<float>(new LinearRegression<float>(3, 2));
            Dataset<float> noise = Noise(96, 3, 4, seed: 5);
            var targets = new float[96 * 2];
            for (int i = 0; i < targets.Length; i++)
            {
                targets[i] = noise.Features[i % noise.Features.Length] + 1;
            }

            var data = new Dataset<float>(noise.Features, 3, targets, 2);
            var journal = new Journal<float>(network, optimizer);
            var trainer = new Trainer<float>(network, optimizer, new TrainerOptions { Epochs = 50, BatchSize = 8, Seed = 3 });
            var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(data, null, journal));

            Assert.True(journal.GoodBatches >= 1, "the run diverged on its first batch; the learning rate is too large for this test");
            journal.AssertRestored(e, trainStepFailed: !e.Message.Contains("optimizer step made", StringComparison.Ordinal));
            float limit = MathF.Sqrt(float.MaxValue);
            Assert.All(network.Parameters.ToArray(), p => Assert.True(MathF.Abs(p) <= limit, $"parameter {p} kept"));
            Assert.Contains("The parameters and state are those from before epoch", e.Message);

            // The network predicts finite values with what it kept.
            var outputs = new float[2 * 2];
            network.Predict(data.Features.AsSpan(0, 2 * 3), outputs);
            Assert.All(outputs, o => Assert.True(float.IsFinite(o)));
        }

        [Fact]
        public void AnOptimizerStepThatExplodesAfterGoodBatches_IsUndone()
        {
            // Inputs of 1e-12 keep the loss finite for any weight below 1e30, so the parameter check, not the loss,
            // catches the step that takes a weight past √MaxValue.
            var network = new RandomStepping<float>(new LinearRegression<float>(3, 2));
            var optimizer = new Adam<float>(learningRate: 6e18);
            Dataset<float> noise = Noise(64, 3, 4, seed: 8);
            var features = noise.Features.Select(x => x * 1e-12f).ToArray();
            var targets = Enumerable.Range(0, 64 * 2).Select(i => (float)(i % 3)).ToArray();
            var journal = new Journal<float>(network, optimizer);
            var trainer = new Trainer<float>(network, optimizer, new TrainerOptions { Epochs = 100, BatchSize = 8 });
            var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(new Dataset<float>(features, 3, targets, 2), null, journal));
            Assert.True(journal.GoodBatches >= 1, e.Message);
            Assert.Contains("optimizer step made parameter", e.Message);
            Assert.True(double.IsFinite(e.Loss), e.Message);
            journal.AssertRestored(e, trainStepFailed: false);
        }

        [Fact]
        public void AStepThatExplodesOnTheFirstBatch_LeavesTheNetworkAndAFreshOptimizerUntouched()
        {
            var network = new RandomStepping<float>(new SoftmaxRegression<float>(3, 4, seed: 2));
            var optimizer = new Adam<float>(1e30);
            TrainingSnapshot before = TrainingSnapshot.Take(network, optimizer);
            var trainer = new Trainer<float>(network, optimizer, new TrainerOptions { Epochs = 1, BatchSize = 8 });
            var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(Blobs(16, 3, 4, seed: 1)));

            Assert.True(e.Epoch == 1 && e.Batch == 1, e.Message);
            Assert.Contains("optimizer step made parameter", e.Message);
            before.AssertEqual(TrainingSnapshot.Take(network, optimizer), gradients: false);
            Assert.Equal(-1, optimizer.ParameterCount); // as unsized as before
        }

        [Fact]
        public void NonFiniteState_WithFiniteLossAndGradient_IsCaught_AndRolledBack()
        {
            // The hand-written network's state holds a running variance of the mean input: a mean of 2e20 squared
            // overflows float, while the loss (log-sum-exp, bounded by the 1e-30 floor) and the gradient (≈ 2e20) stay finite.
            var inner = new SoftmaxRegression<float>(2, 2, seed: 4);
            var network = new RandomStepping<float>(inner);
            var optimizer = new Sgd<float>(0.1, momentum: 0.5);
            Dataset<float> good = Blobs(16, 2, 2, seed: 9);
            new Trainer<float>(network, optimizer, new TrainerOptions { Epochs = 1, BatchSize = 8 }).Fit(good);
            TrainingSnapshot before = TrainingSnapshot.Take(network, optimizer);

            var features = new float[8 * 2];
            Array.Fill(features, 2e20f);
            var spiky = new Dataset<float>(features, 2, new int[8]);
            var trainer = new Trainer<float>(network, optimizer, new TrainerOptions { Epochs = 1, BatchSize = 8, Shuffle = false });
            var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(spiky));
            Assert.Equal(1, e.Batch);
            Assert.True(double.IsFinite(e.Loss) && double.IsFinite(e.GradientNorm), e.Message);
            Assert.Contains("State[1]", e.Message);
            before.AssertEqual(TrainingSnapshot.Take(network, optimizer), gradients: false);
            Assert.All(inner.State.ToArray(), s => Assert.True(float.IsFinite(s)));
        }

        [Theory]
        [InlineData(float.NaN)]
        [InlineData(float.PositiveInfinity)]
        [InlineData(float.NegativeInfinity)]
        public void NonFiniteFeature_IsFoundBeforeTheFirstBatch_WithTheSampleIndex(float bad)
        {
            var inner = new SoftmaxRegression<float>(3, 2, seed: 7);
            var network = new RandomStepping<float>(inner);
            var optimizer = new Adam<float>(0.01);
            Dataset<float> data = Blobs(400, 3, 2, seed: 3);
            data.Features[(371 * 3) + 2] = bad; // sample 371, feature 2: far beyond the first batches
            TrainingSnapshot before = TrainingSnapshot.Take(network, optimizer);
            var trainer = new Trainer<float>(network, optimizer, new TrainerOptions { Epochs = 2, BatchSize = 10 });

            var e = Assert.Throws<ArgumentException>(() => trainer.Fit(data));
            Assert.Contains("Sample 371", e.Message);
            Assert.Contains("feature 2", e.Message);
            Assert.Equal(0, inner.TrainSteps);
            before.AssertEqual(TrainingSnapshot.Take(network, optimizer));
        }

        [Fact]
        public void NonFiniteValidationFeature_OrTarget_IsFoundBeforeTheFirstBatch()
        {
            var inner = new SoftmaxRegression<float>(3, 2, seed: 7);
            var trainer = new Trainer<float>(inner, new Sgd<float>(0.1), new TrainerOptions { Epochs = 1, BatchSize = 4 });
            Dataset<float> validation = Blobs(30, 3, 2, seed: 4);
            validation.Features[(29 * 3) + 0] = float.NaN;
            var e = Assert.Throws<ArgumentException>(() => trainer.Fit(Blobs(20, 3, 2, seed: 2), validation));
            Assert.Contains("Sample 29 of the validation set", e.Message);

            var targets = Enumerable.Range(0, 40).Select(i => (float)(i % 2)).ToArray();
            targets[33] = float.PositiveInfinity;
            var regression = new Dataset<float>(new float[20 * 3], 3, targets, 2);
            e = Assert.Throws<ArgumentException>(() => trainer.Fit(regression));
            Assert.Contains("Sample 16", e.Message);
            Assert.Contains("target 1", e.Message);
            Assert.Equal(0, inner.TrainSteps);
        }

        /// <summary>Labels unrelated to the features: no weights fit them, so the gradient never vanishes.</summary>
        internal static Dataset<float> Noise(int count, int features, int classes, ulong seed)
        {
            var x = new float[count * features];
            var labels = new int[count];
            ulong s = seed;
            for (int i = 0; i < x.Length + count; i++)
            {
                s = (s * 6364136223846793005UL) + 1442695040888963407UL;
                double u = (s >> 11) * (1.0 / (1UL << 53));
                if (i < x.Length)
                {
                    x[i] = (float)((2 * u) - 1);
                }
                else
                {
                    labels[i - x.Length] = (int)(u * classes);
                }
            }

            return new Dataset<float>(x, features, labels);
        }

        /// <summary>Class blobs: sample i has label i mod classes and features around ±1 from a fixed generator.</summary>
        internal static Dataset<float> Blobs(int count, int features, int classes, ulong seed)
        {
            var x = new float[count * features];
            var labels = new int[count];
            ulong s = seed;
            for (int i = 0; i < count; i++)
            {
                labels[i] = i % classes;
                for (int j = 0; j < features; j++)
                {
                    s = (s * 6364136223846793005UL) + 1442695040888963407UL;
                    double noise = ((s >> 11) * (1.0 / (1UL << 53))) - 0.5;
                    x[(i * features) + j] = (float)((((labels[i] + j) % classes) == 0 ? -1.0 : 1.0) + noise);
                }
            }

            return new Dataset<float>(x, features, labels);
        }
    }
}
