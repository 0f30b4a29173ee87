using System.Globalization;
using SocSim.Trace.Vcd;

namespace SocSim.Trace.Tests;

/// <summary>
/// vcd-diff against an Icarus Verilog testbench (verilog/uart_irq_tb.v) that produces the same UART
/// frames and the same timer interrupt pulse as the timer_irq firmware; a planted one-CPU-cycle
/// difference must be found, equal traces must pass.
/// </summary>
public class VcdDiffTests
{
    private const long TicksPerSecond = 600_000_000; // versatilepb
    private static string Tb => Path.Combine(Tools.Repo, "tests", "SocSim.Trace.Tests", "verilog", "uart_irq_tb.v");

    private sealed record Run(string Ours, long FrameStart, long IrqRise, long IrqFall, long EndTick);

    private static readonly Lazy<Run> Firmware = new(() =>
    {
        var dir = Tools.TempDir();
        var vcd = Path.Combine(dir, "ours.vcd");
        Tools.RunWithVcd("timer_irq.elf", vcd, ["uart0.TXD", "timer0.TIMINTC"], maxCycles: 400_000);
        var f = VcdReader.Read(vcd);
        long Tick(long units) => (long)Math.Round((decimal)f.ToFs(units) * TicksPerSecond / VcdTime.FsPerSecond);
        var txd = f.Get("uart0.TXD");
        var irq = f.Get("timer0.TIMINTC");
        long start = Tick(txd.Changes.First(c => c.Value == "0").Time);
        long rise = Tick(irq.Changes.First(c => c.Value == "1").Time);
        long fall = Tick(irq.Changes.First(c => c.Value == "0" && c.Time > irq.Changes.First(d => d.Value == "1").Time).Time);
        return new Run(vcd, start, rise, fall, fall + 600);
    });

    private static string Icarus(Run run, bool plant)
    {
        var dir = Tools.TempDir();
        var vcd = Path.Combine(dir, plant ? "rtl_planted.vcd" : "rtl.vcd");
        string p(string n, long v) => $"-Puart_irq_tb.{n}={v.ToString(CultureInfo.InvariantCulture)} ";
        var (exit, o, e) = Tools.Run("iverilog", "iverilog",
            $"{(plant ? "-DPLANT " : "")}-DVCD=\\\"{vcd}\\\" {p("FRAME_START", run.FrameStart)}{p("IRQ_RISE", run.IrqRise)}{p("IRQ_FALL", run.IrqFall)}{p("END_TICK", run.EndTick)}-o {dir}/tb.vvp {Tb}");
        Assert.True(exit == 0, o + e);
        (exit, o, e) = Tools.Run("vvp", "iverilog", $"-n {dir}/tb.vvp", dir);
        Assert.True(exit == 0, o + e);
        return vcd;
    }

    private static string EndFs(Run r) => $"{new VcdTime(TicksPerSecond).ToUnits(r.EndTick)}fs";

    [Fact]
    public void MatchesTheIcarusTestbenchUartFramesAndInterruptPulse()
    {
        var run = Firmware.Value;
        Assert.True(run.IrqRise > run.FrameStart && run.IrqFall > run.IrqRise);
        var rtl = Icarus(run, plant: false);
        var (exit, o, e) = SocsimCli.Run("vcd-diff", run.Ours, rtl, "--map", "uart0.TXD=uart_irq_tb.txd", "--map", "timer0.TIMINTC=uart_irq_tb.timint", "--to", EndFs(run));
        Assert.True(exit == 0, o + e);
        Assert.Contains("summary: EQUAL: 2 signal pair(s)", o);
        // Dozens of UART frames went by before the interrupt: the comparison saw every bit edge.
        var result = VcdDiff.Compare(VcdReader.Read(run.Ours), VcdReader.Read(rtl), new VcdDiffOptions
        {
            Map = [("uart0.TXD", "txd"), ("timer0.TIMINTC", "timint")],
            ToFs = new VcdTime(TicksPerSecond).ToUnits(run.EndTick),
        });
        Assert.True(result.Equal);
        Assert.True(result.Instants > 200, $"{result.Instants} instants");
    }

    [Fact]
    public void FindsAPlantedOneCycleDifference()
    {
        var run = Firmware.Value;
        var rtl = Icarus(run, plant: true);
        var (exit, o, e) = SocsimCli.Run("vcd-diff", run.Ours, rtl, "--map", "uart0.TXD=uart_irq_tb.txd,timer0.TIMINTC=uart_irq_tb.timint", "--to", EndFs(run));
        Assert.True(exit == 1, o + e);
        var fallFs = new VcdTime(TicksPerSecond).ToUnits(run.IrqFall);
        Assert.Contains($"first divergence at {VcdDiff.FormatFs(fallFs)}: timer0.TIMINTC = 0 in A, uart_irq_tb.timint = 1 in B", o);
        Assert.Contains("surrounding changes:", o);
        Assert.Contains("summary: DIFFERENT", o);
        // The same difference on the library API: exactly one instant differs, lasting one CPU cycle.
        var result = VcdDiff.Compare(VcdReader.Read(run.Ours), VcdReader.Read(rtl), new VcdDiffOptions
        {
            Map = [("uart0.TXD", "txd"), ("timer0.TIMINTC", "timint")],
            ToFs = new VcdTime(TicksPerSecond).ToUnits(run.EndTick),
        });
        Assert.False(result.Equal);
        Assert.Equal(1, result.DifferingInstants);
        Assert.Equal(fallFs, result.First!.TimeFs);
    }

    [Fact]
    public void EqualTracesPassAndAnEditedTracePlantedByOneCycleFails()
    {
        var run = Firmware.Value;
        var (exit, o, _) = SocsimCli.Run("vcd-diff", run.Ours, run.Ours);
        Assert.Equal(0, exit);
        Assert.Contains("summary: EQUAL", o);
        // Move our own interrupt's falling edge one CPU cycle (12 ticks) later in a copy of the file.
        var t = new VcdTime(TicksPerSecond);
        string fall = "#" + t.ToUnits(run.IrqFall), later = "#" + t.ToUnits(run.IrqFall + 12);
        var lines = File.ReadAllLines(run.Ours).ToList();
        var f = VcdReader.Read(run.Ours);
        string id = f.Get("timer0.TIMINTC").Id;
        int at = lines.IndexOf(fall);
        Assert.True(at > 0);
        int change = lines.FindIndex(at, l => l == "0" + id);
        lines.RemoveAt(change);
        int next = lines.FindIndex(at + 1, l => l.StartsWith('#') && long.Parse(l[1..]) > t.ToUnits(run.IrqFall));
        if (lines[next] == later) lines.Insert(next + 1, "0" + id);
        else lines.InsertRange(next, [later, "0" + id]);
        var edited = Path.Combine(Path.GetDirectoryName(run.Ours)!, "edited.vcd");
        File.WriteAllLines(edited, lines);
        (exit, o, _) = SocsimCli.Run("vcd-diff", run.Ours, edited, "--from", "0", "--to", EndFs(run));
        Assert.Equal(1, exit);
        Assert.Contains($"first divergence at {VcdDiff.FormatFs(t.ToUnits(run.IrqFall))}: timer0.TIMINTC = 0 in A, timer0.TIMINTC = 1 in B", o);
    }

    [Fact]
    public void ClockSampledComparisonIgnoresTimescaleAndZeroTimeGlitches()
    {
        // Two traces of the same clocked behaviour: one in 1 fs, the other in 1 ns with a zero-width glitch.
        string a = """
            $timescale 1fs $end
            $scope module a $end
            $var wire 1 ! clk $end
            $var wire 8 " q [7:0] $end
            $upscope $end
            $enddefinitions $end
            #0
            $dumpvars
            0!
            b0 "
            $end
            #10000000
            1!
            b1 "
            #20000000
            0!
            #30000000
            1!
            b10 "
            #40000000
            0!
            """;
        string b = """
            $timescale 1ns $end
            $scope module tb $end
            $var reg 1 c clk $end
            $var reg 8 d q [7:0] $end
            $upscope $end
            $enddefinitions $end
            #0
            0c
            b00000000 d
            #12
            1c
            #13
            b00000001 d
            #22
            0c
            #25
            b11111111 d
            b00000001 d
            #32
            1c
            #33
            b00000010 d
            #42
            0c
            """;
        var fa = VcdReader.Parse(a);
        var fb = VcdReader.Parse(b);
        var equal = VcdDiff.Compare(fa, fb, new VcdDiffOptions { Map = [("q", "q")], Clock = ("clk", "clk") });
        Assert.True(equal.Equal, string.Join('\n', equal.Report));
        Assert.Equal(2, equal.Instants);
        // At every change, the 2 ns phase shift is a difference.
        Assert.False(VcdDiff.Compare(fa, fb, new VcdDiffOptions { Map = [("q", "q")] }).Equal);
    }
}
