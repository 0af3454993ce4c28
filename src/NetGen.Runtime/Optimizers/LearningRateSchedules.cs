using System;
using System.Globalization;

namespace NetGen.Optimizers
{
    /// <summary>
    /// A learning rate per epoch. The trainer asks for <see cref="RateAt"/> before each epoch and sets the optimizer's
    /// <see cref="IOptimizer{T}.LearningRate"/> to it, so the rate is constant within an epoch.
    /// </summary>
    public interface ILearningRateSchedule
    {
        /// <summary>
        /// The learning rate for the epoch that starts after <paramref name="epoch"/> completed epochs: <c>t</c> in the
        /// formulas, 0 for the first epoch (which gets α₀).
        /// </summary>
        double RateAt(int epoch);
    }

    /// <summary>The same rate for every epoch: <c>α(t) = α₀</c>.</summary>
    public sealed class ConstantLearningRate : ILearningRateSchedule
    {
        /// <summary>Creates a constant schedule.</summary>
        public ConstantLearningRate(double rate)
        {
            Rate = ScheduleChecks.Rate(rate, nameof(rate));
        }

        /// <summary>α₀.</summary>
        public double Rate { get; }

        /// <inheritdoc/>
        public double RateAt(int epoch)
        {
            ScheduleChecks.Epoch(epoch);
            return Rate;
        }
    }

    /// <summary>Step decay: the rate is multiplied by <c>γ</c> every <c>s</c> epochs, <c>α(t) = α₀·γ^⌊t/s⌋</c>.</summary>
    public sealed class StepDecay : ILearningRateSchedule
    {
        /// <summary>Creates a step decay schedule.</summary>
        /// <param name="initialRate">α₀.</param>
        /// <param name="factor">γ in (0, 1], e.g. 0.5 to halve.</param>
        /// <param name="stepEpochs">s ≥ 1: epochs between drops.</param>
        public StepDecay(double initialRate, double factor, int stepEpochs)
        {
            InitialRate = ScheduleChecks.Rate(initialRate, nameof(initialRate));
            if (!(factor > 0 && factor <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(factor), factor, "The decay factor γ must lie in (0, 1].");
            }

            ArgumentOutOfRangeException.ThrowIfLessThan(stepEpochs, 1);
            Factor = factor;
            StepEpochs = stepEpochs;
        }

        /// <summary>α₀.</summary>
        public double InitialRate { get; }

        /// <summary>γ.</summary>
        public double Factor { get; }

        /// <summary>s.</summary>
        public int StepEpochs { get; }

        /// <inheritdoc/>
        public double RateAt(int epoch)
        {
            ScheduleChecks.Epoch(epoch);
            return InitialRate * Math.Pow(Factor, epoch / StepEpochs);
        }
    }

    /// <summary>Exponential decay: <c>α(t) = α₀·e^(−k·t)</c>.</summary>
    public sealed class ExponentialDecay : ILearningRateSchedule
    {
        /// <summary>Creates an exponential decay schedule.</summary>
        /// <param name="initialRate">α₀.</param>
        /// <param name="decay">k ≥ 0.</param>
        public ExponentialDecay(double initialRate, double decay)
        {
            InitialRate = ScheduleChecks.Rate(initialRate, nameof(initialRate));
            Decay = ScheduleChecks.Rate(decay, nameof(decay));
        }

        /// <summary>α₀.</summary>
        public double InitialRate { get; }

        /// <summary>k.</summary>
        public double Decay { get; }

        /// <inheritdoc/>
        public double RateAt(int epoch)
        {
            ScheduleChecks.Epoch(epoch);
            return InitialRate * Math.Exp(-Decay * epoch);
        }
    }

    /// <summary>Inverse time decay: <c>α(t) = α₀ / (1 + k·t)</c>.</summary>
    public sealed class InverseTimeDecay : ILearningRateSchedule
    {
        /// <summary>Creates an inverse time decay schedule.</summary>
        /// <param name="initialRate">α₀.</param>
        /// <param name="decay">k ≥ 0.</param>
        public InverseTimeDecay(double initialRate, double decay)
        {
            InitialRate = ScheduleChecks.Rate(initialRate, nameof(initialRate));
            Decay = ScheduleChecks.Rate(decay, nameof(decay));
        }

        /// <summary>α₀.</summary>
        public double InitialRate { get; }

        /// <summary>k.</summary>
        public double Decay { get; }

        /// <inheritdoc/>
        public double RateAt(int epoch)
        {
            ScheduleChecks.Epoch(epoch);
            return InitialRate / (1 + Decay * epoch);
        }
    }

    /// <summary>
    /// Cosine annealing (Loshchilov and Hutter's SGDR without restarts) over <c>T</c> epochs:
    /// <c>α(t) = α_min + ½·(α₀ − α_min)·(1 + cos(π·t/T))</c> for <c>t ≤ T</c>, and <c>α_min</c> after.
    /// </summary>
    public sealed class CosineAnnealing : ILearningRateSchedule
    {
        /// <summary>Creates a cosine schedule.</summary>
        /// <param name="initialRate">α₀, the rate at t = 0.</param>
        /// <param name="totalEpochs">T ≥ 1: the epoch at which the rate reaches <paramref name="minimumRate"/>.</param>
        /// <param name="minimumRate">α_min, between 0 and α₀.</param>
        public CosineAnnealing(double initialRate, int totalEpochs, double minimumRate = 0)
        {
            InitialRate = ScheduleChecks.Rate(initialRate, nameof(initialRate));
            ArgumentOutOfRangeException.ThrowIfLessThan(totalEpochs, 1);
            MinimumRate = ScheduleChecks.Rate(minimumRate, nameof(minimumRate));
            if (minimumRate > initialRate)
            {
                throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, string.Create(CultureInfo.InvariantCulture, $"The minimum rate must not exceed the initial rate {initialRate}."));
            }

            TotalEpochs = totalEpochs;
        }

        /// <summary>α₀.</summary>
        public double InitialRate { get; }

        /// <summary>T.</summary>
        public int TotalEpochs { get; }

        /// <summary>α_min.</summary>
        public double MinimumRate { get; }

        /// <inheritdoc/>
        public double RateAt(int epoch)
        {
            ScheduleChecks.Epoch(epoch);
            int t = Math.Min(epoch, TotalEpochs);
            return MinimumRate + 0.5 * (InitialRate - MinimumRate) * (1 + Math.Cos(Math.PI * t / TotalEpochs));
        }
    }

    internal static class ScheduleChecks
    {
        public static double Rate(double value, string name)
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be finite and ≥ 0."));
            }

            return value;
        }

        public static void Epoch(int epoch)
        {
            if (epoch < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch index must be ≥ 0 (0 is the first epoch).");
            }
        }
    }
}
