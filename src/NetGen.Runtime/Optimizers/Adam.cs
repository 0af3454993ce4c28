using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.Numerics;
using System.Threading;
using NetGen.Threading;

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

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override bool UpdateGuarded(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> previous, T limit) =>
            _moments.Update(parameters, gradients, LearningRate, Beta1, Beta2, Epsilon, StepCount, previous, limit);
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

        public void Update(Span<T> parameters, ReadOnlySpan<T> gradients, double learningRate, double beta1, double beta2, double epsilon, long step) =>
            Update(parameters, gradients, learningRate, beta1, beta2, epsilon, step, Span<T>.Empty, T.PositiveInfinity);

        /// <summary>
        /// The update; with a non-empty <paramref name="previous"/> it also copies the parameters from before it there, and
        /// it returns whether every parameter after it is a number of magnitude ≤ <paramref name="limit"/> (the trainer's
        /// rollback copy and check, in this pass instead of two more).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Update(Span<T> parameters, ReadOnlySpan<T> gradients, double learningRate, double beta1, double beta2, double epsilon, long step, Span<T> previous, T limit)
        {
            // The bias corrections 1/(1 − βᵗ) are computed once per step, in double.
            var constants = new AdamConstants<T>(
                T.CreateChecked(learningRate),
                T.CreateChecked(beta1),
                T.CreateChecked(1 - beta1),
                T.CreateChecked(beta2),
                T.CreateChecked(1 - beta2),
                T.CreateChecked(1 / (1 - Math.Pow(beta1, step))),
                T.CreateChecked(1 / (1 - Math.Pow(beta2, step))),
                T.CreateChecked(epsilon),
                limit);
            Span<T> nextM = _previousFirst ?? _first; // with a previous set, the old moments stay where they are
            Span<T> nextV = _previousSecond ?? _second;
            bool usable = AdamJob<T>.Run(parameters, gradients, _first, _second, nextM, nextV, previous, constants);
            Swap();
            return usable;
        }
    }
}

namespace NetGen.Optimizers
{
    /// <summary>One Adam step's constants (T-typed once per step) and the magnitude limit of the guarded step.</summary>
    internal readonly record struct AdamConstants<T>(T Alpha, T Beta1, T OneMinusBeta1, T Beta2, T OneMinusBeta2, T Correction1, T Correction2, T Epsilon, T Limit)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// The Adam update split over the worker pool by ranges of parameters (it is a few hundred microseconds for the
    /// Fashion MLP's 235,914, a tenth of its step, and the other core was idle). Each value is computed by the same
    /// operations whichever thread runs it, so results do not depend on the thread count.
    /// </summary>
    internal sealed unsafe class AdamJob<T> : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Parameters per part: 2¹⁵ (some tens of microseconds); fewer stay on the calling thread.</summary>
        private const int Grain = 1 << 15;

        [ThreadStatic]
        private static AdamJob<T>? t_job;

        private T* _parameters, _gradients, _m, _v, _nextM, _nextV, _previous;
        private int _length;
        private AdamConstants<T> _constants;
        private int _unusable;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static bool Run(Span<T> parameters, ReadOnlySpan<T> gradients, ReadOnlySpan<T> m, ReadOnlySpan<T> v, Span<T> nextM, Span<T> nextV, Span<T> previous, in AdamConstants<T> constants)
        {
            fixed (T* p = parameters, g = gradients, pm = m, pv = v, nm = nextM, nv = nextV, save = previous)
            {
                int threads = NetGenOptions.EffectiveDegreeOfParallelism;
                if (threads <= 1 || parameters.Length < 2 * Grain)
                {
                    return Kernel(p, g, pm, pv, nm, nv, save, 0, parameters.Length, constants);
                }

                AdamJob<T> job = t_job ??= new AdamJob<T>();
                job._parameters = p;
                job._gradients = g;
                job._m = pm;
                job._v = pv;
                job._nextM = nm;
                job._nextV = nv;
                job._previous = save;
                job._length = parameters.Length;
                job._constants = constants;
                job._unusable = 0;
                WorkerPool.Shared.Run(job, Math.Min(parameters.Length / Grain, 2 * threads), threads);
                job._parameters = job._gradients = job._m = job._v = job._nextM = job._nextV = job._previous = null;
                return Volatile.Read(ref job._unusable) == 0;
            }
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int part, int parts)
        {
            int width = Vector<T>.Count;
            int units = (_length + width - 1) / width;
            int from = (int)((long)units * part / parts) * width;
            int to = Math.Min(_length, (int)((long)units * (part + 1) / parts) * width);
            if (!Kernel(_parameters, _gradients, _m, _v, _nextM, _nextV, _previous, from, to, _constants))
            {
                Volatile.Write(ref _unusable, 1);
            }
        }

        /// <summary>Updates [from, to); copies the old parameters to <paramref name="previous"/> unless it is null; false when a new one is NaN or beyond the limit.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static bool Kernel(T* parameters, T* gradients, T* m, T* v, T* nextM, T* nextV, T* previous, int from, int to, in AdamConstants<T> k)
        {
            int i = from;
            bool usable = true;
            if (Vector.IsHardwareAccelerated)
            {
                // The same operations in the same order as the scalar loop below, a vector at a time.
                Vector<T> vb1 = new(k.Beta1), v1b1 = new(k.OneMinusBeta1), vb2 = new(k.Beta2), v1b2 = new(k.OneMinusBeta2);
                Vector<T> vAlpha = new(k.Alpha), vc1 = new(k.Correction1), vc2 = new(k.Correction2), vEps = new(k.Epsilon), vLimit = new(k.Limit);
                Vector<T> within = Vector<T>.AllBitsSet;
                for (; i <= to - Vector<T>.Count; i += Vector<T>.Count)
                {
                    Vector<T> g = Vector.Load(gradients + i);
                    Vector<T> mi = (vb1 * Vector.Load(m + i)) + (v1b1 * g);
                    Vector<T> vi = (vb2 * Vector.Load(v + i)) + (v1b2 * g * g);
                    Vector.Store(mi, nextM + i);
                    Vector.Store(vi, nextV + i);
                    Vector<T> old = Vector.Load(parameters + i);
                    if (previous != null)
                    {
                        Vector.Store(old, previous + i);
                    }

                    Vector<T> updated = old - (vAlpha * (mi * vc1) / (Vector.SquareRoot(vi * vc2) + vEps));
                    Vector.Store(updated, parameters + i);
                    within &= Vector.LessThanOrEqual(Vector.Abs(updated), vLimit);
                }

                usable = Vector.EqualsAll(Vector.AsVectorInt32(within), Vector<int>.AllBitsSet);
            }

            for (; i < to; i++)
            {
                T g = gradients[i];
                T mi = k.Beta1 * m[i] + k.OneMinusBeta1 * g;
                T vi = k.Beta2 * v[i] + k.OneMinusBeta2 * g * g;
                nextM[i] = mi;
                nextV[i] = vi;
                if (previous != null)
                {
                    previous[i] = parameters[i];
                }

                T updated = parameters[i] - k.Alpha * (mi * k.Correction1) / (T.Sqrt(vi * k.Correction2) + k.Epsilon);
                parameters[i] = updated;
                usable &= T.Abs(updated) <= k.Limit;
            }

            return usable;
        }
    }
}
