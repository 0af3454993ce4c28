using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using NetGen.CodeFixes;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Tests.Infrastructure;

namespace NetGen.Generator.Tests;

/// <summary>
/// Each code fix on the diagnostic it fixes: the fixed source is exactly as expected and has no diagnostics left.
/// </summary>
public sealed class CodeFixTests
{
    [Fact]
    public Task NG0001_sets_Inputs_to_the_inferred_size() => Verify<SetInputsCodeFix>(
        """
        using NetGen;

        [Network]
        [Input(784)]
        [Dense(256)] [ReLU]
        [Dense(10, {|NG0001:Inputs = 100|})]
        public partial class Net;
        """,
        """
        using NetGen;

        [Network]
        [Input(784)]
        [Dense(256)] [ReLU]
        [Dense(10, Inputs = 256)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0008_inserts_Flatten_before_a_Dense_after_a_map() => Verify<InsertFlattenCodeFix>(
        """
        using NetGen;

        [Network]
        [Input(1, 28, 28)] [{|NG0008:Dense(10)|}]
        public partial class Net;
        """,
        """
        using NetGen;

        [Network]
        [Input(1, 28, 28)] [Flatten] [Dense(10)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0008_inserts_Flatten_inside_a_shared_attribute_list() => Verify<InsertFlattenCodeFix>(
        """
        using NetGen;

        [Network]
        [Input(1, 28, 28), {|NG0008:Dense(10)|}]
        public partial class Net;
        """,
        """
        using NetGen;

        [Network]
        [Input(1, 28, 28), Flatten, Dense(10)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0005_makes_the_class_partial() => Verify<MakePartialCodeFix>(
        """
        using NetGen;

        [Network]
        [Input(4)] [Dense(2)]
        public sealed class {|NG0005:Net|};
        """,
        """
        using NetGen;

        [Network]
        [Input(4)] [Dense(2)]
        public sealed partial class Net;
        """);

    [Fact]
    public Task NG0005_makes_the_containing_type_partial_too() => Verify<MakePartialCodeFix>(
        """
        using NetGen;

        public static class Models
        {
            [Network]
            [Input(4)] [Dense(2)]
            public partial class {|NG0005:Net|};
        }
        """,
        """
        using NetGen;

        public static partial class Models
        {
            [Network]
            [Input(4)] [Dense(2)]
            public partial class Net;
        }
        """);

    [Fact]
    public Task NG0009_replaces_Zeros_with_Auto() => Verify<ReplaceZeroInitCodeFix>(
        """
        using NetGen;

        [Network]
        [Input(4)]
        [Dense(8, {|NG0009:Init = Init.Zeros|})] [ReLU]
        [Dense(2)]
        public partial class Net;
        """,
        """
        using NetGen;

        [Network]
        [Input(4)]
        [Dense(8, Init = Init.Auto)] [ReLU]
        [Dense(2)]
        public partial class Net;
        """);

    // Fix All (what `dotnet format` and the IDE's "Fix all in document/project/solution" apply): two diagnostics of
    // one id in one file are both fixed in a single pass.
    [Fact]
    public Task NG0001_fix_all_sets_every_Inputs() => VerifyFixAll<SetInputsCodeFix>(
        """
        using NetGen;

        [Network]
        [Input(784)]
        [Dense(256, {|NG0001:Inputs = 100|})] [ReLU]
        [Dense(10, {|NG0001:Inputs = 100|})]
        public partial class Net;
        """,
        """
        using NetGen;

        [Network]
        [Input(784)]
        [Dense(256, Inputs = 784)] [ReLU]
        [Dense(10, Inputs = 256)]
        public partial class Net;
        """);

    [Fact]
    public Task NG0005_fix_all_makes_every_class_partial() => VerifyFixAll<MakePartialCodeFix>(
        """
        using NetGen;

        [Network]
        [Input(4)] [Dense(2)]
        public sealed class {|NG0005:First|};

        [Network]
        [Input(4)] [Dense(3)]
        public class {|NG0005:Second|};
        """,
        """
        using NetGen;

        [Network]
        [Input(4)] [Dense(2)]
        public sealed partial class First;

        [Network]
        [Input(4)] [Dense(3)]
        public partial class Second;
        """);

    [Fact]
    public Task NG0008_fix_all_inserts_every_Flatten() => VerifyFixAll<InsertFlattenCodeFix>(
        """
        using NetGen;

        [Network]
        [Input(1, 28, 28)] [{|NG0008:Dense(10)|}]
        public partial class First;

        [Network]
        [Input(3, 8, 8)] [{|NG0008:Dense(4)|}]
        public partial class Second;
        """,
        """
        using NetGen;

        [Network]
        [Input(1, 28, 28)] [Flatten] [Dense(10)]
        public partial class First;

        [Network]
        [Input(3, 8, 8)] [Flatten] [Dense(4)]
        public partial class Second;
        """);

    [Fact]
    public Task NG0009_fix_all_replaces_every_Zeros() => VerifyFixAll<ReplaceZeroInitCodeFix>(
        """
        using NetGen;

        [Network]
        [Input(4)]
        [Dense(8, {|NG0009:Init = Init.Zeros|})] [ReLU]
        [Dense(2, {|NG0009:Init = Init.Zeros|})]
        public partial class Net;
        """,
        """
        using NetGen;

        [Network]
        [Input(4)]
        [Dense(8, Init = Init.Auto)] [ReLU]
        [Dense(2, Init = Init.Auto)]
        public partial class Net;
        """);

    private static Task VerifyFixAll<TFix>(string source, string fixedSource)
        where TFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TFix>
        {
            TestCode = source,
            FixedCode = fixedSource,
            NumberOfFixAllIterations = 1,
        };
        return test.RunAsync();
    }

    private static Task Verify<TFix>(string source, string fixedSource)
        where TFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TFix> { TestCode = source, FixedCode = fixedSource };
        return test.RunAsync();
    }

    private sealed class CodeFixTest<TFix> : CSharpCodeFixTest<NetworkAnalyzer, TFix, DefaultVerifier>
        where TFix : CodeFixProvider, new()
    {
        public CodeFixTest()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            TestState.AdditionalReferences.AddRange(TestCompilation.References());
        }

        protected override ParseOptions CreateParseOptions() =>
            ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.CSharp12);
    }
}
