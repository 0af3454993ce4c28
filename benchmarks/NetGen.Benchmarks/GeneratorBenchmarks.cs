using System.Reflection;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;

namespace NetGen.Benchmarks;

/// <summary>
/// The generator on the Fashion-MNIST MLP's source (samples/FashionMnist/Networks.cs) through CSharpGeneratorDriver:
/// a new driver each time, so nothing is cached from a previous run. "warm compilation" reuses one compilation whose
/// symbols are already bound; "new compilation" starts from a fresh compilation of the same text, as a first build does.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private SyntaxTree _tree = null!;

    [GlobalSetup]
    public void Setup()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("FashionMlp.cs")!;
        string source = new StreamReader(stream).ReadToEnd();

        // The sample's file may declare more networks after this one: keep the MLP only.
        const string Declaration = "public partial class FashionMlp;";
        source = source[..(source.IndexOf(Declaration, StringComparison.Ordinal) + Declaration.Length)];
        _tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.CSharp12));
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(NetworkAttribute).Assembly.Location)
            .Append(typeof(INetwork<>).Assembly.Location)
            .Select(path => MetadataReference.CreateFromFile(path));
        _compilation = CSharpCompilation.Create("Bench", [_tree], references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        // Time the real work only: the network's forward and backward files must come out, with no error reported.
        GeneratorDriverRunResult result = Generate();
        string[] files = [.. result.GeneratedTrees.Select(tree => Path.GetFileName(tree.FilePath))];
        Diagnostic? error = result.Diagnostics.FirstOrDefault(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error);
        if (error is not null || !files.Any(name => name.EndsWith("FashionMlp.Forward.g.cs", StringComparison.Ordinal)) || !files.Any(name => name.EndsWith("FashionMlp.Backward.g.cs", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"The generator did not write FashionMlp's forward and backward files (it wrote {string.Join(", ", files)}){(error is null ? "" : $"; it reported {error}")}.");
        }
    }

    [Benchmark(Description = "Generator, FashionMlp, warm compilation")]
    public GeneratorDriverRunResult Generate() =>
        CSharpGeneratorDriver.Create(new NetworkGenerator()).RunGenerators(_compilation).GetRunResult();

    [Benchmark(Description = "Generator, FashionMlp, new compilation")]
    public GeneratorDriverRunResult GenerateNewCompilation() =>
        CSharpGeneratorDriver.Create(new NetworkGenerator()).RunGenerators(_compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(_tree)).GetRunResult();
}
