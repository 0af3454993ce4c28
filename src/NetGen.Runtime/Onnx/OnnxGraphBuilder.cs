using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Numerics;
using NetGen.OnnxFormat;

namespace NetGen
{
    /// <summary>
    /// Builds the ONNX inference graph of one network, layer by layer: the generated <c>ExportOnnx</c> calls one method
    /// per layer with constant sizes, then <see cref="Save(Stream)"/>. Each method checks its sizes against the shape
    /// the previous layers produced, so a graph that does not fit together is never written.
    /// </summary>
    /// <remarks>
    /// Values are named after the layers (<c>Dense1</c>, <c>ReLU2</c>), initializers after the layer and tensor
    /// (<c>Dense1.W</c>, <c>BatchNorm2.running_mean</c>). The graph's input has the network's input shape with a
    /// symbolic batch dimension <c>N</c>; the last layer's value is renamed to the output name.
    /// </remarks>
    /// <typeparam name="T">The network's number type, <see cref="float"/> or <see cref="double"/>.</typeparam>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class OnnxGraphBuilder<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The <c>metadata_props</c> key under which the network's architecture string is stored.</summary>
        public const string ArchitectureKey = "netgen.architecture";

        private static readonly string s_version = typeof(OnnxGraphBuilder<T>).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

        private readonly string _graphName;
        private readonly string _architecture;
        private readonly OnnxExportOptions _options;
        private readonly int[] _inputShape;
        private readonly List<NodeEntry> _nodes = new();
        private readonly List<ProtoWriter> _initializers = new();
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);
        private string _current;
        private int[] _shape;

        /// <summary>Starts the graph of a network whose samples have <paramref name="inputShape"/>.</summary>
        /// <param name="graphName">The graph's name: the network's class.</param>
        /// <param name="architecture">The architecture string, stored in <c>metadata_props</c>.</param>
        /// <param name="options">The export options, or <see langword="null"/> for <see cref="OnnxExportOptions.Default"/>.</param>
        /// <param name="inputShape">One sample's shape: <c>[features]</c>, <c>[C, L]</c> or <c>[C, H, W]</c>.</param>
        /// <exception cref="ArgumentException">An option is out of range.</exception>
        public OnnxGraphBuilder(string graphName, string architecture, OnnxExportOptions? options, params int[] inputShape)
        {
            ArgumentNullException.ThrowIfNull(graphName);
            ArgumentNullException.ThrowIfNull(architecture);
            ArgumentNullException.ThrowIfNull(inputShape);
            _options = options ?? OnnxExportOptions.Default;
            _options.Validate();
            if (inputShape.Length == 0 || Array.Exists(inputShape, d => d < 1))
            {
                throw new ArgumentException($"An input shape needs at least one dimension, each ≥ 1, but is [{Dims(inputShape)}].", nameof(inputShape));
            }

            _graphName = graphName;
            _architecture = architecture;
            _inputShape = (int[])inputShape.Clone();
            _shape = _inputShape;
            _current = _options.InputName;
            _names.Add(_options.InputName);
            _names.Add(_options.OutputName);
        }

        /// <summary>The options in use.</summary>
        public OnnxExportOptions Options => _options;

        /// <summary>Dense: <c>Gemm(X, W, b, transB = 1)</c> = X · Wᵀ + b; without a bias <c>MatMul(X, Wᵀ)</c>, Wᵀ stored as <c>[in × out]</c>.</summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="weights"><c>W [outputs × inputs]</c>, row-major.</param>
        /// <param name="bias"><c>b [outputs]</c>, or empty for a layer without bias.</param>
        /// <param name="inputs">Input features.</param>
        /// <param name="outputs">Output features.</param>
        public void Dense(string layer, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, int inputs, int outputs)
        {
            ExpectFlat(layer, inputs);
            ExpectLength(layer, "W", weights.Length, (long)inputs * outputs);
            if (bias.IsEmpty)
            {
                var transposed = new T[weights.Length];
                for (int o = 0; o < outputs; o++)
                {
                    for (int i = 0; i < inputs; i++)
                    {
                        transposed[(i * outputs) + o] = weights[(o * inputs) + i];
                    }
                }

                string w = Initializer(layer, "W", transposed, inputs, outputs);
                Add("MatMul", layer, new[] { _current, w }, new[] { outputs });
                return;
            }

            ExpectLength(layer, "b", bias.Length, outputs);
            string weightName = Initializer(layer, "W", weights, outputs, inputs);
            string biasName = Initializer(layer, "b", bias, outputs);
            Add("Gemm", layer, new[] { _current, weightName, biasName }, new[] { outputs }, Attribute.Int("transB", 1));
        }

        /// <summary>
        /// Maxout: <c>Gemm</c> into <c>Z [N × units·pieces]</c>, <c>Reshape</c> to <c>[N, units, pieces]</c>, then
        /// <c>ReduceMax</c> over the pieces (row <c>u·pieces + k</c> of W is piece k of unit u).
        /// </summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="weights"><c>W [(units·pieces) × inputs]</c>.</param>
        /// <param name="bias"><c>b [units·pieces]</c>.</param>
        /// <param name="inputs">Input features.</param>
        /// <param name="units">Output units.</param>
        /// <param name="pieces">Affine pieces per unit.</param>
        public void Maxout(string layer, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, int inputs, int units, int pieces)
        {
            ExpectFlat(layer, inputs);
            int rows = units * pieces;
            ExpectLength(layer, "W", weights.Length, (long)rows * inputs);
            ExpectLength(layer, "b", bias.Length, rows);
            string weightName = Initializer(layer, "W", weights, rows, inputs);
            string biasName = Initializer(layer, "b", bias, rows);
            Node("Gemm", layer + ".z", new[] { _current, weightName, biasName }, new[] { rows }, Attribute.Int("transB", 1));
            string shape = Int64Initializer(layer, "shape", 0, units, pieces);
            Node("Reshape", layer + ".pieces", new[] { _current, shape }, new[] { units, pieces });
            if (_options.Opset >= 18)
            {
                // Opset 18 moved ReduceMax's axes from an attribute to an input.
                string axes = Int64Initializer(layer, "axes", 2);
                Node("ReduceMax", layer, new[] { _current, axes }, new[] { units }, Attribute.Int("keepdims", 0));
            }
            else
            {
                Node("ReduceMax", layer, new[] { _current }, new[] { units }, Attribute.Ints("axes", 2), Attribute.Int("keepdims", 0));
            }
        }

        /// <summary>BatchNorm in inference: <c>BatchNormalization(X, γ, β, running mean, running variance)</c>, <c>training_mode</c> 0.</summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="gamma">γ, one per feature (channel).</param>
        /// <param name="beta">β.</param>
        /// <param name="runningMean">The running mean.</param>
        /// <param name="runningVariance">The running variance.</param>
        /// <param name="features">Features, or channels after a convolution.</param>
        /// <param name="epsilon">The layer's ε.</param>
        public void BatchNorm(string layer, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVariance, int features, double epsilon)
        {
            if (_shape[0] != features)
            {
                throw Misfit(layer, $"normalizes {features} features (channels)");
            }

            ExpectLength(layer, "γ", gamma.Length, features);
            ExpectLength(layer, "β", beta.Length, features);
            ExpectLength(layer, "running mean", runningMean.Length, features);
            ExpectLength(layer, "running variance", runningVariance.Length, features);
            string[] inputs =
            {
                _current,
                Initializer(layer, "gamma", gamma, features),
                Initializer(layer, "beta", beta, features),
                Initializer(layer, "running_mean", runningMean, features),
                Initializer(layer, "running_var", runningVariance, features),
            };
            Add("BatchNormalization", layer, inputs, _shape, Attribute.Float("epsilon", (float)epsilon), Attribute.Int("training_mode", 0));
        }

        /// <summary>ReLU: <c>Relu</c>.</summary>
        /// <param name="layer">The layer's name.</param>
        public void ReLU(string layer) => Add("Relu", layer, new[] { _current }, _shape);

        /// <summary>LeakyReLU: <c>LeakyRelu(alpha)</c>.</summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="alpha">The slope for negative inputs.</param>
        public void LeakyReLU(string layer, double alpha)
        {
            Add("LeakyRelu", layer, new[] { _current }, _shape, Attribute.Float("alpha", (float)alpha));
        }

        /// <summary>ELU: <c>Elu(alpha)</c>.</summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="alpha">The saturation value for negative inputs.</param>
        public void ELU(string layer, double alpha)
        {
            RequireFloatKernel(layer, "Elu");
            Add("Elu", layer, new[] { _current }, _shape, Attribute.Float("alpha", (float)alpha));
        }

        /// <summary>
        /// PReLU: <c>PRelu(X, slope)</c>, the slope in the sample's shape (one α per unit, <c>[C, H, W]</c> after a
        /// convolution), or <c>[1]</c> when shared.
        /// </summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="alpha">α: one per unit, or one.</param>
        /// <param name="shared">Whether one α serves every unit.</param>
        public void PReLU(string layer, ReadOnlySpan<T> alpha, bool shared)
        {
            int units = Product(_shape);
            ExpectLength(layer, "α", alpha.Length, shared ? 1 : units);
            string slope = shared ? Initializer(layer, "alpha", alpha, 1) : Initializer(layer, "alpha", alpha, _shape);
            Add("PRelu", layer, new[] { _current, slope }, _shape);
        }

        /// <summary>Sigmoid: <c>Sigmoid</c>.</summary>
        /// <param name="layer">The layer's name.</param>
        public void Sigmoid(string layer) => Add("Sigmoid", layer, new[] { _current }, _shape);

        /// <summary>Tanh: <c>Tanh</c>.</summary>
        /// <param name="layer">The layer's name.</param>
        public void Tanh(string layer) => Add("Tanh", layer, new[] { _current }, _shape);

        /// <summary>Softmax over each sample's features: <c>Softmax(axis = 1)</c>.</summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="features">The classes.</param>
        public void Softmax(string layer, int features)
        {
            ExpectFlat(layer, features);
            Add("Softmax", layer, new[] { _current }, _shape, Attribute.Int("axis", 1));
        }

        /// <summary>Flatten: <c>Flatten(axis = 1)</c>, <c>[N, …] → [N, product]</c>.</summary>
        /// <param name="layer">The layer's name.</param>
        public void Flatten(string layer) => Add("Flatten", layer, new[] { _current }, new[] { Product(_shape) }, Attribute.Int("axis", 1));

        /// <summary>Conv2D: <c>Conv(X, W, b)</c> with a square kernel, equal strides and zero padding on every side.</summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="weights"><c>W [filters × channels × kernel × kernel]</c>.</param>
        /// <param name="bias"><c>b [filters]</c>.</param>
        /// <param name="channels">Input channels.</param>
        /// <param name="filters">Output channels.</param>
        /// <param name="kernel">The kernel's side.</param>
        /// <param name="stride">The stride in both directions.</param>
        /// <param name="padding">Zeros added on each side.</param>
        public void Conv2D(string layer, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, int channels, int filters, int kernel, int stride, int padding)
        {
            RequireFloatKernel(layer, "Conv");
            ExpectMap(layer, channels, 3);
            ExpectLength(layer, "W", weights.Length, (long)filters * channels * kernel * kernel);
            ExpectLength(layer, "b", bias.Length, filters);
            int height = Window(_shape[1], kernel, stride, padding), width = Window(_shape[2], kernel, stride, padding);
            string[] inputs = { _current, Initializer(layer, "W", weights, filters, channels, kernel, kernel), Initializer(layer, "b", bias, filters) };
            Add("Conv", layer, inputs, new[] { filters, height, width },
                Attribute.Ints("kernel_shape", kernel, kernel), Attribute.Ints("strides", stride, stride), Attribute.Ints("pads", padding, padding, padding, padding));
        }

        /// <summary>Conv1D: <c>Conv(X, W, b)</c> over <c>[N, C, L]</c>.</summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="weights"><c>W [filters × channels × kernel]</c>.</param>
        /// <param name="bias"><c>b [filters]</c>.</param>
        /// <param name="channels">Input channels.</param>
        /// <param name="filters">Output channels.</param>
        /// <param name="kernel">The kernel's length.</param>
        /// <param name="stride">The stride.</param>
        /// <param name="padding">Zeros added at each end.</param>
        public void Conv1D(string layer, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, int channels, int filters, int kernel, int stride, int padding)
        {
            RequireFloatKernel(layer, "Conv");
            ExpectMap(layer, channels, 2);
            ExpectLength(layer, "W", weights.Length, (long)filters * channels * kernel);
            ExpectLength(layer, "b", bias.Length, filters);
            int length = Window(_shape[1], kernel, stride, padding);
            string[] inputs = { _current, Initializer(layer, "W", weights, filters, channels, kernel), Initializer(layer, "b", bias, filters) };
            Add("Conv", layer, inputs, new[] { filters, length },
                Attribute.Ints("kernel_shape", kernel), Attribute.Ints("strides", stride), Attribute.Ints("pads", padding, padding));
        }

        /// <summary>MaxPool2D: <c>MaxPool</c> with a square window, no padding, floor rounding.</summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="channels">Channels.</param>
        /// <param name="size">The window's side.</param>
        /// <param name="stride">The stride.</param>
        public void MaxPool2D(string layer, int channels, int size, int stride)
        {
            ExpectMap(layer, channels, 3);
            int height = Window(_shape[1], size, stride, 0), width = Window(_shape[2], size, stride, 0);
            Add("MaxPool", layer, new[] { _current }, new[] { channels, height, width }, Attribute.Ints("kernel_shape", size, size), Attribute.Ints("strides", stride, stride));
        }

        /// <summary>MaxPool1D: <c>MaxPool</c> over <c>[N, C, L]</c>.</summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="channels">Channels.</param>
        /// <param name="size">The window's length.</param>
        /// <param name="stride">The stride.</param>
        public void MaxPool1D(string layer, int channels, int size, int stride)
        {
            ExpectMap(layer, channels, 2);
            int length = Window(_shape[1], size, stride, 0);
            Add("MaxPool", layer, new[] { _current }, new[] { channels, length }, Attribute.Ints("kernel_shape", size), Attribute.Ints("strides", stride));
        }

        /// <summary>
        /// AvgPool2D: <c>AveragePool</c> with a square window, equal strides, <c>pads</c> on every side and
        /// <c>count_include_pad = 0</c> (padding not counted in the means, as NetGen's kernel), floor rounding.
        /// </summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="channels">Channels.</param>
        /// <param name="size">The window's side.</param>
        /// <param name="stride">The stride.</param>
        /// <param name="padding">The padding on each side, less than <paramref name="size"/>.</param>
        /// <exception cref="NotSupportedException">The graph is Float64: ONNX Runtime's CPU provider has no double AveragePool.</exception>
        public void AvgPool2D(string layer, int channels, int size, int stride, int padding)
        {
            RequireFloatKernel(layer, "AveragePool");
            ExpectMap(layer, channels, 3);
            ExpectPoolPadding(layer, size, padding);
            int height = Window(_shape[1], size, stride, padding), width = Window(_shape[2], size, stride, padding);
            Add("AveragePool", layer, new[] { _current }, new[] { channels, height, width },
                Attribute.Ints("kernel_shape", size, size), Attribute.Ints("strides", stride, stride), Attribute.Ints("pads", padding, padding, padding, padding), Attribute.Int("count_include_pad", 0));
        }

        /// <summary>AvgPool1D: <c>AveragePool</c> over <c>[N, C, L]</c> with <c>count_include_pad = 0</c>.</summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="channels">Channels.</param>
        /// <param name="size">The window's length.</param>
        /// <param name="stride">The stride.</param>
        /// <param name="padding">The padding at each end, less than <paramref name="size"/>.</param>
        /// <exception cref="NotSupportedException">The graph is Float64: ONNX Runtime's CPU provider has no double AveragePool.</exception>
        public void AvgPool1D(string layer, int channels, int size, int stride, int padding)
        {
            RequireFloatKernel(layer, "AveragePool");
            ExpectMap(layer, channels, 2);
            ExpectPoolPadding(layer, size, padding);
            int length = Window(_shape[1], size, stride, padding);
            Add("AveragePool", layer, new[] { _current }, new[] { channels, length },
                Attribute.Ints("kernel_shape", size), Attribute.Ints("strides", stride), Attribute.Ints("pads", padding, padding), Attribute.Int("count_include_pad", 0));
        }

        /// <summary>
        /// GlobalAvgPool: <c>GlobalAveragePool</c> (<c>[N, C, H, W] → [N, C, 1, 1]</c>, or <c>[N, C, L] → [N, C, 1]</c>), then
        /// <c>Flatten(axis = 1)</c> to <c>[N, C]</c>, the layer's vector output. The pooled value is named
        /// <c>{layer}.pooled</c>.
        /// </summary>
        /// <param name="layer">The layer's name.</param>
        /// <param name="channels">Channels.</param>
        /// <exception cref="NotSupportedException">The graph is Float64: ONNX Runtime's CPU provider has no double GlobalAveragePool.</exception>
        public void GlobalAvgPool(string layer, int channels)
        {
            RequireFloatKernel(layer, "GlobalAveragePool");
            if (_shape.Length is not (2 or 3) || _shape[0] != channels)
            {
                throw Misfit(layer, $"expects a 2-D or 3-D map of {channels} channels");
            }

            int[] pooled = _shape.Length == 3 ? new[] { channels, 1, 1 } : new[] { channels, 1 };
            Node("GlobalAveragePool", layer + ".pooled", new[] { _current }, pooled);
            Add("Flatten", layer, new[] { _current }, new[] { channels }, Attribute.Int("axis", 1));
        }

        /// <summary>The encoded <c>ModelProto</c>.</summary>
        public byte[] ToBytes()
        {
            string output = _options.OutputName;
            var nodes = new List<NodeEntry>(_nodes);
            if (nodes.Count == 0)
            {
                // Every layer was left out (Dropout only): the output is the input.
                nodes.Add(new NodeEntry("Identity", "identity", new[] { _current }, output, Array.Empty<ProtoWriter>()));
            }
            else
            {
                NodeEntry last = nodes[^1];
                nodes[^1] = last with { Output = output };
            }

            var graph = new ProtoWriter();
            foreach (NodeEntry node in nodes)
            {
                graph.Message(1, node.Encode());
            }

            graph.String(2, _graphName);
            foreach (ProtoWriter initializer in _initializers)
            {
                graph.Message(5, initializer);
            }

            graph.String(10, $"The inference graph of {_graphName}: {_architecture}");
            graph.Message(11, ValueInfo(_options.InputName, _inputShape));
            graph.Message(12, ValueInfo(output, _shape));

            var model = new ProtoWriter();
            model.Int(1, _options.EffectiveIrVersion);
            model.String(2, "NetGen");
            model.String(3, s_version);
            model.Message(7, graph);
            var opset = new ProtoWriter();
            opset.String(1, string.Empty);
            opset.Int(2, _options.Opset);
            model.Message(8, opset);
            var architecture = new ProtoWriter();
            architecture.String(1, ArchitectureKey);
            architecture.String(2, _architecture);
            model.Message(14, architecture);
            return model.Written.ToArray();
        }

        /// <summary>Writes the model to <paramref name="destination"/>.</summary>
        /// <param name="destination">A writable stream.</param>
        public void Save(Stream destination)
        {
            ArgumentNullException.ThrowIfNull(destination);
            destination.Write(ToBytes());
        }

        /// <summary>
        /// Writes the model to <paramref name="path"/> atomically, as checkpoints are written: a temporary file beside it,
        /// flushed, then moved over it; a read-only target is refused and a replaced file keeps its permissions.
        /// </summary>
        /// <param name="path">The file to write.</param>
        public void Save(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            NetGen.Checkpoints.ModelFile.WriteAtomically(path, ToBytes(), "ONNX model", ".onnx");
        }

        /// <summary>Adds a node whose output, named after the layer, becomes the current value.</summary>
        private void Add(string op, string layer, string[] inputs, int[] shape, params Attribute[] attributes) => Node(op, layer, inputs, shape, attributes);

        /// <summary>Adds a node named after its output <paramref name="value"/> and makes that the current value.</summary>
        private void Node(string op, string value, string[] inputs, int[] shape, params Attribute[] attributes)
        {
            Claim(value);
            var encoded = new ProtoWriter[attributes.Length];
            for (int i = 0; i < attributes.Length; i++)
            {
                encoded[i] = attributes[i].Encode();
            }

            _nodes.Add(new NodeEntry(op, value, inputs, value, encoded));
            _current = value;
            _shape = shape;
        }

        private string Initializer(string layer, string tensor, ReadOnlySpan<T> values, params int[] dims)
        {
            string name = Claim(layer + "." + tensor);
            bool wide = _options.ElementType == OnnxElementType.Float64;
            var message = new ProtoWriter();
            message.RepeatedInts(1, Longs(dims));
            message.Int(2, ElementTypeCode());
            message.String(8, name);
            int width = wide ? 8 : 4;
            var raw = new byte[values.Length * width];
            for (int i = 0; i < values.Length; i++)
            {
                if (wide)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(raw.AsSpan(i * 8), double.CreateChecked(values[i]));
                }
                else
                {
                    BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), float.CreateChecked(values[i]));
                }
            }

            message.Bytes(9, raw);
            _initializers.Add(message);
            return name;
        }

        private string Int64Initializer(string layer, string tensor, params long[] values)
        {
            string name = Claim(layer + "." + tensor);
            var message = new ProtoWriter();
            message.Int(1, values.Length);
            message.Int(2, 7); // INT64
            message.String(8, name);
            var raw = new byte[values.Length * 8];
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
            }

            message.Bytes(9, raw);
            _initializers.Add(message);
            return name;
        }

        private ProtoWriter ValueInfo(string name, int[] sampleShape)
        {
            var shape = new ProtoWriter();
            var batch = new ProtoWriter();
            batch.String(2, "N");
            shape.Message(1, batch);
            foreach (int dimension in sampleShape)
            {
                var dim = new ProtoWriter();
                dim.Int(1, dimension);
                shape.Message(1, dim);
            }

            var tensor = new ProtoWriter();
            tensor.Int(1, ElementTypeCode());
            tensor.Message(2, shape);
            var type = new ProtoWriter();
            type.Message(1, tensor);
            var info = new ProtoWriter();
            info.String(1, name);
            info.Message(2, type);
            return info;
        }

        private int ElementTypeCode() => (int)_options.ElementType;

        /// <summary>Reserves a value or initializer name; a clash (an input or output name equal to a layer's) is an error.</summary>
        private string Claim(string name)
        {
            if (!_names.Add(name))
            {
                throw new ArgumentException($"The ONNX graph would have two values named '{name}': choose input and output names that no layer (or tensor such as 'Dense1.W') uses.");
            }

            return name;
        }

        private void RequireFloatKernel(string layer, string op)
        {
            if (_options.ElementType == OnnxElementType.Float64)
            {
                throw new NotSupportedException($"Layer {layer} becomes the ONNX op {op}, which has no float64 (double) kernel in ONNX Runtime's CPU provider, so a Float64 graph of this network would not run. Export it as Float32 (the default: OnnxExportOptions.ElementType = OnnxElementType.Float32).");
            }
        }

        private void ExpectFlat(string layer, int features)
        {
            if (_shape.Length != 1 || _shape[0] != features)
            {
                throw Misfit(layer, $"expects {features} features");
            }
        }

        private void ExpectMap(string layer, int channels, int rank)
        {
            if (_shape.Length != rank || _shape[0] != channels)
            {
                throw Misfit(layer, $"expects a {rank}-D map of {channels} channels");
            }
        }

        private static void ExpectPoolPadding(string layer, int size, int padding)
        {
            if (padding < 0 || padding >= size)
            {
                throw new ArgumentException(Invariant($"Layer {layer}: padding {padding} must be in [0, {size}) so that every window holds an input."));
            }
        }

        private static void ExpectLength(string layer, string tensor, int actual, long expected)
        {
            if (actual != expected)
            {
                throw new ArgumentException(Invariant($"Layer {layer}: {tensor} has {actual} values but the layer needs {expected}."));
            }
        }

        private InvalidOperationException Misfit(string layer, string expectation) =>
            new(Invariant($"Layer {layer} {expectation}, but the graph so far produces [{Dims(_shape)}] per sample."));

        private static int Window(int length, int window, int stride, int padding)
        {
            int span = length + (2 * padding) - window;
            if (span < 0 || stride < 1)
            {
                throw new ArgumentException(Invariant($"A window of {window} with stride {stride} and padding {padding} does not fit a length of {length}."));
            }

            return (span / stride) + 1;
        }

        private static long[] Longs(int[] values) => Array.ConvertAll(values, v => (long)v);

        private static int Product(int[] shape)
        {
            int product = 1;
            foreach (int dimension in shape)
            {
                product *= dimension;
            }

            return product;
        }

        private static string Dims(int[] shape) => string.Join("×", shape);

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

        private sealed record NodeEntry(string Op, string Name, string[] Inputs, string Output, ProtoWriter[] Attributes)
        {
            public ProtoWriter Encode()
            {
                var node = new ProtoWriter();
                foreach (string input in Inputs)
                {
                    node.String(1, input);
                }

                node.String(2, Output);
                node.String(3, Name);
                node.String(4, Op);
                foreach (ProtoWriter attribute in Attributes)
                {
                    node.Message(5, attribute);
                }

                return node;
            }
        }

        /// <summary>An <c>AttributeProto</c> of type FLOAT (1), INT (2) or INTS (7).</summary>
        private readonly struct Attribute
        {
            private readonly string _name;
            private readonly int _type;
            private readonly float _float;
            private readonly long[] _ints;

            private Attribute(string name, int type, float value, long[] ints)
            {
                _name = name;
                _type = type;
                _float = value;
                _ints = ints;
            }

            public static Attribute Float(string name, float value) => new(name, 1, value, Array.Empty<long>());

            public static Attribute Int(string name, long value) => new(name, 2, 0, new[] { value });

            public static Attribute Ints(string name, params long[] values) => new(name, 7, 0, values);

            public ProtoWriter Encode()
            {
                var attribute = new ProtoWriter();
                attribute.String(1, _name);
                switch (_type)
                {
                    case 1:
                        attribute.Float(2, _float);
                        break;
                    case 2:
                        attribute.Int(3, _ints[0]);
                        break;
                    default:
                        attribute.RepeatedInts(8, _ints);
                        break;
                }

                attribute.Int(20, _type);
                return attribute;
            }
        }
    }
}
