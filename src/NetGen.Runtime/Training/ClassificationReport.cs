using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Text;
using NetGen.Data;

namespace NetGen.Training
{
    /// <summary>
    /// Per-class precision, recall, F1 and support, with macro and weighted averages, from a confusion matrix (as
    /// scikit-learn's <c>classification_report</c> or Keras' <c>Precision</c>/<c>Recall</c> metrics per class).
    /// </summary>
    /// <remarks>
    /// For class <c>c</c> with true positives <c>TP</c>, false positives <c>FP</c> and false negatives <c>FN</c>:
    /// precision = TP/(TP + FP), recall = TP/(TP + FN), F1 = 2·precision·recall/(precision + recall). A ratio whose
    /// denominator is 0 (a class never predicted, or never present) is 0, as scikit-learn's <c>zero_division=0</c>.
    /// </remarks>
    public sealed class ClassificationReport
    {
        private ClassificationReport(int[,] confusion, IReadOnlyList<string>? classNames)
        {
            int classes = confusion.GetLength(0);
            ConfusionMatrix = confusion;
            var precision = new double[classes];
            var recall = new double[classes];
            var f1 = new double[classes];
            var support = new int[classes];
            long total = 0;
            long correct = 0;
            for (int c = 0; c < classes; c++)
            {
                long truePositives = confusion[c, c];
                long predicted = 0;
                long actual = 0;
                for (int k = 0; k < classes; k++)
                {
                    predicted += confusion[k, c];
                    actual += confusion[c, k];
                }

                precision[c] = Ratio(truePositives, predicted);
                recall[c] = Ratio(truePositives, actual);
                f1[c] = precision[c] + recall[c] == 0 ? 0 : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
                support[c] = (int)actual;
                total += actual;
                correct += truePositives;
            }

            Precision = precision;
            Recall = recall;
            F1 = f1;
            Support = support;
            Count = (int)total;
            Accuracy = Ratio(correct, total);
            MacroF1 = Mean(f1, null);
            MacroPrecision = Mean(precision, null);
            MacroRecall = Mean(recall, null);
            WeightedF1 = Mean(f1, support);
            ClassNames = classNames is not null && classNames.Count == classes ? classNames : null;
        }

        /// <summary>The confusion matrix <c>[actual, predicted]</c> the report was computed from.</summary>
        public int[,] ConfusionMatrix { get; }

        /// <summary>The class names, when the data had as many as there are classes; else null.</summary>
        public IReadOnlyList<string>? ClassNames { get; }

        /// <summary>The number of classes.</summary>
        public int ClassCount => Precision.Count;

        /// <summary>Precision per class: of the samples predicted as the class, the fraction that are.</summary>
        public IReadOnlyList<double> Precision { get; }

        /// <summary>Recall per class: of the samples of the class, the fraction predicted as it.</summary>
        public IReadOnlyList<double> Recall { get; }

        /// <summary>F1 per class: the harmonic mean of precision and recall.</summary>
        public IReadOnlyList<double> F1 { get; }

        /// <summary>The number of samples of each class.</summary>
        public IReadOnlyList<int> Support { get; }

        /// <summary>The number of samples.</summary>
        public int Count { get; }

        /// <summary>The fraction classified correctly.</summary>
        public double Accuracy { get; }

        /// <summary>The unweighted mean of the per-class precisions.</summary>
        public double MacroPrecision { get; }

        /// <summary>The unweighted mean of the per-class recalls.</summary>
        public double MacroRecall { get; }

        /// <summary>The unweighted mean of the per-class F1 scores.</summary>
        public double MacroF1 { get; }

        /// <summary>The mean of the per-class F1 scores weighted by support.</summary>
        public double WeightedF1 { get; }

        /// <summary>The report of a confusion matrix <c>[actual, predicted]</c> (square, counts ≥ 0).</summary>
        public static ClassificationReport FromConfusionMatrix(int[,] confusionMatrix, IReadOnlyList<string>? classNames = null)
        {
            ArgumentNullException.ThrowIfNull(confusionMatrix);
            int classes = confusionMatrix.GetLength(0);
            if (classes == 0 || confusionMatrix.GetLength(1) != classes)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A confusion matrix is square with at least one class, but this one is {classes} × {confusionMatrix.GetLength(1)}."), nameof(confusionMatrix));
            }

            foreach (int count in confusionMatrix)
            {
                if (count < 0)
                {
                    throw new ArgumentException("A confusion matrix holds counts ≥ 0.", nameof(confusionMatrix));
                }
            }

            return new ClassificationReport((int[,])confusionMatrix.Clone(), classNames);
        }

        /// <summary>A table like scikit-learn's: one row per class (precision, recall, F1, support), then accuracy and the averages.</summary>
        public override string ToString()
        {
            var names = new string[ClassCount];
            int width = "weighted avg".Length;
            for (int c = 0; c < ClassCount; c++)
            {
                names[c] = ClassNames?[c] ?? c.ToString(CultureInfo.InvariantCulture);
                width = Math.Max(width, names[c].Length);
            }

            var text = new StringBuilder();
            text.Append(string.Empty.PadRight(width)).Append("  precision     recall         f1    support\n");
            for (int c = 0; c < ClassCount; c++)
            {
                Row(text, names[c], width, Precision[c], Recall[c], F1[c], Support[c]);
            }

            text.Append('\n');
            text.Append("accuracy".PadRight(width)).Append(string.Empty.PadLeft(24)).Append(Format(Accuracy).PadLeft(11)).Append(Count.ToString(CultureInfo.InvariantCulture).PadLeft(11)).Append('\n');
            Row(text, "macro avg", width, MacroPrecision, MacroRecall, MacroF1, Count);
            Row(text, "weighted avg", width, Mean(Precision, Support), Mean(Recall, Support), WeightedF1, Count);
            return text.ToString();
        }

        private static void Row(StringBuilder text, string name, int width, double precision, double recall, double f1, int support) =>
            text.Append(name.PadRight(width)).Append(Format(precision).PadLeft(11)).Append(Format(recall).PadLeft(11))
                .Append(Format(f1).PadLeft(11)).Append(support.ToString(CultureInfo.InvariantCulture).PadLeft(11)).Append('\n');

        private static string Format(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

        private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

        private static double Mean(IReadOnlyList<double> values, IReadOnlyList<int>? weights)
        {
            double sum = 0;
            double total = 0;
            for (int i = 0; i < values.Count; i++)
            {
                double w = weights?[i] ?? 1;
                sum += w * values[i];
                total += w;
            }

            return total == 0 ? 0 : sum / total;
        }
    }

    /// <summary>Metrics that need the network's outputs for a whole dataset: per-class report, top-k accuracy.</summary>
    public static class ClassificationMetrics
    {
        /// <summary>Per-class precision, recall and F1 of <paramref name="network"/> on <paramref name="data"/> (inference mode; needs labels).</summary>
        public static ClassificationReport Report<T>(INetwork<T> network, Dataset<T> data, int batchSize = 256)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            ClassificationReport.FromConfusionMatrix(Metrics.ConfusionMatrix(network, data, batchSize), data.ClassNames);

        /// <summary>
        /// Top-k accuracy (Keras' <c>TopKCategoricalAccuracy</c>): the fraction of <paramref name="data"/> whose label is
        /// among the <paramref name="k"/> largest outputs. k = 1 is the accuracy.
        /// </summary>
        public static double TopKAccuracy<T>(INetwork<T> network, Dataset<T> data, int k, int batchSize = 256)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(data);
            ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
            int[] labels = data.Labels ?? throw new ArgumentException("Top-k accuracy needs class labels.", nameof(data));
            if (data.Count == 0)
            {
                return double.NaN;
            }

            int size = network.OutputSize;
            var outputs = new T[Math.Min(batchSize, data.Count) * size];
            int hits = 0;
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int n = Math.Min(batchSize, data.Count - start);
                Span<T> batch = outputs.AsSpan(0, n * size);
                network.Predict(data.Features.AsSpan(start * data.FeatureCount, n * data.FeatureCount), batch);
                hits += CountTopK<T>(batch, size, labels.AsSpan(start, n), k);
            }

            return (double)hits / data.Count;
        }

        /// <summary>
        /// How many rows of <paramref name="outputs"/> <c>[n × outputSize]</c> have their label among their
        /// <paramref name="k"/> largest values (between equal values the lower index ranks first, as with argmax).
        /// </summary>
        public static int CountTopK<T>(ReadOnlySpan<T> outputs, int outputSize, ReadOnlySpan<int> labels, int k)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
            if (outputs.Length != labels.Length * outputSize)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{outputs.Length} outputs are not {labels.Length} rows of {outputSize}."), nameof(outputs));
            }

            int hits = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                ReadOnlySpan<T> row = outputs.Slice(i * outputSize, outputSize);
                int label = labels[i];
                if ((uint)label >= (uint)outputSize)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Label {label} of row {i} is outside 0 … {outputSize - 1}."), nameof(labels));
                }

                // The label is in the top k when fewer than k values beat it (ties counted as beating it).
                T score = row[label];
                int better = 0;
                for (int j = 0; j < outputSize && better < k; j++)
                {
                    if (j != label && (row[j] > score || (row[j] == score && j < label)))
                    {
                        better++;
                    }
                }

                if (better < k)
                {
                    hits++;
                }
            }

            return hits;
        }
    }
}
