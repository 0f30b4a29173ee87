using SocSim.Core;
using SocSim.Tests;

namespace SocSim.Rtl.Tests;

/// <summary>
/// The clock's falling edge as two bytes set (the clock and Verilator's previous value of it) instead of an
/// eval, where <see cref="VerilatorBuild.InertFallingEdges"/> proves it from Verilator's output, and the ring
/// of root states keeping every 8th (a rewind clocks the rest again). Lockstep: with the shim's check on,
/// every falling edge of a whole firmware run is evaluated as well and the model's bytes compared with the
/// two set, and every rewound state with the snapshot's clocked again as far; the reference-path comparison
/// of the whole run is ShimFastPathTests'.
/// </summary>
public class ShimShortcutTests
{
    [Theory]
    [InlineData("rtl_uart_busy.elf", "uart.json", "uartx", 8_000_000, 10_000)]
    [InlineData("rtl_uart.elf", "uart.json", "uartx", 50_000, 50)]
    [InlineData("rtl_gpio.elf", "gpio.json", "rtlgpio", 200, 0)]
    [InlineData("rtl_timer.elf", "timer.json", "rtltimer", 3_000, 0)]
    public void Every_falling_edge_set_and_every_rewind_is_what_the_long_way_gives(string elf, string board, string device, long minEdges, long minRewinds)
    {
        using var m = Machine.Create([RtlTestBoards.Default, Path.Combine(RepoPaths.Root, "boards", "rtl", board)]);
        m.LoadElf(Path.Combine(RepoPaths.Root, "firmware", "elf", "rtl", elf));
        var dev = m.Device<RtlPeripheral>(device);
        Assert.True(dev.CheckShim(on: true, out _), "the build did not prove the falling edge inert");
        var r = m.Run(20_000_000);
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(0, r.ExitCode);
        dev.CheckShim(on: false, out var c);
        Assert.True(c.FallingEdges >= minEdges, $"{c.FallingEdges} falling edges checked");
        Assert.Equal(0, c.FallingEdgeMismatches);
        Assert.True(c.Rewinds >= minRewinds, $"{c.Rewinds} rewinds checked");
        Assert.Equal(0, c.RewindMismatches);
    }

    private static List<string> DepSets()
    {
        using var m = Machine.Create([RtlTestBoards.Default, Path.Combine(RepoPaths.Root, "boards", "rtl", "uart.json")]);
        var obj = Path.Combine(Path.GetDirectoryName(m.Device<RtlPeripheral>("uartx").Library)!, "obj");
        return Directory.GetFiles(obj, "Vmodel___024root__DepSet_*.cpp").Where(f => !f.Contains("__Slow", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
    }

    private static readonly RtlPort[] UartPorts =
    [
        new(0, "CLK", 1, PortDirection.Input), new(1, "RSTN", 1, PortDirection.Input), new(2, "PWRITE", 1, PortDirection.Input),
        new(3, "tx_o", 1, PortDirection.Output),
    ];

    [Fact]
    public void The_pulp_UARTs_clock_is_proved_and_only_it()
    {
        var inert = VerilatorBuild.InertFallingEdges(DepSets(), UartPorts);
        // RSTN has a negedge trigger; PWRITE is read by the logic; tx_o is an output.
        Assert.Equal(new[] { "CLK" }, inert.Order());
    }

    [Theory]
    // The clock read as data (a gated clock, a latch).
    [InlineData("vlSelf->__Vtrigrprev__TOP__CLK = vlSelf->CLK;", "vlSelf->__Vtrigrprev__TOP__CLK = vlSelf->CLK; vlSelf->tx_o = vlSelf->CLK;")]
    // A falling-edge trigger besides the rising edge's.
    [InlineData("vlSelf->__Vtrigrprev__TOP__CLK = vlSelf->CLK;",
                "vlSelf->__VactTriggered.at(1U) = ((~ (IData)(vlSelf->CLK)) & (IData)(vlSelf->__Vtrigrprev__TOP__CLK));\n    vlSelf->__Vtrigrprev__TOP__CLK = vlSelf->CLK;")]
    // The previous value read elsewhere.
    [InlineData("vlSelf->__Vtrigrprev__TOP__CLK = vlSelf->CLK;", "vlSelf->__Vtrigrprev__TOP__CLK = vlSelf->CLK; vlSelf->tx_o = vlSelf->__Vtrigrprev__TOP__CLK;")]
    // An input-combinational region that iterates (a trigger besides the first iteration's).
    [InlineData("vlSelf->__VicoTriggered.at(0U) = (0U == vlSelf->__VicoIterCount);",
                "vlSelf->__VicoTriggered.at(0U) = (0U == vlSelf->__VicoIterCount);\n    vlSelf->__VicoTriggered.at(1U) = vlSelf->PWRITE;")]
    // A conditional other than VL_DEBUG's.
    [InlineData("void Vmodel___024root___eval_triggers__act(Vmodel___024root* vlSelf) {",
                "#ifdef SOMETHING\n#endif\nvoid Vmodel___024root___eval_triggers__act(Vmodel___024root* vlSelf) {")]
    public void Any_other_shape_keeps_the_falling_edges_eval(string text, string replacement)
    {
        var files = DepSets();
        int hits = files.Count(f => f.Contains(text, StringComparison.Ordinal));
        Assert.True(hits == 1, $"{hits} files contain the text to replace");
        var changed = files.Select(f => f.Replace(text, replacement, StringComparison.Ordinal)).ToList();
        Assert.Empty(VerilatorBuild.InertFallingEdges(changed, UartPorts));
    }
}
