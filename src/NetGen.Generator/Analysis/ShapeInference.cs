using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Analysis.Layers;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis;

/// <summary>
/// Infers every layer's shape and parameter layout from a <see cref="NetworkSpec"/>, and finds what is wrong with
/// it. Pure: no Roslyn types, so it is tested without a compilation and shared by the generator and the analyzer.
/// </summary>
internal static class ShapeInference
{
    /// <summary>Attribute index of the <c>[Network]</c> attribute in <see cref="ShapeError.AttributeIndex"/>.</summary>
    public const int NetworkAttribute = -1;

    /// <summary>
    /// <see cref="ShapeError.AttributeIndex"/> of a diagnostic on a user member (NG0014); <see cref="ShapeError.Argument"/>
    /// is the member's name, or a constructor key of <see cref="GeneratedNames"/>.
    /// </summary>
    public const int UserMember = -2;

    /// <summary><see cref="ShapeError.AttributeIndex"/> of a diagnostic on the class name itself (NG0014).</summary>
    public const int ClassName = -3;

    /// <summary>The largest array .NET allocates (<c>Array.MaxLength</c>): every buffer's length must fit in it.</summary>
    public const long MaxArrayLength = 0x7FFFFFC7;

    /// <summary>
    /// Above this <c>UnrollLimit</c> warns NG0015 and is treated as this value. A layer of 4,096 weights unrolls to about
    /// 0.2 MB of source that compiles in a few seconds; time grows about linearly (65,536 weights: 3.3 MB, about 55 s on a
    /// busy 2-core machine; docs/diagnostics/NG0015.md), while a kernel call is as fast for layers this large.
    /// </summary>
    public const int UnrollCeiling = 4096;

    public static NetworkPlan Infer(NetworkSpec spec)
    {
        var diagnostics = new List<ShapeError>();
        var layers = new List<PlannedLayer>();
        CheckInputs(spec, diagnostics);
        CheckNetworkOptions(spec, diagnostics);

        // Walk the layers after the first [Input], carrying the shape one sample has there.
        InputSpec? input = spec.Layers.OfType<InputSpec>().FirstOrDefault();
        var path = new List<string>();
        Shape? shape = input is null ? null : InputShape(input, diagnostics, path);
        var context = new RuleContext(spec, diagnostics, path);
        string[] propertyNames = LayerNames.PropertyNames(spec);
        string? unsupported = null;
        int parameterOffset = 0, stateOffset = 0, number = 0;
        long parameterCount = 0;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerSpec layer = spec.Layers[i];
            if (layer is InputSpec)
            {
                continue;
            }

            number++;
            if (layer is InvalidSpec)
            {
                unsupported ??= $"{spec.ClassName} has a layer attribute that could not be read (see the compiler's error).";
                shape = null;
                continue;
            }

            LayerRule rule = LayerRule.For(layer);
            Shape? output = rule.CheckOptions(layer, context) && shape is { } known ? rule.Output(layer, known, context) : null;
            if (output is { } produced && shape is { } before && LargestBuffer(rule, layer, before, produced) is var largest && largest.Length > MaxArrayLength)
            {
                // Sizes are ints in the generated code: a larger buffer would wrap around to a wrong (even negative) size.
                diagnostics.Add(Error(DiagnosticId.NG0011, layer.AttributeIndex, null, $"{LayerNames.Describe(layer)} needs {Count(largest.Length)} values per sample for {largest.What}, more than one array can hold ({Count(MaxArrayLength)}). {context.Trail}"));
                output = null;
            }

            path.Add($"{layer.Kind}({(output is { } o ? o.Text : "?")})");
            if (output is not { } next || shape is not { } current)
            {
                shape = output;
                if (output is null)
                {
                    // Nothing further can be checked without a size; one mistake gives one diagnostic.
                    number += spec.Layers.Count - i - 1;
                    break;
                }

                continue;
            }

            // Every product below fits: LargestBuffer checked the layer's tensors and buffers against MaxArrayLength.
            var layout = new TensorLayout(number, parameterOffset);
            rule.Tensors(layer, current, next, layout);
            parameterOffset = layout.Offset;
            parameterCount += layout.Count;
            InitKind init = ResolveInit(spec, i, diagnostics);
            bool unrolled = rule.Unrolled(layer, current, System.Math.Min(spec.UnrollLimit, UnrollCeiling));
            layers.Add(new PlannedLayer(number, layer, propertyNames[i], current, next, layout.Planned.ToEquatableArray(), stateOffset, layout.StateCount, init, unrolled));
            stateOffset += layout.StateCount;
            shape = output;
        }

        bool complete = shape is not null && layers.Count == number && input is not null;
        LossFusion fusion = LossFusion.None;
        if (complete)
        {
            fusion = CheckLoss(spec, layers, diagnostics);
            if (fusion != LossFusion.None)
            {
                layers[layers.Count - 1] = layers[layers.Count - 1] with { FusedWithLoss = true };
            }
            CheckSquashing(spec, layers, diagnostics);
        }

        LayerSequenceChecks.Check(spec, layers, diagnostics);
        CheckParameterCount(spec, parameterCount, context.Trail, diagnostics);
        if (complete && layers.Count == 0)
        {
            unsupported ??= $"{spec.ClassName} has no layers after [Input]: add at least one layer, e.g. [Dense(10)].";
            diagnostics.Add(Error(DiagnosticId.NG0016, input!.AttributeIndex, null, $"{spec.ClassName} has no layer after [Input({Dims(input.Shape)})]: a network needs at least one, e.g. [Dense(10)], so there is nothing to generate."));
        }

        CheckNames(spec, layers, diagnostics);
        if (!complete && unsupported is null && !diagnostics.Any(d => d.Severity == Severity.Error))
        {
            unsupported = $"{spec.ClassName}'s shapes could not be inferred.";
        }

        return new NetworkPlan(spec, layers.ToEquatableArray(), ValidInputShape(input), parameterCount, stateOffset, fusion, diagnostics.ToEquatableArray(), unsupported);
    }

    /// <summary>NG0003: <c>[Input]</c> must come first, once.</summary>
    private static void CheckInputs(NetworkSpec spec, List<ShapeError> diagnostics)
    {
        if (!spec.Layers.OfType<InputSpec>().Any())
        {
            string first = spec.Layers.Count > 0 ? $", found {spec.Layers[0].Kind} first" : string.Empty;
            diagnostics.Add(Error(DiagnosticId.NG0003, NetworkAttribute, null, $"{spec.ClassName} has no [Input] layer{first}: the first layer attribute must be [Input(…)], e.g. [Input(784)]."));
        }

        bool seenInput = false;
        foreach (InputSpec layer in spec.Layers.OfType<InputSpec>())
        {
            if (seenInput)
            {
                diagnostics.Add(Error(DiagnosticId.NG0003, layer.AttributeIndex, null, $"{spec.ClassName} has more than one [Input]: a network has exactly one, as its first layer attribute."));
            }
            else if (layer.AttributeIndex != 0)
            {
                diagnostics.Add(Error(DiagnosticId.NG0003, layer.AttributeIndex, null, $"[Input] must be the first layer attribute of {spec.ClassName}, but {spec.Layers[0].Kind} comes before it."));
            }

            seenInput = true;
        }
    }

    /// <summary>The shape of one sample, or null after NG0007/NG0011; starts the path.</summary>
    private static Shape? InputShape(InputSpec input, List<ShapeError> diagnostics, List<string> path)
    {
        path.Add($"Input({Dims(input.Shape)})");
        if (input.Shape.Count is < 1 or > 3)
        {
            diagnostics.Add(Error(DiagnosticId.NG0007, input.AttributeIndex, "shape", $"[Input] has {input.Shape.Count} dimensions: give 1 (features), 2 (channels × length) or 3 (channels × height × width)."));
            return null;
        }

        if (input.Shape.Any(d => d <= 0))
        {
            diagnostics.Add(Error(DiagnosticId.NG0007, input.AttributeIndex, "shape", $"[Input({Dims(input.Shape)})] has a size ≤ 0: every dimension must be positive."));
            return null;
        }

        var shape = new Shape(input.Shape);
        if (shape.Product > MaxArrayLength)
        {
            diagnostics.Add(Error(DiagnosticId.NG0011, input.AttributeIndex, "shape", $"[Input({Dims(input.Shape)})] has {Count(shape.Product)} values per sample, more than one array can hold ({Count(MaxArrayLength)})."));
            return null;
        }

        return shape;
    }

    /// <summary>The input shape the plan records: the declared one when it is valid, else none.</summary>
    private static Shape ValidInputShape(InputSpec? input)
    {
        if (input is null || input.Shape.Count is < 1 or > 3 || input.Shape.Any(d => d <= 0) || new Shape(input.Shape).Product > MaxArrayLength)
        {
            return Shape.Empty;
        }

        return new Shape(input.Shape);
    }

    private static void CheckParameterCount(NetworkSpec spec, long parameterCount, string trail, List<ShapeError> diagnostics)
    {
        if (spec.MaxParameters > 0 && parameterCount > spec.MaxParameters)
        {
            diagnostics.Add(Error(DiagnosticId.NG0011, NetworkAttribute, "MaxParameters", $"{spec.ClassName} has {Count(parameterCount)} parameters, over its budget MaxParameters = {Count(spec.MaxParameters)}: {trail}."));
        }
        else if (parameterCount > MaxArrayLength)
        {
            diagnostics.Add(Error(DiagnosticId.NG0011, NetworkAttribute, null, $"{spec.ClassName} has {Count(parameterCount)} parameters, more than one array can hold ({Count(MaxArrayLength)})."));
        }
    }

    private static void CheckNetworkOptions(NetworkSpec spec, List<ShapeError> diagnostics)
    {
        if (spec.Precision is not (0 or 1))
        {
            diagnostics.Add(Error(DiagnosticId.NG0007, NetworkAttribute, "Precision", $"Precision = {spec.Precision} is not a Precision: use Precision.Single or Precision.Double."));
        }

        foreach ((string name, double value) in new[] { ("L1", spec.L1), ("L2", spec.L2) })
        {
            double emitted = Messages.AsEmitted(spec, value);
            if (!(emitted >= 0) || double.IsInfinity(emitted) || (emitted == 0 && value != 0))
            {
                diagnostics.Add(Error(DiagnosticId.NG0007, NetworkAttribute, name, $"{name} = {Num(value)}{AsFloat(spec, value)} is invalid: a penalty weight must be a finite number ≥ 0."));
            }
        }

        if (spec.UnrollLimit < 0)
        {
            diagnostics.Add(Error(DiagnosticId.NG0007, NetworkAttribute, "UnrollLimit", $"UnrollLimit = {spec.UnrollLimit} is invalid: it must be ≥ 0 (0 never unrolls)."));
        }
        else if (spec.UnrollLimit > UnrollCeiling)
        {
            diagnostics.Add(Warning(DiagnosticId.NG0015, NetworkAttribute, "UnrollLimit", $"UnrollLimit = {Count(spec.UnrollLimit)} is above the ceiling of {Count(UnrollCeiling)} weights: larger layers would be written out as so many statements that the build slows down without making the network faster. Layers up to {Count(UnrollCeiling)} weights are unrolled; larger ones call the runtime's kernels."));
        }

        if (spec.MaxParameters < 0)
        {
            diagnostics.Add(Error(DiagnosticId.NG0007, NetworkAttribute, "MaxParameters", $"MaxParameters = {spec.MaxParameters} is invalid: it must be ≥ 0 (0: no budget)."));
        }

        if (!System.Enum.IsDefined(typeof(LossKind), spec.Loss))
        {
            diagnostics.Add(Error(DiagnosticId.NG0007, NetworkAttribute, "Loss", $"Loss = {(int)spec.Loss} is not a LossFunction."));
        }
    }

    /// <summary>Resolves <c>Init.Auto</c> and warns when an explicit scheme does not suit the activation after it.</summary>
    private static InitKind ResolveInit(NetworkSpec spec, int index, List<ShapeError> diagnostics)
    {
        LayerSpec layer = spec.Layers[index];
        LayerRule rule = LayerRule.For(layer);
        if (rule.Init(layer) is not { } declared)
        {
            return InitKind.Auto;
        }

        // The activation after the layer, looking past the layers that do not change what it needs.
        LayerSpec? next = null;
        InitRole nextRole = InitRole.Neutral;
        for (int j = index + 1; j < spec.Layers.Count; j++)
        {
            LayerSpec candidate = spec.Layers[j];
            InitRole role = candidate is InputSpec or InvalidSpec ? InitRole.Neutral : LayerRule.For(candidate).Role(candidate);
            if (role == InitRole.Transparent)
            {
                continue;
            }

            next = candidate;
            nextRole = role;
            break;
        }

        bool selfReLU = rule.Role(layer) == InitRole.ReLUFamily;
        bool reluFamily = selfReLU || nextRole == InitRole.ReLUFamily;
        bool squashing = nextRole == InitRole.Squashing;
        string who = LayerNames.Describe(layer);
        switch (declared)
        {
            case InitKind.Auto:
                return reluFamily ? InitKind.HeNormal : InitKind.GlorotNormal;
            case InitKind.Zeros:
                diagnostics.Add(Warning(DiagnosticId.NG0009, layer.AttributeIndex, "Init", $"{who} starts with all weights zero: every unit computes the same output and receives the same gradient, so the units stay identical. Use Init.Auto.") with { Fix = Diagnostics.FixHints.UseInitAuto });
                break;
            case InitKind.GlorotNormal or InitKind.GlorotUniform when reluFamily && !selfReLU:
                diagnostics.Add(Warning(DiagnosticId.NG0010, layer.AttributeIndex, "Init", $"{who} uses {declared} but is followed by {next?.Kind}: Glorot assumes a symmetric activation and halves the signal variance at each ReLU layer; He initialization (Init.HeNormal or Init.Auto) keeps it."));
                break;
            case InitKind.HeNormal or InitKind.HeUniform when squashing:
                diagnostics.Add(Warning(DiagnosticId.NG0010, layer.AttributeIndex, "Init", $"{who} uses {declared} but is followed by {next?.Kind}: He's larger variance saturates {next?.Kind}; Glorot initialization (Init.GlorotNormal or Init.Auto) suits it."));
                break;
        }

        return declared;
    }

    private static LossFusion CheckLoss(NetworkSpec spec, List<PlannedLayer> layers, List<ShapeError> diagnostics)
    {
        PlannedLayer? last = layers.Count > 0 ? layers[layers.Count - 1] : null;
        int outputs = last?.OutputSize ?? (spec.Layers[0] is InputSpec input ? new Shape(input.Shape).Size : 0);

        // An undefined loss value is NG0007 (CheckNetworkOptions): nothing to fuse.
        return Losses.LossRule.For(spec.Loss)?.Check(spec, last, outputs, diagnostics) ?? LossFusion.None;
    }

    private static void CheckSquashing(NetworkSpec spec, List<PlannedLayer> layers, List<ShapeError> diagnostics)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            PlannedLayer layer = layers[i];
            bool squashes = SquashesToProbabilities(layer.Spec);
            if (i > 0 && squashes && SquashesToProbabilities(layers[i - 1].Spec))
            {
                diagnostics.Add(Warning(DiagnosticId.NG0012, layer.Spec.AttributeIndex, null, $"{LayerNames.Describe(layer.Spec)} directly follows {layers[i - 1].Kind}: squashing twice compresses the outputs into a narrow range and weakens the gradient. Remove one of them."));
            }
            else if (layer.Spec is SoftmaxSpec && i != layers.Count - 1 && !SquashesToProbabilities(layers[i + 1].Spec))
            {
                // A Softmax directly followed by Softmax or Sigmoid is one mistake, reported once on the layer after it.
                diagnostics.Add(Warning(DiagnosticId.NG0012, layer.Spec.AttributeIndex, null, $"{LayerNames.Describe(layer.Spec)} is not the last layer: Softmax turns scores into class probabilities and belongs at the output; inside a network use an activation such as [ReLU]."));
            }
        }
    }

    /// <summary>Softmax and Sigmoid: their outputs are probabilities (NG0012 when they are stacked or Softmax is not last).</summary>
    private static bool SquashesToProbabilities(LayerSpec layer) => layer is SoftmaxSpec or ActivationSpec { Function: ActivationFunction.Sigmoid };

    private static ShapeError Error(DiagnosticId id, int attribute, string? argument, FormattableString message) => Messages.Error(id, attribute, argument, message);

    private static ShapeError Warning(DiagnosticId id, int attribute, string? argument, FormattableString message) => Messages.Warning(id, attribute, argument, message);

    /// <summary>
    /// The largest per-sample length the layer's code needs (a tensor, an output, or a kernel's workspace), in long, so
    /// that sizes that do not fit an array are reported instead of wrapping around in the generated code.
    /// </summary>
    private static (long Length, string What) LargestBuffer(LayerRule rule, LayerSpec layer, Shape input, Shape output) =>
        new (long Length, string What)[] { (output.Product, "its output") }.Concat(rule.Buffers(layer, input, output)).OrderByDescending(c => c.Length).First();

    /// <summary>NG0014: a user member, a user constructor or the class name clashing with a member NetGen generates.</summary>
    private static void CheckNames(NetworkSpec spec, List<PlannedLayer> layers, List<ShapeError> diagnostics)
    {
        var generated = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (string name in GeneratedNames.Public)
        {
            generated[name] = $"'{name}' is a public member NetGen generates in {spec.ClassName}";
        }

        foreach (string name in GeneratedNames.Private)
        {
            generated[name] = $"'{name}' is a private member NetGen generates in {spec.ClassName}";
        }

        foreach ((string name, PlannedLayer layer) in GeneratedNames.LayerMembers(layers))
        {
            generated[name] = $"'{name}' is the private span NetGen generates in {spec.ClassName} for a tensor of layer {layer.Number} ({layer.Kind})";
        }

        foreach (string member in spec.MemberNames)
        {
            if (member.StartsWith(GeneratedNames.InheritedPrefix, System.StringComparison.Ordinal))
            {
                string name = member.Substring(GeneratedNames.InheritedPrefix.Length);
                if (generated.TryGetValue(name, out string? inherited))
                {
                    diagnostics.Add(Error(DiagnosticId.NG0014, ClassName, null, $"{inherited}, and {spec.ClassName} inherits a member '{name}' from its base class that it would hide: rename that member or do not derive the network from that class."));
                }

                continue;
            }

            string? message = member switch
            {
                GeneratedNames.ParameterlessConstructor => $"{spec.ClassName}() is a constructor NetGen generates (it draws the weights from [Network(Seed)]): remove yours, or give it parameters and chain it to this(seed).",
                GeneratedNames.SeedConstructor => $"{spec.ClassName}(int seed) is a constructor NetGen generates (it allocates the buffers and draws the weights): remove yours, or give it other parameters and chain it to this(seed).",
                GeneratedNames.UnchainedConstructor => $"This constructor of {spec.ClassName} does not chain to this(seed) or this(): NetGen's constructor allocates the network's buffers and draws its weights, so without it the network cannot run. Add ': this(seed)'.",
                _ => generated.TryGetValue(member, out string? what) ? $"{what}: rename your member." : null,
            };
            if (message is not null)
            {
                diagnostics.Add(Error(DiagnosticId.NG0014, UserMember, member, $"{message}"));
            }
        }

        if (generated.TryGetValue(spec.ClassName, out string? clash))
        {
            diagnostics.Add(Error(DiagnosticId.NG0014, ClassName, null, $"{clash}, and a member cannot have the name of its class: rename the class."));
        }
    }

    private static string AsFloat(NetworkSpec spec, double value) => Messages.AsFloat(spec, value);

    private static string Count(long value) => Messages.Count(value);

    private static string Num(double value) => Messages.Num(value);

    public static string Dims(IEnumerable<int> shape) => string.Join("×", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
}
