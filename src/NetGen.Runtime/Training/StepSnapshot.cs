using System;
using System.Numerics;
using NetGen.Optimizers;

namespace NetGen.Training
{
    /// <summary>
    /// A copy of everything one training step changes — the network's <see cref="INetwork{T}.Parameters"/>,
    /// <see cref="INetwork{T}.Gradients"/>, <see cref="INetwork{T}.State"/> and <see cref="INetwork{T}.RandomState"/>, and
    /// the state and step count of an <see cref="Optimizer{T}"/> — so that a step that diverges can be undone exactly.
    /// </summary>
    /// <remarks>
    /// The buffers are allocated once (the optimizer's when it first has state to copy); <see cref="Save"/> and
    /// <see cref="Restore"/> only copy. The state of an <see cref="IOptimizer{T}"/> that does not derive from
    /// <see cref="Optimizer{T}"/> is invisible here and is not restored.
    /// </remarks>
    internal sealed class StepSnapshot<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly INetwork<T> _network;
        private readonly Optimizer<T>? _optimizer;
        private readonly T[] _parameters;
        private readonly T[] _gradients;
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
            _gradients = new T[network.Gradients.Length];
            _state = new T[network.State.Length];
        }

        /// <summary>Copies the network and the optimizer as they are now.</summary>
        public void Save()
        {
            _network.Parameters.CopyTo(_parameters);
            _network.Gradients.CopyTo(_gradients);
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
            _gradients.CopyTo(_network.Gradients);
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
}
