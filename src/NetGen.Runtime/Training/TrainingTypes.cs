using System;
using System.Collections.Generic;
using System.Globalization;
using NetGen.Optimizers;

namespace NetGen.Training
{
    /// <summary>The metric that early stopping watches.</summary>
    public enum MonitoredMetric
    {
        /// <summary>The mean loss on the validation set (lower is better). Needs a validation set or split.</summary>
        ValidationLoss = 0,

        /// <summary>The accuracy on the validation set (higher is better). Needs a validation set or split.</summary>
        ValidationAccuracy = 1,

        /// <summary>The mean training loss of the epoch (lower is better).</summary>
        TrainingLoss = 2,
    }

    /// <summary>Early stopping: stop when the monitored metric has not improved for <see cref="Patience"/> epochs.</summary>
    public sealed class EarlyStopping
    {
        /// <summary>Epochs without improvement after which training stops (≥ 1).</summary>
        public int Patience { get; init; } = 5;

        /// <summary>The metric watched; <see cref="MonitoredMetric.ValidationLoss"/> by default.</summary>
        public MonitoredMetric Metric { get; init; } = MonitoredMetric.ValidationLoss;

        /// <summary>The smallest change that counts as an improvement (≥ 0).</summary>
        public double MinDelta { get; init; }

        /// <summary>
        /// Whether the parameters and state of the best epoch are copied back into the network when training ends
        /// (stopped early or not). True by default.
        /// </summary>
        public bool RestoreBest { get; init; } = true;
    }

    /// <summary>How <see cref="Trainer{T}"/> measures the training accuracy of an epoch (<see cref="TrainerOptions.TrainingAccuracySource"/>).</summary>
    public enum TrainingAccuracySource
    {
        /// <summary>
        /// The running accuracy over the epoch's batches, weighted by batch size, counted from the outputs of each batch's
        /// own training forward pass (<see cref="INetwork{T}.TrainStep(System.ReadOnlySpan{T}, System.ReadOnlySpan{int}, System.Span{T})"/>),
        /// as Keras reports <c>accuracy</c> during <c>fit</c>. It costs nothing beyond a copy of the outputs. It is a
        /// training-mode figure: dropout is on and BatchNorm uses the batch's statistics, and each batch is scored with the
        /// parameters from before its own update, so early batches count with older parameters. It is usually below the
        /// inference-mode accuracy of the same parameters.
        /// </summary>
        Batches = 0,

        /// <summary>
        /// After the epoch, one forward pass over the whole training set in inference mode (no dropout, BatchNorm running
        /// statistics) with the epoch's final parameters: comparable with the validation accuracy, at the cost of an
        /// inference pass over the training set every epoch. (Before this option existed it was the only kind.)
        /// </summary>
        InferencePass = 1,
    }

    /// <summary>How <see cref="Trainer{T}"/> trains.</summary>
    public sealed class TrainerOptions
    {
        /// <summary>The maximum number of passes over the training set (≥ 1); 10 by default.</summary>
        public int Epochs { get; init; } = 10;

        /// <summary>Samples per mini-batch (≥ 1); 32 by default. The last batch of an epoch may be smaller.</summary>
        public int BatchSize { get; init; } = 32;

        /// <summary>Drop the last, smaller batch of each epoch instead of training on it.</summary>
        public bool DropLastBatch { get; init; }

        /// <summary>Shuffle the training set before each epoch (on by default).</summary>
        public bool Shuffle { get; init; } = true;

        /// <summary>The seed of the shuffle (and of the validation split): the same seed gives the same batches everywhere.</summary>
        public ulong Seed { get; init; }

        /// <summary>When no validation set is passed to <see cref="Trainer{T}.Fit(NetGen.Data.Dataset{T}, NetGen.Data.Dataset{T}, System.IProgress{NetGen.Training.TrainingProgress}, System.Threading.CancellationToken)"/>, the fraction of the training set held out for validation (0 = none).</summary>
        public double ValidationSplit { get; init; }

        /// <summary>The learning rate per epoch; null keeps the optimizer's own rate.</summary>
        public ILearningRateSchedule? Schedule { get; init; }

        /// <summary>
        /// The learning rate per mini-batch (<see cref="LinearWarmup"/>, <see cref="OneCycle"/>); null keeps the rate of
        /// <see cref="Schedule"/> or the optimizer's own. When both are set, this one wins: it is applied before every batch.
        /// </summary>
        public IBatchLearningRateSchedule? BatchSchedule { get; init; }

        /// <summary>Early stopping; null trains for all <see cref="Epochs"/>.</summary>
        public EarlyStopping? EarlyStopping { get; init; }

        /// <summary>When set, the gradient is rescaled to this global norm whenever it is longer (<see cref="GradientClipping.ClipByGlobalNorm{T}"/>).</summary>
        public double? ClipNorm { get; init; }

        /// <summary>
        /// When set, every gradient value is clamped to [−ClipValue, ClipValue] (<see cref="GradientClipping.ClipByValue{T}"/>).
        /// With both clippings set, values are clamped first and the norm is limited after.
        /// </summary>
        public double? ClipValue { get; init; }

        /// <summary>
        /// Whether accuracy is measured. Null (the default) decides from the data: yes with class labels, and with targets
        /// when the loss is a classification loss (<see cref="LossFunctions.IsClassification"/>: every loss but mean squared error).
        /// </summary>
        public bool? ComputeAccuracy { get; init; }

        /// <summary>
        /// Report the accuracy on the training set in <see cref="EpochMetrics.TrainingAccuracy"/>; on by default. Needs
        /// accuracy to apply (see <see cref="ComputeAccuracy"/>). How it is measured is <see cref="TrainingAccuracySource"/>:
        /// by default from the batches' own forward passes, at no extra cost (as Keras reports <c>accuracy</c>).
        /// </summary>
        public bool TrainingAccuracy { get; init; } = true;

        /// <summary>
        /// Where <see cref="EpochMetrics.TrainingAccuracy"/> comes from when <see cref="TrainingAccuracy"/> is on:
        /// <see cref="Training.TrainingAccuracySource.Batches"/> (the default: the running accuracy of the epoch's batches,
        /// in training mode) or <see cref="Training.TrainingAccuracySource.InferencePass"/> (one more forward pass over the
        /// training set after the epoch, in inference mode).
        /// </summary>
        public TrainingAccuracySource TrainingAccuracySource { get; init; } = TrainingAccuracySource.Batches;

        /// <summary>Report progress after every batch, not only after every epoch; on by default.</summary>
        public bool ReportBatches { get; init; } = true;

        /// <summary>Samples per forward pass when evaluating (≥ 1); 256 by default.</summary>
        public int EvaluationBatchSize { get; init; } = 256;
    }

    /// <summary>What a progress report is about.</summary>
    public enum ProgressKind
    {
        /// <summary>A mini-batch has been trained on.</summary>
        Batch = 0,

        /// <summary>An epoch has ended; <see cref="TrainingProgress.Metrics"/> holds its metrics.</summary>
        Epoch = 1,
    }

    /// <summary>A progress report. Epochs and batches count from 1.</summary>
    /// <param name="Kind">Batch or epoch end.</param>
    /// <param name="Epoch">The current epoch, 1-based.</param>
    /// <param name="Epochs">The maximum number of epochs.</param>
    /// <param name="Batch">The batch just trained on, 1-based (equal to <paramref name="Batches"/> at an epoch end).</param>
    /// <param name="Batches">Batches per epoch.</param>
    /// <param name="BatchLoss">The loss of the batch just trained on.</param>
    /// <param name="EpochLoss">The mean training loss of the epoch so far.</param>
    /// <param name="LearningRate">The optimizer's learning rate in this epoch.</param>
    /// <param name="Metrics">The epoch's metrics at an epoch end; null for a batch report.</param>
    public readonly record struct TrainingProgress(
        ProgressKind Kind, int Epoch, int Epochs, int Batch, int Batches, double BatchLoss, double EpochLoss, double LearningRate, EpochMetrics? Metrics);

    /// <summary>The metrics of one epoch. Values that were not measured are null.</summary>
    /// <param name="Epoch">The epoch, 1-based.</param>
    /// <param name="TrainingLoss">The mean of the epoch's batch losses, weighted by batch size (training mode, as the parameters moved).</param>
    /// <param name="TrainingAccuracy">The accuracy on the training set: by default the running accuracy of the epoch's batches in training mode (dropout and BatchNorm batch statistics, as Keras' <c>accuracy</c>); with <see cref="TrainingAccuracySource.InferencePass"/>, the accuracy in inference mode after the epoch (see <see cref="TrainerOptions.TrainingAccuracySource"/>).</param>
    /// <param name="ValidationLoss">The mean loss on the validation set in inference mode after the epoch.</param>
    /// <param name="ValidationAccuracy">The accuracy on the validation set after the epoch.</param>
    /// <param name="LearningRate">The learning rate used in this epoch.</param>
    /// <param name="GradientNorm">The mean global gradient norm ‖g‖ of the epoch's batches, before clipping.</param>
    /// <param name="Elapsed">Wall-clock time of the epoch, evaluation included.</param>
    public sealed record EpochMetrics(
        int Epoch, double TrainingLoss, double? TrainingAccuracy, double? ValidationLoss, double? ValidationAccuracy, double LearningRate, double GradientNorm, TimeSpan Elapsed)
    {
        /// <inheritdoc/>
        public override string ToString()
        {
            var text = string.Create(CultureInfo.InvariantCulture, $"epoch {Epoch}: loss {TrainingLoss:F4}");
            if (TrainingAccuracy is { } a)
            {
                text += string.Create(CultureInfo.InvariantCulture, $", accuracy {a:F4}");
            }

            if (ValidationLoss is { } vl)
            {
                text += string.Create(CultureInfo.InvariantCulture, $", validation loss {vl:F4}");
            }

            if (ValidationAccuracy is { } va)
            {
                text += string.Create(CultureInfo.InvariantCulture, $", validation accuracy {va:F4}");
            }

            return text + string.Create(CultureInfo.InvariantCulture, $", learning rate {LearningRate:G4}");
        }
    }

    /// <summary>Every metric of every completed epoch, in order.</summary>
    public sealed class TrainingHistory
    {
        private readonly List<EpochMetrics> _epochs = new();

        /// <summary>The completed epochs' metrics.</summary>
        public IReadOnlyList<EpochMetrics> Epochs => _epochs;

        /// <summary>The number of completed epochs.</summary>
        public int Count => _epochs.Count;

        /// <summary>The training loss per epoch.</summary>
        public double[] TrainingLoss => Select(m => m.TrainingLoss);

        /// <summary>The training accuracy per epoch (NaN where not measured).</summary>
        public double[] TrainingAccuracy => Select(m => m.TrainingAccuracy ?? double.NaN);

        /// <summary>The validation loss per epoch (NaN where not measured).</summary>
        public double[] ValidationLoss => Select(m => m.ValidationLoss ?? double.NaN);

        /// <summary>The validation accuracy per epoch (NaN where not measured).</summary>
        public double[] ValidationAccuracy => Select(m => m.ValidationAccuracy ?? double.NaN);

        /// <summary>The learning rate per epoch.</summary>
        public double[] LearningRate => Select(m => m.LearningRate);

        internal void Add(EpochMetrics metrics) => _epochs.Add(metrics);

        private double[] Select(Func<EpochMetrics, double> metric) => _epochs.ConvertAll(m => metric(m)).ToArray();
    }

    /// <summary>Why training ended.</summary>
    public enum StopReason
    {
        /// <summary>All epochs ran.</summary>
        Completed = 0,

        /// <summary>Early stopping ran out of patience.</summary>
        EarlyStopped = 1,

        /// <summary>A callback set <see cref="EpochEndContext{T}.StopTraining"/>.</summary>
        StoppedByCallback = 2,
    }

    /// <summary>The outcome of <see cref="Trainer{T}.Fit(NetGen.Data.Dataset{T}, NetGen.Data.Dataset{T}, System.IProgress{NetGen.Training.TrainingProgress}, System.Threading.CancellationToken)"/>.</summary>
    /// <param name="History">Every metric of every epoch.</param>
    /// <param name="StopReason">Why training ended.</param>
    /// <param name="BestEpoch">The best epoch by the early-stopping metric (1-based); the last epoch without early stopping.</param>
    /// <param name="RestoredBest">Whether the best epoch's parameters and state were copied back into the network.</param>
    public sealed record TrainingResult(TrainingHistory History, StopReason StopReason, int BestEpoch, bool RestoredBest)
    {
        /// <summary>The metrics of the last completed epoch.</summary>
        public EpochMetrics Last => History.Epochs[^1];

        /// <summary>The metrics of <see cref="BestEpoch"/>.</summary>
        public EpochMetrics Best => History.Epochs[BestEpoch - 1];
    }

    /// <summary>A loss or accuracy measured over a whole dataset.</summary>
    /// <param name="Loss">The mean loss in inference mode (regularization included).</param>
    /// <param name="Accuracy">The fraction of correct predictions, when accuracy applies.</param>
    /// <param name="Count">The number of samples.</param>
    public readonly record struct Evaluation(double Loss, double? Accuracy, int Count);

    /// <summary>
    /// Training diverged: the loss or the gradient became NaN or infinite, the batch made the network's
    /// <see cref="INetwork{T}.State"/> (BatchNorm running statistics) non-finite, or the optimizer step made a parameter
    /// NaN, infinite or larger in magnitude than √MaxValue.
    /// </summary>
    /// <remarks>
    /// The trainer puts back the parameters, state, dropout generator (<see cref="INetwork{T}.RandomState"/>) and the
    /// optimizer's moments and step count (for optimizers derived from <see cref="Optimizer{T}"/>) as they were before
    /// batch <see cref="RestoredBatch"/> of epoch <see cref="RestoredEpoch"/>; <see cref="INetwork{T}.Gradients"/> hold
    /// the failing batch's gradient, for inspection. When the forward or backward pass of
    /// a batch fails, the parameters it ran with came from the previous batch's optimizer step, so that step is undone
    /// too: the network goes back to before the previous batch (to parameters that gave a finite loss and gradient).
    /// When the optimizer step itself makes a parameter unusable, the network goes back to before the failing batch.
    /// <see cref="Trainer{T}.History"/> keeps the completed epochs: when the undone batch was the last of an epoch, that
    /// epoch's metrics were measured with parameters the network no longer holds.
    /// </remarks>
    public sealed class NonFiniteLossException : ArithmeticException
    {
        /// <summary>Creates the exception for a batch whose loss or gradient is not finite, undone to its own start.</summary>
        public NonFiniteLossException(int epoch, int batch, double loss, double gradientNorm)
            : this(epoch, batch, loss, gradientNorm, null, epoch, batch)
        {
        }

        /// <summary>Creates the exception; <paramref name="problem"/> (null: the loss or the gradient) says what diverged.</summary>
        internal NonFiniteLossException(int epoch, int batch, double loss, double gradientNorm, string? problem, int restoredEpoch, int restoredBatch)
            : base(Describe(epoch, batch, problem ?? LossProblem(loss, gradientNorm), restoredEpoch, restoredBatch))
        {
            Epoch = epoch;
            Batch = batch;
            Loss = loss;
            GradientNorm = gradientNorm;
            RestoredEpoch = restoredEpoch;
            RestoredBatch = restoredBatch;
        }

        /// <summary>The epoch of the failing batch, 1-based.</summary>
        public int Epoch { get; }

        /// <summary>The failing batch within its epoch, 1-based.</summary>
        public int Batch { get; }

        /// <summary>The loss the batch returned.</summary>
        public double Loss { get; }

        /// <summary>The gradient norm of the batch (NaN or ∞ when the gradient is at fault).</summary>
        public double GradientNorm { get; }

        /// <summary>The epoch of <see cref="RestoredBatch"/>.</summary>
        public int RestoredEpoch { get; }

        /// <summary>The network and the optimizer hold what they held before this batch (1-based) of <see cref="RestoredEpoch"/>.</summary>
        public int RestoredBatch { get; }

        private static string LossProblem(double loss, double norm) => double.IsFinite(loss)
            ? string.Create(CultureInfo.InvariantCulture, $"the gradient norm became {norm} (loss {loss})")
            : string.Create(CultureInfo.InvariantCulture, $"the training loss became {loss}");

        private static string Describe(int epoch, int batch, string problem, int restoredEpoch, int restoredBatch)
        {
            string restored = (restoredEpoch, restoredBatch) == (epoch, batch)
                ? "The parameters and state are those from before this batch"
                : string.Create(CultureInfo.InvariantCulture, $"The parameters and state are those from before epoch {restoredEpoch}, batch {restoredBatch}, whose optimizer step produced the parameters that failed");
            return string.Create(CultureInfo.InvariantCulture, $"Training stopped at epoch {epoch}, batch {batch}: {problem}. {restored}. Try a lower learning rate, gradient clipping, or check the data for extreme values.");
        }
    }
}
