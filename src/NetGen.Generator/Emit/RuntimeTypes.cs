namespace NetGen.Generator.Emit;

/// <summary>
/// The runtime types the generated code names, global-qualified (a user type called <c>Kernels</c> or <c>Linear</c> in the
/// network's namespace must not capture them). The only place the generator spells <c>global::NetGen.</c>.
/// </summary>
internal static class RuntimeTypes
{
    public const string Root = "global::NetGen";

    public const string Kernels = Root + ".Kernels";
    public const string Activations = Kernels + ".Activations";
    public const string AvgPool1D = Kernels + ".AvgPool1D";
    public const string AvgPool2D = Kernels + ".AvgPool2D";
    public const string BatchNorm = Kernels + ".BatchNorm";
    public const string Conv1D = Kernels + ".Conv1D";
    public const string Conv2D = Kernels + ".Conv2D";
    public const string Dropout = Kernels + ".Dropout";
    public const string GlobalAvgPool = Kernels + ".GlobalAvgPool";
    public const string Guard = Kernels + ".Guard";

    public const string BatchSplit = Kernels + ".BatchSplit";
    public const string Initializers = Kernels + ".Initializers";
    public const string Linear = Kernels + ".Linear";
    public const string Losses = Kernels + ".Losses";
    public const string MaxPool1D = Kernels + ".MaxPool1D";
    public const string MaxPool2D = Kernels + ".MaxPool2D";
    public const string Regularization = Kernels + ".Regularization";

    public const string INetwork = Root + ".INetwork";
    public const string LayerView = Root + ".LayerView";
    public const string LossFunction = Root + ".LossFunction";
    public const string NetGenRandom = Root + ".NetGenRandom";
    public const string OnnxExportOptions = Root + ".OnnxExportOptions";
    public const string OnnxGraphBuilder = Root + ".OnnxGraphBuilder";
    public const string ParameterView = Root + ".ParameterView";
}
