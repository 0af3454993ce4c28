using System;
using System.Globalization;

namespace NetGen
{
    /// <summary>The element type of the tensors in an exported ONNX graph.</summary>
    public enum OnnxElementType
    {
        /// <summary>32-bit floats (ONNX <c>FLOAT</c>, 1): every ONNX Runtime kernel has them. The default, also for double networks.</summary>
        Float32 = 1,

        /// <summary>
        /// 64-bit floats (ONNX <c>DOUBLE</c>, 11). ONNX Runtime's CPU provider has no double kernel for <c>Conv</c> and
        /// <c>Elu</c>: exporting a network with a convolution or an ELU in Float64 throws and names the layer.
        /// </summary>
        Float64 = 11,
    }

    /// <summary>How <c>ExportOnnx</c> writes a network's inference graph.</summary>
    /// <remarks>
    /// The defaults (opset 17, IR version 8, float32, <c>input</c>/<c>output</c>) load in every ONNX Runtime since 1.13
    /// and in onnx 1.12's checker. The graph's input has the declared input shape with a symbolic batch dimension
    /// <c>N</c>: <c>[N, 784]</c> for <c>[Input(784)]</c>, <c>[N, 1, 28, 28]</c> for <c>[Input(1, 28, 28)]</c>.
    /// </remarks>
    public sealed record OnnxExportOptions
    {
        /// <summary>The lowest opset the export writes.</summary>
        public const int MinimumOpset = 17;

        /// <summary>The highest opset the export writes.</summary>
        public const int MaximumOpset = 21;

        /// <summary>The default options.</summary>
        public static OnnxExportOptions Default { get; } = new();

        /// <summary>The version of the default (<c>ai.onnx</c>) operator set, 17 to 21; 17 by default.</summary>
        public int Opset { get; init; } = MinimumOpset;

        /// <summary>
        /// The ONNX IR version; <see langword="null"/> (the default) takes the lowest one the opset allows: 8 for opsets
        /// 17 and 18, 9 for 19 and 20, 10 for 21.
        /// </summary>
        public int? IrVersion { get; init; }

        /// <summary>The tensor element type: <see cref="OnnxElementType.Float32"/> by default, also for double networks.</summary>
        public OnnxElementType ElementType { get; init; } = OnnxElementType.Float32;

        /// <summary>The name of the graph's input: <c>input</c>.</summary>
        public string InputName { get; init; } = "input";

        /// <summary>The name of the graph's output: <c>output</c>.</summary>
        public string OutputName { get; init; } = "output";

        /// <summary>The IR version that will be written: <see cref="IrVersion"/>, or the lowest one <see cref="Opset"/> allows.</summary>
        public int EffectiveIrVersion => IrVersion ?? LowestIrVersion(Opset);

        /// <summary>Throws an <see cref="ArgumentException"/> that says what is expected if an option is out of range.</summary>
        public void Validate()
        {
            if (Opset is < MinimumOpset or > MaximumOpset)
            {
                throw new ArgumentException(Invariant($"Opset {Opset} is not supported: NetGen writes opsets {MinimumOpset} to {MaximumOpset}."), nameof(Opset));
            }

            int lowest = LowestIrVersion(Opset);
            if (IrVersion is int ir && (ir < lowest || ir > 11))
            {
                throw new ArgumentException(Invariant($"IR version {ir} does not fit opset {Opset}: expected {lowest} to 11."), nameof(IrVersion));
            }

            if (ElementType is not (OnnxElementType.Float32 or OnnxElementType.Float64))
            {
                throw new ArgumentException(Invariant($"Element type {(int)ElementType} is not supported: expected Float32 or Float64."), nameof(ElementType));
            }

            if (string.IsNullOrEmpty(InputName) || string.IsNullOrEmpty(OutputName) || InputName == OutputName)
            {
                throw new ArgumentException($"The input and output names must be non-empty and different, but are '{InputName}' and '{OutputName}'.", nameof(InputName));
            }
        }

        /// <summary>The lowest IR version that carries <paramref name="opset"/> (onnx's versioning table).</summary>
        private static int LowestIrVersion(int opset) => opset switch
        {
            <= 18 => 8,
            <= 20 => 9,
            _ => 10,
        };

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
