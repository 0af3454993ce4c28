using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using NetGen.Threading;
using NetGen.Training;

namespace NetGen.Data
{
    /// <summary>
    /// Where <see cref="Trainer{T}"/> takes its training samples from: an in-memory <see cref="Dataset{T}"/> or a dataset
    /// streamed from disk (<see cref="IdxStreamingDataset{T}"/>). Labels are always in memory (4 bytes a sample).
    /// </summary>
    internal interface ITrainingSource<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int Count { get; }

        int FeatureCount { get; }

        int[]? Labels { get; }

        /// <summary>Fills <paramref name="order"/> with the sample indices of the next epoch, shuffled when asked.</summary>
        void BeginEpoch(Span<int> order, ref SplitMixShuffler random, bool shuffle);

        /// <summary>Copies the features of samples <c>order[start … start + n)</c>, in that order, into <paramref name="destination"/>.</summary>
        void CopyFeatures(ReadOnlySpan<int> order, int start, int n, Span<T> destination);

        /// <summary>The accuracy of <paramref name="network"/> on every sample, in inference mode.</summary>
        double Accuracy(INetwork<T> network, Evaluator<T> evaluator);
    }

    /// <summary>A <see cref="Dataset{T}"/> as a training source: a Fisher–Yates permutation of all samples per epoch.</summary>
    internal sealed class InMemorySource<T> : ITrainingSource<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public InMemorySource(Dataset<T> data)
        {
            Data = data;
        }

        public Dataset<T> Data { get; }

        public int Count => Data.Count;

        public int FeatureCount => Data.FeatureCount;

        public int[]? Labels => Data.Labels;

        public void BeginEpoch(Span<int> order, ref SplitMixShuffler random, bool shuffle)
        {
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            if (shuffle)
            {
                random.Shuffle(order);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void CopyFeatures(ReadOnlySpan<int> order, int start, int n, Span<T> destination) =>
            RowGather<T>.Copy(Data.Features, Data.FeatureCount, order.Slice(start, n), destination);

        public double Accuracy(INetwork<T> network, Evaluator<T> evaluator) => evaluator.Accuracy(Data);
    }
}

namespace NetGen.Data
{
    /// <summary>
    /// Copies rows of a sample matrix, in a given order, into a batch buffer: one block copy per row, the rows split over
    /// the worker pool. Rows of a shuffled epoch lie anywhere in a set of tens of MB, so a gather waits on memory (a
    /// Fashion-MNIST batch of 128 took ~0.1–0.2 ms on one thread); two threads wait for two rows at a time, and each
    /// prefetches the rows it copies next (<see cref="Prefetch"/>). Each part writes only its own rows, so the batch is
    /// the same whichever thread copied what.
    /// </summary>
    internal sealed unsafe class RowGather<T> : IParallelWork
        where T : unmanaged
    {
        /// <summary>Values per part below which the gather stays on the calling thread: 2¹⁵.</summary>
        private const int Grain = 1 << 15;

        /// <summary>How many rows ahead of the one being copied are prefetched: enough to keep a row's misses in flight while another's are copied.</summary>
        private const int Ahead = 2;

        [ThreadStatic]
        private static RowGather<T>? t_gather;

        private T* _source;
        private int* _rows;
        private T* _destination;
        private int _count;
        private int _size;

        /// <summary>Copies row <c>rows[i]</c> of <paramref name="source"/> (<paramref name="size"/> values a row) to row i of <paramref name="destination"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Copy(ReadOnlySpan<T> source, int size, ReadOnlySpan<int> rows, Span<T> destination)
        {
            long values = (long)rows.Length * size;

            // The spans are checked here, once: the parts copy by pointers.
            if (destination.Length < values)
            {
                throw new ArgumentException("The batch buffer is shorter than the rows.", nameof(destination));
            }

            if (values == 0)
            {
                return;
            }

            int samples = source.Length / size;
            for (int i = 0; i < rows.Length; i++)
            {
                if ((uint)rows[i] >= (uint)samples)
                {
                    throw new ArgumentOutOfRangeException(nameof(rows), rows[i], "A row index lies outside the samples.");
                }
            }

            int threads = NetGenOptions.EffectiveDegreeOfParallelism;
            RowGather<T> job = t_gather ??= new RowGather<T>();
            fixed (T* from = source, to = destination)
            fixed (int* order = rows)
            {
                job._source = from;
                job._rows = order;
                job._destination = to;
                job._count = rows.Length;
                job._size = size;
                if (threads <= 1 || values < 2 * Grain || rows.Length < 2)
                {
                    job.Run(0, 1);
                }
                else
                {
                    // Twice as many parts as threads: a worker that starts late still takes its share of what is left.
                    WorkerPool.Shared.Run(job, Math.Min(rows.Length, 2 * threads), threads);
                }

                job._source = null;
                job._rows = null;
                job._destination = null;
            }
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int part, int parts)
        {
            int first = (int)((long)_count * part / parts);
            int end = (int)((long)_count * (part + 1) / parts);
            long bytes = (long)_size * sizeof(T);
            for (int i = first; i < end && i < first + Ahead; i++)
            {
                Prefetch(_source + ((long)_rows[i] * _size), bytes);
            }

            for (int i = first; i < end; i++)
            {
                if (i + Ahead < end)
                {
                    Prefetch(_source + ((long)_rows[i + Ahead] * _size), bytes);
                }

                Buffer.MemoryCopy(_source + ((long)_rows[i] * _size), _destination + ((long)i * _size), bytes, bytes);
            }
        }

        /// <summary>
        /// Asks for every cache line of a row (where the processor has a prefetch instruction): the rows of a shuffled
        /// batch lie pages apart, and the hardware's own prefetcher only starts on a row after its first misses.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void Prefetch(T* row, long bytes)
        {
            if (!Sse.IsSupported)
            {
                return;
            }

            byte* end = (byte*)row + bytes;
            for (byte* line = (byte*)((nuint)row & ~(nuint)63); line < end; line += 64)
            {
                Sse.Prefetch0(line);
            }
        }
    }
}

namespace NetGen.Data
{
    /// <summary>
    /// The next batch's rows, gathered ahead while the current batch trains: the pool's first worker copies them a few
    /// rows at a time whenever it waits between the step's parallel calls (<see cref="WorkerPool.IdleWork"/>), and
    /// <see cref="Finish"/> copies whatever is left, on every thread, before the batch is used. Every row is copied
    /// exactly once, by plain copies of the same values to the same place, so the batch is the same whoever copied
    /// what and whenever; nothing is allocated after construction.
    /// </summary>
    internal sealed unsafe class BatchGatherAhead<T> : IIdleWork, IParallelWork
        where T : unmanaged
    {
        /// <summary>Rows per piece: ~12 KB of Fashion-MNIST, a few µs, so a worker is soon back for the step's next call.</summary>
        private const int RowsPerPiece = 4;

        /// <summary>A claim counter no piece index reaches: set while the fields change.</summary>
        private const long Closed = long.MaxValue / 2;

        private T[] _source = Array.Empty<T>();
        private int[] _order = Array.Empty<int>();
        private T[] _destination = Array.Empty<T>();
        private int _size;
        private int _start;
        private int _count;
        private int _pieces;
        private long _next = Closed;
        private int _done;
        private Exception? _failure;

        /// <summary>Whether a gather has begun and not been finished.</summary>
        public bool Pending { get; private set; }

        /// <summary>
        /// Starts copying row <c>order[start + i]</c> of <paramref name="source"/> (<paramref name="size"/> values a row)
        /// to row i of <paramref name="destination"/>, for i in [0, <paramref name="count"/>), and offers it to the pool.
        /// Nothing the rows are read from or written to may change until <see cref="Finish"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Begin(T[] source, int size, int[] order, int start, int count, T[] destination)
        {
            if (Pending)
            {
                throw new InvalidOperationException("The previous gather ahead was not finished.");
            }

            if ((long)count * size > destination.Length || start + count > order.Length)
            {
                throw new ArgumentException("The batch does not fit the buffer or the order.");
            }

            int rows = source.Length / size;
            for (int i = start; i < start + count; i++)
            {
                if ((uint)order[i] >= (uint)rows)
                {
                    throw new ArgumentOutOfRangeException(nameof(order), order[i], "A row index lies outside the samples.");
                }
            }

            // Closed first: a worker still holding this object from the last gather must not claim a piece while the
            // fields change; the claim's interlocked increment orders the reads of the fields after these writes.
            Interlocked.Exchange(ref _next, Closed);
            _source = source;
            _size = size;
            _order = order;
            _start = start;
            _count = count;
            _destination = destination;
            _failure = null;
            Volatile.Write(ref _done, 0);
            Volatile.Write(ref _pieces, (count + RowsPerPiece - 1) / RowsPerPiece);
            Pending = true;
            Interlocked.Exchange(ref _next, 0);
            WorkerPool.Shared.IdleWork = this;
        }

        /// <summary>Withdraws the gather from the pool, copies the rows no worker took (split over <paramref name="threads"/>) and waits for the rest.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Finish(int threads)
        {
            if (!Pending)
            {
                return;
            }

            WorkerPool pool = WorkerPool.Shared;
            if (pool.IdleWork == this)
            {
                pool.IdleWork = null;
            }

            int pieces = _pieces;
            long left = pieces - Volatile.Read(ref _next);
            if (left > 1 && threads > 1 && (long)left * RowsPerPiece * _size >= 2 * (1 << 15))
            {
                WorkerPool.Shared.Run(this, threads, threads);
            }
            else
            {
                while (RunOne())
                {
                }
            }

            var spinner = default(SpinWait);
            while (Volatile.Read(ref _done) < pieces)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            Pending = false;
            if (_failure is { } failure)
            {
                _failure = null;
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool RunOne()
        {
            if (Volatile.Read(ref _next) >= Volatile.Read(ref _pieces))
            {
                return false;
            }

            long piece = Interlocked.Increment(ref _next) - 1;
            if (piece >= Volatile.Read(ref _pieces))
            {
                return false;
            }

            try
            {
                int size = _size;
                int first = (int)piece * RowsPerPiece;
                int end = Math.Min(first + RowsPerPiece, _count);
                ReadOnlySpan<int> order = _order.AsSpan(_start, _count);
                long bytes = (long)size * sizeof(T);
                fixed (T* source = _source, destination = _destination)
                {
                    // The piece's rows are asked for together, then copied (Begin checked every index and the buffer).
                    for (int i = first; i < end; i++)
                    {
                        RowGather<T>.Prefetch(source + ((long)order[i] * size), bytes);
                    }

                    for (int i = first; i < end; i++)
                    {
                        Buffer.MemoryCopy(source + ((long)order[i] * size), destination + ((long)i * size), bytes, bytes);
                    }
                }
            }
            catch (Exception exception)
            {
                Interlocked.CompareExchange(ref _failure, exception, null);
            }

            Interlocked.Increment(ref _done);
            return true;
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int part, int parts)
        {
            while (RunOne())
            {
            }
        }
    }
}
