using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Threading;
using NetGen.Training;

namespace NetGen.Runtime.Tests.Training
{
    /// <summary>
    /// With two threads <c>Fit</c> gathers the next batch's rows while the current batch trains
    /// (<see cref="BatchGatherAhead{T}"/>, the pool's worker copying in its idle time): the batches, losses and parameters
    /// are those of a hand-written loop over the same shuffled order, on one thread and on two, with batches large enough
    /// (70 × 1,024 values) that the in-line gather and the rest of the gather ahead are split over the pool too.
    /// </summary>
    [Collection(AllThreadsCollection.Name)]
    public class GatherAheadTests
    {
        private const int Features = 1024, Classes = 3;

        private static T WithThreads<T>(int threads, Func<T> call)
        {
            int before = NetGenOptions.MaxDegreeOfParallelism;
            NetGenOptions.MaxDegreeOfParallelism = threads;
            try
            {
                return call();
            }
            finally
            {
                NetGenOptions.MaxDegreeOfParallelism = before;
            }
        }

        /// <summary>Every batch's loss, from the progress reports.</summary>
        private sealed class BatchLosses : IProgress<TrainingProgress>
        {
            public List<double> Losses { get; } = new();

            public void Report(TrainingProgress value)
            {
                if (value.Kind == ProgressKind.Batch)
                {
                    Losses.Add(value.BatchLoss);
                }
            }
        }

        /// <summary>
        /// The loop Fit stands for: each epoch the order 0 … n − 1 shuffled by the seeded generator (carried over from epoch
        /// to epoch), rows and labels copied one by one into fresh buffers, TrainStep with the outputs (the training
        /// accuracy is counted from them) and Adam's step.
        /// </summary>
        private static (float[] Parameters, List<double> BatchLosses, double[] EpochLosses) HandWritten(Dataset<float> data, int epochs, int batch, ulong seed)
        {
            var network = new SoftmaxRegression<float>(Features, Classes, seed: 5);
            var adam = new Adam<float>(learningRate: 0.01);
            var order = new int[data.Count];
            var shuffler = new SplitMixShuffler(seed);
            var losses = new List<double>();
            var epochLosses = new double[epochs];
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                for (int i = 0; i < order.Length; i++)
                {
                    order[i] = i;
                }

                shuffler.Shuffle(order);
                double sum = 0;
                for (int start = 0; start < data.Count; start += batch)
                {
                    int n = Math.Min(batch, data.Count - start);
                    var inputs = new float[n * Features];
                    var labels = new int[n];
                    for (int i = 0; i < n; i++)
                    {
                        for (int j = 0; j < Features; j++)
                        {
                            inputs[(i * Features) + j] = data.Features[(order[start + i] * Features) + j];
                        }

                        labels[i] = data.Labels![order[start + i]];
                    }

                    double loss = network.TrainStep(inputs, labels, new float[n * Classes]);
                    adam.Step(network.Parameters, network.Gradients);
                    losses.Add(loss);
                    sum += loss * n;
                }

                epochLosses[epoch] = sum / data.Count;
            }

            return (network.Parameters.ToArray(), losses, epochLosses);
        }

        [Theory]
        [InlineData(1, true)]
        [InlineData(2, true)]
        [InlineData(2, false)]
        public void Fit_trains_the_same_bits_as_a_hand_written_loop_over_the_same_shuffled_batches(int threads, bool ahead)
        {
            // 300 samples in batches of 70: four full batches and one of 20, three epochs.
            Dataset<float> data = DivergenceTests.Blobs(300, Features, Classes, 11);
            (float[] parameters, List<double> batchLosses, double[] epochLosses) = HandWritten(data, epochs: 3, batch: 70, seed: 7);

            var network = new SoftmaxRegression<float>(Features, Classes, seed: 5);
            var trainer = new Trainer<float>(network, new Adam<float>(learningRate: 0.01), new TrainerOptions { Epochs = 3, BatchSize = 70, Seed = 7 });
            var progress = new BatchLosses();
            bool before = Trainer<float>.GatherAhead;
            Trainer<float>.GatherAhead = ahead;
            TrainingResult result;
            try
            {
                result = WithThreads(threads, () => trainer.Fit(data, null, progress));
            }
            finally
            {
                Trainer<float>.GatherAhead = before;
            }

            Assert.Equal(15, batchLosses.Count);
            Assert.Equal(batchLosses, progress.Losses);
            Assert.Equal(epochLosses, result.History.Epochs.Select(m => m.TrainingLoss).ToArray());
            Assert.Equal(parameters, network.Parameters.ToArray());
            Assert.Null(WorkerPool.Shared.IdleWork);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void A_NaN_while_the_next_batch_is_gathered_ahead_restores_the_same_bits_as_without(bool loss)
        {
            // Batch 3 of epoch 2 (TrainStep call 8) fails while batch 4 is being gathered.
            (float[] Parameters, float[] Gradients, NonFiniteLossException Error) Train(bool ahead)
            {
                var network = new Poisoned<float>(new SoftmaxRegression<float>(Features, Classes, seed: 5), failingStep: 8, loss, index: 17, value: float.NaN);
                var trainer = new Trainer<float>(network, new Adam<float>(learningRate: 0.01), new TrainerOptions { Epochs = 3, BatchSize = 70, Seed = 7 });
                bool before = Trainer<float>.GatherAhead;
                Trainer<float>.GatherAhead = ahead;
                try
                {
                    var e = WithThreads(2, () => Assert.Throws<NonFiniteLossException>(() => trainer.Fit(DivergenceTests.Blobs(300, Features, Classes, 11))));
                    return (network.Parameters.ToArray(), network.Gradients.ToArray(), e);
                }
                finally
                {
                    Trainer<float>.GatherAhead = before;
                }
            }

            var inLine = Train(ahead: false);
            var gatheredAhead = Train(ahead: true);
            Assert.Equal((2, 3), (gatheredAhead.Error.Epoch, gatheredAhead.Error.Batch));
            Assert.Equal((2, 2), (gatheredAhead.Error.RestoredEpoch, gatheredAhead.Error.RestoredBatch));
            Assert.Equal((inLine.Error.Epoch, inLine.Error.Batch, inLine.Error.RestoredEpoch, inLine.Error.RestoredBatch), (gatheredAhead.Error.Epoch, gatheredAhead.Error.Batch, gatheredAhead.Error.RestoredEpoch, gatheredAhead.Error.RestoredBatch));
            Assert.Equal(inLine.Error.Loss, gatheredAhead.Error.Loss);
            Assert.Equal(inLine.Parameters, gatheredAhead.Parameters);
            Assert.Equal(inLine.Gradients, gatheredAhead.Gradients);

            // Nothing is left for a worker to write into once Fit has thrown.
            Assert.Null(WorkerPool.Shared.IdleWork);
        }

        [Fact]
        public void The_batch_loop_with_the_gather_ahead_allocates_nothing_on_any_thread()
        {
            // 25 batches of 70 × 1,024 values; nothing may be allocated, here or on the workers, between batches 3 and 24
            // of one of epochs 2–4. One clean epoch of three: a one-off of a few kilobytes from a source not found yet
            // (5,496 bytes once in a full run) shows in one epoch, while an allocation in the batch loop shows in every epoch.
            Dataset<float> data = DivergenceTests.Blobs(1750, Features, Classes, 3);
            var atBatch3 = new long[5];
            var atBatch24 = new long[5];
            var progress = new Progress(p =>
            {
                if (p.Kind == ProgressKind.Batch && p.Epoch >= 2 && (p.Batch == 3 || p.Batch == 24))
                {
                    long bytes = GC.GetAllocatedBytesForCurrentThread() + WorkerPool.Shared.WorkerAllocatedBytes;
                    (p.Batch == 3 ? atBatch3 : atBatch24)[p.Epoch] = bytes;
                }
            });

            var trainer = new Trainer<float>(new SoftmaxRegression<float>(Features, Classes, seed: 5), new Adam<float>(learningRate: 0.01), new TrainerOptions { Epochs = 4, BatchSize = 70 });
            WithThreads(2, () => trainer.Fit(data, null, progress));
            Assert.All(new[] { 2, 3, 4 }, epoch => Assert.True(atBatch3[epoch] > 0 && atBatch24[epoch] > 0, $"epoch {epoch} reported no batches 3 and 24"));
            long[] allocated = [.. new[] { 2, 3, 4 }.Select(epoch => atBatch24[epoch] - atBatch3[epoch])];
            Assert.True(allocated.Contains(0), $"Batches 3 to 24 allocated {string.Join(", ", allocated)} bytes in epochs 2, 3 and 4.");
        }

        private sealed class Progress : IProgress<TrainingProgress>
        {
            private readonly Action<TrainingProgress> _report;

            public Progress(Action<TrainingProgress> report) => _report = report;

            public void Report(TrainingProgress value) => _report(value);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void The_gather_ahead_copies_each_row_once_in_order_whoever_copies_it(int threads)
        {
            const int Rows = 500, Size = 1000, Batch = 90;
            float[] source = Enumerable.Range(0, Rows * Size).Select(i => (float)Math.Sin(i)).ToArray();
            var order = Enumerable.Range(0, Rows).ToArray();
            var shuffler = new SplitMixShuffler(3);
            shuffler.Shuffle(order);
            var gather = new BatchGatherAhead<float>();
            var destination = new float[Batch * Size];
            foreach (int start in new[] { 0, 90, 450 })
            {
                int n = Math.Min(Batch, Rows - start);
                Array.Fill(destination, -1f);
                gather.Begin(source, Size, order, start, n, destination);
                Assert.True(gather.Pending);
                Assert.Throws<InvalidOperationException>(() => gather.Begin(source, Size, order, start, n, destination));
                if (start == 90)
                {
                    Thread.Sleep(5); // let a polling worker take pieces (the copy must be the same either way)
                }

                WithThreads(threads, () => { gather.Finish(NetGenOptions.EffectiveDegreeOfParallelism); return 0; });
                Assert.False(gather.Pending);
                Assert.Null(WorkerPool.Shared.IdleWork);
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal(source.AsSpan(order[start + i] * Size, Size).ToArray(), destination.AsSpan(i * Size, Size).ToArray());
                }

                Assert.All(destination.AsSpan(n * Size).ToArray(), v => Assert.Equal(-1f, v)); // nothing past the batch
            }

            order[10] = Rows; // past the last sample: refused before anything is offered
            Assert.Throws<ArgumentOutOfRangeException>(() => gather.Begin(source, Size, order, 0, Batch, destination));
            Assert.False(gather.Pending);
            Assert.Null(WorkerPool.Shared.IdleWork);
        }
    }
}
