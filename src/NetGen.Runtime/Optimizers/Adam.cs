using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.Numerics;
using System.Threading;
using System.Runtime.Intrinsics.X86;
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
        protected override void Allocate(int parameterCount) => _moments = new AdamMoments<T>(parameterCount, KeepsPreviousState, keptSets: 3);

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
        protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients) =>
            _moments.Update(parameters, gradients, LearningRate, Beta1, Beta2, Epsilon, StepCount);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override bool UpdateGuarded(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> previous, T limit) =>
            _moments.Update(parameters, gradients, LearningRate, Beta1, Beta2, Epsilon, StepCount, previous, limit, out _, sumOfSquares: false);

        /// <inheritdoc/>
        internal override bool ChecksGradientInUpdate => true;

        /// <inheritdoc/>
        /// <remarks>
        /// One pass: the gradient's Σ g² is summed while the update is written (the moments into the next of the ring's
        /// three sets, the old parameters into <paramref name="previous"/>); a gradient that holds a NaN or ∞ is found at
        /// the end, and the step is then dropped — parameters copied back from <paramref name="previous"/>, the ring turned
        /// back — so the state from before it, and the one before that, are as they were.
        /// </remarks>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal override GuardedOutcome UpdateChecked(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> previous, T limit, out double gradientNorm)
        {
            bool usable = _moments.Update(parameters, gradients, LearningRate, Beta1, Beta2, Epsilon, StepCount, previous, limit, out double squares, sumOfSquares: true);
            gradientNorm = Math.Sqrt(squares);
            if (!double.IsFinite(gradientNorm))
            {
                previous.CopyTo(parameters);
                _moments.Retreat();
                return GuardedOutcome.NonFiniteGradient;
            }

            return usable ? GuardedOutcome.Usable : GuardedOutcome.UnusableParameter;
        }
    }

    /// <summary>The moment buffers and update shared by <see cref="Adam{T}"/> and <see cref="AdamW{T}"/>.</summary>
    /// <remarks>
    /// Keeping earlier states (<see cref="AllocatePrevious"/>) makes the buffers a ring of sets: an update reads the current
    /// moments and writes the new ones into the next set, so the moments from before the step survive without a copy.
    /// Adam keeps three sets: the trainer's fused gradient check (<see cref="Adam{T}"/>'s
    /// <c>UpdateChecked</c>) may have to drop the step it is in and then step back once more, to before the batch before.
    /// </remarks>
    internal struct AdamMoments<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private T[][] _first;
        private T[][] _second;
        private int _current;
        private readonly int _keptSets;

        /// <param name="parameterCount">Values per buffer.</param>
        /// <param name="keepPrevious">Whether to allocate the sets that keep earlier states now.</param>
        /// <param name="keptSets">Sets in the ring when earlier states are kept (2: one step back; 3: the step being taken can be dropped as well).</param>
        public AdamMoments(int parameterCount, bool keepPrevious, int keptSets)
        {
            _keptSets = keptSets;
            _first = new[] { new T[parameterCount] };
            _second = new[] { new T[parameterCount] };
            _current = 0;
            if (keepPrevious)
            {
                AllocatePrevious();
            }
        }

        private readonly int Sets => _first?.Length ?? 0;

        /// <summary>The first moments, then the second moments (empty before sizing).</summary>
        public readonly T[][] Buffers => _first is null ? Array.Empty<T[]>() : new[] { _first[_current], _second[_current] };

        /// <summary>Adds the sets that keep earlier states; the current moments stay as they are.</summary>
        public void AllocatePrevious()
        {
            if (_first is null)
            {
                return; // not sized yet: the optimizer allocates the ring when it is
            }

            int length = _first[_current].Length;
            var first = new T[_keptSets][];
            var second = new T[_keptSets][];
            first[0] = _first[_current];
            second[0] = _second[_current];
            for (int s = 1; s < _keptSets; s++)
            {
                first[s] = new T[length];
                second[s] = new T[length];
            }

            _first = first;
            _second = second;
            _current = 0;
        }

        /// <summary>Makes the set the last update wrote the current one.</summary>
        private void Advance() => _current = (_current + 1) % Sets;

        /// <summary>Goes back to the set before the current one (a step back; nothing when no earlier state is kept).</summary>
        public void Retreat()
        {
            if (Sets > 1)
            {
                _current = (_current + Sets - 1) % Sets;
            }
        }

        public readonly Span<T> Buffer(int index) => _first is null ? Span<T>.Empty : index switch
        {
            0 => _first[_current],
            1 => _second[_current],
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public readonly void Clear()
        {
            if (_first is not null)
            {
                Array.Clear(_first[_current]);
                Array.Clear(_second[_current]);
            }
        }

        public void Update(Span<T> parameters, ReadOnlySpan<T> gradients, double learningRate, double beta1, double beta2, double epsilon, long step) =>
            Update(parameters, gradients, learningRate, beta1, beta2, epsilon, step, Span<T>.Empty, T.PositiveInfinity, out _, sumOfSquares: false);

        /// <summary>
        /// The update; with a non-empty <paramref name="previous"/> it also copies the parameters from before it there, and
        /// it returns whether every parameter after it is a number of magnitude ≤ <paramref name="limit"/> (the trainer's
        /// rollback copy and check, in this pass instead of two more). With <paramref name="sumOfSquares"/> the same pass
        /// also sums the squared gradient in double (<paramref name="gradientSquares"/>, in a fixed order whatever the thread
        /// count: NaN or ∞ when the gradient holds one), which spares the trainer its own pass over the gradient.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Update(Span<T> parameters, ReadOnlySpan<T> gradients, double learningRate, double beta1, double beta2, double epsilon, long step, Span<T> previous, T limit, out double gradientSquares, bool sumOfSquares)
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
            int next = (_current + 1) % Sets; // with kept sets, the old moments stay where they are
            bool usable = AdamJob<T>.Run(parameters, gradients, _first[_current], _second[_current], _first[next], _second[next], previous, constants, sumOfSquares, out gradientSquares);
            Advance();
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
    /// The Adam update split over the worker pool by contiguous ranges of parameters (it is a few hundred microseconds for
    /// the Fashion MLP's 235,914, a tenth of its step, and the other core was idle). Each value is computed by the same
    /// operations whichever thread runs it, so results do not depend on the thread count. The optional sum of squared
    /// gradients is kept per chunk of <see cref="Chunk"/> values and added in chunk order, so it does not depend on it either.
    /// </summary>
    internal sealed unsafe class AdamJob<T> : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Parameters per part: 2¹⁵ (some tens of microseconds); fewer stay on the calling thread.</summary>
        private const int Grain = 1 << 15;

        /// <summary>Values per partial sum of squares: 2¹⁴, a multiple of every vector width; parts are whole chunks.</summary>
        private const int Chunk = 1 << 14;

        /// <summary>Whether an aligned copy of the old parameters is written with streaming stores (benchmarks switch it off).</summary>
        internal static bool StreamPrevious { get; set; } = true;

        /// <summary>Parts per thread (benchmarks switch it: 1 keeps one contiguous range per core).</summary>
        internal static int PartsPerThread { get; set; } = 2;

        [ThreadStatic]
        private static AdamJob<T>? t_job;

        private T* _parameters, _gradients, _m, _v, _nextM, _nextV, _previous;
        private double* _sums;
        private int _length;
        private AdamConstants<T> _constants;
        private int _unusable;
        private double[] _chunkSums = Array.Empty<double>();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static bool Run(Span<T> parameters, ReadOnlySpan<T> gradients, ReadOnlySpan<T> m, ReadOnlySpan<T> v, Span<T> nextM, Span<T> nextV, Span<T> previous, in AdamConstants<T> constants, bool sumOfSquares, out double gradientSquares)
        {
            int threads = NetGenOptions.EffectiveDegreeOfParallelism;
            int chunks = (parameters.Length + Chunk - 1) / Chunk;
            AdamJob<T> job = t_job ??= new AdamJob<T>();
            if (sumOfSquares && job._chunkSums.Length < chunks)
            {
                job._chunkSums = new double[chunks];
            }

            fixed (T* p = parameters, g = gradients, pm = m, pv = v, nm = nextM, nv = nextV, save = previous)
            fixed (double* sums = job._chunkSums)
            {
                double* chunkSums = sumOfSquares ? sums : null;
                bool usable;
                if (threads <= 1 || parameters.Length < 2 * Grain)
                {
                    usable = sumOfSquares
                        ? Kernel<Summing>(p, g, pm, pv, nm, nv, save, chunkSums, 0, chunks, parameters.Length, constants)
                        : Kernel<NotSumming>(p, g, pm, pv, nm, nv, save, null, 0, chunks, parameters.Length, constants);
                }
                else
                {
                    job._parameters = p;
                    job._gradients = g;
                    job._m = pm;
                    job._v = pv;
                    job._nextM = nm;
                    job._nextV = nv;
                    job._previous = save;
                    job._sums = chunkSums;
                    job._length = parameters.Length;
                    job._constants = constants;
                    job._unusable = 0;
                    WorkerPool.Shared.Run(job, Math.Min(Math.Min(parameters.Length / Grain, PartsPerThread * threads), chunks), threads);
                    job._parameters = job._gradients = job._m = job._v = job._nextM = job._nextV = job._previous = null;
                    job._sums = null;
                    usable = Volatile.Read(ref job._unusable) == 0;
                }

                gradientSquares = 0;
                for (int c = 0; sumOfSquares && c < chunks; c++)
                {
                    gradientSquares += sums[c];
                }

                return usable;
            }
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int part, int parts)
        {
            int chunks = (_length + Chunk - 1) / Chunk;
            int from = (int)((long)chunks * part / parts);
            int to = (int)((long)chunks * (part + 1) / parts);
            bool usable = _sums != null
                ? Kernel<Summing>(_parameters, _gradients, _m, _v, _nextM, _nextV, _previous, _sums, from, to, _length, _constants)
                : Kernel<NotSumming>(_parameters, _gradients, _m, _v, _nextM, _nextV, _previous, null, from, to, _length, _constants);
            if (!usable)
            {
                Volatile.Write(ref _unusable, 1);
            }
        }

        /// <summary>Whether a kernel sums the squared gradient: a type argument, so that each case is compiled without the test in its loop.</summary>
        private interface ISumMode
        {
            static abstract bool Sums { get; }
        }

        private struct Summing : ISumMode
        {
            public static bool Sums => true;
        }

        private struct NotSumming : ISumMode
        {
            public static bool Sums => false;
        }

        /// <summary>
        /// Updates chunks [<paramref name="fromChunk"/>, <paramref name="toChunk"/>) of the <paramref name="length"/> values;
        /// copies the old parameters to <paramref name="previous"/> unless it is null; with <typeparamref name="TMode"/>
        /// <see cref="Summing"/> writes each chunk's Σ g² (in double) to <paramref name="sums"/>; false when a new parameter
        /// is NaN or beyond the limit.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static bool Kernel<TMode>(T* parameters, T* gradients, T* m, T* v, T* nextM, T* nextV, T* previous, double* sums, int fromChunk, int toChunk, int length, in AdamConstants<T> k)
            where TMode : struct, ISumMode
        {
            bool usable = true;

            // The copy of the old parameters is read only to undo a step (rarely): streamed past the caches when it is
            // aligned (the trainer's is), so it costs no read of its lines and evicts none of the moments.
            bool stream = StreamPrevious && previous != null && (nuint)previous % (nuint)Unsafe.SizeOf<Vector<T>>() == 0;
            for (int chunk = fromChunk; chunk < toChunk; chunk++)
            {
                int i = chunk * Chunk;
                int to = Math.Min(length, i + Chunk);
                double sum = 0;
                if (Vector.IsHardwareAccelerated)
                {
                    // The same operations in the same order as the scalar loop below, a vector at a time.
                    Vector<T> vb1 = new(k.Beta1), v1b1 = new(k.OneMinusBeta1), vb2 = new(k.Beta2), v1b2 = new(k.OneMinusBeta2);
                    Vector<T> vAlpha = new(k.Alpha), vc1 = new(k.Correction1), vc2 = new(k.Correction2), vEps = new(k.Epsilon), vLimit = new(k.Limit);
                    Vector<T> within = Vector<T>.AllBitsSet;
                    Vector<T> smallestNormal = new(SubnormalFlush<T>.SmallestNormal); // moments below it are flushed to zero
                    Vector<double> s0 = Vector<double>.Zero, s1 = Vector<double>.Zero;
                    for (; i <= to - Vector<T>.Count; i += Vector<T>.Count)
                    {
                        Vector<T> g = Vector.Load(gradients + i);
                        if (TMode.Sums)
                        {
                            if (typeof(T) == typeof(float))
                            {
                                Vector.Widen(Vector.AsVectorSingle(g), out Vector<double> lo, out Vector<double> hi);
                                s0 += lo * lo;
                                s1 += hi * hi;
                            }
                            else
                            {
                                Vector<double> d = Vector.AsVectorDouble(g);
                                s0 += d * d;
                            }
                        }

                        Vector<T> mi = (vb1 * Vector.Load(m + i)) + (v1b1 * g);
                        Vector<T> vi = (vb2 * Vector.Load(v + i)) + (v1b2 * g * g);
                        mi = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(mi), smallestNormal), Vector<T>.Zero, mi);
                        vi = Vector.ConditionalSelect(Vector.LessThan(vi, smallestNormal), Vector<T>.Zero, vi);
                        Vector.Store(mi, nextM + i);
                        Vector.Store(vi, nextV + i);
                        Vector<T> old = Vector.Load(parameters + i);
                        if (stream)
                        {
                            Vector.StoreAlignedNonTemporal(old, previous + i);
                        }
                        else if (previous != null)
                        {
                            Vector.Store(old, previous + i);
                        }

                        Vector<T> updated = old - (vAlpha * (mi * vc1) / (Vector.SquareRoot(vi * vc2) + vEps));
                        Vector.Store(updated, parameters + i);
                        within &= Vector.LessThanOrEqual(Vector.Abs(updated), vLimit);
                    }

                    usable &= Vector.EqualsAll(Vector.AsVectorInt32(within), Vector<int>.AllBitsSet);
                    if (TMode.Sums)
                    {
                        sum = Vector.Sum(s0 + s1);
                    }
                }

                for (; i < to; i++)
                {
                    T g = gradients[i];
                    if (TMode.Sums)
                    {
                        double d = double.CreateTruncating(g);
                        sum += d * d;
                    }

                    T mi = k.Beta1 * m[i] + k.OneMinusBeta1 * g;
                    T vi = k.Beta2 * v[i] + k.OneMinusBeta2 * g * g;
                    mi = T.Abs(mi) < SubnormalFlush<T>.SmallestNormal ? T.Zero : mi;
                    vi = vi < SubnormalFlush<T>.SmallestNormal ? T.Zero : vi;
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

                if (TMode.Sums)
                {
                    sums[chunk] = sum;
                }
            }

            if (stream && Sse.IsSupported)
            {
                Sse.StoreFence(); // streamed stores are weakly ordered: done before the part is
            }

            return usable;
        }
    }
}
