using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Numerics;

namespace NetGen.Data
{
    /// <summary>The element type byte of an IDX file (the third byte of its magic number).</summary>
    public enum IdxDataType : byte
    {
        /// <summary>0x08: unsigned byte, e.g. MNIST pixels and labels.</summary>
        UnsignedByte = 0x08,

        /// <summary>0x09: signed byte.</summary>
        SignedByte = 0x09,

        /// <summary>0x0B: 16-bit integer, big-endian.</summary>
        Int16 = 0x0B,

        /// <summary>0x0C: 32-bit integer, big-endian.</summary>
        Int32 = 0x0C,

        /// <summary>0x0D: 32-bit float, big-endian.</summary>
        Single = 0x0D,

        /// <summary>0x0E: 64-bit float, big-endian.</summary>
        Double = 0x0E,
    }

    /// <summary>
    /// An IDX file (the format of MNIST and Fashion-MNIST), read whole into memory.
    /// </summary>
    /// <remarks>
    /// Layout: the magic number <c>00 00 TT DD</c> (TT the element type, DD the number of dimensions), then DD
    /// dimension sizes as big-endian 32-bit integers, then the data, row-major, big-endian, exactly as many elements as
    /// the product of the dimensions. A file that starts with the gzip magic <c>1F 8B</c> is decompressed first, whatever
    /// its name, and verified: the CRC-32 and length in the trailer of its last member must match the data, so a missing
    /// or damaged trailer, a missing last byte or bytes appended after the gzip data are a "corrupt gzip" error.
    /// Everything that can be wrong (magic, element type, dimensions, data length with the expected and actual byte
    /// counts, trailing bytes, corrupt gzip) is an <see cref="IdxFormatException"/> that names the file, what was expected
    /// and what was found.
    /// </remarks>
    public sealed class IdxFile
    {
        private readonly int[] _dimensions;
        private readonly byte[] _data;

        /// <summary>Creates an IDX file from its parts.</summary>
        /// <param name="dataType">The element type.</param>
        /// <param name="dimensions">The dimension sizes (at least one, each ≥ 0).</param>
        /// <param name="data">The elements, big-endian, row-major: product of <paramref name="dimensions"/> × element size bytes.</param>
        public IdxFile(IdxDataType dataType, int[] dimensions, byte[] data)
        {
            ArgumentNullException.ThrowIfNull(dimensions);
            ArgumentNullException.ThrowIfNull(data);
            int elementSize = ElementSize(dataType) ?? throw new ArgumentOutOfRangeException(nameof(dataType), dataType, "Unknown IDX element type.");
            if (dimensions.Length is 0 or > 255)
            {
                throw new ArgumentException("An IDX file has between 1 and 255 dimensions.", nameof(dimensions));
            }

            long count = 1;
            foreach (int d in dimensions)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(dimensions));
                count *= d;
            }

            if (count * elementSize != data.Length)
            {
                throw new ArgumentException(Invariant($"Dimensions {Shape(dimensions)} of {dataType} need {count * elementSize} bytes but {data.Length} were given."), nameof(data));
            }

            DataType = dataType;
            _dimensions = (int[])dimensions.Clone();
            _data = data;
            Count = count;
        }

        /// <summary>The element type.</summary>
        public IdxDataType DataType { get; }

        /// <summary>The dimension sizes; the first is usually the number of items (images, labels).</summary>
        public IReadOnlyList<int> Dimensions => _dimensions;

        /// <summary>The number of elements: the product of the dimensions.</summary>
        public long Count { get; }

        /// <summary>The number of items: the first dimension.</summary>
        public int ItemCount => _dimensions[0];

        /// <summary>Elements per item: the product of all dimensions but the first (784 for a 28 × 28 image).</summary>
        public int ItemSize => _dimensions[0] == 0 ? 0 : (int)(Count / _dimensions[0]);

        /// <summary>The raw data as stored in the file: row-major, big-endian.</summary>
        public ReadOnlySpan<byte> RawData => _data;

        /// <summary>Element <paramref name="index"/> (row-major) as a <see cref="double"/>, whatever the element type.</summary>
        public double this[long index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
                return Element(index);
            }
        }

        /// <summary>Reads an IDX file, gzipped or raw (detected by the <c>1F 8B</c> magic, not by the name).</summary>
        /// <param name="path">The file.</param>
        /// <param name="expectedDimensions">When given, the number of dimensions the file must have.</param>
        /// <param name="expectedType">When given, the element type the file must have.</param>
        /// <exception cref="IdxFormatException">The file is not a well-formed IDX file, or not the expected kind.</exception>
        public static IdxFile Read(string path, int? expectedDimensions = null, IdxDataType? expectedType = null)
        {
            ArgumentNullException.ThrowIfNull(path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Read(stream, Path.GetFileName(path), expectedDimensions, expectedType);
        }

        /// <summary>Reads an IDX file from a stream, gzipped or raw, to its end.</summary>
        /// <param name="stream">The stream, positioned at the start of the file.</param>
        /// <param name="sourceName">The name used in error messages (e.g. the file name).</param>
        /// <param name="expectedDimensions">When given, the number of dimensions the file must have.</param>
        /// <param name="expectedType">When given, the element type the file must have.</param>
        /// <exception cref="IdxFormatException">The data is not a well-formed IDX file, or not the expected kind.</exception>
        public static IdxFile Read(Stream stream, string sourceName, int? expectedDimensions = null, IdxDataType? expectedType = null)
        {
            ArgumentNullException.ThrowIfNull(stream);
            ArgumentNullException.ThrowIfNull(sourceName);
            if (!stream.CanSeek)
            {
                // Detecting gzip needs a look at the first two bytes and a way back.
                var copy = new MemoryStream();
                stream.CopyTo(copy);
                copy.Position = 0;
                stream = copy;
            }

            long start = stream.Position;
            Span<byte> head = stackalloc byte[2];
            int got = ReadFully(stream, head);
            stream.Position = start;
            if (got == 2 && head[0] == 0x1F && head[1] == 0x8B)
            {
                using MemoryStream decompressed = Gunzip(stream, start, sourceName);
                return Parse(decompressed, sourceName + " (gzip)", expectedDimensions, expectedType, rawLength: decompressed.Length);
            }

            return Parse(stream, sourceName, expectedDimensions, expectedType, rawLength: stream.Length - start);
        }

        /// <summary>
        /// Decompresses a whole gzip file and verifies it: .NET's <see cref="GZipStream"/> accepts a file whose trailer
        /// is cut off, so the trailer of the last member (CRC-32 and ISIZE, the uncompressed length mod 2³²) is checked
        /// here against the last ISIZE bytes of the output. A missing or damaged trailer, a missing last byte or bytes
        /// appended after the gzip data all fail that check (or the decompressor) and are reported as a corrupt gzip.
        /// </summary>
        private static MemoryStream Gunzip(Stream stream, long start, string sourceName)
        {
            long length = stream.Length - start;
            const int MinimumLength = 18; // 10-byte header, an empty deflate block (≥ 0 bytes here), 8-byte trailer
            if (length < MinimumLength)
            {
                throw new IdxFormatException(sourceName, Invariant($"corrupt gzip: the file has {length} bytes but a gzip file has at least {MinimumLength} (header and trailer)"));
            }

            Span<byte> trailer = stackalloc byte[8];
            stream.Position = start + length - 8;
            ReadFully(stream, trailer);
            stream.Position = start;
            uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            uint storedSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);

            var output = new MemoryStream();
            try
            {
                using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
                byte[] buffer = new byte[1 << 16];
                int read;
                while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
                {
                    if (output.Length + read > Array.MaxLength)
                    {
                        throw new IdxFormatException(sourceName, Invariant($"the gzip data decompresses to more than {Array.MaxLength} bytes"));
                    }

                    output.Write(buffer, 0, read);
                }
            }
            catch (InvalidDataException e)
            {
                output.Dispose();
                throw new IdxFormatException(sourceName, "corrupt gzip: the compressed data cannot be decoded (damaged, truncated, or followed by bytes that are not gzip)", e);
            }
            catch
            {
                output.Dispose();
                throw;
            }

            // The last member's output is the last ISIZE bytes (the whole output for the usual single-member file).
            long total = output.Length;
            uint actualSize = (uint)total;
            // An empty last member after data is what zero padding looks like (CRC-32 and ISIZE of nothing are 0): refuse it.
            bool sizeFits = storedSize <= total && (storedSize > 0 || total == 0);
            uint actualCrc = sizeFits ? Checkpoints.Crc32.Compute(output.GetBuffer().AsSpan((int)(total - storedSize), (int)storedSize)) : 0;
            if (!sizeFits || actualCrc != storedCrc)
            {
                output.Dispose();
                string found = sizeFits
                    ? Invariant($"its trailer gives CRC-32 0x{storedCrc:X8} and length {storedSize} but the data decompresses to {total} bytes with CRC-32 0x{actualCrc:X8}")
                    : Invariant($"its trailer gives length {storedSize} (mod 2³²) but the data decompresses to {total} bytes ({actualSize} mod 2³²)");
                throw new IdxFormatException(sourceName, $"corrupt gzip: {found}; the file is truncated, damaged or has bytes appended");
            }

            output.Position = 0;
            return output;
        }

        /// <summary>Writes the file in IDX format; gzipped when <paramref name="path"/> ends in <c>.gz</c>.</summary>
        public void Write(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
            Write(file, gzip: path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>Writes the file in IDX format to <paramref name="stream"/>, gzipped or raw.</summary>
        public void Write(Stream stream, bool gzip)
        {
            ArgumentNullException.ThrowIfNull(stream);
            if (gzip)
            {
                using var compressed = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true);
                Write(compressed, gzip: false);
                return;
            }

            Span<byte> header = stackalloc byte[4 + 4 * _dimensions.Length];
            header[2] = (byte)DataType;
            header[3] = (byte)_dimensions.Length;
            for (int i = 0; i < _dimensions.Length; i++)
            {
                BinaryPrimitives.WriteInt32BigEndian(header.Slice(4 + 4 * i), _dimensions[i]);
            }

            stream.Write(header);
            stream.Write(_data);
        }

        /// <summary>
        /// All elements as <typeparamref name="T"/>. Unsigned bytes are divided by 255, so pixels land in [0, 1]; other
        /// types are converted unchanged.
        /// </summary>
        public T[] ToScaledArray<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var values = new T[Count];
            if (DataType == IdxDataType.UnsignedByte)
            {
                // A lookup table: 256 divisions instead of one per pixel, and the same rounding for every pixel.
                Span<T> table = stackalloc T[256];
                T scale = T.CreateChecked(255);
                for (int b = 0; b < 256; b++)
                {
                    table[b] = T.CreateChecked(b) / scale;
                }

                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = table[_data[i]];
                }

                return values;
            }

            for (long i = 0; i < values.LongLength; i++)
            {
                values[i] = T.CreateChecked(Element(i));
            }

            return values;
        }

        /// <summary>All elements as integers, e.g. class labels. The element type must be an integer type.</summary>
        public int[] ToInt32Array()
        {
            if (DataType is IdxDataType.Single or IdxDataType.Double)
            {
                throw new InvalidOperationException(Invariant($"The file holds {DataType} values, not integers."));
            }

            var values = new int[Count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (int)Element(i);
            }

            return values;
        }

        /// <inheritdoc/>
        public override string ToString() => Invariant($"IDX {DataType} {Shape(_dimensions)}");

        /// <summary>The size in bytes of one element of <paramref name="type"/>, or null for an unknown type.</summary>
        public static int? ElementSize(IdxDataType type) => type switch
        {
            IdxDataType.UnsignedByte or IdxDataType.SignedByte => 1,
            IdxDataType.Int16 => 2,
            IdxDataType.Int32 or IdxDataType.Single => 4,
            IdxDataType.Double => 8,
            _ => null,
        };

        private double Element(long index)
        {
            ReadOnlySpan<byte> data = _data;
            return DataType switch
            {
                IdxDataType.UnsignedByte => data[(int)index],
                IdxDataType.SignedByte => (sbyte)data[(int)index],
                IdxDataType.Int16 => BinaryPrimitives.ReadInt16BigEndian(data.Slice((int)(index * 2))),
                IdxDataType.Int32 => BinaryPrimitives.ReadInt32BigEndian(data.Slice((int)(index * 4))),
                IdxDataType.Single => BinaryPrimitives.ReadSingleBigEndian(data.Slice((int)(index * 4))),
                _ => BinaryPrimitives.ReadDoubleBigEndian(data.Slice((int)(index * 8))),
            };
        }

        private static IdxFile Parse(Stream stream, string name, int? expectedDimensions, IdxDataType? expectedType, long? rawLength)
        {
            Span<byte> magic = stackalloc byte[4];
            int got = ReadFully(stream, magic);
            if (got < 4)
            {
                throw new IdxFormatException(name, Invariant($"the file is truncated: an IDX header needs at least 4 bytes but the file has {got}"));
            }

            if (magic[0] != 0 || magic[1] != 0)
            {
                throw new IdxFormatException(name, Invariant($"bad magic number: expected 00 00 <type> <dimensions> but found {magic[0]:X2} {magic[1]:X2} {magic[2]:X2} {magic[3]:X2}; this is not an IDX file"));
            }

            var type = (IdxDataType)magic[2];
            int elementSize = ElementSize(type)
                ?? throw new IdxFormatException(name, Invariant($"unknown element type 0x{magic[2]:X2} in the magic number; expected 0x08 (unsigned byte), 0x09, 0x0B, 0x0C, 0x0D or 0x0E"));
            if (expectedType is { } wantedType && type != wantedType)
            {
                throw new IdxFormatException(name, Invariant($"expected elements of type 0x{(byte)wantedType:X2} ({wantedType}) but the file holds 0x{magic[2]:X2} ({type})"));
            }

            int dimensionCount = magic[3];
            if (dimensionCount == 0)
            {
                throw new IdxFormatException(name, "the header declares 0 dimensions; an IDX file has at least 1");
            }

            if (expectedDimensions is { } wantedDimensions && dimensionCount != wantedDimensions)
            {
                throw new IdxFormatException(name, Invariant($"expected {wantedDimensions} dimension(s) but the header declares {dimensionCount}"));
            }

            Span<byte> sizes = stackalloc byte[4 * dimensionCount];
            got = ReadFully(stream, sizes);
            if (got < sizes.Length)
            {
                throw new IdxFormatException(name, Invariant($"the file is truncated in its header: {dimensionCount} dimension sizes need {sizes.Length} bytes after the magic number but only {got} follow"));
            }

            var dimensions = new int[dimensionCount];
            long count = 1;
            for (int i = 0; i < dimensionCount; i++)
            {
                uint size = BinaryPrimitives.ReadUInt32BigEndian(sizes.Slice(4 * i));
                if (size > int.MaxValue)
                {
                    throw new IdxFormatException(name, Invariant($"dimension {i} has the impossible size {size}"));
                }

                dimensions[i] = (int)size;
                count *= size;
                if (count * elementSize > Array.MaxLength)
                {
                    throw new IdxFormatException(name, Invariant($"the dimensions {Shape(dimensions.AsSpan(0, i + 1))}… declare more than {Array.MaxLength} bytes of data"));
                }
            }

            long expected = count * elementSize;
            long headerLength = 4 + sizes.Length;
            string declared = Invariant($"the header declares {Shape(dimensions)} × {elementSize} byte(s) = {expected} bytes of data");
            if (rawLength is { } length && length - headerLength < expected)
            {
                throw new IdxFormatException(name, Invariant($"the data is truncated: {declared} but the file holds only {length - headerLength}"));
            }

            byte[] data = ReadData(stream, expected, out long found);
            if (found < expected)
            {
                throw new IdxFormatException(name, Invariant($"the data is truncated: {declared} but the file holds only {found}"));
            }

            long extra = CountRemaining(stream);
            if (extra > 0)
            {
                throw new IdxFormatException(name, Invariant($"the data is longer than declared: {declared} but {extra} more byte(s) follow"));
            }

            return new IdxFile(type, dimensions, data);
        }

        private static byte[] ReadData(Stream stream, long expected, out long found)
        {
            // Grow towards the declared length rather than trusting it blindly: a corrupt header cannot make us
            // allocate gigabytes for a small file.
            byte[] buffer = new byte[Math.Min(expected, 1 << 20)];
            long total = 0;
            while (total < expected)
            {
                if (total == buffer.Length)
                {
                    Array.Resize(ref buffer, (int)Math.Min(expected, (long)buffer.Length * 2));
                }

                int read = stream.Read(buffer, (int)total, buffer.Length - (int)total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            found = total;
            return buffer;
        }

        private static long CountRemaining(Stream stream)
        {
            Span<byte> scratch = stackalloc byte[4096];
            long extra = 0;
            int read;
            while ((read = stream.Read(scratch)) > 0)
            {
                extra += read;
            }

            return extra;
        }

        private static int ReadFully(Stream stream, Span<byte> destination)
        {
            int total = 0;
            while (total < destination.Length)
            {
                int read = stream.Read(destination.Slice(total));
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }

        private static string Shape(ReadOnlySpan<int> dimensions)
        {
            var parts = new string[dimensions.Length];
            for (int i = 0; i < dimensions.Length; i++)
            {
                parts[i] = dimensions[i].ToString(CultureInfo.InvariantCulture);
            }

            return string.Join(" × ", parts);
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A malformed, truncated or unexpected IDX file. The message names the file, what was expected and what was found.</summary>
    public sealed class IdxFormatException : FormatException
    {
        /// <summary>Creates the exception for <paramref name="sourceName"/> with a description of the problem.</summary>
        public IdxFormatException(string sourceName, string problem, Exception? innerException = null)
            : base($"{sourceName}: {problem}.", innerException)
        {
            SourceName = sourceName;
        }

        /// <summary>The file (or stream) name.</summary>
        public string SourceName { get; }
    }
}
