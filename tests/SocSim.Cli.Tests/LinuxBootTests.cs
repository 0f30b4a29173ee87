using System.Text.RegularExpressions;

namespace SocSim.Cli.Tests;

/// <summary>
/// The shared Linux 6.1 kernel and initramfs booted on boards/versatilepb-arm926.json with the demo
/// command line and --no-reboot, against QEMU's console for the same command (shared/linux/qemu-boot.txt):
/// the demo's lines equal QEMU's except `uptime:`, the kernel's log equals QEMU's except the committed
/// list of expected differences (tests/assets/linux/kernel-log-differences.txt, each explained), and the
/// run ends at the kernel's reboot through SYS_RESETCTL. One boot serves every check.
/// </summary>
public sealed class LinuxBootFixture
{
    public static readonly string[] DemoPrefixes = ["SocSim Linux demo:", "cpu:", "memory:", "processes:", "sum 1..1000", "sha256 of", "pipe:", "uptime:"];

    internal Socsim.Result Boot { get; }

    public LinuxBootFixture()
    {
        string l = LinuxBootFiles.SharedLinux;
        string[] args = ["run", "--board", "versatilepb-arm926", "--kernel", Path.Combine(l, "zImage"), "--dtb", Path.Combine(l, "versatile-pb.dtb"),
            "--initrd", Path.Combine(l, "rootfs.cpio.gz"), "--append", "console=ttyAMA0 rdinit=/init socsim.demo=run", "--no-reboot", "--max-time", "60s", "--quiet"];
        // About a minute of host time on an idle machine; the bound only guards against a hang.
        var (exit, stdout, stderr) = SocSim.Tests.SocsimProcess.Run(Path.Combine(AppContext.BaseDirectory, "socsim.dll"), args, timeoutMs: 30 * 60_000);
        Boot = new Socsim.Result(exit, stdout, stderr);
    }
}

public sealed class LinuxBootTests(LinuxBootFixture boot) : IClassFixture<LinuxBootFixture>
{
    private static string[] QemuLines => File.ReadAllLines(Path.Combine(LinuxBootFiles.SharedLinux, "qemu-boot.txt"));

    private static bool IsDemo(string line) => LinuxBootFixture.DemoPrefixes.Any(line.StartsWith);

    [Fact]
    public void TheRunEndsAtTheKernelsRebootThroughSysResetCtl()
    {
        Assert.True(boot.Boot.ExitCode == 0, boot.Boot.Stderr);
        Assert.Matches(@"socsim run: board reset at cycle=\d+ \(sysregs: SYS_RESETCTL written 0x105 \(RESETPUSH\) after SYS_LOCK was unlocked\); --no-reboot ends the run", boot.Boot.Stderr);
        Assert.EndsWith("reboot: Restarting system", boot.Boot.Lines[^1]);
    }

    /// <summary>
    /// The demo's lines are QEMU's up to `uptime:`, except `processes:` (QEMU's count includes the
    /// kernel threads of the devices left out here: DRM, MMC, KMI), which is a count all the same.
    /// `uptime:` and `SocSim Linux demo: done` are cut off: `reboot -f` restarts the board while the
    /// tty still holds them, and this PL011 sends at the console's 38400 baud (QEMU's sends at once).
    /// The kernel's own "reboot: Restarting system" (a polled console write) follows what was sent.
    /// </summary>
    [Fact]
    public void TheDemoLinesAreQemusUpToTheRebootThatCutsTheirTail()
    {
        static bool Compared(string l) => IsDemo(l) && !l.StartsWith("uptime:") && !l.StartsWith("processes:") && l != "SocSim Linux demo: done";
        var expected = QemuLines.Where(Compared).ToArray();
        var actual = boot.Boot.Lines.Where(Compared).ToArray();
        Assert.Equal(expected, actual);
        Assert.Matches(@"^processes: \d+$", Assert.Single(boot.Boot.Lines, l => l.StartsWith("processes:")));
        Assert.Equal("pipe: DLROW OLLEH", actual[^1]);
        Assert.Matches(@"reboot: Restarting system$", boot.Boot.Lines[^1]);
    }

    [Fact]
    public void TheKernelLogIsQemusExceptTheListedDifferences()
    {
        var listed = File.ReadAllLines(Path.Combine(Socsim.RepoRoot, "tests", "assets", "linux", "kernel-log-differences.txt"))
            .Where(l => l.StartsWith("- ") || l.StartsWith("+ ") || l is "-" or "+")
            .Select(l => (Sign: l[0], Text: l.Length > 2 ? l[2..] : ""))
            .ToList();
        var qemu = QemuLines.Where(l => !IsDemo(l)).ToList();
        // The console's blank lines are kept: QEMU's smc91x prints one. The last line, where the
        // reboot cut the demo's output, is left to the demo test.
        var ours = boot.Boot.Stdout.Replace("\r", "").TrimEnd('\n').Split('\n').SkipLast(1).Where(l => !IsDemo(l)).ToList();
        qemu.Remove("reboot: Restarting system");
        var unexplained = new List<string>();
        foreach (var (sign, text) in listed)
        {
            var side = sign == '-' ? qemu : ours;
            int i = side.FindIndex(l => Matches(text, l));
            if (i < 0) unexplained.Add($"listed but not found: {sign} {text}");
            else side.RemoveAt(i);
        }
        // What is left must be the same lines in the same order.
        var common = qemu.Zip(ours).Where(p => p.First != p.Second).Select(p => $"QEMU '{p.First}' / SocSim '{p.Second}'");
        unexplained.AddRange(common.Take(5));
        if (qemu.Count != ours.Count) unexplained.Add($"QEMU has {qemu.Count} unlisted lines, SocSim {ours.Count}: {string.Join(" | ", qemu.Except(ours).Concat(ours.Except(qemu)).Take(6))}");
        Assert.True(unexplained.Count == 0, string.Join("\n", unexplained));
    }

    private static bool Matches(string pattern, string line) =>
        pattern.EndsWith('*') ? line.StartsWith(pattern[..^1], StringComparison.Ordinal) : line == pattern;
}
