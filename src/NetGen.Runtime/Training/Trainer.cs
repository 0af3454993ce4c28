using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;
using NetGen.Data;
using NetGen.Optimizers;

namespace NetGen.Training
{
    /// <summary>
    /// Trains a network with mini-batch gradient descent: epochs, seeded shuffling, validation, accuracy, learning-rate
    /// schedules, gradient clipping, early stopping, progress reports and cancellation.
    /// </summary>
    /// <remarks>
    /// <para>One epoch: set the learning rate from the schedule; shuffle the sample order (Fisher–Yates with SplitMix64, seeded by
    /// <see cref="TrainerOptions.Seed"/>, so a seed gives the same batches on every machine); for each mini-batch copy the
    /// samples into a buffer, call <see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{int})"/>, check that
    /// the loss and the gradient are finite, clip, and call <see cref="IOptimizer{T}.Step"/>; then measure the metrics,
    /// report them and apply early stopping.</para>
    /// <para>Training accuracy (<see cref="EpochMetrics.TrainingAccuracy"/>), by default, is counted as the epoch runs from the
    /// outputs of each batch's own training forward pass (the <c>TrainStep</c> overload with <c>outputs</c>), weighted by
    /// batch size, as Keras reports <c>accuracy</c>: no extra pass, but a training-mode figure (dropout on, BatchNorm batch
    /// statistics, each batch scored before its own update). <see cref="TrainingAccuracySource.InferencePass"/> measures it
    /// instead after the epoch with one inference-mode pass over the training set. Validation accuracy is always an
    /// inference-mode pass over the validation set.</para>
    /// <para><see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/> first checks the whole training and validation sets: a NaN or infinite feature or target is
    /// an <see cref="ArgumentException"/> naming the set, the sample and the feature, before the first batch.</para>
    /// <para>Before every batch the trainer copies the network's parameters, state and
    /// <see cref="INetwork{T}.RandomState"/> into buffers allocated once per <see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/>, and NetGen's optimizers
    /// keep their state from before their last step (each update is written into a second set of buffers, so the old
    /// moments survive without a copy). A batch whose loss or gradient is
    /// NaN or infinite, that leaves a non-finite value in <see cref="INetwork{T}.State"/> (BatchNorm running variance of
    /// huge inputs), or whose optimizer step makes a parameter NaN, infinite or larger in magnitude than √MaxValue
    /// (≈ 1.8e19 for float, 1.3e154 for double), stops training with a <see cref="NonFiniteLossException"/>. A copy is
    /// put back first: when the forward or backward pass failed, the one from before the previous batch (whose optimizer
    /// step produced the parameters that failed), otherwise the one from before the failing batch. The network and the
    /// optimizer then hold exactly what they held at that point (<see cref="NonFiniteLossException.RestoredBatch"/>);
    /// <see cref="INetwork{T}.Gradients"/> hold the failing batch's gradient. The cost is one parameter-sized copy per
    /// batch, and the optimizer's state buffers twice over in memory (three times for <see cref="Adam{T}"/>; see
    /// docs/benchmarks.md); a NetGen optimizer writes that copy, and checks the new parameters, in its own step
    /// (<see cref="Adam{T}"/> in the update's single pass). Without clipping, <see cref="Adam{T}"/> also measures the
    /// gradient's norm in that pass instead of the trainer in one of its own: the loss and <see cref="INetwork{T}.State"/>
    /// are checked first, and a gradient holding a NaN or ∞ makes Adam drop the step it is in before the rollback.</para>
    /// <para>Cancellation is checked before every batch: <see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/> then throws
    /// <see cref="OperationCanceledException"/>, the network holds the parameters after the last completed batch, and
    /// <see cref="History"/> the completed epochs.</para>
    /// <para>After every epoch the <see cref="Callbacks"/> run (save the best model, log, reduce the learning rate, stop);
    /// <see cref="Checkpoints.TrainingCheckpoint"/> saves and restores everything needed to resume training exactly.</para>
    /// <para>With two or more threads (<see cref="NetGenOptions.MaxDegreeOfParallelism"/>) and an in-memory set, the next
    /// batch's rows are copied while the current batch trains: by the worker pool's first worker in the time it waits
    /// between the step's parallel calls, and whatever it has not copied just before the batch is used. Every row is
    /// copied once, so the batches are the same as on one thread; the training set must not change during
    /// <see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/> (from a progress report, say).</para>
    /// <para>Buffers are allocated once per <see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/> call; the batch loop allocates nothing.</para>
    /// </remarks>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class Trainer<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Creates a trainer for <paramref name="network"/> with <paramref name="optimizer"/>.</summary>
        public Trainer(INetwork<T> network, IOptimizer<T> optimizer, TrainerOptions? options = null)
        {
            Network = network ?? throw new ArgumentNullException(nameof(network));
            Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
            Options = options ?? new TrainerOptions();
            CheckOptions(Options);
            ShuffleState = Options.Seed;
        }

        /// <summary>The network being trained.</summary>
        public INetwork<T> Network { get; }

        /// <summary>The optimizer.</summary>
        public IOptimizer<T> Optimizer { get; }

        /// <summary>The options.</summary>
        public TrainerOptions Options { get; }

        /// <summary>The history of the current or last <see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/> call (also after a cancellation or an exception).</summary>
        public TrainingHistory History { get; private set; } = new();

        /// <summary>Called after every epoch, in order (Keras' <c>callbacks=[…]</c>): see <see cref="ITrainingCallback{T}"/>.</summary>
        public IList<ITrainingCallback<T>> Callbacks { get; } = new List<ITrainingCallback<T>>();

        /// <summary>Epochs completed by the current or last <see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/> (counting those before a resume).</summary>
        public int CompletedEpochs { get; private set; }

        /// <summary>The shuffling generator's state after <see cref="CompletedEpochs"/> epochs (for training checkpoints).</summary>
        internal ulong ShuffleState { get; private set; }

        /// <summary>
        /// Whether a batch without clipping leaves the gradient check to an optimizer that does it in its update's own
        /// pass (<see cref="Optimizer{T}.ChecksGradientInUpdate"/>, Adam) instead of measuring the norm first. On by
        /// default; benchmarks switch it off to time the separate pass.
        /// </summary>
        internal static bool FusedGradientCheck { get; set; } = true;

        /// <summary>
        /// Whether, with two or more threads, the next batch of an in-memory set is gathered while the current one trains
        /// (<see cref="BatchGatherAhead{T}"/>). On by default; benchmarks switch it off to time the gather in line.
        /// </summary>
        internal static bool GatherAhead { get; set; } = true;

        /// <summary>Set by <see cref="ResumeAt"/>: where the next <see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/> starts instead of epoch 1.</summary>
        private ResumePoint? _resume;

        /// <summary>Trains on <paramref name="training"/>.</summary>
        /// <param name="training">Samples with labels or targets; features must match the network's input size.</param>
        /// <param name="validation">Samples to validate on after each epoch; when null, <see cref="TrainerOptions.ValidationSplit"/> may hold some out.</param>
        /// <param name="progress">Receives a report after each batch (see <see cref="TrainerOptions.ReportBatches"/>) and each epoch.</param>
        /// <param name="cancellationToken">Checked before every batch.</param>
        /// <exception cref="ArgumentException">A set is empty, has the wrong number of features or targets, a label out of range, or a NaN or infinite feature or target (found before the first batch; nothing is changed).</exception>
        /// <exception cref="NonFiniteLossException">Training diverged; the network and the optimizer are put back to before the step that produced the failure.</exception>
        /// <exception cref="OperationCanceledException">Cancelled; the network keeps the last completed batch's parameters.</exception>
        public TrainingResult Fit(Dataset<T> training, Dataset<T>? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(training);
            if (validation is null && Options.ValidationSplit > 0)
            {
                (training, validation) = DataSplit.TrainValidation(training, Options.ValidationSplit, Options.Seed ^ 0x5EED5EED5EED5EEDUL);
            }

            CheckData(training, nameof(training));
            if (validation is not null)
            {
                CheckData(validation, nameof(validation));
            }

            EarlyStopping? stopping = Options.EarlyStopping;
            if (stopping is not null && stopping.Metric != MonitoredMetric.TrainingLoss && validation is null)
            {
                throw new ArgumentException($"Early stopping watches {stopping.Metric} but there is no validation set: pass one or set ValidationSplit.", nameof(validation));
            }

            bool accuracy = Options.ComputeAccuracy ?? (training.Labels is not null || LossFunctions.IsClassification(Network.Loss));
            if (stopping is { Metric: MonitoredMetric.ValidationAccuracy } && !accuracy)
            {
                throw new ArgumentException("Early stopping watches ValidationAccuracy but accuracy is turned off (ComputeAccuracy = false).");
            }

            return Execute(new InMemorySource<T>(training), validation, accuracy, progress, cancellationToken);
        }

        /// <summary>
        /// Trains on a dataset streamed from disk, block by block (see <see cref="IdxStreamingDataset{T}"/>): the same
        /// epochs, batches, callbacks and checkpoints as <see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/>,
        /// with the shuffle done by blocks. The validation set is in memory; <see cref="TrainerOptions.ValidationSplit"/> does not apply.
        /// </summary>
        /// <exception cref="NonFiniteLossException">The loss or gradient became NaN or infinite.</exception>
        /// <exception cref="OperationCanceledException">Cancelled; the network keeps the last completed batch's parameters.</exception>
        public TrainingResult Fit(IdxStreamingDataset<T> training, Dataset<T>? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(training);
            if (validation is null && Options.ValidationSplit > 0)
            {
                throw new ArgumentException("ValidationSplit holds samples out of an in-memory dataset; with a streamed one pass a validation set.", nameof(validation));
            }

            if (training.FeatureCount != Network.InputSize)
            {
                throw new ArgumentException(Invariant($"The training set has {training.FeatureCount} features per sample but the network expects InputSize = {Network.InputSize}."), nameof(training));
            }

            CheckLabels(training.Labels, "training");
            if (validation is not null)
            {
                CheckData(validation, nameof(validation));
            }

            EarlyStopping? stopping = Options.EarlyStopping;
            if (stopping is not null && stopping.Metric != MonitoredMetric.TrainingLoss && validation is null)
            {
                throw new ArgumentException($"Early stopping watches {stopping.Metric} but there is no validation set: pass one.", nameof(validation));
            }

            bool accuracy = Options.ComputeAccuracy ?? true;
            return Execute(training, validation, accuracy, progress, cancellationToken);
        }

        private TrainingResult Execute(ITrainingSource<T> training, Dataset<T>? validation, bool accuracy, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
        {
            ResumePoint? resume = _resume;
            _resume = null;
            var run = new Run(this, training, validation, accuracy, resume);
            History = run.History;
            return run.Execute(progress, cancellationToken);
        }

        private void CheckLabels(int[] labels, string name)
        {
            int classes = Network.OutputSize == 1 ? 2 : Network.OutputSize;
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classes)
                {
                    throw new ArgumentException(Invariant($"Sample {i} of the {name} set has label {labels[i]} but the network's {Network.OutputSize} output(s) allow labels 0 … {classes - 1}."), name);
                }
            }
        }

        /// <summary>
        /// Makes the next <see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/> continue after epoch <paramref name="completedEpochs"/> with the shuffling
        /// generator in <paramref name="shuffleState"/> and <paramref name="history"/> as the first epochs of its history.
        /// <see cref="Checkpoints.TrainingCheckpoint.Load{T}(Trainer{T}, string)"/> calls it after restoring the network and optimizer.
        /// </summary>
        internal void ResumeAt(int completedEpochs, ulong shuffleState, IReadOnlyList<EpochMetrics> history)
        {
            _resume = new ResumePoint(completedEpochs, shuffleState, history);
            CompletedEpochs = completedEpochs;
            ShuffleState = shuffleState;
        }

        /// <summary>Where a resumed <see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/> starts.</summary>
        private sealed record ResumePoint(int CompletedEpochs, ulong ShuffleState, IReadOnlyList<EpochMetrics> History);

        /// <summary>The mean loss and (when it applies) accuracy on <paramref name="data"/>, in inference mode.</summary>
        /// <exception cref="ArgumentException">The set is empty, does not fit the network, or holds a NaN or infinite feature or target.</exception>
        public Evaluation Evaluate(Dataset<T> data)
        {
            ArgumentNullException.ThrowIfNull(data);
            CheckData(data, nameof(data));
            var evaluator = new Evaluator<T>(Network, Options.EvaluationBatchSize);
            bool accuracy = Options.ComputeAccuracy ?? (data.Labels is not null || LossFunctions.IsClassification(Network.Loss));
            return new Evaluation(evaluator.Loss(data), accuracy ? evaluator.Accuracy(data) : null, data.Count);
        }

        private static void CheckOptions(TrainerOptions options)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, "options.Epochs");
            ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, "options.BatchSize");
            ArgumentOutOfRangeException.ThrowIfLessThan(options.EvaluationBatchSize, 1, "options.EvaluationBatchSize");
            if (!(options.ValidationSplit >= 0 && options.ValidationSplit < 1))
            {
                throw new ArgumentOutOfRangeException("options.ValidationSplit", options.ValidationSplit, "The validation split must lie in [0, 1).");
            }

            if (options.ClipNorm is { } norm && !(norm > 0 && double.IsFinite(norm)))
            {
                throw new ArgumentOutOfRangeException("options.ClipNorm", norm, "The clipping norm must be finite and > 0.");
            }

            if (options.ClipValue is { } value && !(value > 0 && double.IsFinite(value)))
            {
                throw new ArgumentOutOfRangeException("options.ClipValue", value, "The clipping value must be finite and > 0.");
            }

            if (options.EarlyStopping is { } stopping)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(stopping.Patience, 1, "options.EarlyStopping.Patience");
                if (!(stopping.MinDelta >= 0 && double.IsFinite(stopping.MinDelta)))
                {
                    throw new ArgumentOutOfRangeException("options.EarlyStopping.MinDelta", stopping.MinDelta, "MinDelta must be finite and ≥ 0.");
                }
            }
        }

        private void CheckData(Dataset<T> data, string name)
        {
            if (data.Count == 0)
            {
                throw new ArgumentException($"The {name} set is empty.", name);
            }

            if (data.FeatureCount != Network.InputSize)
            {
                throw new ArgumentException(Invariant($"The {name} set has {data.FeatureCount} features per sample but the network expects InputSize = {Network.InputSize}."), name);
            }

            CheckFinite(data.Features, data.FeatureCount, name, "feature");
            if (data.Targets is { } values)
            {
                CheckFinite(values, Math.Max(1, data.TargetSize), name, "target");
            }

            if (data.Labels is { } labels)
            {
                int classes = Network.OutputSize == 1 ? 2 : Network.OutputSize;
                for (int i = 0; i < labels.Length; i++)
                {
                    if (labels[i] >= classes)
                    {
                        throw new ArgumentException(Invariant($"Sample {i} of the {name} set has label {labels[i]} but the network's {Network.OutputSize} output(s) allow labels 0 … {classes - 1}."), name);
                    }
                }
            }
            else if (data.Targets is not null)
            {
                if (data.TargetSize != Network.OutputSize)
                {
                    throw new ArgumentException(Invariant($"The {name} set has {data.TargetSize} targets per sample but the network has OutputSize = {Network.OutputSize}."), name);
                }
            }
            else
            {
                throw new ArgumentException($"The {name} set has neither labels nor targets.", name);
            }
        }

        /// <summary>
        /// Every value must be finite: one NaN or ∞ makes every later loss NaN, so it is found here, before the first batch,
        /// and named by sample and position (<paramref name="width"/> values per sample).
        /// </summary>
        private static void CheckFinite(T[] values, int width, string name, string what)
        {
            // Vectorized and split over the worker pool (the Fashion-MNIST training set is 47M values, ~50 ms on one thread
            // per Fit); only when something is wrong is the position searched.
            if (GuardScan.AllFinite<T>(values))
            {
                return;
            }

            for (int i = 0; i < values.Length; i++)
            {
                if (!T.IsFinite(values[i]))
                {
                    throw new ArgumentException(Invariant($"Sample {i / width} of the {name} set has {what} {i % width} = {values[i]}; every {what} must be a finite number (replace missing values before training)."), name);
                }
            }
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

        /// <summary>One call to <see cref="Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, CancellationToken)"/>: its buffers and bookkeeping.</summary>
        private sealed class Run
        {
            private readonly Trainer<T> _trainer;
            private readonly INetwork<T> _network;
            private readonly TrainerOptions _options;
            private readonly ITrainingSource<T> _training;
            private readonly Dataset<T>? _validation;
            private readonly bool _accuracy;
            private readonly Evaluator<T> _evaluator;
            private readonly int[] _order;
            private T[] _inputs;
            private T[] _inputsAhead; // the next batch's rows, gathered while the current one trains (in-memory sets)
            private readonly BatchGatherAhead<T>? _ahead;
            private int _aheadStart = -1; // the first position in _order of the rows being gathered ahead
            private readonly int[]? _labels;
            private readonly T[]? _targets;
            private readonly T[]? _outputs; // the batch's training-mode outputs, when the training accuracy is counted from them
            private readonly RollbackPoints<T> _rollback;
            private readonly Optimizer<T>? _guardedOptimizer; // NetGen's: copies the parameters for the rollback and checks them in its step
            private readonly bool _checksGradientInStep; // no clipping, and the optimizer measures the gradient in its update's pass
            private readonly T[]? _bestParameters;
            private readonly T[]? _bestState;
            private readonly int _batches;
            private SplitMixShuffler _random;

            private readonly int _firstEpoch;

            public Run(Trainer<T> trainer, ITrainingSource<T> training, Dataset<T>? validation, bool accuracy, ResumePoint? resume)
            {
                _trainer = trainer;
                _network = trainer.Network;
                _options = trainer.Options;
                _training = training;
                _validation = validation;
                _accuracy = accuracy;
                _evaluator = new Evaluator<T>(_network, _options.EvaluationBatchSize);
                int batch = Math.Min(_options.BatchSize, training.Count);
                _batches = _options.DropLastBatch ? Math.Max(1, training.Count / batch) : (training.Count + batch - 1) / batch;
                _order = new int[training.Count];
                _inputs = new T[batch * _network.InputSize];
                if (training is InMemorySource<T>)
                {
                    _inputsAhead = new T[batch * _network.InputSize];
                    _ahead = new BatchGatherAhead<T>();
                }
                else
                {
                    _inputsAhead = _inputs;
                }
                _labels = training.Labels is null ? null : new int[batch];
                _targets = training.Labels is null ? new T[batch * _network.OutputSize] : null;
                _outputs = accuracy && _options.TrainingAccuracy && _options.TrainingAccuracySource == TrainingAccuracySource.Batches
                    ? new T[batch * _network.OutputSize]
                    : null;
                _guardedOptimizer = trainer.Optimizer as Optimizer<T>;
                _checksGradientInStep = FusedGradientCheck && _guardedOptimizer is { ChecksGradientInUpdate: true } && _options.ClipValue is null && _options.ClipNorm is null;
                _rollback = new RollbackPoints<T>(_network, trainer.Optimizer, optimizerCopiesParameters: _guardedOptimizer is not null);
                if (_options.EarlyStopping is not null)
                {
                    _bestParameters = new T[_network.Parameters.Length];
                    _bestState = new T[_network.State.Length];
                }

                _random = new SplitMixShuffler(resume?.ShuffleState ?? _options.Seed);
                _firstEpoch = (resume?.CompletedEpochs ?? 0) + 1;
                foreach (EpochMetrics done in resume?.History ?? Array.Empty<EpochMetrics>())
                {
                    History.Add(done);
                }

                trainer.CompletedEpochs = _firstEpoch - 1;
                trainer.ShuffleState = _random.State;
            }

            public TrainingHistory History { get; } = new();

            public TrainingResult Execute(IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
            {
                try
                {
                    return ExecuteEpochs(progress, cancellationToken);
                }
                finally
                {
                    // A batch that failed or was cancelled may leave the next one half gathered: no worker writes after Fit.
                    _ahead?.Finish(1);
                }
            }

            private TrainingResult ExecuteEpochs(IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
            {
                EarlyStopping? stopping = _options.EarlyStopping;
                double best = double.NaN;
                int bestEpoch = 0;
                int sinceBest = 0;
                StopReason reason = StopReason.Completed;
                for (int epoch = _firstEpoch; epoch <= _options.Epochs; epoch++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    EpochMetrics metrics = RunEpoch(epoch, progress, cancellationToken);
                    History.Add(metrics);
                    _trainer.CompletedEpochs = epoch;
                    _trainer.ShuffleState = _random.State;
                    progress?.Report(new TrainingProgress(ProgressKind.Epoch, epoch, _options.Epochs, _batches, _batches, double.NaN, metrics.TrainingLoss, metrics.LearningRate, metrics));
                    bool stop = false;
                    if (stopping is null)
                    {
                        bestEpoch = epoch;
                    }
                    else
                    {
                        double value = stopping.Metric switch
                        {
                            MonitoredMetric.ValidationLoss => metrics.ValidationLoss!.Value,
                            MonitoredMetric.ValidationAccuracy => -metrics.ValidationAccuracy!.Value,
                            _ => metrics.TrainingLoss,
                        };
                        if (bestEpoch == 0 || value < best - stopping.MinDelta)
                        {
                            best = value;
                            bestEpoch = epoch;
                            sinceBest = 0;
                            _network.Parameters.CopyTo(_bestParameters);
                            _network.State.CopyTo(_bestState);
                        }
                        else if (++sinceBest >= stopping.Patience)
                        {
                            reason = StopReason.EarlyStopped;
                            stop = true;
                        }
                    }

                    // Callbacks see every epoch, the last one included, after early stopping has had its say.
                    if (RunCallbacks(metrics) && !stop)
                    {
                        reason = StopReason.StoppedByCallback;
                        stop = true;
                    }

                    if (stop)
                    {
                        break;
                    }
                }

                bool restored = false;
                if (stopping is { RestoreBest: true } && bestEpoch != History.Count)
                {
                    _bestParameters.CopyTo(_network.Parameters);
                    _bestState.CopyTo(_network.State);
                    restored = true;
                }

                return new TrainingResult(History, reason, bestEpoch == 0 ? History.Count : bestEpoch, restored);
            }

            /// <summary>Runs every callback on the epoch just ended; true when one of them asks to stop.</summary>
            private bool RunCallbacks(EpochMetrics metrics)
            {
                if (_trainer.Callbacks.Count == 0)
                {
                    return false;
                }

                var context = new EpochEndContext<T>(_trainer, metrics, History);
                foreach (ITrainingCallback<T> callback in _trainer.Callbacks)
                {
                    callback.OnEpochEnd(context);
                }

                return context.StopTraining;
            }

            // Compiled once, optimized: tiering would compile the batch loop three times during the first epoch, on a
            // core the training threads need (see docs/benchmarks.md, "The epoch").
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private EpochMetrics RunEpoch(int epoch, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
            {
                var clock = Stopwatch.StartNew();
                if (_options.Schedule is { } schedule)
                {
                    _trainer.Optimizer.LearningRate = schedule.RateAt(epoch - 1);
                }

                double rate = _trainer.Optimizer.LearningRate;
                _training.BeginEpoch(_order, ref _random, _options.Shuffle);

                int batchSize = Math.Min(_options.BatchSize, _training.Count);
                double lossSum = 0;
                double normSum = 0;
                int seen = 0;
                long correct = 0;
                for (int b = 0; b < _batches; b++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int start = b * batchSize;
                    int n = Math.Min(batchSize, _training.Count - start);
                    if (_options.BatchSchedule is { } perBatch)
                    {
                        long step = ((long)(epoch - 1) * _batches) + b;
                        rate = _trainer.Optimizer.LearningRate = perBatch.RateAt(step, (long)_options.Epochs * _batches);
                    }

                    double loss = TrainBatch(epoch, b + 1, start, n, out double norm, out int batchCorrect);
                    lossSum += loss * n;
                    correct += batchCorrect;
                    normSum += norm;
                    seen += n;
                    if (_options.ReportBatches)
                    {
                        progress?.Report(new TrainingProgress(ProgressKind.Batch, epoch, _options.Epochs, b + 1, _batches, loss, lossSum / seen, rate, null));
                    }
                }

                double? trainingAccuracy = !_accuracy || !_options.TrainingAccuracy ? null
                    : _outputs is not null ? (double)correct / seen
                    : _training.Accuracy(_network, _evaluator);
                double? validationLoss = _validation is null ? null : _evaluator.Loss(_validation);
                double? validationAccuracy = _validation is not null && _accuracy ? _evaluator.Accuracy(_validation) : null;
                return new EpochMetrics(epoch, lossSum / seen, trainingAccuracy, validationLoss, validationAccuracy, rate, normSum / _batches, clock.Elapsed);
            }

            // correct: how many of the batch's samples its training-mode outputs classify correctly (0 when not counted).
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private double TrainBatch(int epoch, int batch, int start, int n, out double norm, out int correct)
            {
                int outputSize = _network.OutputSize;
                Span<T> outputs = _outputs is null ? Span<T>.Empty : _outputs.AsSpan(0, n * outputSize);
                int inputSize = _network.InputSize;
                int threads = NetGenOptions.EffectiveDegreeOfParallelism;
                if (_ahead is { Pending: true } ahead)
                {
                    ahead.Finish(threads);
                    if (_aheadStart == start)
                    {
                        (_inputs, _inputsAhead) = (_inputsAhead, _inputs);
                    }
                    else
                    {
                        _training.CopyFeatures(_order, start, n, _inputs.AsSpan(0, n * inputSize));
                    }
                }
                else
                {
                    _training.CopyFeatures(_order, start, n, _inputs.AsSpan(0, n * inputSize));
                }

                Span<T> inputs = _inputs.AsSpan(0, n * inputSize);
                if (_ahead is not null && batch < _batches && threads > 1 && GatherAhead)
                {
                    // The next batch's rows come from memory while this one computes (they are the same rows whoever
                    // copies them); the order does not change within an epoch.
                    int next = start + n;
                    _aheadStart = next;
                    _ahead.Begin(((InMemorySource<T>)_training).Data.Features, inputSize, _order, next, Math.Min(n, _training.Count - next), _inputsAhead);
                }

                // TrainStep and the optimizer step change the parameters, the state, the dropout generator and the
                // optimizer's moments; keep them so that a batch that diverges can be undone exactly.
                _rollback.BeforeBatch(epoch, batch);
                T result;
                if (_labels is not null)
                {
                    Span<int> labels = _labels.AsSpan(0, n);
                    for (int i = 0; i < n; i++)
                    {
                        labels[i] = _training.Labels![_order[start + i]];
                    }

                    result = outputs.IsEmpty ? _network.TrainStep(inputs, labels) : _network.TrainStep(inputs, labels, outputs);
                    correct = outputs.IsEmpty ? 0 : Metrics.CountCorrect<T>(outputs, outputSize, labels);
                }
                else
                {
                    Span<T> targets = _targets.AsSpan(0, n * outputSize);
                    for (int i = 0; i < n; i++)
                    {
                        ((InMemorySource<T>)_training).Data.Targets.AsSpan(_order[start + i] * outputSize, outputSize).CopyTo(targets.Slice(i * outputSize));
                    }

                    result = outputs.IsEmpty ? _network.TrainStep(inputs, targets) : _network.TrainStep(inputs, targets, outputs);
                    correct = outputs.IsEmpty ? 0 : Metrics.CountCorrect<T>(outputs, outputSize, targets);
                }

                double loss = double.CreateTruncating(result);
                Span<T> gradients = _network.Gradients;
                bool usable;
                if (_checksGradientInStep)
                {
                    // No clipping and an optimizer that measures the gradient's norm in its own update: the loss and the
                    // state are checked first (the norm is measured only to report a failure), the gradient in the step.
                    if (!double.IsFinite(loss))
                    {
                        norm = GradientClipping.GlobalNorm<T>(gradients);
                        var restored = _rollback.UndoTrainStep();
                        throw new NonFiniteLossException(epoch, batch, loss, norm, null, restored.Epoch, restored.Batch);
                    }

                    if (FirstNonFinite(_network.State) is { } badState)
                    {
                        norm = GradientClipping.GlobalNorm<T>(gradients);
                        string? problem = double.IsFinite(norm) ? StateProblem(badState) : null;
                        var restored = _rollback.UndoTrainStep();
                        throw new NonFiniteLossException(epoch, batch, loss, norm, problem, restored.Epoch, restored.Batch);
                    }

                    GuardedOutcome outcome = _guardedOptimizer!.StepChecked(_network.Parameters, gradients, _rollback.CurrentParameters, ParameterLimit, out norm);
                    if (outcome == GuardedOutcome.NonFiniteGradient)
                    {
                        // The optimizer dropped its step: as when the TrainStep fails, back to before the previous batch.
                        var restored = _rollback.UndoTrainStep();
                        throw new NonFiniteLossException(epoch, batch, loss, norm, null, restored.Epoch, restored.Batch);
                    }

                    usable = outcome == GuardedOutcome.Usable;
                }
                else
                {
                    usable = CheckClipAndStep(epoch, batch, loss, gradients, out norm);
                }

                if (!usable)
                {
                    string problem = ParameterProblem(FirstUnusableParameter(_network.Parameters) ?? 0);
                    var restored = _rollback.UndoOptimizerStep();
                    throw new NonFiniteLossException(epoch, batch, loss, norm, problem, restored.Epoch, restored.Batch);
                }

                _rollback.Accept();
                return loss;
            }

            /// <summary>The checks, clipping and step for any optimizer: the gradient's norm in a pass of its own first.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private bool CheckClipAndStep(int epoch, int batch, double loss, Span<T> gradients, out double norm)
            {
                norm = GradientClipping.GlobalNorm<T>(gradients);
                if (!double.IsFinite(loss) || !double.IsFinite(norm))
                {
                    var restored = _rollback.UndoTrainStep();
                    throw new NonFiniteLossException(epoch, batch, loss, norm, null, restored.Epoch, restored.Batch);
                }

                if (FirstNonFinite(_network.State) is { } bad)
                {
                    string problem = StateProblem(bad);
                    var restored = _rollback.UndoTrainStep();
                    throw new NonFiniteLossException(epoch, batch, loss, norm, problem, restored.Epoch, restored.Batch);
                }

                if (_options.ClipValue is { } limit)
                {
                    GradientClipping.ClipByValue(gradients, limit);
                }

                if (_options.ClipNorm is { } threshold)
                {
                    // Clipping by value changes the norm; otherwise the one measured above still holds.
                    if (_options.ClipValue is null)
                    {
                        GradientClipping.ScaleToThreshold(gradients, norm, threshold);
                    }
                    else
                    {
                        GradientClipping.ClipByGlobalNorm(gradients, threshold);
                    }
                }

                if (_guardedOptimizer is { } guarded)
                {
                    return guarded.StepGuarded(_network.Parameters, gradients, _rollback.CurrentParameters, ParameterLimit);
                }

                _trainer.Optimizer.Step(_network.Parameters, gradients);
                return GuardScan.AllWithin<T>(_network.Parameters, ParameterLimit);
            }

            /// <summary>The first index whose value is NaN or infinite, or null.</summary>
            private static int? FirstNonFinite(ReadOnlySpan<T> values)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    if (!T.IsFinite(values[i]))
                    {
                        return i;
                    }
                }

                return null;
            }

            /// <summary>
            /// The first parameter that is NaN, infinite or larger in magnitude than √MaxValue (its square, in an L2 term
            /// or a product with a value ≥ itself, overflows: the next batch would fail), or null. Searched only after the
            /// optimizer step's own check (or <see cref="GuardScan.AllWithin{T}"/>) found one.
            /// </summary>
            private static int? FirstUnusableParameter(ReadOnlySpan<T> parameters)
            {
                T limit = ParameterLimit;
                for (int i = 0; i < parameters.Length; i++)
                {
                    if (!(T.Abs(parameters[i]) <= limit))
                    {
                        return i;
                    }
                }

                return null;
            }

            private string StateProblem(int index) => Invariant(
                $"State[{index}] (a BatchNorm running statistic) became {_network.State[index]} while the loss and gradient stayed finite; the inputs are probably too large (standardize them)");

            private string ParameterProblem(int index) => Invariant(
                $"the optimizer step made parameter {index} equal to {_network.Parameters[index]}, beyond the usable range ±{ParameterLimit} (√MaxValue)");

            private static T ParameterLimit { get; } = T.CreateChecked(Math.Sqrt(typeof(T) == typeof(float) ? float.MaxValue : double.MaxValue));
        }
    }
}
