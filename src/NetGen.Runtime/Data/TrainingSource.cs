using System;
using System.Numerics;
using System.Runtime.CompilerServices;
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
    /// Fashion-MNIST batch of 128 took ~0.1–0.2 ms on one thread); two threads wait for two rows at a time. Each part
    /// writes only its own rows, so the batch is the same whichever thread copied what.
    /// </summary>
    internal sealed unsafe class RowGather<T> : IParallelWork
        where T : unmanaged
    {
        /// <summary>Values per part below which the gather stays on the calling thread: 2¹⁵.</summary>
        private const int Grain = 1 << 15;

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
            int threads = NetGenOptions.EffectiveDegreeOfParallelism;
            long values = (long)rows.Length * size;
            if (threads <= 1 || values < 2 * Grain || rows.Length < 2)
            {
                for (int i = 0; i < rows.Length; i++)
                {
                    source.Slice(rows[i] * size, size).CopyTo(destination.Slice(i * size));
                }

                return;
            }

            // The spans are checked here, once: the parts copy by pointers.
            if (destination.Length < values)
            {
                throw new ArgumentException("The batch buffer is shorter than the rows.", nameof(destination));
            }

            for (int i = 0; i < rows.Length; i++)
            {
                if ((uint)rows[i] >= (uint)(source.Length / size))
                {
                    throw new ArgumentOutOfRangeException(nameof(rows), rows[i], "A row index lies outside the samples.");
                }
            }

            RowGather<T> job = t_gather ??= new RowGather<T>();
            fixed (T* from = source, to = destination)
            fixed (int* order = rows)
            {
                job._source = from;
                job._rows = order;
                job._destination = to;
                job._count = rows.Length;
                job._size = size;
                WorkerPool.Shared.Run(job, (int)Math.Min(rows.Length, Math.Min(values / Grain, 2 * threads)), threads);
                job._source = null;
                job._rows = null;
                job._destination = null;
            }
        }

        /// <inheritdoc/>
        public void Run(int part, int parts)
        {
            int first = (int)((long)_count * part / parts);
            int end = (int)((long)_count * (part + 1) / parts);
            long bytes = (long)_size * sizeof(T);
            for (int i = first; i < end; i++)
            {
                Buffer.MemoryCopy(_source + ((long)_rows[i] * _size), _destination + ((long)i * _size), bytes, bytes);
            }
        }
    }
}
