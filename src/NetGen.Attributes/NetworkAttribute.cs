using System;

namespace NetGen
{
    /// <summary>
    /// Marks a <c>partial class</c> as a network. The layers are the layer attributes on the same declaration,
    /// in source order, starting with <see cref="InputAttribute"/>. NetGen generates the forward pass, the loss,
    /// the backward pass and the initialization for exactly that network at compile time.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class NetworkAttribute : Attribute
    {
        /// <summary>The loss minimized by <c>TrainStep</c>. Default: <see cref="LossFunction.MeanSquaredError"/>.</summary>
        public LossFunction Loss { get; set; } = LossFunction.MeanSquaredError;

        /// <summary>The number type of parameters and activations. Default: <see cref="Precision.Single"/>.</summary>
        public Precision Precision { get; set; } = Precision.Single;

        /// <summary>The seed of the parameterless constructor: the same seed gives the same weights everywhere.</summary>
        public int Seed { get; set; }

        /// <summary>L1 penalty on weight matrices: <c>J += L1·Σ|W|</c>.</summary>
        public double L1 { get; set; }

        /// <summary>L2 penalty on weight matrices: <c>J += (L2/2)·ΣW²</c>.</summary>
        public double L2 { get; set; }

        /// <summary>A budget: a network with more parameters is a build error (NG0011). 0 means no budget.</summary>
        public long MaxParameters { get; set; }

        /// <summary>
        /// Dense layers with fewer than 8 inputs and inputs × outputs at most this are written out as scalar statements;
        /// the others call NetGen.Runtime kernels (from 8 inputs on, a row fills a vector and the kernels are faster).
        /// Default 256; 0 never unrolls.
        /// </summary>
        public int UnrollLimit { get; set; } = 256;
    }
}
