using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Ensembles
{
    /// <summary>
    /// Averages the predictions of several networks with the same input and output sizes:
    /// <c>ŷ = (1/M) Σₘ ŷₘ</c> (or a weighted mean <c>Σₘ wₘŷₘ / Σₘ wₘ</c>). With softmax outputs this averages the class
    /// probabilities, which usually beats each member.
    /// </summary>
    /// <remarks>
    /// One scratch buffer holds a member's outputs; it grows to the largest batch seen, so after that warm-up
    /// <see cref="Predict"/> allocates nothing. Not thread-safe (neither are the networks).
    /// </remarks>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public sealed class Ensemble<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly INetwork<T>[] _members;
        private readonly T[] _weights;
        private T[] _scratch = Array.Empty<T>();

        /// <summary>An ensemble with equal weights.</summary>
        public Ensemble(params INetwork<T>[] members)
            : this((IEnumerable<INetwork<T>>)members)
        {
        }

        /// <summary>An ensemble with equal weights.</summary>
        public Ensemble(IEnumerable<INetwork<T>> members)
            : this(members, null)
        {
        }

        /// <summary>An ensemble with a weight per member (each ≥ 0, not all 0); null gives equal weights.</summary>
        public Ensemble(IEnumerable<INetwork<T>> members, IReadOnlyList<double>? weights)
        {
            ArgumentNullException.ThrowIfNull(members);
            _members = new List<INetwork<T>>(members).ToArray();
            if (_members.Length == 0)
            {
                throw new ArgumentException("An ensemble needs at least one network.", nameof(members));
            }

            for (int m = 0; m < _members.Length; m++)
            {
                INetwork<T> member = _members[m] ?? throw new ArgumentException(Invariant($"Member {m} is null."), nameof(members));
                if (member.InputSize != _members[0].InputSize || member.OutputSize != _members[0].OutputSize)
                {
                    throw new ArgumentException(
                        Invariant($"Member {m} maps {member.InputSize} → {member.OutputSize} but member 0 maps {_members[0].InputSize} → {_members[0].OutputSize}; all members need the same input and output sizes."),
                        nameof(members));
                }
            }

            double[] raw = new double[_members.Length];
            if (weights is null)
            {
                Array.Fill(raw, 1.0);
            }
            else if (weights.Count != _members.Length)
            {
                throw new ArgumentException(Invariant($"{weights.Count} weights for {_members.Length} members."), nameof(weights));
            }
            else
            {
                for (int m = 0; m < raw.Length; m++)
                {
                    raw[m] = weights[m];
                    if (!(raw[m] >= 0) || double.IsInfinity(raw[m]))
                    {
                        throw new ArgumentOutOfRangeException(nameof(weights), Invariant($"Weight {m} is {raw[m]}; weights must be finite and ≥ 0."));
                    }
                }
            }

            double total = 0;
            foreach (double w in raw)
            {
                total += w;
            }

            if (total == 0)
            {
                throw new ArgumentException("At least one weight must be > 0.", nameof(weights));
            }

            _weights = Array.ConvertAll(raw, w => T.CreateChecked(w / total));
            Weights = Array.ConvertAll(raw, w => w / total);
        }

        /// <summary>The members, in order.</summary>
        public IReadOnlyList<INetwork<T>> Members => _members;

        /// <summary>The normalized weights (they sum to 1).</summary>
        public IReadOnlyList<double> Weights { get; }

        /// <summary>Features per input sample.</summary>
        public int InputSize => _members[0].InputSize;

        /// <summary>Values per output sample.</summary>
        public int OutputSize => _members[0].OutputSize;

        /// <summary>
        /// Runs every member in inference mode and writes the weighted mean of their outputs to <paramref name="outputs"/>
        /// <c>[batch × OutputSize]</c>, with batch = <c>inputs.Length / InputSize</c>.
        /// </summary>
        public void Predict(ReadOnlySpan<T> inputs, Span<T> outputs)
        {
            if (inputs.Length == 0 || inputs.Length % InputSize != 0)
            {
                throw new ArgumentException(Invariant($"The inputs hold {inputs.Length} values, not a whole, non-zero number of samples of InputSize = {InputSize}."), nameof(inputs));
            }

            int batch = inputs.Length / InputSize;
            if (outputs.Length != batch * OutputSize)
            {
                throw new ArgumentException(Invariant($"{batch} samples need {batch * OutputSize} outputs (OutputSize = {OutputSize}) but the buffer holds {outputs.Length}."), nameof(outputs));
            }

            if (_scratch.Length < outputs.Length)
            {
                _scratch = new T[outputs.Length];
            }

            Span<T> scratch = _scratch.AsSpan(0, outputs.Length);
            outputs.Clear();
            for (int m = 0; m < _members.Length; m++)
            {
                _members[m].Predict(inputs, scratch);
                T weight = _weights[m];
                for (int i = 0; i < outputs.Length; i++)
                {
                    outputs[i] += weight * scratch[i];
                }
            }
        }

        /// <summary>The fraction of <paramref name="data"/> the ensemble classifies correctly (argmax, or 0.5 for one output).</summary>
        public double Accuracy(Dataset<T> data, int batchSize = 256)
        {
            ArgumentNullException.ThrowIfNull(data);
            ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
            if (data.FeatureCount != InputSize)
            {
                throw new ArgumentException(Invariant($"The dataset has {data.FeatureCount} features but the ensemble expects {InputSize}."), nameof(data));
            }

            var outputs = new T[Math.Min(batchSize, Math.Max(1, data.Count)) * OutputSize];
            int correct = 0;
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int n = Math.Min(batchSize, data.Count - start);
                Span<T> batch = outputs.AsSpan(0, n * OutputSize);
                Predict(data.Features.AsSpan(start * InputSize, n * InputSize), batch);
                correct += data.Labels is { } labels
                    ? Metrics.CountCorrect<T>(batch, OutputSize, labels.AsSpan(start, n))
                    : Metrics.CountCorrect<T>(batch, OutputSize, (data.Targets ?? throw new ArgumentException("The dataset has neither labels nor targets.", nameof(data))).AsSpan(start * OutputSize, n * OutputSize));
            }

            return data.Count == 0 ? double.NaN : (double)correct / data.Count;
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
