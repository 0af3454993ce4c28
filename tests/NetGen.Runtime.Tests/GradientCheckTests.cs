using System;
using System.Collections.Generic;

namespace NetGen.Runtime.Tests
{
    public sealed class GradientCheckTests
    {
        private static readonly double[] Inputs = TestMath.Uniform(5 * TinyNetwork.Inputs, 1);
        private static readonly int[] Labels = [0, 2, 1, 2, 0];

        [Fact]
        public void A_correct_gradient_has_a_tiny_relative_error()
        {
            var network = new TinyNetwork(seed: 3);
            GradientCheckResult result = GradientCheck.Run<double>(network, Inputs, Labels);
            Assert.True(result.RelativeError < 1e-7, result.ToString());
            Assert.Equal(TinyNetwork.Count, result.ParametersChecked);
            Assert.True(result.MaxAbsoluteDifference < 1e-7, result.ToString());
            Assert.Equal(["Dense1", "Dense4"], Names(result.Layers));
            Assert.All(result.Layers, layer => Assert.True(layer.RelativeError < 1e-7, result.ToString()));
        }

        [Fact]
        public void ForwardVersusReverse_on_a_network_without_forward_mode_throws_and_restores_everything()
        {
            var network = new TinyNetwork(seed: 3);
            network.TrainStep(Inputs, Labels);
            double[] parameters = network.Parameters.ToArray(), gradients = network.Gradients.ToArray(), state = network.State.ToArray();
            ulong random = network.RandomState;

            Assert.Throws<NotSupportedException>(() => GradientCheck.ForwardVersusReverse<double>(network, Inputs, Labels, seed: 1));

            Assert.Equal(parameters, network.Parameters.ToArray());
            Assert.Equal(gradients, network.Gradients.ToArray());
            Assert.Equal(state, network.State.ToArray());
            Assert.Equal(random, network.RandomState);
        }

        [Fact]
        public void A_wrong_gradient_is_caught_and_located()
        {
            var network = new TinyNetwork(seed: 3) { Bug = TinyNetwork.Mistake.ScaleSecondWeightGradient };
            GradientCheckResult result = GradientCheck.Run<double>(network, Inputs, Labels);
            Assert.True(result.RelativeError > 1e-3, result.ToString());
            Assert.True(result.Layers[0].RelativeError < 1e-7, result.ToString());
            Assert.True(result.Layers[1].RelativeError > 1e-2, result.ToString());
        }

        [Fact]
        public void A_backward_pass_that_ignores_the_dropout_mask_is_caught()
        {
            var network = new TinyNetwork(seed: 3) { Bug = TinyNetwork.Mistake.IgnoreDropoutMask };
            GradientCheckResult result = GradientCheck.Run<double>(network, Inputs, Labels);
            Assert.True(result.Layers[0].RelativeError > 1e-2, result.ToString());
        }

        [Fact]
        public void Parameters_state_and_random_state_are_restored_and_gradients_are_the_analytic_ones()
        {
            var network = new TinyNetwork(seed: 4);
            network.TrainStep(Inputs, Labels);
            double[] parameters = network.Parameters.ToArray();
            double[] state = network.State.ToArray();
            ulong randomState = network.RandomState;

            GradientCheck.Run<double>(network, Inputs, Labels);

            Assert.Equal(parameters, network.Parameters.ToArray());
            Assert.Equal(state, network.State.ToArray());
            Assert.Equal(randomState, network.RandomState);
            double[] gradients = network.Gradients.ToArray();

            // The analytic gradient is the one TrainStep gives from the saved state.
            var twin = new TinyNetwork(seed: 4);
            network.Parameters.CopyTo(twin.Parameters);
            network.State.CopyTo(twin.State);
            twin.RandomState = randomState;
            twin.TrainStep(Inputs, Labels);
            Assert.Equal(twin.Gradients.ToArray(), gradients);
            Assert.Contains(gradients, value => value != 0);
        }

        [Fact]
        public void The_targets_overload_checks_the_same_gradient()
        {
            var targets = new double[Labels.Length * TinyNetwork.Outputs];
            for (int s = 0; s < Labels.Length; s++)
            {
                targets[(s * TinyNetwork.Outputs) + Labels[s]] = 1;
            }

            GradientCheckResult fromLabels = GradientCheck.Run<double>(new TinyNetwork(seed: 5), Inputs, Labels);
            GradientCheckResult fromTargets = GradientCheck.Run<double>(new TinyNetwork(seed: 5), Inputs, targets);
            Assert.Equal(fromLabels.RelativeError, fromTargets.RelativeError);
            Assert.True(fromTargets.RelativeError < 1e-7, fromTargets.ToString());

            var wrong = new TinyNetwork(seed: 5) { Bug = TinyNetwork.Mistake.ScaleSecondWeightGradient };
            Assert.True(GradientCheck.Run<double>(wrong, Inputs, targets).RelativeError > 1e-3);
        }

        [Fact]
        public void Everything_is_restored_when_a_step_throws()
        {
            var network = new TinyNetwork(seed: 6);
            double[] parameters = network.Parameters.ToArray();
            ulong randomState = network.RandomState;
            network.ThrowAfterSteps = 7;
            Assert.Throws<InvalidOperationException>(() => GradientCheck.Run<double>(network, Inputs, Labels));
            Assert.Equal(parameters, network.Parameters.ToArray());
            Assert.Equal(new double[TinyNetwork.Hidden], network.State.ToArray());
            Assert.Equal(randomState, network.RandomState);
        }

        [Fact]
        public void ToString_is_a_table_with_every_layer_and_the_total()
        {
            GradientCheckResult result = GradientCheck.Run<double>(new TinyNetwork(seed: 3), Inputs, Labels);
            string table = result.ToString();
            Assert.Contains("Dense1", table);
            Assert.Contains("Dense4", table);
            Assert.Contains("Total", table);
            Assert.Contains($"{TinyNetwork.Count} parameters checked", table);
            Assert.DoesNotContain("Tanh2", table);
        }

        [Fact]
        public void Rejects_a_step_that_is_not_positive()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => GradientCheck.Run<double>(new TinyNetwork(seed: 1), Inputs, Labels, step: 0));
        }

        private static string[] Names(IReadOnlyList<LayerGradientError> layers)
        {
            var names = new string[layers.Count];
            for (int i = 0; i < names.Length; i++)
            {
                names[i] = layers[i].Layer;
            }

            return names;
        }

        /// <summary>
        /// A hand-written network, independent of the kernels: Dense(3 → 4) → Tanh → Dropout(0.3) → Dense(4 → 3) →
        /// Softmax, with softmax cross-entropy. Its State is a running mean of the hidden pre-activations (like BatchNorm's),
        /// and its dropout masks come from RandomState, so a gradient check must restore both.
        /// </summary>
        private sealed class TinyNetwork : INetwork<double>
        {
            public const int Inputs = 3, Hidden = 4, Outputs = 3;
            public const int Count = (Hidden * Inputs) + Hidden + (Outputs * Hidden) + Outputs;
            private const int W1 = 0, B1 = Hidden * Inputs, W2 = B1 + Hidden, B2 = W2 + (Outputs * Hidden);
            private const double Rate = 0.3;

            private readonly double[] _parameters = new double[Count];
            private readonly double[] _gradients = new double[Count];
            private readonly double[] _state = new double[Hidden];
            private readonly NetGenRandom _random;
            private int _steps;

            public TinyNetwork(int seed)
            {
                _random = new NetGenRandom(seed, 1);
                var init = new NetGenRandom(seed);
                for (int i = 0; i < Count; i++)
                {
                    _parameters[i] = init.NextNormal() * 0.8;
                }

                Layers =
                [
                    new LayerView<double>(1, "Dense1", "Dense", [Hidden], [
                        new ParameterView<double>("W", _parameters, _gradients, W1, [Hidden, Inputs]),
                        new ParameterView<double>("b", _parameters, _gradients, B1, [Hidden])]),
                    new LayerView<double>(2, "Tanh2", "Tanh", [Hidden], []),
                    new LayerView<double>(3, "Dropout3", "Dropout", [Hidden], []),
                    new LayerView<double>(4, "Dense4", "Dense", [Outputs], [
                        new ParameterView<double>("W", _parameters, _gradients, W2, [Outputs, Hidden]),
                        new ParameterView<double>("b", _parameters, _gradients, B2, [Outputs])]),
                    new LayerView<double>(5, "Softmax5", "Softmax", [Outputs], []),
                ];
            }

            public enum Mistake
            {
                None,
                ScaleSecondWeightGradient,
                IgnoreDropoutMask,
            }

            public Mistake Bug { get; init; }

            public int ThrowAfterSteps { get; set; } = int.MaxValue;

            public int InputSize => Inputs;

            public int OutputSize => Outputs;

            public int ParameterCount => Count;

            public LossFunction Loss => LossFunction.SoftmaxCrossEntropy;

            public string Architecture => "Input(3) → Dense(4) → Tanh → Dropout(0.3) → Dense(3) → Softmax; SoftmaxCrossEntropy; Double";

            public Span<double> Parameters => _parameters;

            public Span<double> Gradients => _gradients;

            public Span<double> State => _state;

            public IReadOnlyList<LayerView<double>> Layers { get; }

            public ulong RandomState
            {
                get => _random.State;
                set => _random.State = value;
            }

            public void Predict(ReadOnlySpan<double> inputs, Span<double> outputs) =>
                Run(inputs, ReadOnlySpan<double>.Empty, outputs, training: false);

            public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels) => TrainStep(inputs, OneHot(labels));

            // A gradient check never asks for the training outputs.
            public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels, Span<double> outputs) => throw new NotSupportedException();

            public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, Span<double> outputs) => throw new NotSupportedException();

            public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets)
            {
                if (++_steps > ThrowAfterSteps)
                {
                    throw new InvalidOperationException("Step limit reached.");
                }

                return Run(inputs, targets, new double[targets.Length], training: true);
            }

            public double Evaluate(ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels) => Evaluate(inputs, OneHot(labels));

            public double Evaluate(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets) =>
                Run(inputs, targets, new double[targets.Length], training: false);

            public void ExportOnnx(System.IO.Stream destination, OnnxExportOptions? options = null) => throw new NotSupportedException("The gradient-check test network is not exported.");

            public void ExportOnnx(string path, OnnxExportOptions? options = null) => throw new NotSupportedException("The gradient-check test network is not exported.");

            private static double[] OneHot(ReadOnlySpan<int> labels)
            {
                var targets = new double[labels.Length * Outputs];
                for (int s = 0; s < labels.Length; s++)
                {
                    targets[(s * Outputs) + labels[s]] = 1;
                }

                return targets;
            }

            private double Run(ReadOnlySpan<double> x, ReadOnlySpan<double> t, Span<double> p, bool training)
            {
                int batch = x.Length / Inputs;
                double[] w = _parameters;
                var z1 = new double[batch * Hidden];
                var a1 = new double[batch * Hidden];
                var mask = new double[batch * Hidden];
                var d1 = new double[batch * Hidden];
                var z2 = new double[batch * Outputs];
                for (int s = 0; s < batch; s++)
                {
                    for (int h = 0; h < Hidden; h++)
                    {
                        double sum = w[B1 + h];
                        for (int i = 0; i < Inputs; i++)
                        {
                            sum += x[(s * Inputs) + i] * w[W1 + (h * Inputs) + i];
                        }

                        int k = (s * Hidden) + h;
                        z1[k] = sum;
                        a1[k] = Math.Tanh(sum);
                        mask[k] = !training ? 1 : _random.NextDouble() < Rate ? 0 : 1 / (1 - Rate);
                        d1[k] = a1[k] * mask[k];
                    }

                    for (int o = 0; o < Outputs; o++)
                    {
                        double sum = w[B2 + o];
                        for (int h = 0; h < Hidden; h++)
                        {
                            sum += d1[(s * Hidden) + h] * w[W2 + (o * Hidden) + h];
                        }

                        z2[(s * Outputs) + o] = sum;
                    }
                }

                if (training)
                {
                    for (int h = 0; h < Hidden; h++)
                    {
                        double mean = 0;
                        for (int s = 0; s < batch; s++)
                        {
                            mean += z1[(s * Hidden) + h] / batch;
                        }

                        _state[h] = (0.9 * _state[h]) + (0.1 * mean);
                    }
                }

                double loss = 0;
                for (int s = 0; s < batch; s++)
                {
                    double max = double.NegativeInfinity;
                    for (int o = 0; o < Outputs; o++)
                    {
                        max = Math.Max(max, z2[(s * Outputs) + o]);
                    }

                    double total = 0;
                    for (int o = 0; o < Outputs; o++)
                    {
                        total += Math.Exp(z2[(s * Outputs) + o] - max);
                    }

                    for (int o = 0; o < Outputs; o++)
                    {
                        int k = (s * Outputs) + o;
                        p[k] = Math.Exp(z2[k] - max) / total;
                        if (t.Length > 0)
                        {
                            loss -= t[k] * (z2[k] - max - Math.Log(total));
                        }
                    }
                }

                if (!training)
                {
                    return loss / batch;
                }

                // Backward: δ2 = (p − t)/B; dW2 = δ2ᵀ·D1; db2 = Σ δ2; dD1 = δ2·W2; δ1 = dD1 ⊙ mask ⊙ (1 − a1²); dW1 = δ1ᵀ·X; db1 = Σ δ1.
                Array.Clear(_gradients);
                var dd1 = new double[batch * Hidden];
                for (int s = 0; s < batch; s++)
                {
                    for (int o = 0; o < Outputs; o++)
                    {
                        int k = (s * Outputs) + o;
                        double delta = (p[k] - t[k]) / batch;
                        _gradients[B2 + o] += delta;
                        for (int h = 0; h < Hidden; h++)
                        {
                            _gradients[W2 + (o * Hidden) + h] += delta * d1[(s * Hidden) + h];
                            dd1[(s * Hidden) + h] += delta * w[W2 + (o * Hidden) + h];
                        }
                    }

                    for (int h = 0; h < Hidden; h++)
                    {
                        int k = (s * Hidden) + h;
                        double keep = Bug == Mistake.IgnoreDropoutMask ? 1 : mask[k];
                        double delta = dd1[k] * keep * (1 - (a1[k] * a1[k]));
                        _gradients[B1 + h] += delta;
                        for (int i = 0; i < Inputs; i++)
                        {
                            _gradients[W1 + (h * Inputs) + i] += delta * x[(s * Inputs) + i];
                        }
                    }
                }

                if (Bug == Mistake.ScaleSecondWeightGradient)
                {
                    for (int i = W2; i < B2; i++)
                    {
                        _gradients[i] *= 1.1;
                    }
                }

                return loss / batch;
            }
        }
    }
}
