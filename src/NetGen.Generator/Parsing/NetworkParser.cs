using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing;

/// <summary>
/// Reads a network class into a <see cref="NetworkSpec"/>. The only code that touches symbols and attribute data;
/// the generator and the analyzer both call it ("one parser, two hosts").
/// </summary>
internal static class NetworkParser
{
    public const string Namespace = "NetGen";
    public const string NetworkAttributeName = "NetGen.NetworkAttribute";

    /// <summary>
    /// Each layer attribute's class name and how its arguments become that kind's spec: the only table a new layer
    /// kind adds a line to here. Positional arguments come by position, options by name.
    /// </summary>
    private static readonly Dictionary<string, LayerFactory> s_layerFactories = new()
    {
        ["InputAttribute"] = Layer(a => new InputSpec(a.Shape())),
        ["DenseAttribute"] = Layer(a => new DenseSpec(a.Int(0), (InitKind)a.Named("Init", 0), a.Named("Bias", true), a.Named("Inputs", 0))),
        ["BatchNormAttribute"] = Layer(a => new BatchNormSpec(a.Named("Momentum", 0.9), a.Named("Epsilon", 1e-5))),
        ["DropoutAttribute"] = Layer(a => new DropoutSpec(a.Double(0))),
        ["ReLUAttribute"] = Layer(_ => new ActivationSpec(ActivationFunction.ReLU)),
        ["LeakyReLUAttribute"] = Layer(a => new ActivationSpec(ActivationFunction.LeakyReLU, a.Double(0, 0.01))),
        ["PReLUAttribute"] = Layer(a => new PReLUSpec(a.Named("Shared", false), a.Named("InitialAlpha", 0.25))),
        ["ELUAttribute"] = Layer(a => new ActivationSpec(ActivationFunction.ELU, a.Double(0, 1.0))),
        ["SigmoidAttribute"] = Layer(_ => new ActivationSpec(ActivationFunction.Sigmoid)),
        ["TanhAttribute"] = Layer(_ => new ActivationSpec(ActivationFunction.Tanh)),
        ["SoftmaxAttribute"] = Layer(_ => new SoftmaxSpec()),
        ["MaxoutAttribute"] = Layer(a => new MaxoutSpec(a.Int(0), a.Int(1, 2), (InitKind)a.Named("Init", 0))),
        ["Conv2DAttribute"] = Layer(a => new Conv2DSpec(a.Int(0), a.Int(1), a.Named("Stride", 1), a.Named("Padding", 0), (InitKind)a.Named("Init", 0))),
        ["MaxPool2DAttribute"] = Layer(a => new MaxPool2DSpec(a.Int(0), a.PoolingStride())),
        ["FlattenAttribute"] = Layer(_ => new FlattenSpec()),
        ["Conv1DAttribute"] = Layer(a => new Conv1DSpec(a.Int(0), a.Int(1), a.Named("Stride", 1), a.Named("Padding", 0), (InitKind)a.Named("Init", 0))),
        ["MaxPool1DAttribute"] = Layer(a => new MaxPool1DSpec(a.Int(0), a.PoolingStride())),
        ["AvgPool2DAttribute"] = Layer(a => new AvgPool2DSpec(a.Int(0), a.PoolingStride(), a.Named("Padding", 0))),
        ["AvgPool1DAttribute"] = Layer(a => new AvgPool1DSpec(a.Int(0), a.PoolingStride(), a.Named("Padding", 0))),
        ["GlobalAvgPoolAttribute"] = Layer(_ => new GlobalAvgPoolSpec()),
    };

    /// <summary>Each attribute class name the parser knows and the spec type it becomes (for the completeness test).</summary>
    internal static IEnumerable<KeyValuePair<string, System.Type>> LayerAttributeSpecs =>
        s_layerFactories.Select(f => new KeyValuePair<string, System.Type>(f.Key, f.Value.SpecType));

    private static LayerFactory Layer<TSpec>(System.Func<LayerArguments, TSpec> create)
        where TSpec : LayerSpec => new(typeof(TSpec), a => create(a));

    /// <summary>How one attribute becomes its spec, and the spec's type.</summary>
    private sealed record LayerFactory(System.Type SpecType, System.Func<LayerArguments, LayerSpec> Create);

    /// <summary>The class's layer attributes in source order: the order the network runs in.</summary>
    public static ImmutableArray<AttributeData> LayerAttributes(INamedTypeSymbol type, CancellationToken cancellationToken = default)
    {
        return type.GetAttributes()
            .Where(a => IsLayerAttribute(a.AttributeClass))
            .OrderBy(a => a.ApplicationSyntaxReference?.SyntaxTree.FilePath, System.StringComparer.Ordinal)
            .ThenBy(a => a.ApplicationSyntaxReference?.Span.Start ?? 0)
            .ToImmutableArray();
    }

    /// <summary>
    /// Whether <paramref name="declaration"/> is the first declaration of <paramref name="type"/> (by file path, then
    /// position) that carries <c>[Network]</c>.
    /// </summary>
    public static bool IsFirstNetworkDeclaration(INamedTypeSymbol type, SyntaxNode declaration, CancellationToken cancellationToken)
    {
        SyntaxReference? first = type.GetAttributes()
            .Where(a => a.AttributeClass?.ToDisplayString() == NetworkAttributeName && a.ApplicationSyntaxReference is not null)
            .Select(a => a.ApplicationSyntaxReference!)
            .OrderBy(r => r.SyntaxTree.FilePath, System.StringComparer.Ordinal)
            .ThenBy(r => r.Span.Start)
            .FirstOrDefault();
        if (first is null)
        {
            return true;
        }

        SyntaxNode? owner = first.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>();
        return owner is null || (owner.SyntaxTree == declaration.SyntaxTree && owner.Span == declaration.Span);
    }

    public static bool IsLayerAttribute(INamedTypeSymbol? attributeClass) =>
        attributeClass is not null
        && attributeClass.ContainingNamespace?.ToDisplayString() == Namespace
        && s_layerFactories.ContainsKey(attributeClass.Name);

    public static NetworkSpec Parse(INamedTypeSymbol type, AttributeData networkAttribute, CancellationToken cancellationToken)
    {
        var problems = new List<DeclarationProblem>();
        var containing = new List<ContainingType>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!IsPartial(outer, cancellationToken))
            {
                problems.Add(new DeclarationProblem(DiagnosticId.NG0005, $"'{type.Name}' is nested in '{outer.Name}', which is not partial: make '{outer.Name}' partial so that NetGen can add the network's members.", Diagnostics.FixHints.MakePartial));
            }

            // TypeParameters, not IsGenericType: a type nested in a generic type is "generic" through its container.
            if (outer.TypeParameters.Length > 0)
            {
                problems.Add(new DeclarationProblem(DiagnosticId.NG0005, $"'{type.Name}' is nested in the generic type '{outer.Name}': declare the network outside generic types."));
            }

            containing.Insert(0, new ContainingType(KeywordOf(outer), outer.Name));
        }

        if (!IsPartial(type, cancellationToken))
        {
            problems.Add(new DeclarationProblem(DiagnosticId.NG0005, $"'{type.Name}' is not partial: declare it 'partial class {type.Name}' so that NetGen can add the network's members.", Diagnostics.FixHints.MakePartial));
        }

        if (type.TypeParameters.Length > 0)
        {
            problems.Add(new DeclarationProblem(DiagnosticId.NG0005, $"'{type.Name}' is generic: a network class cannot have type parameters, because its sizes and number type are fixed at compile time."));
        }

        // The generator adds 'partial class' members and only looks at class declarations: a record would get nothing.
        if (type.IsRecord)
        {
            problems.Add(new DeclarationProblem(DiagnosticId.NG0005, $"'{type.Name}' is a record: declare it 'partial class {type.Name}' so that NetGen can add the network's members."));
        }

        if (type.IsStatic)
        {
            problems.Add(new DeclarationProblem(DiagnosticId.NG0005, $"'{type.Name}' is static: a network is an object with parameters; remove 'static'."));
        }

        ImmutableArray<AttributeData> attributes = LayerAttributes(type, cancellationToken);
        var declarations = attributes
            .Select(a => a.ApplicationSyntaxReference?.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>())
            .Where(d => d is not null)
            .Distinct()
            .Count();
        if (declarations > 1)
        {
            problems.Add(new DeclarationProblem(DiagnosticId.NG0006, $"The layer attributes of '{type.Name}' are spread over {declarations} declarations of the class, so their order is undefined: put them all on one declaration."));
        }

        var layers = new List<LayerSpec>(attributes.Length);
        for (int i = 0; i < attributes.Length; i++)
        {
            layers.Add(ParseLayer(attributes[i], i));
        }

        var spec = new NetworkSpec(
            Namespace: NamespaceOf(type),
            ClassName: type.Name,
            ContainingTypes: containing.ToEquatableArray(),
            Loss: (LossKind)Named(networkAttribute, "Loss", 0),
            DoublePrecision: Named(networkAttribute, "Precision", 0) == 1,
            Seed: Named(networkAttribute, "Seed", 0),
            L1: Named(networkAttribute, "L1", 0.0),
            L2: Named(networkAttribute, "L2", 0.0),
            MaxParameters: Named(networkAttribute, "MaxParameters", 0L),
            UnrollLimit: Named(networkAttribute, "UnrollLimit", 256),
            Layers: layers.ToEquatableArray(),
            Problems: problems.ToEquatableArray(),
            MemberNames: EquatableArray<string>.Empty,
            Precision: Named(networkAttribute, "Precision", 0));

        // Only the user's member names that a generated member or layer property could collide with: other members
        // do not change the model, so adding a method to the class does not regenerate it. Members NetGen generated
        // itself (the analyzer sees them) are not the user's.
        var candidates = new HashSet<string>(LayerNames.Candidates(spec));
        var taken = new SortedSet<string>(System.StringComparer.Ordinal);
        foreach (ISymbol member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || !IsUserDeclared(member, cancellationToken))
            {
                continue;
            }

            if (member is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor)
            {
                string? clash = ConstructorClash(constructor, cancellationToken);
                if (clash is not null)
                {
                    taken.Add(clash);
                }
            }
            else if (candidates.Contains(member.Name) || Analysis.GeneratedNames.MightBeGenerated(member.Name))
            {
                taken.Add(member.Name);
            }
        }

        // A generated member would hide an inherited one (CS0108/CS0114 in generated code): NG0014 on the class. A layer
        // property just takes another name, so inherited names join the taken names too.
        for (INamedTypeSymbol? baseType = type.BaseType; baseType is { SpecialType: not SpecialType.System_Object }; baseType = baseType.BaseType)
        {
            foreach (ISymbol member in baseType.GetMembers())
            {
                if (member.IsImplicitlyDeclared || member.DeclaredAccessibility == Accessibility.Private || member is IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor })
                {
                    continue;
                }

                if (Analysis.GeneratedNames.MightBeGenerated(member.Name))
                {
                    taken.Add(Analysis.GeneratedNames.InheritedPrefix + member.Name);
                }

                if (candidates.Contains(member.Name))
                {
                    taken.Add(member.Name);
                }
            }
        }

        return spec with { MemberNames = taken.ToEquatableArray() };
    }

    /// <summary>
    /// How a user constructor clashes with the generated ones: <c>.ctor()</c> or <c>.ctor(int)</c> has their
    /// signature; <c>.ctor</c> is any other that does not chain to <c>this(…)</c>, so the buffers and weights would
    /// never be set up. Null for a constructor that chains (or a static one).
    /// </summary>
    public static string? ConstructorClash(IMethodSymbol constructor, CancellationToken cancellationToken)
    {
        if (constructor.IsStatic)
        {
            return null;
        }

        if (constructor.Parameters.Length == 0)
        {
            return Analysis.GeneratedNames.ParameterlessConstructor;
        }

        if (constructor.Parameters.Length == 1 && constructor.Parameters[0].Type.SpecialType == SpecialType.System_Int32 && constructor.Parameters[0].RefKind == RefKind.None)
        {
            return Analysis.GeneratedNames.SeedConstructor;
        }

        bool chains = constructor.DeclaringSyntaxReferences.Any(r =>
            r.GetSyntax(cancellationToken) is ConstructorDeclarationSyntax { Initializer: { } initializer }
            && initializer.IsKind(SyntaxKind.ThisConstructorInitializer));
        return chains ? null : Analysis.GeneratedNames.UnchainedConstructor;
    }

    /// <summary>Whether <paramref name="member"/> is declared in the user's source, not in a file NetGen generated.</summary>
    public static bool IsUserDeclared(ISymbol member, CancellationToken cancellationToken) =>
        member.DeclaringSyntaxReferences.Any(r => !IsGeneratedByNetGen(r.SyntaxTree, cancellationToken));

    /// <summary>Whether <paramref name="tree"/> is one of NetGen's generated files (they start with the same two lines).</summary>
    public static bool IsGeneratedByNetGen(SyntaxTree tree, CancellationToken cancellationToken)
    {
        Microsoft.CodeAnalysis.Text.SourceText text = tree.GetText(cancellationToken);
        int length = System.Math.Min(text.Length, 200);
        string head = text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(0, length));
        return head.StartsWith(GeneratedHeader, System.StringComparison.Ordinal);
    }

    /// <summary>The first line and the start of the second of every generated file.</summary>
    public const string GeneratedHeader = "// <auto-generated/>\n// Generated by NetGen from the layer attributes of ";

    /// <summary>The namespace as declared, each part without a keyword's <c>@</c>; null for the global namespace.</summary>
    private static string? NamespaceOf(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            parts.Insert(0, ns.Name);
        }

        return parts.Count == 0 ? null : string.Join(".", parts);
    }

    private static LayerSpec ParseLayer(AttributeData attribute, int index)
    {
        if (attribute.AttributeConstructor is null || HasErrorArguments(attribute)
            || attribute.AttributeClass is null || !s_layerFactories.TryGetValue(attribute.AttributeClass.Name, out LayerFactory? factory))
        {
            return new InvalidSpec { AttributeIndex = index };
        }

        return factory.Create(new LayerArguments(attribute)) with { AttributeIndex = index, Name = Named<string?>(attribute, "Name", null) };
    }

    /// <summary>One layer attribute's arguments, read the way every factory in the table reads them.</summary>
    private readonly struct LayerArguments
    {
        private readonly AttributeData _attribute;

        public LayerArguments(AttributeData attribute) => _attribute = attribute;

        private ImmutableArray<TypedConstant> Args => _attribute.ConstructorArguments;

        public int Int(int position, int fallback = 0) => Args.Length > position && Args[position].Value is int v ? v : fallback;

        public double Double(int position, double fallback = 0) => Args.Length > position && Args[position].Value is double v ? v : fallback;

        public T Named<T>(string name, T fallback) => NetworkParser.Named(_attribute, name, fallback);

        /// <summary>[Input(null)], [Input((int[])null)] and [Input(shape: null)] give a null array: no dimensions (NG0007).</summary>
        public EquatableArray<int> Shape()
        {
            ImmutableArray<TypedConstant> args = Args;
            var shape = args.Length > 0 && args[0].Kind == TypedConstantKind.Array
                ? (args[0].IsNull ? Enumerable.Empty<int>() : args[0].Values.Select(v => v.Value is int d ? d : 0))
                : args.Select(v => v.Value is int d ? d : 0);
            return shape.ToEquatableArray();
        }

        /// <summary>
        /// Stride 0 (the default) means "= size". With an invalid size that would be the same mistake twice
        /// (MaxPool2D(0) gave two NG0007s): the default stride is then 1, so only size is reported.
        /// </summary>
        public int PoolingStride()
        {
            int size = Int(0);
            int stride = Named("Stride", 0);
            return stride != 0 ? stride : size > 0 ? size : 1;
        }
    }

    private static bool HasErrorArguments(AttributeData attribute) =>
        attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)
        || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error);

    private static T Named<T>(AttributeData attribute, string name, T fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is { } value)
            {
                if (value is T typed)
                {
                    return typed;
                }

                // Widen numeric constants (an int written for a double or long property).
                try
                {
                    return (T)System.Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (System.Exception e) when (e is System.InvalidCastException or System.FormatException or System.OverflowException)
                {
                    return fallback;
                }
            }
        }

        return fallback;
    }

    private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Any(r =>
            r.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
            && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static string KeywordOf(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };
}
