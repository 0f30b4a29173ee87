using SocSim.Core;
using SocSim.Core.State;
using SocSim.Tests;

namespace SocSim.Rtl.Tests;

/// <summary>
/// An rtl peripheral saves its Verilated model (Verilator's --savable) with the bridge's state: saved
/// mid-frame on one machine and loaded into a fresh machine of the same board, the RTL UART goes on
/// exactly as the original does.
/// </summary>
public class CheckpointTests
{
    private static readonly string Uart = Path.Combine(RepoPaths.Root, "boards", "rtl", "uart.json");
    private static readonly string Timer = Path.Combine(RepoPaths.Root, "boards", "rtl", "timer.json");
    private const uint Base = 0x10100000;

    // The core spins on "b ." at 0 while the test drives the UART's registers through its bus interface.
    private static Machine Spinning(string overlay, IReadOnlyList<string>? sets = null)
    {
        var m = Machine.Create([RtlTestBoards.Default, overlay], sets);
        m.Bus.DebugWrite32(0, 0xEAFFFFFE);
        m.Cpu.ResetTo(0);
        return m;
    }

    private static void W(RtlPeripheral d, uint reg, uint v)
    {
        bool abort = false;
        d.Write(Base + 4 * reg, 4, v, AccessFlags.None, ref abort);
        Assert.False(abort);
    }

    private static uint R(RtlPeripheral d, uint reg)
    {
        bool abort = false;
        uint v = d.Read(Base + 4 * reg, 4, AccessFlags.None, ref abort);
        Assert.False(abort);
        return v;
    }

    private static List<(string, long, bool)> Record(Machine m, RtlPeripheral d)
    {
        var edges = new List<(string, long, bool)>();
        foreach (var line in new[] { "IRQ", "TXD" })
            d.Output(line).Subscribe(l => edges.Add((line, m.Scheduler.EventTime, l)));
        return edges;
    }

    private static byte[] Save(RtlPeripheral d, Machine m)
    {
        var ms = new MemoryStream();
        var w = new StateWriter(ms);
        w.Section("dev", d.SaveState);
        w.Section("scheduler", m.Scheduler.SaveState);
        return ms.ToArray();
    }

    private static void Load(RtlPeripheral d, Machine m, byte[] state)
    {
        var r = new StateReader(new MemoryStream(state));
        r.Section("dev", d.LoadState);
        r.Section("scheduler", m.Scheduler.LoadState);
    }

    /// <summary>After the save point: the line edges, what the UART received, and its final state.</summary>
    private static (List<(string, long, bool)> Edges, List<uint> Received, long Edge, long Cycles) Continue(Machine m, RtlPeripheral d, List<(string, long, bool)> edges)
    {
        edges.Clear();
        var received = new List<uint>();
        for (int i = 0; i < 12; i++)
        {
            m.Run(m.Scheduler.Cycles + 5_000);
            while ((R(d, 5) & 1) != 0) received.Add(R(d, 0)); // LSR.DR, RBR
        }
        return (new(edges), received, d.Edge, m.Scheduler.Cycles);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // loaded into a block that runs its build with tracing: it switches back to the plain one
    public void A_UART_saved_mid_frame_goes_on_exactly_after_loading_into_a_fresh_machine(bool loadIntoTracedBuild)
    {
        using var m1 = Spinning(Uart);
        var d1 = m1.Device<RtlPeripheral>("uartx");
        var e1 = Record(m1, d1);
        m1.Run(100);
        W(d1, 3, 0x83); // LCR: DLAB, 8N1
        W(d1, 0, 100);  // DLL: 101 cycles a bit
        W(d1, 1, 0);    // DLM
        W(d1, 3, 0x03);
        W(d1, 2, 0x06); // FCR: clear the FIFOs
        W(d1, 1, 0x03); // IER: ERBFI | ETBEI
        foreach (char c in "RTL!") W(d1, 0, c);
        m1.Run(m1.Scheduler.Cycles + 1_555); // in the middle of the second frame
        Assert.Contains(e1, x => x.Item1 == "TXD");
        Assert.True(d1.EdgesAhead > 0, "the block should be running ahead of the CPU, snapshot and all");
        byte[] state = Save(d1, m1);

        using var m2 = Spinning(Uart, loadIntoTracedBuild ? ["peripherals.uartx.parameters.trace=true"] : null);
        var d2 = m2.Device<RtlPeripheral>("uartx");
        var e2 = Record(m2, d2);
        m2.Run(50);
        Load(d2, m2, state);
        Assert.Equal(m1.Scheduler.Cycles, m2.Scheduler.Cycles);
        Assert.Equal(d1.Output("TXD").Level, d2.Output("TXD").Level);

        var a = Continue(m1, d1, e1);
        var b = Continue(m2, d2, e2);
        Assert.Equal("RTL!", new string(a.Received.Select(x => (char)x).ToArray()));
        Assert.True(a.Edges.Count > 10, $"{a.Edges.Count} edges after the save");
        Assert.Equal(a.Edges, b.Edges);
        Assert.Equal(a.Received, b.Received);
        Assert.Equal((a.Edge, a.Cycles), (b.Edge, b.Cycles));
        // Both models end in the same state, byte for byte.
        Assert.Equal(Save(d1, m1), Save(d2, m2));
    }

    [Fact]
    public void A_checkpoint_of_another_RTL_build_is_refused_with_the_builds_named()
    {
        using var m1 = Spinning(Uart);
        var uart = m1.Device<RtlPeripheral>("uartx");
        m1.Run(1000);
        var ms = new MemoryStream();
        uart.SaveState(new StateWriter(ms));

        using var m2 = Spinning(Timer);
        var timer = m2.Device<RtlPeripheral>("rtltimer");
        var e = Assert.Throws<StateException>(() => timer.LoadState(new StateReader(new MemoryStream(ms.ToArray()))));
        Assert.StartsWith("peripheral 'rtltimer' (rtl): the checkpoint holds a model built as apb_uart_sv-", e.Message);
        Assert.Contains("this board builds apb_timer_irq-", e.Message);
    }

    [Fact]
    public void A_corrupted_model_state_is_refused_before_Verilator_reads_it()
    {
        using var m1 = Spinning(Uart);
        var uart = m1.Device<RtlPeripheral>("uartx");
        m1.Run(1000);
        var ms = new MemoryStream();
        uart.SaveState(new StateWriter(ms));
        byte[] state = ms.ToArray();
        // The model bytes follow the build id, the traced flag and their length.
        int at = state.Length / 3;
        state[at] ^= 0x5A;

        using var m2 = Spinning(Uart);
        var e = Assert.Throws<StateException>(() => m2.Device<RtlPeripheral>("uartx").LoadState(new StateReader(new MemoryStream(state))));
        Assert.Equal("peripheral 'uartx' (rtl): the saved model state is corrupted (its checksum does not match)", e.Message);
    }
}
