using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace NetGen.IntegrationTests;

/// <summary>
/// The NetGen package as a user gets it: <c>dotnet pack src/NetGen.Runtime</c> into a temporary folder, then consumer
/// projects outside the repository that reference nothing but that package, restored into a private package cache so
/// that a NetGen of the same version cached by an earlier run is never used.
/// </summary>
public sealed partial class PackageTests : IClassFixture<PackageTests.PackedNetGen>
{
    private readonly PackedNetGen _package;

    public PackageTests(PackedNetGen package) => _package = package;

    [Fact]
    public void PackageHoldsRuntimeAndAttributesAsLibrariesAndGeneratorAndCodeFixesAsAnalyzers()
    {
        using ZipArchive nupkg = ZipFile.OpenRead(_package.PackagePath);
        var entries = nupkg.Entries.Select(entry => entry.FullName).ToHashSet();

        foreach (string framework in new[] { "net8.0", "net10.0" })
        {
            Assert.Contains($"lib/{framework}/NetGen.Runtime.dll", entries);
            Assert.Contains($"lib/{framework}/NetGen.Runtime.xml", entries);
            Assert.Contains($"lib/{framework}/NetGen.Attributes.dll", entries);
            Assert.Contains($"lib/{framework}/NetGen.Attributes.xml", entries);
        }

        Assert.Contains("analyzers/dotnet/cs/NetGen.Generator.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/NetGen.CodeFixes.dll", entries);
        Assert.Contains("README.md", entries);
        Assert.Contains("LICENSE", entries);
        Assert.Contains("build/NetGen.targets", entries);
        Assert.Contains("buildTransitive/NetGen.targets", entries);
        // The compiler loads the generator and the fixes; a program never references them.
        Assert.DoesNotContain(entries, entry => entry.StartsWith("lib/", StringComparison.Ordinal)
            && (entry.Contains("NetGen.Generator", StringComparison.Ordinal) || entry.Contains("NetGen.CodeFixes", StringComparison.Ordinal)));
        Assert.DoesNotContain(entries, entry => entry.EndsWith(".pdb", StringComparison.Ordinal));

        XElement metadata = ReadNuspec(nupkg).Root!.Elements().Single(element => element.Name.LocalName == "metadata");
        Assert.Equal("NetGen", Child(metadata, "id")!.Value);
        string props = Path.Combine(DotnetCli.RepositoryRoot(), "Directory.Build.props");
        Assert.Equal(XDocument.Load(props).Descendants("Version").Single().Value, _package.Version);
        Assert.Equal("MIT", Child(metadata, "license")!.Value);
        Assert.Equal("README.md", Child(metadata, "readme")!.Value);
        var groups = Child(metadata, "dependencies")!.Elements().ToList();
        Assert.Equal(["net10.0", "net8.0"], groups.Select(group => (string)group.Attribute("targetFramework")!).Order());
        // The four assemblies travel inside this package: no dependency on a NetGen.* package that does not exist.
        Assert.DoesNotContain(groups.SelectMany(group => group.Elements()), dependency =>
            ((string?)dependency.Attribute("id") ?? "").StartsWith("NetGen", StringComparison.OrdinalIgnoreCase));

        string symbols = Path.ChangeExtension(_package.PackagePath, ".snupkg");
        Assert.True(File.Exists(symbols), "no symbol package next to " + _package.PackagePath);
        using ZipArchive snupkg = ZipFile.OpenRead(symbols);
        var symbolEntries = snupkg.Entries.Select(entry => entry.FullName).ToHashSet();
        Assert.Contains("lib/net10.0/NetGen.Runtime.pdb", symbolEntries);
        Assert.Contains("lib/net8.0/NetGen.Attributes.pdb", symbolEntries);
    }

    [Fact]
    public void ConsumerReferencingOnlyThePackageBuildsForNet8AndNet10AndTrains()
    {
        string project = _package.WriteConsumer("Trainer", "net8.0;net10.0", """
            using NetGen;
            using NetGen.Optimizers;

            // y = 2x − 1 on [0, 1]: 32 samples, a 1-8-1 network, Adam.
            var inputs = new float[32];
            var targets = new float[32];
            for (int i = 0; i < 32; i++)
            {
                inputs[i] = i / 31f;
                targets[i] = (2 * inputs[i]) - 1;
            }

            var network = new Line();
            var optimizer = new Adam<float>(learningRate: 0.01);
            float first = network.TrainStep(inputs, targets);
            float loss = first;
            for (int step = 0; step < 300; step++)
            {
                optimizer.Step(network.Parameters, network.Gradients);
                loss = network.TrainStep(inputs, targets);
            }

            System.Console.WriteLine(FormattableString.Invariant($"trained {Line.ParameterCount} parameters: loss {first:F6} -> {loss:F6}"));

            // ONNX: export beside the program, load the weights into a network with other weights, compare.
            string onnx = System.IO.Path.Combine(System.AppContext.BaseDirectory, "line.onnx");
            network.ExportOnnx(onnx);
            var copy = new Line(5);
            Onnx.LoadWeights(copy, onnx);
            float[] half = { 0.5f }, predicted = new float[1], loaded = new float[1];
            network.Predict(half, predicted);
            copy.Predict(half, loaded);
            System.Console.WriteLine(FormattableString.Invariant($"onnx: {predicted[0]:R} loaded: {loaded[0]:R}"));

            [Network(Loss = LossFunction.MeanSquaredError, Seed = 1)]
            [Input(1)]
            [Dense(8)] [Tanh]
            [Dense(1)]
            public partial class Line;
            """);

        (int exitCode, string output) = _package.Dotnet(project, "build", "-c", "Release");
        Assert.True(exitCode == 0, "the consumer failed to build:\n" + output);
        Assert.DoesNotMatch(@"warning [A-Z]+\d+", output);
        foreach (string framework in new[] { "net8.0", "net10.0" })
        {
            string bin = Path.Combine(project, "bin", "Release", framework);
            Assert.True(File.Exists(Path.Combine(bin, "NetGen.Runtime.dll")), $"no NetGen.Runtime.dll in the {framework} output");
            Assert.True(File.Exists(Path.Combine(bin, "NetGen.Attributes.dll")), $"no NetGen.Attributes.dll in the {framework} output");
        }

        // The generated code is there to read.
        string backward = Path.Combine(project, "obj", "Release", "net10.0", "generated", "NetGen.Generator", "NetGen.Generator.NetworkGenerator", "Line.Backward.g.cs");
        Assert.True(File.Exists(backward), "no generated backward pass at " + backward);
        Assert.Contains("private void Backward(", File.ReadAllText(backward));

        // Both builds run. Where no .NET 8 runtime is installed, the net8.0 build rolls forward to the newest one, which
        // still runs the net8.0 assemblies of the package (lib/net8.0).
        foreach (string framework in new[] { "net8.0", "net10.0" })
        {
            (exitCode, output) = _package.Dotnet(project, "exec", "--roll-forward", "Major", Path.Combine("bin", "Release", framework, "Trainer.dll"));
            Assert.True(exitCode == 0, $"the {framework} consumer failed:\n" + output);
            Match line = Regex.Match(output, @"trained 25 parameters: loss (\d+\.\d+) -> (\d+\.\d+)");
            Assert.True(line.Success, $"no training line in the {framework} output:\n" + output);
            double first = double.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
            double last = double.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture);
            Assert.True(last < first / 10, $"{framework}: the loss should fall by 10×: {first} → {last}");

            // The exported file runs in ONNX Runtime with the consumer's prediction, and loads back exactly.
            Match onnx = Regex.Match(output, @"onnx: (\S+) loaded: (\S+)");
            Assert.True(onnx.Success, $"no ONNX line in the {framework} output:\n" + output);
            Assert.Equal(onnx.Groups[1].Value, onnx.Groups[2].Value);
            byte[] model = File.ReadAllBytes(Path.Combine(project, "bin", "Release", framework, "line.onnx"));
            (float[] runtime, _) = OnnxTestSupport.Run<float, float>(model, new[] { 0.5f }, new[] { 1 });
            Assert.Equal(float.Parse(onnx.Groups[1].Value, CultureInfo.InvariantCulture), runtime[0], 1e-6f);
        }
    }

    [Fact]
    public void ConsumerNetworkPassesTheExactForwardVersusReverseCheckAndJvpMatchesFiniteDifferences()
    {
        // Every kind with its own derivative code that a user would combine: convolution, BatchNorm over maps, PReLU,
        // both poolings, Dense, dropout, Maxout, a fused Softmax.
        string project = _package.WriteConsumer("Derivatives", "net10.0", """
            using System;
            using NetGen;

            var network = new UserNet();
            const int batch = 4;
            var inputs = new double[batch * UserNet.InputSize];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = Math.Sin(0.7 * i);
            int[] labels = [0, 1, 2, 1];
            for (int step = 0; step < 3; step++) network.TrainStep(inputs, labels);   // moves the running statistics

            ForwardVersusReverseResult exact = GradientCheck.ForwardVersusReverse(network, inputs, labels, seed: 3);
            Console.WriteLine(FormattableString.Invariant($"exact: {exact.RelativeError:E3}"));

            // Jvp along one input and parameter direction against central differences of Predict.
            var inputTangent = new double[inputs.Length];
            var parameterTangent = new double[UserNet.ParameterCount];
            for (int i = 0; i < inputTangent.Length; i++) inputTangent[i] = Math.Cos(1.3 * i);
            for (int i = 0; i < parameterTangent.Length; i++) parameterTangent[i] = Math.Sin(2.1 * i);
            var outputs = new double[batch * UserNet.OutputSize];
            var tangents = new double[outputs.Length];
            network.Jvp(inputs, inputTangent, parameterTangent, outputs, tangents);

            const double h = 1e-5;
            double[] saved = network.Parameters.ToArray();
            double[] Shifted(double sign)
            {
                var x = new double[inputs.Length];
                for (int i = 0; i < x.Length; i++) x[i] = inputs[i] + (sign * h * inputTangent[i]);
                for (int i = 0; i < saved.Length; i++) network.Parameters[i] = saved[i] + (sign * h * parameterTangent[i]);
                var y = new double[outputs.Length];
                network.Predict(x, y);
                saved.CopyTo(network.Parameters);
                return y;
            }

            double[] plus = Shifted(1), minus = Shifted(-1);
            double difference = 0, norms = 0;
            for (int i = 0; i < tangents.Length; i++)
            {
                double numeric = (plus[i] - minus[i]) / (2 * h);
                difference += (tangents[i] - numeric) * (tangents[i] - numeric);
                norms += tangents[i] * tangents[i];
            }

            Console.WriteLine(FormattableString.Invariant($"jvp: {Math.Sqrt(difference / norms):E3}"));

            [Network(Loss = LossFunction.SoftmaxCrossEntropy, Precision = Precision.Double, L2 = 0.01, Seed = 7)]
            [Input(1, 8, 8)]
            [Conv2D(3, 3, Padding = 1)] [BatchNorm] [PReLU]
            [MaxPool2D(2)] [AvgPool2D(2)] [Flatten]
            [Dense(6)] [Dropout(0.2)] [Maxout(4)]
            [Dense(3)] [Softmax]
            public partial class UserNet;
            """);

        (int exitCode, string output) = _package.Dotnet(project, "build", "-c", "Release");
        Assert.True(exitCode == 0, "the consumer failed to build:\n" + output);
        Assert.DoesNotMatch(@"warning [A-Z]+\d+", output);
        (exitCode, output) = _package.Dotnet(project, "exec", Path.Combine("bin", "Release", "net10.0", "Derivatives.dll"));
        Assert.True(exitCode == 0, "the consumer failed:\n" + output);
        Match exact = Regex.Match(output, @"exact: (\S+)");
        Match jvp = Regex.Match(output, @"jvp: (\S+)");
        Assert.True(exact.Success && jvp.Success, "missing figures in the consumer's output:\n" + output);
        Assert.True(double.Parse(exact.Groups[1].Value, CultureInfo.InvariantCulture) <= 1e-12, output);
        Assert.True(double.Parse(jvp.Groups[1].Value, CultureInfo.InvariantCulture) < 1e-6, output);
    }

    [Fact]
    public void ConsumerWithAShapeErrorFailsToBuildWithNG0001()
    {
        string project = _package.WriteConsumer("Broken", "net10.0", """
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

        (int exitCode, string output) = _package.Dotnet(project, "build", "-c", "Release");

        Assert.NotEqual(0, exitCode);
        Match error = Regex.Match(output, @"Program\.cs\((\d+),\d+\): error NG0001: (.*?) \[");
        Assert.True(error.Success, "expected NG0001 in the build output:\n" + output);
        Assert.Equal("6", error.Groups[1].Value); // the line of [Dense(10, Inputs = 100)]
        Assert.Contains("expects 100 inputs but receives 256", error.Groups[2].Value);
        Assert.DoesNotMatch(@"error CS\d+", output);
    }

    [Fact]
    public void NativeAotPublishForX64CompilesForAvx2UnlessTheProjectSaysOtherwise()
    {
        string project = _package.WriteConsumer("Aot", "net10.0", "System.Console.WriteLine(NetGen.NetGenOptions.KernelPath);");
        (int restoreExit, string restoreOutput) = _package.Dotnet(project, "restore");
        Assert.True(restoreExit == 0, restoreOutput);

        string InstructionSet(params string[] properties)
        {
            // Evaluation only: the package's build/NetGen.targets is imported through the restored project's assets,
            // into the inner (one target framework) build.
            string[] arguments = ["msbuild", "-getProperty:IlcInstructionSet", "-p:TargetFramework=net10.0", "-p:PublishAot=true", .. properties.Select(property => "-p:" + property)];
            (int exitCode, string output) = _package.Dotnet(project, arguments);
            Assert.True(exitCode == 0, output);
            return output.Trim();
        }

        Assert.Equal("x86-64-v3", InstructionSet("RuntimeIdentifier=linux-x64"));
        Assert.Equal("x86-64-v3", InstructionSet("RuntimeIdentifier=win-x64"));
        Assert.Equal("", InstructionSet("RuntimeIdentifier=linux-x64", "NetGenAotInstructionSet=default"));
        Assert.Equal("native", InstructionSet("RuntimeIdentifier=linux-x64", "IlcInstructionSet=native"));
        Assert.Equal("", InstructionSet("RuntimeIdentifier=linux-arm64"));
    }

    private static XDocument ReadNuspec(ZipArchive package)
    {
        ZipArchiveEntry nuspec = package.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using Stream stream = nuspec.Open();
        return XDocument.Load(stream);
    }

    private static XElement? Child(XElement parent, string name) => parent.Elements().SingleOrDefault(element => element.Name.LocalName == name);

    /// <summary>Packs NetGen once for the class; consumers share its feed and its private package cache.</summary>
    public sealed class PackedNetGen : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("netgen-package-").FullName;

        public PackedNetGen()
        {
            try
            {
                (PackagePath, Version) = Pack(Path.Combine(_root, "feed"), Path.Combine(_root, "artifacts"));
                Directory.CreateDirectory(Path.Combine(_root, "consumers"));
                File.WriteAllText(Path.Combine(_root, "consumers", "nuget.config"), NuGetConfig(Path.Combine(_root, "feed"), ConfiguredSources()));
            }
            catch
            {
                Directory.Delete(_root, recursive: true);
                throw;
            }
        }

        /// <summary>The packed .nupkg.</summary>
        public string PackagePath { get; }

        /// <summary>Its version, from its .nuspec (Directory.Build.props decides it).</summary>
        public string Version { get; }

        public void Dispose() => Directory.Delete(_root, recursive: true);

        /// <summary>Writes a console project that references only NetGen, at exactly the packed version.</summary>
        public string WriteConsumer(string name, string targetFrameworks, string program)
        {
            string directory = Path.Combine(_root, "consumers", name);
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFrameworks>{targetFrameworks}</TargetFrameworks>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="NetGen" Version="[{Version}]" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
            return directory;
        }

        /// <summary>Runs dotnet in a consumer's folder with the private package cache.</summary>
        public (int ExitCode, string Output) Dotnet(string directory, params string[] arguments)
        {
            var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_root, "packages") };
            return DotnetCli.Run(directory, environment, arguments);
        }

        /// <summary>
        /// Packs src/NetGen.Runtime, built under the temporary folder: nothing is shared with the repository's bin/ and
        /// obj/, which other tests may be building at the same time.
        /// </summary>
        private static (string Path, string Version) Pack(string feed, string artifacts)
        {
            string repository = DotnetCli.RepositoryRoot();
            (int exitCode, string output) = DotnetCli.Run(repository, environment: null,
                "pack", Path.Combine(repository, "src", "NetGen.Runtime", "NetGen.Runtime.csproj"), "-c", "Release",
                "-o", feed, "--artifacts-path", artifacts);
            if (exitCode != 0)
            {
                throw new InvalidOperationException("dotnet pack failed:\n" + output);
            }

            string[] packages = Directory.GetFiles(feed, "*.nupkg");
            if (packages.Length != 1)
            {
                throw new InvalidOperationException($"dotnet pack made {packages.Length} packages, not one: {string.Join(", ", packages.Select(Path.GetFileName))}");
            }

            using ZipArchive package = ZipFile.OpenRead(packages[0]);
            XElement metadata = ReadNuspec(package).Root!.Elements().Single(element => element.Name.LocalName == "metadata");
            return (packages[0], Child(metadata, "version")!.Value);
        }

        /// <summary>
        /// The sources this machine restores from (the consumers still need the framework reference packs), under their
        /// own names so that any credentials stored for them still apply.
        /// </summary>
        private List<(string Name, string Url)> ConfiguredSources()
        {
            // Asked from inside the temporary folder: the repository's own settings do not apply to a user's project.
            (int exitCode, string output) = DotnetCli.Run(_root, environment: null, "nuget", "list", "source", "--format", "Detailed");
            var sources = new List<(string Name, string Url)>();
            if (exitCode == 0)
            {
                string[] lines = output.Split('\n', StringSplitOptions.TrimEntries);
                for (int i = 0; i + 1 < lines.Length; i++)
                {
                    Match source = Regex.Match(lines[i], @"^\d+\.\s+(.+?)\s+\[Enabled\]$");
                    if (source.Success)
                    {
                        sources.Add((source.Groups[1].Value, lines[i + 1]));
                    }
                }
            }

            return sources.Count > 0 ? sources : [("nuget.org", "https://api.nuget.org/v3/index.json")];
        }

        private static string NuGetConfig(string feed, List<(string Name, string Url)> sources)
        {
            const string Packed = "netgen-packed";
            var configuration = new XElement("configuration",
                new XElement("packageSources",
                    new XElement("clear"),
                    new XElement("add", new XAttribute("key", Packed), new XAttribute("value", feed)),
                    sources.Select(source => new XElement("add", new XAttribute("key", source.Name), new XAttribute("value", source.Url)))),
                // NetGen comes from the folder just packed, and from nowhere else.
                new XElement("packageSourceMapping",
                    new XElement("packageSource", new XAttribute("key", Packed), new XElement("package", new XAttribute("pattern", "NetGen"))),
                    sources.Select(source => new XElement("packageSource", new XAttribute("key", source.Name), new XElement("package", new XAttribute("pattern", "*"))))));
            return configuration.ToString();
        }
    }
}
