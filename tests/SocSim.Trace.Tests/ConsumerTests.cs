using SocSim.Trace.Vcd;

namespace SocSim.Trace.Tests;

/// <summary>Real consumers of our VCDs: GTKWave's vcd2fst and sigrok's UART decoder.</summary>
public class ConsumerTests
{
    [Fact]
    public void Vcd2FstConvertsTheFullTraceWithoutComplaint()
    {
        var dir = Tools.TempDir();
        var vcd = Path.Combine(dir, "full.vcd");
        var (_, r, _) = Tools.RunWithVcd("timer_irq.elf", vcd, null, mclk: true, maxCycles: 300_000);
        Assert.Equal(StopReason.CycleLimit, r.Reason);
        var fst = Path.Combine(dir, "full.fst");
        var (exit, o, e) = Tools.Run("vcd2fst", "gtkwave", $"{vcd} {fst}");
        Assert.True(exit == 0, o + e);
        Assert.DoesNotContain("error", (o + e).ToLowerInvariant());
        Assert.DoesNotContain("warning", (o + e).ToLowerInvariant());
        Assert.True(new FileInfo(fst).Length > 1000);
    }

    [Fact]
    public void SigrokDecodesUart0TxdIntoExactlyWhatTheFirmwarePrinted()
    {
        var dir = Tools.TempDir();
        var vcd = Path.Combine(dir, "txd.vcd");
        var (_, r, console) = Tools.RunWithVcd("timer_irq.elf", vcd, ["uart0.TXD"]);
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(File.ReadAllText(Path.Combine(Tools.Repo, "firmware", "expected", "timer_irq.txt")), console);
        // The VCD is in femtoseconds; sigrok turns every time unit into a sample, so downsample to 10 ns
        // (a bit is 8.68 us at 115200 baud).
        var (exit, o, e) = Tools.Run("sigrok-cli", "sigrok-cli",
            $"-I vcd:downsample=10000000 -i {vcd} -P uart:rx=TXD:baudrate=115200:format=hex -A uart=rx-data");
        Assert.True(exit == 0, e);
        var bytes = o.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split(' ').Last())
            .Select(h => Convert.ToByte(h, 16)).ToArray();
        Assert.Equal(console, System.Text.Encoding.Latin1.GetString(bytes));
    }
}
