using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using NetGen.OnnxFormat;

namespace NetGen
{
    /// <summary>
    /// Reads weights from ONNX files into a network. Writing is the generated <c>ExportOnnx</c> of each network (also
    /// on <see cref="INetwork{T}"/>).
    /// </summary>
    public static class Onnx
    {
        /// <summary>
        /// Copies the weights and BatchNorm running statistics of the ONNX model at <paramref name="path"/> into
        /// <paramref name="network"/>'s <see cref="INetwork{T}.Parameters"/> and <see cref="INetwork{T}.State"/>.
        /// </summary>
        /// <remarks>
        /// <para>The graph must have the network's layers with weights in the same order, as NetGen's own exports and
        /// PyTorch's exporter (without constant folding) write them:</para>
        /// <list type="bullet">
        /// <item>Dense and Maxout: <c>Gemm</c> (<c>transB</c> 0 or 1, <c>alpha</c> = <c>beta</c> = 1) or <c>MatMul</c>
        /// followed by an <c>Add</c> of the bias; a weight behind a 2-D <c>Transpose</c> is read transposed.</item>
        /// <item>Conv2D, Conv1D: <c>Conv</c> with <c>W [F × C × k (× k)]</c> and the bias.</item>
        /// <item>BatchNorm: <c>BatchNormalization</c>: scale γ, bias β, running mean, running variance.</item>
        /// <item>PReLU: <c>PRelu</c>, the slope with one value per unit (or one when shared); leading 1s are ignored.</item>
        /// </list>
        /// <para>Nodes without weights (activations, <c>MaxPool</c>, <c>AveragePool</c>, <c>GlobalAveragePool</c>,
        /// <c>Flatten</c>, <c>Reshape</c> …) are passed over: they match the network's layers without parameters.</para>
        /// <para>Weights may be initializers, <c>Constant</c> nodes or behind <c>Identity</c>, as FLOAT or DOUBLE.
        /// Every shape is checked against the network's layout and every value must be finite. On any error nothing
        /// in the network is changed.</para>
        /// </remarks>
        /// <exception cref="OnnxException">The file cannot be read, is malformed, or does not fit the network; the network is unchanged.</exception>
        public static void LoadWeights<T>(INetwork<T> network, string path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(path);
            LoadWeights(network, File.ReadAllBytes(path), Path.GetFileName(path));
        }

        /// <summary>Same as the path overload, reading the model from <paramref name="stream"/> (to its end).</summary>
        /// <exception cref="OnnxException">The data is malformed or does not fit the network; the network is unchanged.</exception>
        public static void LoadWeights<T>(INetwork<T> network, Stream stream, string sourceName = "stream")
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(stream);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            LoadWeights(network, copy.ToArray(), sourceName);
        }

        /// <summary>Same as the path overload, reading the model held in <paramref name="bytes"/>.</summary>
        /// <exception cref="OnnxException">The bytes are malformed or do not fit the network; the network is unchanged.</exception>
        public static void LoadWeights<T>(INetwork<T> network, ReadOnlySpan<byte> bytes, string sourceName = "ONNX model")
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(sourceName);
            OnnxGraph graph;
            try
            {
                graph = OnnxModelReader.Read(bytes);
            }
            catch (OnnxFormatError e)
            {
                throw new OnnxException(sourceName, e.Message);
            }

            T[] parameters = network.Parameters.ToArray();
            T[] state = network.State.ToArray();
            try
            {
                new Loader<T>(graph, network, parameters, state).Run();
            }
            catch (OnnxFormatError e)
            {
                throw new OnnxException(sourceName, e.Message);
            }

            // Everything is checked: from here on nothing can fail.
            parameters.CopyTo(network.Parameters);
            state.CopyTo(network.State);
        }

        /// <summary>A weight tensor as the graph gives it, with whether a <c>Transpose</c> stood in front of it.</summary>
        private readonly record struct Constant(OnnxTensor Tensor, bool Transposed);

        /// <summary>A node that carries weights, with its tensors resolved (null where the node has none).</summary>
        private sealed record Weighted(OnnxNode Node, string Op, Constant?[] Tensors, bool WeightIsInByOut);

        private sealed class Loader<T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            private readonly OnnxGraph _graph;
            private readonly INetwork<T> _network;
            private readonly T[] _parameters;
            private readonly T[] _state;
            private readonly Dictionary<string, OnnxNode> _producers = new(StringComparer.Ordinal);

            public Loader(OnnxGraph graph, INetwork<T> network, T[] parameters, T[] state)
            {
                _graph = graph;
                _network = network;
                _parameters = parameters;
                _state = state;
                foreach (OnnxNode node in graph.Nodes)
                {
                    foreach (string output in node.Outputs)
                    {
                        _producers.TryAdd(output, node);
                    }
                }
            }

            public void Run()
            {
                List<Weighted> found = FindWeightedNodes();
                int next = 0, stateOffset = 0;
                foreach (LayerView<T> layer in _network.Layers)
                {
                    string? op = ExpectedOp(layer);
                    if (op is null)
                    {
                        continue;
                    }

                    string who = $"layer {layer.Name} ({layer.Kind})";
                    if (next == found.Count)
                    {
                        string list = found.Count == 0 ? "none" : string.Join(", ", found.Select(f => f.Node.Describe));
                        throw new OnnxFormatError($"{who} has weights but the file's graph has no node left for it: its nodes with weights are {list}");
                    }

                    Weighted node = found[next++];
                    if (!Fits(op, node.Op))
                    {
                        throw new OnnxFormatError($"{who} expects a {op} node but the file's next node with weights is {node.Node.Describe}: the graph does not have the network's layers in the same order");
                    }

                    switch (layer.Kind)
                    {
                        case "Dense":
                        case "Maxout":
                            Affine(layer, who, node);
                            break;
                        case "Conv2D":
                        case "Conv1D":
                            Copy(layer, who, node, "W", node.Tensors[1], required: true);
                            Copy(layer, who, node, "b", node.Tensors[2], required: false);
                            break;
                        case "BatchNorm":
                            stateOffset = BatchNorm(layer, who, node, stateOffset);
                            break;
                        case "PReLU":
                            Slope(layer, who, node);
                            break;
                        default:
                            throw new InvalidOperationException($"{who} has weights but LoadWeights does not know the kind {layer.Kind}.");
                    }
                }

                if (next < found.Count)
                {
                    throw new OnnxFormatError($"the file's graph has more nodes with weights than the network has layers with weights: {found[next].Node.Describe} and {found.Count - next - 1} more are left over");
                }
            }

            /// <summary>The ONNX op a layer with weights reads from; null for a layer without.</summary>
            private static string? ExpectedOp(LayerView<T> layer) => layer.Kind switch
            {
                "Dense" or "Maxout" => "Gemm (or MatMul + Add)",
                "Conv2D" or "Conv1D" => "Conv",
                "BatchNorm" => "BatchNormalization",
                "PReLU" => "PRelu",
                _ when layer.ParameterCount == 0 => null,
                _ => throw new InvalidOperationException($"Layer {layer.Name} ({layer.Kind}) has weights but LoadWeights does not know its kind."),
            };

            private static bool Fits(string expected, string op) => expected switch
            {
                "Conv" or "BatchNormalization" or "PRelu" => op == expected,
                _ => op is "Gemm" or "MatMul",
            };

            /// <summary>The nodes that carry weights, in graph order, with their weight inputs resolved.</summary>
            private List<Weighted> FindWeightedNodes()
            {
                var found = new List<Weighted>();
                foreach (OnnxNode node in _graph.Nodes)
                {
                    if (node.Domain is not ("" or "ai.onnx"))
                    {
                        continue;
                    }

                    switch (node.Op)
                    {
                        case "Gemm":
                        {
                            if (Int(node, "transA", 0) != 0 || Float(node, "alpha", 1f) != 1f || Float(node, "beta", 1f) != 1f)
                            {
                                throw new OnnxFormatError($"{node.Describe} has transA, alpha or beta other than 0, 1, 1; only Y = X · B (+ C) can be read into a layer");
                            }

                            Constant weight = Resolve(node, 1);
                            Constant? bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? Resolve(node, 2) : null;
                            bool inByOut = Int(node, "transB", 0) == 0;
                            found.Add(new Weighted(node, "Gemm", new Constant?[] { null, weight, bias }, inByOut));
                            break;
                        }

                        case "MatMul":
                        {
                            if (!TryResolve(node.Inputs.Count > 1 ? node.Inputs[1] : string.Empty, out Constant weight))
                            {
                                continue; // a MatMul of two activations has no weights
                            }

                            // The bias is an Add of a constant to the MatMul's result, as PyTorch writes a Linear layer.
                            Constant? bias = null;
                            string product = node.Outputs.Count > 0 ? node.Outputs[0] : string.Empty;
                            OnnxNode? add = _graph.Nodes.FirstOrDefault(n => n.Op == "Add" && n.Inputs.Count == 2 && n.Inputs.Contains(product));
                            if (add is not null && TryResolve(add.Inputs[0] == product ? add.Inputs[1] : add.Inputs[0], out Constant b))
                            {
                                bias = b;
                            }

                            found.Add(new Weighted(node, "MatMul", new Constant?[] { null, weight, bias }, WeightIsInByOut: true));
                            break;
                        }

                        case "Conv":
                            if (Int(node, "group", 1) != 1)
                            {
                                throw new OnnxFormatError($"{node.Describe} is a grouped convolution (group {Int(node, "group", 1)}); NetGen's convolutions have group 1");
                            }

                            found.Add(new Weighted(node, "Conv", new Constant?[] { null, Resolve(node, 1), node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? Resolve(node, 2) : null }, false));
                            break;
                        case "BatchNormalization":
                            found.Add(new Weighted(node, "BatchNormalization", new Constant?[] { null, Resolve(node, 1), Resolve(node, 2), Resolve(node, 3), Resolve(node, 4) }, false));
                            break;
                        case "PRelu":
                            found.Add(new Weighted(node, "PRelu", new Constant?[] { null, Resolve(node, 1) }, false));
                            break;
                    }
                }

                return found;
            }

            private void Affine(LayerView<T> layer, string who, Weighted node)
            {
                ParameterView<T> w = layer["W"];
                Constant weight = node.Tensors[1]!.Value;
                // The layer's W is [out × in]; the file's is [out × in] unless a Gemm with transB 0 or a MatMul holds
                // [in × out], and a Transpose in front of it swaps that once more.
                bool transpose = node.WeightIsInByOut != weight.Transposed;
                OnnxTensor tensor = weight.Tensor;
                long[] dims = tensor.Dims.ToArray();
                long[] expected = w.Shape.Select(d => (long)d).ToArray();
                long[] asLayer = transpose ? Enumerable.Reverse(dims).ToArray() : dims;
                if (!asLayer.SequenceEqual(expected))
                {
                    string read = transpose ? $" (read as [out × in] = [{Dims(asLayer)}])" : string.Empty;
                    throw new OnnxFormatError($"{who}: W is [{Dims(expected)}] in the network but the file's {node.Node.Describe} has [{Dims(dims)}]{read}");
                }

                T[] values = Values(tensor, who, "W");
                Span<T> destination = _parameters.AsSpan(w.Offset, w.Length);
                if (transpose)
                {
                    int outputs = w.Shape[0], inputs = w.Shape[1];
                    for (int o = 0; o < outputs; o++)
                    {
                        for (int i = 0; i < inputs; i++)
                        {
                            destination[(o * inputs) + i] = values[(i * outputs) + o];
                        }
                    }
                }
                else
                {
                    values.CopyTo(destination);
                }

                Copy(layer, who, node, "b", node.Tensors[2], required: false);
            }

            private int BatchNorm(LayerView<T> layer, string who, Weighted node, int stateOffset)
            {
                Copy(layer, who, node, "γ", node.Tensors[1], required: true);
                Copy(layer, who, node, "β", node.Tensors[2], required: true);
                int features = layer["γ"].Length;
                if (stateOffset + (2L * features) > _state.Length)
                {
                    throw new InvalidOperationException(Invariant($"{who}: the network's State has {_state.Length} values, too few for the running statistics of its BatchNorm layers."));
                }

                CopyTo(who, node, "running mean", node.Tensors[3]!.Value.Tensor, new long[] { features }, _state.AsSpan(stateOffset, features));
                CopyTo(who, node, "running variance", node.Tensors[4]!.Value.Tensor, new long[] { features }, _state.AsSpan(stateOffset + features, features));
                return stateOffset + (2 * features);
            }

            private void Slope(LayerView<T> layer, string who, Weighted node)
            {
                ParameterView<T> alpha = layer["α"];
                OnnxTensor tensor = node.Tensors[1]!.Value.Tensor;
                // Leading 1s broadcast away: [1, 64] and [64] are the same slope.
                long[] file = tensor.Dims.SkipWhile(d => d == 1).ToArray();
                long[] expected = alpha.Length == 1 ? Array.Empty<long>() : layer.OutputShape.Select(d => (long)d).SkipWhile(d => d == 1).ToArray();
                if (!file.SequenceEqual(expected))
                {
                    string network = alpha.Length == 1 ? "1 (shared)" : $"[{Dims(layer.OutputShape.Select(d => (long)d).ToArray())}] (one per unit)";
                    throw new OnnxFormatError($"{who}: α is {network} in the network but the file's {node.Node.Describe} has a slope of [{tensor.Shape}]");
                }

                Values(tensor, who, "α").CopyTo(_parameters.AsSpan(alpha.Offset, alpha.Length));
            }

            /// <summary>Copies one tensor whose shape must equal the layer's tensor <paramref name="name"/>.</summary>
            private void Copy(LayerView<T> layer, string who, Weighted node, string name, Constant? source, bool required)
            {
                layer.TryGetTensor(name, out ParameterView<T>? target);
                if (target is null && source is null)
                {
                    return;
                }

                if (target is null)
                {
                    throw new OnnxFormatError($"{who} has no {name} but the file's {node.Node.Describe} has one, [{source!.Value.Tensor.Shape}] (a layer declared with Bias = false cannot take it)");
                }

                if (source is null)
                {
                    string what = required ? name : $"bias {name}";
                    throw new OnnxFormatError($"{who} has a {what} [{Dims(target.Shape.Select(d => (long)d).ToArray())}] but the file's {node.Node.Describe} has none (a missing tensor)");
                }

                CopyTo(who, node, name, source.Value.Tensor, target.Shape.Select(d => (long)d).ToArray(), _parameters.AsSpan(target.Offset, target.Length));
            }

            private static void CopyTo(string who, Weighted node, string name, OnnxTensor tensor, long[] shape, Span<T> destination)
            {
                if (!tensor.Dims.SequenceEqual(shape))
                {
                    throw new OnnxFormatError($"{who}: {name} is [{Dims(shape)}] in the network but the file's {node.Node.Describe} has [{tensor.Shape}]");
                }

                Values(tensor, who, name).CopyTo(destination);
            }

            /// <summary>The tensor's values as <typeparamref name="T"/>, after checking their count, type and finiteness.</summary>
            private static T[] Values(OnnxTensor tensor, string who, string name)
            {
                string what = $"{who}: {name} ('{tensor.Name}')";
                if (tensor.External)
                {
                    throw new OnnxFormatError($"{what} is stored outside the file (external data); save the model with its weights inside");
                }

                long count = tensor.Count;
                int width = tensor.DataType switch
                {
                    1 => 4,
                    11 => 8,
                    _ => throw new OnnxFormatError(Invariant($"{what} has element type {tensor.DataType}; weights must be FLOAT (1) or DOUBLE (11)")),
                };
                var values = new T[count];
                if (tensor.Raw is { } raw)
                {
                    if (raw.Length != count * width)
                    {
                        throw new OnnxFormatError(Invariant($"{what} is [{tensor.Shape}], {count} values, but holds {raw.Length} bytes of data instead of {count * width}"));
                    }

                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = width == 4
                            ? T.CreateChecked(BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(i * 4)))
                            : T.CreateChecked(BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(i * 8)));
                    }
                }
                else
                {
                    int held = width == 4 ? tensor.Floats.Count : tensor.Doubles.Count;
                    if (held != count)
                    {
                        throw new OnnxFormatError(Invariant($"{what} is [{tensor.Shape}], {count} values, but holds {held}"));
                    }

                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = width == 4 ? T.CreateChecked(tensor.Floats[i]) : T.CreateChecked(tensor.Doubles[i]);
                    }
                }

                for (int i = 0; i < values.Length; i++)
                {
                    if (!T.IsFinite(values[i]))
                    {
                        throw new OnnxFormatError(Invariant($"{what} value {i} is {values[i]}; weights must be finite"));
                    }
                }

                return values;
            }

            private Constant Resolve(OnnxNode node, int input)
            {
                string name = node.Inputs.Count > input ? node.Inputs[input] : string.Empty;
                if (name.Length == 0)
                {
                    throw new OnnxFormatError(Invariant($"{node.Describe} has no input {input}: a missing tensor"));
                }

                return TryResolve(name, out Constant constant)
                    ? constant
                    : throw new OnnxFormatError($"input '{name}' of {node.Describe} is neither an initializer nor a constant: a missing tensor");
            }

            /// <summary>Follows <paramref name="name"/> through Identity and 2-D Transpose nodes to an initializer or Constant.</summary>
            private bool TryResolve(string name, out Constant constant)
            {
                bool transposed = false;
                for (int depth = 0; depth < 16; depth++)
                {
                    if (_graph.Initializers.TryGetValue(name, out OnnxTensor? tensor))
                    {
                        constant = new Constant(tensor, transposed);
                        return true;
                    }

                    if (!_producers.TryGetValue(name, out OnnxNode? producer))
                    {
                        break;
                    }

                    switch (producer.Op)
                    {
                        case "Constant" when producer.Attributes.TryGetValue("value", out OnnxAttribute? value) && value.Tensor is { } held:
                            constant = new Constant(held, transposed);
                            return true;
                        case "Identity" when producer.Inputs.Count > 0:
                            name = producer.Inputs[0];
                            continue;
                        case "Transpose" when producer.Inputs.Count > 0 && IsSwap(producer):
                            transposed = !transposed;
                            name = producer.Inputs[0];
                            continue;
                    }

                    break;
                }

                constant = default;
                return false;
            }

            /// <summary>A Transpose that swaps two axes: perm [1, 0], or no perm (which reverses the axes of a matrix).</summary>
            private static bool IsSwap(OnnxNode transpose) =>
                !transpose.Attributes.TryGetValue("perm", out OnnxAttribute? perm) || perm.Ints.SequenceEqual(new long[] { 1, 0 });

            private static long Int(OnnxNode node, string name, long fallback) =>
                node.Attributes.TryGetValue(name, out OnnxAttribute? attribute) && attribute.Int is long value ? value : fallback;

            private static float Float(OnnxNode node, string name, float fallback) =>
                node.Attributes.TryGetValue(name, out OnnxAttribute? attribute) && attribute.Float is float value ? value : fallback;
        }

        private static string Dims(long[] shape) => string.Join("×", shape);

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>An ONNX file that cannot be read into a network; the network is unchanged.</summary>
    public sealed class OnnxException : IOException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="sourceName">The file (or stream) name.</param>
        /// <param name="problem">What is wrong.</param>
        public OnnxException(string sourceName, string problem)
            : base($"{sourceName}: {problem}.")
        {
            SourceName = sourceName;
        }

        /// <summary>The file (or stream) name.</summary>
        public string SourceName { get; }
    }
}
