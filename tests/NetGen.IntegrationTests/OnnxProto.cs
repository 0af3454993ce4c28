using System.Globalization;
using System.Text;
using NetGen.OnnxFormat;

namespace NetGen.IntegrationTests;

/// <summary>
/// Test-side protobuf work on ONNX models with the runtime's own encoder and decoder: graphs written the way PyTorch
/// writes them, a model with one initializer removed, and a readable description of a model's structure.
/// </summary>
internal static class OnnxProto
{
    public static ProtoWriter Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new ProtoWriter();
        tensor.RepeatedInts(1, dims);
        tensor.Int(2, 1);
        tensor.String(8, name);
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        tensor.Bytes(9, raw);
        return tensor;
    }

    public static ProtoWriter Tensor(string name, long[] dims, double[] values)
    {
        var tensor = new ProtoWriter();
        tensor.RepeatedInts(1, dims);
        tensor.Int(2, 11);
        tensor.String(8, name);
        var raw = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        tensor.Bytes(9, raw);
        return tensor;
    }

    public static ProtoWriter Node(string op, string[] inputs, string output, params ProtoWriter[] attributes)
    {
        var node = new ProtoWriter();
        foreach (string input in inputs)
        {
            node.String(1, input);
        }

        node.String(2, output);
        node.String(3, "/" + output);
        node.String(4, op);
        foreach (ProtoWriter attribute in attributes)
        {
            node.Message(5, attribute);
        }

        return node;
    }

    public static ProtoWriter IntAttribute(string name, long value)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        attribute.Int(3, value);
        attribute.Int(20, 2);
        return attribute;
    }

    public static ProtoWriter FloatAttribute(string name, float value)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        attribute.Float(2, value);
        attribute.Int(20, 1);
        return attribute;
    }

    public static ProtoWriter IntsAttribute(string name, params long[] values)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        attribute.RepeatedInts(8, values);
        attribute.Int(20, 7);
        return attribute;
    }

    public static ProtoWriter TensorAttribute(string name, ProtoWriter tensor)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        attribute.Message(5, tensor);
        attribute.Int(20, 4);
        return attribute;
    }

    public static ProtoWriter ValueInfo(string name, params long[] sampleDims) => ValueInfo(1, name, sampleDims);

    /// <summary>A tensor value of element type <paramref name="elementType"/> (1 float, 11 double) with a symbolic batch dimension.</summary>
    public static ProtoWriter ValueInfo(int elementType, string name, params long[] sampleDims)
    {
        var shape = new ProtoWriter();
        var batch = new ProtoWriter();
        batch.String(2, "batch");
        shape.Message(1, batch);
        foreach (long dimension in sampleDims)
        {
            var dim = new ProtoWriter();
            dim.Int(1, dimension);
            shape.Message(1, dim);
        }

        var tensor = new ProtoWriter();
        tensor.Int(1, elementType);
        tensor.Message(2, shape);
        var type = new ProtoWriter();
        type.Message(1, tensor);
        var info = new ProtoWriter();
        info.String(1, name);
        info.Message(2, type);
        return info;
    }

    /// <summary>A model around <paramref name="nodes"/> and <paramref name="initializers"/>, opset 17, IR 8.</summary>
    public static byte[] Model(IEnumerable<ProtoWriter> nodes, IEnumerable<ProtoWriter> initializers, ProtoWriter input, ProtoWriter output)
    {
        var graph = new ProtoWriter();
        foreach (ProtoWriter node in nodes)
        {
            graph.Message(1, node);
        }

        graph.String(2, "main_graph");
        foreach (ProtoWriter initializer in initializers)
        {
            graph.Message(5, initializer);
        }

        graph.Message(11, input);
        graph.Message(12, output);
        var model = new ProtoWriter();
        model.Int(1, 8);
        model.String(2, "pytorch");
        model.String(3, "2.1.0");
        model.Message(7, graph);
        var opset = new ProtoWriter();
        opset.String(1, string.Empty);
        opset.Int(2, 17);
        model.Message(8, opset);
        return model.Written.ToArray();
    }

    /// <summary>The model with the initializer <paramref name="name"/> left out of the graph.</summary>
    public static byte[] WithoutInitializer(byte[] bytes, string name)
    {
        var model = new ProtoWriter();
        var reader = new ProtoReader(bytes, "model");
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.Tag();
            if (field != 7)
            {
                CopyField(ref reader, model, field, wire);
                continue;
            }

            var graph = new ProtoWriter();
            var graphReader = reader.Message(wire, "graph");
            while (!graphReader.AtEnd)
            {
                (int graphField, int graphWire) = graphReader.Tag();
                if (graphField == 5)
                {
                    ReadOnlySpan<byte> tensor = graphReader.Bytes(graphWire);
                    if (TensorName(tensor) != name)
                    {
                        graph.Bytes(5, tensor);
                    }
                }
                else
                {
                    CopyField(ref graphReader, graph, graphField, graphWire);
                }
            }

            model.Message(7, graph);
        }

        return model.Written.ToArray();
    }

    /// <summary>The position of the first byte of the graph's length prefix and the prefix's length in bytes.</summary>
    public static (int Start, int Length) GraphLengthPrefix(byte[] bytes)
    {
        var reader = new ProtoReader(bytes, "model");
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.Tag();
            if (field == 7)
            {
                int start = reader.Position;
                ReadOnlySpan<byte> graph = reader.Bytes(wire);
                return (start, reader.Position - start - graph.Length);
            }

            reader.Skip(wire);
        }

        throw new InvalidOperationException("no graph");
    }

    /// <summary>One line per part of the model: header, inputs, outputs, nodes with attributes, initializers with shapes.</summary>
    public static string Describe(byte[] bytes)
    {
        var text = new StringBuilder();
        var reader = new ProtoReader(bytes, "model");
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.Tag();
            switch (field)
            {
                case 1: text.Append("ir_version ").Append(reader.Int64(wire)).Append('\n'); break;
                case 2: text.Append("producer ").Append(reader.String(wire)).Append('\n'); break;
                case 3: reader.String(wire); text.Append("producer_version (the runtime's version)\n"); break;
                case 7: DescribeGraph(reader.Message(wire, "graph"), text); break;
                case 8:
                {
                    var opset = reader.Message(wire, "opset");
                    string domain = string.Empty;
                    long version = 0;
                    while (!opset.AtEnd)
                    {
                        (int f, int w) = opset.Tag();
                        if (f == 1) domain = opset.String(w); else if (f == 2) version = opset.Int64(w); else opset.Skip(w);
                    }

                    text.Append("opset '").Append(domain).Append("' ").Append(version).Append('\n');
                    break;
                }

                case 14:
                {
                    var entry = reader.Message(wire, "metadata");
                    while (!entry.AtEnd)
                    {
                        (int f, int w) = entry.Tag();
                        text.Append(f == 1 ? "metadata " : " = ").Append(entry.String(w));
                    }

                    text.Append('\n');
                    break;
                }

                default: reader.Skip(wire); break;
            }
        }

        return text.ToString();
    }

    private static void DescribeGraph(ProtoReader graph, StringBuilder text)
    {
        while (!graph.AtEnd)
        {
            (int field, int wire) = graph.Tag();
            switch (field)
            {
                case 1: text.Append("node ").Append(DescribeNode(graph.Message(wire, "node"))).Append('\n'); break;
                case 2: text.Append("graph ").Append(graph.String(wire)).Append('\n'); break;
                case 10: text.Append("doc_string ").Append(graph.String(wire)).Append('\n'); break;
                case 5: text.Append("initializer ").Append(DescribeTensor(graph.Message(wire, "tensor"))).Append('\n'); break;
                case 11: text.Append("input ").Append(DescribeValue(graph.Message(wire, "input"))).Append('\n'); break;
                case 12: text.Append("output ").Append(DescribeValue(graph.Message(wire, "output"))).Append('\n'); break;
                default: graph.Skip(wire); text.Append("graph field ").Append(field).Append('\n'); break;
            }
        }
    }

    private static string DescribeNode(ProtoReader node)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new List<string>();
        string op = string.Empty, name = string.Empty;
        while (!node.AtEnd)
        {
            (int field, int wire) = node.Tag();
            switch (field)
            {
                case 1: inputs.Add(node.String(wire)); break;
                case 2: outputs.Add(node.String(wire)); break;
                case 3: name = node.String(wire); break;
                case 4: op = node.String(wire); break;
                case 5: attributes.Add(DescribeAttribute(node.Message(wire, "attribute"))); break;
                default: node.Skip(wire); break;
            }
        }

        return $"{op} '{name}' ({string.Join(", ", inputs)}) -> {string.Join(", ", outputs)}{(attributes.Count > 0 ? " {" + string.Join("; ", attributes) + "}" : string.Empty)}";
    }

    private static string DescribeAttribute(ProtoReader attribute)
    {
        string name = string.Empty, value = string.Empty;
        var ints = new List<long>();
        long type = 0;
        while (!attribute.AtEnd)
        {
            (int field, int wire) = attribute.Tag();
            switch (field)
            {
                case 1: name = attribute.String(wire); break;
                case 2: value = attribute.Float(wire).ToString("R", CultureInfo.InvariantCulture); break;
                case 3: value = attribute.Int64(wire).ToString(CultureInfo.InvariantCulture); break;
                case 8: ints.Add(attribute.Int64(wire)); break;
                case 20: type = attribute.Int64(wire); break;
                default: attribute.Skip(wire); break;
            }
        }

        return $"{name}:{type}={(ints.Count > 0 ? "[" + string.Join(", ", ints) + "]" : value)}";
    }

    private static string DescribeTensor(ProtoReader tensor)
    {
        var dims = new List<long>();
        string name = string.Empty;
        long type = 0, bytes = 0;
        while (!tensor.AtEnd)
        {
            (int field, int wire) = tensor.Tag();
            switch (field)
            {
                case 1: dims.Add(tensor.Int64(wire)); break;
                case 2: type = tensor.Int64(wire); break;
                case 8: name = tensor.String(wire); break;
                case 9: bytes = tensor.Bytes(wire).Length; break;
                default: tensor.Skip(wire); break;
            }
        }

        return $"{name} type {type} [{string.Join("×", dims)}] raw {bytes} bytes";
    }

    private static string DescribeValue(ProtoReader value)
    {
        string name = string.Empty;
        var dims = new List<string>();
        long type = 0;
        while (!value.AtEnd)
        {
            (int field, int wire) = value.Tag();
            if (field == 1)
            {
                name = value.String(wire);
                continue;
            }

            if (field != 2)
            {
                value.Skip(wire);
                continue;
            }

            var typeProto = value.Message(wire, "type");
            while (!typeProto.AtEnd)
            {
                (int f, int w) = typeProto.Tag();
                if (f != 1)
                {
                    typeProto.Skip(w);
                    continue;
                }

                var tensorType = typeProto.Message(w, "tensor type");
                while (!tensorType.AtEnd)
                {
                    (int tf, int tw) = tensorType.Tag();
                    if (tf == 1)
                    {
                        type = tensorType.Int64(tw);
                    }
                    else if (tf == 2)
                    {
                        var shape = tensorType.Message(tw, "shape");
                        while (!shape.AtEnd)
                        {
                            (int sf, int sw) = shape.Tag();
                            var dim = shape.Message(sw, "dim");
                            while (!dim.AtEnd)
                            {
                                (int df, int dw) = dim.Tag();
                                dims.Add(df == 1 ? dim.Int64(dw).ToString(CultureInfo.InvariantCulture) : dim.String(dw));
                            }
                        }
                    }
                    else
                    {
                        tensorType.Skip(tw);
                    }
                }
            }
        }

        return $"{name} type {type} [{string.Join(", ", dims)}]";
    }

    private static string TensorName(ReadOnlySpan<byte> tensor)
    {
        var reader = new ProtoReader(tensor, "tensor");
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.Tag();
            if (field == 8)
            {
                return reader.String(wire);
            }

            reader.Skip(wire);
        }

        return string.Empty;
    }

    private static void CopyField(ref ProtoReader reader, ProtoWriter writer, int field, int wire)
    {
        switch (wire)
        {
            case ProtoReader.Varint: writer.Int(field, reader.Int64(wire)); break;
            case ProtoReader.LengthDelimited: writer.Bytes(field, reader.Bytes(wire)); break;
            case ProtoReader.Fixed32: writer.Float(field, reader.Float(wire)); break;
            default: throw new InvalidOperationException($"wire type {wire}");
        }
    }
}
