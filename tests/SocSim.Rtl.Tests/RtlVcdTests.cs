using System.Diagnostics;
using SocSim.Tests;
using SocSim.Trace.Signals;
using SocSim.Trace.Vcd;

namespace SocSim.Rtl.Tests;

/// <summary>
/// The RTL's own signals in our one VCD (`--vcd`, `--signals`): firmware/elf/rtl/rtl_uart.elf on
/// versatilepb + boards/rtl/uart.json (apb_uart_sv, PCLK = the 50 MHz CPU clock, a VCD unit of 10 ns).
/// </summary>
public class RtlVcdTests
{
    private static readonly string[] Boards = [RtlTestBoards.Default, Path.Combine(RepoPaths.Root, "boards", "rtl", "uart.json")];
    private static string Elf => Path.Combine(RepoPaths.Root, "firmware", "elf", "rtl", "rtl_uart.elf");
    private const string Tx = "uartx.apb_uart_sv.uart_tx_i";

    private static (string Stdout, string Stderr, VcdFile Vcd, string Path) RunWithVcd(string dir, string name, string signals)
    {
        string vcd = Path.Combine(dir, name);
        var (exit, stdout, stderr) = SocsimProcess.Run(SocsimProcess.BuiltDll,
            ["run", Elf, "--board", Boards[0], "--board", Boards[1], "--vcd", vcd, "--signals", signals, "--stats"], timeoutMs: 600_000); // may build the traced model
        Assert.True(exit == 0, stderr);
        return (stdout, stderr, VcdReader.Read(vcd), vcd);
    }

    private static (string, long, string)[] ChangesAfterStart(VcdFile f, string name)
    {
        var v = f.Get(name);
        return v.Changes.Where(c => c.Time > f.StartTime).Select(c => (name, c.Time, c.Value)).ToArray();
    }

    [Fact]
    public void The_UARTs_internal_signals_are_merged_under_its_scope_at_the_ticks_of_their_edges()
    {
        string dir = Path.Combine(Path.GetTempPath(), "socsim-rtl-vcd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var rtl = RunWithVcd(dir, "rtl.vcd", $"uartx.TXD,uartx.IRQ,uartx.apb_uart_sv.CLK,{Tx}.*");
            var plain = RunWithVcd(dir, "plain.vcd", "uartx.TXD,uartx.IRQ");
            // Tracing the RTL changes nothing: same console, same cycle count, same line edges.
            Assert.Equal(plain.Stdout, rtl.Stdout);
            string Cycles(string stderr) => stderr.Split('\n').First(l => l.StartsWith("cycles=", StringComparison.Ordinal)).Split(' ')[0];
            Assert.Equal(Cycles(plain.Stderr), Cycles(rtl.Stderr));
            Assert.Equal(ChangesAfterStart(plain.Vcd, "uartx.TXD"), ChangesAfterStart(rtl.Vcd, "uartx.TXD"));
            Assert.Equal(ChangesAfterStart(plain.Vcd, "uartx.IRQ"), ChangesAfterStart(rtl.Vcd, "uartx.IRQ"));
            Assert.DoesNotContain("late_changes", rtl.Stderr);

            var f = rtl.Vcd;
            // Only what was selected: the two lines, the clock and the transmitter's insides.
            Assert.All(f.Variables, v => Assert.True(v.FullName is "uartx.TXD" or "uartx.IRQ" or "uartx.apb_uart_sv.CLK" || v.Scope == Tx, v.FullName));
            foreach (var n in new[] { "CS", "NS", "reg_data", "tx_o", "bit_done", "baud_cnt" })
                Assert.NotNull(f.Find($"{Tx}.{n}"));
            Assert.Equal(8, f.Get($"{Tx}.reg_data").Width);

            // The module's tx_o is the TXD line, change for change: the line is delivered by the
            // scheduler at the tick of the PCLK edge that changed the port.
            var txd = ChangesAfterStart(f, "uartx.TXD").Select(c => (c.Item2, c.Item3)).ToArray();
            Assert.True(txd.Length > 50, $"{txd.Length} TXD changes");
            Assert.Equal(txd, ChangesAfterStart(f, $"{Tx}.tx_o").Select(c => (c.Item2, c.Item3)).ToArray());

            // Each frame starts where the state machine leaves IDLE (0) for START_BIT (1) at a rising edge of
            // the clock: 18 frames ("Hello from RTL!\n" and the two '*' of the interrupt test).
            var cs = f.Get($"{Tx}.CS");
            var starts = cs.Changes.Where(c => c.Time > f.StartTime && Convert.ToInt32(c.Value, 2) == 1).Select(c => c.Time).ToArray();
            Assert.Equal(18, starts.Length);
            var falls = txd.Where(c => c.Item2 == "0").Select(c => c.Item1).ToHashSet();
            Assert.All(starts, t => Assert.Contains(t, falls));

            // The clock: rising at every PCLK edge (20 ns = 2 units), falling half-way.
            var clk = f.Get("uartx.apb_uart_sv.CLK").Changes.Where(c => c.Time > f.StartTime).ToList();
            Assert.True(clk.Count > 1_000_000, $"{clk.Count} clock changes");
            Assert.All(clk.Take(10_000), c => Assert.Equal(c.Time % 2 == 0 ? "1" : "0", c.Value));
            Assert.All(starts, t => Assert.Equal(0, t % 2));

            // GTKWave's converter takes the merged file; sigrok still decodes TXD from it.
            var (exit, o, e) = Run("vcd2fst", $"{rtl.Path} {Path.Combine(dir, "rtl.fst")}");
            Assert.True(exit == 0, o + e);
            Assert.DoesNotContain("error", (o + e).ToLowerInvariant());
            // sigrok 0.5's VCD input stops at the first vector change ("Unexpected vector format!"), so
            // it gets the RTL's one-bit signals.
            var bits = RunWithVcd(dir, "bits.vcd", $"uartx.TXD,uartx.apb_uart_sv.CLK,{Tx}.tx_o,{Tx}.busy_o,{Tx}.bit_done");
            Assert.Equal(5, bits.Vcd.Variables.Count);
            (exit, o, e) = Run("sigrok-cli", $"-I vcd -i {bits.Path} -P uart:rx=TXD:baudrate=115200:format=hex -A uart=rx-data");
            Assert.True(exit == 0, e);
            var bytes = o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Convert.ToByte(l.Trim().Split(' ').Last(), 16)).ToArray();
            Assert.Equal("Hello from RTL!\n**", System.Text.Encoding.Latin1.GetString(bytes));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_looped_back_RXD_follows_TXD_at_the_same_edge_in_the_waveform()
    {
        string dir = Path.Combine(Path.GetTempPath(), "socsim-rtl-vcd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var run = RunWithVcd(dir, "pins.vcd", "uartx.apb_uart_sv.tx_o,uartx.apb_uart_sv.rx_i");
            var tx = ChangesAfterStart(run.Vcd, "uartx.apb_uart_sv.tx_o").Select(c => (c.Item2, c.Item3)).ToArray();
            var rx = ChangesAfterStart(run.Vcd, "uartx.apb_uart_sv.rx_i").Select(c => (c.Item2, c.Item3)).ToArray();
            Assert.True(tx.Length > 50, $"{tx.Length} tx_o changes");
            // A wire (boards/README.md, Loopbacks): the module's rx_i changes at the tick tx_o changes.
            Assert.Equal(tx, rx);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_model_is_switched_to_its_traced_build_only_when_the_selection_wants_its_signals()
    {
        foreach (var (globs, traced) in new[] { (new[] { "uartx.TXD", "cpu.*" }, false), (new[] { "*.tx_o" }, true), (new[] { $"{Tx}.*" }, true), (Array.Empty<string>(), true) })
        {
            using var m = Machine.Create(Boards);
            m.LoadElf(Elf);
            var dev = m.Device<RtlPeripheral>("uartx");
            var signals = new MachineSignals(m, new MachineSignalsOptions { Signals = globs });
            Assert.Equal(traced, dev.Tracing);
            int n = signals.Registry.Filter(globs);
            Assert.True(n > 0);
            if (globs.Length == 1 && globs[0] == $"{Tx}.*")
                Assert.All(signals.Registry.Signals.Where(s => s.Enabled), s => Assert.Equal(Tx, s.Scope));
        }
    }

    [Fact]
    public void Asking_for_the_RTL_signals_after_the_block_was_clocked_warns_and_leaves_them_out()
    {
        var warnings = new StringWriter();
        using var m = Machine.Create(Boards, null, new MachineOptions { Warnings = warnings });
        m.LoadElf(Elf);
        m.Run(200_000);
        var dev = m.Device<RtlPeripheral>("uartx");
        var signals = new MachineSignals(m);
        Assert.False(dev.Tracing);
        Assert.DoesNotContain(signals.Registry.Signals, s => s.Scope.StartsWith("uartx.apb_uart_sv", StringComparison.Ordinal));
        Assert.Contains("uartx: the RTL's own signals are not traced", warnings.ToString());
    }

    private static (int, string, string) Run(string tool, string args)
    {
        var psi = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o, err.Result);
    }
}

public class GlobPrefixTests
{
    [Theory]
    [InlineData("uartx.*", "uartx.apb_uart_sv.", true)]
    [InlineData("*", "uartx.apb_uart_sv.", true)]
    [InlineData("*.tx_o", "uartx.apb_uart_sv.", true)]
    [InlineData("uartx.TXD", "uartx.apb_uart_sv.", false)]
    [InlineData("cpu.*", "uartx.apb_uart_sv.", false)]
    [InlineData("uartx.apb_uart_sv", "uartx.apb_uart_sv.", false)]
    [InlineData("uartx.apb?uart_sv.CLK", "uartx.apb_uart_sv.", true)]
    [InlineData("uart?.a*", "uartx.apb_uart_sv.", true)]
    public void A_glob_may_match_a_name_with_the_prefix(string glob, string prefix, bool expected) =>
        Assert.Equal(expected, SocSim.Core.Signals.SignalRegistry.GlobMayMatchPrefix(glob, prefix));
}
