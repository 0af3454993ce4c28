using System;

namespace NetGen.Optimizers
{
    /// <summary>
    /// Updates a flat parameter buffer from the gradient of the loss, e.g. <see cref="INetwork{T}.Parameters"/> from
    /// <see cref="INetwork{T}.Gradients"/>. An optimizer keeps its own state (momentum, running averages) for one
    /// buffer: its length is fixed by the first <see cref="Step"/> and every later call must
    /// pass the same length.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public interface IOptimizer<T>
    {
        /// <summary>The step size α. A learning-rate schedule sets it before each epoch (or each batch, for a per-batch schedule).</summary>
        double LearningRate { get; set; }

        /// <summary>
        /// Applies one update to <paramref name="parameters"/> in place from <paramref name="gradients"/> (same length).
        /// Allocates nothing after the first call.
        /// </summary>
        /// <exception cref="ArgumentException">The lengths differ from each other or from the length the optimizer was sized for.</exception>
        void Step(Span<T> parameters, ReadOnlySpan<T> gradients);

        /// <summary>Forgets the optimizer's state (moments, accumulators, step count) as if no step had been taken.</summary>
        void Reset();
    }
}
