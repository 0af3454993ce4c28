using System;
using System.Collections.Generic;

namespace NetGen.IntegrationTests;

/// <summary>A layer description for <see cref="ReferenceNetwork"/>: the attributes, written out by hand.</summary>
internal abstract record RefLayer
{
    /// <summary>The kind as the generated <see cref="LayerView{T}.Kind"/> names it.</summary>
    public abstract string Kind { get; }

    public sealed record Dense(int Units, bool Bias = true) : RefLayer
    {
        public override string Kind => "Dense";
    }

    public sealed record BatchNorm(double Momentum = 0.9, double Epsilon = 1e-5) : RefLayer
    {
        public override string Kind => "BatchNorm";
    }

    public sealed record Dropout(double Rate) : RefLayer
    {
        public override string Kind => "Dropout";
    }

    public sealed record ReLU : RefLayer
    {
        public override string Kind => "ReLU";
    }

    public sealed record LeakyReLU(double Alpha = 0.01) : RefLayer
    {
        public override string Kind => "LeakyReLU";
    }

    public sealed record PReLU(bool Shared = false) : RefLayer
    {
        public override string Kind => "PReLU";
    }

    public sealed record ELU(double Alpha = 1.0) : RefLayer
    {
        public override string Kind => "ELU";
    }

    public sealed record Sigmoid : RefLayer
    {
        public override string Kind => "Sigmoid";
    }

    public sealed record Tanh : RefLayer
    {
        public override string Kind => "Tanh";
    }

    public sealed record Softmax : RefLayer
    {
        public override string Kind => "Softmax";
    }

    public sealed record Maxout(int Units, int Pieces = 2) : RefLayer
    {
        public override string Kind => "Maxout";
    }
}

/// <summary>
/// A deliberately plain interpreter of a layer list: forward, loss, backward and L1/L2 by straightforward loops in
/// double, written from DESIGN.md §3 and the usual textbook formulas, sharing no code with the generator or the
/// runtime kernels (except <see cref="NetGenRandom"/>, which defines the dropout masks). Parameters and state use the
/// documented flat layouts, so a generated network's buffers can be fed in directly.
/// </summary>
internal sealed class ReferenceNetwork
{
    private readonly RefLayer[] _layers;
    private readonly int[] _inSizes;
    private readonly int[] _outSizes;
    private readonly int[] _parameterOffsets;
    private readonly int[] _stateOffsets;

    public ReferenceNetwork(int inputSize, LossFunction loss, double l1, double l2, params RefLayer[] layers)
    {
        InputSize = inputSize;
        Loss = loss;
        L1 = l1;
        L2 = l2;
        _layers = layers;
        _inSizes = new int[layers.Length];
        _outSizes = new int[layers.Length];
        _parameterOffsets = new int[layers.Length];
        _stateOffsets = new int[layers.Length];
        int size = inputSize, parameters = 0, state = 0;
        for (int l = 0; l < layers.Length; l++)
        {
            _inSizes[l] = size;
            _parameterOffsets[l] = parameters;
            _stateOffsets[l] = state;
            switch (layers[l])
            {
                case RefLayer.Dense d:
                    parameters += (d.Units * size) + (d.Bias ? d.Units : 0);
                    size = d.Units;
                    break;
                case RefLayer.Maxout m:
                    parameters += (m.Units * m.Pieces * size) + (m.Units * m.Pieces);
                    size = m.Units;
                    break;
                case RefLayer.BatchNorm:
                    parameters += 2 * size;
                    state += 2 * size;
                    break;
                case RefLayer.PReLU p:
                    parameters += p.Shared ? 1 : size;
                    break;
            }

            _outSizes[l] = size;
        }

        OutputSize = size;
        ParameterCount = parameters;
        StateCount = state;
    }

    public int InputSize { get; }

    public int OutputSize { get; }

    public int ParameterCount { get; }

    public int StateCount { get; }

    public LossFunction Loss { get; }

    public double L1 { get; }

    public double L2 { get; }

    public IReadOnlyList<RefLayer> Layers => _layers;

    /// <summary>Turns labels into targets: one-hot rows, or the label itself for a single output.</summary>
    public double[] LabelsToTargets(int[] labels)
    {
        var targets = new double[labels.Length * OutputSize];
        for (int s = 0; s < labels.Length; s++)
        {
            if (OutputSize == 1)
            {
                targets[s] = labels[s];
            }
            else
            {
                targets[(s * OutputSize) + labels[s]] = 1;
            }
        }

        return targets;
    }

    /// <summary>Inference: running statistics, no dropout.</summary>
    public double[] Predict(double[] parameters, double[] state, double[] inputs)
    {
        int batch = inputs.Length / InputSize;
        List<double[]> activations = Forward(parameters, (double[])state.Clone(), inputs, batch, training: false, masks: null, out _);
        return activations[^1];
    }

    /// <summary>The loss in inference mode, regularization included.</summary>
    public double Evaluate(double[] parameters, double[] state, double[] inputs, double[] targets)
    {
        int batch = inputs.Length / InputSize;
        List<double[]> activations = Forward(parameters, (double[])state.Clone(), inputs, batch, training: false, masks: null, out _);
        return LossAndGradient(activations, targets, batch, out _) + Penalty(parameters, null);
    }

    /// <summary>
    /// One training step: returns the loss (regularization included), the gradient in the layout of the parameters, and
    /// the updated state. <paramref name="dropoutRandomState"/> is the network's <c>RandomState</c> before the step; each
    /// dropout layer, in order, draws <c>u = NextDouble()</c> per value in element order and keeps the value when
    /// <c>u ≥ rate</c>, scaled by <c>1/(1 − rate)</c>. <paramref name="roundRate"/> rounds a rate to the network's
    /// precision, as the generated code holds it.
    /// </summary>
    public (double Loss, double[] Gradient, double[] State) TrainStep(
        double[] parameters, double[] state, double[] inputs, double[] targets, ulong dropoutRandomState, Func<double, double> roundRate)
    {
        int batch = inputs.Length / InputSize;
        var random = new NetGenRandom(0) { State = dropoutRandomState };
        var masks = new double[_layers.Length][];
        for (int l = 0; l < _layers.Length; l++)
        {
            if (_layers[l] is RefLayer.Dropout dropout)
            {
                double rate = roundRate(dropout.Rate);
                var mask = new double[batch * _outSizes[l]];
                for (int i = 0; i < mask.Length; i++)
                {
                    mask[i] = random.NextDouble() < rate ? 0 : 1 / (1 - rate);
                }

                masks[l] = mask;
            }
        }

        double[] newState = (double[])state.Clone();
        List<double[]> activations = Forward(parameters, newState, inputs, batch, training: true, masks, out Cache[] caches);
        double loss = LossAndGradient(activations, targets, batch, out double[] dOut);
        var gradient = new double[ParameterCount];
        loss += Penalty(parameters, gradient);
        Backward(parameters, activations, caches, masks, dOut, batch, gradient);
        return (loss, gradient, newState);
    }

    private sealed class Cache
    {
        public double[] XHat = Array.Empty<double>();
        public double[] InverseStd = Array.Empty<double>();
        public double[] Pieces = Array.Empty<double>();
    }

    private List<double[]> Forward(double[] p, double[] state, double[] x0, int batch, bool training, double[][]? masks, out Cache[] caches)
    {
        var activations = new List<double[]> { x0 };
        caches = new Cache[_layers.Length];
        for (int l = 0; l < _layers.Length; l++)
        {
            double[] x = activations[^1];
            int n = _inSizes[l], m = _outSizes[l], offset = _parameterOffsets[l];
            var y = new double[batch * m];
            var cache = new Cache();
            caches[l] = cache;
            switch (_layers[l])
            {
                case RefLayer.Dense d:
                    for (int s = 0; s < batch; s++)
                    {
                        for (int o = 0; o < m; o++)
                        {
                            double sum = d.Bias ? p[offset + (m * n) + o] : 0;
                            for (int i = 0; i < n; i++)
                            {
                                sum += p[offset + (o * n) + i] * x[(s * n) + i];
                            }

                            y[(s * m) + o] = sum;
                        }
                    }

                    break;
                case RefLayer.Maxout mo:
                    int rows = mo.Units * mo.Pieces;
                    cache.Pieces = new double[batch * rows];
                    for (int s = 0; s < batch; s++)
                    {
                        for (int r = 0; r < rows; r++)
                        {
                            double sum = p[offset + (rows * n) + r];
                            for (int i = 0; i < n; i++)
                            {
                                sum += p[offset + (r * n) + i] * x[(s * n) + i];
                            }

                            cache.Pieces[(s * rows) + r] = sum;
                        }

                        for (int u = 0; u < mo.Units; u++)
                        {
                            double best = double.NegativeInfinity;
                            for (int k = 0; k < mo.Pieces; k++)
                            {
                                best = Math.Max(best, cache.Pieces[(s * rows) + (u * mo.Pieces) + k]);
                            }

                            y[(s * m) + u] = best;
                        }
                    }

                    break;
                case RefLayer.BatchNorm bn:
                    int so = _stateOffsets[l];
                    cache.XHat = new double[batch * n];
                    cache.InverseStd = new double[n];
                    for (int f = 0; f < n; f++)
                    {
                        double gamma = p[offset + f], beta = p[offset + n + f];
                        double mean, variance;
                        if (training)
                        {
                            mean = 0;
                            for (int s = 0; s < batch; s++)
                            {
                                mean += x[(s * n) + f];
                            }

                            mean /= batch;
                            variance = 0;
                            for (int s = 0; s < batch; s++)
                            {
                                variance += (x[(s * n) + f] - mean) * (x[(s * n) + f] - mean);
                            }

                            variance /= batch; // biased
                            state[so + f] = (bn.Momentum * state[so + f]) + ((1 - bn.Momentum) * mean);
                            state[so + n + f] = (bn.Momentum * state[so + n + f]) + ((1 - bn.Momentum) * variance);
                        }
                        else
                        {
                            mean = state[so + f];
                            variance = state[so + n + f];
                        }

                        double inverseStd = 1 / Math.Sqrt(variance + bn.Epsilon);
                        cache.InverseStd[f] = inverseStd;
                        for (int s = 0; s < batch; s++)
                        {
                            double xHat = (x[(s * n) + f] - mean) * inverseStd;
                            cache.XHat[(s * n) + f] = xHat;
                            y[(s * n) + f] = (gamma * xHat) + beta;
                        }
                    }

                    break;
                case RefLayer.Dropout:
                    for (int i = 0; i < y.Length; i++)
                    {
                        y[i] = training ? x[i] * masks![l][i] : x[i];
                    }

                    break;
                case RefLayer.Softmax:
                    for (int s = 0; s < batch; s++)
                    {
                        double max = double.NegativeInfinity;
                        for (int j = 0; j < n; j++)
                        {
                            max = Math.Max(max, x[(s * n) + j]);
                        }

                        double sum = 0;
                        for (int j = 0; j < n; j++)
                        {
                            sum += Math.Exp(x[(s * n) + j] - max);
                        }

                        for (int j = 0; j < n; j++)
                        {
                            y[(s * n) + j] = Math.Exp(x[(s * n) + j] - max) / sum;
                        }
                    }

                    break;
                case RefLayer.PReLU pr:
                    for (int s = 0; s < batch; s++)
                    {
                        for (int f = 0; f < n; f++)
                        {
                            double v = x[(s * n) + f], alpha = p[offset + (pr.Shared ? 0 : f)];
                            y[(s * n) + f] = v > 0 ? v : alpha * v;
                        }
                    }

                    break;
                default:
                    for (int i = 0; i < y.Length; i++)
                    {
                        y[i] = Activate(_layers[l], x[i]);
                    }

                    break;
            }

            activations.Add(y);
        }

        return activations;
    }

    private static double Activate(RefLayer layer, double x) => layer switch
    {
        RefLayer.ReLU => x > 0 ? x : 0,
        RefLayer.LeakyReLU lr => x > 0 ? x : lr.Alpha * x,
        RefLayer.ELU e => x > 0 ? x : e.Alpha * (Math.Exp(x) - 1),
        RefLayer.Sigmoid => 1 / (1 + Math.Exp(-x)),
        RefLayer.Tanh => Math.Tanh(x),
        _ => throw new InvalidOperationException($"Not an element-wise activation: {layer}"),
    };

    /// <summary>dActivation/dx at x.</summary>
    private static double Derivative(RefLayer layer, double x) => layer switch
    {
        RefLayer.ReLU => x > 0 ? 1 : 0,
        RefLayer.LeakyReLU lr => x > 0 ? 1 : lr.Alpha,
        RefLayer.ELU e => x > 0 ? 1 : e.Alpha * Math.Exp(x),
        RefLayer.Sigmoid => Activate(layer, x) * (1 - Activate(layer, x)),
        RefLayer.Tanh => 1 - (Math.Tanh(x) * Math.Tanh(x)),
        _ => throw new InvalidOperationException($"Not an element-wise activation: {layer}"),
    };

    /// <summary>
    /// The mean loss and its gradient with respect to the last layer's output — or, for a final Sigmoid with binary
    /// cross-entropy or a final Softmax with softmax cross-entropy, with respect to that layer's input (the logits),
    /// in which case <see cref="Backward"/> skips the last layer.
    /// </summary>
    private double LossAndGradient(List<double[]> activations, double[] t, int batch, out double[] d)
    {
        int k = OutputSize;
        double[] y = activations[^1];
        d = new double[batch * k];
        double loss = 0;
        switch (Loss)
        {
            case LossFunction.MeanSquaredError:
                for (int i = 0; i < y.Length; i++)
                {
                    loss += 0.5 * (y[i] - t[i]) * (y[i] - t[i]);
                    d[i] = (y[i] - t[i]) / batch;
                }

                break;
            case LossFunction.BinaryCrossEntropy:
                double[] z = activations[^2];
                for (int i = 0; i < y.Length; i++)
                {
                    // −t log σ(z) − (1 − t) log(1 − σ(z)), written stably.
                    loss += Math.Max(z[i], 0) - (z[i] * t[i]) + Math.Log(1 + Math.Exp(-Math.Abs(z[i])));
                    d[i] = (1 / (1 + Math.Exp(-z[i])) - t[i]) / batch;
                }

                break;
            case LossFunction.SoftmaxCrossEntropy:
                double[] logits = activations[^2];
                for (int s = 0; s < batch; s++)
                {
                    double max = double.NegativeInfinity, sum = 0, targetSum = 0;
                    for (int j = 0; j < k; j++)
                    {
                        max = Math.Max(max, logits[(s * k) + j]);
                    }

                    for (int j = 0; j < k; j++)
                    {
                        sum += Math.Exp(logits[(s * k) + j] - max);
                        targetSum += t[(s * k) + j];
                    }

                    double lse = max + Math.Log(sum);
                    for (int j = 0; j < k; j++)
                    {
                        loss += t[(s * k) + j] * (lse - logits[(s * k) + j]);
                        double probability = Math.Exp(logits[(s * k) + j] - lse);
                        d[(s * k) + j] = ((probability * targetSum) - t[(s * k) + j]) / batch;
                    }
                }

                break;
            case LossFunction.MulticlassHinge:
                for (int s = 0; s < batch; s++)
                {
                    int c = 0;
                    for (int j = 1; j < k; j++)
                    {
                        if (t[(s * k) + j] > t[(s * k) + c])
                        {
                            c = j;
                        }
                    }

                    for (int j = 0; j < k; j++)
                    {
                        double margin = y[(s * k) + j] - y[(s * k) + c] + 1;
                        if (j != c && margin > 0)
                        {
                            loss += margin;
                            d[(s * k) + j] += 1.0 / batch;
                            d[(s * k) + c] -= 1.0 / batch;
                        }
                    }
                }

                break;
        }

        return loss / batch;
    }

    /// <summary>L1·Σ|W| + (L2/2)·ΣW² over the weight matrices (Dense and Maxout W); adds its gradient when given one.</summary>
    private double Penalty(double[] p, double[]? gradient)
    {
        double penalty = 0;
        for (int l = 0; l < _layers.Length; l++)
        {
            int count = _layers[l] switch
            {
                RefLayer.Dense d => d.Units * _inSizes[l],
                RefLayer.Maxout m => m.Units * m.Pieces * _inSizes[l],
                _ => 0,
            };
            for (int i = _parameterOffsets[l]; i < _parameterOffsets[l] + count; i++)
            {
                penalty += (L1 * Math.Abs(p[i])) + (0.5 * L2 * p[i] * p[i]);
                if (gradient is not null)
                {
                    gradient[i] += (L1 * Math.Sign(p[i])) + (L2 * p[i]);
                }
            }
        }

        return penalty;
    }

    private void Backward(double[] p, List<double[]> activations, Cache[] caches, double[][] masks, double[] dOut, int batch, double[] g)
    {
        double[] dy = dOut;
        int last = _layers.Length - 1;
        bool fused = (Loss == LossFunction.SoftmaxCrossEntropy && _layers[last] is RefLayer.Softmax)
            || (Loss == LossFunction.BinaryCrossEntropy && _layers[last] is RefLayer.Sigmoid);
        for (int l = fused ? last - 1 : last; l >= 0; l--)
        {
            double[] x = activations[l], y = activations[l + 1];
            int n = _inSizes[l], m = _outSizes[l], offset = _parameterOffsets[l];
            var dx = new double[batch * n];
            switch (_layers[l])
            {
                case RefLayer.Dense d:
                    for (int s = 0; s < batch; s++)
                    {
                        for (int o = 0; o < m; o++)
                        {
                            double delta = dy[(s * m) + o];
                            for (int i = 0; i < n; i++)
                            {
                                g[offset + (o * n) + i] += delta * x[(s * n) + i];
                                dx[(s * n) + i] += delta * p[offset + (o * n) + i];
                            }

                            if (d.Bias)
                            {
                                g[offset + (m * n) + o] += delta;
                            }
                        }
                    }

                    break;
                case RefLayer.Maxout mo:
                    int rows = mo.Units * mo.Pieces;
                    for (int s = 0; s < batch; s++)
                    {
                        for (int u = 0; u < mo.Units; u++)
                        {
                            int winner = 0;
                            for (int k = 1; k < mo.Pieces; k++)
                            {
                                if (caches[l].Pieces[(s * rows) + (u * mo.Pieces) + k] > caches[l].Pieces[(s * rows) + (u * mo.Pieces) + winner])
                                {
                                    winner = k;
                                }
                            }

                            int r = (u * mo.Pieces) + winner;
                            double delta = dy[(s * m) + u];
                            for (int i = 0; i < n; i++)
                            {
                                g[offset + (r * n) + i] += delta * x[(s * n) + i];
                                dx[(s * n) + i] += delta * p[offset + (r * n) + i];
                            }

                            g[offset + (rows * n) + r] += delta;
                        }
                    }

                    break;
                case RefLayer.BatchNorm:
                    for (int f = 0; f < n; f++)
                    {
                        double gamma = p[offset + f], sumDy = 0, sumDyXHat = 0;
                        for (int s = 0; s < batch; s++)
                        {
                            sumDy += dy[(s * n) + f];
                            sumDyXHat += dy[(s * n) + f] * caches[l].XHat[(s * n) + f];
                        }

                        g[offset + f] += sumDyXHat;
                        g[offset + n + f] += sumDy;

                        // dx = γ/(m·σ) · (m·dy − Σdy − x̂·Σ(dy·x̂)), the standard batch-norm backward.
                        for (int s = 0; s < batch; s++)
                        {
                            dx[(s * n) + f] = gamma * caches[l].InverseStd[f] / batch
                                * ((batch * dy[(s * n) + f]) - sumDy - (caches[l].XHat[(s * n) + f] * sumDyXHat));
                        }
                    }

                    break;
                case RefLayer.Dropout:
                    for (int i = 0; i < dx.Length; i++)
                    {
                        dx[i] = dy[i] * masks[l][i];
                    }

                    break;
                case RefLayer.Softmax:
                    for (int s = 0; s < batch; s++)
                    {
                        for (int j = 0; j < n; j++)
                        {
                            // Σ_k dy_k · ∂y_k/∂x_j with ∂y_k/∂x_j = y_k (δ_kj − y_j).
                            double sum = 0;
                            for (int k = 0; k < n; k++)
                            {
                                sum += dy[(s * n) + k] * y[(s * n) + k] * ((k == j ? 1 : 0) - y[(s * n) + j]);
                            }

                            dx[(s * n) + j] = sum;
                        }
                    }

                    break;
                case RefLayer.PReLU pr:
                    for (int s = 0; s < batch; s++)
                    {
                        for (int f = 0; f < n; f++)
                        {
                            double v = x[(s * n) + f], alpha = p[offset + (pr.Shared ? 0 : f)];
                            dx[(s * n) + f] = dy[(s * n) + f] * (v > 0 ? 1 : alpha);
                            if (v <= 0)
                            {
                                g[offset + (pr.Shared ? 0 : f)] += dy[(s * n) + f] * v;
                            }
                        }
                    }

                    break;
                default:
                    for (int i = 0; i < dx.Length; i++)
                    {
                        dx[i] = dy[i] * Derivative(_layers[l], x[i]);
                    }

                    break;
            }

            dy = dx;
        }
    }
}
