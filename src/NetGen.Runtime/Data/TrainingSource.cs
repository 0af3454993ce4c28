using System;
using System.Numerics;
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

        public void CopyFeatures(ReadOnlySpan<int> order, int start, int n, Span<T> destination)
        {
            int size = Data.FeatureCount;
            for (int i = 0; i < n; i++)
            {
                Data.Features.AsSpan(order[start + i] * size, size).CopyTo(destination.Slice(i * size));
            }
        }

        public double Accuracy(INetwork<T> network, Evaluator<T> evaluator) => evaluator.Accuracy(Data);
    }
}
