using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Analysis;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;

namespace NetGen.Generator;

/// <summary>
/// The pipeline: find classes marked <c>[Network]</c> → parse their layer attributes into a <see cref="NetworkSpec"/>
/// → infer shapes into a <see cref="NetworkPlan"/> → emit code. Diagnostics come from <c>NetworkAnalyzer</c>, which
/// runs the same parser and inference; the generator stays silent.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<NetworkSpec> specs = context.SyntaxProvider
            .ForAttributeWithMetadataName(NetworkParser.NetworkAttributeName, IsClass, Parse)
            .Where(static spec => spec is not null)!
            .WithTrackingName(TrackingNames.Parse)!;

        IncrementalValuesProvider<NetworkPlan> plans = specs
            .Select(static (spec, _) => ShapeInference.Infer(spec))
            .WithTrackingName(TrackingNames.Infer);

        context.RegisterSourceOutput(plans, Emit);
    }

    private static bool IsClass(SyntaxNode node, CancellationToken _) => node is ClassDeclarationSyntax;

    private static NetworkSpec? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.Length == 0)
        {
            return null;
        }

        // [Network] on several partial declarations of one class (CS0579) is found once per declaration: only the
        // first declaration in source order makes the network, so there is one set of members and one hint name.
        if (!NetworkParser.IsFirstNetworkDeclaration(type, context.TargetNode, cancellationToken))
        {
            return null;
        }

        return NetworkParser.Parse(type, context.Attributes[0], cancellationToken);
    }

    private static void Emit(SourceProductionContext context, NetworkPlan plan)
    {
        // A class we cannot add members to (not partial, generic, in a non-partial type) gets nothing: the
        // analyzer's NG0005 explains, and emitting would only add compiler errors. Spread layers (NG0006) still get
        // the throwing members, so code that uses the class compiles.
        foreach (DeclarationProblem problem in plan.Spec.Problems)
        {
            if (problem.Code == DiagnosticId.NG0005)
            {
                return;
            }
        }

        foreach ((string hintName, string source) in NetworkEmitter.Emit(plan))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            context.AddSource(hintName, source);
        }
    }
}
