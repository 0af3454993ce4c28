using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Emit.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary><c>Name.Parameters.g.cs</c>: sizes, buffers, constructors, initialization and layer views.</summary>
internal static class ParametersFile
{
    public static void Write(SourceWriter w, EmitContext c)
    {
        NetworkPlan plan = c.Plan;
        string t = c.T, net = $"{RuntimeTypes.INetwork}<{t}>", view = $"{RuntimeTypes.LayerView}<{t}>";
        string name = Literals.Identifier(plan.Spec.ClassName);

        w.Line($"/// <summary>Features per input sample: [{plan.InputShape.Text}].</summary>");
        w.Line($"public const int InputSize = {Literals.Int(plan.InputSize)};");
        w.Line();
        w.Line("/// <summary>Values per output sample.</summary>");
        w.Line($"public const int OutputSize = {Literals.Int(plan.OutputSize)};");
        w.Line();
        w.Line("/// <summary>Trainable parameters: the length of <see cref=\"Parameters\"/>.</summary>");
        w.Line($"public const int ParameterCount = {Literals.Int(plan.ParameterCount)};");
        w.Line();
        w.Line("/// <summary>Non-trainable state values (BatchNorm running statistics): the length of <see cref=\"State\"/>.</summary>");
        w.Line($"public const int StateCount = {Literals.Int(plan.StateCount)};");
        w.Line();
        w.Line("/// <summary>The architecture in one line; equal strings mean interchangeable parameters and state.</summary>");
        w.Line($"public const string Architecture = {Literals.String(ClassDocs.Architecture(plan))};");
        w.Line();
        w.Line("/// <summary>A table of the layers: output shape and parameter count of each, and the totals.</summary>");
        w.Line($"public static string Summary {{ get; }} = {Literals.String(ClassDocs.Table(plan))};");
        w.Line();
        w.Line($"private readonly {t}[] _parameters = new {t}[ParameterCount];");
        w.Line($"private readonly {t}[] _gradients = new {t}[ParameterCount];");
        w.Line($"private readonly {t}[] _state = new {t}[StateCount];");
        w.Line($"private readonly {RuntimeTypes.NetGenRandom} _random;");
        w.Line($"private {view}[]? _layers;");
        w.Line();
        w.Line($"/// <summary>Creates the network with weights drawn from the seed of <c>[Network(Seed = {Literals.Int(plan.Spec.Seed)})]</c>.</summary>");
        w.Line(NetworkEmitter.GeneratedCode);
        w.Line($"public {name}() : this({Literals.Int(plan.Spec.Seed)})");
        w.Open();
        w.Close();
        w.Line();
        w.Line("/// <summary>Creates the network with weights drawn from <paramref name=\"seed\"/>: the same seed gives the same weights on every machine.</summary>");
        w.Line("/// <param name=\"seed\">Seeds the weights (stream 0) and the dropout masks (stream 1).</param>");
        w.Line(NetworkEmitter.GeneratedCode);
        using (w.Block($"public {name}(int seed)"))
        {
            w.Line($"_random = new {RuntimeTypes.NetGenRandom}(seed, stream: 1);");
            w.Line($"Initialize(new {RuntimeTypes.NetGenRandom}(seed, stream: 0));");
        }

        w.Line();
        w.Line($"/// <summary>All trainable parameters, layer by layer: Dense W [out × in] then b [out]; BatchNorm γ then β; PReLU α{KindLayouts(plan)}.</summary>");
        w.Line($"public {c.Span} Parameters => _parameters;");
        w.Line();
        w.Line("/// <summary>The gradient of the last <c>TrainStep</c>'s loss, in the layout of <see cref=\"Parameters\"/>.</summary>");
        w.Line($"public {c.Span} Gradients => _gradients;");
        w.Line();
        w.Line("/// <summary>Non-trainable state: per BatchNorm layer, running mean then running variance.</summary>");
        w.Line($"public {c.Span} State => _state;");
        w.Line();
        w.Line("/// <summary>The state of the generator that draws dropout masks; restoring it replays the same masks.</summary>");
        w.Line("public ulong RandomState { get => _random.State; set => _random.State = value; }");
        w.Line();
        w.Line("/// <summary>The layers after the input, with views of their parameters and gradients.</summary>");
        w.Line($"public global::System.Collections.Generic.IReadOnlyList<{view}> Layers => _layers ??= CreateLayers();");
        foreach (PlannedLayer layer in plan.Layers)
        {
            LayerEmitter emitter = LayerEmitter.For(layer.Spec);
            string tensors = layer.Tensors.IsEmpty ? "no parameters" : string.Join(", ", layer.Tensors.Select(x => $"{x.Name} [{x.Shape.Text}]"));
            w.Line();
            w.Line($"/// <summary>Layer {Literals.Int(layer.Number)}: {Literals.Xml(emitter.Sentence(layer))} ({Literals.Xml(tensors)}).</summary>");
            w.Line($"public {view} {Literals.Identifier(layer.PropertyName)} => (_layers ??= CreateLayers())[{Literals.Int(layer.Number - 1)}];");
        }

        w.Line();
        w.Line($"int {net}.InputSize => InputSize;");
        w.Line();
        w.Line($"int {net}.OutputSize => OutputSize;");
        w.Line();
        w.Line($"int {net}.ParameterCount => ParameterCount;");
        w.Line();
        w.Line($"string {net}.Architecture => Architecture;");
        w.Line();
        w.Line($"{RuntimeTypes.LossFunction} {net}.Loss => {NetworkEmitter.LossLiteral(plan.Spec.Loss)};");
        w.Line();
        w.Line("// Draws every weight in declaration order from one generator, so a seed fixes the whole network.");
        using (w.Block($"private void Initialize({RuntimeTypes.NetGenRandom} random)"))
        {
            bool first = true;
            foreach (PlannedLayer layer in plan.Layers)
            {
                var layerWriter = new SourceWriter();
                LayerEmitter.For(layer.Spec).Initialize(layerWriter, layer, c);
                string text = layerWriter.ToString();
                if (text.Length == 0)
                {
                    continue;
                }

                if (!first)
                {
                    w.Line();
                }

                w.Lines(text.TrimEnd('\n'));
                first = false;
            }
        }

        w.Line();
        using (w.Block($"private {view}[] CreateLayers()"))
        {
            w.Line("return new[]");
            w.Open();
            foreach (PlannedLayer layer in plan.Layers)
            {
                string shape = string.Join(", ", layer.OutputShape.Select(Literals.Int));
                string tensors = layer.Tensors.IsEmpty
                    ? $"global::System.Array.Empty<{RuntimeTypes.ParameterView}<{t}>>()"
                    : "new[] { " + string.Join(", ", layer.Tensors.Select(x => $"new {RuntimeTypes.ParameterView}<{t}>({Literals.String(x.Name)}, _parameters, _gradients, {Literals.Int(x.Offset)}, new[] {{ {string.Join(", ", x.Shape.Select(Literals.Int))} }})")) + " }";
                string displayName = layer.Spec.Name is { Length: > 0 } given ? given : layer.PropertyName;
                w.Line($"new {view}({Literals.Int(layer.Number)}, {Literals.String(displayName)}, {Literals.String(layer.Kind)}, new[] {{ {shape} }}, {tensors}),");
            }

            w.Close(";");
        }

        w.Line();
        w.Line("// Each tensor as a span of the flat buffers, named as in the math comments.");
        foreach (PlannedLayer layer in plan.Layers)
        {
            foreach (TensorPlan tensor in layer.Tensors)
            {
                w.Line($"private {c.Span} {tensor.Field} => _parameters.AsSpan({Literals.Int(tensor.Offset)}, {Literals.Int(tensor.Length)});");
                w.Line($"private {c.Span} {EmitContext.Gradient(tensor)} => _gradients.AsSpan({Literals.Int(tensor.Offset)}, {Literals.Int(tensor.Length)});");
            }

            if (layer.StateCount > 0)
            {
                int half = layer.StateCount / 2;
                w.Line($"private {c.Span} runningMean{Literals.Int(layer.Number)} => _state.AsSpan({Literals.Int(layer.StateOffset)}, {Literals.Int(half)});");
                w.Line($"private {c.Span} runningVariance{Literals.Int(layer.Number)} => _state.AsSpan({Literals.Int(layer.StateOffset + half)}, {Literals.Int(half)});");
            }
        }
    }

    /// <summary>
    /// The layouts the emitters of the network's kinds add to the <c>Parameters</c> summary (DESIGN §3), each once, in order
    /// of first use; empty when no kind adds one.
    /// </summary>
    private static string KindLayouts(NetworkPlan plan)
    {
        var notes = new List<string>();
        foreach (PlannedLayer layer in plan.Layers)
        {
            if (LayerEmitter.For(layer.Spec).ParameterLayout is { } note && !notes.Contains(note))
            {
                notes.Add(note);
            }
        }

        return string.Concat(notes.Select(n => "; " + n));
    }
}
