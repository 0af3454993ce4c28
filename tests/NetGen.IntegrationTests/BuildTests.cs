using System.Text.RegularExpressions;

namespace NetGen.IntegrationTests;

/// <summary>
/// Builds throwaway projects with <c>dotnet build</c>, as a user would, referencing the three src projects (the
/// generator as an analyzer): a shape error fails the build at the right file and line; a valid network builds clean.
/// </summary>
public sealed class BuildTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("netgen-build-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ShapeErrorFailsTheBuildWithNG0001OnTheFaultyAttribute()
    {
        WriteProject("""
            using NetGen;

            [Network(Loss = LossFunction.SoftmaxCrossEntropy)]
            [Input(784)]
            [Dense(256)] [ReLU]
            [Dense(10, Inputs = 100)] [Softmax]
            public partial class BrokenNet;

            public static class Program
            {
                public static void Main() => new BrokenNet().Predict(new float[784], new float[10]);
            }
            """);

        (int exitCode, string output) = Build();

        Assert.NotEqual(0, exitCode);
        Match error = Regex.Match(output, @"Network\.cs\((\d+),(\d+)\): error NG0001: (.*?) \[");
        Assert.True(error.Success, "expected NG0001 in the build output:\n" + output);
        Assert.Equal("6", error.Groups[1].Value); // the line of [Dense(10, Inputs = 100)]
        Assert.Contains("expects 100 inputs but receives 256", error.Groups[3].Value);
        Assert.Contains("Input(784) → Dense(256) → ReLU(256)", error.Groups[3].Value);
        // One mistake, one diagnostic: no cascade of compiler errors about missing members.
        Assert.DoesNotMatch(@"error CS\d+", output);
    }

    [Fact]
    public void ValidNetworkBuildsWithNoWarnings()
    {
        WriteProject("""
            using NetGen;

            [Network(Loss = LossFunction.MeanSquaredError, Precision = Precision.Double, L2 = 0.001)]
            [Input(3)]
            [Dense(5)] [BatchNorm] [ELU] [Dropout(0.1)]
            [Maxout(4, 3)] [PReLU(Shared = true)]
            [Dense(2)]
            public partial class Regressor;

            public static class Program
            {
                public static void Main()
                {
                    var net = new Regressor();
                    double loss = net.TrainStep(new double[6], new double[4]);
                    System.Console.WriteLine(loss);
                }
            }
            """);

        (int exitCode, string output) = Build();

        Assert.True(exitCode == 0, "the build failed:\n" + output);
        Assert.DoesNotMatch(@"warning [A-Z]+\d+", output);
    }

    private void WriteProject(string source)
    {
        string src = Path.Combine(DotnetCli.RepositoryRoot(), "src");
        File.WriteAllText(Path.Combine(_directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{src}/NetGen.Attributes/NetGen.Attributes.csproj" />
                <ProjectReference Include="{src}/NetGen.Runtime/NetGen.Runtime.csproj" />
                <ProjectReference Include="{src}/NetGen.Generator/NetGen.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(_directory, "Network.cs"), source);
    }

    private (int ExitCode, string Output) Build() => DotnetCli.Run(_directory, environment: null, "build", "-c", "Release");
}
