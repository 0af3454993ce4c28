#if NET10_0_OR_GREATER
using System;
using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen
{
    /// <summary>
    /// <see cref="INetwork{T}"/> with <see cref="ReadOnlyTensorSpan{T}"/> and <see cref="TensorSpan{T}"/> (System.Numerics.Tensors,
    /// net10.0): the shape is checked against <c>[batch × input shape]</c>, so an image network takes <c>[B, C, H, W]</c>
    /// (or the flat <c>[B, C·H·W]</c>), and outputs are <c>[B, OutputSize]</c>. Spans stay the primary API: a dense tensor
    /// is passed through without a copy; a strided one is copied once into a pooled buffer.
    /// </summary>
    public static class NetworkTensorExtensions
    {
        /// <summary>Runs the network in inference mode on <paramref name="inputs"/> <c>[B, …input shape]</c> into <paramref name="outputs"/> <c>[B, OutputSize]</c> (dense).</summary>
        /// <exception cref="ArgumentException">A shape does not fit the network, or <paramref name="outputs"/> is not dense.</exception>
        public static void Predict<T>(this INetwork<T> network, in ReadOnlyTensorSpan<T> inputs, in TensorSpan<T> outputs)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            int batch = Batch(network, inputs, nameof(inputs));
            CheckOutputs(network, outputs.Lengths, batch, nameof(outputs));
            if (!outputs.IsDense)
            {
                throw new ArgumentException("The outputs tensor must be dense (contiguous): Predict writes one flat [B × OutputSize] buffer.", nameof(outputs));
            }

            Span<T> flatOutputs = outputs.GetSpan(stackalloc nint[outputs.Rank], (int)outputs.FlattenedLength);
            using var flat = new Flat<T>(inputs);
            network.Predict(flat.Span, flatOutputs);
        }

        /// <summary>The network's outputs for <paramref name="inputs"/> <c>[B, …input shape]</c>, as a new tensor <c>[B, OutputSize]</c>.</summary>
        public static Tensor<T> Predict<T>(this INetwork<T> network, in ReadOnlyTensorSpan<T> inputs)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            int batch = Batch(network, inputs, nameof(inputs));
            var values = new T[batch * network.OutputSize];
            using (var flat = new Flat<T>(inputs))
            {
                network.Predict(flat.Span, values);
            }

            return Tensor.Create(values, [batch, network.OutputSize]);
        }

        /// <summary>One training step (see <see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{int})"/>) on <paramref name="inputs"/> <c>[B, …input shape]</c> with one label per sample.</summary>
        public static T TrainStep<T>(this INetwork<T> network, in ReadOnlyTensorSpan<T> inputs, ReadOnlySpan<int> labels)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            CheckLabels(Batch(network, inputs, nameof(inputs)), labels.Length);
            using var flat = new Flat<T>(inputs);
            return network.TrainStep(flat.Span, labels);
        }

        /// <summary>One training step on <paramref name="inputs"/> <c>[B, …input shape]</c> with targets <c>[B, OutputSize]</c>.</summary>
        public static T TrainStep<T>(this INetwork<T> network, in ReadOnlyTensorSpan<T> inputs, in ReadOnlyTensorSpan<T> targets)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            int batch = Batch(network, inputs, nameof(inputs));
            CheckOutputs(network, targets.Lengths, batch, nameof(targets));
            using var flatInputs = new Flat<T>(inputs);
            using var flatTargets = new Flat<T>(targets);
            return network.TrainStep(flatInputs.Span, flatTargets.Span);
        }

        /// <summary>The mean loss in inference mode (see <see cref="INetwork{T}.Evaluate(ReadOnlySpan{T}, ReadOnlySpan{int})"/>) on <paramref name="inputs"/> <c>[B, …input shape]</c>.</summary>
        public static T Evaluate<T>(this INetwork<T> network, in ReadOnlyTensorSpan<T> inputs, ReadOnlySpan<int> labels)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            CheckLabels(Batch(network, inputs, nameof(inputs)), labels.Length);
            using var flat = new Flat<T>(inputs);
            return network.Evaluate(flat.Span, labels);
        }

        /// <summary>The mean loss in inference mode on <paramref name="inputs"/> <c>[B, …input shape]</c> with targets <c>[B, OutputSize]</c>.</summary>
        public static T Evaluate<T>(this INetwork<T> network, in ReadOnlyTensorSpan<T> inputs, in ReadOnlyTensorSpan<T> targets)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            int batch = Batch(network, inputs, nameof(inputs));
            CheckOutputs(network, targets.Lengths, batch, nameof(targets));
            using var flatInputs = new Flat<T>(inputs);
            using var flatTargets = new Flat<T>(targets);
            return network.Evaluate(flatInputs.Span, flatTargets.Span);
        }

        /// <summary>The batch size of <paramref name="inputs"/>: its first length, when the others are the input shape (or its product).</summary>
        private static int Batch<T>(INetwork<T> network, in ReadOnlyTensorSpan<T> inputs, string name)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int[] sample = NetworkShapes.InputShape(network);
            ReadOnlySpan<nint> lengths = inputs.Lengths;
            bool fits = lengths.Length >= 2 && lengths[0] > 0;
            if (fits && lengths.Length - 1 == sample.Length)
            {
                for (int i = 0; i < sample.Length; i++)
                {
                    fits &= lengths[i + 1] == sample[i];
                }
            }
            else
            {
                fits &= lengths.Length == 2 && lengths[1] == network.InputSize;
            }

            if (!fits || lengths[0] > int.MaxValue / network.InputSize)
            {
                string flat = sample.Length > 1 ? Invariant($" or [B, {network.InputSize}]") : string.Empty;
                throw new ArgumentException(Invariant($"The {name} tensor has shape {Shape(lengths)} but the network takes [B, {string.Join(", ", sample)}]{flat} with B ≥ 1."), name);
            }

            return (int)lengths[0];
        }

        private static void CheckOutputs<T>(INetwork<T> network, ReadOnlySpan<nint> lengths, int batch, string name)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (lengths.Length != 2 || lengths[0] != batch || lengths[1] != network.OutputSize)
            {
                throw new ArgumentException(Invariant($"The {name} tensor has shape {Shape(lengths)} but the network gives [{batch}, {network.OutputSize}] for this batch."), name);
            }
        }

        private static void CheckLabels(int batch, int labels)
        {
            if (labels != batch)
            {
                throw new ArgumentException(Invariant($"The batch has {batch} samples but {labels} labels."), "labels");
            }
        }

        private static string Shape(ReadOnlySpan<nint> lengths)
        {
            var parts = new string[lengths.Length];
            for (int i = 0; i < lengths.Length; i++)
            {
                parts[i] = lengths[i].ToString(CultureInfo.InvariantCulture);
            }

            return "[" + string.Join(", ", parts) + "]";
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

        /// <summary>A tensor's values as one flat span: the tensor's own memory when dense, else a pooled copy.</summary>
        private ref struct Flat<T>
            where T : unmanaged
        {
            private T[]? _rented;

            public Flat(in ReadOnlyTensorSpan<T> tensor)
            {
                int length = checked((int)tensor.FlattenedLength);
                if (tensor.IsDense)
                {
                    _rented = null;
                    Span = tensor.GetSpan(stackalloc nint[tensor.Rank], length);
                }
                else
                {
                    _rented = ArrayPool<T>.Shared.Rent(length);
                    tensor.FlattenTo(_rented);
                    Span = _rented.AsSpan(0, length);
                }
            }

            public ReadOnlySpan<T> Span { get; }

            public void Dispose()
            {
                if (_rented is not null)
                {
                    ArrayPool<T>.Shared.Return(_rented);
                    _rented = null;
                }
            }
        }
    }
}
#endif
