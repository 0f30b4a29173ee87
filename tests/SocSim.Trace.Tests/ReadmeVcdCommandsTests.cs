using System.Diagnostics;
using System.Text.RegularExpressions;
using SocSim.Tests;

namespace SocSim.Trace.Tests;

/// <summary>The waveform commands of docs/waveforms.md, run exactly as printed with the built `socsim` on PATH.</summary>
public class ReadmeVcdCommandsTests
{
    /// <summary>The ```sh block under the comment <c>&lt;!-- readme-test: NAME --&gt;</c> in README.md or a docs/ page.</summary>
    public static string Block(string name)
    {
        var pages = new[] { Path.Combine(RepoPaths.Root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md").Order());
        var found = pages.Select(p => Regex.Match(File.ReadAllText(p), $@"<!-- readme-test: {Regex.Escape(name)} -->\s*```sh\n(.*?)```", RegexOptions.Singleline))
            .Where(m => m.Success).ToList();
        Assert.True(found.Count == 1, $"README.md and docs/*.md have {found.Count} blocks '{name}' (one expected)");
        return found[0].Groups[1].Value;
    }

    /// <summary>Runs a shell script in a fresh directory with the built socsim first on PATH.</summary>
    public static (int Exit, string Out, string Err, string Dir) RunScript(string script)
    {
        var dir = Tools.TempDir();
        var bin = Path.GetDirectoryName(SocsimProcess.BuiltDll)!;
        Assert.True(File.Exists(Path.Combine(bin, "socsim")), "the socsim apphost is not built");
        var psi = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir,
        };
        psi.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Deadline.Ms)) { p.Kill(true); Assert.Fail("README commands timed out"); }
        return (p.ExitCode, so.Result, se.Result, dir);
    }

    [Fact]
    public void SigrokDecodesTheConsoleUartFromTheReadmeCommands()
    {
        Assert.True(Tools.OnPath("sigrok-cli"), "sigrok-cli is not installed: apt-get install -y sigrok-cli");
        var (exit, o, e, _) = RunScript(Block("sigrok"));
        Assert.True(exit == 0, e);
        // stdout has the firmware's console text, then sigrok's one line per decoded character.
        var expected = File.ReadAllText(Path.Combine(Tools.Repo, "firmware", "expected", "timer_irq.txt"));
        var decoded = string.Concat(o.Split('\n').Where(l => l.StartsWith("uart-1: ")).Select(l => l[8..])
            .Select(c => Regex.IsMatch(c, @"^\[[0-9A-F]{2}\]$") ? ((char)Convert.ToByte(c[1..3], 16)).ToString() : c));
        Assert.Equal(expected, decoded);
    }
}
