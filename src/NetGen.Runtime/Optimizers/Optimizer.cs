using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NetGen.Optimizers
{
    /// <summary>
    /// The shared part of NetGen's optimizers: length checks, lazily sized state buffers and the step count.
    /// A derived class allocates its state in <see cref="Allocate"/> and does its arithmetic in <see cref="Update"/>.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public abstract class Optimizer<T> : IOptimizerState<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private double _learningRate;

        /// <summary>Creates an optimizer whose state is sized on the first <see cref="Step"/>.</summary>
        /// <param name="learningRate">The step size α (positive and finite).</param>
        protected Optimizer(double learningRate)
        {
            LearningRate = learningRate;
        }

        /// <inheritdoc/>
        public double LearningRate
        {
            get => _learningRate;
            set
            {
                if (!(value >= 0) || double.IsInfinity(value))
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be a finite number ≥ 0.");
                }

                _learningRate = value;
            }
        }

        /// <summary>The length of the buffer this optimizer works on, or −1 before it is known.</summary>
        public int ParameterCount { get; private set; } = -1;

        /// <summary>The number of steps taken since construction or the last <see cref="Reset()"/> (t in the formulas).</summary>
        public long StepCount { get; private set; }

        /// <inheritdoc/>
        public void Step(Span<T> parameters, ReadOnlySpan<T> gradients)
        {
            CheckStep(parameters, gradients);
            StepCount++;
            Update(parameters, gradients);
            CanStepBack = KeepsPreviousState;
        }

        /// <summary>
        /// <see cref="Step"/> for a trainer that can undo it: also copies the parameters from before the step into
        /// <paramref name="previous"/> and returns whether every parameter after it is a number of magnitude ≤
        /// <paramref name="limit"/>. An optimizer that overrides <see cref="UpdateGuarded"/> does both in its update's own
        /// pass over the parameters instead of one pass before it and one after.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal bool StepGuarded(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> previous, T limit)
        {
            CheckStep(parameters, gradients);
            if (previous.Length != parameters.Length)
            {
                throw new ArgumentException("The copy of the parameters must have their length.", nameof(previous));
            }

            StepCount++;
            bool usable = UpdateGuarded(parameters, gradients, previous, limit);
            CanStepBack = KeepsPreviousState;
            return usable;
        }

        /// <summary>
        /// <see cref="StepGuarded"/> that also checks the gradient: a gradient holding a NaN or ∞ (its norm, measured in
        /// double, is not finite) leaves the parameters, the state, the step count and <see cref="CanStepBack"/> exactly as
        /// before the call and returns <see cref="GuardedOutcome.NonFiniteGradient"/>. An optimizer with
        /// <see cref="ChecksGradientInUpdate"/> measures the norm in its update's own pass (and drops the step when it is not
        /// finite); any other measures it first, with <see cref="GradientClipping.GlobalNorm{T}"/>, and does not step then.
        /// </summary>
        /// <param name="parameters">Updated in place.</param>
        /// <param name="gradients">The gradient; not changed.</param>
        /// <param name="previous">Receives the parameters from before the step.</param>
        /// <param name="limit">The largest magnitude a usable parameter may have.</param>
        /// <param name="gradientNorm">‖g‖, accumulated in double (NaN or ∞ when the gradient holds one).</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal GuardedOutcome StepChecked(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> previous, T limit, out double gradientNorm)
        {
            if (!ChecksGradientInUpdate)
            {
                gradientNorm = GradientClipping.GlobalNorm(gradients);
                if (!double.IsFinite(gradientNorm))
                {
                    return GuardedOutcome.NonFiniteGradient;
                }

                return StepGuarded(parameters, gradients, previous, limit) ? GuardedOutcome.Usable : GuardedOutcome.UnusableParameter;
            }

            CheckStep(parameters, gradients);
            if (previous.Length != parameters.Length)
            {
                throw new ArgumentException("The copy of the parameters must have their length.", nameof(previous));
            }

            bool couldStepBack = CanStepBack;
            StepCount++;
            GuardedOutcome outcome = UpdateChecked(parameters, gradients, previous, limit, out gradientNorm);
            if (outcome == GuardedOutcome.NonFiniteGradient)
            {
                StepCount--;
                CanStepBack = couldStepBack; // the dropped step never happened: the one before it can still be undone
            }
            else
            {
                CanStepBack = KeepsPreviousState;
            }

            return outcome;
        }

        /// <summary>
        /// Whether <see cref="UpdateChecked"/> measures the gradient's norm in the update's own pass (and so has to be able
        /// to drop a step it has written: Adam keeps a third set of moments for it). False by default.
        /// </summary>
        internal virtual bool ChecksGradientInUpdate => false;

        /// <summary>
        /// The update of <see cref="StepChecked"/> for an optimizer with <see cref="ChecksGradientInUpdate"/>: as
        /// <see cref="UpdateGuarded"/>, and the gradient's norm from the same pass; when that is not finite, the update is
        /// undone (parameters from <paramref name="previous"/>, state as before) and the result is
        /// <see cref="GuardedOutcome.NonFiniteGradient"/>. <see cref="StepCount"/> is already incremented; the caller
        /// decrements it again after a dropped step.
        /// </summary>
        internal virtual GuardedOutcome UpdateChecked(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> previous, T limit, out double gradientNorm) =>
            throw new NotSupportedException("Only an optimizer with ChecksGradientInUpdate checks the gradient in its update.");

        /// <summary>
        /// <see cref="Update"/> that also copies the parameters from before it into <paramref name="previous"/> and returns
        /// whether every parameter after it is a number of magnitude ≤ <paramref name="limit"/>. By default a copy, the
        /// update and a scan; the lengths are checked.
        /// </summary>
        internal virtual bool UpdateGuarded(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> previous, T limit)
        {
            parameters.CopyTo(previous);
            Update(parameters, gradients);
            return GuardScan.AllWithin<T>(parameters, limit);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void CheckStep(Span<T> parameters, ReadOnlySpan<T> gradients)
        {
            if (parameters.Length != gradients.Length)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{KindName}: the gradients have {gradients.Length} values but the parameters have {parameters.Length}; they must have the same length."),
                    nameof(gradients));
            }

            if (ParameterCount < 0)
            {
                Size(parameters.Length);
            }
            else if (parameters.Length != ParameterCount)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{KindName} was sized for {ParameterCount} parameters by its first Step but received {parameters.Length}. Use one optimizer per network, or call Reset(clearSize: true) first."),
                    nameof(parameters));
            }
        }

        /// <inheritdoc/>
        public void Reset() => Reset(clearSize: false);

        /// <summary>
        /// Forgets the state as if no step had been taken. With <paramref name="clearSize"/> the buffer length is forgotten
        /// too, so the next <see cref="Step"/> may use another length (and allocates again).
        /// </summary>
        public void Reset(bool clearSize)
        {
            StepCount = 0;
            CanStepBack = false;
            if (clearSize)
            {
                ParameterCount = -1;
                Allocate(0);
            }
            else
            {
                ClearState();
            }
        }

        /// <inheritdoc/>
        public OptimizerState<T> SaveState() => new(KindName, StepCount, LearningRate, ParameterCount, ParameterCount < 0 ? Array.Empty<T[]>() : StateBuffers());

        /// <inheritdoc/>
        public void RestoreState(OptimizerState<T> state)
        {
            ArgumentNullException.ThrowIfNull(state);
            if (state.Kind != KindName)
            {
                throw new ArgumentException($"The state was saved from {state.Kind}, not from {KindName}.", nameof(state));
            }

            // Size a copy of the buffers first, so that a state that does not fit changes nothing.
            int count = state.ParameterCount;
            IReadOnlyList<T[]> expected = count < 0 ? Array.Empty<T[]>() : ShapeOfState(count);
            bool fits = state.Buffers.Count == expected.Count;
            for (int i = 0; fits && i < expected.Count; i++)
            {
                fits = state.Buffers[i].Length == expected[i].Length;
            }

            if (!fits)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"The {KindName} state holds {state.Buffers.Count} buffers for {count} parameters, which does not fit this {KindName} (other hyperparameters, such as momentum 0 against momentum > 0?)."),
                    nameof(state));
            }

            LearningRate = state.LearningRate;
            if (count < 0)
            {
                Reset(clearSize: true);
                return;
            }

            Size(count);
            IReadOnlyList<T[]> buffers = StateBuffers();
            for (int i = 0; i < buffers.Count; i++)
            {
                state.Buffers[i].CopyTo(buffers[i], 0);
            }

            StepCount = state.StepCount;
            CanStepBack = false; // the restored state has no earlier step of this run to go back to
        }

        /// <summary>
        /// The state buffers, in a fixed order, as the arrays the optimizer updates (not copies); empty before the first
        /// step. <see cref="SaveState"/> copies them and <see cref="RestoreState"/> writes into them.
        /// </summary>
        protected abstract IReadOnlyList<T[]> StateBuffers();

        /// <summary>The buffers <see cref="StateBuffers"/> would hold for <paramref name="parameterCount"/> parameters, without allocating this optimizer's.</summary>
        private IReadOnlyList<T[]> ShapeOfState(int parameterCount)
        {
            // Saved states are small next to training; a throwaway clone of the sizing is the simplest exact answer.
            var probe = (Optimizer<T>)MemberwiseClone();
            probe.Allocate(parameterCount);
            return probe.StateBuffers();
        }

        /// <summary>
        /// How many state buffers <see cref="Update"/> changes (moments, velocities, accumulators), so that a trainer can
        /// copy them before a step and put them back when the step diverges. None by default.
        /// </summary>
        internal virtual int StateBufferCount => 0;

        /// <summary>State buffer <paramref name="index"/> (0 ≤ index &lt; <see cref="StateBufferCount"/>), one value per parameter.</summary>
        internal virtual Span<T> StateBuffer(int index) => throw new ArgumentOutOfRangeException(nameof(index));

        /// <summary>
        /// Whether <see cref="Update"/> writes the new state into a second set of buffers and keeps the one from before
        /// the step, so that <see cref="StepBack"/> can undo the step's effect on the state without a copy. Off until
        /// <see cref="KeepPreviousState"/>; only NetGen's own optimizers support it.
        /// </summary>
        internal bool KeepsPreviousState { get; private set; }

        /// <summary>Whether the last call was a <see cref="Step"/> whose state <see cref="StepBack"/> can undo.</summary>
        internal bool CanStepBack { get; private set; }

        /// <summary>Turns <see cref="KeepsPreviousState"/> on (a trainer does, once); false when this optimizer cannot.</summary>
        internal bool KeepPreviousState()
        {
            if (!KeepsPreviousState && AllocatePrevious(Math.Max(ParameterCount, 0)))
            {
                KeepsPreviousState = true;
            }

            return KeepsPreviousState;
        }

        /// <summary>Undoes the last step's change to the state and the step count (not to the parameters: the caller keeps those).</summary>
        internal void StepBack()
        {
            if (!CanStepBack)
            {
                throw new InvalidOperationException("There is no step to undo: StepBack follows one Step with KeepsPreviousState on.");
            }

            SwapState();
            StepCount--;
            CanStepBack = false;
        }

        /// <summary>Allocates the second set of state buffers for <paramref name="parameterCount"/> parameters; false when not supported.</summary>
        internal virtual bool AllocatePrevious(int parameterCount) => false;

        /// <summary>Exchanges the current and the previous state buffers.</summary>
        internal virtual void SwapState()
        {
        }

        /// <summary>Sizes the state for <paramref name="parameterCount"/> parameters now instead of on the first step.</summary>
        protected void Size(int parameterCount)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
            ParameterCount = parameterCount;
            Allocate(parameterCount);
        }

        /// <summary>Allocates the state buffers for <paramref name="parameterCount"/> parameters, all zero.</summary>
        protected abstract void Allocate(int parameterCount);

        /// <summary>Sets every state buffer to zero.</summary>
        protected abstract void ClearState();

        /// <summary>The update itself; the lengths are already checked and <see cref="StepCount"/> is already incremented.</summary>
        protected abstract void Update(Span<T> parameters, ReadOnlySpan<T> gradients);

        /// <summary>The class name without the generic arity, for messages: <c>Adam</c>, not <c>Adam`1</c>.</summary>
        private string KindName => GetType().Name.Split('`')[0];

        /// <summary>Converts a hyperparameter to <typeparamref name="T"/>.</summary>
        protected static T Cast(double value) => T.CreateChecked(value);

        /// <summary>Checks that a hyperparameter lies in [0, 1) (a decay rate such as β or ρ).</summary>
        protected static double CheckRate(double value, string name)
        {
            if (!(value >= 0 && value < 1))
            {
                throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must lie in [0, 1) but is {value}."));
            }

            return value;
        }

        /// <summary>Checks that a hyperparameter is finite and ≥ 0 (or &gt; 0 when <paramref name="strictlyPositive"/>).</summary>
        protected static double CheckNonNegative(double value, string name, bool strictlyPositive = false)
        {
            bool ok = strictlyPositive ? value > 0 : value >= 0;
            if (!ok || double.IsInfinity(value))
            {
                string bound = strictlyPositive ? "> 0" : "≥ 0";
                throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be finite and {bound} but is {value}."));
            }

            return value;
        }
    }

    /// <summary>What <see cref="Optimizer{T}.StepChecked"/> found.</summary>
    internal enum GuardedOutcome
    {
        /// <summary>The step was taken and every parameter is usable.</summary>
        Usable,

        /// <summary>The step was taken and made a parameter NaN, infinite or larger than the limit (the caller undoes it).</summary>
        UnusableParameter,

        /// <summary>The gradient holds a NaN or ∞: no step was taken, or it was dropped; nothing is changed.</summary>
        NonFiniteGradient,
    }
}
