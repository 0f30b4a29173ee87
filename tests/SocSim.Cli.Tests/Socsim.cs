using SocSim.Tests;

namespace SocSim.Cli.Tests;

/// <summary>Runs the real `socsim` (socsim.dll copied beside the tests) as a process.</summary>
internal static class Socsim
{
    public static string RepoRoot => RepoPaths.Root;

    public static string ConformanceDirectory => RepoPaths.ConformanceDirectory;

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
    }

    public static Result RunWithInput(string stdin, params string[] args)
    {
        // The socsim.dll this project's reference to the CLI copies beside the tests.
        var (exit, stdout, stderr) = SocsimProcess.Run(Path.Combine(AppContext.BaseDirectory, "socsim.dll"), args, stdin);
        return new Result(exit, stdout, stderr);
    }

    public static Result Run(params string[] args) => RunWithInput("", args);
}
