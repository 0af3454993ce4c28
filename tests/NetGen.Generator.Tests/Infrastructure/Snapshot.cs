using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace NetGen.Generator.Tests.Infrastructure;

/// <summary>
/// Compares text with a file checked into <c>Snapshots/</c>. A missing snapshot is written (and fails on CI, where it
/// should have been committed); a different one fails with a diff. <c>NETGEN_UPDATE_SNAPSHOTS=1</c> rewrites them.
/// </summary>
internal static class Snapshot
{
    public const string UpdateVariable = "NETGEN_UPDATE_SNAPSHOTS";

    private static readonly Lazy<string> s_directory = new(FindDirectory);

    private static bool Update => Environment.GetEnvironmentVariable(UpdateVariable) is "1" or "true";

    private static bool OnCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Matches every file of <paramref name="files"/> with <c>Snapshots/<paramref name="name"/>/hint.txt</c>, and checks
    /// that no other snapshot is left in that folder.
    /// </summary>
    public static void Match(string name, IReadOnlyList<(string HintName, string Source)> files)
    {
        string folder = Path.Combine(s_directory.Value, name);
        Directory.CreateDirectory(folder);
        var failures = new List<string>();
        foreach ((string hint, string source) in files)
        {
            string? failure = MatchFile(Path.Combine(folder, hint + ".txt"), $"{name}/{hint}", Normalize(source));
            if (failure is not null)
            {
                failures.Add(failure);
            }
        }

        var expected = new HashSet<string>(files.Select(f => f.HintName + ".txt"), StringComparer.Ordinal);
        foreach (string stale in Directory.GetFiles(folder, "*.txt").Where(f => !expected.Contains(Path.GetFileName(f))))
        {
            if (Update)
            {
                File.Delete(stale);
            }
            else
            {
                failures.Add($"Snapshot {name}/{Path.GetFileName(stale)} exists but the emitter no longer writes that file (run with {UpdateVariable}=1 to delete it).");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static string? MatchFile(string path, string label, string actual)
    {
        if (Update)
        {
            File.WriteAllText(path, actual, new UTF8Encoding(false));
            return null;
        }

        if (!File.Exists(path))
        {
            File.WriteAllText(path, actual, new UTF8Encoding(false));
            return OnCi ? $"Snapshot {label} was missing and has been written: commit it." : null;
        }

        string expected = File.ReadAllText(path).Replace("\r\n", "\n");
        return expected == actual ? null : $"Snapshot {label} differs (run with {UpdateVariable}=1 to accept the new text):\n{Diff(expected, actual)}";
    }

    /// <summary>Line endings as \n, and the generator's version as a placeholder so that a version bump changes no snapshot.</summary>
    private static string Normalize(string source) =>
        System.Text.RegularExpressions.Regex.Replace(
            source.Replace("\r\n", "\n"),
            "GeneratedCode\\(\"NetGen.Generator\", \"[^\"]*\"\\)",
            "GeneratedCode(\"NetGen.Generator\", \"VERSION\")");

    /// <summary>The changed lines with two lines of context, at most 60 lines.</summary>
    public static string Diff(string expected, string actual)
    {
        List<DiffPiece> lines = InlineDiffBuilder.Diff(expected, actual, ignoreWhiteSpace: false).Lines;
        var shown = new SortedSet<int>();
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Type is ChangeType.Inserted or ChangeType.Deleted or ChangeType.Modified)
            {
                for (int j = Math.Max(0, i - 2); j <= Math.Min(lines.Count - 1, i + 2); j++)
                {
                    shown.Add(j);
                }
            }
        }

        var text = new StringBuilder();
        int previous = -1, count = 0;
        foreach (int i in shown)
        {
            if (count++ == 60)
            {
                text.Append("… (more differences)\n");
                break;
            }

            if (previous >= 0 && i != previous + 1)
            {
                text.Append("…\n");
            }

            string marker = lines[i].Type switch
            {
                ChangeType.Inserted => "+ ",
                ChangeType.Deleted => "- ",
                _ => "  ",
            };
            text.Append(marker).Append(lines[i].Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "").Append('\t').Append(lines[i].Text).Append('\n');
            previous = i;
        }

        return text.ToString();
    }

    /// <summary>The <c>Snapshots</c> folder next to this project's file, found by walking up from the test binaries.</summary>
    private static string FindDirectory()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NetGen.Generator.Tests.csproj")))
            {
                return Path.Combine(directory.FullName, "Snapshots");
            }
        }

        throw new InvalidOperationException("NetGen.Generator.Tests.csproj not found above " + AppContext.BaseDirectory);
    }
}
