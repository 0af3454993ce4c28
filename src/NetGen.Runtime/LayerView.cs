using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace NetGen
{
    /// <summary>
    /// One trainable tensor of a layer (<c>W</c>, <c>b</c>, <c>γ</c>, <c>β</c> or <c>α</c>): where it sits in the
    /// network's flat buffers and its shape.
    /// </summary>
    public sealed class ParameterView<T>
    {
        private readonly T[] _parameters;
        private readonly T[] _gradients;

        /// <summary>Creates a view of a tensor of the given <paramref name="shape"/> at <paramref name="offset"/> of both buffers.</summary>
        public ParameterView(string name, T[] parameters, T[] gradients, int offset, int[] shape)
        {
            int length = 1;
            foreach (int dimension in shape)
            {
                length *= dimension;
            }

            if (offset < 0 || offset + length > parameters.Length || parameters.Length != gradients.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), $"Parameter '{name}' [{string.Join("×", shape)}] at offset {offset} does not fit in a buffer of {parameters.Length} values.");
            }

            Name = name;
            _parameters = parameters;
            _gradients = gradients;
            Offset = offset;
            Shape = shape;
            Length = length;
        }

        /// <summary>The tensor's name: <c>W</c>, <c>b</c>, <c>γ</c>, <c>β</c> or <c>α</c>.</summary>
        public string Name { get; }

        /// <summary>Where the tensor starts in <see cref="INetwork{T}.Parameters"/>.</summary>
        public int Offset { get; }

        /// <summary>The tensor's shape, row-major.</summary>
        public IReadOnlyList<int> Shape { get; }

        /// <summary>The number of values.</summary>
        public int Length { get; }

        /// <summary>The values.</summary>
        public Span<T> Values => _parameters.AsSpan(Offset, Length);

        /// <summary>The gradient of the last training step.</summary>
        public Span<T> Gradients => _gradients.AsSpan(Offset, Length);

        /// <inheritdoc/>
        public override string ToString() => $"{Name} [{string.Join("×", Shape)}]";
    }

    /// <summary>A layer of a generated network, for inspection and tests.</summary>
    public sealed class LayerView<T>
    {
        /// <summary>Creates a layer view.</summary>
        public LayerView(int index, string name, string kind, int[] outputShape, ParameterView<T>[] parameters)
        {
            Index = index;
            Name = name;
            Kind = kind;
            OutputShape = outputShape;
            ParameterTensors = parameters;
            int count = 0;
            foreach (ParameterView<T> parameter in parameters)
            {
                count += parameter.Length;
            }

            ParameterCount = count;
        }

        /// <summary>The layer's position: 1 for the first layer after the input.</summary>
        public int Index { get; }

        /// <summary>The layer's name: its <c>Name</c>, or kind and position such as <c>Dense1</c>.</summary>
        public string Name { get; }

        /// <summary>The layer's kind: <c>Dense</c>, <c>BatchNorm</c>, <c>ReLU</c>, …</summary>
        public string Kind { get; }

        /// <summary>The shape of one sample's output.</summary>
        public IReadOnlyList<int> OutputShape { get; }

        /// <summary>The layer's trainable tensors, in their order in <see cref="INetwork{T}.Parameters"/>.</summary>
        public IReadOnlyList<ParameterView<T>> ParameterTensors { get; }

        /// <summary>The number of trainable values.</summary>
        public int ParameterCount { get; }

        /// <summary>The weights <c>W</c> (Dense, Maxout, convolutions), <c>γ</c> (BatchNorm) or <c>α</c> (PReLU); empty for other layers.</summary>
        public Span<T> Weights => First() is { } w ? w.Values : Span<T>.Empty;

        /// <summary>The gradient of <see cref="Weights"/>.</summary>
        public Span<T> WeightGradients => First() is { } w ? w.Gradients : Span<T>.Empty;

        /// <summary>The biases <c>b</c> (or BatchNorm's <c>β</c>); empty when the layer has none.</summary>
        public Span<T> Biases => Second() is { } b ? b.Values : Span<T>.Empty;

        /// <summary>The gradient of <see cref="Biases"/>.</summary>
        public Span<T> BiasGradients => Second() is { } b ? b.Gradients : Span<T>.Empty;

        /// <summary>
        /// The tensor called <paramref name="name"/>: its math name (<c>W</c>, <c>b</c>, <c>γ</c>, <c>β</c>, <c>α</c>) or an
        /// ASCII one as Keras and PyTorch spell them: <c>weights</c>/<c>weight</c>/<c>kernel</c> for <c>W</c>,
        /// <c>bias</c>/<c>biases</c> for <c>b</c>, <c>gamma</c>, <c>beta</c>, <c>alpha</c> (case-insensitive).
        /// </summary>
        /// <exception cref="KeyNotFoundException">The layer has no such tensor; the message lists the ones it has.</exception>
        public ParameterView<T> this[string name]
        {
            get
            {
                if (TryGetTensor(name, out ParameterView<T>? tensor))
                {
                    return tensor;
                }

                string names = ParameterTensors.Count == 0 ? "none: it has no trainable tensors" : string.Join(", ", NamesOf(ParameterTensors));
                throw new KeyNotFoundException($"Layer {Name} ({Kind}) has no tensor '{name}'. Its tensors: {names}.");
            }
        }

        /// <summary>Finds a tensor by its math or ASCII name (see the indexer); false when the layer has none of that name.</summary>
        public bool TryGetTensor(string name, [NotNullWhen(true)] out ParameterView<T>? tensor)
        {
            ArgumentNullException.ThrowIfNull(name);
            string math = MathName(name);
            foreach (ParameterView<T> parameter in ParameterTensors)
            {
                if (parameter.Name == math)
                {
                    tensor = parameter;
                    return true;
                }
            }

            tensor = null;
            return false;
        }

        /// <summary>The math name for an ASCII alias, or <paramref name="name"/> itself.</summary>
        private static string MathName(string name) => name.ToLowerInvariant() switch
        {
            "w" or "weight" or "weights" or "kernel" => "W",
            "bias" or "biases" => "b",
            "gamma" => "γ",
            "beta" => "β",
            "alpha" => "α",
            _ => name,
        };

        private static IEnumerable<string> NamesOf(IReadOnlyList<ParameterView<T>> tensors)
        {
            foreach (ParameterView<T> tensor in tensors)
            {
                yield return tensor.Name switch
                {
                    "W" => "W (weights)",
                    "b" => "b (bias)",
                    "γ" => "γ (gamma)",
                    "β" => "β (beta)",
                    "α" => "α (alpha)",
                    string other => other,
                };
            }
        }

        /// <inheritdoc/>
        public override string ToString() => $"{Name} ({Kind}) → [{string.Join("×", OutputShape)}], {ParameterCount} parameters";

        private ParameterView<T>? First() => ParameterTensors.Count > 0 ? ParameterTensors[0] : null;

        private ParameterView<T>? Second() => ParameterTensors.Count > 1 ? ParameterTensors[1] : null;
    }
}
