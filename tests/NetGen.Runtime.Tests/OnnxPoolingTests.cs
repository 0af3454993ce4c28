using System;
using System.Linq;
using NetGen.OnnxFormat;
using NetGen.Runtime.Tests.Training;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// The builder's average pooling nodes, read back with the model reader: <c>AveragePool</c> with padding not counted,
    /// <c>GlobalAveragePool</c> then <c>Flatten</c>, and <see cref="Onnx.LoadWeights{T}(INetwork{T}, ReadOnlySpan{byte}, string)"/>
    /// passing over these weightless nodes. Running the graphs in ONNX Runtime is the integration tests' part.
    /// </summary>
    public sealed class OnnxPoolingTests
    {
        [Fact]
        public void AvgPool2D_is_an_AveragePool_with_pads_and_count_include_pad_0()
        {
            var graph = new OnnxGraphBuilder<float>("Net", "Input(2, 5, 5) → AvgPool2D(3) → Flatten → Dense(3)", null, 2, 5, 5);
            graph.AvgPool2D("AvgPool1", channels: 2, size: 3, stride: 2, padding: 1);
            graph.Flatten("Flatten2");
            graph.Dense("Dense3", new float[3 * 18], new float[3], inputs: 2 * 3 * 3, outputs: 3); // 5 + 2 − 3 over 2, + 1 = 3

            OnnxGraph read = OnnxModelReader.Read(graph.ToBytes());

            Assert.Equal(new[] { "AveragePool", "Flatten", "Gemm" }, read.Nodes.Select(n => n.Op));
            OnnxNode pool = read.Nodes[0];
            Assert.Equal(new[] { "input" }, pool.Inputs);
            Assert.Equal(new long[] { 3, 3 }, pool.Attributes["kernel_shape"].Ints);
            Assert.Equal(new long[] { 2, 2 }, pool.Attributes["strides"].Ints);
            Assert.Equal(new long[] { 1, 1, 1, 1 }, pool.Attributes["pads"].Ints);
            Assert.Equal(0, pool.Attributes["count_include_pad"].Int);
            Assert.Equal(new[] { "AvgPool1" }, read.Nodes[1].Inputs);
        }

        [Fact]
        public void AvgPool1D_is_an_AveragePool_over_one_axis()
        {
            var graph = new OnnxGraphBuilder<float>("Net", "Input(3, 10) → AvgPool1D(4)", null, 3, 10);
            graph.AvgPool1D("AvgPool1", channels: 3, size: 4, stride: 3, padding: 2);
            graph.Flatten("Flatten2");
            graph.Dense("Dense3", new float[2 * 12], new float[2], inputs: 3 * 4, outputs: 2); // (10 + 4 − 4)/3 + 1 = 4

            OnnxNode pool = OnnxModelReader.Read(graph.ToBytes()).Nodes[0];

            Assert.Equal("AveragePool", pool.Op);
            Assert.Equal(new long[] { 4 }, pool.Attributes["kernel_shape"].Ints);
            Assert.Equal(new long[] { 3 }, pool.Attributes["strides"].Ints);
            Assert.Equal(new long[] { 2, 2 }, pool.Attributes["pads"].Ints);
            Assert.Equal(0, pool.Attributes["count_include_pad"].Int);
        }

        [Theory]
        [InlineData(new[] { 4, 3, 3 })]
        [InlineData(new[] { 4, 7 })]
        public void GlobalAvgPool_is_a_GlobalAveragePool_flattened_to_one_value_per_channel(int[] inputShape)
        {
            var graph = new OnnxGraphBuilder<float>("Net", "GlobalAvgPool → Dense(2)", null, inputShape);
            graph.GlobalAvgPool("GlobalAvgPool1", channels: 4);
            graph.Dense("Dense2", new float[8], new float[2], inputs: 4, outputs: 2); // the builder checks the [4] it left

            OnnxGraph read = OnnxModelReader.Read(graph.ToBytes());

            Assert.Equal(new[] { "GlobalAveragePool", "Flatten", "Gemm" }, read.Nodes.Select(n => n.Op));
            Assert.Equal(new[] { "GlobalAvgPool1.pooled" }, read.Nodes[0].Outputs);
            Assert.Equal(new[] { "GlobalAvgPool1.pooled" }, read.Nodes[1].Inputs);
            Assert.Equal(1, read.Nodes[1].Attributes["axis"].Int);
            Assert.Equal(new[] { "GlobalAvgPool1" }, read.Nodes[1].Outputs);
        }

        [Fact]
        public void LoadWeights_passes_over_the_pooling_nodes()
        {
            // A graph of pooling nodes around the one Dense layer a softmax regression has: its weights load, in place.
            var original = new SoftmaxRegression<float>(4, 3, seed: 7);
            original.Layers[0].Biases[2] = 0.25f;
            var graph = new OnnxGraphBuilder<float>("Pooled", original.Architecture, null, 4, 6, 6);
            graph.AvgPool2D("AvgPool1", channels: 4, size: 2, stride: 2, padding: 0);
            graph.GlobalAvgPool("GlobalAvgPool2", channels: 4);
            graph.Dense("Dense3", original.Parameters.Slice(0, 12), original.Parameters.Slice(12), inputs: 4, outputs: 3);
            graph.Softmax("Softmax4", 3);
            var copy = new SoftmaxRegression<float>(4, 3, seed: 9);

            Onnx.LoadWeights(copy, graph.ToBytes());

            Assert.Equal(original.Parameters.ToArray(), copy.Parameters.ToArray());
        }

        [Fact]
        public void The_builder_refuses_pooling_that_does_not_fit()
        {
            var graph = new OnnxGraphBuilder<float>("Net", "Input(2, 4, 4)", null, 2, 4, 4);
            Assert.Throws<InvalidOperationException>(() => graph.AvgPool2D("AvgPool1", channels: 3, size: 2, stride: 2, padding: 0));
            Assert.Throws<InvalidOperationException>(() => graph.AvgPool1D("AvgPool1", channels: 2, size: 2, stride: 2, padding: 0));
            ArgumentException padding = Assert.Throws<ArgumentException>(() => graph.AvgPool2D("AvgPool1", channels: 2, size: 2, stride: 2, padding: 2));
            Assert.Contains("padding 2", padding.Message);
            Assert.Throws<InvalidOperationException>(() => graph.GlobalAvgPool("GlobalAvgPool1", channels: 5));

            var flat = new OnnxGraphBuilder<float>("Net", "Input(8)", null, 8);
            Assert.Throws<InvalidOperationException>(() => flat.GlobalAvgPool("GlobalAvgPool1", channels: 8));

            // ONNX Runtime's CPU provider has float kernels only for these ops: a double graph would not run.
            var wide = new OnnxGraphBuilder<double>("Net", "Input(2, 4, 4)", new OnnxExportOptions { ElementType = OnnxElementType.Float64 }, 2, 4, 4);
            Assert.Throws<NotSupportedException>(() => wide.AvgPool2D("AvgPool1", channels: 2, size: 2, stride: 2, padding: 0));
            Assert.Throws<NotSupportedException>(() => wide.GlobalAvgPool("GlobalAvgPool1", channels: 2));
        }
    }
}
