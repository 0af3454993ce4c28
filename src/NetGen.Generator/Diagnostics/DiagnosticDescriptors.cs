using Microsoft.CodeAnalysis;
using NetGen.Generator.Model;

namespace NetGen.Generator.Diagnostics;

/// <summary>Every NetGen diagnostic. Each message is built by shape inference and names both sizes and where they came from.</summary>
internal static class DiagnosticDescriptors
{
    private const string HelpRoot = "docs/diagnostics/";

    public static readonly DiagnosticDescriptor InputSizeMismatch = Error(nameof(DiagnosticId.NG0001), "Layer input size does not match", "NetGen.Shape");
    public static readonly DiagnosticDescriptor InvalidGeometry = Error(nameof(DiagnosticId.NG0002), "Convolution or pooling geometry gives an invalid output size", "NetGen.Shape");
    public static readonly DiagnosticDescriptor InputLayer = Error(nameof(DiagnosticId.NG0003), "A network needs exactly one [Input], first", "NetGen.Declaration");
    public static readonly DiagnosticDescriptor LossMismatch = Error(nameof(DiagnosticId.NG0004), "The loss does not fit the output layer", "NetGen.Declaration");
    public static readonly DiagnosticDescriptor NotPartial = Error(nameof(DiagnosticId.NG0005), "NetGen cannot add members to this class", "NetGen.Declaration");
    public static readonly DiagnosticDescriptor SpreadLayers = Error(nameof(DiagnosticId.NG0006), "Layer attributes are spread over several declarations", "NetGen.Declaration");
    public static readonly DiagnosticDescriptor InvalidHyperparameter = Error(nameof(DiagnosticId.NG0007), "Invalid hyperparameter", "NetGen.Declaration");
    public static readonly DiagnosticDescriptor WrongRank = Error(nameof(DiagnosticId.NG0008), "A layer receives an input of the wrong rank", "NetGen.Shape");
    public static readonly DiagnosticDescriptor ZeroInit = Warning(nameof(DiagnosticId.NG0009), "Weights initialized to zeros stay symmetric", "NetGen.Initialization");
    public static readonly DiagnosticDescriptor InitMismatch = Warning(nameof(DiagnosticId.NG0010), "Initialization does not suit the activation", "NetGen.Initialization");
    public static readonly DiagnosticDescriptor TooManyParameters = Error(nameof(DiagnosticId.NG0011), "Too many parameters", "NetGen.Declaration");
    public static readonly DiagnosticDescriptor Squashing = Warning(nameof(DiagnosticId.NG0012), "Softmax or Sigmoid in an unexpected place", "NetGen.Usage");
    public static readonly DiagnosticDescriptor BatchLength = Error(nameof(DiagnosticId.NG0013), "Input length is not a whole number of samples", "NetGen.Usage");
    public static readonly DiagnosticDescriptor NameCollision = Error(nameof(DiagnosticId.NG0014), "A name collides with a member NetGen generates", "NetGen.Declaration");
    public static readonly DiagnosticDescriptor UnrollCeiling = Warning(nameof(DiagnosticId.NG0015), "UnrollLimit is above the ceiling", "NetGen.Declaration");
    public static readonly DiagnosticDescriptor NoLayers = Error(nameof(DiagnosticId.NG0016), "No layer after [Input]", "NetGen.Declaration");

    // NG0017–NG0020: layer sequences that build but do not do what they seem to (LayerSequenceChecks).
    public static readonly DiagnosticDescriptor SinglePieceMaxout = Warning(nameof(DiagnosticId.NG0017), "Maxout with one piece is an affine layer", "NetGen.Usage");
    public static readonly DiagnosticDescriptor NeedlessFlatten = Warning(nameof(DiagnosticId.NG0018), "Flatten has nothing to flatten", "NetGen.Usage");
    public static readonly DiagnosticDescriptor RepeatedBatchNorm = Warning(nameof(DiagnosticId.NG0019), "Two BatchNorm layers in a row", "NetGen.Usage");
    public static readonly DiagnosticDescriptor DuplicateLayerName = Error(nameof(DiagnosticId.NG0020), "Two layers have the same Name", "NetGen.Declaration");

    public static readonly DiagnosticDescriptor[] All =
    {
        InputSizeMismatch, InvalidGeometry, InputLayer, LossMismatch, NotPartial, SpreadLayers, InvalidHyperparameter,
        WrongRank, ZeroInit, InitMismatch, TooManyParameters, Squashing, BatchLength, NameCollision, UnrollCeiling, NoLayers,
        SinglePieceMaxout, NeedlessFlatten, RepeatedBatchNorm, DuplicateLayerName,
    };

    public static DiagnosticDescriptor? ById(DiagnosticId id)
    {
        foreach (DiagnosticDescriptor descriptor in All)
        {
            if (descriptor.Id == id.ToString())
            {
                return descriptor;
            }
        }

        return null;
    }

    // The ids are nameof(DiagnosticId.NG00xx): constants, as the release tracking (RS2002) needs, spelled by the type.
    private static DiagnosticDescriptor Error(string id, string title, string category) =>
        new(id, title, "{0}", category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpRoot + id + ".md");

    private static DiagnosticDescriptor Warning(string id, string title, string category) =>
        new(id, title, "{0}", category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpRoot + id + ".md");
}
