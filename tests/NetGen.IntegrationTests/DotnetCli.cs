using System.Diagnostics;

namespace NetGen.IntegrationTests;

/// <summary>Runs the dotnet CLI the way a user would, for tests that build throwaway projects outside the solution.</summary>
internal static class DotnetCli
{
    /// <summary>
    /// How long a child dotnet may run before it counts as hung: generous, because a consumer build on two cores
    /// shared with the rest of the suite has taken several minutes, and a hang guard must not fail a slow machine.
    /// </summary>
    private static readonly TimeSpan HangTimeout = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Runs <c>dotnet arguments</c> in <paramref name="directory"/>; build and pack get no node reuse and no shared
    /// compiler (nothing lingers after the test), and the child never sees the test host's MSBuild variables.
    /// </summary>
    public static (int ExitCode, string Output) Run(string directory, Dictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (arguments[0] is "build" or "pack")
        {
            foreach (string argument in new[] { "-nodeReuse:false", "-p:UseSharedCompilation=false", "-consoleLoggerParameters:NoSummary" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        // The test host's MSBuild variables would point the child build at the wrong SDK pieces.
        foreach (string name in start.Environment.Keys.Where(name => name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("VSTEST_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string name, string value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(HangTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} took more than {HangTimeout.TotalMinutes} minutes:\n{output.Result}{error.Result}");
        }

        return (process.ExitCode, output.Result + error.Result);
    }

    /// <summary>The folder holding NetGen.sln, above the test's output folder.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NetGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("NetGen.sln not found above " + AppContext.BaseDirectory);
    }
}
