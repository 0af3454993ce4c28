using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Layers;

/// <summary>Writes the call that draws a weight tensor, with the scheme and its variance in the comment.</summary>
internal static class WeightInitializer
{
    // declared: the layer's Init as written, to say when it was Init.Auto.
    public static void Write(SourceWriter writer, EmitContext context, PlannedLayer layer, InitKind declared, TensorPlan weights, int fanIn, int fanOut)
    {
        string w = weights.Field;
        string fan = Literals.Int(fanIn), fanOutText = Literals.Int(fanOut);
        string call = layer.ResolvedInit switch
        {
            InitKind.Zeros => $"{RuntimeTypes.Initializers}.Zeros({w});",
            InitKind.SmallRandom => $"{RuntimeTypes.Initializers}.SmallRandom({w}, random);",
            InitKind.LeCunNormal => $"{RuntimeTypes.Initializers}.LeCunNormal({w}, fanIn: {fan}, random);",
            InitKind.GlorotUniform => $"{RuntimeTypes.Initializers}.GlorotUniform({w}, fanIn: {fan}, fanOut: {fanOutText}, random);",
            InitKind.HeNormal => $"{RuntimeTypes.Initializers}.HeNormal({w}, fanIn: {fan}, random);",
            InitKind.HeUniform => $"{RuntimeTypes.Initializers}.HeUniform({w}, fanIn: {fan}, random);",
            _ => $"{RuntimeTypes.Initializers}.GlorotNormal({w}, fanIn: {fan}, fanOut: {fanOutText}, random);",
        };
        string why = layer.ResolvedInit switch
        {
            InitKind.Zeros => "zeros",
            InitKind.SmallRandom => "N(0, 0.01²)",
            InitKind.LeCunNormal => $"LeCun normal, Var = 1/{fan}",
            InitKind.GlorotUniform => $"Glorot uniform, U(±√(6/({fan} + {fanOutText})))",
            InitKind.HeNormal => $"He normal, Var = 2/{fan}",
            InitKind.HeUniform => $"He uniform, U(±√(6/{fan}))",
            _ => $"Glorot normal, Var = 2/({fan} + {fanOutText})",
        };
        string auto = declared == InitKind.Auto ? " (Init.Auto)" : string.Empty;
        string biases = layer.Tensors.Count > 1 ? $"; {layer.Tensors[1].Field} = 0" : string.Empty;
        writer.Line($"// Layer {Literals.Int(layer.Number)}: {LayerEmitter.For(layer.Spec).Sentence(layer)}.  {w} ~ {why}{auto}{biases}.");
        writer.Line(call);
    }
}
