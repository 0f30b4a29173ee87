using SocSim.Trace.Vcd;

namespace SocSim.Trace.Tests;

/// <summary>The reader against VCDs that real RTL simulators write, from verilog/counter_tb.v.</summary>
public class RtlVcdReaderTests
{
    private static string Source => Path.Combine(Tools.Repo, "tests", "SocSim.Trace.Tests", "verilog", "counter_tb.v");

    private static void CheckCounter(VcdFile f, string top)
    {
        Assert.Equal(1000, f.UnitFs); // 1 ps
        var clk = f.Get(top + "counter_tb.clk");
        var count = f.Get(top + "counter_tb.dut.count");
        Assert.Equal(8, count.Width);
        // 100 MHz: rising edges at 5 ns, 15 ns, ...; reset released at 12 ns; 3012 ns in all.
        Assert.Equal("1", clk.ValueAt(5000));
        Assert.Equal("0", clk.ValueAt(10000));
        int rises = clk.Changes.Count(c => c.Value == "1");
        Assert.InRange(rises, 300, 302);
        // After reset the counter counts every rising edge and wraps at 256.
        // (edge k at 5 + 10k ns holds k).
        Assert.Equal("0", count.ValueAt(14_000));
        Assert.Equal("1", count.ValueAt(15_000));
        Assert.Equal(VcdReader.NormalizeVector("00000010"), count.ValueAt(25_000));
        Assert.Equal("11111111", count.ValueAt(2_555_000));
        Assert.Equal("1", f.Get(top + "counter_tb.carry").ValueAt(2_555_000));
        Assert.Equal("0", count.ValueAt(2_565_000));
        Assert.Equal("0", f.Get(top + "counter_tb.carry").ValueAt(2_565_000));
        Assert.True(f.EndTime >= 3_000_000);
    }

    [Fact]
    public void ReadsIcarusVerilogVcd()
    {
        var dir = Tools.TempDir();
        var vcd = Path.Combine(dir, "icarus.vcd");
        var (exit, _, err) = Tools.Run("iverilog", "iverilog", $"-DVCD=\\\"{vcd}\\\" -o {dir}/tb.vvp {Source}");
        Assert.True(exit == 0, err);
        (exit, _, err) = Tools.Run("vvp", "iverilog", $"-n {dir}/tb.vvp", dir);
        Assert.True(exit == 0, err);
        var f = VcdReader.Read(vcd);
        Assert.Contains("Icarus", f.Version);
        CheckCounter(f, "");
        // Icarus dumps registers as x until they are first assigned.
        Assert.Equal("x", f.Get("counter_tb.dut.count").ValueAt(0));
    }

    [Fact]
    public void ReadsVerilatorVcd()
    {
        var dir = Tools.TempDir();
        var vcd = Path.Combine(dir, "verilator.vcd");
        var (exit, _, err) = Tools.Run("verilator", "verilator",
            $"--binary --trace -Wno-fatal --top-module counter_tb -DVCD=\\\"{vcd}\\\" -Mdir {dir}/obj {Source}", dir, 600_000);
        Assert.True(exit == 0, err);
        (exit, _, err) = Tools.Run(Path.Combine(dir, "obj", "Vcounter_tb"), "verilator", "", dir);
        Assert.True(exit == 0, err);
        var f = VcdReader.Read(vcd);
        Assert.Contains("Verilated", f.Version);
        CheckCounter(f, "TOP.");
    }
}
