using System.Text.RegularExpressions;
using SocSim.Trace.Vcd;

namespace SocSim.Trace.Tests;

/// <summary>
/// `--gtkw FILE`: the save file is loaded by GTKWave itself (headless under xvfb-run, driven by a Tcl
/// script), which reports the traces it shows, their display flags and the named markers.
/// </summary>
public class GtkwTests
{
    [Fact]
    public void GtkwaveOpensTheSaveFileWithGroupsHexBusesAndMarkers()
    {
        var dir = Tools.TempDir();
        string vcd = Path.Combine(dir, "t.vcd"), gtkw = Path.Combine(dir, "t.gtkw");
        var (exit, _, err) = SocsimCli.Run("run", "--vcd", vcd, "--gtkw", gtkw, "--break", "puts0:3", "--stats");
        Assert.True(exit == 0, err);
        Assert.Contains($"gtkw={gtkw} markers=2", err);
        long breakCycle = long.Parse(Regex.Match(err, @"break puts0#3 reached at cycle=(\d+)").Groups[1].Value);
        var f = VcdReader.Read(vcd);
        // The first interrupt entry, found independently in the trace: the first time the IRQ vector executes.
        long irqEntry = f.Get("cpu.pipe.execute").Changes.First(c => c.Value == Convert.ToString(0x18, 2)).Time;

        var text = File.ReadAllText(gtkw);
        var groups = Regex.Matches(text, @"^@800200\n-(.*)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["CPU pins", "CPU pipeline", "CPU registers", "vic (pl190)", "timer0 (sp804)", "timer1 (sp804)", "uart0 (pl011)", "uart1 (pl011)", "uart2 (pl011)"], groups);

        if (!Tools.OnPath("xvfb-run")) Assert.Fail("'xvfb-run' is not installed: apt-get install -y xvfb xauth");
        var result = Path.Combine(dir, "result.txt");
        var tcl = Path.Combine(dir, "query.tcl");
        File.WriteAllText(tcl, $$"""
            set out [open "{{result}}" w]
            set n [gtkwave::getTotalNumTraces]
            for {set i 0} {$i < $n} {incr i} { puts $out "trace [gtkwave::getTraceFlagsFromIndex $i] [gtkwave::getTraceNameFromIndex $i]" }
            puts $out "facs [gtkwave::getNumFacs]"
            puts $out "A [gtkwave::getNamedMarker A]"
            puts $out "B [gtkwave::getNamedMarker B]"
            puts $out "C [gtkwave::getNamedMarker C]"
            puts $out "window [gtkwave::getWindowStartTime] [gtkwave::getWindowEndTime]"
            close $out
            gtkwave::/File/Quit
            """);
        var (gexit, o, e) = Tools.Run("xvfb-run", "xvfb", $"-a gtkwave -S {tcl} {gtkw}", dir);
        Assert.True(gexit == 0 && File.Exists(result), o + e);
        var lines = File.ReadAllLines(result);
        Assert.Equal($"facs {f.Variables.Count}", lines.Single(l => l.StartsWith("facs ")));
        var traces = lines.Where(l => l.StartsWith("trace ")).Select(l => l.Split(' ', 3)).Select(p => (Flags: int.Parse(p[1]), Name: p[2])).ToList();
        // Every signal of the VCD is shown once, between its group's begin and end rows.
        var shown = traces.Where(t => (t.Flags & 0x200) == 0).ToList();
        Assert.Equal(f.Variables.Count, shown.Count);
        Assert.Equal(2 * groups.Count, traces.Count - shown.Count);
        Assert.Equal(groups, traces.Where(t => (t.Flags & 0x800000) != 0).Select(t => t.Name));
        // Buses in hex, single bits in binary, all right-justified.
        foreach (var t in shown)
            Assert.Equal(t.Name.Contains('[') ? 0x22 : 0x28, t.Flags);
        Assert.Contains(shown, t => t.Name == "A[31:0]");
        // Markers in GTKWave's time (ns here): the first IRQ entry and the --break stop, 20 ns a cycle.
        Assert.Equal($"A {irqEntry * 10}", lines.Single(l => l.StartsWith("A ")));
        Assert.Equal($"B {breakCycle * 20}", lines.Single(l => l.StartsWith("B ")));
        Assert.Equal("C -1", lines.Single(l => l.StartsWith("C ")));
        // The window GTKWave opens on shows the whole trace (so both markers) and the trace fills most of it.
        var window = lines.Single(l => l.StartsWith("window ")).Split(' ').Skip(1).Select(long.Parse).ToArray();
        long traceStart = f.StartTime * 10, traceEnd = f.EndTime * 10;
        Assert.True(window[0] <= traceStart && window[1] >= traceEnd, $"GTKWave shows {window[0]}-{window[1]} ns of a {traceStart}-{traceEnd} ns trace");
        Assert.True(window[1] - window[0] < 1.25 * (traceEnd - traceStart), $"GTKWave shows {window[0]}-{window[1]} ns of a {traceStart}-{traceEnd} ns trace");
    }

    [Fact]
    public void GtkwNeedsVcd()
    {
        var (exit, _, err) = SocsimCli.Run("run", "--gtkw", Path.Combine(Tools.TempDir(), "x.gtkw"));
        Assert.Equal(2, exit);
        Assert.Equal("socsim run: --gtkw needs --vcd FILE", err.Trim());
    }
}
