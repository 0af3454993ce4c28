using System;
using System.Numerics;
using NetGen.Optimizers;

namespace NetGen.Training
{
    /// <summary>
    /// A copy of what one training step changes and later steps depend on — the network's
    /// <see cref="INetwork{T}.Parameters"/>, <see cref="INetwork{T}.State"/> and <see cref="INetwork{T}.RandomState"/>,
    /// and the state and step count of an <see cref="Optimizer{T}"/> — so that a step that diverges can be undone exactly.
    /// </summary>
    /// <remarks>
    /// <see cref="INetwork{T}.Gradients"/> are not copied: every TrainStep overwrites them, nothing reads them across
    /// batches, and copying them would add a fourth parameter-sized copy per batch; after a rollback they hold the
    /// failing batch's gradient, which is what one wants to inspect. The buffers are allocated once (the optimizer's
    /// when it first has state to copy); <see cref="Save"/> and <see cref="Restore"/> only copy. The state of an
    /// <see cref="IOptimizer{T}"/> that does not derive from <see cref="Optimizer{T}"/> is invisible here and is not
    /// restored.
    /// </remarks>
    internal sealed class StepSnapshot<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly INetwork<T> _network;
        private readonly Optimizer<T>? _optimizer;
        private readonly T[] _parameters;
        private readonly T[] _state;
        private T[][] _optimizerState = Array.Empty<T[]>();
        private ulong _randomState;
        private long _stepCount;
        private bool _optimizerSized;

        public StepSnapshot(INetwork<T> network, IOptimizer<T> optimizer)
        {
            _network = network;
            _optimizer = optimizer as Optimizer<T>;
            _parameters = new T[network.Parameters.Length];
            _state = new T[network.State.Length];
        }

        /// <summary>Copies the network and the optimizer as they are now.</summary>
        public void Save()
        {
            _network.Parameters.CopyTo(_parameters);
            _network.State.CopyTo(_state);
            _randomState = _network.RandomState;
            if (_optimizer is not { } optimizer)
            {
                return;
            }

            _stepCount = optimizer.StepCount;
            _optimizerSized = optimizer.ParameterCount >= 0;

            // Before the first step the optimizer's state is its initial value, which Reset() recreates: nothing to copy.
            if (_stepCount == 0 || !_optimizerSized)
            {
                return;
            }

            int count = optimizer.StateBufferCount;
            if (_optimizerState.Length != count)
            {
                _optimizerState = new T[count][];
            }

            for (int i = 0; i < count; i++)
            {
                Span<T> buffer = optimizer.StateBuffer(i);
                if (_optimizerState[i]?.Length != buffer.Length)
                {
                    _optimizerState[i] = new T[buffer.Length];
                }

                buffer.CopyTo(_optimizerState[i]);
            }
        }

        /// <summary>Puts back what <see cref="Save"/> copied.</summary>
        public void Restore()
        {
            _parameters.CopyTo(_network.Parameters);
            _state.CopyTo(_network.State);
            _network.RandomState = _randomState;
            if (_optimizer is not { } optimizer)
            {
                return;
            }

            if (!_optimizerSized)
            {
                optimizer.Reset(clearSize: true);
                return;
            }

            if (_stepCount == 0)
            {
                optimizer.Reset();
                return;
            }

            for (int i = 0; i < _optimizerState.Length; i++)
            {
                _optimizerState[i].CopyTo(optimizer.StateBuffer(i));
            }

            optimizer.RestoreStepCount(_stepCount);
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

        public RollbackPoints(INetwork<T> network, IOptimizer<T> optimizer)
        {
            _current = new StepSnapshot<T>(network, optimizer);
            _previous = new StepSnapshot<T>(network, optimizer);
        }

        /// <summary>Saves the point before batch <paramref name="batch"/> of epoch <paramref name="epoch"/>.</summary>
        public void BeforeBatch(int epoch, int batch)
        {
            _current.Save();
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
