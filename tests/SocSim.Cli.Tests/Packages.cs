using System.Diagnostics;
using SocSim.Tests;

namespace SocSim.Cli.Tests;

/// <summary>
/// The packages as a user gets them: `dotnet pack SocSim.sln` (the socsim tool and the SocSim.*
/// library packages, from the solution build test.sh made) and the dotnet new template package,
/// packed once per test run into a temporary folder.
/// </summary>
public sealed class PackagesFixture : IDisposable
{
    private readonly Lazy<string> _dir = new(Pack);

    /// <summary>The folder holding socsim.*.nupkg, SocSim.*.nupkg and SocSim.Templates.*.nupkg.</summary>
    public string Directory => _dir.Value;

    /// <summary>Removes every folder these tests made (packages, tool installs, projects: some hundred MB).</summary>
    public void Dispose()
    {
        try { System.IO.Directory.Delete(Path.Combine(Path.GetTempPath(), "socsim-pack-tests", RunId), recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];

    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string TempDir(string what)
    {
        var d = Path.Combine(Path.GetTempPath(), "socsim-pack-tests", RunId, what + "-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(d);
        return d;
    }

    private static string Pack()
    {
        var dir = TempDir("pkg");
        Dotnet(RepoPaths.Root, "pack", "SocSim.sln", "-c", Configuration, "--no-build", "-o", dir, "-nologo");
        Dotnet(RepoPaths.Root, "pack", Path.Combine("templates", "SocSim.Templates.csproj"), "-c", Configuration, "-o", dir, "-nologo");
        return dir;
    }

    /// <summary>Runs `dotnet ARGS` in <paramref name="cwd"/>; a non-zero exit fails the test with the output.</summary>
    public static string Dotnet(string cwd, params string[] args) => Run("dotnet", cwd, args, null);

    public static string Run(string program, string cwd, string[] args, IDictionary<string, string>? env, int timeoutMs = 600_000) =>
        RunAllowingFailure(program, cwd, args, env, timeoutMs) is var (exit, output) && exit == 0
            ? output
            : throw new Xunit.Sdk.XunitException($"{program} {string.Join(' ', args)} exited {exit}:\n{output}");

    public static (int Exit, string Output) RunAllowingFailure(string program, string cwd, string[] args, IDictionary<string, string>? env, int timeoutMs = 600_000)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); Assert.Fail($"{program} {string.Join(' ', args)} timed out"); }
        return (p.ExitCode, so.Result + se.Result);
    }

    /// <summary>A nuget.config that reaches only the packed folder (and, when given, the machine's package cache as a feed), offline.</summary>
    public static string NugetConfig(string dir, string packages, bool withCache, string? globalPackagesFolder = null)
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } np ? np
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(dir, "nuget.config");
        File.WriteAllText(path, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>{(globalPackagesFolder != null ? $"<add key=\"globalPackagesFolder\" value=\"{globalPackagesFolder}\" />" : "")}</config>
              <packageSources>
                <clear />
                <add key="socsim-local" value="{packages}" />
                {(withCache ? $"<add key=\"machine-cache\" value=\"{cache}\" />" : "")}
              </packageSources>
            </configuration>
            """);
        return path;
    }
}

[CollectionDefinition("packages")]
public sealed class PackagesCollection : ICollectionFixture<PackagesFixture>;
