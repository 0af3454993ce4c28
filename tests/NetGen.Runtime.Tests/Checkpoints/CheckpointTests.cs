using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using NetGen.Checkpoints;
using NetGen.Runtime.Tests.Training;

namespace NetGen.Runtime.Tests.Checkpoints
{
    public sealed class CheckpointTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "netgen-ckpt-" + Guid.NewGuid().ToString("N"));

        public CheckpointTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        /// <summary>A trained-looking network: random weights, non-zero biases and state.</summary>
        private static SoftmaxRegression<T> Network<T>(ulong seed, string? architecture = null)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var network = new SoftmaxRegression<T>(5, 3, seed, architecture);
            for (int i = 0; i < 3; i++)
            {
                network.Layers[0].Biases[i] = T.CreateChecked(0.1 * (i + 1) + seed);
            }

            network.State[0] = T.CreateChecked(0.123456789 + seed);
            network.State[1] = T.CreateChecked(3.14159 * seed);
            return network;
        }

        private static byte[] Bits<T>(Span<T> values)
            where T : unmanaged => MemoryMarshal.AsBytes(values).ToArray();

        private static void AssertSame<T>(SoftmaxRegression<T> expected, SoftmaxRegression<T> actual)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            Assert.Equal(Bits(expected.Parameters), Bits(actual.Parameters));
            Assert.Equal(Bits(expected.State), Bits(actual.State));
        }

        [Fact]
        public void RoundTrip_Float_IsBitIdentical()
        {
            var saved = Network<float>(1);
            saved.Parameters[0] = float.Epsilon; // a subnormal survives too
            string path = Path.Combine(_folder, "model.ngmd");
            Checkpoint.Save(saved, path);

            var loaded = Network<float>(2);
            Checkpoint.Load(loaded, path);
            AssertSame(saved, loaded);
            Assert.Single(Directory.GetFiles(_folder)); // no temporary file left behind
        }

        [Fact]
        public void RoundTrip_Double_ThroughAStream()
        {
            var saved = Network<double>(3);
            var stream = new MemoryStream();
            Checkpoint.Save(saved, stream);
            stream.Position = 0;
            var loaded = Network<double>(4);
            Checkpoint.Load(loaded, stream);
            AssertSame(saved, loaded);
        }

        [Fact]
        public void Save_OverwritesAtomically()
        {
            string path = Path.Combine(_folder, "model.ngmd");
            File.WriteAllText(path, "old content");
            var network = Network<float>(5);
            Checkpoint.Save(network, path);
            Checkpoint.Save(network, path);
            Assert.Equal(Checkpoint.ToBytes(network), File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(_folder));
        }

        [Fact]
        public void Save_ToAMissingFolder_LeavesNothing()
        {
            string path = Path.Combine(_folder, "no-such-folder", "model.ngmd");
            Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.Save(Network<float>(1), path));
            Assert.Empty(Directory.GetFileSystemEntries(_folder));
        }

        [Fact]
        public void Layout_MatchesTheDocumentedFormat()
        {
            var network = Network<float>(6);
            byte[] bytes = Checkpoint.ToBytes(network);
            byte[] architecture = Encoding.UTF8.GetBytes(network.Architecture);
            int a = architecture.Length;

            Assert.Equal("NGMD"u8.ToArray(), bytes[..4]);
            Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
            Assert.Equal(4, bytes[6]);
            Assert.Equal(0, bytes[7]);
            Assert.Equal(a, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)));
            Assert.Equal(architecture, bytes[12..(12 + a)]);
            Assert.Equal(18, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12 + a)));
            Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16 + a)));
            Assert.Equal(network.Parameters[17], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(20 + a + 17 * 4)));
            Assert.Equal(network.State[1], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(20 + a + 19 * 4)));
            Assert.Equal(24 + a + 20 * 4, bytes.Length);
            Assert.Equal(ReferenceCrc32(bytes.AsSpan(0, bytes.Length - 4)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)));

            CheckpointInfo info = Checkpoint.ReadInfo(bytes);
            Assert.Equal(new CheckpointInfo(1, 4, network.Architecture, 18, 2), info);
        }

        [Fact]
        public void ReferenceCrc32_HasTheStandardCheckValue()
        {
            Assert.Equal(0xCBF43926u, ReferenceCrc32("123456789"u8));
        }

        [Fact]
        public void WrongArchitecture_NamesBoth_AndChangesNothing()
        {
            string path = Path.Combine(_folder, "a.ngmd");
            Checkpoint.Save(Network<float>(1, "Input(5) → Dense(3) → Softmax; SoftmaxCrossEntropy; Single"), path);
            var other = Network<float>(2, "Input(5) → Dense(3) → Sigmoid; BinaryCrossEntropy; Single");
            var untouched = Network<float>(2, "x");

            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(other, path));
            Assert.Equal(CheckpointError.ArchitectureMismatch, e.Error);
            Assert.Contains("Input(5) → Dense(3) → Softmax; SoftmaxCrossEntropy; Single", e.Message);
            Assert.Contains("Input(5) → Dense(3) → Sigmoid; BinaryCrossEntropy; Single", e.Message);
            Assert.Contains("a.ngmd", e.Message);
            AssertSame(untouched, other);
        }

        [Fact]
        public void WrongPrecision_IsNamed()
        {
            byte[] bytes = Checkpoint.ToBytes(Network<float>(1, "same"));
            var target = Network<double>(2, "same");
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(target, bytes));
            Assert.Equal(CheckpointError.PrecisionMismatch, e.Error);
            Assert.Contains("float", e.Message);
            Assert.Contains("double", e.Message);
            AssertSame(Network<double>(2, "same"), target);
        }

        [Fact]
        public void WrongSize_IsNamed()
        {
            byte[] bytes = Checkpoint.ToBytes(new SoftmaxRegression<float>(5, 3, 1, "same"));
            var target = new SoftmaxRegression<float>(4, 3, 1, "same");
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(target, bytes));
            Assert.Equal(CheckpointError.SizeMismatch, e.Error);
            Assert.Contains("18 parameters", e.Message);
            Assert.Contains("15", e.Message);
        }

        [Fact]
        public void FlippedByte_Anywhere_IsDetected_AndChangesNothing()
        {
            byte[] good = Checkpoint.ToBytes(Network<float>(1));
            for (int position = 0; position < good.Length; position++)
            {
                byte[] bad = (byte[])good.Clone();
                bad[position] ^= 0x10;
                var target = Network<float>(2);
                var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(target, bad, "model.ngmd"));
                Assert.Contains("model.ngmd", e.Message);
                AssertSame(Network<float>(2), target);
            }
        }

        [Fact]
        public void FlippedDataByte_IsAChecksumError()
        {
            byte[] bytes = Checkpoint.ToBytes(Network<float>(1));
            bytes[bytes.Length - 10] ^= 0x01;
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(Network<float>(2), bytes));
            Assert.Equal(CheckpointError.ChecksumMismatch, e.Error);
            Assert.Contains("CRC-32", e.Message);
        }

        [Fact]
        public void TruncatedFile_AtEveryLength_IsDetected_AndChangesNothing()
        {
            var network = Network<float>(1);
            byte[] good = Checkpoint.ToBytes(network);
            int headerLength = 20 + Encoding.UTF8.GetByteCount(network.Architecture);
            string path = Path.Combine(_folder, "cut.ngmd");
            for (int length = 0; length < good.Length; length++)
            {
                File.WriteAllBytes(path, good[..length]);
                var target = Network<float>(2);
                var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(target, path));
                Assert.Contains("cut.ngmd", e.Message);
                AssertSame(Network<float>(2), target);
                Assert.Equal(CheckpointError.Truncated, e.Error);
                if (length >= headerLength)
                {
                    // The header is whole: the message says how long the file should be.
                    Assert.Contains(good.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
                }
            }
        }

        [Fact]
        public void NotACheckpoint_AndNewerVersion_AreNamed()
        {
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(Network<float>(1), "PK\u0003\u0004 zip"u8.ToArray()));
            Assert.Equal(CheckpointError.NotACheckpoint, e.Error);
            Assert.Contains("NGMD", e.Message);

            byte[] bytes = Checkpoint.ToBytes(Network<float>(1));
            bytes[4] = 2;
            e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(Network<float>(1), bytes));
            Assert.Equal(CheckpointError.UnsupportedVersion, e.Error);
        }

        [Fact]
        public void NonFiniteValue_WithAValidChecksum_IsRejected()
        {
            var poisoned = Network<double>(1);
            poisoned.Parameters[4] = double.NaN;
            byte[] bytes = Checkpoint.ToBytes(poisoned);
            var target = Network<double>(2);
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(target, bytes));
            Assert.Equal(CheckpointError.Corrupt, e.Error);
            Assert.Contains("parameter 4", e.Message);
            AssertSame(Network<double>(2), target);
        }

        /// <summary>CRC-32 written from the definition, bit by bit (reflected polynomial 0xEDB88320), independent of the table version.</summary>
        private static uint ReferenceCrc32(ReadOnlySpan<byte> data)
        {
            uint crc = 0xFFFFFFFF;
            foreach (byte b in data)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
                }
            }

            return ~crc;
        }
    }
}
