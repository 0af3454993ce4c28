using NetGen.Generator.Emit.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// <c>Name.Onnx.g.cs</c>: the two <c>ExportOnnx</c> overloads and the graph they write, one builder call per layer
/// with constant sizes, under the same sentence as the layer's forward code.
/// </summary>
internal static class OnnxFile
{
    public const string Builder = RuntimeTypes.OnnxGraphBuilder;

    public const string Options = RuntimeTypes.OnnxExportOptions;

    public static void Write(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        string input = plan.InputShape.Text;

        w.Line("/// <summary>");
        w.Line("/// Writes the inference graph of this network to <paramref name=\"destination\"/> as an ONNX model (opset 17 by");
        w.Line("/// default): Dropout left out, BatchNorm with its running statistics, the final activation as declared.");
        w.Line($"/// The graph's input (<c>input</c> unless the options name it) is <c>[N, {Literals.Xml(string.Join(", ", Dims(plan.InputShape)))}]</c> with a symbolic batch size N.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"destination\">A writable stream; the model is written in one piece at the end.</param>");
        w.Line("/// <param name=\"options\">Opset, IR version, element type and value names; <see langword=\"null\"/> for the defaults.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">An option is out of range.</exception>");
        w.Line("/// <exception cref=\"global::System.NotSupportedException\">Float64 was asked for a layer whose ONNX op has no double kernel in ONNX Runtime.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public void ExportOnnx(global::System.IO.Stream destination, {Options}? options = null)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(destination);");
            w.Line("BuildOnnxGraph(options).Save(destination);");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Writes the inference graph of this network to the ONNX file <paramref name=\"path\"/>, atomically: a temporary");
        w.Line("/// file beside it, flushed to disk, then moved over it. See the stream overload for the graph.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"path\">The file to write, conventionally <c>*.onnx</c>.</param>");
        w.Line("/// <param name=\"options\">Opset, IR version, element type and value names; <see langword=\"null\"/> for the defaults.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">An option is out of range.</exception>");
        w.Line("/// <exception cref=\"global::System.NotSupportedException\">Float64 was asked for a layer whose ONNX op has no double kernel in ONNX Runtime.</exception>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public void ExportOnnx(string path, {Options}? options = null)"))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(path);");
            w.Line("BuildOnnxGraph(options).Save(path);");
        }

        w.Line();
        w.Line($"// The graph, layer by layer: input [N×{input}], then the nodes each layer becomes.");
        using (w.Block($"private {Builder}<{c.T}> BuildOnnxGraph({Options}? options)"))
        {
            w.Line($"var graph = new {Builder}<{c.T}>({Literals.String(plan.Spec.ClassName)}, Architecture, options, {string.Join(", ", Dims(plan.InputShape))});");
            foreach (PlannedLayer layer in plan.Layers)
            {
                LayerEmitter emitter = LayerEmitter.For(layer.Spec);
                w.Line();
                w.Line($"// Layer {Literals.Int(layer.Number)}: {emitter.Sentence(layer)}.  {emitter.OnnxMath(layer)}");
                emitter.EmitOnnx(w, layer, c);
            }

            w.Line();
            w.Line("return graph;");
        }
    }

    /// <summary>The stub's overloads, for a network that cannot run: they throw like every other member.</summary>
    public static void WriteStub(SourceWriter w, string throwExpression)
    {
        w.Line("/// <summary>Throws: the network cannot run.</summary>");
        w.Line($"public void ExportOnnx(global::System.IO.Stream destination, {Options}? options = null) => {throwExpression};");
        w.Line("/// <summary>Throws: the network cannot run.</summary>");
        w.Line($"public void ExportOnnx(string path, {Options}? options = null) => {throwExpression};");
    }

    private static string[] Dims(Shape shape)
    {
        var dims = new string[shape.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = Literals.Int(shape[i]);
        }

        return dims;
    }
}
