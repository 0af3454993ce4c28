using System;
using System.Buffers.Binary;
using System.Text;

namespace NetGen.OnnxFormat
{
    /// <summary>
    /// A protocol-buffers encoder for the few message shapes ONNX needs: varint, 64-bit, 32-bit and length-delimited
    /// fields, written in field order into a growing buffer. A nested message is encoded on its own writer and then
    /// copied in, because its length prefix must come first.
    /// </summary>
    /// <remarks>Wire format: a field is <c>tag = (number &lt;&lt; 3) | wire type</c> as a varint, then its value.</remarks>
    internal sealed class ProtoWriter
    {
        private const int Varint = 0, LengthDelimited = 2, Fixed32 = 5;

        private byte[] _buffer = new byte[256];

        /// <summary>The bytes written so far.</summary>
        public int Length { get; private set; }

        /// <summary>The encoded message.</summary>
        public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

        /// <summary>Writes an <c>int64</c>/<c>int32</c>/enum field (negative values take ten bytes, as protobuf says).</summary>
        public void Int(int field, long value)
        {
            Tag(field, Varint);
            RawVarint(unchecked((ulong)value));
        }

        /// <summary>Writes a <c>float</c> field.</summary>
        public void Float(int field, float value)
        {
            Tag(field, Fixed32);
            BinaryPrimitives.WriteSingleLittleEndian(Grow(4), value);
        }

        /// <summary>Writes a <c>string</c> field as UTF-8.</summary>
        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        /// <summary>Writes a <c>bytes</c> field.</summary>
        public void Bytes(int field, ReadOnlySpan<byte> value)
        {
            Tag(field, LengthDelimited);
            RawVarint((ulong)value.Length);
            value.CopyTo(Grow(value.Length));
        }

        /// <summary>Writes a nested message field.</summary>
        public void Message(int field, ProtoWriter message) => Bytes(field, message.Written);

        /// <summary>
        /// Writes each value as its own <c>int64</c> field: the encoding of proto2's unpacked <c>repeated int64</c>, which
        /// onnx.proto declares and onnx's own serializer writes.
        /// </summary>
        public void RepeatedInts(int field, ReadOnlySpan<long> values)
        {
            foreach (long value in values)
            {
                Int(field, value);
            }
        }

        /// <summary>Reserves <paramref name="count"/> bytes at the end and returns them to be filled.</summary>
        public Span<byte> Grow(int count)
        {
            if (Length + (long)count > Array.MaxLength)
            {
                throw new InvalidOperationException($"An ONNX model larger than {Array.MaxLength} bytes cannot be written (protobuf messages are limited to 2 GiB).");
            }

            if (Length + count > _buffer.Length)
            {
                long capacity = Math.Max(_buffer.Length * 2L, Length + (long)count);
                Array.Resize(ref _buffer, (int)Math.Min(capacity, Array.MaxLength));
            }

            Span<byte> span = _buffer.AsSpan(Length, count);
            Length += count;
            return span;
        }

        private void Tag(int field, int wireType) => RawVarint(((ulong)field << 3) | (uint)wireType);

        private void RawVarint(ulong value)
        {
            while (value >= 0x80)
            {
                Grow(1)[0] = (byte)(value | 0x80);
                value >>= 7;
            }

            Grow(1)[0] = (byte)value;
        }
    }
}
