using System;
using System.Linq;
using System.IO;
using System.IO.Compression;
using NetGen.Data;

namespace NetGen.Runtime.Tests.Data
{
    public sealed class IdxFileTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "netgen-idx-" + Guid.NewGuid().ToString("N"));

        public IdxFileTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        /// <summary>Two 2 × 3 "images" of unsigned bytes: 00 00 08 03 | 2 | 2 | 3 | 0 51 102 153 204 255 | 255 … 0.</summary>
        private static byte[] GoodImages()
        {
            return new byte[]
            {
                0, 0, 0x08, 3,
                0, 0, 0, 2,
                0, 0, 0, 2,
                0, 0, 0, 3,
                0, 51, 102, 153, 204, 255,
                255, 204, 153, 102, 51, 0,
            };
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

        private string WriteFile(string name, byte[] content)
        {
            string path = Path.Combine(_folder, name);
            File.WriteAllBytes(path, content);
            return path;
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Reads_RawAndGzip(bool gzip)
        {
            byte[] raw = GoodImages();
            // The name says nothing: gzip is detected by its 1F 8B magic.
            string path = WriteFile("images.idx", gzip ? Gzip(raw) : raw);
            IdxFile file = IdxFile.Read(path, expectedDimensions: 3, expectedType: IdxDataType.UnsignedByte);
            Assert.Equal(IdxDataType.UnsignedByte, file.DataType);
            Assert.Equal(new[] { 2, 2, 3 }, file.Dimensions);
            Assert.Equal(2, file.ItemCount);
            Assert.Equal(6, file.ItemSize);
            Assert.Equal(12, file.Count);
            Assert.Equal(153, file[3]);

            float[] pixels = file.ToScaledArray<float>();
            Assert.Equal(0f, pixels[0]);
            Assert.Equal(0.2f, pixels[1], 1e-7f);
            Assert.Equal(1f, pixels[5]);
            Assert.Equal(1f, pixels[6]);
        }

        [Fact]
        public void WriteThenRead_RoundTrips_Int32AndDouble()
        {
            var ints = new IdxFile(IdxDataType.Int32, new[] { 3 }, new byte[] { 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 1, 0 });
            string path = Path.Combine(_folder, "ints.idx.gz");
            ints.Write(path);
            IdxFile back = IdxFile.Read(path);
            Assert.Equal(new[] { 1, -2, 256 }, back.ToInt32Array());

            var stream = new MemoryStream();
            new IdxFile(IdxDataType.Double, new[] { 1 }, BitConverter.GetBytes(2.5).Reverse().ToArray()).Write(stream, gzip: false);
            stream.Position = 0;
            Assert.Equal(2.5, IdxFile.Read(stream, "double").ToScaledArray<double>()[0]);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void BadMagic_IsNamed(bool gzip)
        {
            byte[] raw = GoodImages();
            raw[0] = 0x01;
            string path = WriteFile("bad-magic", gzip ? Gzip(raw) : raw);
            var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(path));
            Assert.Contains("bad-magic", e.Message);
            Assert.Contains("magic", e.Message);
            Assert.Contains("01 00 08 03", e.Message);
        }

        [Fact]
        public void UnknownElementType_IsNamed()
        {
            byte[] raw = GoodImages();
            raw[2] = 0x07;
            var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(WriteFile("type", raw)));
            Assert.Contains("0x07", e.Message);
        }

        [Fact]
        public void UnexpectedElementType_IsNamed()
        {
            byte[] raw = GoodImages();
            var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(WriteFile("type", raw), expectedType: IdxDataType.Single));
            Assert.Contains("0x0D", e.Message);
            Assert.Contains("0x08", e.Message);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void WrongDimensionCount_IsNamed(bool gzip)
        {
            byte[] raw = GoodImages();
            string path = WriteFile("labels-idx1-ubyte", gzip ? Gzip(raw) : raw);
            var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(path, expectedDimensions: 1));
            Assert.Contains("labels-idx1-ubyte", e.Message);
            Assert.Contains("expected 1 dimension(s) but the header declares 3", e.Message);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void TruncatedData_SaysExpectedAndFound(bool gzip)
        {
            byte[] raw = GoodImages()[..^2]; // 10 of 12 data bytes
            string path = WriteFile("short", gzip ? Gzip(raw) : raw);
            var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(path));
            Assert.Contains("short", e.Message);
            Assert.Contains("truncated", e.Message);
            Assert.Contains("2 × 2 × 3", e.Message);
            Assert.Contains("12 bytes", e.Message);
            Assert.Contains("only 10", e.Message);
        }

        [Fact]
        public void TruncatedHeader_IsNamed()
        {
            var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(WriteFile("header", GoodImages()[..9])));
            Assert.Contains("truncated in its header", e.Message);

            e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(WriteFile("tiny", new byte[] { 0, 0 })));
            Assert.Contains("at least 4 bytes", e.Message);
        }

        [Fact]
        public void TrailingBytes_AreAnError()
        {
            byte[] raw = [.. GoodImages(), 7, 7, 7];
            var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(WriteFile("long", raw)));
            Assert.Contains("3 more byte(s)", e.Message);
        }

        [Fact]
        public void TruncatedGzipStream_IsAnIdxError()
        {
            byte[] compressed = Gzip(GoodImages());
            string path = WriteFile("cut.gz", compressed[..(compressed.Length / 2)]);
            var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(path));
            Assert.Contains("cut.gz", e.Message);
        }

        [Fact]
        public void CorruptGzipStream_IsAnIdxError()
        {
            byte[] compressed = Gzip(GoodImages());
            for (int i = 10; i < compressed.Length - 8; i++)
            {
                compressed[i] ^= 0x5A;
            }

            var e = Assert.Throws<IdxFormatException>(() => IdxFile.Read(WriteFile("garbled.gz", compressed)));
            Assert.Contains("garbled.gz", e.Message);
        }
    }
}
