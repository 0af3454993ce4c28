using System;
using System.Globalization;
using System.IO;
using System.Numerics;
using NetGen.Checkpoints;

namespace NetGen.Training
{
    /// <summary>
    /// Called by <see cref="Trainer{T}.Fit(NetGen.Data.Dataset{T}, NetGen.Data.Dataset{T}, System.IProgress{NetGen.Training.TrainingProgress}, System.Threading.CancellationToken)"/> after every epoch, once the epoch's metrics are measured (Keras'
    /// <c>Callback.on_epoch_end</c>). Add callbacks to <see cref="Trainer{T}.Callbacks"/>; they run in order.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public interface ITrainingCallback<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The epoch <see cref="EpochEndContext{T}.Metrics"/> has ended. Set <see cref="EpochEndContext{T}.StopTraining"/> to end training.</summary>
        void OnEpochEnd(EpochEndContext<T> context);
    }

    /// <summary>What an <see cref="ITrainingCallback{T}"/> sees at the end of an epoch, and how it stops training.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class EpochEndContext<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        internal EpochEndContext(Trainer<T> trainer, EpochMetrics metrics, TrainingHistory history)
        {
            Trainer = trainer;
            Metrics = metrics;
            History = history;
        }

        /// <summary>The trainer: its network (with the parameters after this epoch), optimizer and options.</summary>
        public Trainer<T> Trainer { get; }

        /// <summary>The network being trained.</summary>
        public INetwork<T> Network => Trainer.Network;

        /// <summary>The metrics of the epoch that just ended.</summary>
        public EpochMetrics Metrics { get; }

        /// <summary>The epoch that just ended, 1-based.</summary>
        public int Epoch => Metrics.Epoch;

        /// <summary>Every completed epoch, this one included.</summary>
        public TrainingHistory History { get; }

        /// <summary>Set to true to end training after this epoch (Keras' <c>model.stop_training = True</c>); the result's <see cref="TrainingResult.StopReason"/> is then <see cref="StopReason.StoppedByCallback"/>.</summary>
        public bool StopTraining { get; set; }
    }

    /// <summary>A callback from a delegate, for logging or a one-off stop condition.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class LambdaCallback<T> : ITrainingCallback<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Action<EpochEndContext<T>> _onEpochEnd;

        /// <summary>Creates the callback.</summary>
        public LambdaCallback(Action<EpochEndContext<T>> onEpochEnd)
        {
            _onEpochEnd = onEpochEnd ?? throw new ArgumentNullException(nameof(onEpochEnd));
        }

        /// <inheritdoc/>
        public void OnEpochEnd(EpochEndContext<T> context) => _onEpochEnd(context);
    }

    /// <summary>Writes one line per epoch (<see cref="EpochMetrics.ToString"/>) to a <see cref="TextWriter"/> (Keras' <c>CSVLogger</c>/verbose output).</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class EpochLogger<T> : ITrainingCallback<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly TextWriter _writer;

        /// <summary>Creates a logger that writes to <paramref name="writer"/>, e.g. <see cref="Console.Out"/>.</summary>
        public EpochLogger(TextWriter writer)
        {
            _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        }

        /// <inheritdoc/>
        public void OnEpochEnd(EpochEndContext<T> context) => _writer.WriteLine(context.Metrics.ToString());
    }

    /// <summary>
    /// Saves the model (<see cref="Checkpoint"/>, <c>.ngmd</c>) at the end of an epoch, like Keras' <c>ModelCheckpoint</c>:
    /// by default only when the monitored metric improved, so the file always holds the best model so far.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class ModelCheckpoint<T> : ITrainingCallback<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private double _best = double.NaN;

        /// <summary>Creates the callback.</summary>
        /// <param name="path">The file to write (atomically); <c>{epoch}</c> in it is replaced by the epoch number, e.g. <c>model-{epoch}.ngmd</c>.</param>
        /// <param name="monitor">The metric that decides what "best" is.</param>
        /// <param name="saveBestOnly">Save only when the metric improved on the best so far by more than <paramref name="minDelta"/>; false saves every epoch.</param>
        /// <param name="minDelta">The smallest change that counts as an improvement (≥ 0).</param>
        public ModelCheckpoint(string path, MonitoredMetric monitor = MonitoredMetric.ValidationLoss, bool saveBestOnly = true, double minDelta = 0)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            if (!(minDelta >= 0 && double.IsFinite(minDelta)))
            {
                throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "minDelta must be finite and ≥ 0.");
            }

            Path = path;
            Monitor = monitor;
            SaveBestOnly = saveBestOnly;
            MinDelta = minDelta;
        }

        /// <summary>The file name pattern.</summary>
        public string Path { get; }

        /// <summary>The monitored metric.</summary>
        public MonitoredMetric Monitor { get; }

        /// <summary>Whether only improvements are saved.</summary>
        public bool SaveBestOnly { get; }

        /// <summary>The smallest improvement.</summary>
        public double MinDelta { get; }

        /// <summary>The epoch of the best value so far (0 before the first epoch).</summary>
        public int BestEpoch { get; private set; }

        /// <summary>The best value of the monitored metric so far (NaN before the first epoch).</summary>
        public double BestValue => Monitored.IsHigherBetter(Monitor) ? -_best : _best;

        /// <summary>The file written last, or null.</summary>
        public string? LastSavedPath { get; private set; }

        /// <inheritdoc/>
        public void OnEpochEnd(EpochEndContext<T> context)
        {
            double value = Monitored.Value(context.Metrics, Monitor, nameof(ModelCheckpoint<T>));
            bool improved = BestEpoch == 0 || value < _best - MinDelta;
            if (improved)
            {
                _best = value;
                BestEpoch = context.Epoch;
            }

            if (improved || !SaveBestOnly)
            {
                string path = Path.Replace("{epoch}", context.Epoch.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
                Checkpoint.Save(context.Network, path);
                LastSavedPath = path;
            }
        }
    }

    /// <summary>
    /// Saves a <see cref="TrainingCheckpoint"/> at the end of every epoch (Keras' <c>BackupAndRestore</c>): after a crash,
    /// <see cref="TrainingCheckpoint.Load{T}(Trainer{T}, string)"/> and <see cref="Trainer{T}.Fit(NetGen.Data.Dataset{T}, NetGen.Data.Dataset{T}, System.IProgress{NetGen.Training.TrainingProgress}, System.Threading.CancellationToken)"/> continue with the next epoch.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class BackupAndRestore<T> : ITrainingCallback<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Creates the callback that writes <paramref name="path"/> (atomically) after every epoch.</summary>
        public BackupAndRestore(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            Path = path;
        }

        /// <summary>The training checkpoint file.</summary>
        public string Path { get; }

        /// <inheritdoc/>
        public void OnEpochEnd(EpochEndContext<T> context) => TrainingCheckpoint.Save(context.Trainer, Path);
    }

    /// <summary>
    /// Multiplies the optimizer's learning rate by <see cref="Factor"/> when the monitored metric has not improved for
    /// <see cref="Patience"/> epochs (Keras' <c>ReduceLROnPlateau</c>, PyTorch's <c>ReduceLROnPlateau</c>). It changes
    /// <see cref="Optimizers.IOptimizer{T}.LearningRate"/> itself, so it cannot be combined with a schedule.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class ReduceLearningRateOnPlateau<T> : ITrainingCallback<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private double _best = double.NaN;
        private int _seen;
        private int _wait;
        private int _cooldownLeft;

        /// <summary>Creates the callback.</summary>
        /// <param name="monitor">The metric watched.</param>
        /// <param name="factor">In (0, 1): the rate becomes <c>rate·factor</c>.</param>
        /// <param name="patience">Epochs without improvement before a reduction (≥ 1).</param>
        /// <param name="minDelta">The smallest change that counts as an improvement (≥ 0).</param>
        /// <param name="minRate">The rate never goes below this (≥ 0).</param>
        /// <param name="cooldown">Epochs after a reduction during which no improvement is awaited (≥ 0).</param>
        public ReduceLearningRateOnPlateau(MonitoredMetric monitor = MonitoredMetric.ValidationLoss, double factor = 0.1, int patience = 10, double minDelta = 1e-4, double minRate = 0, int cooldown = 0)
        {
            if (!(factor > 0 && factor < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must lie in (0, 1).");
            }

            ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
            ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
            if (!(minDelta >= 0 && double.IsFinite(minDelta)) || !(minRate >= 0 && double.IsFinite(minRate)))
            {
                throw new ArgumentOutOfRangeException(nameof(minDelta), "minDelta and minRate must be finite and ≥ 0.");
            }

            Monitor = monitor;
            Factor = factor;
            Patience = patience;
            MinDelta = minDelta;
            MinRate = minRate;
            Cooldown = cooldown;
        }

        /// <summary>The monitored metric.</summary>
        public MonitoredMetric Monitor { get; }

        /// <summary>The reduction factor.</summary>
        public double Factor { get; }

        /// <summary>Epochs without improvement before a reduction.</summary>
        public int Patience { get; }

        /// <summary>The smallest improvement.</summary>
        public double MinDelta { get; }

        /// <summary>The lowest rate.</summary>
        public double MinRate { get; }

        /// <summary>Epochs after a reduction before waiting again.</summary>
        public int Cooldown { get; }

        /// <summary>How many times the rate was reduced.</summary>
        public int Reductions { get; private set; }

        /// <inheritdoc/>
        public void OnEpochEnd(EpochEndContext<T> context)
        {
            if (context.Trainer.Options.Schedule is not null || context.Trainer.Options.BatchSchedule is not null)
            {
                throw new InvalidOperationException("ReduceLearningRateOnPlateau sets the optimizer's learning rate, and a Schedule or BatchSchedule would overwrite it: use one or the other.");
            }

            double value = Monitored.Value(context.Metrics, Monitor, nameof(ReduceLearningRateOnPlateau<T>));
            if (_seen++ == 0 || value < _best - MinDelta)
            {
                _best = value;
                _wait = 0;
                return;
            }

            if (_cooldownLeft > 0)
            {
                _cooldownLeft--;
                _wait = 0;
                return;
            }

            if (++_wait >= Patience)
            {
                double rate = context.Trainer.Optimizer.LearningRate;
                double reduced = Math.Max(rate * Factor, MinRate);
                if (reduced < rate)
                {
                    context.Trainer.Optimizer.LearningRate = reduced;
                    Reductions++;
                }

                _cooldownLeft = Cooldown;
                _wait = 0;
            }
        }
    }

    /// <summary>The monitored metric of an epoch as "lower is better".</summary>
    internal static class Monitored
    {
        public static bool IsHigherBetter(MonitoredMetric metric) => metric == MonitoredMetric.ValidationAccuracy;

        public static double Value(EpochMetrics metrics, MonitoredMetric metric, string who) => metric switch
        {
            MonitoredMetric.ValidationLoss => metrics.ValidationLoss ?? throw Missing(who, metric),
            MonitoredMetric.ValidationAccuracy => -(metrics.ValidationAccuracy ?? throw Missing(who, metric)),
            MonitoredMetric.TrainingLoss => metrics.TrainingLoss,
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
        };

        private static InvalidOperationException Missing(string who, MonitoredMetric metric) =>
            new($"{who} watches {metric}, but the epoch has no such value: pass a validation set to Fit (or set ValidationSplit), and keep accuracy on for ValidationAccuracy.");
    }
}
