using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NetGen.Kernels;

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
    public sealed unsafe class Sgd<T> : Optimizer<T>
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
                // Without weight decay the term λ·θ is left out, not added as zeros: half the arithmetic (the same
                // values; only a non-finite θ or the sign of a zero gradient could tell the two apart).
                bool decay = WeightDecay != 0 || !GemmTuning.LeanSgd;
                int j = Descend(parameters, gradients, alpha, lambda, decay);
                for (int i = j; i < parameters.Length; i++)
                {
                    T g = decay ? gradients[i] + lambda * parameters[i] : gradients[i];
                    parameters[i] -= alpha * g;
                }

                return;
            }

            T mu = Cast(Momentum);
            ReadOnlySpan<T> velocity = _velocity;
            Span<T> next = _previousVelocity ?? _velocity; // with a previous set, the old velocity stays where it is
            int k = DescendWithMomentum(parameters, gradients, velocity, next, alpha, lambda, mu, Nesterov);
            for (int i = k; i < parameters.Length; i++)
            {
                T g = gradients[i] + lambda * parameters[i];
                T v = mu * velocity[i] + g;
                v = T.Abs(v) < SubnormalFlush<T>.SmallestNormal ? T.Zero : v; // see SubnormalFlush
                next[i] = v;
                parameters[i] -= Nesterov ? alpha * (g + mu * v) : alpha * v;
            }

            SwapState();
        }

        // The vector loops below do the same operations in the same order as the scalar loops above, element by
        // element (no fused multiply-add, nothing across lanes), so every width gives the same bits. Plain descent
        // takes 4 vectors per loop step: with one, the loop's own instructions, not the arithmetic, set the pace. They read through
        // refs, not slices: a slice per vector cost more than the arithmetic at small sizes (1,732 parameters: 3×).
        // The width follows the kernels' path (NETGEN_KERNEL_PATH included). They return the first index not done.
        private static int Descend(Span<T> parameters, ReadOnlySpan<T> gradients, T alpha, T lambda, bool decay)
        {
            ref T p0 = ref MemoryMarshal.GetReference(parameters);
            ref T g0 = ref MemoryMarshal.GetReference(gradients);
            nuint n = (nuint)parameters.Length, j = 0;
            GemmPath path = KernelPaths.PathOrScalar;
            if (!decay && GemmTuning.AlignedSgd && path >= GemmPath.Vector256)
            {
                // The first values one by one up to a vector boundary of the parameters, so that no vector store below
                // straddles two cache lines (an array's values start 16 bytes into a line: every 512-bit store did).
                // Only speed depends on where that boundary falls; a GC moving the array in between changes nothing else.
                nuint bytes = path >= GemmPath.Vector512 && Vector512.IsHardwareAccelerated ? 64u : 32u;
                nuint head = Math.Min(n, (bytes - ((nuint)Unsafe.AsPointer(ref p0) % bytes)) % bytes / (nuint)Unsafe.SizeOf<T>());
                for (; j < head; j++)
                {
                    Unsafe.Add(ref p0, j) -= alpha * Unsafe.Add(ref g0, j);
                }
            }

            if (path >= GemmPath.Vector512 && Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            {
                Vector512<T> vAlpha = Vector512.Create(alpha), vLambda = Vector512.Create(lambda);
                nuint c = (nuint)Vector512<T>.Count;
                for (; !decay && j + (4 * c) <= n; j += 4 * c)
                {
                    (Vector512.LoadUnsafe(ref p0, j) - (vAlpha * Vector512.LoadUnsafe(ref g0, j))).StoreUnsafe(ref p0, j);
                    (Vector512.LoadUnsafe(ref p0, j + c) - (vAlpha * Vector512.LoadUnsafe(ref g0, j + c))).StoreUnsafe(ref p0, j + c);
                    (Vector512.LoadUnsafe(ref p0, j + (2 * c)) - (vAlpha * Vector512.LoadUnsafe(ref g0, j + (2 * c)))).StoreUnsafe(ref p0, j + (2 * c));
                    (Vector512.LoadUnsafe(ref p0, j + (3 * c)) - (vAlpha * Vector512.LoadUnsafe(ref g0, j + (3 * c)))).StoreUnsafe(ref p0, j + (3 * c));
                }

                for (; j + c <= n; j += c)
                {
                    Vector512<T> p = Vector512.LoadUnsafe(ref p0, j);
                    Vector512<T> g = Vector512.LoadUnsafe(ref g0, j);
                    (p - (vAlpha * (decay ? g + (vLambda * p) : g))).StoreUnsafe(ref p0, j);
                }
            }

            if (path >= GemmPath.Vector256 && Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            {
                Vector256<T> vAlpha = Vector256.Create(alpha), vLambda = Vector256.Create(lambda);
                nuint c = (nuint)Vector256<T>.Count;
                if (!decay && GemmTuning.EightVectorSgd)
                {
                    // 8 vectors per step from one moving pair of refs: constant offsets, one index update and one test per 8
                    // stores (the 4-vector loop below recomputed each vector's address and retested decay).
                    for (; j + (8 * c) <= n; j += 8 * c)
                    {
                        ref T p = ref Unsafe.Add(ref p0, j);
                        ref T g = ref Unsafe.Add(ref g0, j);
                        (Vector256.LoadUnsafe(ref p) - (vAlpha * Vector256.LoadUnsafe(ref g))).StoreUnsafe(ref p);
                        (Vector256.LoadUnsafe(ref p, c) - (vAlpha * Vector256.LoadUnsafe(ref g, c))).StoreUnsafe(ref p, c);
                        (Vector256.LoadUnsafe(ref p, 2 * c) - (vAlpha * Vector256.LoadUnsafe(ref g, 2 * c))).StoreUnsafe(ref p, 2 * c);
                        (Vector256.LoadUnsafe(ref p, 3 * c) - (vAlpha * Vector256.LoadUnsafe(ref g, 3 * c))).StoreUnsafe(ref p, 3 * c);
                        (Vector256.LoadUnsafe(ref p, 4 * c) - (vAlpha * Vector256.LoadUnsafe(ref g, 4 * c))).StoreUnsafe(ref p, 4 * c);
                        (Vector256.LoadUnsafe(ref p, 5 * c) - (vAlpha * Vector256.LoadUnsafe(ref g, 5 * c))).StoreUnsafe(ref p, 5 * c);
                        (Vector256.LoadUnsafe(ref p, 6 * c) - (vAlpha * Vector256.LoadUnsafe(ref g, 6 * c))).StoreUnsafe(ref p, 6 * c);
                        (Vector256.LoadUnsafe(ref p, 7 * c) - (vAlpha * Vector256.LoadUnsafe(ref g, 7 * c))).StoreUnsafe(ref p, 7 * c);
                    }
                }

                for (; !decay && j + (4 * c) <= n; j += 4 * c)
                {
                    (Vector256.LoadUnsafe(ref p0, j) - (vAlpha * Vector256.LoadUnsafe(ref g0, j))).StoreUnsafe(ref p0, j);
                    (Vector256.LoadUnsafe(ref p0, j + c) - (vAlpha * Vector256.LoadUnsafe(ref g0, j + c))).StoreUnsafe(ref p0, j + c);
                    (Vector256.LoadUnsafe(ref p0, j + (2 * c)) - (vAlpha * Vector256.LoadUnsafe(ref g0, j + (2 * c)))).StoreUnsafe(ref p0, j + (2 * c));
                    (Vector256.LoadUnsafe(ref p0, j + (3 * c)) - (vAlpha * Vector256.LoadUnsafe(ref g0, j + (3 * c)))).StoreUnsafe(ref p0, j + (3 * c));
                }

                for (; j + c <= n; j += c)
                {
                    Vector256<T> p = Vector256.LoadUnsafe(ref p0, j);
                    Vector256<T> g = Vector256.LoadUnsafe(ref g0, j);
                    (p - (vAlpha * (decay ? g + (vLambda * p) : g))).StoreUnsafe(ref p0, j);
                }
            }

            if (path >= GemmPath.Vector128 && Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
            {
                Vector128<T> vAlpha = Vector128.Create(alpha), vLambda = Vector128.Create(lambda);
                nuint c = (nuint)Vector128<T>.Count;
                for (; !decay && j + (4 * c) <= n; j += 4 * c)
                {
                    (Vector128.LoadUnsafe(ref p0, j) - (vAlpha * Vector128.LoadUnsafe(ref g0, j))).StoreUnsafe(ref p0, j);
                    (Vector128.LoadUnsafe(ref p0, j + c) - (vAlpha * Vector128.LoadUnsafe(ref g0, j + c))).StoreUnsafe(ref p0, j + c);
                    (Vector128.LoadUnsafe(ref p0, j + (2 * c)) - (vAlpha * Vector128.LoadUnsafe(ref g0, j + (2 * c)))).StoreUnsafe(ref p0, j + (2 * c));
                    (Vector128.LoadUnsafe(ref p0, j + (3 * c)) - (vAlpha * Vector128.LoadUnsafe(ref g0, j + (3 * c)))).StoreUnsafe(ref p0, j + (3 * c));
                }

                for (; j + c <= n; j += c)
                {
                    Vector128<T> p = Vector128.LoadUnsafe(ref p0, j);
                    Vector128<T> g = Vector128.LoadUnsafe(ref g0, j);
                    (p - (vAlpha * (decay ? g + (vLambda * p) : g))).StoreUnsafe(ref p0, j);
                }
            }

            return (int)j;
        }

        private static int DescendWithMomentum(Span<T> parameters, ReadOnlySpan<T> gradients, ReadOnlySpan<T> velocity, Span<T> next, T alpha, T lambda, T mu, bool nesterov)
        {
            ref T p0 = ref MemoryMarshal.GetReference(parameters);
            ref T g0 = ref MemoryMarshal.GetReference(gradients);
            ref T v0 = ref MemoryMarshal.GetReference(velocity);
            ref T n0 = ref MemoryMarshal.GetReference(next);
            nuint n = (nuint)parameters.Length, k = 0;
            GemmPath path = KernelPaths.PathOrScalar;
            if (path >= GemmPath.Vector512 && Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            {
                Vector512<T> vAlpha = Vector512.Create(alpha), vLambda = Vector512.Create(lambda), vMu = Vector512.Create(mu), vSmallestNormal = Vector512.Create(SubnormalFlush<T>.SmallestNormal);
                for (; k + (nuint)Vector512<T>.Count <= n; k += (nuint)Vector512<T>.Count)
                {
                    Vector512<T> p = Vector512.LoadUnsafe(ref p0, k);
                    Vector512<T> g = Vector512.LoadUnsafe(ref g0, k) + (vLambda * p);
                    Vector512<T> v = (vMu * Vector512.LoadUnsafe(ref v0, k)) + g;
                    v = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(v), vSmallestNormal), Vector512<T>.Zero, v);
                    v.StoreUnsafe(ref n0, k);
                    (p - (nesterov ? vAlpha * (g + (vMu * v)) : vAlpha * v)).StoreUnsafe(ref p0, k);
                }
            }

            if (path >= GemmPath.Vector256 && Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            {
                Vector256<T> vAlpha = Vector256.Create(alpha), vLambda = Vector256.Create(lambda), vMu = Vector256.Create(mu), vSmallestNormal = Vector256.Create(SubnormalFlush<T>.SmallestNormal);
                for (; k + (nuint)Vector256<T>.Count <= n; k += (nuint)Vector256<T>.Count)
                {
                    Vector256<T> p = Vector256.LoadUnsafe(ref p0, k);
                    Vector256<T> g = Vector256.LoadUnsafe(ref g0, k) + (vLambda * p);
                    Vector256<T> v = (vMu * Vector256.LoadUnsafe(ref v0, k)) + g;
                    v = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(v), vSmallestNormal), Vector256<T>.Zero, v);
                    v.StoreUnsafe(ref n0, k);
                    (p - (nesterov ? vAlpha * (g + (vMu * v)) : vAlpha * v)).StoreUnsafe(ref p0, k);
                }
            }

            if (path >= GemmPath.Vector128 && Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
            {
                Vector128<T> vAlpha = Vector128.Create(alpha), vLambda = Vector128.Create(lambda), vMu = Vector128.Create(mu), vSmallestNormal = Vector128.Create(SubnormalFlush<T>.SmallestNormal);
                for (; k + (nuint)Vector128<T>.Count <= n; k += (nuint)Vector128<T>.Count)
                {
                    Vector128<T> p = Vector128.LoadUnsafe(ref p0, k);
                    Vector128<T> g = Vector128.LoadUnsafe(ref g0, k) + (vLambda * p);
                    Vector128<T> v = (vMu * Vector128.LoadUnsafe(ref v0, k)) + g;
                    v = Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(v), vSmallestNormal), Vector128<T>.Zero, v);
                    v.StoreUnsafe(ref n0, k);
                    (p - (nesterov ? vAlpha * (g + (vMu * v)) : vAlpha * v)).StoreUnsafe(ref p0, k);
                }
            }

            return (int)k;
        }
    }
}
