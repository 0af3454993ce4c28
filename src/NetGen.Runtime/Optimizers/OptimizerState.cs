using System;
using System.Collections.Generic;
using System.Globalization;

namespace NetGen.Optimizers
{
    /// <summary>
    /// An optimizer whose state (step count, learning rate and buffers such as Adam's moments) can be copied out and put
    /// back, so that training can be stopped and resumed exactly (<see cref="Checkpoints.TrainingCheckpoint"/>). Every
    /// NetGen optimizer implements it.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public interface IOptimizerState<T> : IOptimizer<T>
    {
        /// <summary>A copy of the state; later steps do not change it.</summary>
        OptimizerState<T> SaveState();

        /// <summary>
        /// Puts back a state from <see cref="SaveState"/> of an optimizer of the same kind and hyperparameters: the next
        /// <see cref="IOptimizer{T}.Step"/> continues exactly where that one stopped.
        /// </summary>
        /// <exception cref="ArgumentException">The state is of another kind of optimizer or its buffers do not fit; nothing is changed.</exception>
        void RestoreState(OptimizerState<T> state);
    }

    /// <summary>What an optimizer needs to continue exactly: its kind, step count, learning rate and state buffers.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class OptimizerState<T>
    {
        /// <summary>Creates a state; the buffers are copied.</summary>
        /// <param name="kind">The optimizer's kind, e.g. <c>Adam</c>.</param>
        /// <param name="stepCount">Steps taken (t in the formulas).</param>
        /// <param name="learningRate">The current learning rate.</param>
        /// <param name="parameterCount">The buffer length the optimizer was sized for, or −1 before its first step.</param>
        /// <param name="buffers">The state buffers in the optimizer's own order (Adam: first moments, then second moments).</param>
        public OptimizerState(string kind, long stepCount, double learningRate, int parameterCount, IReadOnlyList<T[]> buffers)
        {
            ArgumentNullException.ThrowIfNull(kind);
            ArgumentNullException.ThrowIfNull(buffers);
            ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
            ArgumentOutOfRangeException.ThrowIfLessThan(parameterCount, -1);
            Kind = kind;
            StepCount = stepCount;
            LearningRate = learningRate;
            ParameterCount = parameterCount;
            var copies = new T[buffers.Count][];
            for (int i = 0; i < copies.Length; i++)
            {
                copies[i] = (T[])buffers[i].Clone();
            }

            Buffers = copies;
        }

        /// <summary>The optimizer's kind, e.g. <c>Adam</c>.</summary>
        public string Kind { get; }

        /// <summary>Steps taken.</summary>
        public long StepCount { get; }

        /// <summary>The learning rate when the state was saved.</summary>
        public double LearningRate { get; }

        /// <summary>The buffer length the optimizer was sized for, or −1 before its first step.</summary>
        public int ParameterCount { get; }

        /// <summary>The state buffers, in the optimizer's own order.</summary>
        public IReadOnlyList<T[]> Buffers { get; }

        /// <inheritdoc/>
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind}: {StepCount} steps, learning rate {LearningRate}, {Buffers.Count} buffers of {ParameterCount}");
    }
}
