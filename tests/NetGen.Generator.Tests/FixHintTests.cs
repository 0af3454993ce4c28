using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>
/// The analyzer names the code fix that repairs a diagnostic in its properties (<see cref="FixHints.Key"/>), so the code
/// fixes key on it instead of on message text: only the diagnostics a fix really repairs carry a hint.
/// </summary>
public class FixHintTests
{
    [Theory]
    [InlineData("[Network] [Input(784)] [Dense(256)] [ReLU] [Dense(10, Inputs = 100)] public partial class Net;", "NG0001", FixHints.SetInputs)]
    [InlineData("[Network] [Input(1, 8, 8)] [Dense(10)] public partial class Net;", "NG0008", FixHints.InsertFlatten)]
    [InlineData("[Network] [Input(1, 8, 8)] [Maxout(4)] public partial class Net;", "NG0008", FixHints.InsertFlatten)]
    [InlineData("[Network] [Input(1, 8, 8)] [Softmax] public partial class Net;", "NG0008", FixHints.InsertFlatten)]
    [InlineData("[Network] [Input(4)] [Dense(3, Init = Init.Zeros)] [Dense(2)] public partial class Net;", "NG0009", FixHints.UseInitAuto)]
    [InlineData("[Network] [Input(4)] [Dense(2)] public class Net;", "NG0005", FixHints.MakePartial)]
    [InlineData("public class Outer { [Network] [Input(4)] [Dense(2)] public partial class Net; }", "NG0005", FixHints.MakePartial)]
    public void A_diagnostic_a_fix_repairs_names_it(string source, string id, string fix)
    {
        Diagnostic diagnostic = Assert.Single(Diagnostics(source), d => d.Id == id);
        Assert.True(FixHints.Offers(diagnostic, fix));
        Assert.Equal(fix, diagnostic.Properties[FixHints.Key]);
    }

    [Theory]
    // A convolution's wrong rank is not repaired by [Flatten]; a record or a static class is not repaired by 'partial'.
    [InlineData("[Network] [Input(784)] [Conv2D(4, 3)] [Flatten] [Dense(2)] public partial class Net;", "NG0008")]
    [InlineData("[Network] [Input(4)] [Dense(2)] public partial record Net;", "NG0005")]
    [InlineData("[Network] [Input(4)] [Dense(2)] public static partial class Net;", "NG0005")]
    [InlineData("[Network] [Input(4)] [Dense(2)] public partial class Net<T>;", "NG0005")]
    public void A_diagnostic_no_fix_repairs_has_no_hint(string source, string id)
    {
        Diagnostic diagnostic = Assert.Single(Diagnostics(source), d => d.Id == id);
        Assert.False(diagnostic.Properties.ContainsKey(FixHints.Key));
    }

    private static System.Collections.Generic.IEnumerable<Diagnostic> Diagnostics(string source) =>
        TestCompilation.AnalyzerDiagnostics(TestCompilation.Create("using NetGen;\n" + source)).ToList();
}
