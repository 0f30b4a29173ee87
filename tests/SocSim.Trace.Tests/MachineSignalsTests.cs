using SocSim.Trace.Vcd;
using SocSim.Waves;

namespace SocSim.Trace.Tests;

/// <summary>The board's signals in a firmware run: the interrupt chain, the bus pins, the UART line.</summary>
public class MachineSignalsTests
{
    private static readonly Lazy<(VcdFile Vcd, string Path)> Full = new(() =>
    {
        var path = Path.Combine(Tools.TempDir(), "full.vcd");
        Tools.RunWithVcd("timer_irq.elf", path, null, mclk: true, maxCycles: 240_000);
        return (VcdReader.Read(path), path);
    });

    [Fact]
    public void DeclaresTheIssueSignalNames()
    {
        var f = Full.Value.Vcd;
        string[] names =
        [
            "cpu.A", "cpu.D", "cpu.nRW", "cpu.MAS", "cpu.nMREQ", "cpu.SEQ", "cpu.nOPC", "cpu.nTRANS", "cpu.LOCK", "cpu.ABORT", "cpu.MCLK",
            "cpu.pipe.fetch", "cpu.pipe.decode", "cpu.pipe.execute", "cpu.pipe.opcode", "cpu.pipe.T",
            "cpu.r0", "cpu.r15", "cpu.cpsr", "cpu.mode", "cpu.nIRQ", "cpu.nFIQ",
            "vic.VICINTSOURCE", "vic.IRQ", "vic.FIQ", "timer0.TIMINTC", "timer0.Value1", "timer1.TIMINTC",
            "uart0.TXD", "uart0.RXD", "uart0.UARTINTR", "uart0.TxFifoLevel", "uart0.RxFifoLevel",
        ];
        foreach (var n in names) Assert.NotNull(f.Find(n));
        Assert.Equal(32, f.Get("cpu.A").Width);
        Assert.Equal(2, f.Get("cpu.MAS").Width);
        Assert.Equal(5, f.Get("cpu.mode").Width);
    }

    [Fact]
    public void TheTimerInterruptGoesThroughTheVicToNirqAndIrqMode()
    {
        var f = Full.Value.Vcd;
        long rise = f.Get("timer0.TIMINTC").Changes.First(c => c.Value == "1").Time;
        // VIC input 4 and output follow on the same instant (the VIC is combinational), nIRQ goes low.
        Assert.Equal("10000", f.Get("vic.VICINTSOURCE").ValueAt(rise));
        Assert.Equal("1", f.Get("vic.IRQ").ValueAt(rise));
        Assert.Equal("0", f.Get("cpu.nIRQ").ValueAt(rise));
        // The core enters IRQ mode (0x12) within a few instructions and fetches the IRQ vector.
        var mode = f.Get("cpu.mode");
        var entry = mode.Changes.First(c => c.Time >= rise && c.Value == "10010");
        Assert.InRange(f.ToFs(entry.Time - rise), 0, 2_000_000_000); // < 2 us
        Assert.Equal("11000", f.Get("cpu.pipe.execute").Changes.First(c => c.Time >= entry.Time).Value); // the IRQ vector, 0x18
        // The timer was counting: TIMCLK is 1 MHz, so the counter moves on whole microseconds.
        var value = f.Get("timer0.Value1");
        var moves = value.Changes.Where(c => c.Time < rise).TakeLast(10).Select(c => f.ToFs(c.Time)).ToList();
        Assert.Equal(10, moves.Count);
        Assert.All(moves, t => Assert.Equal(0, t % 1_000_000_000));
    }

    [Fact]
    public void BusPinsEncodeCycleTypesAndMclkTicksAt50MHz()
    {
        var f = Full.Value.Vcd;
        var mclk = f.Get("cpu.MCLK");
        var rises = mclk.Changes.Where(c => c.Value == "1").Take(1000).Select(c => f.ToFs(c.Time)).ToList();
        Assert.Equal(1000, rises.Count);
        Assert.All(rises.Zip(rises.Skip(1)), p => Assert.Equal(20_000_000, p.Second - p.First));
        // Opcode fetches drive nOPC low with nMREQ low; the first fetch is at the reset entry point.
        var nopc = f.Get("cpu.nOPC");
        var nmreq = f.Get("cpu.nMREQ");
        var fetch = nopc.Changes.First(c => c.Value == "0");
        Assert.Equal("0", nmreq.ValueAt(fetch.Time));
        Assert.Equal("1", f.Get("cpu.nTRANS").ValueAt(fetch.Time)); // privileged (SVC after reset)
    }

    [Fact]
    public void UartTxdCarriesTheFramesBitByBit()
    {
        var f = Full.Value.Vcd;
        var txd = f.Get("uart0.TXD");
        Assert.Equal("1", txd.ValueAt(0)); // idle high
        long start = txd.Changes.First(c => c.Value == "0").Time;
        // 115200 baud from 24 MHz: bit b starts floor(b*833/4) UARTCLK cycles after the start bit.
        string Bit(int b) => txd.ValueAt(start + (long)Math.Round(((b * 833 / 4) * 1e15 / 24e6 + 1e9) / f.UnitFs));
        var bits = Enumerable.Range(0, 10).Select(Bit).ToArray();
        Assert.Equal("0", bits[0]);
        Assert.Equal("1", bits[9]);
        int data = Enumerable.Range(1, 8).Sum(b => bits[b] == "1" ? 1 << (b - 1) : 0);
        Assert.Equal('t', (char)data);
    }

    [Fact]
    public void WaveformPngOfAnyVcd()
    {
        var dir = Tools.TempDir();
        var png = Path.Combine(dir, "w.png");
        var f = Full.Value.Vcd;
        long rise = f.ToFs(f.Get("timer0.TIMINTC").Changes.First(c => c.Value == "1").Time);
        WaveformRenderer.RenderPng(f, png, new WaveformOptions
        {
            Signals = ["timer0.TIMINTC", "vic.*", "cpu.nIRQ", "cpu.mode", "cpu.A", "uart0.TXD"],
            FromFs = rise - 2_000_000_000, ToFs = rise + 100_000_000_000,
        });
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.True(bytes.Length > 10_000);
        Assert.Equal(8, WaveformRenderer.SelectLanes(f, ["timer0.TIMINTC", "vic.*", "cpu.nIRQ", "cpu.mode", "cpu.A", "uart0.TXD"], 48).Count);
    }
}
