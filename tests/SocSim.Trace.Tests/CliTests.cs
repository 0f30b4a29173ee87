using SocSim.Trace.Vcd;

namespace SocSim.Trace.Tests;

/// <summary>`socsim run --vcd`, `socsim wave` and `socsim vcd-diff` as processes.</summary>
public class CliTests
{
    [Fact]
    public void RunWritesAWholeVcdAtTheCycleLimitAndWaveDrawsIt()
    {
        var dir = Tools.TempDir();
        var vcd = Path.Combine(dir, "limit.vcd");
        var (exit, _, err) = SocsimCli.Run("run", "--max-cycles", "100000", "--vcd", vcd, "--signals", "cpu.A,cpu.nIRQ,uart0.*", "--stats");
        Assert.Equal(124, exit);
        Assert.Contains("vcd=", err);
        var f = VcdReader.Read(vcd);
        Assert.Equal(["cpu.A", "cpu.nIRQ", "uart0.RXD", "uart0.RxFifoLevel", "uart0.TXD", "uart0.TxFifoLevel", "uart0.UARTINTR", "uart0.UARTRXINTR", "uart0.UARTTXINTR"],
            f.Variables.Select(v => v.FullName).Order(StringComparer.Ordinal));
        // Flushed whole: the last time stamp is the stop time (100000 cycles of 20 ns = 2 ms, plus the rest of the last instruction).
        Assert.InRange(f.ToFs(f.EndTime), 2_000_000_000_000, 2_001_000_000_000);
        var png = Path.Combine(dir, "limit.png");
        (exit, _, err) = SocsimCli.Run("wave", vcd, "-o", png, "--from", "1ms", "--to", "1.2ms");
        Assert.True(exit == 0, err);
        Assert.True(new FileInfo(png).Length > 5000);
    }

    [Fact]
    public void WindowAndBadOptions()
    {
        var dir = Tools.TempDir();
        var vcd = Path.Combine(dir, "w.vcd");
        var (exit, _, err) = SocsimCli.Run("run", "--vcd", vcd, "--signals", "cpu.pipe.*", "--vcd-from", "1000", "--vcd-to", "2000", "--vcd-timescale", "1ps");
        Assert.True(exit == 0, err);
        var f = VcdReader.Read(vcd);
        Assert.Equal("1ps", f.Timescale);
        Assert.InRange(f.StartTime, 20_000_000, 20_400_000);  // cycle 1000 = 20 us, at the end of the instruction running then
        Assert.Equal(40_000_000, f.EndTime);
        Assert.Equal(2, SocsimCli.Run("run", "--vcd", vcd, "--signals", "nothing.matches").Exit);
        Assert.Equal(2, SocsimCli.Run("run", "--signals", "cpu.A").Exit);
        Assert.Equal(2, SocsimCli.Run("run", "--vcd", vcd, "--vcd-timescale", "3ns").Exit);
        Assert.Equal(2, SocsimCli.Run("vcd-diff", vcd, vcd, "--map", "cpu.nope=cpu.A").Exit);
    }

    [Fact]
    public void CtrlCFlushesTheWholeVcd()
    {
        var vcd = Path.Combine(Tools.TempDir(), "int.vcd");
        // uart_echo waits for input forever: only Ctrl-C ends it, sent once its banner is out (TXD moved).
        var (exit, _, err) = SocsimCli.RunAndInterruptAfter("'.' ends\n", "run", Path.Combine(Tools.Repo, "firmware", "elf", "uart_echo.elf"), "--vcd", vcd, "--signals", "uart0.*,cpu.nIRQ", "--stats");
        Assert.True(exit == 126, err);
        Assert.Contains("vcd=", err);
        var f = VcdReader.Read(vcd);
        Assert.NotEmpty(f.Get("uart0.TXD").Changes);
        // The last time stamp is the time the core stopped at (sim_ns of the stats line).
        var simNs = long.Parse(System.Text.RegularExpressions.Regex.Match(err, @"sim_ns=(\d+)").Groups[1].Value);
        Assert.InRange(f.ToFs(f.EndTime), simNs * 1_000_000 - 10_000_000, simNs * 1_000_000 + 10_000_000);   // within one 10 ns unit
    }
}
