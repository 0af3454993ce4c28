using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NetGen.Training;

namespace NetGen.Data
{
    /// <summary>
    /// A labelled dataset too large for memory, read from an uncompressed IDX images file (unsigned bytes, scaled to
    /// [0, 1] as <see cref="IdxFile.ToScaledArray{T}"/> does) while training: pass it to
    /// <see cref="Trainer{T}.Fit(IdxStreamingDataset{T}, Dataset{T}, IProgress{TrainingProgress}, System.Threading.CancellationToken)"/>
    /// as you would a <see cref="Dataset{T}"/> (Keras' <c>tf.data</c> from files, PyTorch's <c>IterableDataset</c>).
    /// </summary>
    /// <remarks>
    /// <para>The samples are read in blocks of <see cref="BlockSize"/> samples. Each epoch shuffles the order of the
    /// blocks and the order of the samples within each block (the trainer's seeded generator, so a seed gives the same
    /// batches), and reads the next block on a background thread while the current one is trained on. At most two blocks
    /// of raw bytes are held: <see cref="BufferBytes"/> = 2 × <see cref="BlockSize"/> × <see cref="FeatureCount"/>,
    /// whatever the size of the file. The labels (one byte each in the file) are held in memory as <see cref="int"/>s.</para>
    /// <para>A gzipped IDX file cannot be read at random offsets: decompress it first (<c>gunzip -k</c>).</para>
    /// </remarks>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class IdxStreamingDataset<T> : ITrainingSource<T>, IDisposable
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly SafeFileHandle _file;
        private readonly long _dataOffset;
        private readonly T[] _scale = new T[256];
        private readonly int[] _blockOrder;
        private byte[] _current;
        private byte[] _next;
        private int _currentBlock = -1;
        private int _nextBlock = -1;
        private int _position;
        private Task? _prefetch;

        private IdxStreamingDataset(SafeFileHandle file, string name, long dataOffset, int count, int featureCount, int[] labels, int blockSize, IReadOnlyList<string>? classNames)
        {
            _file = file;
            SourceName = name;
            _dataOffset = dataOffset;
            Count = count;
            FeatureCount = featureCount;
            Labels = labels;
            BlockSize = Math.Min(blockSize, count);
            ClassNames = classNames;
            _blockOrder = new int[(count + BlockSize - 1) / BlockSize];
            _current = new byte[BlockSize * featureCount];
            _next = new byte[BlockSize * featureCount];
            for (int b = 0; b < 256; b++)
            {
                _scale[b] = T.CreateChecked(b) / T.CreateChecked(255);
            }
        }

        /// <summary>The number of samples.</summary>
        public int Count { get; }

        /// <summary>Features per sample: the product of the image dimensions (28 × 28 = 784 for Fashion-MNIST).</summary>
        public int FeatureCount { get; }

        /// <summary>The class of every sample.</summary>
        public int[] Labels { get; }

        /// <summary>The class names, when given.</summary>
        public IReadOnlyList<string>? ClassNames { get; }

        /// <summary>Samples per block: the unit of reading and of shuffling.</summary>
        public int BlockSize { get; }

        /// <summary>The bytes of sample data held in memory at any time: two blocks.</summary>
        public long BufferBytes => (long)_current.Length + _next.Length;

        /// <summary>The images file's name, for messages.</summary>
        public string SourceName { get; }

        int[]? ITrainingSource<T>.Labels => Labels;

        /// <summary>
        /// Opens an uncompressed IDX images file (unsigned bytes, N × …) and its labels file (unsigned bytes, N); only the
        /// labels are read now.
        /// </summary>
        /// <param name="imagesPath">The images file, e.g. <c>train-images-idx3-ubyte</c>.</param>
        /// <param name="labelsPath">The labels file, e.g. <c>train-labels-idx1-ubyte</c> (may be gzipped: it is read whole).</param>
        /// <param name="blockSize">Samples per block (≥ 1); larger blocks shuffle better and hold more memory.</param>
        /// <param name="classNames">Optional class names.</param>
        /// <exception cref="IdxFormatException">A file is not a matching IDX file, or the images file is gzipped.</exception>
        public static IdxStreamingDataset<T> Open(string imagesPath, string labelsPath, int blockSize = 4096, IReadOnlyList<string>? classNames = null)
        {
            ArgumentNullException.ThrowIfNull(imagesPath);
            ArgumentNullException.ThrowIfNull(labelsPath);
            ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
            string name = Path.GetFileName(imagesPath);
            int[] labels = IdxFile.Read(labelsPath, expectedDimensions: 1, expectedType: IdxDataType.UnsignedByte).ToInt32Array();
            SafeFileHandle file = File.OpenHandle(imagesPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            try
            {
                Span<byte> head = stackalloc byte[4];
                if (RandomAccess.Read(file, head, 0) < 4)
                {
                    throw new IdxFormatException(name, "the file is shorter than an IDX header");
                }

                if (head[0] == 0x1F && head[1] == 0x8B)
                {
                    throw new IdxFormatException(name, "the file is gzipped; streaming reads at random offsets, so decompress it first (gunzip -k)");
                }

                if (head[0] != 0 || head[1] != 0 || head[2] != (byte)IdxDataType.UnsignedByte || head[3] < 2)
                {
                    throw new IdxFormatException(name, Invariant($"expected an IDX file of unsigned bytes with at least 2 dimensions (magic 00 00 08 0n), found {Convert.ToHexString(head)}"));
                }

                int dimensions = head[3];
                var sizes = new byte[4 * dimensions];
                if (RandomAccess.Read(file, sizes, 4) < sizes.Length)
                {
                    throw new IdxFormatException(name, "the header is truncated");
                }

                int count = BinaryPrimitives.ReadInt32BigEndian(sizes);
                long features = 1;
                for (int d = 1; d < dimensions; d++)
                {
                    features *= BinaryPrimitives.ReadInt32BigEndian(sizes.AsSpan(4 * d));
                }

                long dataOffset = 4 + sizes.Length;
                if (count <= 0 || features <= 0 || features > int.MaxValue || (long)blockSize * features > Array.MaxLength)
                {
                    throw new IdxFormatException(name, Invariant($"{count} samples of {features} values do not make a dataset with blocks of {blockSize}"));
                }

                if (RandomAccess.GetLength(file) != dataOffset + (count * features))
                {
                    throw new IdxFormatException(name, Invariant($"the header describes {dataOffset + (count * features)} bytes but the file has {RandomAccess.GetLength(file)}"));
                }

                if (labels.Length != count)
                {
                    throw new IdxFormatException(Path.GetFileName(labelsPath), Invariant($"holds {labels.Length} labels but {name} holds {count} samples"));
                }

                return new IdxStreamingDataset<T>(file, name, dataOffset, count, (int)features, labels, blockSize, classNames);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        /// <summary>Reads samples <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1 into memory (for tests and small parts).</summary>
        public Dataset<T> Load(int start, int count)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(start);
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(start + (long)count, Count);
            var bytes = new byte[count * FeatureCount];
            ReadExactly(bytes, start);
            var features = new T[bytes.Length];
            Scale(bytes, features);
            return new Dataset<T>(features, FeatureCount, Labels.AsSpan(start, count).ToArray(), ClassNames);
        }

        /// <summary>Closes the file.</summary>
        public void Dispose()
        {
            WaitForPrefetch();
            _file.Dispose();
        }

        void ITrainingSource<T>.BeginEpoch(Span<int> order, ref SplitMixShuffler random, bool shuffle)
        {
            WaitForPrefetch();
            for (int b = 0; b < _blockOrder.Length; b++)
            {
                _blockOrder[b] = b;
            }

            if (shuffle)
            {
                random.Shuffle(_blockOrder);
            }

            // The order visits the blocks one after the other; within a block the samples are shuffled too.
            int at = 0;
            foreach (int block in _blockOrder)
            {
                int first = block * BlockSize;
                int n = Math.Min(BlockSize, Count - first);
                Span<int> part = order.Slice(at, n);
                for (int i = 0; i < n; i++)
                {
                    part[i] = first + i;
                }

                if (shuffle)
                {
                    random.Shuffle(part);
                }

                at += n;
            }

            _position = 0;
            _currentBlock = -1;
            _nextBlock = -1;
            Prefetch(0);
        }

        void ITrainingSource<T>.CopyFeatures(ReadOnlySpan<int> order, int start, int n, Span<T> destination)
        {
            for (int i = 0; i < n; i++)
            {
                int sample = order[start + i];
                int block = sample / BlockSize;
                if (block != _currentBlock)
                {
                    Advance(block);
                }

                int offset = (sample - (block * BlockSize)) * FeatureCount;
                Scale(_current.AsSpan(offset, FeatureCount), destination.Slice(i * FeatureCount, FeatureCount));
            }
        }

        double ITrainingSource<T>.Accuracy(INetwork<T> network, Evaluator<T> evaluator)
        {
            // A sequential pass, one block at a time, through the same two buffers.
            WaitForPrefetch();
            _currentBlock = -1;
            _nextBlock = -1;
            int correct = 0;
            int batch = evaluator.BatchSize;
            var inputs = new T[Math.Min(batch, BlockSize) * FeatureCount];
            var outputs = new T[Math.Min(batch, BlockSize) * network.OutputSize];
            for (int first = 0; first < Count; first += BlockSize)
            {
                int n = Math.Min(BlockSize, Count - first);
                ReadExactly(_current.AsSpan(0, n * FeatureCount), first);
                for (int s = 0; s < n; s += inputs.Length / FeatureCount)
                {
                    int m = Math.Min(inputs.Length / FeatureCount, n - s);
                    Scale(_current.AsSpan(s * FeatureCount, m * FeatureCount), inputs.AsSpan(0, m * FeatureCount));
                    Span<T> batchOutputs = outputs.AsSpan(0, m * network.OutputSize);
                    network.Predict(inputs.AsSpan(0, m * FeatureCount), batchOutputs);
                    correct += Metrics.CountCorrect<T>(batchOutputs, network.OutputSize, Labels.AsSpan(first + s, m));
                }
            }

            return (double)correct / Count;
        }

        /// <summary>Makes <paramref name="block"/> (the next one in the epoch's order, being prefetched) the current one.</summary>
        private void Advance(int block)
        {
            WaitForPrefetch();
            if (_nextBlock != block)
            {
                // Not the block read ahead (cannot happen with the epoch's order; kept correct anyway): read it now.
                ReadBlock(block, _next);
            }

            (_current, _next) = (_next, _current);
            _currentBlock = block;
            _nextBlock = -1;
            _position++;
            Prefetch(_position);
        }

        /// <summary>Starts reading the block at <paramref name="position"/> of the epoch's block order into the free buffer.</summary>
        private void Prefetch(int position)
        {
            if (position >= _blockOrder.Length)
            {
                return;
            }

            int block = _blockOrder[position];
            byte[] buffer = _next;
            _nextBlock = block;
            _prefetch = Task.Run(() => ReadBlock(block, buffer));
        }

        private void WaitForPrefetch()
        {
            Task? pending = _prefetch;
            _prefetch = null;
            pending?.GetAwaiter().GetResult();
        }

        private void ReadBlock(int block, byte[] buffer)
        {
            int first = block * BlockSize;
            int n = Math.Min(BlockSize, Count - first);
            ReadExactly(buffer.AsSpan(0, n * FeatureCount), first);
        }

        private void ReadExactly(Span<byte> destination, int firstSample)
        {
            long offset = _dataOffset + ((long)firstSample * FeatureCount);
            while (destination.Length > 0)
            {
                int read = RandomAccess.Read(_file, destination, offset);
                if (read == 0)
                {
                    throw new IdxFormatException(SourceName, "the file ended early (was it changed while training?)");
                }

                destination = destination[read..];
                offset += read;
            }
        }

        private void Scale(ReadOnlySpan<byte> source, Span<T> destination)
        {
            for (int i = 0; i < source.Length; i++)
            {
                destination[i] = _scale[source[i]];
            }
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
