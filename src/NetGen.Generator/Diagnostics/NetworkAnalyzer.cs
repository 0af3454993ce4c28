using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using NetGen.Generator.Analysis;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.Diagnostics;

/// <summary>
/// Reports what is wrong with a network declaration, at the attribute or argument at fault. Runs the generator's
/// own parser and shape inference, so the build errors and the generated code never disagree.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NetworkAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property with the value a code fix writes (NG0001: the inferred input size).</summary>
    public const string FixValueKey = FixHints.ValueKey;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.All);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? networkAttribute = start.Compilation.GetTypeByMetadataName(NetworkParser.NetworkAttributeName);
            if (networkAttribute is null)
            {
                return;
            }

            start.RegisterSymbolAction(symbol => AnalyzeType(symbol, networkAttribute), SymbolKind.NamedType);
            BatchLengthAnalysis.Register(start, networkAttribute);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, INamedTypeSymbol networkAttribute)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        AttributeData? network = type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, networkAttribute));
        if (network is null)
        {
            return;
        }

        NetworkSpec spec = NetworkParser.Parse(type, network, context.CancellationToken);
        foreach (DeclarationProblem problem in spec.Problems)
        {
            Location location = type.Locations.FirstOrDefault() ?? Location.None;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById(problem.Code)!, location, Properties(problem.Fix, null), problem.Message));
        }

        NetworkPlan plan = ShapeInference.Infer(spec);
        ImmutableArray<AttributeData> layers = NetworkParser.LayerAttributes(type, context.CancellationToken);
        foreach (ShapeError error in plan.Diagnostics)
        {
            if (error.AttributeIndex is ShapeInference.UserMember or ShapeInference.ClassName)
            {
                // NG0014: at each of the user's declarations with the name (not at NetGen's own generated members).
                foreach (Location at in NameLocations(type, error, context.CancellationToken))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById(error.Code)!, at, Properties(error.Fix, error.FixValue), error.Message));
                }

                continue;
            }

            AttributeData? attribute = error.AttributeIndex == ShapeInference.NetworkAttribute
                ? network
                : error.AttributeIndex < layers.Length ? layers[error.AttributeIndex] : null;
            Location location = LocationOf(attribute, error.Argument, context) ?? type.Locations.FirstOrDefault() ?? Location.None;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById(error.Code)!, location, Properties(error.Fix, error.FixValue), error.Message));
        }
    }

    /// <summary>The machine-readable fix hint (<see cref="FixHints"/>) and the value it writes, when the diagnostic has them.</summary>
    private static ImmutableDictionary<string, string?> Properties(string? fix, string? value)
    {
        ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty;
        if (fix is not null)
        {
            properties = properties.Add(FixHints.Key, fix);
        }

        if (value is not null)
        {
            properties = properties.Add(FixValueKey, value);
        }

        return properties;
    }

    /// <summary>Where the user declared the member (or the class name) an NG0014 is about: identifiers, in source order.</summary>
    private static System.Collections.Generic.IEnumerable<Location> NameLocations(INamedTypeSymbol type, ShapeError error, System.Threading.CancellationToken cancellationToken)
    {
        if (error.AttributeIndex == ShapeInference.ClassName)
        {
            return type.Locations.Where(l => l.SourceTree is { } tree && !NetworkParser.IsGeneratedByNetGen(tree, cancellationToken)).Take(1);
        }

        System.Collections.Generic.IEnumerable<ISymbol> members = error.Argument is GeneratedNames.ParameterlessConstructor or GeneratedNames.SeedConstructor or GeneratedNames.UnchainedConstructor
            ? type.InstanceConstructors.Where(c => !c.IsImplicitlyDeclared && NetworkParser.ConstructorClash(c, cancellationToken) == error.Argument)
            : type.GetMembers(error.Argument ?? string.Empty).Where(m => !m.IsImplicitlyDeclared);
        return members
            .SelectMany(m => m.Locations)
            .Where(l => l.SourceTree is { } tree && !NetworkParser.IsGeneratedByNetGen(tree, cancellationToken))
            .OrderBy(l => l.SourceTree!.FilePath, System.StringComparer.Ordinal)
            .ThenBy(l => l.SourceSpan.Start);
    }

    /// <summary>The argument named <paramref name="argument"/> (by property or constructor parameter name), else the whole attribute.</summary>
    private static Location? LocationOf(AttributeData? attribute, string? argument, SymbolAnalysisContext context)
    {
        if (attribute?.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax syntax)
        {
            return null;
        }

        if (argument is not null && syntax.ArgumentList is { } list)
        {
            foreach (AttributeArgumentSyntax candidate in list.Arguments)
            {
                if (candidate.NameEquals?.Name.Identifier.ValueText == argument || candidate.NameColon?.Name.Identifier.ValueText == argument)
                {
                    return candidate.GetLocation();
                }
            }

            IMethodSymbol? constructor = attribute.AttributeConstructor;
            int ordinal = constructor?.Parameters.FirstOrDefault(p => p.Name == argument)?.Ordinal ?? -1;
            var positional = list.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
            if (ordinal >= 0 && ordinal < positional.Count)
            {
                return constructor!.Parameters[ordinal].IsParams
                    ? Location.Create(syntax.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(positional[ordinal].SpanStart, positional[positional.Count - 1].Span.End))
                    : positional[ordinal].GetLocation();
            }
        }

        return syntax.GetLocation();
    }
}
