using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using NetGen;

namespace NetGen.Runtime.Tests.Training
{
    /// <summary>
    /// A hand-written INetwork: softmax regression (one Dense layer fused with softmax cross-entropy), with a
    /// BatchNorm-like state of two values (running mean and running variance of the mean input feature, momentum 0.9)
    /// so that checkpoints and early stopping have state to save and restore. Used instead of a generated network.
    /// </summary>
    public sealed class SoftmaxRegression<T> : INetwork<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[] _parameters;
        private readonly T[] _gradients;
        private readonly T[] _state = new T[2];
        private T[] _probabilities = Array.Empty<T>();

        public SoftmaxRegression(int inputSize, int outputSize, ulong seed = 0, string? architecture = null)
        {
            InputSize = inputSize;
            OutputSize = outputSize;
            _parameters = new T[outputSize * inputSize + outputSize];
            _gradients = new T[_parameters.Length];
            _state[1] = T.One;
            if (seed != 0)
            {
                ulong s = seed;
                for (int i = 0; i < outputSize * inputSize; i++)
                {
                    s = s * 6364136223846793005UL + 1442695040888963407UL;
                    _parameters[i] = T.CreateChecked(((s >> 11) * (1.0 / (1UL << 53)) - 0.5) * 0.02);
                }
            }

            string precision = typeof(T) == typeof(float) ? "Single" : "Double";
            Architecture = architecture ?? string.Create(CultureInfo.InvariantCulture, $"Input({inputSize}) → Dense({outputSize}) → Softmax; SoftmaxCrossEntropy; {precision}");
            Layers = new[]
            {
                new LayerView<T>(1, "Dense1", "Dense", new[] { outputSize }, new[]
                {
                    new ParameterView<T>("W", _parameters, _gradients, 0, new[] { outputSize, inputSize }),
                    new ParameterView<T>("b", _parameters, _gradients, outputSize * inputSize, new[] { outputSize }),
                }),
            };
        }

        public int InputSize { get; }

        public int OutputSize { get; }

        public int ParameterCount => _parameters.Length;

        public LossFunction Loss => LossFunction.SoftmaxCrossEntropy;

        public string Architecture { get; }

        public Span<T> Parameters => _parameters;

        public Span<T> Gradients => _gradients;

        public Span<T> State => _state;

        public IReadOnlyList<LayerView<T>> Layers { get; }

        public ulong RandomState { get; set; }

        /// <summary>The number of TrainStep calls.</summary>
        public int TrainSteps { get; private set; }

        public void Predict(ReadOnlySpan<T> inputs, Span<T> outputs)
        {
            int batch = Batch(inputs);
            if (outputs.Length != batch * OutputSize)
            {
                throw new ArgumentException("outputs");
            }

            Forward(inputs, outputs, batch);
        }

        public T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels) => Step(inputs, labels, default, default, train: true);

        public T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets) => Step(inputs, default, targets, default, train: true);

        public T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, Span<T> outputs) => Step(inputs, labels, default, Outputs(inputs, outputs), train: true);

        public T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> outputs) => Step(inputs, default, targets, Outputs(inputs, outputs), train: true);

        public T Evaluate(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels) => Step(inputs, labels, default, default, train: false);

        public T Evaluate(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets) => Step(inputs, default, targets, default, train: false);

        /// <summary>The number of TrainStep calls that asked for the outputs.</summary>
        public int StepsWithOutputs { get; private set; }

        private Span<T> Outputs(ReadOnlySpan<T> inputs, Span<T> outputs)
        {
            if (outputs.Length != Batch(inputs) * OutputSize)
            {
                throw new ArgumentException("outputs");
            }

            StepsWithOutputs++;
            return outputs;
        }

        // The inference graph: Dense then Softmax (the feature statistics in State are not part of it).
        public void ExportOnnx(System.IO.Stream destination, OnnxExportOptions? options = null) => Graph(options).Save(destination);

        public void ExportOnnx(string path, OnnxExportOptions? options = null) => Graph(options).Save(path);

        private OnnxGraphBuilder<T> Graph(OnnxExportOptions? options)
        {
            var graph = new OnnxGraphBuilder<T>("SoftmaxRegression", Architecture, options, InputSize);
            graph.Dense("Dense1", _parameters.AsSpan(0, OutputSize * InputSize), _parameters.AsSpan(OutputSize * InputSize), InputSize, OutputSize);
            graph.Softmax("Softmax2", OutputSize);
            return graph;
        }

        private int Batch(ReadOnlySpan<T> inputs)
        {
            if (inputs.Length == 0 || inputs.Length % InputSize != 0)
            {
                throw new ArgumentException($"Expected a whole number of samples of {InputSize}.", nameof(inputs));
            }

            return inputs.Length / InputSize;
        }

        private void Forward(ReadOnlySpan<T> inputs, Span<T> probabilities, int batch)
        {
            int n = InputSize, k = OutputSize;
            ReadOnlySpan<T> w = _parameters.AsSpan(0, k * n);
            ReadOnlySpan<T> b = _parameters.AsSpan(k * n, k);
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<T> x = inputs.Slice(s * n, n);
                Span<T> p = probabilities.Slice(s * k, k);
                T max = T.NegativeInfinity;
                for (int j = 0; j < k; j++)
                {
                    T z = b[j];
                    ReadOnlySpan<T> row = w.Slice(j * n, n);
                    for (int i = 0; i < n; i++)
                    {
                        z += row[i] * x[i];
                    }

                    p[j] = z;
                    max = T.Max(max, z);
                }

                T sum = T.Zero;
                for (int j = 0; j < k; j++)
                {
                    p[j] = T.Exp(p[j] - max);
                    sum += p[j];
                }

                for (int j = 0; j < k; j++)
                {
                    p[j] /= sum;
                }
            }
        }

        private T Step(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<T> targets, Span<T> outputs, bool train)
        {
            int batch = Batch(inputs);
            int n = InputSize, k = OutputSize;
            bool useLabels = targets.IsEmpty;
            if (useLabels ? labels.Length != batch : targets.Length != batch * k)
            {
                throw new ArgumentException("labels or targets");
            }

            if (_probabilities.Length < batch * k)
            {
                _probabilities = new T[batch * k];
            }

            Span<T> p = _probabilities.AsSpan(0, batch * k);
            Forward(inputs, p, batch);
            if (!outputs.IsEmpty)
            {
                p.CopyTo(outputs);
            }

            T loss = T.Zero;
            T tiny = T.CreateChecked(1e-30);
            for (int s = 0; s < batch; s++)
            {
                for (int j = 0; j < k; j++)
                {
                    T t = useLabels ? (labels[s] == j ? T.One : T.Zero) : targets[s * k + j];
                    if (t != T.Zero)
                    {
                        loss -= t * T.Log(p[s * k + j] + tiny);
                    }

                    p[s * k + j] -= t; // δ = p − t
                }
            }

            T inverseBatch = T.One / T.CreateChecked(batch);
            loss *= inverseBatch;
            if (!train)
            {
                return loss;
            }

            TrainSteps++;
            Array.Clear(_gradients);
            Span<T> dw = _gradients.AsSpan(0, k * n);
            Span<T> db = _gradients.AsSpan(k * n, k);
            T mean = T.Zero;
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<T> x = inputs.Slice(s * n, n);
                for (int i = 0; i < n; i++)
                {
                    mean += x[i];
                }

                for (int j = 0; j < k; j++)
                {
                    T d = p[s * k + j] * inverseBatch;
                    db[j] += d;
                    Span<T> row = dw.Slice(j * n, n);
                    for (int i = 0; i < n; i++)
                    {
                        row[i] += d * x[i];
                    }
                }
            }

            mean /= T.CreateChecked(batch * n);
            T momentum = T.CreateChecked(0.9);
            T delta = mean - _state[0];
            _state[0] = momentum * _state[0] + (T.One - momentum) * mean;
            _state[1] = momentum * _state[1] + (T.One - momentum) * delta * delta;
            return loss;
        }
    }

    /// <summary>
    /// Passes every member to an inner network; a test double overrides only what it changes (the training steps, the
    /// dropout generator's state).
    /// </summary>
    public abstract class DelegatingNetwork<T> : INetwork<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        protected DelegatingNetwork(INetwork<T> inner) => Inner = inner;

        protected INetwork<T> Inner { get; }

        public int InputSize => Inner.InputSize;

        public int OutputSize => Inner.OutputSize;

        public int ParameterCount => Inner.ParameterCount;

        public LossFunction Loss => Inner.Loss;

        public string Architecture => Inner.Architecture;

        public Span<T> Parameters => Inner.Parameters;

        public Span<T> Gradients => Inner.Gradients;

        public Span<T> State => Inner.State;

        public IReadOnlyList<LayerView<T>> Layers => Inner.Layers;

        public virtual ulong RandomState { get => Inner.RandomState; set => Inner.RandomState = value; }

        public void Predict(ReadOnlySpan<T> inputs, Span<T> outputs) => Inner.Predict(inputs, outputs);

        public virtual T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels) => Inner.TrainStep(inputs, labels);

        public virtual T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets) => Inner.TrainStep(inputs, targets);

        public virtual T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, Span<T> outputs) => Inner.TrainStep(inputs, labels, outputs);

        public virtual T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> outputs) => Inner.TrainStep(inputs, targets, outputs);

        public T Evaluate(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels) => Inner.Evaluate(inputs, labels);

        public T Evaluate(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets) => Inner.Evaluate(inputs, targets);

        public void ExportOnnx(System.IO.Stream destination, OnnxExportOptions? options = null) => Inner.ExportOnnx(destination, options);

        public void ExportOnnx(string path, OnnxExportOptions? options = null) => Inner.ExportOnnx(path, options);

        public void Jvp(ReadOnlySpan<T> inputs, ReadOnlySpan<T> inputTangents, ReadOnlySpan<T> parameterTangents, Span<T> outputs, Span<T> outputTangents) =>
            Inner.Jvp(inputs, inputTangents, parameterTangents, outputs, outputTangents);

        public T LossJvp(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<T> parameterTangents) => Inner.LossJvp(inputs, labels, parameterTangents);

        public T LossJvp(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> parameterTangents) => Inner.LossJvp(inputs, targets, parameterTangents);
    }

    /// <summary>Wraps a network and returns a NaN loss (and NaN gradients and state) on chosen TrainStep calls.</summary>
    public sealed class FaultyNetwork<T> : DelegatingNetwork<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly int _failingStep;
        private readonly bool _gradientOnly;

        /// <param name="inner">The working network.</param>
        /// <param name="failingStep">The 1-based TrainStep call that goes wrong.</param>
        /// <param name="gradientOnly">Only the gradient becomes NaN; the loss stays finite.</param>
        public FaultyNetwork(INetwork<T> inner, int failingStep, bool gradientOnly = false)
            : base(inner)
        {
            _failingStep = failingStep;
            _gradientOnly = gradientOnly;
        }

        public int Steps { get; private set; }

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels) => Poison(Inner.TrainStep(inputs, labels));

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets) => Poison(Inner.TrainStep(inputs, targets));

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, Span<T> outputs) => Poison(Inner.TrainStep(inputs, labels, outputs));

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> outputs) => Poison(Inner.TrainStep(inputs, targets, outputs));

        private T Poison(T loss)
        {
            Steps++;
            if (Steps != _failingStep)
            {
                return loss;
            }

            Inner.Gradients.Fill(T.NaN);
            Inner.State.Fill(T.NaN);
            return _gradientOnly ? loss : T.NaN;
        }
    }

    /// <summary>
    /// A one-parameter network whose gradient is always −1 and whose validation loss is (θ − 3)²: with SGD at learning
    /// rate 1 and one batch per epoch, θ after epoch e is e, so the validation loss is best at epoch 3. Its state counts
    /// the TrainStep calls.
    /// </summary>
    public sealed class ScriptedNetwork : INetwork<double>
    {
        private readonly double[] _parameters = new double[1];
        private readonly double[] _gradients = new double[1];
        private readonly double[] _state = new double[1];

        public int InputSize => 1;

        public int OutputSize => 2;

        public int ParameterCount => 1;

        public LossFunction Loss => LossFunction.SoftmaxCrossEntropy;

        public string Architecture => "Scripted";

        public Span<double> Parameters => _parameters;

        public Span<double> Gradients => _gradients;

        public Span<double> State => _state;

        public IReadOnlyList<LayerView<double>> Layers => Array.Empty<LayerView<double>>();

        public ulong RandomState { get; set; }

        /// <summary>The number of TrainStep calls.</summary>
        public int TrainSteps { get; private set; }

        /// <summary>Called at the start of every TrainStep with the 1-based call number.</summary>
        public Action<int>? OnTrainStep { get; set; }

        public void Predict(ReadOnlySpan<double> inputs, Span<double> outputs)
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                outputs[2 * i] = 1;
                outputs[2 * i + 1] = 0;
            }
        }

        public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels)
        {
            TrainSteps++;
            OnTrainStep?.Invoke(TrainSteps);
            _gradients[0] = -1;
            _state[0] += 1;
            return Evaluate(inputs, labels);
        }

        public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets) => throw new NotSupportedException();

        // The training-mode outputs are those of Predict: this network has no dropout or batch statistics.
        public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels, Span<double> outputs)
        {
            Predict(inputs, outputs);
            return TrainStep(inputs, labels);
        }

        public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, Span<double> outputs) => throw new NotSupportedException();

        public double Evaluate(ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels) => (_parameters[0] - 3) * (_parameters[0] - 3);

        public double Evaluate(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets) => throw new NotSupportedException();

        public void ExportOnnx(System.IO.Stream destination, OnnxExportOptions? options = null) => throw new NotSupportedException("A scripted loss has no layers to export.");

        public void ExportOnnx(string path, OnnxExportOptions? options = null) => throw new NotSupportedException("A scripted loss has no layers to export.");
    }

    internal static class TestDatasets
    {
        /// <summary>The repository's <c>data/fashion-mnist-subset</c>, found by walking up from the test binaries.</summary>
        public static string FashionMnistSubset
        {
            get
            {
                for (string? dir = AppContext.BaseDirectory; dir is not null; dir = System.IO.Path.GetDirectoryName(dir))
                {
                    string candidate = System.IO.Path.Combine(dir, "data", "fashion-mnist-subset");
                    if (System.IO.Directory.Exists(candidate))
                    {
                        return candidate;
                    }
                }

                throw new InvalidOperationException("data/fashion-mnist-subset not found above " + AppContext.BaseDirectory);
            }
        }

        /// <summary>Two Gaussian-ish blobs in 2-D, labels 0 and 1, from a fixed generator.</summary>
        public static NetGen.Data.Dataset<double> Blobs(int count, ulong seed)
        {
            var features = new double[count * 2];
            var labels = new int[count];
            ulong s = seed;
            for (int i = 0; i < count; i++)
            {
                labels[i] = i % 2;
                for (int j = 0; j < 2; j++)
                {
                    s = s * 6364136223846793005UL + 1442695040888963407UL;
                    double noise = (s >> 11) * (1.0 / (1UL << 53)) - 0.5;
                    features[i * 2 + j] = (labels[i] == 0 ? -1.0 : 1.0) + noise;
                }
            }

            return new NetGen.Data.Dataset<double>(features, 2, labels);
        }
    }
}
