using System;
using System.Collections.Generic;
using System.Numerics;

namespace NetGen.Optimizers
{
    /// <summary>RMSProp: divides the gradient by a running root mean square of recent gradients.</summary>
    /// <remarks>
    /// With running mean square <c>s</c> (starts at 0) and decay <c>ρ</c>:
    /// <code>
    /// s ← ρ·s + (1 − ρ)·g²
    /// θ ← θ − α·g / (√s + ε)
    /// </code>
    /// </remarks>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class RMSProp<T> : Optimizer<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private T[] _meanSquare = Array.Empty<T>();
        private T[]? _previousMeanSquare;

        /// <summary>Creates an RMSProp optimizer; its state is sized on the first step.</summary>
        /// <param name="learningRate">α.</param>
        /// <param name="rho">ρ in [0, 1): how much of the running mean square is kept per step.</param>
        /// <param name="epsilon">ε &gt; 0.</param>
        public RMSProp(double learningRate = 0.001, double rho = 0.9, double epsilon = 1e-8)
            : base(learningRate)
        {
            Rho = CheckRate(rho, nameof(rho));
            Epsilon = CheckNonNegative(epsilon, nameof(epsilon), strictlyPositive: true);
        }

        /// <summary>ρ.</summary>
        public double Rho { get; }

        /// <summary>ε.</summary>
        public double Epsilon { get; }

        /// <inheritdoc/>
        protected override void Allocate(int parameterCount)
        {
            _meanSquare = new T[parameterCount];
            _previousMeanSquare = KeepsPreviousState ? new T[parameterCount] : null;
        }

        /// <inheritdoc/>
        internal override bool AllocatePrevious(int parameterCount)
        {
            _previousMeanSquare = new T[_meanSquare.Length];
            return true;
        }

        /// <inheritdoc/>
        internal override void SwapState()
        {
            if (_previousMeanSquare is not null)
            {
                (_meanSquare, _previousMeanSquare) = (_previousMeanSquare, _meanSquare);
            }
        }

        /// <inheritdoc/>
        protected override IReadOnlyList<T[]> StateBuffers() => new[] { _meanSquare };

        /// <inheritdoc/>
        protected override void ClearState() => Array.Clear(_meanSquare);

        /// <inheritdoc/>
        internal override int StateBufferCount => 1;

        /// <inheritdoc/>
        internal override Span<T> StateBuffer(int index) => index == 0 ? _meanSquare : throw new ArgumentOutOfRangeException(nameof(index));

        /// <inheritdoc/>
        protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients)
        {
            T alpha = Cast(LearningRate);
            T epsilon = Cast(Epsilon);
            T rho = Cast(Rho);
            T oneMinusRho = T.One - rho;
            ReadOnlySpan<T> meanSquare = _meanSquare;
            Span<T> next = _previousMeanSquare ?? _meanSquare; // with a previous set, the old values stay where they are
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<T> vAlpha = new(alpha), vEps = new(epsilon), vRho = new(rho), v1Rho = new(oneMinusRho), vSmallestNormal = new(SubnormalFlush<T>.SmallestNormal);
                for (; j <= parameters.Length - Vector<T>.Count; j += Vector<T>.Count)
                {
                    var g = new Vector<T>(gradients.Slice(j));
                    Vector<T> s = (vRho * new Vector<T>(meanSquare.Slice(j))) + (v1Rho * g * g);
                    s = Vector.ConditionalSelect(Vector.LessThan(s, vSmallestNormal), Vector<T>.Zero, s); // see SubnormalFlush
                    s.CopyTo(next.Slice(j));
                    (new Vector<T>(parameters.Slice(j)) - (vAlpha * g / (Vector.SquareRoot(s) + vEps))).CopyTo(parameters.Slice(j));
                }
            }

            for (int i = j; i < parameters.Length; i++)
            {
                T g = gradients[i];
                T s = rho * meanSquare[i] + oneMinusRho * g * g;
                s = s < SubnormalFlush<T>.SmallestNormal ? T.Zero : s;
                next[i] = s;
                parameters[i] -= alpha * g / (T.Sqrt(s) + epsilon);
            }

            SwapState();
        }
    }
}
