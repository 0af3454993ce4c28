using System.Runtime.InteropServices;
using NetGen.OnnxFormat;
using static NetGen.IntegrationTests.OnnxProto;
using static NetGen.IntegrationTests.OnnxTestSupport;

namespace NetGen.IntegrationTests;

/// <summary>
/// <c>Onnx.LoadWeights</c>: weights from graphs written as PyTorch writes them, and clear errors with nothing
/// changed for files that do not fit or are damaged.
/// </summary>
public class OnnxLoadWeightsTests
{
    [Fact]
    public void Weights_load_from_a_graph_written_the_way_PyTorch_writes_it()
    {
        var random = new NetGenRandom(31, stream: 2);
        float[] Values(int count, double scale = 0.5, double offset = 0) =>
            Enumerable.Range(0, count).Select(_ => (float)(offset + (scale * random.NextNormal()))).ToArray();

        float[] w1 = Values(5 * 6), b1 = Values(5), gamma = Values(5, 0.2, 1), beta = Values(5, 0.2), mean = Values(5, 0.3);
        float[] variance = Values(5).Select(v => 0.5f + Math.Abs(v)).ToArray();
        float[] w2 = Values(4 * 5), b2 = Values(4), slope = Values(4, 0.1, 0.2), w3t = Values(4 * 3), b3 = Values(3);
        ProtoWriter[] initializers =
        {
            Tensor("fc1.weight", new long[] { 5, 6 }, w1), Tensor("fc1.bias", new long[] { 5 }, b1),
            Tensor("bn.weight", new long[] { 5 }, gamma), Tensor("bn.bias", new long[] { 5 }, beta),
            Tensor("bn.running_mean", new long[] { 5 }, mean), Tensor("bn.running_var", new long[] { 5 }, variance),
            Tensor("fc2.weight", new long[] { 4, 5 }, w2), Tensor("fc2.bias", new long[] { 4 }, b2),
            Tensor("prelu.weight", new long[] { 4 }, slope), Tensor("fc3.bias", new long[] { 3 }, b3),
        };
        // Without constant folding: Linear as Transpose + MatMul + Add (bias first), a Gemm, a Constant weight behind
        // a MatMul and a bias behind an Identity.
        ProtoWriter[] nodes =
        {
            Node("Transpose", new[] { "fc1.weight" }, "fc1_t", IntsAttribute("perm", 1, 0)),
            Node("MatMul", new[] { "input.1", "fc1_t" }, "fc1_mm"),
            Node("Add", new[] { "fc1.bias", "fc1_mm" }, "fc1_out"),
            Node("BatchNormalization", new[] { "fc1_out", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var" }, "bn_out", FloatAttribute("epsilon", 1e-5f), FloatAttribute("momentum", 0.9f)),
            Node("Relu", new[] { "bn_out" }, "relu_out"),
            Node("Gemm", new[] { "relu_out", "fc2.weight", "fc2.bias" }, "fc2_out", FloatAttribute("alpha", 1f), FloatAttribute("beta", 1f), IntAttribute("transB", 1)),
            Node("PRelu", new[] { "fc2_out", "prelu.weight" }, "prelu_out"),
            Node("Constant", Array.Empty<string>(), "fc3_wt", TensorAttribute("value", Tensor("fc3_wt", new long[] { 4, 3 }, w3t))),
            Node("Identity", new[] { "fc3.bias" }, "fc3_b"),
            Node("MatMul", new[] { "prelu_out", "fc3_wt" }, "fc3_mm"),
            Node("Add", new[] { "fc3_mm", "fc3_b" }, "fc3_out"),
            Node("Softmax", new[] { "fc3_out" }, "probabilities", IntAttribute("axis", 1)),
        };
        byte[] model = Model(nodes, initializers, ValueInfo("input.1", 6), ValueInfo("probabilities", 3));
        var network = new OnnxTorchLike();

        Onnx.LoadWeights(network, model, "torch.onnx");

        Assert.Equal(w1, network.Dense1.Weights.ToArray());
        Assert.Equal(b1, network.Dense1.Biases.ToArray());
        Assert.Equal(gamma.Concat(beta), network.BatchNorm2.Weights.ToArray().Concat(network.BatchNorm2.Biases.ToArray()));
        Assert.Equal(mean.Concat(variance), network.State.ToArray());
        Assert.Equal(w2, network.Dense4.Weights.ToArray());
        Assert.Equal(slope, network.PReLU5.Weights.ToArray());
        float[] w3 = new float[3 * 4];
        for (int o = 0; o < 3; o++)
        {
            for (int i = 0; i < 4; i++)
            {
                w3[(o * 4) + i] = w3t[(i * 3) + o];
            }
        }

        Assert.Equal(w3, network.Dense6.Weights.ToArray());
        Assert.Equal(b3, network.Dense6.Biases.ToArray());

        // The same file in ONNX Runtime computes what the loaded network predicts.
        float[] inputs = TestData.Inputs<float>(7, 6, seed: 31);
        (float[] onnx, _) = Run<float, float>(model, inputs, new[] { 6 }, inputName: "input.1", outputName: "probabilities");
        Assert.True(MaxAbsDifference(Predict(network, inputs), onnx) <= 1e-5);
    }

    [Fact]
    public void A_wrong_shape_names_the_layer_and_both_shapes()
    {
        var network = Prepared();
        byte[] model = Export(new OnnxBatchNormDenseWide());

        OnnxException error = AssertRejected(network, model);

        Assert.Contains("layer Dense1 (Dense)", error.Message);
        Assert.Contains("[12×10]", error.Message);
        Assert.Contains("[13×10]", error.Message);
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        var network = Prepared();
        byte[] model = WithoutInitializer(Export(new OnnxBatchNormDense(5)), "BatchNorm6.running_var");

        OnnxException error = AssertRejected(network, model);

        Assert.Contains("'BatchNorm6.running_var'", error.Message);
        Assert.Contains("missing tensor", error.Message);
    }

    [Fact]
    public void A_graph_with_other_layers_is_refused()
    {
        var network = Prepared();
        ProtoWriter[] weights =
        {
            Tensor("fc1.weight", new long[] { 12, 10 }, new float[120]), Tensor("fc1.bias", new long[] { 12 }, new float[12]),
            Tensor("fc2.weight", new long[] { 5, 12 }, new float[60]), Tensor("fc2.bias", new long[] { 5 }, new float[5]),
        };
        ProtoWriter Gemm(string input, string layer, string output) =>
            Node("Gemm", new[] { input, layer + ".weight", layer + ".bias" }, output, IntAttribute("transB", 1));

        byte[] twoLinear = Model(new[] { Gemm("x", "fc1", "h"), Node("Relu", new[] { "h" }, "r"), Gemm("r", "fc2", "y") }, weights, ValueInfo("x", 10), ValueInfo("y", 5));
        byte[] oneLinear = Model(new[] { Gemm("x", "fc1", "y") }, weights[..2], ValueInfo("x", 10), ValueInfo("y", 12));

        Assert.Contains("layer BatchNorm2 (BatchNorm) expects a BatchNormalization node but the file's next node with weights is Gemm node '/y'", AssertRejected(network, twoLinear).Message);
        Assert.Contains("layer BatchNorm2 (BatchNorm) has weights but the file's graph has no node left for it", AssertRejected(network, oneLinear).Message);
    }

    [Fact]
    public void A_truncated_tail_is_refused()
    {
        var network = Prepared();
        byte[] model = Export(new OnnxBatchNormDense(5));

        OnnxException error = AssertRejected(network, model[..^9]);

        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void A_flipped_byte_in_a_length_prefix_is_refused()
    {
        var network = Prepared();
        byte[] model = Export(new OnnxBatchNormDense(5));
        (int start, int length) = GraphLengthPrefix(model);
        Assert.True(length >= 2);
        model[start + length - 1] ^= 0x40; // the varint's last byte: the length grows by at least 64·128 bytes

        OnnxException error = AssertRejected(network, model);

        Assert.Contains("bytes but only", error.Message);
    }

    [Fact]
    public void Any_flipped_byte_or_cut_is_a_clear_error_or_a_valid_load_never_a_crash()
    {
        byte[] model = Export(new OnnxBatchNormDense(5));
        var network = Prepared();
        byte[] parameters = Bytes(network.Parameters), state = Bytes(network.State);
        int errors = 0;
        for (int i = 0; i <= model.Length; i++)
        {
            var variants = new List<byte[]> { model[..i] };
            if (i < model.Length)
            {
                byte[] flipped = (byte[])model.Clone();
                flipped[i] ^= 0xFF;
                variants.Add(flipped);
            }

            foreach (byte[] variant in variants)
            {
                try
                {
                    Onnx.LoadWeights(network, variant);
                }
                catch (OnnxException)
                {
                    errors++;
                    Assert.Equal(parameters, Bytes(network.Parameters));
                    Assert.Equal(state, Bytes(network.State));
                    continue;
                }

                // A flip inside weight data may load; start the next variant from the original network.
                network = Prepared();
            }
        }

        Assert.True(errors > model.Length, $"only {errors} of {2 * model.Length} damaged files were refused");
    }

    [Fact]
    public void Bytes_that_are_not_a_model_are_refused()
    {
        var network = Prepared();

        Assert.Contains("no graph", AssertRejected(network, Array.Empty<byte>()).Message);
        AssertRejected(network, "NGMD not an ONNX file"u8.ToArray());
        Assert.Throws<FileNotFoundException>(() => Onnx.LoadWeights(network, Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".onnx")));
    }

    [Fact]
    public void The_sample_MLP_graph_matches_its_snapshot()
    {
        string actual = Describe(Export(new FashionMlp()));
        // From the repository root, not [CallerFilePath]: a CI build maps source paths to /_/.
        string path = Path.Combine(DotnetCli.RepositoryRoot(), "tests", "NetGen.IntegrationTests", "Snapshots", "FashionMlp.onnx.txt");
        bool update = Environment.GetEnvironmentVariable("NETGEN_UPDATE_SNAPSHOTS") is "1" or "true";
        if (update || !File.Exists(path))
        {
            bool onCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
            Assert.False(onCi && !update, $"The snapshot {path} is missing: run the test once and commit it.");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
        }

        Assert.Equal(File.ReadAllText(path).Replace("\r\n", "\n"), actual);
    }

    /// <summary>An OnnxBatchNormDense with weights and running statistics of its own, to be left unchanged.</summary>
    private static OnnxBatchNormDense Prepared()
    {
        var network = new OnnxBatchNormDense(1);
        Perturb(network, seed: 8);
        return network;
    }

    private static OnnxException AssertRejected(OnnxBatchNormDense network, byte[] model)
    {
        byte[] parameters = Bytes(network.Parameters), state = Bytes(network.State);
        OnnxException error = Assert.Throws<OnnxException>(() => Onnx.LoadWeights(network, model, "model.onnx"));
        Assert.StartsWith("model.onnx: ", error.Message);
        Assert.Equal(parameters, Bytes(network.Parameters));
        Assert.Equal(state, Bytes(network.State));
        return error;
    }

    private static byte[] Bytes(Span<float> values) => MemoryMarshal.AsBytes(values).ToArray();
}
