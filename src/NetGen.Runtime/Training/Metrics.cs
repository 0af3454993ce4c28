using System;
using System.Globalization;
using System.Numerics;
using NetGen.Data;

namespace NetGen.Training
{
    /// <summary>Classification metrics on network outputs.</summary>
    /// <remarks>
    /// A prediction is the index of the largest output (argmax); with a single output it is 1 when the output is
    /// ≥ 0.5 (a probability after a final Sigmoid) and 0 otherwise.
    /// </remarks>
    public static class Metrics
    {
        /// <summary>The predicted class of one sample's outputs: argmax, or the 0.5 threshold for a single output.</summary>
        public static int PredictedClass<T>(ReadOnlySpan<T> outputs)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (outputs.Length == 1)
            {
                return outputs[0] >= T.CreateChecked(0.5) ? 1 : 0;
            }

            return OneHot.ArgMax(outputs);
        }

        /// <summary>How many rows of <paramref name="outputs"/> <c>[n × outputSize]</c> predict their label.</summary>
        public static int CountCorrect<T>(ReadOnlySpan<T> outputs, int outputSize, ReadOnlySpan<int> labels)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            CheckRows(outputs.Length, outputSize, labels.Length);
            int correct = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                if (PredictedClass(outputs.Slice(i * outputSize, outputSize)) == labels[i])
                {
                    correct++;
                }
            }

            return correct;
        }

        /// <summary>
        /// How many rows of <paramref name="outputs"/> predict the class of their target row <c>[n × outputSize]</c>
        /// (a one-hot row's argmax, or a single target thresholded at 0.5).
        /// </summary>
        public static int CountCorrect<T>(ReadOnlySpan<T> outputs, int outputSize, ReadOnlySpan<T> targets)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
            if (targets.Length != outputs.Length || outputs.Length % outputSize != 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{outputs.Length} outputs and {targets.Length} targets are not equal whole numbers of rows of {outputSize}."), nameof(targets));
            }

            int correct = 0;
            for (int i = 0; i < outputs.Length; i += outputSize)
            {
                if (PredictedClass(outputs.Slice(i, outputSize)) == PredictedClass(targets.Slice(i, outputSize)))
                {
                    correct++;
                }
            }

            return correct;
        }

        /// <summary>The fraction of <paramref name="data"/> that <paramref name="network"/> classifies correctly (inference mode).</summary>
        public static double Accuracy<T>(INetwork<T> network, Dataset<T> data, int batchSize = 256)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(data);
            ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
            var evaluator = new Evaluator<T>(network, batchSize);
            return evaluator.Accuracy(data);
        }

        /// <summary>
        /// The confusion matrix: <c>[actual, predicted]</c> counts over <paramref name="data"/>, which must have labels.
        /// </summary>
        public static int[,] ConfusionMatrix<T>(INetwork<T> network, Dataset<T> data, int batchSize = 256)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(data);
            int[] labels = data.Labels ?? throw new ArgumentException("A confusion matrix needs class labels.", nameof(data));
            int classes = Math.Max(network.OutputSize == 1 ? 2 : network.OutputSize, data.ClassCount);
            var matrix = new int[classes, classes];
            var outputs = new T[Math.Min(batchSize, Math.Max(data.Count, 1)) * network.OutputSize];
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int n = Math.Min(batchSize, data.Count - start);
                Span<T> batch = outputs.AsSpan(0, n * network.OutputSize);
                network.Predict(data.Features.AsSpan(start * data.FeatureCount, n * data.FeatureCount), batch);
                for (int i = 0; i < n; i++)
                {
                    matrix[labels[start + i], PredictedClass<T>(batch.Slice(i * network.OutputSize, network.OutputSize))]++;
                }
            }

            return matrix;
        }

        private static void CheckRows(int outputs, int outputSize, int rows)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
            if (outputs != rows * outputSize)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{outputs} outputs are not {rows} rows of {outputSize}."), "outputs");
            }
        }
    }

    /// <summary>Loss and accuracy over a dataset in fixed-size batches, with buffers allocated once.</summary>
    internal sealed class Evaluator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly INetwork<T> _network;
        private readonly int _batchSize;
        private readonly T[] _outputs;

        public Evaluator(INetwork<T> network, int batchSize)
        {
            _network = network;
            _batchSize = batchSize;
            _outputs = new T[batchSize * network.OutputSize];
        }

        public int BatchSize => _batchSize;

        public double Loss(Dataset<T> data)
        {
            double sum = 0;
            for (int start = 0; start < data.Count; start += _batchSize)
            {
                int n = Math.Min(_batchSize, data.Count - start);
                ReadOnlySpan<T> inputs = data.Features.AsSpan(start * data.FeatureCount, n * data.FeatureCount);
                T loss = data.Labels is { } labels
                    ? _network.Evaluate(inputs, labels.AsSpan(start, n))
                    : _network.Evaluate(inputs, data.Targets.AsSpan(start * data.TargetSize, n * data.TargetSize));
                sum += double.CreateTruncating(loss) * n;
            }

            return data.Count == 0 ? double.NaN : sum / data.Count;
        }

        public double Accuracy(Dataset<T> data)
        {
            int size = _network.OutputSize;
            int correct = 0;
            for (int start = 0; start < data.Count; start += _batchSize)
            {
                int n = Math.Min(_batchSize, data.Count - start);
                Span<T> outputs = _outputs.AsSpan(0, n * size);
                _network.Predict(data.Features.AsSpan(start * data.FeatureCount, n * data.FeatureCount), outputs);
                correct += data.Labels is { } labels
                    ? Metrics.CountCorrect<T>(outputs, size, labels.AsSpan(start, n))
                    : Metrics.CountCorrect<T>(outputs, size, data.Targets.AsSpan(start * size, n * size));
            }

            return data.Count == 0 ? double.NaN : (double)correct / data.Count;
        }
    }
}
