using NetGen.Data;

namespace FashionMnistSample;

/// <summary>Command-line options: <c>--epochs</c>, <c>--batch</c>, <c>--data DIR</c>, <c>--seed</c>, <c>--model</c>, <c>--out DIR</c>.</summary>
internal sealed record Options(int Epochs, int BatchSize, string? DataDirectory, int Seed, string Model, string OutputDirectory)
{
    public const string Usage = """
        usage: dotnet run -c Release --project samples/FashionMnist -- [options]
          --epochs N     training epochs (default 10)
          --batch N      mini-batch size (default 128)
          --data DIR     folder with the four Fashion-MNIST IDX files, gzipped or not
                         (default: the Debian package's folder when installed, else the subset shipped in data/)
          --seed N       seed of the weights, dropout masks and shuffling (default 42)
          --model NAME   mlp (default) or cnn
          --out DIR      where the curves and the model file go (default fashion-mnist-results)
        """;

    public static Options Parse(string[] args)
    {
        var options = new Options(10, 128, null, 42, "mlp", "fashion-mnist-results");
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                throw new UsageException(string.Empty);
            }

            if (i + 1 >= args.Length)
            {
                throw new UsageException($"{name} needs a value.");
            }

            string value = args[++i];
            options = name switch
            {
                "--epochs" => options with { Epochs = Positive(name, value) },
                "--batch" => options with { BatchSize = Positive(name, value) },
                "--data" => options with { DataDirectory = value },
                "--seed" => options with { Seed = Integer(name, value) },
                "--model" => options with { Model = value.ToLowerInvariant() },
                "--out" => options with { OutputDirectory = value },
                _ => throw new UsageException($"unknown option {name}."),
            };
        }

        if (options.Model is not ("mlp" or "cnn"))
        {
            throw new UsageException($"--model must be mlp or cnn, not '{options.Model}'.");
        }

        return options;
    }

    /// <summary>The data folder: the one given, else the Debian package's, else the subset shipped in the repository.</summary>
    public (string Directory, string Description) ResolveData()
    {
        if (DataDirectory is not null)
        {
            return (DataDirectory, "given with --data");
        }

        if (FashionMnist.IsAvailable(FashionMnist.DefaultDirectory))
        {
            return (FashionMnist.DefaultDirectory, "full dataset from the Debian package dataset-fashion-mnist");
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string subset = Path.Combine(directory.FullName, "data", "fashion-mnist-subset");
            if (FashionMnist.IsAvailable(subset))
            {
                return (subset, "the small subset shipped in the repository (install dataset-fashion-mnist for the full set)");
            }
        }

        throw new UsageException($"no Fashion-MNIST found: install the Debian package dataset-fashion-mnist, or pass --data DIR with the four IDX files ({FashionMnist.TrainingImagesFile}[.gz], …).");
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, out int number) && number > 0 ? number : throw new UsageException($"{name} must be a positive whole number, not '{value}'.");

    private static int Integer(string name, string value) =>
        int.TryParse(value, out int number) ? number : throw new UsageException($"{name} must be a whole number, not '{value}'.");
}

internal sealed class UsageException(string message) : Exception(message);
