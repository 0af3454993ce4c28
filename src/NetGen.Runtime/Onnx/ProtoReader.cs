using System;
using System.Buffers.Binary;
using System.Text;

namespace NetGen.OnnxFormat
{
    /// <summary>
    /// A bounded protocol-buffers decoder over bytes already in memory. Every length is checked against the bytes
    /// left before it is used, and a nested message is a slice of its parent, so a corrupt file ends in a
    /// <see cref="OnnxException"/>, never in a crash, an endless loop or an allocation larger than the file.
    /// </summary>
    internal ref struct ProtoReader
    {
        public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

        private readonly ReadOnlySpan<byte> _bytes;
        private readonly string _what;
        private readonly int _base;
        private int _at;

        /// <summary>Reads the message in <paramref name="bytes"/>; <paramref name="what"/> names it in errors.</summary>
        /// <param name="bytes">The message.</param>
        /// <param name="what">The message in words, e.g. <c>the graph</c>.</param>
        /// <param name="offset">Where <paramref name="bytes"/> starts in the file, for error messages.</param>
        public ProtoReader(ReadOnlySpan<byte> bytes, string what, int offset = 0)
        {
            _bytes = bytes;
            _what = what;
            _base = offset;
            _at = 0;
        }

        /// <summary>Whether the whole message has been read.</summary>
        public bool AtEnd => _at >= _bytes.Length;

        /// <summary>Where the reader is in the file.</summary>
        public int Position => _base + _at;

        /// <summary>Reads the next tag: field number and wire type.</summary>
        public (int Field, int WireType) Tag()
        {
            ulong tag = RawVarint();
            int wireType = (int)(tag & 7);
            ulong field = tag >> 3;
            if (field == 0 || field > int.MaxValue)
            {
                throw Corrupt($"field number {field} is not valid");
            }

            return ((int)field, wireType);
        }

        /// <summary>Reads a varint field's value.</summary>
        public long Int64(int wireType)
        {
            Expect(wireType, Varint);
            return unchecked((long)RawVarint());
        }

        /// <summary>Reads a 32-bit float field's value.</summary>
        public float Float(int wireType)
        {
            Expect(wireType, Fixed32);
            return BinaryPrimitives.ReadSingleLittleEndian(Take(4));
        }

        /// <summary>Reads a 64-bit double field's value.</summary>
        public double Double(int wireType)
        {
            Expect(wireType, Fixed64);
            return BinaryPrimitives.ReadDoubleLittleEndian(Take(8));
        }

        /// <summary>Reads a length-delimited field's bytes (a slice of the input: nothing is copied).</summary>
        public ReadOnlySpan<byte> Bytes(int wireType)
        {
            Expect(wireType, LengthDelimited);
            ulong length = RawVarint();
            if (length > (ulong)(_bytes.Length - _at))
            {
                throw Corrupt($"a field says it has {length} bytes but only {_bytes.Length - _at} are left (the file is truncated, or a length is corrupt)");
            }

            return Take((int)length);
        }

        /// <summary>Reads a nested message field as a reader of its own.</summary>
        public ProtoReader Message(int wireType, string what)
        {
            ReadOnlySpan<byte> bytes = Bytes(wireType);
            return new ProtoReader(bytes, what, Position - bytes.Length);
        }

        /// <summary>Reads a UTF-8 string field.</summary>
        public string String(int wireType)
        {
            ReadOnlySpan<byte> bytes = Bytes(wireType);
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Corrupt("a string is not valid UTF-8");
            }
        }

        /// <summary>Skips a field of any wire type this reader knows; groups (3, 4) and unknown types are corrupt.</summary>
        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case Varint:
                    RawVarint();
                    break;
                case Fixed64:
                    Take(8);
                    break;
                case LengthDelimited:
                    Bytes(wireType);
                    break;
                case Fixed32:
                    Take(4);
                    break;
                default:
                    throw Corrupt($"wire type {wireType} is not used by ONNX");
            }
        }

        /// <summary>The error for bytes that are not a valid message.</summary>
        public OnnxFormatError Corrupt(string problem) => new(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{_what} is corrupt at byte {Position}: {problem}"));

        private void Expect(int wireType, int expected)
        {
            if (wireType != expected)
            {
                throw Corrupt($"a field has wire type {wireType} where {expected} was expected");
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _bytes.Length - _at)
            {
                throw Corrupt($"{count} more bytes were expected but only {_bytes.Length - _at} are left (the file is truncated)");
            }

            ReadOnlySpan<byte> slice = _bytes.Slice(_at, count);
            _at += count;
            return slice;
        }

        private ulong RawVarint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_at >= _bytes.Length)
                {
                    throw Corrupt("a number is cut off (the file is truncated)");
                }

                byte b = _bytes[_at++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw Corrupt("a number is longer than 10 bytes");
        }
    }

    /// <summary>Thrown inside the reader; <c>Onnx.LoadWeights</c> turns it into an <see cref="OnnxException"/> naming the file.</summary>
    internal sealed class OnnxFormatError : Exception
    {
        public OnnxFormatError(string message)
            : base(message)
        {
        }
    }
}
