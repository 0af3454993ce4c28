namespace NetGen
{
    /// <summary>The loss a network minimizes. Every loss is a mean over the batch.</summary>
    public enum LossFunction
    {
        /// <summary><c>J = (1/B) Σᵢ ½‖ŷᵢ − tᵢ‖²</c> on the network's outputs.</summary>
        MeanSquaredError = 0,

        /// <summary>Binary cross-entropy, computed from the logits of a final <see cref="SigmoidAttribute"/> (stable).</summary>
        BinaryCrossEntropy = 1,

        /// <summary>Cross-entropy fused with a final <see cref="SoftmaxAttribute"/>: δ = p − onehot, computed with log-sum-exp.</summary>
        SoftmaxCrossEntropy = 2,

        /// <summary>Multiclass hinge loss <c>Σ_{j≠y} max(0, s_j − s_y + 1)</c> on the raw outputs.</summary>
        MulticlassHinge = 3,
    }

    /// <summary>The floating-point type the generated network computes in.</summary>
    public enum Precision
    {
        /// <summary><see cref="float"/>: fast, the default.</summary>
        Single = 0,

        /// <summary><see cref="double"/>: for gradient checks and numerically demanding work.</summary>
        Double = 1,
    }

    /// <summary>How a layer's weights are initialized. Biases always start at 0.</summary>
    public enum Init
    {
        /// <summary>He normal before a ReLU-family activation (ReLU, LeakyReLU, PReLU, ELU, Maxout), Glorot normal otherwise.</summary>
        Auto = 0,

        /// <summary>All zeros: every unit of the layer stays identical (warning NG0009).</summary>
        Zeros = 1,

        /// <summary>N(0, 0.01²).</summary>
        SmallRandom = 2,

        /// <summary>N(0, 1/n_in).</summary>
        LeCunNormal = 3,

        /// <summary>N(0, 2/(n_in + n_out)).</summary>
        GlorotNormal = 4,

        /// <summary>U(−√(6/(n_in + n_out)), +√(6/(n_in + n_out))).</summary>
        GlorotUniform = 5,

        /// <summary>N(0, 2/n_in).</summary>
        HeNormal = 6,

        /// <summary>U(−√(6/n_in), +√(6/n_in)).</summary>
        HeUniform = 7,
    }
}
