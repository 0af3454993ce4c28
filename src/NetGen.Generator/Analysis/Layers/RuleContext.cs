using System;
using System.Collections.Generic;
using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>What a rule needs from the network while it checks one layer: the options, the diagnostics, the path so far.</summary>
internal sealed class RuleContext
{
    private readonly List<string> _path;

    public RuleContext(NetworkSpec network, List<ShapeError> diagnostics, List<string> path)
    {
        Network = network;
        Diagnostics = diagnostics;
        _path = path;
    }

    public NetworkSpec Network { get; }

    public List<ShapeError> Diagnostics { get; }

    /// <summary>The shapes so far, <c>Input(784) → Dense(256) → …</c>, which every shape message ends with.</summary>
    public string Trail => string.Join(" → ", _path);

    public void Error(DiagnosticId id, LayerSpec layer, string? argument, FormattableString message, string? fix = null, string? fixValue = null) =>
        Diagnostics.Add(Messages.Error(id, layer.AttributeIndex, argument, message) with { Fix = fix, FixValue = fixValue });

    /// <summary>An NG0007 collector for one layer: false once an invalid option makes the size unknown.</summary>
    public OptionCheck Options(LayerSpec layer) => new(this, layer);

    /// <summary>The value <paramref name="value"/> is emitted as: itself in double precision, rounded to float in single.</summary>
    public double AsEmitted(double value) => Messages.AsEmitted(Network, value);

    /// <summary>Whether single precision rounds a non-zero value to 0.</summary>
    public bool Underflows(double value) => value != 0 && AsEmitted(value) == 0;

    /// <summary><c>0.2</c>, with <c> (1 as float, the network's precision)</c> when single precision changes its kind.</summary>
    public string Value(double value) => Messages.Num(value) + Messages.AsFloat(Network, value);
}

/// <summary>Reports NG0007s for one layer and remembers whether its size can still be known.</summary>
internal sealed class OptionCheck
{
    private readonly RuleContext _context;
    private readonly LayerSpec _layer;
    private readonly string _who;

    public OptionCheck(RuleContext context, LayerSpec layer)
    {
        _context = context;
        _layer = layer;
        _who = LayerNames.Describe(layer);
    }

    public bool Sized { get; private set; } = true;

    public void Invalid(string argument, FormattableString message, bool affectsSize)
    {
        _context.Diagnostics.Add(Messages.Error(DiagnosticId.NG0007, _layer.AttributeIndex, argument, $"{_who}: {message}"));
        Sized &= !affectsSize;
    }

    /// <summary>NG0007 for an <c>Init</c> that is not an <c>Init</c> value.</summary>
    public void Init(InitKind init)
    {
        if (!Enum.IsDefined(typeof(InitKind), init))
        {
            Invalid("Init", $"Init = {(int)init} is not an Init scheme.", false);
        }
    }
}

/// <summary>Helpers that build diagnostics and the numbers in their messages, culture-invariant.</summary>
internal static class Messages
{
    public static ShapeError Error(DiagnosticId id, int attribute, string? argument, FormattableString message) => new(id, Severity.Error, attribute, argument, message.ToString(CultureInfo.InvariantCulture));

    public static ShapeError Warning(DiagnosticId id, int attribute, string? argument, FormattableString message) => new(id, Severity.Warning, attribute, argument, message.ToString(CultureInfo.InvariantCulture));

    /// <summary>The value <paramref name="value"/> is emitted as: itself in double precision, rounded to float in single.</summary>
    public static double AsEmitted(NetworkSpec spec, double value) => spec.DoublePrecision ? value : (float)value;

    /// <summary><c> (1 as float)</c> when single precision changes the value's kind (to 0, 1, ∞), else nothing.</summary>
    public static string AsFloat(NetworkSpec spec, double value)
    {
        double emitted = AsEmitted(spec, value);
        if (spec.DoublePrecision || emitted.Equals(value) || double.IsNaN(value) || !(emitted == 0 || emitted == 1 || double.IsInfinity(emitted)))
        {
            return string.Empty;
        }

        return $" ({(double.IsInfinity(emitted) ? (emitted > 0 ? "∞" : "−∞") : Num(emitted))} as float, the network's precision)";
    }

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
