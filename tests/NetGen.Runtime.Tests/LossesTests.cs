using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    public abstract class LossesTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static readonly double Tolerance = TestMath.Tolerance<T>();

        public static IEnumerable<object[]> Shapes()
        {
            int[][] shapes = [[1, 1], [1, 2], [3, 4], [2, 7], [1, 8], [4, 9], [2, 15], [1, 16], [3, 17]];
            foreach (int[] shape in shapes)
            {
                yield return [shape[0], shape[1]];
            }
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void MeanSquaredError_matches_the_reference(int batch, int outputs)
        {
            double[] y = TestMath.Rounded<T>(TestMath.Uniform(batch * outputs, 1));
            double[] t = TestMath.Rounded<T>(TestMath.Uniform(batch * outputs, 2));
            double loss = 0;
            var expected = new double[y.Length];
            for (int i = 0; i < y.Length; i++)
            {
                loss += 0.5 * (y[i] - t[i]) * (y[i] - t[i]);
                expected[i] = (y[i] - t[i]) / batch;
            }

            loss /= batch;
            T[] dy = TestMath.Garbage<T>(y.Length);
            T value = Losses.MeanSquaredError<T>(TestMath.To<T>(y), TestMath.To<T>(t), dy, batch, outputs);
            TestMath.Close(loss, double.CreateTruncating(value), Tolerance, "loss");
            TestMath.AllClose(expected, dy, Tolerance, "dy");
            Assert.Equal(value, Losses.MeanSquaredError<T>(TestMath.To<T>(y), TestMath.To<T>(t), Span<T>.Empty, batch, outputs));
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void BinaryCrossEntropyWithLogits_matches_the_reference(int batch, int outputs)
        {
            double[] z = TestMath.Rounded<T>(TestMath.Uniform(batch * outputs, 3, -6, 6));
            double[] t = TestMath.Rounded<T>(TestMath.Uniform(batch * outputs, 4, 0, 1));
            var p = new double[z.Length];
            double loss = 0;
            var expected = new double[z.Length];
            for (int i = 0; i < z.Length; i++)
            {
                p[i] = 1 / (1 + Math.Exp(-z[i]));
                loss -= (t[i] * Math.Log(p[i])) + ((1 - t[i]) * Math.Log(1 - p[i]));
                expected[i] = (p[i] - t[i]) / batch;
            }

            loss /= batch;
            T[] dLogits = TestMath.Garbage<T>(z.Length);
            T value = Losses.BinaryCrossEntropyWithLogits<T>(TestMath.To<T>(z), TestMath.To<T>(p), TestMath.To<T>(t), dLogits, batch, outputs);
            TestMath.Close(loss, double.CreateTruncating(value), 1e-9 + Tolerance, "loss");
            TestMath.AllClose(expected, dLogits, Tolerance, "dLogits");
            Assert.Equal(value, Losses.BinaryCrossEntropyWithLogits<T>(TestMath.To<T>(z), ReadOnlySpan<T>.Empty, TestMath.To<T>(t), Span<T>.Empty, batch, outputs));
        }

        [Fact]
        public void BinaryCrossEntropyWithLogits_is_stable_for_large_logits()
        {
            T[] z = TestMath.To<T>([100, -100, 800, -800]);
            T[] t = TestMath.To<T>([0, 1, 1, 0]);
            T loss = Losses.BinaryCrossEntropyWithLogits<T>(z, ReadOnlySpan<T>.Empty, t, Span<T>.Empty, 1, 4);
            TestMath.Close(200, double.CreateTruncating(loss), Tolerance, "loss");
        }

        // Besides the common shapes: a batch over several of the loss's chunks of rows (the last one partial), a row that
        // fills a chunk alone, and rows too wide for a chunk (the scalar loop).
        public static IEnumerable<object[]> SoftmaxShapes() =>
            Shapes().Concat([[130, 10], [52, 10], [2, 512], [3, 513]]);

        [Theory]
        [MemberData(nameof(SoftmaxShapes))]
        public void SoftmaxCrossEntropy_matches_the_reference(int batch, int classes)
        {
            double[] z = TestMath.Rounded<T>(TestMath.Uniform(batch * classes, 5, -4, 4));
            var t = new double[z.Length];
            for (int s = 0; s < batch; s++)
            {
                t[(s * classes) + ((s * 7) % classes)] = 1;
            }

            double[] p = SoftmaxReference(z, batch, classes);
            double loss = 0;
            var expected = new double[z.Length];
            for (int i = 0; i < z.Length; i++)
            {
                loss -= t[i] * Math.Log(p[i]);
                expected[i] = (p[i] - t[i]) / batch;
            }

            loss /= batch;
            T[] dLogits = TestMath.Garbage<T>(z.Length);
            T value = Losses.SoftmaxCrossEntropy<T>(TestMath.To<T>(z), TestMath.To<T>(p), TestMath.To<T>(t), dLogits, batch, classes);
            TestMath.Close(loss, double.CreateTruncating(value), 1e-9 + Tolerance, "loss");
            TestMath.AllClose(expected, dLogits, Tolerance, "dLogits");
            Assert.Equal(value, Losses.SoftmaxCrossEntropy<T>(TestMath.To<T>(z), ReadOnlySpan<T>.Empty, TestMath.To<T>(t), Span<T>.Empty, batch, classes));
        }

        [Theory]
        [InlineData(60, 10, 0)]
        [InlineData(60, 10, 57 * 10 + 3)]
        [InlineData(2, 600, 601)]
        public void SoftmaxCrossEntropy_of_a_NaN_logit_is_NaN(int batch, int classes, int nanAt)
        {
            T[] z = TestMath.To<T>(TestMath.Uniform(batch * classes, 9, -3, 3));
            z[nanAt] = T.NaN;
            var t = new T[z.Length];
            for (int s = 0; s < batch; s++)
            {
                t[s * classes] = T.One;
            }

            Assert.True(T.IsNaN(Losses.SoftmaxCrossEntropy<T>(z, ReadOnlySpan<T>.Empty, t, Span<T>.Empty, batch, classes)));
        }

        [Fact]
        public void SoftmaxCrossEntropy_uses_log_sum_exp()
        {
            // Logits far beyond exp's range: lse = 1000 + log(1 + e⁻¹ + e⁻²).
            T[] z = TestMath.To<T>([1000, 999, 998]);
            T[] t = TestMath.To<T>([0, 0, 1]);
            T loss = Losses.SoftmaxCrossEntropy<T>(z, ReadOnlySpan<T>.Empty, t, Span<T>.Empty, 1, 3);
            TestMath.Close(2 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2)), double.CreateTruncating(loss), Tolerance, "loss");
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void MulticlassHinge_matches_the_reference(int batch, int classes)
        {
            double[] scores = TestMath.Rounded<T>(TestMath.Uniform(batch * classes, 6, -1.5, 1.5));
            double[] targets = new double[scores.Length];
            var labels = new int[batch];
            for (int s = 0; s < batch; s++)
            {
                labels[s] = (s * 5) % classes;
                targets[(s * classes) + labels[s]] = 1;
            }

            double loss = 0;
            var expected = new double[scores.Length];
            for (int s = 0; s < batch; s++)
            {
                int y = labels[s];
                for (int j = 0; j < classes; j++)
                {
                    double margin = scores[(s * classes) + j] - scores[(s * classes) + y] + 1;
                    if (j != y && margin > 0)
                    {
                        loss += margin;
                        expected[(s * classes) + j] = 1.0 / batch;
                        expected[(s * classes) + y] -= 1.0 / batch;
                    }
                }
            }

            loss /= batch;
            T[] dScores = TestMath.Garbage<T>(scores.Length);
            T value = Losses.MulticlassHinge<T>(TestMath.To<T>(scores), TestMath.To<T>(targets), dScores, batch, classes);
            TestMath.Close(loss, double.CreateTruncating(value), Tolerance * classes, "loss");
            TestMath.AllClose(expected, dScores, Tolerance, "dScores");
            Assert.Equal(value, Losses.MulticlassHinge<T>(TestMath.To<T>(scores), TestMath.To<T>(targets), Span<T>.Empty, batch, classes));
        }

        [Fact]
        public void MulticlassHinge_takes_the_class_from_the_argmax_of_the_target_row()
        {
            // Target row peaks at class 2; margins: class 0: 0.5 − 2 + 1 < 0, class 1: 2.5 − 2 + 1 = 1.5.
            T[] scores = TestMath.To<T>([0.5, 2.5, 2]);
            T[] targets = TestMath.To<T>([0.1, 0.2, 0.7]);
            var dScores = new T[3];
            T loss = Losses.MulticlassHinge<T>(scores, targets, dScores, 1, 3);
            TestMath.Close(1.5, double.CreateTruncating(loss), Tolerance, "loss");
            Assert.Equal(TestMath.To<T>([0, 1, -1]), dScores);
        }

        [Fact]
        public void MulticlassHinge_takes_the_first_argmax_when_the_target_row_has_ties()
        {
            // Classes 0 and 2 tie in the target; class 0 is y. Margins: class 1: 0 − 1 + 1 = 0 (none), class 2: 3 − 1 + 1 = 3.
            T[] scores = TestMath.To<T>([1, 0, 3]);
            T[] targets = TestMath.To<T>([0.5, 0, 0.5]);
            var dScores = new T[3];
            T loss = Losses.MulticlassHinge<T>(scores, targets, dScores, 1, 3);
            TestMath.Close(3, double.CreateTruncating(loss), Tolerance, "loss");
            Assert.Equal(TestMath.To<T>([-1, 0, 1]), dScores);
        }

        [Fact]
        public void An_empty_batch_has_loss_zero()
        {
            Assert.Equal(T.Zero, Losses.MeanSquaredError<T>(ReadOnlySpan<T>.Empty, ReadOnlySpan<T>.Empty, Span<T>.Empty, 0, 3));
            Assert.Equal(T.Zero, Losses.BinaryCrossEntropyWithLogits<T>(ReadOnlySpan<T>.Empty, ReadOnlySpan<T>.Empty, ReadOnlySpan<T>.Empty, Span<T>.Empty, 0, 1));
            Assert.Equal(T.Zero, Losses.SoftmaxCrossEntropy<T>(ReadOnlySpan<T>.Empty, ReadOnlySpan<T>.Empty, ReadOnlySpan<T>.Empty, Span<T>.Empty, 0, 3));
            Assert.Equal(T.Zero, Losses.MulticlassHinge<T>(ReadOnlySpan<T>.Empty, ReadOnlySpan<T>.Empty, Span<T>.Empty, 0, 3));
        }

        [Fact]
        public void Losses_reject_wrong_lengths_naming_the_expected_size()
        {
            var error = Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError<T>(new T[6], new T[5], Span<T>.Empty, 2, 3));
            Assert.Equal("targets", error.ParamName);
            Assert.Contains("expected 6 (batch × outputs)", error.Message);

            error = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy<T>(new T[6], ReadOnlySpan<T>.Empty, new T[6], new T[6], 2, 3));
            Assert.Equal("probabilities", error.ParamName);

            error = Assert.Throws<ArgumentException>(() => Losses.MulticlassHinge<T>(new T[6], new T[6], new T[4], 2, 3));
            Assert.Equal("dScores", error.ParamName);
            Assert.Contains("or empty", error.Message);
        }

        [Fact]
        public void LabelsToTargets_writes_one_hot_rows()
        {
            T[] targets = TestMath.Garbage<T>(12);
            Losses.LabelsToTargets<T>([2, 0, 3], targets, 4);
            Assert.Equal(TestMath.To<T>([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]), targets);
        }

        [Fact]
        public void LabelsToTargets_with_one_output_uses_the_label_itself()
        {
            T[] targets = TestMath.Garbage<T>(3);
            Losses.LabelsToTargets<T>([1, 0, 1], targets, 1);
            Assert.Equal(TestMath.To<T>([1, 0, 1]), targets);

            var error = Assert.Throws<ArgumentException>(() => Losses.LabelsToTargets<T>([0, 2], new T[2], 1));
            Assert.Contains("labels[1] is 2", error.Message);
        }

        [Fact]
        public void LabelsToTargets_rejects_a_label_out_of_range()
        {
            var error = Assert.Throws<ArgumentException>(() => Losses.LabelsToTargets<T>([1, 4, 0], new T[12], 4));
            Assert.Contains("labels[1] is 4", error.Message);
            Assert.Contains("[0, 4)", error.Message);
            Assert.Throws<ArgumentException>(() => Losses.LabelsToTargets<T>([1, 2], new T[7], 4));
        }

        [Fact]
        public void Losses_allocate_nothing()
        {
            T[] z = TestMath.To<T>(TestMath.Uniform(4 * 9, 1)), t = new T[4 * 9], d = new T[4 * 9];
            int[] labels = [0, 8, 3, 1];
            TestMath.AssertNoAllocation(() =>
            {
                Losses.LabelsToTargets<T>(labels, t, 9);
                Losses.MeanSquaredError<T>(z, t, d, 4, 9);
                Losses.BinaryCrossEntropyWithLogits<T>(z, z, t, d, 4, 9);
                Losses.SoftmaxCrossEntropy<T>(z, z, t, d, 4, 9);
                Losses.MulticlassHinge<T>(z, t, d, 4, 9);
            });
        }

        private static double[] SoftmaxReference(double[] z, int batch, int classes)
        {
            var p = new double[z.Length];
            for (int s = 0; s < batch; s++)
            {
                double sum = 0;
                for (int j = 0; j < classes; j++)
                {
                    sum += Math.Exp(z[(s * classes) + j]);
                }

                for (int j = 0; j < classes; j++)
                {
                    p[(s * classes) + j] = Math.Exp(z[(s * classes) + j]) / sum;
                }
            }

            return p;
        }

        public static double[] Softmax(double[] z, int batch, int classes) => SoftmaxReference(z, batch, classes);
    }

    public sealed class LossesSingleTests : LossesTests<float>
    {
    }

    /// <summary>In double precision, every loss gradient matches central differences of the loss it returns.</summary>
    public sealed class LossesDoubleTests : LossesTests<double>
    {
        [Theory]
        [InlineData(1, 1)]
        [InlineData(3, 4)]
        [InlineData(2, 9)]
        public void MeanSquaredError_gradient_matches_central_differences(int batch, int outputs)
        {
            double[] y = TestMath.Uniform(batch * outputs, 1);
            double[] t = TestMath.Uniform(batch * outputs, 2);
            var dy = new double[y.Length];
            Losses.MeanSquaredError<double>(y, t, dy, batch, outputs);
            TestMath.AllClose(TestMath.NumericGradient(() => Losses.MeanSquaredError<double>(y, t, Span<double>.Empty, batch, outputs), y), dy, 1e-8, "dy");
        }

        [Theory]
        [InlineData(1, 1)]
        [InlineData(3, 4)]
        [InlineData(2, 9)]
        public void BinaryCrossEntropyWithLogits_gradient_matches_central_differences(int batch, int outputs)
        {
            double[] z = TestMath.Uniform(batch * outputs, 3, -5, 5);
            double[] t = TestMath.Uniform(batch * outputs, 4, 0, 1);
            var p = new double[z.Length];
            Activations.Sigmoid<double>(z, p);
            var dz = new double[z.Length];
            Losses.BinaryCrossEntropyWithLogits<double>(z, p, t, dz, batch, outputs);
            double Loss() => Losses.BinaryCrossEntropyWithLogits<double>(z, ReadOnlySpan<double>.Empty, t, Span<double>.Empty, batch, outputs);
            TestMath.AllClose(TestMath.NumericGradient(Loss, z), dz, 1e-8, "dLogits");
        }

        [Theory]
        [InlineData(1, 2, 1.0)]
        [InlineData(3, 4, 1.0)]
        [InlineData(2, 9, 1.0)]
        [InlineData(2, 5, 2.5)]
        public void SoftmaxCrossEntropy_gradient_matches_central_differences(int batch, int classes, double targetMass)
        {
            // targetMass ≠ 1: targets that are not distributions, where the gradient is p·Σt − t rather than p − t.
            double[] z = TestMath.Uniform(batch * classes, 5, -3, 3);
            double[] t = TestMath.Uniform(batch * classes, 6, 0, 1);
            for (int s = 0; s < batch; s++)
            {
                double sum = 0;
                for (int j = 0; j < classes; j++)
                {
                    sum += t[(s * classes) + j];
                }

                for (int j = 0; j < classes; j++)
                {
                    t[(s * classes) + j] *= targetMass / sum;
                }
            }

            var dz = new double[z.Length];
            Losses.SoftmaxCrossEntropy<double>(z, Softmax(z, batch, classes), t, dz, batch, classes);
            double Loss() => Losses.SoftmaxCrossEntropy<double>(z, ReadOnlySpan<double>.Empty, t, Span<double>.Empty, batch, classes);
            TestMath.AllClose(TestMath.NumericGradient(Loss, z), dz, 1e-8, "dLogits");
        }

        [Theory]
        [InlineData(1, 2)]
        [InlineData(3, 4)]
        [InlineData(2, 9)]
        public void MulticlassHinge_gradient_matches_central_differences(int batch, int classes)
        {
            // Scores on a grid of step 1/6.5: score differences are never exactly −1, so no margin sits at the kink.
            double[] s = new double[batch * classes];
            for (int i = 0; i < s.Length; i++)
            {
                s[i] = ((i * 3) % 11 / 6.5) - 0.6;
            }

            double[] t = new double[s.Length];
            for (int b = 0; b < batch; b++)
            {
                t[(b * classes) + (b % classes)] = 1;
            }

            var ds = new double[s.Length];
            Losses.MulticlassHinge<double>(s, t, ds, batch, classes);
            double Loss() => Losses.MulticlassHinge<double>(s, t, Span<double>.Empty, batch, classes);
            TestMath.AllClose(TestMath.NumericGradient(Loss, s), ds, 1e-7, "dScores");
            Assert.Contains(ds, value => value != 0);
        }
    }
}
