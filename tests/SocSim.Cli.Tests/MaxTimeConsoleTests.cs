namespace SocSim.Cli.Tests;

/// <summary>
/// A run that `--max-time` ends (a kernel that hangs or never prints) says where the console got to: a
/// second stderr line after the limit's, with the console's last line (the partial one when the output
/// stops mid-line) or that nothing was printed, on any board.
/// </summary>
public sealed class MaxTimeConsoleTests
{
    private static string[] ErrLines(Socsim.Result r) => r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void TheConsolesLastLineFollowsTheLimitsLine_EvenMidLine()
    {
        // 3.5 ms: the demo's first line is still going out at 115200 baud (87 us a character).
        var r = Socsim.Run("run", "--max-time", "3500us");
        Assert.Equal(124, r.ExitCode);
        var err = ErrLines(r);
        Assert.Equal(2, err.Length);
        Assert.Matches("^socsim run: time limit of 3500us reached at cycle=[0-9]+ pc=0x[0-9A-F]{8}$", err[0]);
        Assert.False(r.Stdout.EndsWith('\n'));
        Assert.Equal($"socsim run: the console's (uart0) last line: \"{r.Stdout[(r.Stdout.LastIndexOf('\n') + 1)..]}\"", err[1]);
        Assert.StartsWith("timer_irq: SP804", r.Stdout);
    }

    [Fact]
    public void AfterWholeLines_TheLastOneIsQuoted()
    {
        var r = Socsim.Run("run", "--max-time", "3ms");
        var full = Socsim.Run("run");
        Assert.Equal(124, r.ExitCode);
        var lines = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.StartsWith(r.Stdout, full.Stdout, StringComparison.Ordinal);
        Assert.Equal($"socsim run: the console's (uart0) last line: \"{lines[^1].TrimEnd('\r')}\"", ErrLines(r)[^1]);
    }

    [Fact]
    public void AKernelThatNeverPrints_IsSaidToHavePrintedNothing()
    {
        // The Linux kernel prints nothing on ttyAMA0 before its console driver registers, seconds into the boot.
        string linux = LinuxBootFiles.SharedLinux;
        var r = Socsim.Run("run", "--board", LinuxBootFiles.Board, "--kernel", Path.Combine(linux, "zImage"), "--dtb", Path.Combine(linux, "versatile-pb.dtb"),
            "--initrd", Path.Combine(linux, "rootfs.cpio.gz"), "--append", "console=ttyAMA0 rdinit=/init", "--max-time", "5ms");
        Assert.Equal(124, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var err = ErrLines(r);
        Assert.Matches("^socsim run: time limit of 5ms reached at cycle=[0-9]+ pc=0x[0-9A-F]{8}$", err[^2]);
        Assert.Equal("socsim run: nothing was printed on the console (uart0)", err[^1]);
    }

    [Fact]
    public void ABoardWithoutAConsoleSaysSo()
    {
        var r = Socsim.Run("run", "--board", "ram", "--max-time", "10us");
        Assert.Equal(124, r.ExitCode);
        Assert.Equal("socsim run: the board has no console UART", ErrLines(r)[^1]);
    }
}
