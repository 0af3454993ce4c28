using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using NetGen.Data;

namespace NetGen.Runtime.Tests.Data
{
    /// <summary>Every damaged gzip variant of an IDX file is "corrupt gzip", never accepted and never .NET's own message.</summary>
    public sealed class GzipIntegrityTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "netgen-gzip-" + Guid.NewGuid().ToString("N"));

        public GzipIntegrityTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        /// <summary>5 images of 13 × 11 unsigned bytes from a fixed generator (not compressible to nothing).</summary>
        private static byte[] Raw()
        {
            var header = new byte[] { 0, 0, 0x08, 3, 0, 0, 0, 5, 0, 0, 0, 13, 0, 0, 0, 11 };
            var data = new byte[5 * 13 * 11];
            ulong s = 17;
            for (int i = 0; i < data.Length; i++)
            {
                s = (s * 6364136223846793005UL) + 1442695040888963407UL;
                data[i] = (byte)(s >> 59 << 4); // 32 levels: compressible, but not trivially
            }

            return [.. header, .. data];
        }

        private static byte[] Gzip(byte[] raw)
        {
            var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(raw);
            }

            return output.ToArray();
        }

        public static IEnumerable<object[]> Damaged()
        {
            byte[] good = Gzip(Raw());
            yield return new object[] { "no-trailer", good[..^8] };
            for (int cut = 1; cut < 8; cut++)
            {
                yield return new object[] { $"missing-{cut}-last-bytes", good[..^cut] };
            }

            yield return new object[] { "half", good[..(good.Length / 2)] };
            yield return new object[] { "trailing-newline", (byte[])[.. good, (byte)'\n'] };
            yield return new object[] { "trailing-zeros", (byte[])[.. good, .. new byte[16]] };
            yield return new object[] { "trailing-text", (byte[])[.. good, .. "garbage after the gzip member"u8.ToArray()] };
            yield return new object[] { "trailing-gzip-magic", (byte[])[.. good, 0x1F, 0x8B, 0x08] };
            for (int b = 1; b <= 8; b++)
            {
                byte[] flipped = (byte[])good.Clone();
                flipped[^b] ^= 0x01; // CRC-32 is bytes −8…−5, ISIZE −4…−1
                yield return new object[] { b > 4 ? $"crc-byte-{8 - b}" : $"isize-byte-{4 - b}", flipped };
            }

            byte[] body = (byte[])good.Clone();
            body[good.Length / 2] ^= 0x10;
            yield return new object[] { "flipped-body-bit", body };
            yield return new object[] { "header-only", good[..12] };
        }

        [Theory]
        [MemberData(nameof(Damaged))]
        public void DamagedGzip_IsRejected_AsCorruptGzip_NamingTheFile(string variant, byte[] content)
        {
            string name = variant + "-images-idx3-ubyte.gz";
            string path = Path.Combine(_folder, name);
            File.WriteAllBytes(path, content);

            var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(path));
            Assert.Contains(name, e.Message);
            Assert.Contains("corrupt gzip", e.Message);
            Assert.DoesNotContain("unsupported compression method", e.Message);

            // The same through a stream that cannot seek.
            e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(new ForwardOnlyStream(content), name));
            Assert.Contains("corrupt gzip", e.Message);
        }

        [Fact]
        public void IntactGzip_AndAValidTwoMemberGzip_AreRead()
        {
            byte[] raw = Raw();
            IdxFile one = IdxFile.Read(new MemoryStream(Gzip(raw)), "one.gz");
            Assert.Equal(raw[16..], one.RawData.ToArray());

            // `cat a.gz b.gz` is a valid gzip file: the header in the first member, the data in the second.
            byte[] two = [.. Gzip(raw[..16]), .. Gzip(raw[16..])];
            IdxFile both = IdxFile.Read(new MemoryStream(two), "two.gz");
            Assert.Equal(new[] { 5, 13, 11 }, both.Dimensions.ToArray());
            Assert.Equal(raw[16..], both.RawData.ToArray());
        }

        [Fact]
        public void TruncatedRawIdx_NamesExpectedAndActualByteCounts()
        {
            byte[] raw = Raw();
            string path = Path.Combine(_folder, "cut-images-idx3-ubyte");
            File.WriteAllBytes(path, raw[..^37]);
            var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(path));
            Assert.Contains("cut-images-idx3-ubyte", e.Message);
            Assert.Contains((5 * 13 * 11).ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes", e.Message);
            Assert.Contains("only " + ((5 * 13 * 11) - 37).ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        }

        private sealed class ForwardOnlyStream(byte[] content) : MemoryStream(content)
        {
            public override bool CanSeek => false;
        }
    }
}
