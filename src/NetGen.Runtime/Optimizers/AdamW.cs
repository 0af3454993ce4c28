using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Optimizers
{
    /// <summary>AdamW (Loshchilov and Hutter, 2019): Adam with weight decay decoupled from the gradient.</summary>
    /// <remarks>
    /// Each step first shrinks the parameters, then takes the <see cref="Adam{T}"/> step with the unchanged gradient:
    /// <code>
    /// θ ← θ − α·λ·θ
    /// m ← β₁·m + (1 − β₁)·g
    /// v ← β₂·v + (1 − β₂)·g²
    /// θ ← θ − α·m̂ / (√v̂ + ε),   m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
    /// </code>
    /// The optimizer sees one flat buffer, so the decay applies to every parameter, biases and BatchNorm γ, β
    /// included (the generated networks put L1/L2 on weight matrices only; use those for weights-only decay).
    /// </remarks>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class AdamW<T> : Optimizer<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private AdamMoments<T> _moments;

        /// <summary>Creates an AdamW optimizer; its state is sized on the first step.</summary>
        /// <param name="learningRate">α.</param>
        /// <param name="weightDecay">λ ≥ 0.</param>
        /// <param name="beta1">β₁ in [0, 1).</param>
        /// <param name="beta2">β₂ in [0, 1).</param>
        /// <param name="epsilon">ε &gt; 0.</param>
        public AdamW(double learningRate = 0.001, double weightDecay = 0.01, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
            : base(learningRate)
        {
            WeightDecay = CheckNonNegative(weightDecay, nameof(weightDecay));
            Beta1 = CheckRate(beta1, nameof(beta1));
            Beta2 = CheckRate(beta2, nameof(beta2));
            Epsilon = CheckNonNegative(epsilon, nameof(epsilon), strictlyPositive: true);
        }

        /// <summary>λ: the fraction α·λ of every parameter removed per step.</summary>
        public double WeightDecay { get; }

        /// <summary>β₁: decay of the first moment.</summary>
        public double Beta1 { get; }

        /// <summary>β₂: decay of the second moment.</summary>
        public double Beta2 { get; }

        /// <summary>ε.</summary>
        public double Epsilon { get; }

        /// <inheritdoc/>
        protected override void Allocate(int parameterCount) => _moments = new AdamMoments<T>(parameterCount, KeepsPreviousState, keptSets: 2);

        /// <inheritdoc/>
        internal override bool AllocatePrevious(int parameterCount)
        {
            _moments.AllocatePrevious();
            return true;
        }

        /// <inheritdoc/>
        internal override void SwapState() => _moments.Retreat();

        /// <inheritdoc/>
        protected override IReadOnlyList<T[]> StateBuffers() => _moments.Buffers;

        /// <inheritdoc/>
        protected override void ClearState() => _moments.Clear();

        /// <inheritdoc/>
        internal override int StateBufferCount => 2;

        /// <inheritdoc/>
        internal override Span<T> StateBuffer(int index) => _moments.Buffer(index);

        /// <inheritdoc/>
        protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients)
        {
            if (WeightDecay != 0)
            {
                T shrink = T.One - Cast(LearningRate * WeightDecay);
                TensorPrimitives.Multiply(parameters, shrink, parameters);
            }

            _moments.Update(parameters, gradients, LearningRate, Beta1, Beta2, Epsilon, StepCount);
        }
    }
}
