using System.Diagnostics;
using System.Text.RegularExpressions;
using SocSim.Tests;
using SocSim.Trace.Vcd;

namespace SocSim.Cli.Tests;

/// <summary>
/// The progress line: on a terminal (a pseudo-terminal from util-linux `script`), redrawn in place at
/// most 4 times a second; never when stderr is redirected or with --quiet; the run's results are the
/// same with it; Ctrl-C still flushes everything. The runs set SOCSIM_PROGRESS_FIRST_MS=0, so the first
/// line comes after the first slice however fast the host is (by default it waits 0.5 s of host time).
/// </summary>
public sealed class ProgressTests
{
    private static string Dll => Path.Combine(AppContext.BaseDirectory, "socsim.dll");
    private static string Bench => Path.Combine(RepoPaths.Root, "firmware", "elf", "bench.elf");
    private static readonly Dictionary<string, string> FirstUpdateAtOnce = new() { ["SOCSIM_PROGRESS_FIRST_MS"] = "0" };

    /// <summary>Runs socsim with stdin, stdout and stderr on a pseudo-terminal; returns everything the terminal got.</summary>
    private static (int Exit, string Terminal, double Seconds) RunOnTerminal(params string[] args)
    {
        string command = string.Join(' ', new[] { "dotnet", Dll }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var psi = new ProcessStartInfo("script", ["-qefc", command, "/dev/null"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = RepoPaths.Root,
        };
        foreach (var (k, v) in FirstUpdateAtOnce) psi.Environment[k] = v;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Deadline.Ms)) { p.Kill(true); Assert.Fail("socsim under script timed out"); }
        return (p.ExitCode, so.Result + se.Result, sw.Elapsed.TotalSeconds);
    }

    private static readonly Regex Update = new(@"\rsocsim: \d+\.\d{3} (us|ms|s) simulated, [\d,]+ cycles, \d+\.\d MIPS, \d+% of --max-cycles\x1b\[K");

    [Fact]
    public void OnATerminalALongRunShowsProgressAndGivesTheSameResults()
    {
        // The first update comes after the first slice of 1 M cycles, well inside these 120 M.
        var (exit, terminal, seconds) = RunOnTerminal("run", Bench, "--max-cycles", "120000000", "--stats", "--engine", "interpret");
        Assert.True(exit == 124, terminal);
        var updates = Update.Matches(terminal);
        Assert.True(updates.Count >= 1, terminal);
        // One at once, then at most 4 a second (the process's whole life bounds the run's).
        Assert.True(updates.Count <= 4 * seconds + 2, $"{updates.Count} updates in {seconds:F1} s");
        // Each update is erased before anything else is written (the next update, the firmware's output or
        // the stats line: which one comes next depends on the host's speed).
        foreach (Match u in updates)
            Assert.True(terminal.AsSpan(u.Index + u.Length).StartsWith("\r\x1b[K"), $"update at {u.Index} not erased: {terminal}");
        // The same run with stderr redirected: no progress at all, and the very same figures.
        var plain = Socsim.Run("run", Bench, "--max-cycles", "120000000", "--stats", "--engine", "interpret");
        Assert.Equal(124, plain.ExitCode);
        Assert.DoesNotContain("socsim: ", plain.Stderr);
        Assert.DoesNotContain("\x1b", plain.Stderr);
        string Figures(string s) => Regex.Match(s, @"cycles=\d+ instructions=\d+ sim_ns=\d+").Value;
        Assert.Equal(Figures(plain.Stderr), Figures(terminal));
        Assert.NotEqual("", Figures(plain.Stderr));
    }

    [Fact]
    public void ProgressShowsTheShareOfMaxTime()
    {
        // --progress on a pipe prints one line per update; FreeRTOS on the LPC2106 for 3 simulated seconds.
        var (exit, _, stderr) = SocsimProcess.Run(Dll, ["run", Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "freertos", "elf", "rtosdemo-arm.elf")),
            "--board", Path.Combine(RepoPaths.Root, "boards", "lpc2106.json"), "--max-time", "3s", "--progress"], environment: FirstUpdateAtOnce);
        Assert.Equal(124, exit);
        var lines = stderr.Split('\n').Where(l => l.Contains(" simulated, ")).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(@"^socsim: \d+\.\d{3} (us|ms|s) simulated, [\d,]+ cycles, \d+\.\d MIPS, \d+% of --max-time$", l));
    }

    [Fact]
    public void QuietMeansNoProgressEvenOnATerminal()
    {
        var (exit, terminal, _) = RunOnTerminal("run", Bench, "--max-cycles", "60000000", "--quiet");
        Assert.True(exit == 124, terminal);
        Assert.DoesNotContain("simulated,", terminal);
        Assert.Contains("cycle limit of 60000000 cycles reached", terminal);
        Assert.Equal(2, Socsim.Run("run", "--quiet", "--progress").ExitCode);
    }

    [Fact]
    public void QuietKeepsDeviceWarningsOffStderrButNotTheRunsOwnLines()
    {
        // FreeRTOS's demo programs the LPC2106's PLL with its CCO at 118 MHz, below the data sheet's range:
        // one warning, unless --quiet. The time-limit line is the run's own and stays.
        string[] args = ["run", Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "freertos", "elf", "rtosdemo-arm.elf")),
            "--board", Path.Combine(RepoPaths.Root, "boards", "lpc2106.json"), "--max-time", "200ms"];
        var loud = Socsim.Run(args);
        var quiet = Socsim.Run([.. args, "--quiet"]);
        Assert.Equal(124, loud.ExitCode);
        Assert.Equal(124, quiet.ExitCode);
        Assert.Contains("socsim: warning: scb: PLLCFG = 0x03", loud.Stderr);
        Assert.DoesNotContain("warning", quiet.Stderr);
        Assert.Contains("socsim run: time limit of 200ms reached", quiet.Stderr);
        Assert.Equal(loud.Stdout, quiet.Stdout);
    }

    [Fact]
    public async Task CtrlCDuringProgressStillFlushesTheVcdAndTheStats()
    {
        var vcd = Path.Combine(Path.GetTempPath(), "socsim-progress-" + Guid.NewGuid().ToString("N") + ".vcd");
        // uart_echo waits for input forever; --progress prints updates although stderr is a pipe.
        using var p = SocsimProcess.Start(Dll, ["run", Path.Combine(RepoPaths.Root, "firmware", "elf", "uart_echo.elf"), "--progress", "--vcd", vcd, "--signals", "uart0.*,cpu.nIRQ", "--stats"],
            environment: FirstUpdateAtOnce);
        var so = new SocsimProcess.Reader(p.StandardOutput);
        var se = new SocsimProcess.Reader(p.StandardError);
        // Interrupted once what the test checks has happened: the banner sent (so the VCD has TXD
        // edges) and a progress line printed after it; not after some time.
        Assert.True(so.WaitFor(t => t.Contains("'.' ends\n"), TimeSpan.FromMilliseconds(Deadline.Ms)), "no banner: " + so.Text + se.Text);
        int seen = Regex.Matches(se.Text, " simulated, ").Count;
        Assert.True(se.WaitFor(t => Regex.Matches(t, " simulated, ").Count > seen, TimeSpan.FromMilliseconds(Deadline.Ms)), "no progress line: " + se.Text);
        Assert.False(p.HasExited, "socsim ended before it was interrupted");
        using (var kill = Process.Start("kill", $"-INT {p.Id}")) kill.WaitForExit();
        if (!p.WaitForExit(Deadline.Ms)) { p.Kill(true); Assert.Fail("socsim did not stop on SIGINT"); }
        await se.Done;
        await so.Done;
        string err = se.Text;
        Assert.True(p.ExitCode == 126, err);
        Assert.Matches(new Regex(@"^socsim: [\d.]+ (us|ms|s) simulated, [\d,]+ cycles, [\d.]+ MIPS$", RegexOptions.Multiline), err);
        Assert.Contains("vcd=", err);
        var f = VcdReader.Read(vcd);
        Assert.NotEmpty(f.Get("uart0.TXD").Changes);
        var simNs = long.Parse(Regex.Match(err, @"sim_ns=(\d+)").Groups[1].Value);
        Assert.InRange(f.ToFs(f.EndTime), simNs * 1_000_000 - 20_000_000, simNs * 1_000_000 + 20_000_000);
    }
}
