using System;
using NetGen.Training;

namespace NetGen.Runtime.Tests.Training
{
    public class ClassificationReportTests
    {
        [Fact]
        public void Precision_recall_and_F1_per_class_from_a_confusion_matrix()
        {
            // Rows: actual, columns: predicted.
            int[,] confusion =
            {
                { 5, 1, 0 },  // class 0: 6 samples, 5 right
                { 2, 3, 1 },  // class 1: 6 samples, 3 right
                { 0, 0, 0 },  // class 2: never present, predicted once
            };
            ClassificationReport report = ClassificationReport.FromConfusionMatrix(confusion, new[] { "cat", "dog", "bird" });

            Assert.Equal(5.0 / 7, report.Precision[0], 12);
            Assert.Equal(5.0 / 6, report.Recall[0], 12);
            Assert.Equal(2 * (5.0 / 7) * (5.0 / 6) / ((5.0 / 7) + (5.0 / 6)), report.F1[0], 12);
            Assert.Equal(3.0 / 4, report.Precision[1], 12);
            Assert.Equal(3.0 / 6, report.Recall[1], 12);
            Assert.Equal(0, report.Precision[2]); // 0 of 1 prediction right
            Assert.Equal(0, report.Recall[2]);    // no sample: 0, as scikit-learn's zero_division=0
            Assert.Equal(new[] { 6, 6, 0 }, report.Support);
            Assert.Equal(8.0 / 12, report.Accuracy, 12);
            Assert.Equal((report.F1[0] + report.F1[1] + report.F1[2]) / 3, report.MacroF1, 12);
            Assert.Equal(((6 * report.F1[0]) + (6 * report.F1[1])) / 12, report.WeightedF1, 12);

            string[] lines = report.ToString().Split('\n');
            Assert.Equal("              precision     recall         f1    support", lines[0]);
            Assert.Equal("cat              0.7143     0.8333     0.7692          6", lines[1]);
            Assert.StartsWith("accuracy", lines[5]);
            Assert.EndsWith("0.6667         12", lines[5]);
        }

        [Fact]
        public void A_matrix_that_is_not_square_or_has_negative_counts_is_refused()
        {
            Assert.Throws<ArgumentException>(() => ClassificationReport.FromConfusionMatrix(new int[2, 3]));
            Assert.Throws<ArgumentException>(() => ClassificationReport.FromConfusionMatrix(new[,] { { 1, -1 }, { 0, 1 } }));
        }

        [Fact]
        public void Top_k_counts_a_label_among_the_k_largest_outputs()
        {
            double[] outputs =
            {
                0.1, 0.5, 0.4,   // label 2: second largest
                0.3, 0.3, 0.4,   // label 1: tied with 0, which ranks first (argmax order): third
                0.7, 0.2, 0.1,   // label 0: largest
            };
            int[] labels = { 2, 1, 0 };
            Assert.Equal(1, ClassificationMetrics.CountTopK<double>(outputs, 3, labels, 1));
            Assert.Equal(2, ClassificationMetrics.CountTopK<double>(outputs, 3, labels, 2));
            Assert.Equal(3, ClassificationMetrics.CountTopK<double>(outputs, 3, labels, 3));
            Assert.Equal(Metrics.CountCorrect<double>(outputs, 3, labels), ClassificationMetrics.CountTopK<double>(outputs, 3, labels, 1));
            Assert.Throws<ArgumentException>(() => ClassificationMetrics.CountTopK<double>(outputs, 3, new[] { 2, 1, 3 }, 1));
        }
    }
}
