using static NetGen.IntegrationTests.OnnxTestSupport;

namespace NetGen.IntegrationTests;

/// <summary>
/// Every declared network exported to ONNX and run in ONNX Runtime gives the outputs of <c>Predict</c>; the weights
/// come back through <c>Onnx.LoadWeights</c>.
/// </summary>
public class OnnxExportTests
{
    /// <summary>The float networks, by name: a fresh instance for a seed, and one sample's shape.</summary>
    private static readonly Dictionary<string, (Func<int, INetwork<float>> Create, int[] Shape)> Networks = new()
    {
        ["FashionMlp"] = (seed => new FashionMlp(seed), new[] { 784 }),
        ["FashionCnn"] = (seed => new OnnxFashionCnn(seed), new[] { 1, 28, 28 }),
        ["Activations"] = (seed => new OnnxActivations(seed), new[] { 12 }),
        ["Prelu"] = (seed => new OnnxPrelu(seed), new[] { 10 }),
        ["Maxout"] = (seed => new OnnxMaxout(seed), new[] { 9 }),
        ["BatchNormDense"] = (seed => new OnnxBatchNormDense(seed), new[] { 10 }),
        ["Conv2D"] = (seed => new OnnxConv2D(seed), new[] { 2, 9, 9 }),
        ["Conv1D"] = (seed => new OnnxConv1D(seed), new[] { 3, 17 }),
        ["AvgPool2D"] = (seed => new OnnxAvgPool2D(seed), new[] { 2, 9, 9 }),
        ["AvgPool1D"] = (seed => new OnnxAvgPool1D(seed), new[] { 3, 16 }),
        ["TorchLike"] = (seed => new OnnxTorchLike(seed), new[] { 6 }),
        ["DropoutOnly"] = (seed => new OnnxDropoutOnly(seed), new[] { 3 }),
    };

    public static TheoryData<string> NetworkNames => new(Networks.Keys);

    public static TheoryData<string, int> NetworksAndBatches()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in Networks.Keys)
        {
            foreach (int batch in new[] { 1, 7, 128 })
            {
                data.Add(name, batch);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NetworksAndBatches))]
    public void OnnxRuntime_gives_the_outputs_of_Predict(string name, int batch)
    {
        (Func<int, INetwork<float>> create, int[] shape) = Networks[name];
        INetwork<float> network = create(1);
        Perturb(network, seed: 3);
        float[] inputs = TestData.Inputs<float>(batch, network.InputSize, seed: batch);

        (float[] onnx, long[] outputShape) = Run<float, float>(Export(network), inputs, shape);

        Assert.Equal(new long[] { batch, network.OutputSize }, outputShape);
        double difference = MaxAbsDifference(Predict(network, inputs), onnx);
        Assert.True(difference <= 1e-5, $"{name}, batch {batch}: max |Predict − ONNX Runtime| = {difference:G3}");
    }

    [Theory]
    [MemberData(nameof(NetworkNames))]
    public void Opset_21_runs_the_same(string name)
    {
        (Func<int, INetwork<float>> create, int[] shape) = Networks[name];
        INetwork<float> network = create(1);
        Perturb(network, seed: 4);
        float[] inputs = TestData.Inputs<float>(7, network.InputSize, seed: 21);

        byte[] model = Export(network, new OnnxExportOptions { Opset = 21, InputName = "x", OutputName = "y" });
        (float[] onnx, _) = Run<float, float>(model, inputs, shape, inputName: "x", outputName: "y");

        Assert.True(MaxAbsDifference(Predict(network, inputs), onnx) <= 1e-5);
    }

    [Theory]
    [MemberData(nameof(NetworkNames))]
    public void LoadWeights_into_another_seed_gives_identical_Predict(string name)
    {
        (Func<int, INetwork<float>> create, _) = Networks[name];
        INetwork<float> original = create(1);
        Perturb(original, seed: 5);
        INetwork<float> copy = create(2);
        Assert.True(original.ParameterCount == 0 || !original.Parameters.SequenceEqual(copy.Parameters), "the two seeds should give different weights");
        string path = Path.Combine(Path.GetTempPath(), $"netgen-onnx-{name}-{Guid.NewGuid():N}.onnx");
        try
        {
            original.ExportOnnx(path);
            Onnx.LoadWeights(copy, path);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Equal(original.Parameters.ToArray(), copy.Parameters.ToArray());
        Assert.Equal(original.State.ToArray(), copy.State.ToArray());
        float[] inputs = TestData.Inputs<float>(7, original.InputSize, seed: 9);
        Assert.Equal(Predict(original, inputs), Predict(copy, inputs));
    }

    [Theory]
    [InlineData(OnnxElementType.Float32, 1e-5)]
    [InlineData(OnnxElementType.Float64, 1e-8)] // not 1e-15: ONNX attributes (LeakyRelu's alpha, BatchNorm's ε) are float32
    public void A_double_network_exports_as_float32_and_float64(OnnxElementType type, double tolerance)
    {
        var network = new OnnxDoubleMlp(1);
        Perturb(network, seed: 6);
        double[] inputs = TestData.Inputs<double>(7, OnnxDoubleMlp.InputSize, seed: 6);
        byte[] model = Export(network, new OnnxExportOptions { ElementType = type });

        double[] onnx = type == OnnxElementType.Float64
            ? Run<double, double>(model, inputs, new[] { 6 }).Values
            : Run<float, float>(model, inputs.Select(v => (float)v).ToArray(), new[] { 6 }).Values.Select(v => (double)v).ToArray();

        double difference = MaxAbsDifference(Predict(network, inputs), onnx);
        Assert.True(difference <= tolerance, $"{type}: max |Predict − ONNX Runtime| = {difference:G3}");

        var copy = new OnnxDoubleMlp(2);
        Onnx.LoadWeights(copy, model);
        if (type == OnnxElementType.Float64)
        {
            Assert.Equal(network.Parameters.ToArray(), copy.Parameters.ToArray());
            Assert.Equal(network.State.ToArray(), copy.State.ToArray());
        }
        else
        {
            Assert.True(MaxAbsDifference(network.Parameters.ToArray(), copy.Parameters.ToArray()) < 1e-6);
        }
    }

    [Fact]
    public void A_double_convolution_exports_as_float32_and_refuses_float64_naming_the_op()
    {
        var network = new OnnxDoubleConv(1);
        Perturb(network, seed: 7);
        double[] inputs = TestData.Inputs<double>(7, OnnxDoubleConv.InputSize, seed: 7);

        (float[] onnx, _) = Run<float, float>(Export(network), inputs.Select(v => (float)v).ToArray(), new[] { 1, 6, 6 });
        Assert.True(MaxAbsDifference(Predict(network, inputs), onnx) <= 1e-5);

        using var stream = new MemoryStream();
        NotSupportedException error = Assert.Throws<NotSupportedException>(() => network.ExportOnnx(stream, new OnnxExportOptions { ElementType = OnnxElementType.Float64 }));
        Assert.Contains("Conv2D1", error.Message);
        Assert.Contains("Conv", error.Message);
        Assert.Contains("Float32", error.Message);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void The_graph_has_the_metadata_a_user_reads()
    {
        var network = new FashionMlp();
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Export(network));

        Assert.Equal("NetGen", session.ModelMetadata.ProducerName);
        Assert.Equal(FashionMlp.Architecture, session.ModelMetadata.CustomMetadataMap["netgen.architecture"]);
        Assert.Equal("FashionMlp", session.ModelMetadata.GraphName);
        Assert.Equal(new[] { -1, 784 }, session.InputMetadata["input"].Dimensions);
        Assert.Equal("N", session.InputMetadata["input"].SymbolicDimensions[0]);
        Assert.Equal(new[] { -1, 10 }, session.OutputMetadata["output"].Dimensions);
    }

    [Fact]
    public void Options_out_of_range_are_refused_before_anything_is_written()
    {
        var network = new OnnxPrelu();
        using var stream = new MemoryStream();

        Assert.Contains("Opset 16", Assert.Throws<ArgumentException>(() => network.ExportOnnx(stream, new OnnxExportOptions { Opset = 16 })).Message);
        Assert.Contains("IR version 7", Assert.Throws<ArgumentException>(() => network.ExportOnnx(stream, new OnnxExportOptions { IrVersion = 7 })).Message);
        Assert.Contains("'Dense1'", Assert.Throws<ArgumentException>(() => network.ExportOnnx(stream, new OnnxExportOptions { OutputName = "Dense1" })).Message);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void The_reference_onnx_checker_accepts_the_exported_files()
    {
        string folder = Path.Combine(Path.GetTempPath(), "netgen-onnx-check-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var paths = new List<string>();
            foreach ((string name, (Func<int, INetwork<float>> create, _)) in Networks)
            {
                string path = Path.Combine(folder, name + ".onnx");
                create(1).ExportOnnx(path);
                paths.Add(path);
            }

            string doublePath = Path.Combine(folder, "DoubleMlp64.onnx");
            new OnnxDoubleMlp().ExportOnnx(doublePath, new OnnxExportOptions { ElementType = OnnxElementType.Float64 });
            paths.Add(doublePath);

            (int exitCode, string output) = Check(paths);

            Assert.True(exitCode == 0, $"onnx.checker (python3-onnx, apt-get install python3-onnx) failed with exit code {exitCode}:\n{output}");
            Assert.Equal(paths.Count, output.Split('\n').Count(line => line.StartsWith("ok ", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>The float64 export refuses exactly the ops that ONNX Runtime cannot run in double: evidence for the list.</summary>
public class OnnxRuntimeDoubleKernelTests
{
    [Theory]
    [InlineData("Conv", false)]
    [InlineData("Elu", false)]
    [InlineData("LeakyRelu", true)]
    [InlineData("PRelu", true)]
    [InlineData("Relu", true)]
    [InlineData("Sigmoid", true)]
    [InlineData("Tanh", true)]
    [InlineData("MaxPool", true)]
    [InlineData("Flatten", true)]
    [InlineData("BatchNormalization", true)]
    public void OnnxRuntime_has_a_double_kernel_only_for_the_ops_the_export_allows(string op, bool hasDoubleKernel)
    {
        var initializers = new List<NetGen.OnnxFormat.ProtoWriter>();
        var inputs = new List<string> { "x" };
        var attributes = new List<NetGen.OnnxFormat.ProtoWriter>();
        long[] outputShape = { 1, 4, 4 };
        switch (op)
        {
            case "Conv":
                initializers.Add(OnnxProto.Tensor("w", new long[] { 1, 1, 3, 3 }, new double[9]));
                inputs.Add("w");
                attributes.Add(OnnxProto.IntsAttribute("pads", 1, 1, 1, 1));
                break;
            case "PRelu":
                initializers.Add(OnnxProto.Tensor("slope", new long[] { 1 }, new[] { 0.25 }));
                inputs.Add("slope");
                break;
            case "MaxPool":
                attributes.Add(OnnxProto.IntsAttribute("kernel_shape", 2, 2));
                attributes.Add(OnnxProto.IntsAttribute("strides", 2, 2));
                outputShape = new long[] { 1, 2, 2 };
                break;
            case "Flatten":
                outputShape = new long[] { 16 };
                break;
            case "BatchNormalization":
                foreach (string name in new[] { "scale", "bias", "mean", "variance" })
                {
                    initializers.Add(OnnxProto.Tensor(name, new long[] { 1 }, new[] { 1.0 }));
                    inputs.Add(name);
                }

                break;
        }

        byte[] model = OnnxProto.Model(
            new[] { OnnxProto.Node(op, inputs.ToArray(), "y", attributes.ToArray()) },
            initializers,
            OnnxProto.ValueInfo(11, "x", 1, 4, 4),
            OnnxProto.ValueInfo(11, "y", outputShape));
        double[] x = TestData.Inputs<double>(2, 16, seed: 1);

        Exception? error = Record.Exception(() => OnnxTestSupport.Run<double, double>(model, x, new[] { 1, 4, 4 }, inputName: "x", outputName: "y"));

        if (hasDoubleKernel)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.IsType<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(error);
            Assert.Contains(op, error!.Message);
        }
    }
}
