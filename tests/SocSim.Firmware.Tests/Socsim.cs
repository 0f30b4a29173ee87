using SocSim.Tests;

namespace SocSim.Firmware.Tests;

/// <summary>
/// Runs the built `socsim` (src/SocSim.Cli/bin/CONFIGURATION/net10.0/socsim.dll, the configuration
/// these tests were built in) as a process. `dotnet test SocSim.sln` builds it first.
/// </summary>
internal static class Socsim
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] ErrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
    }

    public static string Dll => SocsimProcess.BuiltDll;

    public static Result Run(params string[] args)
    {
        var (exit, stdout, stderr) = SocsimProcess.Run(Dll, args);
        return new Result(exit, stdout, stderr);
    }
}
