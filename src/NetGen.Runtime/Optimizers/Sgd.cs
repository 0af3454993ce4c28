using System;
using System.Collections.Generic;
using System.Numerics;

namespace NetGen.Optimizers
{
    /// <summary>
    /// Stochastic gradient descent, optionally with momentum (classical or Nesterov) and coupled L2 weight decay.
    /// </summary>
    /// <remarks>
    /// With gradient <c>g</c>, parameters <c>θ</c>, velocity <c>v</c> (starts at 0), learning rate <c>α</c>, momentum
    /// <c>μ</c> and weight decay <c>λ</c>, one step computes (the PyTorch form):
    /// <code>
    /// g ← g + λθ
    /// v ← μv + g
    /// θ ← θ − α·v              (classical momentum)
    /// θ ← θ − α·(g + μv)       (Nesterov)
    /// </code>
    /// With <c>μ = 0</c> this is plain <c>θ ← θ − α·g</c>. For a constant α the classical form equals the lecture-note
    /// form <c>v ← μv − αg; θ ← θ + v</c>.
    /// </remarks>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class Sgd<T> : Optimizer<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private T[] _velocity = Array.Empty<T>();
        private T[]? _previousVelocity;

        /// <summary>Creates an SGD optimizer; its state is sized on the first step.</summary>
        /// <param name="learningRate">α.</param>
        /// <param name="momentum">μ in [0, 1); 0 turns momentum off.</param>
        /// <param name="nesterov">Use Nesterov's look-ahead form (needs μ &gt; 0).</param>
        /// <param name="weightDecay">λ ≥ 0: adds λθ to the gradient (L2 regularization).</param>
        public Sgd(double learningRate = 0.01, double momentum = 0, bool nesterov = false, double weightDecay = 0)
            : base(learningRate)
        {
            Momentum = CheckRate(momentum, nameof(momentum));
            WeightDecay = CheckNonNegative(weightDecay, nameof(weightDecay));
            if (nesterov && momentum == 0)
            {
                throw new ArgumentException("Nesterov momentum needs a momentum > 0.", nameof(nesterov));
            }

            Nesterov = nesterov;
        }

        /// <summary>μ.</summary>
        public double Momentum { get; }

        /// <summary>Whether the Nesterov form is used.</summary>
        public bool Nesterov { get; }

        /// <summary>λ (coupled: added to the gradient).</summary>
        public double WeightDecay { get; }

        /// <inheritdoc/>
        protected override void Allocate(int parameterCount)
        {
            _velocity = Momentum > 0 && parameterCount > 0 ? new T[parameterCount] : Array.Empty<T>();
            _previousVelocity = KeepsPreviousState ? new T[_velocity.Length] : null;
        }

        /// <inheritdoc/>
        internal override bool AllocatePrevious(int parameterCount)
        {
            _previousVelocity = new T[_velocity.Length];
            return true;
        }

        /// <inheritdoc/>
        internal override void SwapState()
        {
            if (_previousVelocity is not null)
            {
                (_velocity, _previousVelocity) = (_previousVelocity, _velocity);
            }
        }

        /// <inheritdoc/>
        protected override IReadOnlyList<T[]> StateBuffers() => new[] { _velocity };

        /// <inheritdoc/>
        protected override void ClearState() => Array.Clear(_velocity);

        /// <inheritdoc/>
        internal override int StateBufferCount => _velocity.Length == 0 ? 0 : 1;

        /// <inheritdoc/>
        internal override Span<T> StateBuffer(int index) => index == 0 && _velocity.Length > 0 ? _velocity : throw new ArgumentOutOfRangeException(nameof(index));

        /// <inheritdoc/>
        protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients)
        {
            T alpha = Cast(LearningRate);
            T lambda = Cast(WeightDecay);
            if (Momentum == 0)
            {
                int j = 0;
                if (Vector.IsHardwareAccelerated)
                {
                    Vector<T> vAlpha = new(alpha), vLambda = new(lambda);
                    for (; j <= parameters.Length - Vector<T>.Count; j += Vector<T>.Count)
                    {
                        var p = new Vector<T>(parameters.Slice(j));
                        (p - (vAlpha * (new Vector<T>(gradients.Slice(j)) + (vLambda * p)))).CopyTo(parameters.Slice(j));
                    }
                }

                for (int i = j; i < parameters.Length; i++)
                {
                    T g = gradients[i] + lambda * parameters[i];
                    parameters[i] -= alpha * g;
                }

                return;
            }

            T mu = Cast(Momentum);
            ReadOnlySpan<T> velocity = _velocity;
            Span<T> next = _previousVelocity ?? _velocity; // with a previous set, the old velocity stays where it is
            int k = 0;
            if (Vector.IsHardwareAccelerated)
            {
                // The same operations in the same order as the scalar loop below, a vector at a time.
                Vector<T> vAlpha = new(alpha), vLambda = new(lambda), vMu = new(mu);
                for (; k <= parameters.Length - Vector<T>.Count; k += Vector<T>.Count)
                {
                    var p = new Vector<T>(parameters.Slice(k));
                    Vector<T> g = new Vector<T>(gradients.Slice(k)) + (vLambda * p);
                    Vector<T> v = (vMu * new Vector<T>(velocity.Slice(k))) + g;
                    v.CopyTo(next.Slice(k));
                    (p - (Nesterov ? vAlpha * (g + (vMu * v)) : vAlpha * v)).CopyTo(parameters.Slice(k));
                }
            }

            for (int i = k; i < parameters.Length; i++)
            {
                T g = gradients[i] + lambda * parameters[i];
                T v = mu * velocity[i] + g;
                next[i] = v;
                parameters[i] -= Nesterov ? alpha * (g + mu * v) : alpha * v;
            }

            SwapState();
        }
    }
}
