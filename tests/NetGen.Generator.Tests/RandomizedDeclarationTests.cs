using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Tests;

/// <summary>
/// Hundreds of declarations from a fixed seed, with random (also invalid and extreme) arguments, names, user members and
/// layer orders. For each: the generator and the analyzer throw nothing (no CS8785, no AD0001), no generated file has a
/// compiler error, and a declaration without an NG error compiles with no CS error at all. Compiled in batches.
/// </summary>
public class RandomizedDeclarationTests
{
    private const int Batches = 4, PerBatch = 50;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_declarations_end_in_code_that_compiles_or_an_NG_error(int batch)
    {
        Assert.InRange(batch, 0, Batches - 1);
        var random = new Random(20261201 + batch);
        var declarations = new List<string>();
        var source = new StringBuilder("using NetGen;\n");
        for (int i = 0; i < PerBatch; i++)
        {
            string declaration = Declaration(random, $"R{batch}_{i}");
            declarations.Add(declaration);
            source.Append(declaration).Append('\n');
        }

        string text = source.ToString();
        var build = HardeningTests.Build(text);
        Assert.Empty(build.Exceptions);
        Assert.DoesNotContain(build.Generator.Concat(build.Analyzer), d => d.Id is "CS8785" or "AD0001");

        Diagnostic[] errors = build.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        var failures = new List<string>();
        failures.AddRange(errors.Where(d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true)
            .Select(d => $"in generated code: {d}"));

        // One declaration per line range: the namespace block R{batch}_{i}.
        int start = text.IndexOf('\n') + 1, clean = 0;
        foreach (string declaration in declarations)
        {
            int offset = text.IndexOf(declaration, start, StringComparison.Ordinal);
            var span = new Microsoft.CodeAnalysis.Text.TextSpan(offset + TestPrefixLength, declaration.Length);
            start = offset + declaration.Length;
            bool ngError = build.Analyzer.Any(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("NG", StringComparison.Ordinal) && span.Contains(d.Location.SourceSpan.Start) && d.Location.SourceTree?.FilePath == "Source0.cs");
            bool csError = errors.Any(d => d.Location.SourceTree?.FilePath == "Source0.cs" && span.Contains(d.Location.SourceSpan.Start));
            clean += ngError ? 0 : 1;
            if (!ngError && csError)
            {
                failures.Add($"no NG error but compiler errors:\n{declaration}\n{string.Join("\n", errors.Where(d => d.Location.SourceTree?.FilePath == "Source0.cs" && span.Contains(d.Location.SourceSpan.Start)))}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures.Take(10)));

        // Not vacuous: a fair share of the declarations are valid networks whose generated code was compiled.
        Assert.InRange(clean, PerBatch / 10, PerBatch);
        Assert.InRange(build.Output.SyntaxTrees.Count(t => t.FilePath.EndsWith(".Forward.g.cs", StringComparison.Ordinal)), PerBatch / 10, PerBatch);
    }

    /// <summary>TestCompilation puts a one-line pragma before each source.</summary>
    private static readonly int TestPrefixLength = "#pragma warning disable CS1591 // test code: only the generated members must be documented\n".Length;

    private static readonly string[] s_classNames = { "Net", "Net", "Net", "@event", "Summary", "Forward", "Workspace", "Dense1", "W1", "Predict", "Ünïcode" };
    private static readonly string?[] s_layerNames = { null, null, null, null, "hidden", "class", "Forward", "Dense1", "W1", "Predict", "a b", "x\\ny", "9lives", "_", "\\u2028" };
    private static readonly string[] s_members =
    {
        "public void Train(int epochs) { }", "public int W1 => 1;", "public {0}() { }", "public {0}(int seed) { }", "public {0}(string s) { }",
        "public {0}(double d) : this((int)d) { }", "private int _parameters;", "public string Summary2 => \"\";", "public void Predict(string s) { }",
        "public int Hidden => 0;", "public int Dense1 => 0;", "private int runningMean2;", "public int Layers2 => 0;", "internal sealed class Workspace { }",
    };

    private static readonly int[] s_sizes = { 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 16, 28, 0, -1, 65536, int.MaxValue };
    private static readonly double[] s_reals = { 0, 0.01, 0.1, 0.5, 0.9, 0.99999999, 1, 1.5, -0.5, 1e-50, 1e-5, 1e39, 1e300, -1e300, double.NaN, double.PositiveInfinity };

    private static T Pick<T>(Random random, IReadOnlyList<T> values) => values[random.Next(values.Count)];

    private static string Real(double value) => value switch
    {
        double.NaN => "double.NaN",
        double.PositiveInfinity => "double.PositiveInfinity",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Int(int value) => value == int.MaxValue ? "int.MaxValue" : value.ToString(CultureInfo.InvariantCulture);

    private static string Declaration(Random random, string ns) => random.Next(2) == 0 ? Hostile(random, ns) : Plausible(random, ns);

    /// <summary>A declaration a user might write: valid values (still random: names, sizes, orders, user members).</summary>
    private static string Plausible(Random random, string ns)
    {
        string className = Pick(random, new[] { "Net", "Model", "@event", "@class", "Ünïcode" });
        int[] small = { 1, 2, 3, 4, 5, 8 };
        var options = new List<string>();
        if (random.Next(3) == 0) options.Add("Precision = Precision.Double");
        if (random.Next(4) == 0) options.Add($"L2 = {Real(Pick(random, new[] { 0.0, 1e-4, 0.01 }))}");
        if (random.Next(4) == 0) options.Add($"L1 = {Real(Pick(random, new[] { 0.0, 1e-4, 0.01 }))}");
        if (random.Next(4) == 0) options.Add($"UnrollLimit = {Pick(random, new[] { 0, 16, 256, 4096 })}");
        if (random.Next(4) == 0) options.Add($"Seed = {random.Next(-5, 5)}");
        string Name() => Pick(random, new[] { "", "", "", ", Name = \"hidden\"", ", Name = \"class\"", ", Name = \"Forward\"", ", Name = \"Dense1\"", ", Name = \"x\\ny\"", ", Name = \"W1\"" });
        var layers = new List<string>();
        bool convolutional = random.Next(3) == 0;
        if (convolutional)
        {
            bool twoD = random.Next(2) == 0;
            int side = Pick(random, new[] { 6, 8, 12 });
            layers.Add(twoD ? $"[Input({Pick(random, small)}, {side}, {side})]" : $"[Input({Pick(random, small)}, {side * 2})]");
            string conv = twoD ? "Conv2D" : "Conv1D", pool = twoD ? "MaxPool2D" : "MaxPool1D";
            layers.Add($"[{conv}({Pick(random, small)}, 3, Padding = 1{Name()})]");
            if (random.Next(2) == 0) layers.Add("[BatchNorm]");
            layers.Add(Pick(random, new[] { "[ReLU]", "[PReLU]", "[Tanh]", "[ELU(0.5)]" }));
            if (random.Next(2) == 0) layers.Add($"[{pool}(2)]");
            layers.Add("[Flatten]");
        }
        else
        {
            layers.Add($"[Input({Pick(random, small)})]");
        }

        int count = random.Next(1, 6);
        for (int i = 0; i < count; i++)
        {
            layers.Add(random.Next(7) switch
            {
                0 => $"[Dense({Pick(random, small)}, Bias = {(random.Next(4) == 0 ? "false" : "true")}{Name()})]",
                1 => $"[BatchNorm(Momentum = {Real(Pick(random, new[] { 0.0, 0.5, 0.9, 0.99 }))}, Epsilon = {Real(Pick(random, new[] { 1e-5, 1e-3, 0.1 }))}{Name()})]",
                2 => $"[Dropout({Real(Pick(random, new[] { 0.0, 0.1, 0.5, 0.9 }))})]",
                3 => Pick(random, new[] { "[ReLU]", "[Tanh]", "[Sigmoid]", "[LeakyReLU(0.2)]", "[ELU]", "[PReLU(Shared = true)]", "[PReLU(InitialAlpha = 0.1)]" }),
                4 => $"[Maxout({Pick(random, small)}, {Pick(random, new[] { 2, 3 })})]",
                _ => $"[Dense({Pick(random, small)}, Init = Init.{Pick(random, new[] { "Auto", "HeNormal", "GlorotUniform", "LeCunNormal", "SmallRandom" })})]",
            });
        }

        string member = random.Next(3) == 0 ? Pick(random, new[] { "public int Hidden => 0;", "public int Dense1 => 0;", "public string Summary2 => \"\";", $"public {className}(double d) : this((int)d) {{ }}" }) : string.Empty;
        string network = options.Count == 0 ? "[Network]" : $"[Network({string.Join(", ", options)})]";
        string body = member.Length == 0 ? ";" : " { " + member + " }";
        return $"namespace {ns} {{ {network} {string.Join(" ", layers)} public partial class {className}{body} }}";
    }

    /// <summary>Anything the attribute types allow: extreme and invalid values, colliding names, any order.</summary>
    private static string Hostile(Random random, string ns)
    {
        string className = Pick(random, s_classNames);
        var options = new List<string>();
        if (random.Next(3) == 0) options.Add($"Loss = (LossFunction){random.Next(-1, 5)}");
        if (random.Next(3) == 0) options.Add($"Precision = (Precision){Pick(random, new[] { 0, 1, 1, 5 })}");
        if (random.Next(4) == 0) options.Add($"L1 = {Real(Pick(random, s_reals))}");
        if (random.Next(4) == 0) options.Add($"L2 = {Real(Pick(random, s_reals))}");
        if (random.Next(4) == 0) options.Add($"UnrollLimit = {Int(Pick(random, new[] { -1, 0, 16, 256, 4096, 5000, int.MaxValue }))}");
        if (random.Next(6) == 0) options.Add($"MaxParameters = {Pick(random, new[] { -1L, 0L, 10L, 100000L })}");
        if (random.Next(4) == 0) options.Add($"Seed = {random.Next(-5, 5)}");

        var layers = new List<string>();
        int count = random.Next(0, 8);
        bool inputFirst = random.Next(10) != 0;
        if (inputFirst)
        {
            layers.Add(Input(random));
        }

        for (int i = 0; i < count; i++)
        {
            layers.Add(Layer(random));
            if (random.Next(25) == 0)
            {
                layers.Add(Input(random));
            }
        }

        var members = new List<string>();
        int memberCount = random.Next(4) == 0 ? random.Next(1, 3) : 0;
        for (int i = 0; i < memberCount; i++)
        {
            members.Add(Pick(random, s_members).Replace("{0}", className, StringComparison.Ordinal));
        }

        string network = options.Count == 0 ? "[Network]" : $"[Network({string.Join(", ", options)})]";
        string body = members.Count == 0 ? ";" : " { " + string.Join(" ", members.Distinct()) + " }";
        return $"namespace {ns} {{ {network} {string.Join(" ", layers)} public partial class {className}{body} }}";
    }

    private static string Input(Random random) => random.Next(12) switch
    {
        0 => "[Input(null)]",
        1 => "[Input(shape: null)]",
        2 => "[Input()]",
        _ => $"[Input({string.Join(", ", Enumerable.Range(0, random.Next(1, 4)).Select(_ => Int(Pick(random, s_sizes))))})]",
    };

    private static string Layer(Random random)
    {
        var named = new List<string>();
        string? name = Pick(random, s_layerNames);
        if (name is not null) named.Add($"Name = \"{name}\"");
        string Size() => Int(Pick(random, s_sizes));
        string R() => Real(Pick(random, s_reals));
        string InitArg() => $"Init = (Init){random.Next(-1, 9)}";
        string kind;
        var positional = new List<string>();
        switch (random.Next(16))
        {
            case 0: kind = "Dense"; positional.Add(Size()); if (random.Next(3) == 0) named.Add(InitArg()); if (random.Next(4) == 0) named.Add("Bias = false"); if (random.Next(4) == 0) named.Add($"Inputs = {Size()}"); break;
            case 1: kind = "BatchNorm"; if (random.Next(2) == 0) named.Add($"Momentum = {R()}"); if (random.Next(2) == 0) named.Add($"Epsilon = {R()}"); break;
            case 2: kind = "Dropout"; positional.Add(R()); break;
            case 3: kind = "ReLU"; break;
            case 4: kind = "LeakyReLU"; if (random.Next(2) == 0) positional.Add(R()); break;
            case 5: kind = "PReLU"; if (random.Next(2) == 0) named.Add("Shared = true"); if (random.Next(2) == 0) named.Add($"InitialAlpha = {R()}"); break;
            case 6: kind = "ELU"; if (random.Next(2) == 0) positional.Add(R()); break;
            case 7: kind = "Sigmoid"; break;
            case 8: kind = "Tanh"; break;
            case 9: kind = "Softmax"; break;
            case 10: kind = "Maxout"; positional.Add(Size()); if (random.Next(2) == 0) positional.Add(Size()); break;
            case 11:
            case 12:
                kind = random.Next(2) == 0 ? "Conv2D" : "Conv1D"; positional.Add(Size()); positional.Add(Size());
                if (random.Next(2) == 0) named.Add($"Stride = {Size()}");
                if (random.Next(2) == 0) named.Add($"Padding = {Size()}");
                break;
            case 13: kind = random.Next(2) == 0 ? "MaxPool2D" : "MaxPool1D"; positional.Add(Size()); if (random.Next(2) == 0) named.Add($"Stride = {Size()}"); break;
            default: kind = "Flatten"; break;
        }

        var arguments = positional.Concat(named).ToList();
        return arguments.Count == 0 ? $"[{kind}]" : $"[{kind}({string.Join(", ", arguments)})]";
    }
}
