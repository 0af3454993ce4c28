using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace NetGen.Checkpoints
{
    /// <summary>
    /// Saves and loads a network's <see cref="INetwork{T}.Parameters"/> and <see cref="INetwork{T}.State"/> in the
    /// NetGen model format (<c>.ngmd</c>), described in <c>docs/model-format.md</c>.
    /// </summary>
    /// <remarks>
    /// <para>Layout (all integers little-endian; <c>A</c> = architecture bytes, <c>P</c> = parameters, <c>S</c> = state
    /// values, <c>w</c> = bytes per value):</para>
    /// <code>
    /// offset      size   field
    /// 0           4      magic "NGMD" (4E 47 4D 44)
    /// 4           2      format version, uint16 (1)
    /// 6           1      precision w: 4 (float) or 8 (double)
    /// 7           1      reserved, 0
    /// 8           4      A, int32
    /// 12          A      the network's Architecture string, UTF-8
    /// 12+A        4      P, int32
    /// 16+A        4      S, int32
    /// 20+A        P·w    parameters, IEEE 754 little-endian, in the network's layout
    /// 20+A+P·w    S·w    state (BatchNorm running means and variances)
    /// 20+A+(P+S)w 4      CRC-32 (zlib/PNG) of every byte before it, uint32
    /// </code>
    /// <para>Loading checks everything (magic, version, length, checksum, precision, architecture, sizes, finite
    /// values) before it writes a single value into the network, so on any <see cref="CheckpointException"/> the network
    /// is unchanged. Saving to a path is atomic: the file is written next to the target under a temporary name,
    /// flushed to disk and then moved over the target, so a crash never leaves a half-written model. A read-only
    /// target is refused (<see cref="UnauthorizedAccessException"/>), a replaced file keeps its Unix permissions, and the
    /// temporary file is removed on every failure.</para>
    /// </remarks>
    public static class Checkpoint
    {
        /// <summary>The format version this code writes and reads.</summary>
        public const int FormatVersion = 1;

        /// <summary>The conventional file extension.</summary>
        public const string Extension = ".ngmd";

        private static ReadOnlySpan<byte> Magic => "NGMD"u8;

        private const int HeaderFixed = 12; // magic, version, precision, reserved, architecture length
        private const int Overhead = HeaderFixed + 8 + 4; // + counts + CRC

        /// <summary>Saves <paramref name="network"/> to <paramref name="path"/> atomically (temporary file, flush, move).</summary>
        /// <remarks>
        /// The temporary file is written in the target's directory and deleted on every failure. An existing target is
        /// replaced only when its owner may write it, and the new file gets the old one's Unix permissions (on Windows, a
        /// file with the read-only attribute is refused the same way). Errors name <paramref name="path"/>, not the
        /// temporary file.
        /// </remarks>
        /// <exception cref="UnauthorizedAccessException">The target file is read-only, or the directory does not allow creating a file.</exception>
        /// <exception cref="DirectoryNotFoundException">The target's directory does not exist.</exception>
        /// <exception cref="IOException">The target is a directory, or writing failed (e.g. the disk is full).</exception>
        public static void Save<T>(INetwork<T> network, string path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(path);
            ModelFile.WriteAtomically(path, ToBytes(network), "checkpoint");
        }

        /// <summary>Writes <paramref name="network"/> to <paramref name="stream"/>.</summary>
        public static void Save<T>(INetwork<T> network, Stream stream)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(stream);
            stream.Write(ToBytes(network));
        }

        /// <summary>The checkpoint of <paramref name="network"/> as bytes.</summary>
        public static byte[] ToBytes<T>(INetwork<T> network)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            int width = Width<T>();
            byte[] architecture = Encoding.UTF8.GetBytes(network.Architecture ?? string.Empty);
            ReadOnlySpan<T> parameters = network.Parameters;
            ReadOnlySpan<T> state = network.State;
            long total = Overhead + architecture.Length + ((long)parameters.Length + state.Length) * width;
            if (total > Array.MaxLength)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"A checkpoint of {parameters.Length} parameters would exceed {Array.MaxLength} bytes."));
            }

            var bytes = new byte[total];
            Span<byte> span = bytes;
            Magic.CopyTo(span);
            BinaryPrimitives.WriteUInt16LittleEndian(span[4..], FormatVersion);
            span[6] = (byte)width;
            span[7] = 0;
            BinaryPrimitives.WriteInt32LittleEndian(span[8..], architecture.Length);
            architecture.CopyTo(span[HeaderFixed..]);
            int at = HeaderFixed + architecture.Length;
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], parameters.Length);
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 4)..], state.Length);
            at += 8;
            at = WriteValues(parameters, span, at);
            at = WriteValues(state, span, at);
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], Crc32.Compute(span[..at]));
            return bytes;
        }

        /// <summary>Loads the checkpoint at <paramref name="path"/> into <paramref name="network"/>.</summary>
        /// <exception cref="CheckpointException">The file is not a valid checkpoint for this network; the network is unchanged.</exception>
        /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>; the network is unchanged.</exception>
        /// <exception cref="IOException"><paramref name="path"/> is a directory; the network is unchanged.</exception>
        public static void Load<T>(INetwork<T> network, string path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(path);
            Load(network, ModelFile.Read(path, "checkpoint"), Path.GetFileName(path));
        }

        /// <summary>Loads a checkpoint from <paramref name="stream"/> (read to its end) into <paramref name="network"/>.</summary>
        /// <exception cref="CheckpointException">The data is not a valid checkpoint for this network; the network is unchanged.</exception>
        public static void Load<T>(INetwork<T> network, Stream stream, string sourceName = "stream")
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(stream);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Load(network, copy.ToArray(), sourceName);
        }

        /// <summary>Loads a checkpoint held in <paramref name="bytes"/> into <paramref name="network"/>.</summary>
        /// <exception cref="CheckpointException">The bytes are not a valid checkpoint for this network; the network is unchanged.</exception>
        public static void Load<T>(INetwork<T> network, ReadOnlySpan<byte> bytes, string sourceName = "checkpoint")
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            CheckpointInfo info = Parse(bytes, sourceName, out int dataOffset);
            int width = Width<T>();
            if (info.Precision != width)
            {
                throw new CheckpointException(CheckpointError.PrecisionMismatch, sourceName,
                    Invariant($"the file holds {Describe(info.Precision)} values but the network computes in {Describe(width)}"));
            }

            string expected = network.Architecture ?? string.Empty;
            if (!string.Equals(info.Architecture, expected, StringComparison.Ordinal))
            {
                throw new CheckpointException(CheckpointError.ArchitectureMismatch, sourceName,
                    $"the file was saved from the architecture '{info.Architecture}' but this network is '{expected}'");
            }

            Span<T> parameters = network.Parameters;
            Span<T> state = network.State;
            if (info.ParameterCount != parameters.Length || info.StateCount != state.Length)
            {
                throw new CheckpointException(CheckpointError.SizeMismatch, sourceName,
                    Invariant($"the file holds {info.ParameterCount} parameters and {info.StateCount} state values but the network has {parameters.Length} and {state.Length}"));
            }

            ReadOnlySpan<byte> parameterBytes = bytes.Slice(dataOffset, info.ParameterCount * width);
            ReadOnlySpan<byte> stateBytes = bytes.Slice(dataOffset + parameterBytes.Length, info.StateCount * width);
            CheckFinite<T>(parameterBytes, "parameter", sourceName);
            CheckFinite<T>(stateBytes, "state value", sourceName);

            // Everything is checked: from here on nothing can fail.
            ReadValues(parameterBytes, parameters);
            ReadValues(stateBytes, state);
        }

        /// <summary>Reads and verifies the header of the checkpoint at <paramref name="path"/> without a network.</summary>
        /// <exception cref="CheckpointException">The file is not a valid checkpoint.</exception>
        /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
        /// <exception cref="IOException"><paramref name="path"/> is a directory.</exception>
        public static CheckpointInfo ReadInfo(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            return Parse(ModelFile.Read(path, "checkpoint"), Path.GetFileName(path), out _);
        }

        /// <summary>Reads and verifies the header of a checkpoint held in <paramref name="bytes"/>.</summary>
        /// <exception cref="CheckpointException">The bytes are not a valid checkpoint.</exception>
        public static CheckpointInfo ReadInfo(ReadOnlySpan<byte> bytes, string sourceName = "checkpoint") => Parse(bytes, sourceName, out _);

        private static CheckpointInfo Parse(ReadOnlySpan<byte> bytes, string source, out int dataOffset)
        {
            if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
            {
                int n = Math.Min(bytes.Length, Magic.Length);
                if (bytes.Length < Magic.Length && bytes.SequenceEqual(Magic[..n]))
                {
                    throw new CheckpointException(CheckpointError.Truncated, source, Invariant($"the file is truncated: it has {bytes.Length} bytes, fewer than the {Overhead} of an empty checkpoint"));
                }

                throw new CheckpointException(CheckpointError.NotACheckpoint, source,
                    $"not a NetGen model file: expected the magic \"NGMD\" (4E 47 4D 44) but found {Convert.ToHexString(bytes[..n])}");
            }

            if (bytes.Length < Overhead)
            {
                throw new CheckpointException(CheckpointError.Truncated, source, Invariant($"the file is truncated: it has {bytes.Length} bytes, fewer than the {Overhead} of an empty checkpoint"));
            }

            int version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
            if (version != FormatVersion)
            {
                throw new CheckpointException(CheckpointError.UnsupportedVersion, source, Invariant($"format version {version} is not supported; this NetGen reads version {FormatVersion}"));
            }

            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]);
            uint computed = Crc32.Compute(bytes[..^4]);
            long declared = DeclaredLength(bytes, out bool exact);
            if (stored != computed)
            {
                // Name the likely cause: a length that disagrees with the header is a cut (or padded) file.
                if (declared > bytes.Length || (exact && declared >= 0 && declared != bytes.Length))
                {
                    string what = declared > bytes.Length ? "truncated" : "longer than its header says";
                    string size = exact ? "" : "at least ";
                    throw new CheckpointException(CheckpointError.Truncated, source, Invariant($"the file is {what} (or its header is corrupt): the header describes {size}{declared} bytes but the file has {bytes.Length}, and the CRC-32 does not match"));
                }

                throw new CheckpointException(CheckpointError.ChecksumMismatch, source, Invariant($"the file is corrupt: its CRC-32 is 0x{stored:X8} but the content gives 0x{computed:X8}"));
            }

            if (!exact || declared != bytes.Length)
            {
                throw new CheckpointException(CheckpointError.Corrupt, source, Invariant($"the header describes {declared} bytes but the file has {bytes.Length}"));
            }

            int width = bytes[6];
            int architectureLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
            string architecture;
            try
            {
                architecture = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.Slice(HeaderFixed, architectureLength));
            }
            catch (DecoderFallbackException e)
            {
                throw new CheckpointException(CheckpointError.Corrupt, source, "the architecture string is not valid UTF-8", e);
            }

            int at = HeaderFixed + architectureLength;
            int parameterCount = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            int stateCount = BinaryPrimitives.ReadInt32LittleEndian(bytes[(at + 4)..]);
            dataOffset = at + 8;
            return new CheckpointInfo(version, width, architecture, parameterCount, stateCount);
        }

        /// <summary>
        /// The total length the header describes (<paramref name="exact"/>), or a lower bound when the header itself is
        /// cut short, or −1 when the header is implausible.
        /// </summary>
        private static long DeclaredLength(ReadOnlySpan<byte> bytes, out bool exact)
        {
            exact = false;
            int width = bytes[6];
            int architectureLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
            if (width is not (4 or 8) || architectureLength < 0)
            {
                return -1;
            }

            if (HeaderFixed + (long)architectureLength + 8 > bytes.Length)
            {
                return Overhead + (long)architectureLength;
            }

            int at = HeaderFixed + architectureLength;
            int parameterCount = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            int stateCount = BinaryPrimitives.ReadInt32LittleEndian(bytes[(at + 4)..]);
            if (parameterCount < 0 || stateCount < 0)
            {
                return -1;
            }

            exact = true;
            return Overhead + (long)architectureLength + ((long)parameterCount + stateCount) * width;
        }

        private static int WriteValues<T>(ReadOnlySpan<T> values, Span<byte> destination, int at)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<byte> raw = MemoryMarshal.AsBytes(values);
            raw.CopyTo(destination[at..]);
            if (!BitConverter.IsLittleEndian)
            {
                Reverse(destination.Slice(at, raw.Length), Width<T>());
            }

            return at + raw.Length;
        }

        private static void ReadValues<T>(ReadOnlySpan<byte> source, Span<T> destination)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Span<byte> raw = MemoryMarshal.AsBytes(destination);
            source.CopyTo(raw);
            if (!BitConverter.IsLittleEndian)
            {
                Reverse(raw, Width<T>());
            }
        }

        private static void CheckFinite<T>(ReadOnlySpan<byte> source, string what, string sourceName)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int width = Width<T>();
            for (int i = 0; i < source.Length / width; i++)
            {
                double value = width == 4
                    ? BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * 4))
                    : BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(i * 8));
                if (!double.IsFinite(value))
                {
                    throw new CheckpointException(CheckpointError.Corrupt, sourceName, Invariant($"{what} {i} is {value}; a model file holds finite values only"));
                }
            }
        }

        private static void Reverse(Span<byte> bytes, int width)
        {
            for (int i = 0; i < bytes.Length; i += width)
            {
                bytes.Slice(i, width).Reverse();
            }
        }

        private static int Width<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int width = Unsafe.SizeOf<T>();
            if (width is not (4 or 8))
            {
                throw new NotSupportedException($"Checkpoints hold float or double values, not {typeof(T).Name}.");
            }

            return width;
        }

        private static string Describe(int width) => width switch
        {
            4 => "4-byte float (Single)",
            8 => "8-byte double (Double)",
            _ => Invariant($"{width}-byte"),
        };

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>What a checkpoint file says about itself.</summary>
    /// <param name="FormatVersion">The format version.</param>
    /// <param name="Precision">Bytes per value: 4 (float) or 8 (double).</param>
    /// <param name="Architecture">The architecture string of the network it was saved from.</param>
    /// <param name="ParameterCount">The number of parameters.</param>
    /// <param name="StateCount">The number of state values.</param>
    public sealed record CheckpointInfo(int FormatVersion, int Precision, string Architecture, int ParameterCount, int StateCount);

    /// <summary>Why a checkpoint could not be loaded.</summary>
    public enum CheckpointError
    {
        /// <summary>The file does not start with the magic "NGMD".</summary>
        NotACheckpoint = 0,

        /// <summary>The file is of a format version this code does not read.</summary>
        UnsupportedVersion = 1,

        /// <summary>The file is shorter (or longer) than its header describes.</summary>
        Truncated = 2,

        /// <summary>The CRC-32 does not match the content.</summary>
        ChecksumMismatch = 3,

        /// <summary>The content is inconsistent although the checksum matches (e.g. a non-finite value).</summary>
        Corrupt = 4,

        /// <summary>The file holds floats and the network doubles, or the reverse.</summary>
        PrecisionMismatch = 5,

        /// <summary>The file was saved from a network of another architecture.</summary>
        ArchitectureMismatch = 6,

        /// <summary>The parameter or state count differs from the network's.</summary>
        SizeMismatch = 7,
    }

    /// <summary>A checkpoint that cannot be loaded; the network it was to be loaded into is unchanged.</summary>
    public sealed class CheckpointException : IOException
    {
        /// <summary>Creates the exception.</summary>
        public CheckpointException(CheckpointError error, string sourceName, string problem, Exception? innerException = null)
            : base($"{sourceName}: {problem}.", innerException)
        {
            Error = error;
            SourceName = sourceName;
        }

        /// <summary>What is wrong.</summary>
        public CheckpointError Error { get; }

        /// <summary>The file (or stream) name.</summary>
        public string SourceName { get; }
    }
}
