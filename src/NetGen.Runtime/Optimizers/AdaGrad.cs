using System;
using System.Collections.Generic;
using System.Numerics;

namespace NetGen.Optimizers
{
    /// <summary>AdaGrad: a per-parameter step that shrinks with the sum of all past squared gradients.</summary>
    /// <remarks>
    /// With accumulator <c>G</c> (starts at <see cref="InitialAccumulator"/>):
    /// <code>
    /// G ← G + g²
    /// θ ← θ − α·g / (√G + ε)
    /// </code>
    /// </remarks>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class AdaGrad<T> : Optimizer<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private T[] _sumOfSquares = Array.Empty<T>();
        private T[]? _previousSumOfSquares;

        /// <summary>Creates an AdaGrad optimizer; its state is sized on the first step.</summary>
        /// <param name="learningRate">α.</param>
        /// <param name="epsilon">ε &gt; 0, keeps the division finite.</param>
        /// <param name="initialAccumulator">The starting value of every <c>G</c> (≥ 0).</param>
        public AdaGrad(double learningRate = 0.01, double epsilon = 1e-10, double initialAccumulator = 0)
            : base(learningRate)
        {
            Epsilon = CheckNonNegative(epsilon, nameof(epsilon), strictlyPositive: true);
            InitialAccumulator = CheckNonNegative(initialAccumulator, nameof(initialAccumulator));
        }

        /// <summary>ε.</summary>
        public double Epsilon { get; }

        /// <summary>The starting value of the accumulator.</summary>
        public double InitialAccumulator { get; }

        /// <inheritdoc/>
        protected override void Allocate(int parameterCount)
        {
            _sumOfSquares = new T[parameterCount];
            _previousSumOfSquares = KeepsPreviousState ? new T[parameterCount] : null;
            ClearState();
        }

        /// <inheritdoc/>
        protected override IReadOnlyList<T[]> StateBuffers() => new[] { _sumOfSquares };

        /// <inheritdoc/>
        internal override bool AllocatePrevious(int parameterCount)
        {
            _previousSumOfSquares = new T[_sumOfSquares.Length];
            return true;
        }

        /// <inheritdoc/>
        internal override void SwapState()
        {
            if (_previousSumOfSquares is not null)
            {
                (_sumOfSquares, _previousSumOfSquares) = (_previousSumOfSquares, _sumOfSquares);
            }
        }

        /// <inheritdoc/>
        protected override void ClearState() => Array.Fill(_sumOfSquares, Cast(InitialAccumulator));

        /// <inheritdoc/>
        internal override int StateBufferCount => 1;

        /// <inheritdoc/>
        internal override Span<T> StateBuffer(int index) => index == 0 ? _sumOfSquares : throw new ArgumentOutOfRangeException(nameof(index));

        /// <inheritdoc/>
        protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients)
        {
            T alpha = Cast(LearningRate);
            T epsilon = Cast(Epsilon);
            ReadOnlySpan<T> sum = _sumOfSquares;
            Span<T> next = _previousSumOfSquares ?? _sumOfSquares; // with a previous set, the old sums stay where they are
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<T> vAlpha = new(alpha), vEps = new(epsilon);
                for (; j <= parameters.Length - Vector<T>.Count; j += Vector<T>.Count)
                {
                    var g = new Vector<T>(gradients.Slice(j));
                    Vector<T> s = new Vector<T>(sum.Slice(j)) + (g * g);
                    s.CopyTo(next.Slice(j));
                    (new Vector<T>(parameters.Slice(j)) - (vAlpha * g / (Vector.SquareRoot(s) + vEps))).CopyTo(parameters.Slice(j));
                }
            }

            for (int i = j; i < parameters.Length; i++)
            {
                T g = gradients[i];
                T s = sum[i] + g * g;
                next[i] = s;
                parameters[i] -= alpha * g / (T.Sqrt(s) + epsilon);
            }

            SwapState();
        }
    }
}
