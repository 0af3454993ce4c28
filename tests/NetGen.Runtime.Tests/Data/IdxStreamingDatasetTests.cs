using System;
using System.IO;
using System.Linq;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Runtime.Tests.Training;
using NetGen.Training;

namespace NetGen.Runtime.Tests.Data
{
    /// <summary>Training from an IDX file on disk, block by block, with bounded memory.</summary>
    public sealed class IdxStreamingDatasetTests : IDisposable
    {
        private const int Side = 28;
        private const int Features = Side * Side;
        private readonly string _folder = Directory.CreateTempSubdirectory("netgen-stream-").FullName;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        /// <summary>Writes n images whose pixels depend on their class (so a network can learn) and their labels.</summary>
        private (string Images, string Labels) Write(int n, string name = "train")
        {
            var pixels = new byte[n * Features];
            var labels = new byte[n];
            var random = new NetGenRandom(9, 1);
            for (int i = 0; i < n; i++)
            {
                labels[i] = (byte)random.NextInt(10);
                for (int p = 0; p < Features; p++)
                {
                    int signal = p % 10 == labels[i] ? 200 : 20;
                    pixels[(i * Features) + p] = (byte)Math.Clamp(signal + random.NextInt(40), 0, 255);
                }
            }

            string images = Path.Combine(_folder, name + "-images-idx3-ubyte");
            string labelsPath = Path.Combine(_folder, name + "-labels-idx1-ubyte");
            new IdxFile(IdxDataType.UnsignedByte, new[] { n, Side, Side }, pixels).Write(images);
            new IdxFile(IdxDataType.UnsignedByte, new[] { n }, labels).Write(labelsPath);
            return (images, labelsPath);
        }

        private static TrainerOptions Options(int epochs = 2) => new() { Epochs = epochs, BatchSize = 32, Seed = 3, ReportBatches = false };

        [Fact]
        public void With_one_block_it_trains_exactly_as_the_same_data_in_memory()
        {
            (string images, string labels) = Write(300);
            using var streamed = IdxStreamingDataset<float>.Open(images, labels, blockSize: 1000);
            Dataset<float> inMemory = streamed.Load(0, streamed.Count);
            Assert.Equal(IdxFile.Read(images).ToScaledArray<float>(), inMemory.Features);

            var a = new SoftmaxRegression<float>(Features, 10, seed: 5);
            var b = new SoftmaxRegression<float>(Features, 10, seed: 5);
            TrainingResult fromDisk = new Trainer<float>(a, new Adam<float>(0.01), Options()).Fit(streamed);
            TrainingResult fromMemory = new Trainer<float>(b, new Adam<float>(0.01), Options()).Fit(inMemory);

            // One block: the block order is trivial and the shuffle within it is the in-memory Fisher–Yates.
            Assert.Equal(fromMemory.History.TrainingLoss, fromDisk.History.TrainingLoss);
            Assert.Equal(fromMemory.History.TrainingAccuracy, fromDisk.History.TrainingAccuracy);
            Assert.Equal(b.Parameters.ToArray(), a.Parameters.ToArray());
        }

        [Fact]
        public void A_file_much_larger_than_the_buffers_trains_with_bounded_memory()
        {
            // 12,000 images: a 9.4 MB file, read through two blocks of 200 images (313 KB).
            (string images, string labels) = Write(12_000);
            long fileBytes = new FileInfo(images).Length;
            using var streamed = IdxStreamingDataset<float>.Open(images, labels, blockSize: 200);
            Assert.Equal(2L * 200 * Features, streamed.BufferBytes);
            Assert.True(streamed.BufferBytes * 30 < fileBytes);

            var network = new SoftmaxRegression<float>(Features, 10, seed: 5);
            var trainer = new Trainer<float>(network, new Sgd<float>(0.05), Options(epochs: 2));
            // The training thread does the copying; the read-ahead only fills the two existing buffers. (Per thread,
            // because other test classes allocate in parallel.)
            long before = GC.GetAllocatedBytesForCurrentThread();
            TrainingResult result = trainer.Fit(streamed);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            // Every sample went through (twice), yet what was allocated is a small part of the file: no copy of it.
            Assert.True(allocated < fileBytes / 4, $"allocated {allocated:N0} bytes for a {fileBytes:N0}-byte file");
            Assert.True(result.Last.TrainingLoss < result.History.Epochs[0].TrainingLoss);
            Assert.True(result.Last.TrainingAccuracy > 0.9, $"accuracy {result.Last.TrainingAccuracy}");
        }

        [Fact]
        public void Each_epoch_shuffles_the_blocks_and_the_samples_within_them()
        {
            (string images, string labels) = Write(1_050);
            using var streamed = IdxStreamingDataset<float>.Open(images, labels, blockSize: 100);
            ITrainingSource<float> source = streamed;
            var random = new SplitMixShuffler(7);
            var first = new int[streamed.Count];
            var second = new int[streamed.Count];
            source.BeginEpoch(first, ref random, shuffle: true);
            source.BeginEpoch(second, ref random, shuffle: true);

            foreach (int[] order in new[] { first, second })
            {
                Assert.Equal(Enumerable.Range(0, streamed.Count), order.Order());
                // Consecutive positions stay within one block until the block is used up.
                int changes = order.Zip(order.Skip(1)).Count(p => p.First / 100 != p.Second / 100);
                Assert.Equal(10, changes); // 11 blocks (the last one has 50 samples)
                Assert.NotEqual(Enumerable.Range(0, streamed.Count), order);
            }

            Assert.NotEqual(first, second);
        }

        [Fact]
        public void A_gzipped_images_file_or_mismatched_labels_are_refused_with_the_reason()
        {
            (string images, string labels) = Write(10);
            string gz = Path.Combine(_folder, "gz-images-idx3-ubyte.gz");
            IdxFile.Read(images).Write(gz);
            var gzipped = Assert.Throws<IdxFormatException>(() => IdxStreamingDataset<float>.Open(gz, labels));
            Assert.Contains("decompress it first", gzipped.Message);

            (_, string fewer) = Write(9, "other");
            var mismatch = Assert.Throws<IdxFormatException>(() => IdxStreamingDataset<float>.Open(images, fewer));
            Assert.Contains("holds 9 labels but", mismatch.Message);
        }

        [Fact]
        public void Fit_checks_the_input_size_and_refuses_a_validation_split()
        {
            (string images, string labels) = Write(10);
            using var streamed = IdxStreamingDataset<float>.Open(images, labels);
            var wrongSize = new Trainer<float>(new SoftmaxRegression<float>(10, 10), new Sgd<float>(0.1));
            Assert.Contains("784 features per sample", Assert.Throws<ArgumentException>(() => wrongSize.Fit(streamed)).Message);
            var split = new Trainer<float>(new SoftmaxRegression<float>(Features, 10), new Sgd<float>(0.1), new TrainerOptions { ValidationSplit = 0.1 });
            Assert.Throws<ArgumentException>(() => split.Fit(streamed));
        }
    }
}
