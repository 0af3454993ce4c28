using System;
using System.Collections.Generic;
using System.Globalization;

namespace NetGen.OnnxFormat
{
    /// <summary>A tensor as the file holds it: name, dims, element type and values (raw little-endian or typed lists).</summary>
    internal sealed class OnnxTensor
    {
        public string Name { get; set; } = string.Empty;

        public List<long> Dims { get; } = new();

        public int DataType { get; set; }

        public byte[]? Raw { get; set; }

        public List<float> Floats { get; } = new();

        public List<double> Doubles { get; } = new();

        public bool External { get; set; }

        public string Shape => string.Join("×", Dims);

        /// <summary>The number of values the dims describe, or −1 when it does not fit an <see cref="int"/>.</summary>
        public long Count
        {
            get
            {
                long count = 1;
                foreach (long dimension in Dims)
                {
                    count *= dimension;
                    if (count > int.MaxValue)
                    {
                        return -1;
                    }
                }

                return count;
            }
        }
    }

    /// <summary>An attribute of a node; only the parts <c>LoadWeights</c> reads.</summary>
    internal sealed class OnnxAttribute
    {
        public long? Int { get; set; }

        public float? Float { get; set; }

        public List<long> Ints { get; } = new();

        public OnnxTensor? Tensor { get; set; }
    }

    internal sealed class OnnxNode
    {
        public string Op { get; set; } = string.Empty;

        public string Name { get; set; } = string.Empty;

        public string Domain { get; set; } = string.Empty;

        public List<string> Inputs { get; } = new();

        public List<string> Outputs { get; } = new();

        public Dictionary<string, OnnxAttribute> Attributes { get; } = new(StringComparer.Ordinal);

        /// <summary>The node in messages: <c>Gemm node 'fc1'</c> (or its first output when unnamed).</summary>
        public string Describe => $"{Op} node '{(Name.Length > 0 ? Name : Outputs.Count > 0 ? Outputs[0] : "?")}'";
    }

    internal sealed class OnnxGraph
    {
        public List<OnnxNode> Nodes { get; } = new();

        public Dictionary<string, OnnxTensor> Initializers { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// Decodes the parts of a <c>ModelProto</c> that hold weights: the graph's nodes (op, inputs, outputs, attributes)
    /// and initializers. Everything else is skipped. Field numbers are those of onnx.proto.
    /// </summary>
    internal static class OnnxModelReader
    {
        public static OnnxGraph Read(ReadOnlySpan<byte> bytes)
        {
            var model = new ProtoReader(bytes, "the model");
            OnnxGraph? graph = null;
            while (!model.AtEnd)
            {
                (int field, int wire) = model.Tag();
                if (field == 7)
                {
                    graph = ReadGraph(model.Message(wire, "the graph"));
                }
                else
                {
                    model.Skip(wire);
                }
            }

            return graph ?? throw new OnnxFormatError("the file has no graph: it is not an ONNX model (or it is empty)");
        }

        private static OnnxGraph ReadGraph(ProtoReader reader)
        {
            var graph = new OnnxGraph();
            while (!reader.AtEnd)
            {
                (int field, int wire) = reader.Tag();
                switch (field)
                {
                    case 1:
                        graph.Nodes.Add(ReadNode(reader.Message(wire, "a node")));
                        break;
                    case 5:
                        OnnxTensor tensor = ReadTensor(reader.Message(wire, "an initializer"));
                        graph.Initializers[tensor.Name] = tensor;
                        break;
                    default:
                        reader.Skip(wire);
                        break;
                }
            }

            return graph;
        }

        private static OnnxNode ReadNode(ProtoReader reader)
        {
            var node = new OnnxNode();
            while (!reader.AtEnd)
            {
                (int field, int wire) = reader.Tag();
                switch (field)
                {
                    case 1:
                        node.Inputs.Add(reader.String(wire));
                        break;
                    case 2:
                        node.Outputs.Add(reader.String(wire));
                        break;
                    case 3:
                        node.Name = reader.String(wire);
                        break;
                    case 4:
                        node.Op = reader.String(wire);
                        break;
                    case 5:
                        ReadAttribute(reader.Message(wire, "an attribute"), node);
                        break;
                    case 7:
                        node.Domain = reader.String(wire);
                        break;
                    default:
                        reader.Skip(wire);
                        break;
                }
            }

            return node;
        }

        private static void ReadAttribute(ProtoReader reader, OnnxNode node)
        {
            string name = string.Empty;
            var attribute = new OnnxAttribute();
            while (!reader.AtEnd)
            {
                (int field, int wire) = reader.Tag();
                switch (field)
                {
                    case 1:
                        name = reader.String(wire);
                        break;
                    case 2:
                        attribute.Float = reader.Float(wire);
                        break;
                    case 3:
                        attribute.Int = reader.Int64(wire);
                        break;
                    case 5:
                        attribute.Tensor = ReadTensor(reader.Message(wire, "a tensor attribute"));
                        break;
                    case 8:
                        ReadInts(ref reader, wire, attribute.Ints);
                        break;
                    default:
                        reader.Skip(wire);
                        break;
                }
            }

            node.Attributes[name] = attribute;
        }

        private static OnnxTensor ReadTensor(ProtoReader reader)
        {
            var tensor = new OnnxTensor();
            while (!reader.AtEnd)
            {
                (int field, int wire) = reader.Tag();
                switch (field)
                {
                    case 1:
                        ReadInts(ref reader, wire, tensor.Dims);
                        break;
                    case 2:
                        tensor.DataType = (int)reader.Int64(wire);
                        break;
                    case 4:
                        if (wire == ProtoReader.LengthDelimited)
                        {
                            var packed = new ProtoReader(reader.Bytes(wire), "float_data", reader.Position);
                            while (!packed.AtEnd)
                            {
                                tensor.Floats.Add(packed.Float(ProtoReader.Fixed32));
                            }
                        }
                        else
                        {
                            tensor.Floats.Add(reader.Float(wire));
                        }

                        break;
                    case 8:
                        tensor.Name = reader.String(wire);
                        break;
                    case 9:
                        tensor.Raw = reader.Bytes(wire).ToArray();
                        break;
                    case 10:
                        if (wire == ProtoReader.LengthDelimited)
                        {
                            var packed = new ProtoReader(reader.Bytes(wire), "double_data", reader.Position);
                            while (!packed.AtEnd)
                            {
                                tensor.Doubles.Add(packed.Double(ProtoReader.Fixed64));
                            }
                        }
                        else
                        {
                            tensor.Doubles.Add(reader.Double(wire));
                        }

                        break;
                    case 14:
                        tensor.External = reader.Int64(wire) == 1;
                        break;
                    default:
                        reader.Skip(wire);
                        break;
                }
            }

            foreach (long dimension in tensor.Dims)
            {
                if (dimension < 0)
                {
                    throw new OnnxFormatError(string.Create(CultureInfo.InvariantCulture, $"tensor '{tensor.Name}' has a negative dimension [{tensor.Shape}]"));
                }
            }

            return tensor;
        }

        /// <summary>A repeated <c>int64</c>, packed (one length-delimited value) or not (one field per value).</summary>
        private static void ReadInts(ref ProtoReader reader, int wire, List<long> values)
        {
            if (wire == ProtoReader.LengthDelimited)
            {
                var packed = new ProtoReader(reader.Bytes(wire), "a packed list", reader.Position);
                while (!packed.AtEnd)
                {
                    values.Add(packed.Int64(ProtoReader.Varint));
                }
            }
            else
            {
                values.Add(reader.Int64(wire));
            }
        }
    }
}
