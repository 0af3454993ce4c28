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
    public static unsafe class Losses
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

            // One sample: multiplying by 1/1 changes no bit (NaN and −0 included), so it is left out.
            bool one = batch == 1 && GemmTuning.LeanSingleSample;
            T inverseBatch = T.One / T.CreateTruncating(batch);
            double sum = 0;
            for (int i = 0; i < length; i++)
            {
                T difference = y[i] - targets[i];
                double d = double.CreateTruncating(difference);
                sum += d * d;
                if (hasGradient)
                {
                    dy[i] = one ? difference : difference * inverseBatch;
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
            int threads = Math.Min(batch, MapJob<T>.Threads(length, GemmTuning.ExpGrain));
            if (threads <= 1)
            {
                for (int s = 0; s < batch; s++)
                {
                    double lse = SoftmaxCrossEntropyRow(logits, probabilities, targets, dLogits, s, classes, inverseBatch, hasGradient);
                    sum = AddCrossEntropy(sum, logits.Slice(s * classes, classes), targets.Slice(s * classes, classes), lse);
                }

                return T.CreateTruncating(sum / batch);
            }

            // Each thread takes rows: their log-sum-exps and gradients. The loss is then summed here, row by row in the
            // same order as on one thread, so its bits do not depend on the thread count.
            double[]? rented = null;
            Span<double> sums = batch <= 1024 ? stackalloc double[batch] : (rented = System.Buffers.ArrayPool<double>.Shared.Rent(batch)).AsSpan(0, batch);
            fixed (T* plogits = logits, pprobabilities = probabilities, ptargets = targets, pdLogits = dLogits)
            fixed (double* psums = sums)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.SoftmaxCrossEntropy;
                (job.Units, job.Features, job.First, job.Flag) = (batch, classes, inverseBatch, hasGradient);
                job.Set(0, plogits, logits.Length);
                job.Set(1, pprobabilities, probabilities.Length);
                job.Set(2, ptargets, targets.Length);
                job.Set(3, pdLogits, dLogits.Length);
                job.SetDoubles(psums, batch);
                job.Run(threads);
            }

            for (int s = 0; s < batch; s++)
            {
                sum = AddCrossEntropy(sum, logits.Slice(s * classes, classes), targets.Slice(s * classes, classes), sums[s]);
            }

            if (rented is not null)
            {
                System.Buffers.ArrayPool<double>.Shared.Return(rented);
            }

            return T.CreateTruncating(sum / batch);
        }

        /// <summary>Rows <c>[s0, s1)</c> of <see cref="SoftmaxCrossEntropy{T}"/>: each row's log-sum-exp into <paramref name="sums"/>, and its gradient.</summary>
        internal static void SoftmaxCrossEntropyRows<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> probabilities, ReadOnlySpan<T> targets, Span<T> dLogits, Span<double> sums, int classes, T inverseBatch, bool hasGradient, int s0, int s1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int s = s0; s < s1; s++)
            {
                sums[s] = SoftmaxCrossEntropyRow(logits, probabilities, targets, dLogits, s, classes, inverseBatch, hasGradient);
            }
        }

        /// <summary>Row <paramref name="s"/> of <see cref="SoftmaxCrossEntropy{T}"/>: writes its gradient and returns its log-sum-exp.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static double SoftmaxCrossEntropyRow<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> probabilities, ReadOnlySpan<T> targets, Span<T> dLogits, int s, int classes, T inverseBatch, bool hasGradient)
            where T : unmanaged, IFloatingPointIeee754<T>
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
            if (hasGradient)
            {
                T targetSum = T.Zero;
                for (int j = 0; j < classes; j++)
                {
                    targetSum += t[j];
                }

                ReadOnlySpan<T> p = probabilities.Slice(s * classes, classes);
                Span<T> gradient = dLogits.Slice(s * classes, classes);
                for (int j = 0; j < classes; j++)
                {
                    gradient[j] = ((p[j] * targetSum) - t[j]) * inverseBatch;
                }
            }

            return lse;
        }

        /// <summary><paramref name="sum"/> plus one row's <c>Σⱼ t[j] · (lse − z[j])</c>, added term by term (nothing for a zero target).</summary>
        private static double AddCrossEntropy<T>(double sum, ReadOnlySpan<T> z, ReadOnlySpan<T> t, double lse)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int j = 0; j < z.Length; j++)
            {
                double target = double.CreateTruncating(t[j]);
                if (target != 0)
                {
                    sum += target * (lse - double.CreateTruncating(z[j]));
                }
            }

            return sum;
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
