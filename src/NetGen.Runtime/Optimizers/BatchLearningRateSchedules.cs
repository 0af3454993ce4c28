using System;
using System.Globalization;

namespace NetGen.Optimizers
{
    /// <summary>
    /// A learning rate per mini-batch (per optimizer step), for schedules that change within an epoch such as a linear
    /// warm-up or one-cycle. Set it as <see cref="Training.TrainerOptions.BatchSchedule"/>; the trainer asks for
    /// <see cref="RateAt"/> before every batch and sets the optimizer's <see cref="IOptimizer{T}.LearningRate"/>.
    /// </summary>
    public interface IBatchLearningRateSchedule
    {
        /// <summary>
        /// The learning rate of step <paramref name="step"/> (0 for the first batch of the first epoch) out of
        /// <paramref name="totalSteps"/> (epochs × batches per epoch).
        /// </summary>
        double RateAt(long step, long totalSteps);
    }

    /// <summary>
    /// Linear warm-up (Goyal et al., 2017): the rate climbs linearly to <c>α₀</c> over the first <c>W</c> steps,
    /// <c>α(s) = α₀·(s + 1)/W</c> for <c>s &lt; W</c>; after that it stays at α₀, or follows <see cref="After"/> with the
    /// steps counted from the end of the warm-up.
    /// </summary>
    public sealed class LinearWarmup : IBatchLearningRateSchedule
    {
        /// <summary>Creates a warm-up schedule.</summary>
        /// <param name="rate">α₀, the rate reached at the end of the warm-up.</param>
        /// <param name="warmupSteps">W ≥ 1: steps (batches) to reach it.</param>
        /// <param name="after">The schedule after the warm-up, asked with the steps counted from its end; null keeps α₀.</param>
        public LinearWarmup(double rate, long warmupSteps, IBatchLearningRateSchedule? after = null)
        {
            Rate = ScheduleChecks.Rate(rate, nameof(rate));
            ArgumentOutOfRangeException.ThrowIfLessThan(warmupSteps, 1);
            WarmupSteps = warmupSteps;
            After = after;
        }

        /// <summary>α₀.</summary>
        public double Rate { get; }

        /// <summary>W.</summary>
        public long WarmupSteps { get; }

        /// <summary>The schedule after the warm-up, or null.</summary>
        public IBatchLearningRateSchedule? After { get; }

        /// <inheritdoc/>
        public double RateAt(long step, long totalSteps)
        {
            BatchScheduleChecks.Step(step, totalSteps);
            if (step < WarmupSteps)
            {
                return Rate * (step + 1) / WarmupSteps;
            }

            return After is null ? Rate : After.RateAt(step - WarmupSteps, Math.Max(1, totalSteps - WarmupSteps));
        }
    }

    /// <summary>
    /// One-cycle (Smith and Topin, 2018), as PyTorch's <c>OneCycleLR</c> with cosine annealing: over the first
    /// <c>p·N</c> steps the rate rises from <c>α_max/d</c> to <c>α_max</c> (at step <c>p·N − 1</c>), then falls to
    /// <c>α_max/(d·f)</c> at the last step <c>N − 1</c>,
    /// each phase along a half cosine. <c>N</c> is the total number of steps of the training run.
    /// </summary>
    public sealed class OneCycle : IBatchLearningRateSchedule
    {
        /// <summary>Creates a one-cycle schedule.</summary>
        /// <param name="maxRate">α_max.</param>
        /// <param name="warmupFraction">p in (0, 1): the fraction of the steps spent rising (0.3 as in PyTorch).</param>
        /// <param name="divFactor">d ≥ 1: the starting rate is α_max/d (25).</param>
        /// <param name="finalDivFactor">f ≥ 1: the final rate is α_max/(d·f) (10⁴).</param>
        public OneCycle(double maxRate, double warmupFraction = 0.3, double divFactor = 25, double finalDivFactor = 1e4)
        {
            MaxRate = ScheduleChecks.Rate(maxRate, nameof(maxRate));
            if (!(warmupFraction > 0 && warmupFraction < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(warmupFraction), warmupFraction, "The warm-up fraction must lie in (0, 1).");
            }

            if (!(divFactor >= 1 && double.IsFinite(divFactor)) || !(finalDivFactor >= 1 && double.IsFinite(finalDivFactor)))
            {
                throw new ArgumentOutOfRangeException(nameof(divFactor), "The division factors must be finite and ≥ 1.");
            }

            WarmupFraction = warmupFraction;
            DivFactor = divFactor;
            FinalDivFactor = finalDivFactor;
        }

        /// <summary>α_max.</summary>
        public double MaxRate { get; }

        /// <summary>p.</summary>
        public double WarmupFraction { get; }

        /// <summary>d.</summary>
        public double DivFactor { get; }

        /// <summary>f.</summary>
        public double FinalDivFactor { get; }

        /// <inheritdoc/>
        public double RateAt(long step, long totalSteps)
        {
            BatchScheduleChecks.Step(step, totalSteps);
            double initial = MaxRate / DivFactor;
            double final = initial / FinalDivFactor;
            // PyTorch's phase ends: the peak at step p·N − 1, the end at step N − 1.
            double peak = Math.Max(0, (WarmupFraction * totalSteps) - 1);
            double last = totalSteps - 1;
            if (step <= peak)
            {
                return peak == 0 ? MaxRate : Cosine(initial, MaxRate, step / peak);
            }

            return last <= peak ? final : Cosine(MaxRate, final, Math.Min(1, (step - peak) / (last - peak)));
        }

        // From `from` at t = 0 to `to` at t = 1 along a half cosine.
        private static double Cosine(double from, double to, double t) => to + ((from - to) * 0.5 * (1 + Math.Cos(Math.PI * t)));
    }

    /// <summary>Argument checks shared by the per-batch schedules.</summary>
    internal static class BatchScheduleChecks
    {
        public static void Step(long step, long totalSteps)
        {
            if (step < 0 || totalSteps < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(step), step, string.Create(CultureInfo.InvariantCulture, $"The step must be ≥ 0 and the total ≥ 1, but they are {step} and {totalSteps}."));
            }
        }
    }
}
