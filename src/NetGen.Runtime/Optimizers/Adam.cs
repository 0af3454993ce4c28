using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NetGen.Kernels;

namespace NetGen.Optimizers
{
    /// <summary>Adam (Kingma and Ba, 2015): momentum and RMSProp with bias-corrected moment estimates.</summary>
    /// <remarks>
    /// With first and second moments <c>m</c>, <c>v</c> (start at 0) and step number <c>t</c> (1 on the first step):
    /// <code>
    /// m ← β₁·m + (1 − β₁)·g
    /// v ← β₂·v + (1 − β₂)·g²
    /// m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
    /// θ ← θ − α·m̂ / (√v̂ + ε)
    /// </code>
    /// For decoupled weight decay use <see cref="AdamW{T}"/>.
    /// </remarks>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class Adam<T> : Optimizer<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private AdamMoments<T> _moments;

        /// <summary>Creates an Adam optimizer; its state is sized on the first step.</summary>
        /// <param name="learningRate">α.</param>
        /// <param name="beta1">β₁ in [0, 1).</param>
        /// <param name="beta2">β₂ in [0, 1).</param>
        /// <param name="epsilon">ε &gt; 0.</param>
        public Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
            : base(learningRate)
        {
            Beta1 = CheckRate(beta1, nameof(beta1));
            Beta2 = CheckRate(beta2, nameof(beta2));
            Epsilon = CheckNonNegative(epsilon, nameof(epsilon), strictlyPositive: true);
        }

        /// <summary>β₁: decay of the first moment.</summary>
        public double Beta1 { get; }

        /// <summary>β₂: decay of the second moment.</summary>
        public double Beta2 { get; }

        /// <summary>ε.</summary>
        public double Epsilon { get; }

        /// <inheritdoc/>
        protected override void Allocate(int parameterCount) => _moments = new AdamMoments<T>(parameterCount, KeepsPreviousState);

        /// <inheritdoc/>
        internal override bool AllocatePrevious(int parameterCount)
        {
            _moments.AllocatePrevious();
            return true;
        }

        /// <inheritdoc/>
        internal override void SwapState() => _moments.Swap();

        /// <inheritdoc/>
        protected override IReadOnlyList<T[]> StateBuffers() => _moments.Buffers;

        /// <inheritdoc/>
        protected override void ClearState() => _moments.Clear();

        /// <inheritdoc/>
        internal override int StateBufferCount => 2;

        /// <inheritdoc/>
        internal override Span<T> StateBuffer(int index) => _moments.Buffer(index);

        /// <inheritdoc/>
        protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients) =>
            _moments.Update(parameters, gradients, LearningRate, Beta1, Beta2, Epsilon, StepCount);
    }

    /// <summary>The moment buffers and update shared by <see cref="Adam{T}"/> and <see cref="AdamW{T}"/>.</summary>
    /// <remarks>
    /// With a previous set of buffers (<see cref="AllocatePrevious"/>), an update reads the current moments and writes the
    /// new ones into the previous set, then swaps: the moments from before the step survive without a copy.
    /// </remarks>
    internal struct AdamMoments<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private T[] _first;
        private T[] _second;
        private T[]? _previousFirst;
        private T[]? _previousSecond;

        public AdamMoments(int parameterCount, bool keepPrevious)
        {
            _first = new T[parameterCount];
            _second = new T[parameterCount];
            if (keepPrevious)
            {
                AllocatePrevious();
            }
        }

        /// <summary>The first moments, then the second moments (empty before sizing).</summary>
        public T[][] Buffers => _first is null ? Array.Empty<T[]>() : new[] { _first, _second };

        public void AllocatePrevious()
        {
            _previousFirst = new T[_first?.Length ?? 0];
            _previousSecond = new T[_first?.Length ?? 0];
        }

        public void Swap()
        {
            if (_previousFirst is not null && _first is not null)
            {
                (_first, _previousFirst) = (_previousFirst, _first);
                (_second, _previousSecond) = (_previousSecond!, _second);
            }
        }

        public Span<T> Buffer(int index) => index switch
        {
            0 => _first,
            1 => _second,
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public void Clear()
        {
            if (_first is not null)
            {
                Array.Clear(_first);
                Array.Clear(_second);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Update(Span<T> parameters, ReadOnlySpan<T> gradients, double learningRate, double beta1, double beta2, double epsilon, long step)
        {
            // The bias corrections 1/(1 − βᵗ) are computed once per step, in double.
            T alpha = T.CreateChecked(learningRate);
            T b1 = T.CreateChecked(beta1), oneMinusB1 = T.CreateChecked(1 - beta1);
            T b2 = T.CreateChecked(beta2), oneMinusB2 = T.CreateChecked(1 - beta2);
            T correction1 = T.CreateChecked(1 / (1 - Math.Pow(beta1, step)));
            T correction2 = T.CreateChecked(1 / (1 - Math.Pow(beta2, step)));
            T eps = T.CreateChecked(epsilon);
            ReadOnlySpan<T> m = _first;
            ReadOnlySpan<T> v = _second;
            Span<T> nextM = _previousFirst ?? _first; // with a previous set, the old moments stay where they are
            Span<T> nextV = _previousSecond ?? _second;
            // The same operations in the same order as the scalar loop below, a vector at a time (every width gives the
            // same bits), read through refs: a slice per vector cost more than the arithmetic at small sizes. The width
            // follows the kernels' path (NETGEN_KERNEL_PATH included).
            ref T p0 = ref MemoryMarshal.GetReference(parameters);
            ref T g0 = ref MemoryMarshal.GetReference(gradients);
            ref T m0 = ref MemoryMarshal.GetReference(m);
            ref T v0 = ref MemoryMarshal.GetReference(v);
            ref T nm0 = ref MemoryMarshal.GetReference(nextM);
            ref T nv0 = ref MemoryMarshal.GetReference(nextV);
            nuint n = (nuint)parameters.Length, j = 0;
            GemmPath path = KernelPaths.PathOrScalar;
            if (path >= GemmPath.Vector512 && Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            {
                Vector512<T> vb1 = Vector512.Create(b1), v1b1 = Vector512.Create(oneMinusB1), vb2 = Vector512.Create(b2), v1b2 = Vector512.Create(oneMinusB2);
                Vector512<T> vAlpha = Vector512.Create(alpha), vc1 = Vector512.Create(correction1), vc2 = Vector512.Create(correction2), vEps = Vector512.Create(eps);
                for (; j + (nuint)Vector512<T>.Count <= n; j += (nuint)Vector512<T>.Count)
                {
                    Vector512<T> g = Vector512.LoadUnsafe(ref g0, j);
                    Vector512<T> mi = (vb1 * Vector512.LoadUnsafe(ref m0, j)) + (v1b1 * g);
                    Vector512<T> vi = (vb2 * Vector512.LoadUnsafe(ref v0, j)) + (v1b2 * g * g);
                    mi.StoreUnsafe(ref nm0, j);
                    vi.StoreUnsafe(ref nv0, j);
                    (Vector512.LoadUnsafe(ref p0, j) - (vAlpha * (mi * vc1) / (Vector512.Sqrt(vi * vc2) + vEps))).StoreUnsafe(ref p0, j);
                }
            }

            if (path >= GemmPath.Vector256 && Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            {
                Vector256<T> vb1 = Vector256.Create(b1), v1b1 = Vector256.Create(oneMinusB1), vb2 = Vector256.Create(b2), v1b2 = Vector256.Create(oneMinusB2);
                Vector256<T> vAlpha = Vector256.Create(alpha), vc1 = Vector256.Create(correction1), vc2 = Vector256.Create(correction2), vEps = Vector256.Create(eps);
                for (; j + (nuint)Vector256<T>.Count <= n; j += (nuint)Vector256<T>.Count)
                {
                    Vector256<T> g = Vector256.LoadUnsafe(ref g0, j);
                    Vector256<T> mi = (vb1 * Vector256.LoadUnsafe(ref m0, j)) + (v1b1 * g);
                    Vector256<T> vi = (vb2 * Vector256.LoadUnsafe(ref v0, j)) + (v1b2 * g * g);
                    mi.StoreUnsafe(ref nm0, j);
                    vi.StoreUnsafe(ref nv0, j);
                    (Vector256.LoadUnsafe(ref p0, j) - (vAlpha * (mi * vc1) / (Vector256.Sqrt(vi * vc2) + vEps))).StoreUnsafe(ref p0, j);
                }
            }

            if (path >= GemmPath.Vector128 && Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
            {
                Vector128<T> vb1 = Vector128.Create(b1), v1b1 = Vector128.Create(oneMinusB1), vb2 = Vector128.Create(b2), v1b2 = Vector128.Create(oneMinusB2);
                Vector128<T> vAlpha = Vector128.Create(alpha), vc1 = Vector128.Create(correction1), vc2 = Vector128.Create(correction2), vEps = Vector128.Create(eps);
                for (; j + (nuint)Vector128<T>.Count <= n; j += (nuint)Vector128<T>.Count)
                {
                    Vector128<T> g = Vector128.LoadUnsafe(ref g0, j);
                    Vector128<T> mi = (vb1 * Vector128.LoadUnsafe(ref m0, j)) + (v1b1 * g);
                    Vector128<T> vi = (vb2 * Vector128.LoadUnsafe(ref v0, j)) + (v1b2 * g * g);
                    mi.StoreUnsafe(ref nm0, j);
                    vi.StoreUnsafe(ref nv0, j);
                    (Vector128.LoadUnsafe(ref p0, j) - (vAlpha * (mi * vc1) / (Vector128.Sqrt(vi * vc2) + vEps))).StoreUnsafe(ref p0, j);
                }
            }

            int i = (int)j;
            for (; i < parameters.Length; i++)
            {
                T g = gradients[i];
                T mi = b1 * m[i] + oneMinusB1 * g;
                T vi = b2 * v[i] + oneMinusB2 * g * g;
                nextM[i] = mi;
                nextV[i] = vi;
                parameters[i] -= alpha * (mi * correction1) / (T.Sqrt(vi * correction2) + eps);
            }

            Swap();
        }
    }
}
