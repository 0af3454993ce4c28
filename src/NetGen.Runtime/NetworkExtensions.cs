using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Text;
using NetGen.Training;

namespace NetGen
{
    /// <summary>What every network can do on top of <see cref="INetwork{T}"/>: class predictions (Keras' <c>argmax(model.predict(x))</c>).</summary>
    public static class NetworkExtensions
    {
        /// <summary>
        /// The predicted class of every sample of <paramref name="inputs"/> <c>[batch × InputSize]</c>: the index of the
        /// largest output, or, for a single output (a final Sigmoid), 1 when it is ≥ 0.5 (<see cref="Metrics.PredictedClass{T}"/>).
        /// </summary>
        /// <returns>One label per sample.</returns>
        public static int[] PredictClasses<T>(this INetwork<T> network, ReadOnlySpan<T> inputs)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            var classes = new int[SampleCount(network, inputs.Length)];
            network.PredictClasses(inputs, classes);
            return classes;
        }

        /// <summary>
        /// Writes the predicted class of every sample of <paramref name="inputs"/> into <paramref name="classes"/> (one per
        /// sample). The outputs go through a pooled buffer, so repeated calls allocate nothing.
        /// </summary>
        /// <exception cref="ArgumentException">The inputs are not whole samples, or <paramref name="classes"/> is not one per sample.</exception>
        public static void PredictClasses<T>(this INetwork<T> network, ReadOnlySpan<T> inputs, Span<int> classes)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            int batch = SampleCount(network, inputs.Length);
            if (classes.Length != batch)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{inputs.Length} inputs are {batch} samples of {network.InputSize}, but there is room for {classes.Length} classes."), nameof(classes));
            }

            int size = network.OutputSize;
            T[] rented = ArrayPool<T>.Shared.Rent(Math.Max(1, batch * size));
            try
            {
                Span<T> outputs = rented.AsSpan(0, batch * size);
                network.Predict(inputs, outputs);
                for (int i = 0; i < batch; i++)
                {
                    classes[i] = Metrics.PredictedClass<T>(outputs.Slice(i * size, size));
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }

        private static int SampleCount<T>(INetwork<T> network, int length)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (length == 0 || length % network.InputSize != 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The inputs must be a whole, non-zero number of samples of InputSize = {network.InputSize}, but have {length} values."), "inputs");
            }

            return length / network.InputSize;
        }
    }

    /// <summary>The Keras-like layer table of any network, built from <see cref="INetwork{T}.Layers"/>.</summary>
    internal static class NetworkSummary
    {
        public static string Format<T>(INetwork<T> network)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var rows = new List<(string Layer, string Shape, string Parameters)>
            {
                ("Layer (kind)", "Output shape", "Parameters"),
                ("Input", InputShape(network), "0"),
            };
            LayerView<T>? last = null;
            foreach (LayerView<T> layer in network.Layers)
            {
                rows.Add(($"{layer.Name} ({layer.Kind})", string.Join("×", layer.OutputShape), Count(layer.ParameterCount)));
                last = layer;
            }

            int nameWidth = 0, shapeWidth = 0, countWidth = 0;
            foreach ((string name, string shape, string count) in rows)
            {
                nameWidth = Math.Max(nameWidth, name.Length + 2);
                shapeWidth = Math.Max(shapeWidth, shape.Length + 2);
                countWidth = Math.Max(countWidth, count.Length);
            }

            string rule = new('─', nameWidth + shapeWidth + countWidth);
            var text = new StringBuilder();
            for (int i = 0; i < rows.Count; i++)
            {
                text.Append(rows[i].Layer.PadRight(nameWidth)).Append(rows[i].Shape.PadRight(shapeWidth)).Append(rows[i].Parameters.PadLeft(countWidth)).Append('\n');
                if (i == 0)
                {
                    text.Append(rule).Append('\n');
                }
            }

            text.Append(rule).Append('\n');
            text.Append("Total parameters: ").Append(Count(network.ParameterCount)).Append(" trainable");
            if (network.State.Length > 0)
            {
                text.Append(", ").Append(Count(network.State.Length)).Append(" state (BatchNorm running statistics)");
            }

            string fusion = (network.Loss, last?.Kind) switch
            {
                (LossFunction.SoftmaxCrossEntropy, "Softmax") => " (fused with the final Softmax)",
                (LossFunction.BinaryCrossEntropy, "Sigmoid") => " (from the final Sigmoid's logits)",
                _ => string.Empty,
            };
            text.Append('\n').Append("Loss: ").Append(network.Loss).Append(fusion).Append("; precision: ").Append(typeof(T) == typeof(double) ? "double" : "float");
            return text.ToString();
        }

        /// <summary>The input shape from the architecture string (<c>Input(1×28×28) → …</c>), else <see cref="INetwork{T}.InputSize"/>.</summary>
        private static string InputShape<T>(INetwork<T> network)
            where T : unmanaged, IFloatingPointIeee754<T> => string.Join("×", NetworkShapes.InputShape(network));

        private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <summary>Shapes of a network that <see cref="INetwork{T}"/> gives only as sizes.</summary>
    internal static class NetworkShapes
    {
        /// <summary>
        /// One sample's input shape: from the architecture string of a generated network (<c>Input(1×28×28) → …</c>
        /// gives [1, 28, 28]), else [<see cref="INetwork{T}.InputSize"/>].
        /// </summary>
        public static int[] InputShape<T>(INetwork<T> network)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            string architecture = network.Architecture ?? string.Empty;
            const string Prefix = "Input(";
            int close = architecture.IndexOf(')', StringComparison.Ordinal);
            if (architecture.StartsWith(Prefix, StringComparison.Ordinal) && close > Prefix.Length)
            {
                string[] parts = architecture[Prefix.Length..close].Split('×');
                var shape = new int[parts.Length];
                long product = 1;
                bool ok = true;
                for (int i = 0; i < parts.Length && ok; i++)
                {
                    ok = int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) && shape[i] > 0;
                    product *= shape[i];
                }

                if (ok && product == network.InputSize)
                {
                    return shape;
                }
            }

            return new[] { network.InputSize };
        }
    }
}
