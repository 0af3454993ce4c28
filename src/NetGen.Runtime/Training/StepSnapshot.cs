using System;
using System.Numerics;
using NetGen.Optimizers;

namespace NetGen.Training
{
    /// <summary>
    /// A copy of what one training step changes and later steps depend on — the network's
    /// <see cref="INetwork{T}.Parameters"/>, <see cref="INetwork{T}.State"/> and <see cref="INetwork{T}.RandomState"/> —
    /// and the optimizer's step count, so that a step that diverges can be undone exactly.
    /// </summary>
    /// <remarks>
    /// <para>The optimizer's own state (moments, velocities, accumulators) is not copied: a NetGen optimizer is switched to
    /// keep the state from before its last step (<see cref="Optimizer{T}.KeepPreviousState"/>: it writes each update
    /// into a second set of buffers), and <see cref="Restore"/> steps it back. That leaves one parameter-sized copy per
    /// batch instead of one per optimizer buffer as well, and a NetGen optimizer makes that copy itself in its step
    /// (<see cref="Optimizer{T}.StepGuarded"/>, see <see cref="RollbackPoints{T}"/>). The state of an
    /// <see cref="IOptimizer{T}"/> that is not one of NetGen's is invisible here and is not restored.</para>
    /// <para><see cref="INetwork{T}.Gradients"/> are not copied: every TrainStep overwrites them and nothing reads them
    /// across batches; after a rollback they hold the failing batch's gradient, which is what one wants to inspect.</para>
    /// </remarks>
    internal sealed class StepSnapshot<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly INetwork<T> _network;
        private readonly Optimizer<T>? _optimizer;
        private readonly T[] _parameters;
        private readonly int _parameterOffset;
        private readonly T[] _state;
        private ulong _randomState;
        private long _stepCount;
        private bool _optimizerSized;

        public StepSnapshot(INetwork<T> network, IOptimizer<T> optimizer)
        {
            _network = network;
            _optimizer = optimizer is Optimizer<T> own && own.KeepPreviousState() ? own : null;
            _parameters = AlignedBuffer(network.Parameters.Length, out _parameterOffset);
            _state = new T[network.State.Length];
        }

        /// <summary>
        /// A pinned array with <paramref name="length"/> values from <paramref name="offset"/> on, aligned to 64 bytes: the
        /// optimizer's step streams its copy of the parameters there past the caches (<see cref="AdamJob{T}"/>).
        /// </summary>
        private static unsafe T[] AlignedBuffer(int length, out int offset)
        {
            int pad = 64 / sizeof(T);
            T[] buffer = GC.AllocateArray<T>(length + pad, pinned: true);
            fixed (T* start = buffer)
            {
                offset = (int)((64 - ((nuint)start % 64)) % 64) / sizeof(T);
            }

            return buffer;
        }

        /// <summary>The copy of the parameters, for an optimizer step that writes the parameters from before it here (<see cref="Optimizer{T}.StepGuarded"/>).</summary>
        public Span<T> Parameters => _parameters.AsSpan(_parameterOffset, _network.Parameters.Length);

        /// <summary>Copies the network as it is now and notes the optimizer's step count.</summary>
        public void Save()
        {
            _network.Parameters.CopyTo(Parameters);
            SaveExceptParameters();
        }

        /// <summary><see cref="Save"/> without the parameters: the optimizer step that follows copies them into <see cref="Parameters"/>.</summary>
        public void SaveExceptParameters()
        {
            _network.State.CopyTo(_state);
            _randomState = _network.RandomState;
            if (_optimizer is { } optimizer)
            {
                _stepCount = optimizer.StepCount;
                _optimizerSized = optimizer.ParameterCount >= 0;
            }
        }

        /// <summary>Puts back what <see cref="Save"/> copied; the optimizer may have taken at most one step since.</summary>
        public void Restore()
        {
            Parameters.CopyTo(_network.Parameters);
            _state.CopyTo(_network.State);
            _network.RandomState = _randomState;
            if (_optimizer is not { } optimizer)
            {
                return;
            }

            if (!_optimizerSized)
            {
                // As unsized as it was; a step it dropped itself (Optimizer.StepChecked) may still have sized it.
                if (optimizer.StepCount != _stepCount || optimizer.ParameterCount >= 0)
                {
                    optimizer.Reset(clearSize: true);
                }
            }
            else if (optimizer.StepCount == _stepCount)
            {
                return;
            }
            else if (optimizer.StepCount == _stepCount + 1 && optimizer.CanStepBack)
            {
                optimizer.StepBack();
            }

            // Otherwise someone reset or stepped the optimizer from a progress callback: there is nothing exact to go
            // back to, and throwing here would hide the divergence being reported.
        }
    }

    /// <summary>
    /// The two points a diverging batch can be undone to: before the current batch, and before the previous accepted
    /// one. Parameters that make a <c>TrainStep</c> fail came from the previous batch's optimizer step, so such a failure
    /// goes back to before that batch, to parameters that gave a finite loss and gradient; an optimizer step that makes a
    /// parameter unusable goes back to before the current batch.
    /// </summary>
    internal sealed class RollbackPoints<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private StepSnapshot<T> _current;
        private StepSnapshot<T> _previous;
        private (int Epoch, int Batch) _currentBatch;
        private (int Epoch, int Batch)? _previousBatch;

        private readonly bool _optimizerCopiesParameters;

        /// <param name="network">The network.</param>
        /// <param name="optimizer">Its optimizer.</param>
        /// <param name="optimizerCopiesParameters">
        /// Every batch's optimizer step writes the parameters from before it into <see cref="CurrentParameters"/>
        /// (<see cref="Optimizer{T}.StepGuarded"/>), so <see cref="BeforeBatch"/> copies them only before the first batch.
        /// A TrainStep leaves the parameters as they are: the copy made by the step is the one from before the batch.
        /// </param>
        public RollbackPoints(INetwork<T> network, IOptimizer<T> optimizer, bool optimizerCopiesParameters)
        {
            _current = new StepSnapshot<T>(network, optimizer);
            _previous = new StepSnapshot<T>(network, optimizer);
            _optimizerCopiesParameters = optimizerCopiesParameters;
        }

        /// <summary>Where this batch's optimizer step copies the parameters from before it, when it does.</summary>
        public Span<T> CurrentParameters => _current.Parameters;

        /// <summary>Saves the point before batch <paramref name="batch"/> of epoch <paramref name="epoch"/>.</summary>
        public void BeforeBatch(int epoch, int batch)
        {
            // Without a previous point, a failing first TrainStep goes back to this one, so its parameters are copied now.
            if (_optimizerCopiesParameters && _previousBatch is not null)
            {
                _current.SaveExceptParameters();
            }
            else
            {
                _current.Save();
            }

            _currentBatch = (epoch, batch);
        }

        /// <summary>The batch passed every check: its starting point becomes the previous one.</summary>
        public void Accept()
        {
            (_current, _previous) = (_previous, _current);
            _previousBatch = _currentBatch;
        }

        /// <summary>The current batch's TrainStep failed: back to before the previous batch (or this one if it is the first).</summary>
        /// <returns>The batch whose starting point the network now holds.</returns>
        public (int Epoch, int Batch) UndoTrainStep()
        {
            if (_previousBatch is { } previous)
            {
                _previous.Restore();
                return previous;
            }

            _current.Restore();
            return _currentBatch;
        }

        /// <summary>The current batch's optimizer step made a parameter unusable: back to before this batch.</summary>
        /// <returns>The batch whose starting point the network now holds.</returns>
        public (int Epoch, int Batch) UndoOptimizerStep()
        {
            _current.Restore();
            return _currentBatch;
        }
    }
}
