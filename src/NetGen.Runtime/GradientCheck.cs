using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace NetGen
{
    /// <summary>
    /// Compares a network's analytic gradient (its backward pass) with central finite differences of its loss, over every
    /// parameter. Run it on a double-precision network: in single precision the differences are dominated by rounding.
    /// </summary>
    public static class GradientCheck
    {
        /// <summary>
        /// Checks the gradient of <see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{int})"/> on one batch.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="network">The network; its parameters, state and random state are left exactly as they were, and its
        /// <see cref="INetwork{T}.Gradients"/> hold the analytic gradient afterwards.</param>
        /// <param name="inputs">One batch of inputs.</param>
        /// <param name="labels">Its labels.</param>
        /// <param name="step">The finite-difference step h.</param>
        /// <returns>The relative errors, overall and per layer.</returns>
        /// <remarks>Works as the overload with targets does; see its remarks.</remarks>
        public static GradientCheckResult Run<T>(INetwork<T> network, ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, double step = 1e-6)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Check(network, inputs, labels, ReadOnlySpan<T>.Empty, useLabels: true, step);

        /// <summary>
        /// Checks the gradient of <see cref="INetwork{T}.TrainStep(ReadOnlySpan{T}, ReadOnlySpan{T})"/> on one batch.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="network">The network; its parameters, state and random state are left exactly as they were, and its
        /// <see cref="INetwork{T}.Gradients"/> hold the analytic gradient afterwards.</param>
        /// <param name="inputs">One batch of inputs.</param>
        /// <param name="targets">Its targets <c>[batch × OutputSize]</c>.</param>
        /// <param name="step">The finite-difference step h.</param>
        /// <returns>The relative errors, overall and per layer.</returns>
        /// <remarks>
        /// Saves <see cref="INetwork{T}.Parameters"/>, <see cref="INetwork{T}.State"/> and <see cref="INetwork{T}.RandomState"/>,
        /// runs one training step and copies the analytic gradient g. Then for each parameter p, with the state and random
        /// state restored before every step (so BatchNorm sees the same statistics and dropout the same masks):
        /// <c>g̃ₚ = (J(p + h) − J(p − h)) / (2h)</c>, where the step actually taken is measured on the rounded values.
        /// The relative error is <c>‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂)</c> (0 when both are 0): about 1e-7 or less for a correct
        /// backward pass in double precision, except at kinks (ReLU at 0, max-pooling ties). Costs 2·ParameterCount + 1 steps.
        /// </remarks>
        public static GradientCheckResult Run<T>(INetwork<T> network, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, double step = 1e-6)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Check(network, inputs, ReadOnlySpan<int>.Empty, targets, useLabels: false, step);

        private static GradientCheckResult Check<T>(INetwork<T> network, ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<T> targets, bool useLabels, double step)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            if (!(step > 0) || double.IsInfinity(step))
            {
                throw new ArgumentOutOfRangeException(nameof(step), step, "The finite-difference step must be positive and finite.");
            }

            T[] savedParameters = network.Parameters.ToArray();
            T[] savedState = network.State.ToArray();
            ulong savedRandomState = network.RandomState;
            int count = savedParameters.Length;
            double[] analytic = new double[count];
            double[] numeric = new double[count];
            T[]? analyticGradients = null;
            try
            {
                _ = useLabels ? network.TrainStep(inputs, labels) : network.TrainStep(inputs, targets);
                analyticGradients = network.Gradients.ToArray();
                for (int p = 0; p < count; p++)
                {
                    analytic[p] = double.CreateTruncating(analyticGradients[p]);
                }

                T h = T.CreateTruncating(step);
                for (int p = 0; p < count; p++)
                {
                    T original = savedParameters[p];
                    T plus = original + h;
                    T minus = original - h;

                    network.Parameters[p] = plus;
                    double lossPlus = Loss(network, inputs, labels, targets, useLabels, savedState, savedRandomState);
                    network.Parameters[p] = minus;
                    double lossMinus = Loss(network, inputs, labels, targets, useLabels, savedState, savedRandomState);
                    network.Parameters[p] = original;

                    // The step actually taken, after rounding p ± h to T.
                    double taken = double.CreateTruncating(plus) - double.CreateTruncating(minus);
                    numeric[p] = (lossPlus - lossMinus) / taken;
                }
            }
            finally
            {
                savedParameters.CopyTo(network.Parameters);
                savedState.CopyTo(network.State);
                network.RandomState = savedRandomState;
                analyticGradients?.CopyTo(network.Gradients);
            }

            return Compare(network.Layers, analytic, numeric);
        }

        private static double Loss<T>(INetwork<T> network, ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<T> targets, bool useLabels, T[] state, ulong randomState)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            state.CopyTo(network.State);
            network.RandomState = randomState;
            T loss = useLabels ? network.TrainStep(inputs, labels) : network.TrainStep(inputs, targets);
            return double.CreateTruncating(loss);
        }

        private static GradientCheckResult Compare<T>(IReadOnlyList<LayerView<T>> layers, double[] analytic, double[] numeric)
        {
            var layerErrors = new List<LayerGradientError>();
            foreach (LayerView<T> layer in layers)
            {
                if (layer.ParameterCount == 0)
                {
                    continue;
                }

                var errors = new ErrorSums();
                foreach (ParameterView<T> tensor in layer.ParameterTensors)
                {
                    errors.Add(analytic, numeric, tensor.Offset, tensor.Length);
                }

                layerErrors.Add(new LayerGradientError(layer.Name, errors.RelativeError, errors.MaxAbsoluteDifference));
            }

            var total = new ErrorSums();
            total.Add(analytic, numeric, 0, analytic.Length);
            return new GradientCheckResult(total.RelativeError, total.MaxAbsoluteDifference, analytic.Length, layerErrors);
        }

        /// <summary>Running sums for <c>‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂)</c> and the largest |g − g̃|.</summary>
        private struct ErrorSums
        {
            private double _difference;
            private double _analytic;
            private double _numeric;

            public double MaxAbsoluteDifference { get; private set; }

            public readonly double RelativeError
            {
                get
                {
                    double denominator = Math.Sqrt(_analytic) + Math.Sqrt(_numeric);
                    return denominator == 0 ? 0 : Math.Sqrt(_difference) / denominator;
                }
            }

            public void Add(double[] analytic, double[] numeric, int offset, int length)
            {
                for (int p = offset; p < offset + length; p++)
                {
                    double difference = analytic[p] - numeric[p];
                    _difference += difference * difference;
                    _analytic += analytic[p] * analytic[p];
                    _numeric += numeric[p] * numeric[p];
                    MaxAbsoluteDifference = Math.Max(MaxAbsoluteDifference, Math.Abs(difference));
                }
            }
        }
    }

    /// <summary>The outcome of a <see cref="GradientCheck"/>: relative errors overall and per layer.</summary>
    public sealed class GradientCheckResult
    {
        /// <summary>Creates a result.</summary>
        /// <param name="relativeError">The overall relative error.</param>
        /// <param name="maxAbsoluteDifference">The largest |g − g̃| over all parameters.</param>
        /// <param name="parametersChecked">The number of parameters checked.</param>
        /// <param name="layers">The per-layer errors.</param>
        public GradientCheckResult(double relativeError, double maxAbsoluteDifference, int parametersChecked, IReadOnlyList<LayerGradientError> layers)
        {
            ArgumentNullException.ThrowIfNull(layers);
            RelativeError = relativeError;
            MaxAbsoluteDifference = maxAbsoluteDifference;
            ParametersChecked = parametersChecked;
            Layers = layers;
        }

        /// <summary>
        /// <c>‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂)</c> over all parameters, g the analytic and g̃ the numeric gradient; 0 when both are 0.
        /// In double precision, below about 1e-7 for a correct gradient.
        /// </summary>
        public double RelativeError { get; }

        /// <summary>The same, per layer with parameters, in declaration order (layers without parameters are omitted).</summary>
        public IReadOnlyList<LayerGradientError> Layers { get; }

        /// <summary>The number of parameters checked: all of them.</summary>
        public int ParametersChecked { get; }

        /// <summary>The largest |g − g̃| over all parameters.</summary>
        public double MaxAbsoluteDifference { get; }

        /// <summary>A table: one line per layer with its relative error and largest difference, then the totals.</summary>
        /// <returns>The table.</returns>
        public override string ToString()
        {
            int width = "Layer".Length;
            foreach (LayerGradientError layer in Layers)
            {
                width = Math.Max(width, layer.Layer.Length);
            }

            width = Math.Max(width, "Total".Length);
            var text = new StringBuilder();
            Line(text, "Layer".PadRight(width), "Relative error", "Max |g − g̃|");
            foreach (LayerGradientError layer in Layers)
            {
                Line(text, layer.Layer.PadRight(width), Format(layer.RelativeError), Format(layer.MaxAbsoluteDifference));
            }

            Line(text, "Total".PadRight(width), Format(RelativeError), Format(MaxAbsoluteDifference));
            text.Append(CultureInfo.InvariantCulture, $"{ParametersChecked} parameters checked");
            return text.ToString();
        }

        private static void Line(StringBuilder text, string layer, string relative, string absolute) =>
            text.Append(layer).Append("  ").Append(relative.PadLeft(14)).Append("  ").Append(absolute.PadLeft(11)).Append('\n');

        private static string Format(double value) => value.ToString("0.00e+00", CultureInfo.InvariantCulture);
    }

    /// <summary>The gradient-check errors of one layer.</summary>
    /// <param name="Layer">The layer's name, as in <see cref="LayerView{T}.Name"/>.</param>
    /// <param name="RelativeError"><c>‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂)</c> over the layer's parameters; 0 when both are 0.</param>
    /// <param name="MaxAbsoluteDifference">The largest |g − g̃| over the layer's parameters.</param>
    public sealed record LayerGradientError(string Layer, double RelativeError, double MaxAbsoluteDifference);
}
