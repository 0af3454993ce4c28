using System;

namespace NetGen
{
    /// <summary>Base of every layer attribute. Layers are read in source order.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public abstract class LayerAttribute : Attribute
    {
        /// <summary>
        /// The layer's name: it names the generated layer property and appears in diagnostics.
        /// Default: the kind and position, e.g. <c>Dense2</c>.
        /// </summary>
        public string? Name { get; set; }
    }

    /// <summary>The first layer: the shape of one sample, <c>Input(784)</c> or <c>Input(1, 28, 28)</c> (channels × height × width).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class InputAttribute : LayerAttribute
    {
        /// <summary>Declares the shape of one input sample.</summary>
        /// <param name="shape">Features, or channels × length, or channels × height × width.</param>
        public InputAttribute(params int[] shape) => Shape = shape;

        /// <summary>The shape of one input sample.</summary>
        public int[] Shape { get; }
    }

    /// <summary>A fully connected layer: <c>Y = X · Wᵀ + b</c>, <c>W [units × inputs]</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DenseAttribute : LayerAttribute
    {
        /// <summary>Declares a fully connected layer.</summary>
        /// <param name="units">The number of outputs.</param>
        public DenseAttribute(int units) => Units = units;

        /// <summary>The number of outputs.</summary>
        public int Units { get; }

        /// <summary>How <c>W</c> is initialized. Default: <see cref="Init.Auto"/>.</summary>
        public Init Init { get; set; }

        /// <summary>Whether the layer adds a bias <c>b [units]</c>. Default: true.</summary>
        public bool Bias { get; set; } = true;

        /// <summary>The input size this layer expects, as a check: a mismatch is build error NG0001. 0: not stated.</summary>
        public int Inputs { get; set; }
    }

    /// <summary>
    /// Batch normalization over features (over channels after a convolution). Training: batch mean and biased
    /// variance, <c>y = γ·(x − μ)/√(σ² + ε) + β</c>, running averages updated; inference: running averages.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class BatchNormAttribute : LayerAttribute
    {
        /// <summary><c>running = Momentum·running + (1 − Momentum)·batch</c>. Default 0.9.</summary>
        public double Momentum { get; set; } = 0.9;

        /// <summary>Added to the variance before the square root. Default 1e-5.</summary>
        public double Epsilon { get; set; } = 1e-5;
    }

    /// <summary>Inverted dropout: in training each value is dropped with probability <c>rate</c> and kept ones are scaled by 1/(1 − rate); identity in inference.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DropoutAttribute : LayerAttribute
    {
        /// <summary>Declares a dropout layer.</summary>
        /// <param name="rate">The probability of dropping a value, in [0, 1).</param>
        public DropoutAttribute(double rate) => Rate = rate;

        /// <summary>The probability of dropping a value.</summary>
        public double Rate { get; }
    }

    /// <summary><c>y = max(0, x)</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ReLUAttribute : LayerAttribute
    {
    }

    /// <summary><c>y = x</c> for x &gt; 0, <c>α·x</c> otherwise.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LeakyReLUAttribute : LayerAttribute
    {
        /// <summary>Declares a leaky ReLU.</summary>
        /// <param name="alpha">The slope for negative inputs.</param>
        public LeakyReLUAttribute(double alpha = 0.01) => Alpha = alpha;

        /// <summary>The slope for negative inputs.</summary>
        public double Alpha { get; }
    }

    /// <summary>Parametric ReLU: like <see cref="LeakyReLUAttribute"/> with a learned slope α, one per unit or shared.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class PReLUAttribute : LayerAttribute
    {
        /// <summary>One α for the whole layer instead of one per unit. Default: false.</summary>
        public bool Shared { get; set; }

        /// <summary>The initial α. Default 0.25.</summary>
        public double InitialAlpha { get; set; } = 0.25;
    }

    /// <summary><c>y = x</c> for x &gt; 0, <c>α·(eˣ − 1)</c> otherwise.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ELUAttribute : LayerAttribute
    {
        /// <summary>Declares an ELU.</summary>
        /// <param name="alpha">The value approached for very negative inputs is −α.</param>
        public ELUAttribute(double alpha = 1.0) => Alpha = alpha;

        /// <summary>The value approached for very negative inputs is −α.</summary>
        public double Alpha { get; }
    }

    /// <summary><c>y = 1/(1 + e⁻ˣ)</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SigmoidAttribute : LayerAttribute
    {
    }

    /// <summary><c>y = tanh(x)</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class TanhAttribute : LayerAttribute
    {
    }

    /// <summary><c>yⱼ = e^xⱼ / Σₖ e^xₖ</c> over each sample's features.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SoftmaxAttribute : LayerAttribute
    {
    }

    /// <summary>Maxout: each of <c>units</c> outputs is the max over <c>pieces</c> affine maps of the input.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MaxoutAttribute : LayerAttribute
    {
        /// <summary>Declares a maxout layer.</summary>
        /// <param name="units">The number of outputs.</param>
        /// <param name="pieces">The number of affine maps each output is the max of.</param>
        public MaxoutAttribute(int units, int pieces = 2)
        {
            Units = units;
            Pieces = pieces;
        }

        /// <summary>The number of outputs.</summary>
        public int Units { get; }

        /// <summary>The number of affine maps each output is the max of.</summary>
        public int Pieces { get; }

        /// <summary>How <c>W</c> is initialized. Default: <see cref="Init.Auto"/>.</summary>
        public Init Init { get; set; }
    }

    /// <summary>2-D convolution over a channels × height × width map: <c>W [filters × C × k × k]</c>, <c>b [filters]</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Conv2DAttribute : LayerAttribute
    {
        /// <summary>Declares a 2-D convolution.</summary>
        /// <param name="filters">The number of output channels.</param>
        /// <param name="kernel">The side of the square kernel.</param>
        public Conv2DAttribute(int filters, int kernel)
        {
            Filters = filters;
            Kernel = kernel;
        }

        /// <summary>The number of output channels.</summary>
        public int Filters { get; }

        /// <summary>The side of the square kernel.</summary>
        public int Kernel { get; }

        /// <summary>The step between kernel positions. Default 1.</summary>
        public int Stride { get; set; } = 1;

        /// <summary>Zeros added on each border. Default 0.</summary>
        public int Padding { get; set; }

        /// <summary>How <c>W</c> is initialized. Default: <see cref="Init.Auto"/>.</summary>
        public Init Init { get; set; }
    }

    /// <summary>1-D convolution over a channels × length map: <c>W [filters × C × k]</c>, <c>b [filters]</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Conv1DAttribute : LayerAttribute
    {
        /// <summary>Declares a 1-D convolution.</summary>
        /// <param name="filters">The number of output channels.</param>
        /// <param name="kernel">The kernel length.</param>
        public Conv1DAttribute(int filters, int kernel)
        {
            Filters = filters;
            Kernel = kernel;
        }

        /// <summary>The number of output channels.</summary>
        public int Filters { get; }

        /// <summary>The kernel length.</summary>
        public int Kernel { get; }

        /// <summary>The step between kernel positions. Default 1.</summary>
        public int Stride { get; set; } = 1;

        /// <summary>Zeros added on each end. Default 0.</summary>
        public int Padding { get; set; }

        /// <summary>How <c>W</c> is initialized. Default: <see cref="Init.Auto"/>.</summary>
        public Init Init { get; set; }
    }

    /// <summary>2-D max pooling over <c>size × size</c> windows.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MaxPool2DAttribute : LayerAttribute
    {
        /// <summary>Declares 2-D max pooling.</summary>
        /// <param name="size">The side of the pooling window.</param>
        public MaxPool2DAttribute(int size) => Size = size;

        /// <summary>The side of the pooling window.</summary>
        public int Size { get; }

        /// <summary>The step between windows. 0 (default): the window size.</summary>
        public int Stride { get; set; }
    }

    /// <summary>1-D max pooling over windows of <c>size</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MaxPool1DAttribute : LayerAttribute
    {
        /// <summary>Declares 1-D max pooling.</summary>
        /// <param name="size">The pooling window length.</param>
        public MaxPool1DAttribute(int size) => Size = size;

        /// <summary>The pooling window length.</summary>
        public int Size { get; }

        /// <summary>The step between windows. 0 (default): the window size.</summary>
        public int Stride { get; set; }
    }

    /// <summary>
    /// 2-D average pooling over <c>size × size</c> windows: each output is the mean of the inputs under its window. Padding
    /// is not counted in the mean (a window over the border divides by the real inputs it holds), as Keras and ONNX do.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AvgPool2DAttribute : LayerAttribute
    {
        /// <summary>Declares 2-D average pooling.</summary>
        /// <param name="size">The side of the pooling window.</param>
        public AvgPool2DAttribute(int size) => Size = size;

        /// <summary>The side of the pooling window.</summary>
        public int Size { get; }

        /// <summary>The step between windows. 0 (default): the window size.</summary>
        public int Stride { get; set; }

        /// <summary>Positions added on each side, not counted in the means; less than <see cref="Size"/>. Default: 0.</summary>
        public int Padding { get; set; }
    }

    /// <summary>
    /// 1-D average pooling over windows of <c>size</c>: each output is the mean of the inputs under its window, padding not
    /// counted.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AvgPool1DAttribute : LayerAttribute
    {
        /// <summary>Declares 1-D average pooling.</summary>
        /// <param name="size">The pooling window length.</param>
        public AvgPool1DAttribute(int size) => Size = size;

        /// <summary>The pooling window length.</summary>
        public int Size { get; }

        /// <summary>The step between windows. 0 (default): the window size.</summary>
        public int Stride { get; set; }

        /// <summary>Positions added at each end, not counted in the means; less than <see cref="Size"/>. Default: 0.</summary>
        public int Padding { get; set; }
    }

    /// <summary>
    /// Global average pooling: the mean of each channel's whole map, <c>C × H × W → C</c> (and <c>C × L → C</c>); the
    /// output is a vector, so no <see cref="FlattenAttribute"/> is needed before a dense layer.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class GlobalAvgPoolAttribute : LayerAttribute
    {
    }

    /// <summary>Flattens a feature map into a vector (a view: no computation).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class FlattenAttribute : LayerAttribute
    {
    }
}
