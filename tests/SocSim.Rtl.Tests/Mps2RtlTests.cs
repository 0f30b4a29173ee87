using System.Text.RegularExpressions;
using SocSim.Core;
using SocSim.Tests;

namespace SocSim.Rtl.Tests;

/// <summary>
/// RTL on a Cortex-M board: boards/rtl/mps2-uart.json layers pulp-platform apb_uart_sv on mps2-an385 at 0x4000C000
/// (the CMSDK APB subsystem's expansion port 12) on SYSCLK, its interrupt on NVIC line 32;
/// tests/assets/cortex-m/rtl_uart_m3.elf (firmware/mps2/rtl_uart_m3.c, `make -C firmware m3`) loops a line through
/// it and takes its receive interrupt through the NVIC.
/// </summary>
public class Mps2RtlTests
{
    private static readonly string An385 = Path.Combine(RepoPaths.Root, "boards", "mps2-an385.json");
    private static readonly string[] UartBoards = [An385, Path.Combine(RepoPaths.Root, "boards", "rtl", "mps2-uart.json")];
    private static string Elf => Path.Combine(RepoPaths.Root, "tests", "assets", "cortex-m", "rtl_uart_m3.elf");

    private const string Expected =
        "rtl_uart_m3: apb_uart_sv RTL @0x4000C000, NVIC line 32, TXD looped to RXD\n" +
        "receive interrupt: IIR=0xc8 LSR=0x01 first='H'\n" +
        "received: Hello from M3!\n" +
        "rtl_uart_m3 done: loopback ok\n";

    private static Machine Uart(ExecutionEngine engine = ExecutionEngine.Translate)
    {
        var m = Machine.Create(UartBoards, null, new MachineOptions { ForceSemihosting = true, Engine = engine });
        m.LoadElf(Elf);
        return m;
    }

    [Theory]
    [InlineData(ExecutionEngine.Interpret)]
    [InlineData(ExecutionEngine.Translate)]
    public void The_Cortex_M3_loops_a_line_through_the_RTL_UART_and_takes_its_receive_interrupt(ExecutionEngine engine)
    {
        using var m = Uart(engine);
        var r = m.Run(10_000_000);
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Expected, m.UartOutput("uart0"));
        // Both engines, and every run, end at the same cycle (the figure is what the firmware's code and the
        // RTL give; it changes only with them).
        Assert.Equal((60300L, 26361L), (r.Cycles, r.Instructions));
    }

    [Fact]
    public void The_latency_from_the_RTLs_IRQ_edge_to_the_handler_is_the_TRMs_12_cycles_in_both_engines_and_every_run()
    {
        // The firmware waits in Thread mode spinning on a RAM word (ZBT SSRAM, zero wait states): exception entry
        // is the Cortex-M3 TRM's 12 cycles (DDI 0337I 5.5.1), from the NVIC line's rise to the vector.
        string? first = null;
        foreach (var engine in new[] { "interpret", "translate", "interpret" })
        {
            var (exit, stdout, stderr) = SocsimProcess.Run(SocsimProcess.BuiltDll,
                ["run", Elf, "--board", UartBoards[0], "--board", UartBoards[1], "--semihosting", "--stats", "--engine", engine]);
            Assert.True(exit == 0, stderr);
            Assert.Equal(Expected, stdout);
            Assert.Contains("irq_latency cpu.irq32 (uartx.IRQ) to_vector: count=1 min=12 (480.00 ns) max=12 (480.00 ns) mean=12.0 (480.00 ns) unserved=0\n", stderr);
            string stats = Regex.Replace(stderr, @" host_s=\S+ mips=\S+", "");
            Assert.Contains("cycles=60300 instructions=26361 ", stats);
            Assert.Equal(first ??= stats, stats);
        }
    }

    [Fact]
    public void A_checkpoint_taken_while_the_RTL_UART_is_receiving_resumes_to_the_same_end()
    {
        using var through = Uart();
        var reference = through.Run(10_000_000);

        var state = new MemoryStream();
        string before;
        long savedAt;
        using (var m1 = Uart())
        {
            // Mid-line: the interrupt was taken (cycle ~20,000) and characters are still in flight.
            var r = m1.Run(30_000);
            Assert.Equal(StopReason.CycleLimit, r.Reason);
            savedAt = m1.Cycles;
            m1.SaveState(state);
            before = m1.UartOutput("uart0");
        }
        Assert.Contains("rtl_uart_m3: apb_uart_sv", before);
        Assert.DoesNotContain("received:", before);
        using var m2 = Uart();
        state.Position = 0;
        m2.LoadState(state);
        Assert.Equal(savedAt, m2.Cycles);
        var resumed = m2.Run(10_000_000);
        Assert.Equal(reference, resumed);
        Assert.Equal(Expected, m2.UartOutput("uart0"));   // the console capture is part of the state
    }

    [Fact]
    public void On_a_core_with_AN385s_32_lines_the_layer_is_refused_with_one_line()
    {
        var e = Record.Exception(() => Machine.Create(UartBoards, ["cpu.parameters.interrupts=32"]).Dispose());
        Assert.NotNull(e);
        Assert.Equal("cpu input irq32: this core has 32 external interrupts (cpu.parameters.interrupts)", e.Message);
    }

    // movw r0, #lo(base); movt r0, #hi(base); movs r1, #WAITS; str r1, [r0, #4]; ldr r2, [r0, #8]; b .
    private static ushort[] SlowRead(int waits, uint @base = 0x4000_C000) =>
        [.. MovImm16(0xF240, @base & 0xFFFF), .. MovImm16(0xF2C0, @base >> 16), (ushort)(0x2100 | waits), 0x6041, 0x6882, 0xE7FE];

    // MOVW/MOVT r0 (A7.7.76/A7.7.79, encoding T3/T1): imm16 = imm4:i:imm3:imm8.
    private static ushort[] MovImm16(ushort op, uint imm) =>
        [(ushort)(op | (imm >> 12 & 0xF) | (imm >> 11 & 1) << 10), (ushort)((imm >> 8 & 7) << 12 | (imm & 0xFF))];

    private static (long Cycles, long Stall, long Total) RunSlowRead(int waits, int? boardWaitStates, uint @base = 0x4000_C000)
    {
        using var m = Machine.Create([An385, RtlTestBoards.Asset("mps2-wait.json")], boardWaitStates is int ws
            ? [.. new[] { "readN", "readS", "writeN", "writeS" }.Select(k => $"peripherals.waitblk.waitStates.{k}={ws}")]
            : null);
        // The vector table (SP, reset at 0x40 in Thumb state), then the program.
        m.Bus.DebugWrite32(0, 0x0040_0000);
        m.Bus.DebugWrite32(4, 0x41);
        var code = SlowRead(waits, @base);
        for (int i = 0; i < code.Length; i += 2) m.Bus.DebugWrite32((uint)(0x40 + 2 * i), code[i] | (uint)code[i + 1] << 16);
        m.Core.ResetTo(0x41);
        var dev = m.Device<RtlPeripheral>("waitblk");
        // Stop on the branch-to-self: 5 instructions done.
        while (m.Core.Instructions < 5) m.Run(m.Scheduler.Cycles + 1);
        Assert.Equal(0x4Eu, m.Core.Pc);
        Assert.Equal(0u, m.Core.ReadRegister(2)); // DATA, reset 0
        return (m.Scheduler.Cycles, dev.LastStallCycles, dev.TotalStallCycles);
    }

    [Fact]
    public void Through_the_Cortex_M3s_System_bus_a_late_PREADY_stalls_for_exactly_its_cycles_beyond_the_boards_wait_states()
    {
        // An APB3 transfer on a PCLK as fast as HCLK: setup, access (ends at the first edge sampling PREADY high),
        // the response in the next cycle: 3 cycles when PREADY is high at once, 3 + w when it is low for w. The
        // bus charges 1 + the entry's wait states; the bridge stalls for the rest: with the board's one wait
        // state, 1 + w.
        var (c0, s0, t0) = RunSlowRead(0, 1);
        Assert.Equal(1, s0);
        Assert.Equal(2, t0);                     // the store's transfer too
        foreach (int w in new[] { 1, 5, 17 })
        {
            var (c, s, _) = RunSlowRead(w, 1);
            Assert.Equal(1 + w, s);
            Assert.Equal(c0 + w, c);
        }
        // With 2 wait states the bus charges the whole zero-wait transfer (no stall, the same cycles); with 3 it
        // charges one cycle more than the transfer takes, and the two accesses cost one cycle each more.
        var (c2, s2, _) = RunSlowRead(0, 2);
        Assert.Equal((0L, c0), (s2, c2));
        var (c3, s3, _) = RunSlowRead(0, 3);
        Assert.Equal((0L, c0 + 2), (s3, c3));
    }

    [Fact]
    public void A_ready_RTL_APB_slave_costs_what_a_CMSDK_register_costs_two_wait_states_per_access()
    {
        // ARM's AHB-to-APB bridge as the MPS2 images build it (cmsdk_ahb_to_apb with REGISTER_RDATA = 1 and
        // PCLKEN = 1; boards/README.md "APB bridge"): IDLE -> TRNF -> TRNF2 -> ENDOK, a 3-cycle data phase for a
        // ready slave, reads and writes alike: 2 wait states. The boards give every APB slave 2; the RTL layer
        // too, where its own APB3 transfer (setup, access, response) takes exactly those 3 cycles: no stall.
        // The program stores to base + 4 and loads base + 8: the RTL test block's WAITS and DATA (0, ready at
        // once), UART0's STATE and CTRL, or a zero-wait SSRAM2 word.
        var (rtl, rtlStall, _) = RunSlowRead(0, null);
        var (cmsdk, _, _) = RunSlowRead(0, null, 0x4000_4000);
        var (ram, _, _) = RunSlowRead(0, null, 0x2001_0000);
        Assert.Equal(0L, rtlStall);
        Assert.Equal(cmsdk, rtl);
        Assert.Equal(ram + 2 * 2, cmsdk);       // two accesses, 2 wait states each
    }
}
