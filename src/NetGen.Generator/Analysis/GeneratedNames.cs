using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis;

/// <summary>
/// Every member name the generator adds to a network class, public and private. A user member (or the class itself)
/// with one of these names is NG0014: the generated code would not compile, or would quietly call the user's member.
/// Layer properties are not here: they take free names (<see cref="LayerNames.PropertyNames"/>).
/// </summary>
internal static class GeneratedNames
{
    /// <summary>The public API (DESIGN §2).</summary>
    public static readonly IReadOnlyCollection<string> Public = new SortedSet<string>(System.StringComparer.Ordinal)
    {
        "InputSize", "OutputSize", "ParameterCount", "StateCount", "Architecture", "Summary", "Parameters", "Gradients",
        "State", "RandomState", "Layers", "Predict", "TrainStep", "Evaluate", "ExportOnnx",
        "Jvp", "LossJvp",
        "InputGradients",
    };

    /// <summary>Private helpers and buffers of a runnable network (not the per-layer tensor spans: <see cref="LayerMembers"/>).</summary>
    public static readonly IReadOnlyCollection<string> Private = new SortedSet<string>(System.StringComparer.Ordinal)
    {
        "Forward", "Backward", "Train", "CheckLabels", "CheckTargets", "ComputeLoss", "Penalty", "Initialize", "CreateLayers",
        "Workspace", "RentWorkspace", "ReturnWorkspace", "_parameters", "_gradients", "_state", "_random", "_layers",
        "_workspaces", "_threadWorkspace", "_trainingWorkspace", "_trainingBusy", "BuildOnnxGraph",
        "ForwardTangent", "LossTangent", "ZeroInputTangent",
        "PrepareInputGradients", "InputGradientsBackward",
    };

    /// <summary><see cref="NetworkSpec.MemberNames"/> entry for a user constructor with no parameters.</summary>
    public const string ParameterlessConstructor = ".ctor()";

    /// <summary><see cref="NetworkSpec.MemberNames"/> entry for a user constructor <c>(int)</c>, the generated seed constructor's signature.</summary>
    public const string SeedConstructor = ".ctor(int)";

    /// <summary>Prefix of a <see cref="NetworkSpec.MemberNames"/> entry for a member inherited from a base class: <c>base:Predict</c>.</summary>
    public const string InheritedPrefix = "base:";

    /// <summary><see cref="NetworkSpec.MemberNames"/> entry for a user constructor that does not chain to <c>this(…)</c>.</summary>
    public const string UnchainedConstructor = ".ctor";

    private static readonly string[] s_layerPrefixes = { "W", "b", "dW", "db", "gamma", "beta", "alpha", "dgamma", "dbeta", "dalpha", "runningMean", "runningVariance" };

    /// <summary>Whether some network could generate a member called <paramref name="name"/> (for the parser's filter).</summary>
    public static bool MightBeGenerated(string name) => Public.Contains(name) || Private.Contains(name) || IsLayerMemberPattern(name);

    /// <summary>The private per-layer members of a plan: tensor spans (<c>W1</c>, <c>dW1</c>, …) and BatchNorm running statistics.</summary>
    public static IEnumerable<(string Name, PlannedLayer Layer)> LayerMembers(IEnumerable<PlannedLayer> layers)
    {
        foreach (PlannedLayer layer in layers)
        {
            foreach (TensorPlan tensor in layer.Tensors)
            {
                yield return (tensor.Field, layer);
                yield return ("d" + tensor.Field, layer);
            }

            if (layer.StateCount > 0)
            {
                string n = layer.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
                yield return ("runningMean" + n, layer);
                yield return ("runningVariance" + n, layer);
            }
        }
    }

    /// <summary><c>W3</c>, <c>dgamma2</c>, <c>runningMean4</c>: a prefix and a layer number.</summary>
    public static bool IsLayerMemberPattern(string name)
    {
        foreach (string prefix in s_layerPrefixes)
        {
            if (name.Length > prefix.Length && name.StartsWith(prefix, System.StringComparison.Ordinal) && IsDigits(name, prefix.Length))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsDigits(string text, int start)
    {
        for (int i = start; i < text.Length; i++)
        {
            if (text[i] is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
