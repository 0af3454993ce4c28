using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Text.RegularExpressions;

namespace NetGen.IntegrationTests;

/// <summary>
/// The README's claims that can be checked by a compiler or by the package's bytes: every C# block compiles against the
/// package, with no warning (nullable ones included), and the package does not depend on the folder it was packed in.
/// </summary>
public sealed partial class PackageTests
{
    [Fact]
    public void ReadmeCSharpBlocksCompileAgainstThePackage()
    {
        List<ReadmeBlock> blocks = ReadmeBlock.Read(Path.Combine(DotnetCli.RepositoryRoot(), "README.md"));
        Assert.True(blocks.Count(block => block.Compiled) >= 2, "expected the README's C# blocks, found " + blocks.Count);

        string project = _package.WriteConsumer("Readme", "net10.0", "public static class Program { public static void Main() { } }\n");
        foreach (ReadmeBlock block in blocks.Where(block => block.Compiled))
        {
            File.WriteAllText(Path.Combine(project, $"Readme{block.Line}.cs"), block.AsSourceFile());
        }

        (int exitCode, string output) = _package.Dotnet(project, "build", "-c", "Release");
        Assert.True(exitCode == 0, "a README block does not compile (ReadmeNN.cs: NN is the block's line in README.md):\n" + output);
        Assert.DoesNotMatch(@"warning [A-Z]+\d+", output);
    }

    [Fact]
    public void PackedAssembliesDoNotDependOnTheRepositoryFolder()
    {
        // dotnet pack builds with ContinuousIntegrationBuild (Directory.Build.props): source paths are mapped to /_/, so
        // packing the same commit from two folders gives the same bytes. The repository's own path must appear nowhere.
        string root = DotnetCli.RepositoryRoot().TrimEnd(Path.DirectorySeparatorChar);
        byte[] rootBytes = Encoding.UTF8.GetBytes(root);
        using (ZipArchive package = ZipFile.OpenRead(_package.PackagePath))
        {
            foreach (ZipArchiveEntry entry in package.Entries.Where(entry => entry.FullName.EndsWith(".dll", StringComparison.Ordinal)))
            {
                Assert.True(ReadAll(entry).AsSpan().IndexOf(rootBytes) < 0, $"{entry.FullName} holds the repository's path");
            }
        }

        using ZipArchive symbols = ZipFile.OpenRead(Path.ChangeExtension(_package.PackagePath, ".snupkg"));
        var documents = new List<string>();
        foreach (ZipArchiveEntry entry in symbols.Entries.Where(entry => entry.FullName.EndsWith(".pdb", StringComparison.Ordinal)))
        {
            // A portable PDB stores document names in parts, so read them instead of searching the bytes.
            using var provider = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(ReadAll(entry)));
            MetadataReader reader = provider.GetMetadataReader();
            documents.AddRange(reader.Documents.Select(handle => reader.GetString(reader.GetDocument(handle).Name)));
        }

        Assert.Contains(documents, document => document == "/_/src/NetGen.Runtime/Training/Trainer.cs");
        Assert.All(documents, document => Assert.DoesNotContain(root, document, StringComparison.Ordinal));
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var bytes = new MemoryStream();
        using (Stream stream = entry.Open())
        {
            stream.CopyTo(bytes);
        }

        return bytes.ToArray();
    }

    /// <summary>A fenced <c>csharp</c> block of a Markdown page.</summary>
    private sealed record ReadmeBlock(int Line, string Code, bool Compiled)
    {
        private static readonly Regex PlainUsing = new(@"^using [A-Za-z0-9_.]+;$");

        /// <summary>
        /// The blocks of <paramref name="path"/>; one preceded by <c>&lt;!-- not compiled: why --&gt;</c> is not compiled.
        /// </summary>
        public static List<ReadmeBlock> Read(string path)
        {
            string[] lines = File.ReadAllLines(path);
            var blocks = new List<ReadmeBlock>();
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "```csharp")
                {
                    continue;
                }

                int start = i + 1;
                int end = start;
                while (end < lines.Length && lines[end].Trim() != "```")
                {
                    end++;
                }

                bool skipped = i > 0 && lines[i - 1].TrimStart().StartsWith("<!-- not compiled", StringComparison.Ordinal);
                blocks.Add(new ReadmeBlock(start, string.Join('\n', lines[start..end]), !skipped));
                i = end;
            }

            return blocks;
        }

        /// <summary>
        /// A block that declares a network is a file as it stands; any other block is statements, put in a method of
        /// its own (its plain <c>using</c> directives stay at the top), as a user would paste it into Program.cs.
        /// </summary>
        public string AsSourceFile()
        {
            string[] lines = Code.Split('\n');
            if (lines.Any(line => line.TrimStart().StartsWith("[Network", StringComparison.Ordinal)))
            {
                return Code + "\n";
            }

            var usings = lines.Where(line => PlainUsing.IsMatch(line.Trim())).ToList();
            var body = lines.Where(line => !PlainUsing.IsMatch(line.Trim())).Select(line => "        " + line);
            return string.Join('\n', usings) + $$"""


                internal static class ReadmeBlock{{Line}}
                {
                    internal static void Run()
                    {
                {{string.Join('\n', body)}}
                    }
                }

                """;
        }
    }
}
