using System;
using System.IO;
using System.Linq;
using NetGen.OnnxFormat;
using NetGen.Runtime.Tests.Training;

namespace NetGen.Runtime.Tests
{
    /// <summary>The protobuf encoder and bounded decoder, the export options, and a hand-written network's export.</summary>
    public sealed class OnnxFormatTests
    {
        [Theory]
        [InlineData(0L, new byte[] { 0x08, 0x00 })]
        [InlineData(1L, new byte[] { 0x08, 0x01 })]
        [InlineData(300L, new byte[] { 0x08, 0xAC, 0x02 })]
        [InlineData(-1L, new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
        public void Varints_are_encoded_as_protobuf_does_and_read_back(long value, byte[] expected)
        {
            var writer = new ProtoWriter();
            writer.Int(1, value);

            Assert.Equal(expected, writer.Written.ToArray());
            var reader = new ProtoReader(expected, "message");
            (int field, int wire) = reader.Tag();
            Assert.Equal((1, ProtoReader.Varint), (field, wire));
            Assert.Equal(value, reader.Int64(wire));
            Assert.True(reader.AtEnd);
        }

        [Fact]
        public void Strings_floats_and_nested_messages_round_trip()
        {
            var inner = new ProtoWriter();
            inner.Float(2, 1.5f);
            var outer = new ProtoWriter();
            outer.String(1, "Gemm ✓");
            outer.Message(5, inner);
            byte[] bytes = outer.Written.ToArray();

            var reader = new ProtoReader(bytes, "node");
            Assert.Equal((1, ProtoReader.LengthDelimited), reader.Tag());
            Assert.Equal("Gemm ✓", reader.String(ProtoReader.LengthDelimited));
            Assert.Equal((5, ProtoReader.LengthDelimited), reader.Tag());
            ProtoReader nested = reader.Message(ProtoReader.LengthDelimited, "attribute");
            Assert.Equal((2, ProtoReader.Fixed32), nested.Tag());
            Assert.Equal(1.5f, nested.Float(ProtoReader.Fixed32));
            Assert.True(nested.AtEnd);
            Assert.True(reader.AtEnd);
        }

        [Theory]
        [InlineData(new byte[] { 0x0A, 0x05, 0x41 }, "5 bytes but only 1")]            // a length beyond the end
        [InlineData(new byte[] { 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }, "bytes but only 0")] // a 4 GiB length: no allocation
        [InlineData(new byte[] { 0x08, 0x80, 0x80 }, "cut off")]                         // a varint without its end
        [InlineData(new byte[] { 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, "longer than 10 bytes")]
        [InlineData(new byte[] { 0x0B }, "wire type 3")]                                 // a group
        [InlineData(new byte[] { 0x00 }, "field number 0")]
        public void Malformed_bytes_are_a_clear_error(byte[] bytes, string expected)
        {
            string message = Assert.Throws<OnnxFormatError>(() =>
            {
                var reader = new ProtoReader(bytes, "the model");
                while (!reader.AtEnd)
                {
                    (_, int wire) = reader.Tag();
                    reader.Skip(wire);
                }
            }).Message;

            Assert.Contains(expected, message);
            Assert.StartsWith("the model is corrupt at byte", message);
        }

        [Theory]
        [InlineData(16, null)]
        [InlineData(22, null)]
        [InlineData(17, 7)]
        [InlineData(21, 9)]
        [InlineData(17, 12)]
        public void Options_out_of_range_are_refused(int opset, int? irVersion)
        {
            var options = new OnnxExportOptions { Opset = opset, IrVersion = irVersion };

            Assert.Throws<ArgumentException>(options.Validate);
        }

        [Theory]
        [InlineData(17, 8)]
        [InlineData(18, 8)]
        [InlineData(19, 9)]
        [InlineData(21, 10)]
        public void The_IR_version_follows_the_opset(int opset, int irVersion)
        {
            Assert.Equal(irVersion, new OnnxExportOptions { Opset = opset }.EffectiveIrVersion);
        }

        [Fact]
        public void A_hand_written_network_exports_through_the_builder_and_loads_back()
        {
            var original = new SoftmaxRegression<double>(5, 3, seed: 7);
            original.Layers[0].Biases[1] = 0.5;
            var copy = new SoftmaxRegression<double>(5, 3, seed: 9);
            using var stream = new MemoryStream();

            original.ExportOnnx(stream, new OnnxExportOptions { ElementType = OnnxElementType.Float64 });
            Onnx.LoadWeights(copy, stream.ToArray());

            Assert.Equal(original.Parameters.ToArray(), copy.Parameters.ToArray());
        }

        [Fact]
        public void The_builder_refuses_a_layer_that_does_not_fit_the_graph_so_far()
        {
            var graph = new OnnxGraphBuilder<float>("Net", "Input(4) → Dense(3)", null, 4);

            InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => graph.Dense("Dense1", new float[15], new float[3], inputs: 5, outputs: 3));
            Assert.Contains("[4]", error.Message);
            Assert.Contains("Dense1", error.Message);
            Assert.Throws<ArgumentException>(() => graph.Dense("Dense1", new float[11], new float[3], inputs: 4, outputs: 3));
            Assert.Throws<InvalidOperationException>(() => graph.Conv2D("Conv1", new float[9], new float[1], channels: 1, filters: 1, kernel: 3, stride: 1, padding: 0));
        }

        [Fact]
        public void Saving_to_a_path_replaces_the_file_and_leaves_no_temporary_file()
        {
            string folder = Path.Combine(Path.GetTempPath(), "netgen-onnx-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                string path = Path.Combine(folder, "model.onnx");
                File.WriteAllText(path, "old");
                var network = new SoftmaxRegression<float>(4, 2, seed: 3);

                network.ExportOnnx(path);

                Assert.Equal(new[] { "model.onnx" }, Directory.GetFiles(folder).Select(Path.GetFileName));
                var copy = new SoftmaxRegression<float>(4, 2, seed: 5);
                Onnx.LoadWeights(copy, path);
                Assert.Equal(network.Parameters.ToArray(), copy.Parameters.ToArray());
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
