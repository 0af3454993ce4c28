using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.Tests.Infrastructure;

/// <summary>
/// Compilations of test sources against the running runtime's framework assemblies, NetGen.Attributes and
/// NetGen.Runtime, and runs of the generator over them.
/// </summary>
internal static class TestCompilation
{
    /// <summary>C# 12, the net8.0 default: generated code must compile with it.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12, DocumentationMode.Diagnose);

    /// <summary>
    /// Documentation comments are diagnosed (so a generated public member without docs is a CS1591 warning), but the
    /// test sources themselves are not documented: they say so at their top.
    /// </summary>
    private const string UndocumentedUserCode = "#pragma warning disable CS1591 // test code: only the generated members must be documented\n";

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_framework = new(LoadFramework);

    /// <summary>The framework assemblies of the runtime the tests run on (the trusted platform assemblies in its directory).</summary>
    public static ImmutableArray<MetadataReference> Framework => s_framework.Value;

    public static MetadataReference Attributes { get; } = MetadataReference.CreateFromFile(typeof(NetGen.NetworkAttribute).Assembly.Location);

    public static MetadataReference Runtime { get; } = MetadataReference.CreateFromFile(typeof(NetGen.INetwork<>).Assembly.Location);

    /// <summary>Framework + NetGen.Attributes (+ NetGen.Runtime unless <paramref name="withRuntime"/> is false).</summary>
    public static ImmutableArray<MetadataReference> References(bool withRuntime = true) =>
        withRuntime ? Framework.Add(Attributes).Add(Runtime) : Framework.Add(Attributes);

    public static CSharpCompilation Create(params string[] sources) => Create(sources, withRuntime: true);

    public static CSharpCompilation Create(IEnumerable<string> sources, bool withRuntime = true, string assemblyName = "TestAssembly")
    {
        SyntaxTree[] trees = sources
            .Select((source, i) => CSharpSyntaxTree.ParseText(UndocumentedUserCode + source, ParseOptions, path: $"Source{i}.cs"))
            .ToArray();
        return CSharpCompilation.Create(
            assemblyName,
            trees,
            References(withRuntime),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    /// <summary>Parses the network class <paramref name="metadataName"/> of <paramref name="source"/> with the generator's parser.</summary>
    public static NetworkSpec ParseSpec(string source, string metadataName = "Net")
    {
        CSharpCompilation compilation = Create(source);
        AssertNoCompilerErrors(compilation);
        INamedTypeSymbol type = compilation.GetTypeByMetadataName(metadataName)
            ?? throw new InvalidOperationException($"Type {metadataName} not found.");
        AttributeData network = type.GetAttributes().Single(a => a.AttributeClass?.ToDisplayString() == NetworkParser.NetworkAttributeName);
        return NetworkParser.Parse(type, network, default);
    }

    /// <summary>Fails on any compiler error (not on NetGen diagnostics, which come from the analyzer).</summary>
    public static void AssertNoCompilerErrors(Compilation compilation)
    {
        Diagnostic[] errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, "Compiler errors:\n" + string.Join("\n", errors.Select(d => d.ToString())));
    }

    /// <summary>A driver over the generator, C# 12, optionally tracking steps.</summary>
    public static GeneratorDriver CreateDriver(bool trackSteps = false) => CSharpGeneratorDriver.Create(
        new[] { new NetworkGenerator().AsSourceGenerator() },
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; returns the compilation with the generated files and the run's result.</summary>
    public static (Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, GeneratorDriverRunResult Run) RunGenerator(Compilation compilation)
    {
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return (output, diagnostics, driver.GetRunResult());
    }

    /// <summary>What <see cref="Diagnostics.NetworkAnalyzer"/> reports on <paramref name="compilation"/>.</summary>
    public static ImmutableArray<Diagnostic> AnalyzerDiagnostics(Compilation compilation) =>
        compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new Diagnostics.NetworkAnalyzer()))
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();

    /// <summary>Warnings and errors of a compilation, as lines for an assertion message.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => $"{d.Id} {d.Severity} {d.Location.SourceTree?.FilePath}{d.Location.GetLineSpan().Span.Start}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));

    private static ImmutableArray<MetadataReference> LoadFramework()
    {
        string runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return trusted.Split(Path.PathSeparator)
            .Where(path => path.Length > 0 && string.Equals(Path.GetDirectoryName(path), runtimeDirectory, StringComparison.Ordinal))
            .Where(path => !Path.GetFileName(path).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}
