using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>
/// The generator's output and the analyzer's messages do not depend on the culture of the machine that builds: under a
/// culture with a comma decimal separator and U+2212 as the minus sign they are byte-identical to the invariant ones.
/// </summary>
public class CultureTests
{
    // Negative and fractional numbers everywhere they can appear: seed, alphas, epsilon, momentum, dropout, penalties.
    private const string Source = """
        using NetGen;

        namespace App;

        [Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = -12345, L1 = 0.00015, L2 = 2.5e-4, UnrollLimit = 64)]
        [Input(1, 4, 4)] [Flatten]
        [Dense(6, Init = Init.GlorotUniform)] [BatchNorm(Momentum = 0.95, Epsilon = 1.5e-5)] [Tanh] [Dropout(0.25)]
        [Dense(5)] [LeakyReLU(0.125)]
        [Dense(5)] [PReLU(InitialAlpha = -0.75)]
        [Dense(5)] [PReLU(Shared = true, InitialAlpha = 0.1)]
        [Dense(5)] [ELU(1.5)]
        [Maxout(4, 3)]
        [Dense(3)] [Softmax]
        public partial class Net;

        [Network(Precision = Precision.Double, Seed = -1, L2 = 0.3)]
        [Input(2)] [Dense(2)] [ELU(0.7)] [Dense(1)]
        public partial class DoubleNet;

        [Network(L1 = -0.5, MaxParameters = 1500)]
        [Input(40)] [Dense(40)] [Dropout(-0.25)] [LeakyReLU(-0.01)] [BatchNorm(Epsilon = -1e-5)]
        public partial class Invalid;
        """;

    [Fact]
    public void Output_under_a_comma_and_true_minus_culture_is_byte_identical_to_invariant_and_compiles()
    {
        (string Hint, string Text)[] invariant = RunUnder(CultureInfo.InvariantCulture, out _);
        (string Hint, string Text)[] unusual = RunUnder(UnusualCulture(), out Compilation output);

        Assert.Equal(invariant.Select(f => f.Hint), unusual.Select(f => f.Hint));
        for (int i = 0; i < invariant.Length; i++)
        {
            Assert.True(invariant[i].Text == unusual[i].Text, $"{invariant[i].Hint} differs:\n{Snapshot.Diff(invariant[i].Text, unusual[i].Text)}");
        }

        // The math comments use U+2212 on purpose ("e^−A3"); a number never does.
        Assert.DoesNotContain(unusual, f => System.Text.RegularExpressions.Regex.IsMatch(f.Text, "\u2212[0-9]"));
        Assert.Contains(unusual, f => f.Text.Contains("-12345"));
        Assert.Contains(unusual, f => f.Text.Contains("-0.75f"));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Analyzer_messages_are_culture_invariant()
    {
        string[] invariant = AnalyzeUnder(CultureInfo.InvariantCulture);
        string[] unusual = AnalyzeUnder(UnusualCulture());

        Assert.Equal(invariant, unusual);
        Assert.Contains(unusual, m => m.Contains("L1 = -0.5"));
        Assert.Contains(unusual, m => m.Contains("rate = -0.25"));
        Assert.Contains(unusual, m => m.Contains("1,720 parameters")); // N0 grouping from the invariant culture
        Assert.DoesNotContain(unusual, m => m.Contains('\u2212') || m.Contains("0,25"));
    }

    [Fact]
    public void The_unusual_culture_really_is_unusual()
    {
        CultureInfo culture = UnusualCulture();

        Assert.Equal("\u22120,5", (-0.5).ToString(culture));
    }

    /// <summary>French, with U+2212 as the negative sign: "−0,5".</summary>
    private static CultureInfo UnusualCulture()
    {
        var culture = (CultureInfo)new CultureInfo("fr-FR").Clone();
        culture.NumberFormat.NegativeSign = "\u2212";
        culture.NumberFormat.NumberDecimalSeparator = ",";
        return culture;
    }

    private static (string Hint, string Text)[] RunUnder(CultureInfo culture, out Compilation output)
    {
        CultureInfo previous = CultureInfo.CurrentCulture, previousUi = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            (output, ImmutableArray<Diagnostic> diagnostics, GeneratorDriverRunResult run) = TestCompilation.RunGenerator(TestCompilation.Create(Source));
            Assert.Null(run.Results.Single().Exception);
            Assert.Empty(diagnostics);
            return run.Results.Single().GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())).ToArray();
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
            CultureInfo.CurrentUICulture = previousUi;
        }
    }

    private static string[] AnalyzeUnder(CultureInfo culture)
    {
        CultureInfo previous = CultureInfo.CurrentCulture, previousUi = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            return TestCompilation.AnalyzerDiagnostics(TestCompilation.Create(Source))
                .Select(d => $"{d.Id}: {d.GetMessage(culture)}")
                .OrderBy(m => m, StringComparer.Ordinal)
                .ToArray();
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
            CultureInfo.CurrentUICulture = previousUi;
        }
    }
}
