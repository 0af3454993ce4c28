using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
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
        EquatableArray<int> inputShape = EquatableArray<int>.Empty;
        string? unsupported = null;

        // [Input] must come first, once.
        int inputs = spec.Layers.Count(l => l.Kind == LayerKind.Input);
        if (inputs == 0)
        {
            string first = spec.Layers.Count > 0 ? $", found {spec.Layers[0].Kind} first" : string.Empty;
            diagnostics.Add(Error("NG0003", NetworkAttribute, null, $"{spec.ClassName} has no [Input] layer{first}: the first layer attribute must be [Input(…)], e.g. [Input(784)]."));
        }

        bool seenInput = false;
        foreach (LayerSpec layer in spec.Layers.Where(l => l.Kind == LayerKind.Input))
        {
            if (seenInput)
            {
                diagnostics.Add(Error("NG0003", layer.AttributeIndex, null, $"{spec.ClassName} has more than one [Input]: a network has exactly one, as its first layer attribute."));
            }
            else if (layer.AttributeIndex != 0)
            {
                diagnostics.Add(Error("NG0003", layer.AttributeIndex, null, $"[Input] must be the first layer attribute of {spec.ClassName}, but {spec.Layers[0].Kind} comes before it."));
            }

            seenInput = true;
        }

        CheckNetworkOptions(spec, diagnostics);

        // Walk the layers after the first [Input], carrying the shape one sample has there.
        LayerSpec? input = spec.Layers.FirstOrDefault(l => l.Kind == LayerKind.Input);
        int[]? shape = null;
        var path = new List<string>();
        if (input is not null)
        {
            if (input.Shape.Count is < 1 or > 3)
            {
                diagnostics.Add(Error("NG0007", input.AttributeIndex, "shape", $"[Input] has {input.Shape.Count} dimensions: give 1 (features), 2 (channels × length) or 3 (channels × height × width)."));
            }
            else if (input.Shape.Any(d => d <= 0))
            {
                diagnostics.Add(Error("NG0007", input.AttributeIndex, "shape", $"[Input({Dims(input.Shape)})] has a size ≤ 0: every dimension must be positive."));
            }
            else if (LongProduct(input.Shape) > MaxArrayLength)
            {
                diagnostics.Add(Error("NG0011", input.AttributeIndex, "shape", $"[Input({Dims(input.Shape)})] has {Count(LongProduct(input.Shape))} values per sample, more than one array can hold ({Count(MaxArrayLength)})."));
            }
            else
            {
                shape = input.Shape.ToArray();
                inputShape = input.Shape;
            }

            path.Add($"Input({Dims(input.Shape)})");
        }

        string[] propertyNames = LayerNames.PropertyNames(spec);
        int parameterOffset = 0;
        long parameterCount = 0;
        int stateOffset = 0;
        int number = 0;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerSpec layer = spec.Layers[i];
            if (layer.Kind == LayerKind.Input)
            {
                continue;
            }

            number++;
            if (layer.Kind == LayerKind.Invalid)
            {
                unsupported ??= $"{spec.ClassName} has a layer attribute that could not be read (see the compiler's error).";
                shape = null;
                continue;
            }

            int[]? output = CheckHyperparameters(spec, layer, diagnostics) ? InferOutput(spec, layer, shape, path, diagnostics) : null;
            if (output is not null && shape is not null && LargestBuffer(layer, shape, output) is { } largest && largest.Length > MaxArrayLength)
            {
                // Sizes are ints in the generated code: a larger buffer would wrap around to a wrong (even negative) size.
                diagnostics.Add(Error("NG0011", layer.AttributeIndex, null, $"{LayerNames.Describe(layer)} needs {Count(largest.Length)} values per sample for {largest.What}, more than one array can hold ({Count(MaxArrayLength)}). {string.Join(" → ", path)}"));
                output = null;
            }

            string step = $"{layer.Kind}({(output is null ? "?" : Dims(output))})";
            path.Add(step);
            if (output is null || shape is null)
            {
                shape = output;
                if (output is null)
                {
                    // Nothing further can be checked without a size; one mistake gives one diagnostic.
                    for (int rest = i + 1; rest < spec.Layers.Count; rest++)
                    {
                        number++;
                    }

                    break;
                }

                continue;
            }

            var tensors = new List<TensorPlan>();
            int inputSize = Product(shape);
            int outputSize = Product(output);
            void AddTensor(string name, string field, params int[] dims)
            {
                tensors.Add(new TensorPlan(name, field, parameterOffset, dims.ToEquatableArray()));
                long length = dims.Aggregate(1L, (a, d) => a * d);
                parameterCount += length;
                parameterOffset = (int)System.Math.Min(int.MaxValue, parameterOffset + length);
            }

            // Every product below fits: LargestBuffer checked the layer's tensors and buffers against MaxArrayLength.

            string n = number.ToString(CultureInfo.InvariantCulture);
            int stateCount = 0;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    AddTensor("W", "W" + n, layer.Units, inputSize);
                    if (layer.Bias)
                    {
                        AddTensor("b", "b" + n, layer.Units);
                    }

                    break;
                case LayerKind.Maxout:
                    AddTensor("W", "W" + n, layer.Units * layer.Pieces, inputSize);
                    AddTensor("b", "b" + n, layer.Units * layer.Pieces);
                    break;
                case LayerKind.Conv2D:
                    // W [filters × C × k × k], then b [filters] (DESIGN §3).
                    AddTensor("W", "W" + n, layer.Filters, shape[0], layer.Kernel, layer.Kernel);
                    AddTensor("b", "b" + n, layer.Filters);
                    break;
                case LayerKind.Conv1D:
                    AddTensor("W", "W" + n, layer.Filters, shape[0], layer.Kernel);
                    AddTensor("b", "b" + n, layer.Filters);
                    break;
                case LayerKind.BatchNorm:
                    AddTensor("γ", "gamma" + n, output[0]);
                    AddTensor("β", "beta" + n, output[0]);
                    stateCount = 2 * output[0];
                    break;
                case LayerKind.PReLU:
                    AddTensor("α", "alpha" + n, layer.Shared ? 1 : outputSize);
                    break;
            }

            InitKind init = ResolveInit(spec, i, diagnostics);
            bool unrolled = layer.Kind == LayerKind.Dense && (long)inputSize * layer.Units <= System.Math.Min(spec.UnrollLimit, UnrollCeiling);
            layers.Add(new PlannedLayer(number, layer, propertyNames[i], shape.ToEquatableArray(), output.ToEquatableArray(), tensors.ToEquatableArray(), stateOffset, stateCount, init, unrolled));
            stateOffset += stateCount;
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

        if (spec.MaxParameters > 0 && parameterCount > spec.MaxParameters)
        {
            diagnostics.Add(Error("NG0011", NetworkAttribute, "MaxParameters", $"{spec.ClassName} has {Count(parameterCount)} parameters, over its budget MaxParameters = {Count(spec.MaxParameters)}: {string.Join(" → ", path)}."));
        }
        else if (parameterCount > MaxArrayLength)
        {
            diagnostics.Add(Error("NG0011", NetworkAttribute, null, $"{spec.ClassName} has {Count(parameterCount)} parameters, more than one array can hold ({Count(MaxArrayLength)})."));
        }

        if (complete && layers.Count == 0)
        {
            unsupported ??= $"{spec.ClassName} has no layers after [Input]: add at least one layer, e.g. [Dense(10)].";
            diagnostics.Add(Error("NG0016", input!.AttributeIndex, null, $"{spec.ClassName} has no layer after [Input({Dims(input.Shape)})]: a network needs at least one, e.g. [Dense(10)], so there is nothing to generate."));
        }

        CheckNames(spec, layers, diagnostics);

        if (!complete && unsupported is null && !diagnostics.Any(d => d.Severity == Severity.Error))
        {
            unsupported = $"{spec.ClassName}'s shapes could not be inferred.";
        }

        return new NetworkPlan(spec, layers.ToEquatableArray(), inputShape, parameterCount, stateOffset, fusion, diagnostics.ToEquatableArray(), unsupported);
    }

    private static void CheckNetworkOptions(NetworkSpec spec, List<ShapeError> diagnostics)
    {
        if (spec.Precision is not (0 or 1))
        {
            diagnostics.Add(Error("NG0007", NetworkAttribute, "Precision", $"Precision = {spec.Precision} is not a Precision: use Precision.Single or Precision.Double."));
        }

        foreach ((string name, double value) in new[] { ("L1", spec.L1), ("L2", spec.L2) })
        {
            double emitted = AsEmitted(spec, value);
            if (!(emitted >= 0) || double.IsInfinity(emitted) || (emitted == 0 && value != 0))
            {
                diagnostics.Add(Error("NG0007", NetworkAttribute, name, $"{name} = {Num(value)}{AsFloat(spec, value)} is invalid: a penalty weight must be a finite number ≥ 0."));
            }
        }

        if (spec.UnrollLimit < 0)
        {
            diagnostics.Add(Error("NG0007", NetworkAttribute, "UnrollLimit", $"UnrollLimit = {spec.UnrollLimit} is invalid: it must be ≥ 0 (0 never unrolls)."));
        }
        else if (spec.UnrollLimit > UnrollCeiling)
        {
            diagnostics.Add(Warning("NG0015", NetworkAttribute, "UnrollLimit", $"UnrollLimit = {Count(spec.UnrollLimit)} is above the ceiling of {Count(UnrollCeiling)} weights: larger layers would be written out as so many statements that the build slows down without making the network faster. Layers up to {Count(UnrollCeiling)} weights are unrolled; larger ones call the runtime's kernels."));
        }

        if (spec.MaxParameters < 0)
        {
            diagnostics.Add(Error("NG0007", NetworkAttribute, "MaxParameters", $"MaxParameters = {spec.MaxParameters} is invalid: it must be ≥ 0 (0: no budget)."));
        }

        if (!System.Enum.IsDefined(typeof(LossKind), spec.Loss))
        {
            diagnostics.Add(Error("NG0007", NetworkAttribute, "Loss", $"Loss = {(int)spec.Loss} is not a LossFunction."));
        }
    }

    /// <summary>Reports NG0007 for each invalid hyperparameter; false when the layer's size cannot be known.</summary>
    private static bool CheckHyperparameters(NetworkSpec spec, LayerSpec layer, List<ShapeError> diagnostics)
    {
        bool sized = true;
        string who = LayerNames.Describe(layer);
        void Invalid(string argument, FormattableString message, bool affectsSize)
        {
            diagnostics.Add(Error("NG0007", layer.AttributeIndex, argument, $"{who}: {message}"));
            sized &= !affectsSize;
        }

        double Emitted(double value) => AsEmitted(spec, value);
        bool Underflows(double value) => value != 0 && Emitted(value) == 0;
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                if (layer.Units <= 0) Invalid("units", $"units = {layer.Units}, but a layer needs at least 1 unit.", true);
                if (layer.Inputs < 0) Invalid("Inputs", $"Inputs = {layer.Inputs}: the stated input size must be positive (or left out).", false);
                CheckInit(layer, Invalid);
                break;
            case LayerKind.Maxout:
                if (layer.Units <= 0) Invalid("units", $"units = {layer.Units}, but a layer needs at least 1 unit.", true);
                if (layer.Pieces <= 0) Invalid("pieces", $"pieces = {layer.Pieces}, but each unit needs at least 1 piece.", true);
                CheckInit(layer, Invalid);
                break;
            // Each value is checked as it will be emitted: in single precision after the cast to float, where
            // Dropout(0.99999999) is 1, Epsilon = 1e-50 is 0 and ELU(1e39) is ∞.
            case LayerKind.Dropout:
                if (!(Emitted(layer.Rate) is >= 0 and < 1) || Underflows(layer.Rate)) Invalid("rate", $"rate = {Num(layer.Rate)}{AsFloat(spec, layer.Rate)} is the probability of dropping a value and must be in [0, 1).", false);
                break;
            case LayerKind.LeakyReLU:
            case LayerKind.ELU:
                if (!(Emitted(layer.Alpha) >= 0) || double.IsInfinity(Emitted(layer.Alpha)) || Underflows(layer.Alpha)) Invalid("alpha", $"alpha = {Num(layer.Alpha)}{AsFloat(spec, layer.Alpha)} must be a finite number ≥ 0.", false);
                break;
            case LayerKind.PReLU:
                if (double.IsNaN(Emitted(layer.InitialAlpha)) || double.IsInfinity(Emitted(layer.InitialAlpha)) || Underflows(layer.InitialAlpha)) Invalid("InitialAlpha", $"InitialAlpha = {Num(layer.InitialAlpha)}{AsFloat(spec, layer.InitialAlpha)} must be finite.", false);
                break;
            case LayerKind.BatchNorm:
                if (!(Emitted(layer.Momentum) is >= 0 and < 1) || Underflows(layer.Momentum)) Invalid("Momentum", $"Momentum = {Num(layer.Momentum)}{AsFloat(spec, layer.Momentum)} must be in [0, 1).", false);
                if (!(Emitted(layer.Epsilon) > 0) || double.IsInfinity(Emitted(layer.Epsilon))) Invalid("Epsilon", $"Epsilon = {Num(layer.Epsilon)}{AsFloat(spec, layer.Epsilon)} must be a finite number > 0.", false);
                break;
            case LayerKind.Conv2D:
            case LayerKind.Conv1D:
                if (layer.Filters <= 0) Invalid("filters", $"filters = {layer.Filters}, but a convolution needs at least 1 filter.", true);
                if (layer.Kernel <= 0) Invalid("kernel", $"kernel = {layer.Kernel} must be at least 1.", true);
                if (layer.Stride <= 0) Invalid("Stride", $"Stride = {layer.Stride} must be at least 1.", true);
                if (layer.Padding < 0) Invalid("Padding", $"Padding = {layer.Padding} must be ≥ 0.", true);
                CheckInit(layer, Invalid);
                break;
            case LayerKind.MaxPool2D:
            case LayerKind.MaxPool1D:
                if (layer.Size <= 0) Invalid("size", $"size = {layer.Size} must be at least 1.", true);
                if (layer.Stride <= 0) Invalid("Stride", $"Stride = {layer.Stride} must be at least 1.", true);
                break;
        }

        return sized;
    }

    private static void CheckInit(LayerSpec layer, System.Action<string, FormattableString, bool> invalid)
    {
        if (!System.Enum.IsDefined(typeof(InitKind), layer.Init))
        {
            invalid("Init", $"Init = {(int)layer.Init} is not an Init scheme.", false);
        }
    }

    private static int[]? InferOutput(NetworkSpec spec, LayerSpec layer, int[]? shape, List<string> path, List<ShapeError> diagnostics)
    {
        if (shape is null)
        {
            return null;
        }

        string who = LayerNames.Describe(layer);
        string trail = string.Join(" → ", path);
        int size = Product(shape);
        switch (layer.Kind)
        {
            case LayerKind.Dense:
            case LayerKind.Maxout:
                if (shape.Length != 1)
                {
                    diagnostics.Add(Error("NG0008", layer.AttributeIndex, null, $"{who} needs a flat vector but receives a {shape.Length}-D map [{Dims(shape)}]: insert [Flatten] before it. {trail}"));
                    return null;
                }

                if (layer.Kind == LayerKind.Dense && layer.Inputs > 0 && layer.Inputs != size)
                {
                    diagnostics.Add(Error("NG0001", layer.AttributeIndex, "Inputs", $"{who} expects {layer.Inputs} inputs but receives {size}: {trail}") with { FixValue = size.ToString(CultureInfo.InvariantCulture) });
                }

                return new[] { layer.Units };
            case LayerKind.Softmax:
                if (shape.Length != 1)
                {
                    diagnostics.Add(Error("NG0008", layer.AttributeIndex, null, $"{who} normalizes a flat vector but receives a {shape.Length}-D map [{Dims(shape)}]: insert [Flatten] before it. {trail}"));
                    return null;
                }

                return shape;
            case LayerKind.Flatten:
                return new[] { size };
            case LayerKind.Conv2D:
            case LayerKind.MaxPool2D:
            case LayerKind.Conv1D:
            case LayerKind.MaxPool1D:
                return InferConvolution(layer, shape, trail, diagnostics);
            default:
                // BatchNorm, Dropout and the element-wise activations keep the shape.
                return shape;
        }
    }

    private static int[]? InferConvolution(LayerSpec layer, int[] shape, string trail, List<ShapeError> diagnostics)
    {
        bool twoD = layer.Kind is LayerKind.Conv2D or LayerKind.MaxPool2D;
        bool pooling = layer.Kind is LayerKind.MaxPool2D or LayerKind.MaxPool1D;
        int rank = twoD ? 3 : 2;
        string who = LayerNames.Describe(layer);
        if (shape.Length != rank)
        {
            string expected = twoD ? "channels × height × width, e.g. [Input(1, 28, 28)]" : "channels × length, e.g. [Input(1, 100)]";
            diagnostics.Add(Error("NG0008", layer.AttributeIndex, null, $"{who} needs a {rank}-D input ({expected}) but receives [{Dims(shape)}]. {trail}"));
            return null;
        }

        int kernel = pooling ? layer.Size : layer.Kernel;
        int padding = pooling ? 0 : layer.Padding;
        int channels = pooling ? shape[0] : layer.Filters;
        var output = new int[rank];
        output[0] = channels;
        string[] axes = twoD ? new[] { "height", "width" } : new[] { "length" };
        for (int axis = 1; axis < rank; axis++)
        {
            // In long: a huge padding must not wrap around to a small or negative extent.
            long padded = shape[axis] + (2L * padding);
            long extent = padded - kernel;
            string arithmetic = FormattableString.Invariant($"({shape[axis]} + 2·{padding} − {kernel})/{layer.Stride} + 1");
            if (extent < 0)
            {
                diagnostics.Add(Error("NG0002", layer.AttributeIndex, pooling ? "size" : "kernel", $"{who} gives a non-positive output {axes[axis - 1]}: {arithmetic} = {Exact(extent, layer.Stride)} (the window of {kernel} is larger than the padded input of {padded}). {trail}"));
                return null;
            }

            if (extent % layer.Stride != 0)
            {
                diagnostics.Add(Error("NG0002", layer.AttributeIndex, "Stride", $"{who} gives a non-integral output {axes[axis - 1]}: {arithmetic} = {Exact(extent, layer.Stride)}; choose a stride that divides {extent}, or change the padding. {trail}"));
                return null;
            }

            long extentOut = (extent / layer.Stride) + 1;
            if (extentOut > MaxArrayLength)
            {
                diagnostics.Add(Error("NG0011", layer.AttributeIndex, pooling ? null : "Padding", $"{who} gives an output {axes[axis - 1]} of {Count(extentOut)}: {arithmetic}, more than one array can hold ({Count(MaxArrayLength)}). {trail}"));
                return null;
            }

            output[axis] = (int)extentOut;
        }

        return output;
    }

    /// <summary>Resolves <c>Init.Auto</c> and warns when an explicit scheme does not suit the activation after it.</summary>
    private static InitKind ResolveInit(NetworkSpec spec, int index, List<ShapeError> diagnostics)
    {
        LayerSpec layer = spec.Layers[index];
        if (layer.Kind is not (LayerKind.Dense or LayerKind.Maxout or LayerKind.Conv2D or LayerKind.Conv1D))
        {
            return InitKind.Auto;
        }

        LayerKind? next = null;
        for (int j = index + 1; j < spec.Layers.Count; j++)
        {
            if (spec.Layers[j].Kind is LayerKind.BatchNorm or LayerKind.Dropout or LayerKind.Flatten or LayerKind.MaxPool2D or LayerKind.MaxPool1D)
            {
                continue;
            }

            next = spec.Layers[j].Kind;
            break;
        }

        bool reluFamily = layer.Kind == LayerKind.Maxout || next is LayerKind.ReLU or LayerKind.LeakyReLU or LayerKind.PReLU or LayerKind.ELU or LayerKind.Maxout;
        bool squashing = next is LayerKind.Tanh or LayerKind.Sigmoid;
        string who = LayerNames.Describe(layer);
        switch (layer.Init)
        {
            case InitKind.Auto:
                return reluFamily ? InitKind.HeNormal : InitKind.GlorotNormal;
            case InitKind.Zeros:
                diagnostics.Add(Warning("NG0009", layer.AttributeIndex, "Init", $"{who} starts with all weights zero: every unit computes the same output and receives the same gradient, so the units stay identical. Use Init.Auto."));
                break;
            case InitKind.GlorotNormal or InitKind.GlorotUniform when reluFamily && layer.Kind != LayerKind.Maxout:
                diagnostics.Add(Warning("NG0010", layer.AttributeIndex, "Init", $"{who} uses {layer.Init} but is followed by {next}: Glorot assumes a symmetric activation and halves the signal variance at each ReLU layer; He initialization (Init.HeNormal or Init.Auto) keeps it."));
                break;
            case InitKind.HeNormal or InitKind.HeUniform when squashing:
                diagnostics.Add(Warning("NG0010", layer.AttributeIndex, "Init", $"{who} uses {layer.Init} but is followed by {next}: He's larger variance saturates {next}; Glorot initialization (Init.GlorotNormal or Init.Auto) suits it."));
                break;
        }

        return layer.Init;
    }

    private static LossFusion CheckLoss(NetworkSpec spec, List<PlannedLayer> layers, List<ShapeError> diagnostics)
    {
        PlannedLayer? last = layers.Count > 0 ? layers[layers.Count - 1] : null;
        int outputs = last?.OutputSize ?? Product(spec.Layers[0].Shape.ToArray());
        switch (spec.Loss)
        {
            case LossKind.SoftmaxCrossEntropy:
                if (last?.Kind != LayerKind.Softmax)
                {
                    diagnostics.Add(Error("NG0004", NetworkAttribute, "Loss", $"SoftmaxCrossEntropy needs a final [Softmax], but {spec.ClassName} ends with {last?.Kind.ToString() ?? "its Input"}: add [Softmax] as the last layer (the loss is fused with it)."));
                    return LossFusion.None;
                }

                if (outputs < 2)
                {
                    diagnostics.Add(Error("NG0004", NetworkAttribute, "Loss", $"SoftmaxCrossEntropy needs at least 2 classes, but {spec.ClassName} has {outputs} output: for a yes/no output use a final [Sigmoid] with BinaryCrossEntropy."));
                    return LossFusion.None;
                }

                return LossFusion.SoftmaxCrossEntropy;
            case LossKind.BinaryCrossEntropy:
                if (last?.Kind != LayerKind.Sigmoid)
                {
                    diagnostics.Add(Error("NG0004", NetworkAttribute, "Loss", $"BinaryCrossEntropy needs a final [Sigmoid], but {spec.ClassName} ends with {last?.Kind.ToString() ?? "its Input"}: add [Sigmoid] as the last layer (the loss is computed from its logits)."));
                    return LossFusion.None;
                }

                return LossFusion.SigmoidBinaryCrossEntropy;
            case LossKind.MulticlassHinge:
                if (outputs < 2)
                {
                    diagnostics.Add(Error("NG0004", NetworkAttribute, "Loss", $"MulticlassHinge compares class scores and needs at least 2 outputs, but {spec.ClassName} has {outputs}."));
                }

                return LossFusion.None;
            default:
                return LossFusion.None;
        }
    }

    private static void CheckSquashing(NetworkSpec spec, List<PlannedLayer> layers, List<ShapeError> diagnostics)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            PlannedLayer layer = layers[i];
            bool squashes = layer.Kind is LayerKind.Softmax or LayerKind.Sigmoid;
            if (i > 0 && squashes && layers[i - 1].Kind is LayerKind.Softmax or LayerKind.Sigmoid)
            {
                diagnostics.Add(Warning("NG0012", layer.Spec.AttributeIndex, null, $"{LayerNames.Describe(layer.Spec)} directly follows {layers[i - 1].Kind}: squashing twice compresses the outputs into a narrow range and weakens the gradient. Remove one of them."));
            }
            else if (layer.Kind == LayerKind.Softmax && i != layers.Count - 1 && layers[i + 1].Kind is not (LayerKind.Softmax or LayerKind.Sigmoid))
            {
                // A Softmax directly followed by Softmax or Sigmoid is one mistake, reported once on the layer after it.
                diagnostics.Add(Warning("NG0012", layer.Spec.AttributeIndex, null, $"{LayerNames.Describe(layer.Spec)} is not the last layer: Softmax turns scores into class probabilities and belongs at the output; inside a network use an activation such as [ReLU]."));
            }
        }
    }

    private static ShapeError Error(string id, int attribute, string? argument, FormattableString message) => new(id, Severity.Error, attribute, argument, message.ToString(CultureInfo.InvariantCulture));

    private static ShapeError Warning(string id, int attribute, string? argument, FormattableString message) => new(id, Severity.Warning, attribute, argument, message.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// The largest per-sample length the layer's code needs (a tensor, an output, or a kernel's workspace), in long, so
    /// that sizes that do not fit an array are reported instead of wrapping around in the generated code.
    /// </summary>
    private static (long Length, string What)? LargestBuffer(LayerSpec layer, int[] input, int[] output)
    {
        var candidates = new List<(long Length, string What)> { (LongProduct(output), "its output") };
        long inputs = LongProduct(input);
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                candidates.Add(((long)layer.Units * inputs, "its weights W"));
                break;
            case LayerKind.Maxout:
                long rows = (long)layer.Units * layer.Pieces;
                candidates.Add((rows, "its units × pieces"));
                candidates.Add((rows * inputs, "its weights W"));
                break;
            case LayerKind.Conv2D:
            case LayerKind.Conv1D:
                long patch = (long)input[0] * layer.Kernel * (layer.Kind == LayerKind.Conv2D ? layer.Kernel : 1);
                long positions = LongProduct(output) / output[0];
                candidates.Add(((long)layer.Filters * patch, "its weights W"));
                candidates.Add(((patch * positions) + (layer.Filters * System.Math.Max(patch, positions)), "its im2col workspace"));
                break;
        }

        return candidates.OrderByDescending(c => c.Length).First();
    }

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
                    diagnostics.Add(Error("NG0014", ClassName, null, $"{inherited}, and {spec.ClassName} inherits a member '{name}' from its base class that it would hide: rename that member or do not derive the network from that class."));
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
                diagnostics.Add(Error("NG0014", UserMember, member, $"{message}"));
            }
        }

        if (generated.TryGetValue(spec.ClassName, out string? clash))
        {
            diagnostics.Add(Error("NG0014", ClassName, null, $"{clash}, and a member cannot have the name of its class: rename the class."));
        }
    }

    /// <summary>The value <paramref name="value"/> is emitted as: itself in double precision, rounded to float in single.</summary>
    private static double AsEmitted(NetworkSpec spec, double value) => spec.DoublePrecision ? value : (float)value;

    /// <summary><c> (1 as float)</c> when single precision changes the value's kind (to 0, 1, ∞), else nothing.</summary>
    private static string AsFloat(NetworkSpec spec, double value)
    {
        double emitted = AsEmitted(spec, value);
        if (spec.DoublePrecision || emitted.Equals(value) || double.IsNaN(value) || !(emitted == 0 || emitted == 1 || double.IsInfinity(emitted)))
        {
            return string.Empty;
        }

        return $" ({(double.IsInfinity(emitted) ? (emitted > 0 ? "∞" : "−∞") : Num(emitted))} as float, the network's precision)";
    }

    /// <summary><c>extent/stride + 1</c> exactly: <c>2</c>, or <c>3/2 + 1 = 5/2</c> for a value that is not whole.</summary>
    private static string Exact(long extent, int stride)
    {
        if (extent % stride == 0)
        {
            return Count((extent / stride) + 1);
        }

        long numerator = extent + stride, divisor = Gcd(System.Math.Abs(numerator), stride);
        string fraction = $"{(numerator / divisor).ToString(CultureInfo.InvariantCulture)}/{(stride / divisor).ToString(CultureInfo.InvariantCulture)}";
        return $"{extent.ToString(CultureInfo.InvariantCulture)}/{stride.ToString(CultureInfo.InvariantCulture)} + 1 = {fraction}";
    }

    private static long Gcd(long a, long b) => b == 0 ? (a == 0 ? 1 : a) : Gcd(b, a % b);

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static long LongProduct(IEnumerable<int> shape) => shape.Aggregate(1L, (a, d) => a * d);

    private static int Product(IEnumerable<int> shape) => shape.Aggregate(1, (a, d) => unchecked(a * d));

    public static string Dims(IEnumerable<int> shape) => string.Join("×", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    private static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
