using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels
{
    /// <summary>
    /// Loss functions on a batch. Targets are <c>[batch × outputs]</c> row-major. Each returns the MEAN loss over the
    /// batch (accumulated in <see cref="double"/>); gradients already include the factor 1/B. Every gradient output may
    /// be empty, meaning "loss only" (evaluation). An empty batch has loss 0.
    /// </summary>
    public static class Losses
    {
        /// <summary>
        /// Mean squared error: effectively computes <c>J = (1/B) Σₛ Σⱼ ½ (y[s,j] − t[s,j])²</c> and
        /// <c>dy[s,j] = (y[s,j] − t[s,j]) / B</c>.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="y">The network's outputs <c>[batch × outputs]</c>.</param>
        /// <param name="targets">The targets <c>[batch × outputs]</c>.</param>
        /// <param name="dy">The gradient with respect to <paramref name="y"/>, overwritten; empty for the loss only.</param>
        /// <param name="batch">The number of samples B.</param>
        /// <param name="outputs">Values per sample.</param>
        /// <returns>The mean loss J.</returns>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static T MeanSquaredError<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> targets, Span<T> dy, int batch, int outputs)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckRows(batch, outputs);
            Check.Length(y.Length, length, nameof(y), "batch × outputs");
            Check.Length(targets.Length, length, nameof(targets), "batch × outputs");
            bool hasGradient = Check.Optional(dy.Length, length, nameof(dy), "batch × outputs");
            if (batch == 0)
            {
                return T.Zero;
            }

            T inverseBatch = T.One / T.CreateTruncating(batch);
            double sum = 0;
            for (int i = 0; i < length; i++)
            {
                T difference = y[i] - targets[i];
                double d = double.CreateTruncating(difference);
                sum += d * d;
                if (hasGradient)
                {
                    dy[i] = difference * inverseBatch;
                }
            }

            return T.CreateTruncating(0.5 * sum / batch);
        }

        /// <summary>
        /// Binary cross-entropy from the logits z of a final sigmoid (stable for any z): effectively computes
        /// <c>J = (1/B) Σ [max(z, 0) − z·t + log(1 + e^−|z|)]</c> and <c>dLogits = (p − t) / B</c>, where p = σ(z) are the
        /// sigmoid's outputs.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="logits">The sigmoid's inputs z <c>[batch × outputs]</c>.</param>
        /// <param name="probabilities">The sigmoid's outputs p <c>[batch × outputs]</c>; may be empty when <paramref name="dLogits"/> is.</param>
        /// <param name="targets">The targets t in [0, 1] <c>[batch × outputs]</c>.</param>
        /// <param name="dLogits">The gradient with respect to the logits, overwritten; empty for the loss only.</param>
        /// <param name="batch">The number of samples B.</param>
        /// <param name="outputs">Values per sample.</param>
        /// <returns>The mean loss J.</returns>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static T BinaryCrossEntropyWithLogits<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> probabilities, ReadOnlySpan<T> targets, Span<T> dLogits, int batch, int outputs)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckRows(batch, outputs);
            Check.Length(logits.Length, length, nameof(logits), "batch × outputs");
            Check.Length(targets.Length, length, nameof(targets), "batch × outputs");
            bool hasGradient = Check.Optional(dLogits.Length, length, nameof(dLogits), "batch × outputs");
            CheckProbabilities(probabilities.Length, length, hasGradient, "batch × outputs");

            if (batch == 0)
            {
                return T.Zero;
            }

            T inverseBatch = T.One / T.CreateTruncating(batch);
            double sum = 0;
            for (int i = 0; i < length; i++)
            {
                // Each term in T (a float network takes float exponentials, several times cheaper), summed in double.
                T zt = logits[i];
                double z = double.CreateTruncating(zt);
                double t = double.CreateTruncating(targets[i]);
                sum += Math.Max(z, 0) - (z * t) + double.CreateTruncating(T.LogP1(T.Exp(-T.Abs(zt))));
                if (hasGradient)
                {
                    dLogits[i] = (probabilities[i] - targets[i]) * inverseBatch;
                }
            }

            return T.CreateTruncating(sum / batch);
        }

        /// <summary>
        /// Cross-entropy fused with a final softmax, from its logits z: effectively computes
        /// <c>J = (1/B) Σₛ Σⱼ t[s,j] · (lseₛ − z[s,j])</c> with <c>lseₛ = log Σⱼ e^z[s,j]</c> (log-sum-exp, shifted by the
        /// row maximum), and <c>dLogits[s,j] = (p[s,j] · Σₖ t[s,k] − t[s,j]) / B</c> (that is <c>(p − t)/B</c> for one-hot
        /// or probability targets), where p are the softmax's outputs.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="logits">The softmax's inputs z <c>[batch × classes]</c>.</param>
        /// <param name="probabilities">The softmax's outputs p <c>[batch × classes]</c>; may be empty when <paramref name="dLogits"/> is.</param>
        /// <param name="targets">The targets <c>[batch × classes]</c> (one-hot rows, or distributions).</param>
        /// <param name="dLogits">The gradient with respect to the logits, overwritten; empty for the loss only.</param>
        /// <param name="batch">The number of samples B.</param>
        /// <param name="classes">Classes per sample, ≥ 1.</param>
        /// <returns>The mean loss J.</returns>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> probabilities, ReadOnlySpan<T> targets, Span<T> dLogits, int batch, int classes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckClasses(batch, classes);
            Check.Length(logits.Length, length, nameof(logits), "batch × classes");
            Check.Length(targets.Length, length, nameof(targets), "batch × classes");
            bool hasGradient = Check.Optional(dLogits.Length, length, nameof(dLogits), "batch × classes");
            CheckProbabilities(probabilities.Length, length, hasGradient, "batch × classes");

            if (batch == 0)
            {
                return T.Zero;
            }

            T inverseBatch = T.One / T.CreateTruncating(batch);
            double sum = 0;
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<T> z = logits.Slice(s * classes, classes);
                ReadOnlySpan<T> t = targets.Slice(s * classes, classes);

                // lse = max + log Σ e^(z − max)
                double max = double.NegativeInfinity;
                for (int j = 0; j < classes; j++)
                {
                    max = Math.Max(max, double.CreateTruncating(z[j]));
                }

                double exponentials = 0;
                for (int j = 0; j < classes; j++)
                {
                    exponentials += Math.Exp(double.CreateTruncating(z[j]) - max);
                }

                double lse = max + Math.Log(exponentials);
                T targetSum = T.Zero;
                for (int j = 0; j < classes; j++)
                {
                    double target = double.CreateTruncating(t[j]);
                    if (target != 0)
                    {
                        sum += target * (lse - double.CreateTruncating(z[j]));
                    }

                    targetSum += t[j];
                }

                if (hasGradient)
                {
                    ReadOnlySpan<T> p = probabilities.Slice(s * classes, classes);
                    Span<T> gradient = dLogits.Slice(s * classes, classes);
                    for (int j = 0; j < classes; j++)
                    {
                        gradient[j] = ((p[j] * targetSum) - t[j]) * inverseBatch;
                    }
                }
            }

            return T.CreateTruncating(sum / batch);
        }

        /// <summary>
        /// Multiclass hinge loss on raw scores s. The class y of a row is the first argmax of its target row. Effectively
        /// computes <c>J = (1/B) Σₛ Σ_{j≠y} max(0, s[j] − s[y] + 1)</c>, and <c>dScores[j] = 1/B</c> for each j ≠ y with a
        /// positive margin, <c>dScores[y] = −count/B</c> where count is the number of such j, 0 elsewhere.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="scores">The raw scores <c>[batch × classes]</c>.</param>
        /// <param name="targets">The targets <c>[batch × classes]</c> (one-hot rows).</param>
        /// <param name="dScores">The gradient with respect to the scores, overwritten; empty for the loss only.</param>
        /// <param name="batch">The number of samples B.</param>
        /// <param name="classes">Classes per sample, ≥ 1.</param>
        /// <returns>The mean loss J.</returns>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static T MulticlassHinge<T>(ReadOnlySpan<T> scores, ReadOnlySpan<T> targets, Span<T> dScores, int batch, int classes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckClasses(batch, classes);
            Check.Length(scores.Length, length, nameof(scores), "batch × classes");
            Check.Length(targets.Length, length, nameof(targets), "batch × classes");
            bool hasGradient = Check.Optional(dScores.Length, length, nameof(dScores), "batch × classes");
            if (batch == 0)
            {
                return T.Zero;
            }

            T inverseBatch = T.One / T.CreateTruncating(batch);
            double sum = 0;
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<T> score = scores.Slice(s * classes, classes);
                ReadOnlySpan<T> target = targets.Slice(s * classes, classes);
                int y = 0;
                for (int j = 1; j < classes; j++)
                {
                    if (target[j] > target[y])
                    {
                        y = j;
                    }
                }

                Span<T> gradient = hasGradient ? dScores.Slice(s * classes, classes) : Span<T>.Empty;
                int count = 0;
                for (int j = 0; j < classes; j++)
                {
                    if (j == y)
                    {
                        continue;
                    }

                    T margin = score[j] - score[y] + T.One;
                    if (margin > T.Zero)
                    {
                        sum += double.CreateTruncating(margin);
                        count++;
                        if (hasGradient)
                        {
                            gradient[j] = inverseBatch;
                        }
                    }
                    else if (hasGradient)
                    {
                        gradient[j] = T.Zero;
                    }
                }

                if (hasGradient)
                {
                    gradient[y] = -T.CreateTruncating(count) * inverseBatch;
                }
            }

            return T.CreateTruncating(sum / batch);
        }

        /// <summary>
        /// Turns class labels into target rows <c>[labels.Length × outputs]</c> (overwrites): one-hot rows when
        /// <paramref name="outputs"/> ≥ 2; when <paramref name="outputs"/> is 1 (a single sigmoid output) the label, 0 or 1,
        /// is itself the target.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="labels">The labels, each in [0, outputs), or in {0, 1} when outputs is 1.</param>
        /// <param name="targets">The targets <c>[labels.Length × outputs]</c>, overwritten.</param>
        /// <param name="outputs">Values per sample, ≥ 1.</param>
        /// <exception cref="ArgumentException">A length does not match, or a label is out of range.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LabelsToTargets<T>(ReadOnlySpan<int> labels, Span<T> targets, int outputs)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Positive(outputs, nameof(outputs));
            Check.Length(targets.Length, Check.Product(labels.Length, outputs, "labels.Length × outputs"), nameof(targets), "labels.Length × outputs");
            int classes = outputs == 1 ? 2 : outputs;
            Guard.Labels(labels, classes, nameof(labels));
            if (outputs == 1)
            {
                for (int s = 0; s < labels.Length; s++)
                {
                    targets[s] = labels[s] == 0 ? T.Zero : T.One;
                }

                return;
            }

            targets.Clear();
            for (int s = 0; s < labels.Length; s++)
            {
                targets[(s * outputs) + labels[s]] = T.One;
            }
        }

        private static int CheckRows(int batch, int outputs)
        {
            Check.NonNegative(batch, nameof(batch));
            Check.NonNegative(outputs, nameof(outputs));
            return Check.Product(batch, outputs, "batch × outputs");
        }

        private static int CheckClasses(int batch, int classes)
        {
            Check.NonNegative(batch, nameof(batch));
            Check.Positive(classes, nameof(classes));
            return Check.Product(batch, classes, "batch × classes");
        }

        // The fused losses read the probabilities only for the gradient: required then, optional for the loss alone.
        private static void CheckProbabilities(int actual, int expected, bool hasGradient, string description)
        {
            if (hasGradient)
            {
                Check.Length(actual, expected, "probabilities", description);
            }
            else
            {
                Check.Optional(actual, expected, "probabilities", description);
            }
        }
    }
}
