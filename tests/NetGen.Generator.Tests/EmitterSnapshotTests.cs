using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Analysis;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Tests.Infrastructure;
using static NetGen.Generator.Tests.Infrastructure.Specs;

namespace NetGen.Generator.Tests;

/// <summary>
/// <see cref="NetworkPlan"/> → text, compared with the files in <c>Snapshots/</c>. Plans come from hand-made specs through
/// shape inference; no compilation. Set <c>NETGEN_UPDATE_SNAPSHOTS=1</c> to accept a deliberate change.
/// </summary>
public class EmitterSnapshotTests
{
    [Fact]
    public void FashionMlp()
    {
        NetworkPlan plan = Plan(Specs.FashionMlp());

        IReadOnlyList<(string HintName, string Source)> files = NetworkEmitter.Emit(plan);

        Assert.Equal(new[] { "Tests.FashionMlp.Parameters.g.cs", "Tests.FashionMlp.Forward.g.cs", "Tests.FashionMlp.Backward.g.cs", "Tests.FashionMlp.Onnx.g.cs", "Tests.FashionMlp.Tangent.g.cs", "Tests.FashionMlp.InputGradients.g.cs" }, files.Select(f => f.HintName));
        Snapshot.Match(nameof(FashionMlp), files);
    }

    [Fact]
    public void Xor_double_unrolled()
    {
        NetworkPlan plan = Plan(Net("Xor", LossKind.BinaryCrossEntropy, Input(2), Dense(4), Tanh(), Dense(1), Sigmoid()) with { DoublePrecision = true, Seed = 1 });
        Assert.All(plan.Layers.Where(l => l.Spec is DenseSpec), l => Assert.True(l.Unrolled));

        IReadOnlyList<(string HintName, string Source)> files = NetworkEmitter.Emit(plan);

        Assert.Contains(files, f => f.Source.Contains("double"));
        Assert.DoesNotContain(files, f => f.Source.Contains("float"));
        Snapshot.Match(nameof(Xor_double_unrolled), files);
    }

    [Fact]
    public void PReLU_shared()
    {
        NetworkPlan plan = Plan(Net("SharedPrelu", LossKind.MeanSquaredError, Input(3), Dense(4), PReLU(shared: true, initialAlpha: 0.1), Dense(2)));

        Snapshot.Match(nameof(PReLU_shared), NetworkEmitter.Emit(plan));
    }

    [Fact]
    public void PReLU_per_unit()
    {
        NetworkPlan plan = Plan(Net("PerUnitPrelu", LossKind.MeanSquaredError, Input(3), Dense(4), PReLU(), Dense(2)));

        Snapshot.Match(nameof(PReLU_per_unit), NetworkEmitter.Emit(plan));
    }

    [Fact]
    public void Maxout_layer()
    {
        NetworkPlan plan = Plan(Net("MaxoutNet", LossKind.SoftmaxCrossEntropy, Input(4), Maxout(3, 2), Dense(3), Softmax()));

        Snapshot.Match(nameof(Maxout_layer), NetworkEmitter.Emit(plan));
    }

    [Fact]
    public void L1_and_L2_regularization()
    {
        NetworkPlan plan = Plan(Net("Regularized", LossKind.MulticlassHinge, Input(20), Dense(16), ReLU(), Dense(3)) with { L1 = 0.001, L2 = 0.01 });

        Snapshot.Match(nameof(L1_and_L2_regularization), NetworkEmitter.Emit(plan));
    }

    [Fact]
    public void Nested_in_partial_types_in_the_global_namespace()
    {
        NetworkPlan plan = Plan(Net("Inner", LossKind.MeanSquaredError, Input(2), Dense(1)) with
        {
            Namespace = null,
            ContainingTypes = EquatableArray.Create(new ContainingType("class", "Outer"), new ContainingType("record struct", "Middle")),
        });

        IReadOnlyList<(string HintName, string Source)> files = NetworkEmitter.Emit(plan);

        Assert.Equal("Outer-Middle-Inner.Parameters.g.cs", files[0].HintName);
        Snapshot.Match(nameof(Nested_in_partial_types_in_the_global_namespace), files);
    }

    [Fact]
    public void Network_with_errors_gets_throwing_members()
    {
        NetworkPlan plan = Plan(Net("Broken", LossKind.MeanSquaredError, Input(784), Dense(256), ReLU(), Dense(10, inputs: 100, name: "hidden2")));
        Assert.True(plan.HasErrors);

        IReadOnlyList<(string HintName, string Source)> files = NetworkEmitter.Emit(plan);

        (string hint, string source) = Assert.Single(files);
        Assert.Equal("Tests.Broken.g.cs", hint);
        Assert.Contains("throw new global::System.NotSupportedException(\"Broken has errors", source);
        Snapshot.Match(nameof(Network_with_errors_gets_throwing_members), files);
    }

    [Fact]
    public void Conv2D_network()
    {
        NetworkPlan plan = Plan(Net("ConvNet", LossKind.SoftmaxCrossEntropy, Input(1, 28, 28), Conv2D(8, 3), MaxPool2D(2), Flatten(), Dense(10), Softmax()));
        Assert.True(plan.IsRunnable);

        IReadOnlyList<(string HintName, string Source)> files = NetworkEmitter.Emit(plan);

        Assert.Equal(6, files.Count);
        Snapshot.Match(nameof(Conv2D_network), files);
    }

    [Fact]
    public void Emission_is_deterministic()
    {
        NetworkPlan plan = Plan(Specs.FashionMlp());

        Assert.Equal(NetworkEmitter.Emit(plan), NetworkEmitter.Emit(Plan(Specs.FashionMlp())));
    }

    [Fact]
    public void Every_file_starts_with_the_auto_generated_header_and_nullable()
    {
        foreach (NetworkSpec spec in new[] { Specs.FashionMlp(), Net(Input(1, 28, 28), Conv2D(8, 3), Flatten(), Dense(10)) })
        {
            foreach ((string hint, string source) in NetworkEmitter.Emit(Plan(spec)))
            {
                Assert.StartsWith("// <auto-generated/>\n", source);
                Assert.Contains("\n#nullable enable\n", source);
                Assert.DoesNotContain("\r", source);
                Assert.EndsWith(".g.cs", hint);
            }
        }
    }

    private static NetworkPlan Plan(NetworkSpec spec) => ShapeInference.Infer(spec);
}
