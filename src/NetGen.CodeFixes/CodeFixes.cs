using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.CodeFixes;

/// <summary>NG0001: sets <c>Inputs</c> to the size the previous layer actually produces.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SetInputsCodeFix)), Shared]
public sealed class SetInputsCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(nameof(DiagnosticId.NG0001));

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!FixHints.Offers(diagnostic, FixHints.SetInputs)
                || !diagnostic.Properties.TryGetValue(FixHints.ValueKey, out string? value) || !int.TryParse(value, out int size)
                || root?.FindNode(diagnostic.Location.SourceSpan) is not { } node
                || node.FirstAncestorOrSelf<AttributeArgumentSyntax>() is not { NameEquals: not null } argument)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Set Inputs = {size} (what the previous layer produces)",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(
                        argument.Expression,
                        SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(size)).WithTriviaFrom(argument.Expression)))),
                    equivalenceKey: nameof(DiagnosticId.NG0001) + ".SetInputs"),
                diagnostic);
        }
    }
}

/// <summary>NG0008: inserts <c>[Flatten]</c> before a layer that needs a flat vector.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertFlattenCodeFix)), Shared]
public sealed class InsertFlattenCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(nameof(DiagnosticId.NG0008));

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan)?.FirstAncestorOrSelf<AttributeSyntax>() is not { Parent: AttributeListSyntax list } attribute
                || !FixHints.Offers(diagnostic, FixHints.InsertFlatten))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Insert [Flatten] before this layer",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(InsertFlatten(root, list, attribute))),
                    equivalenceKey: nameof(DiagnosticId.NG0008) + ".InsertFlatten"),
                diagnostic);
        }
    }

    private static SyntaxNode InsertFlatten(SyntaxNode root, AttributeListSyntax list, AttributeSyntax attribute)
    {
        AttributeSyntax flatten = SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("Flatten"));
        if (list.Attributes.Count > 1)
        {
            // [Conv2D(8, 3), Dense(10)] → [Conv2D(8, 3), Flatten, Dense(10)]
            int index = list.Attributes.IndexOf(attribute);
            return root.ReplaceNode(list, list.WithAttributes(list.Attributes.Insert(index, flatten)));
        }

        // [Dense(10)] on its own → [Flatten] [Dense(10)], keeping the list's leading trivia in front.
        // Normalized (no elastic trivia), so the formatter keeps the user's layout around it.
        AttributeListSyntax flattenList = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(flatten))
            .NormalizeWhitespace()
            .WithLeadingTrivia(list.GetLeadingTrivia())
            .WithTrailingTrivia(SyntaxFactory.Space);
        return root.ReplaceNode(list, new SyntaxNode[] { flattenList, list.WithLeadingTrivia() });
    }
}

/// <summary>NG0005: adds <c>partial</c> to the network class and to every containing type that lacks it.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
public sealed class MakePartialCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(nameof(DiagnosticId.NG0005));

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration
                || !FixHints.Offers(diagnostic, FixHints.MakePartial))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Make the class partial",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(MakePartial(root, declaration))),
                    equivalenceKey: nameof(DiagnosticId.NG0005) + ".MakePartial"),
                diagnostic);
        }
    }

    private static SyntaxNode MakePartial(SyntaxNode root, TypeDeclarationSyntax declaration)
    {
        var types = declaration.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword)).ToList();
        return root.ReplaceNodes(types, (original, rewritten) =>
        {
            // partial goes last among the modifiers, right before the keyword: `public sealed partial class`.
            SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
            if (rewritten.Modifiers.Count == 0)
            {
                partial = partial.WithLeadingTrivia(rewritten.Keyword.LeadingTrivia);
                return rewritten.WithKeyword(rewritten.Keyword.WithLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(partial));
            }

            return rewritten.WithModifiers(rewritten.Modifiers.Add(partial));
        });
    }
}

/// <summary>NG0009: replaces <c>Init.Zeros</c> with <c>Init.Auto</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReplaceZeroInitCodeFix)), Shared]
public sealed class ReplaceZeroInitCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(nameof(DiagnosticId.NG0009));

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!FixHints.Offers(diagnostic, FixHints.UseInitAuto)
                || root?.FindNode(diagnostic.Location.SourceSpan)?.FirstAncestorOrSelf<AttributeArgumentSyntax>() is not { } argument
                || argument.Expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().LastOrDefault(n => n.Identifier.ValueText == "Zeros") is not { } zeros)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use Init.Auto (He or Glorot, to suit the activation)",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(zeros, SyntaxFactory.IdentifierName("Auto").WithTriviaFrom(zeros)))),
                    equivalenceKey: nameof(DiagnosticId.NG0009) + ".UseAuto"),
                diagnostic);
        }
    }
}
