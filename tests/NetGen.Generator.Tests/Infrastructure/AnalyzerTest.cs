using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Tests.Infrastructure;

/// <summary>
/// <see cref="NetworkAnalyzer"/> under Microsoft.CodeAnalysis.Testing, with markup spans such as
/// <c>{|NG0001:Inputs = 100|}</c>. References: the running runtime's framework, NetGen.Attributes and NetGen.Runtime
/// (no package download). With <c>withGenerator</c>, the generator runs first, so the generated members (InputSize,
/// Predict, …) exist, as they do in a real build.
/// </summary>
internal sealed class AnalyzerTest : CSharpAnalyzerTest<NetworkAnalyzer, DefaultVerifier>
{
    private readonly bool _withGenerator;

    public AnalyzerTest(string source, bool withGenerator = false)
    {
        _withGenerator = withGenerator;
        TestCode = source;
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(TestCompilation.References());
        if (withGenerator)
        {
            TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        }
    }

    /// <summary>Markup spans only (no message check) must match the analyzer's diagnostics exactly.</summary>
    public static Task VerifyAsync(string source, bool withGenerator = false, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest(source, withGenerator);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    protected override ParseOptions CreateParseOptions() =>
        ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.CSharp12);

    protected override IEnumerable<Type> GetSourceGenerators() =>
        _withGenerator ? new[] { typeof(NetworkGenerator) } : Array.Empty<Type>();
}
