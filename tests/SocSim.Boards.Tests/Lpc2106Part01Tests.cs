using SocSim.Core;
using SocSim.Peripherals;

namespace SocSim.Boards.Tests;

/// <summary>
/// The LPC2106/01 (boards/lpc2106.json with boards/overrides/lpc2106-01.json): the enhanced part's
/// features, each against UM10275 Rev. 02, and their absence on the legacy part (the base board).
/// </summary>
public sealed class Lpc2106Part01Tests
{
    private static string Lpc => Path.Combine(TestFiles.BoardsDir, "lpc2106.json");
    private static string Part01 => Path.Combine(TestFiles.BoardsDir, "overrides", "lpc2106-01.json");
    private const uint Scb = 0xE01FC000, Gpio = 0xE0028000, Pcb = 0xE002C000, Fio = Lpc2106Pins.FastBase;

    private static Machine Create(bool part01, out StringWriter warnings, params string[] sets)
    {
        warnings = new StringWriter();
        string[] boards = part01 ? [Lpc, Part01] : [Lpc];
        var m = Machine.Create(BoardLoader.Load(boards, sets), new MachineOptions { Warnings = warnings });
        m.Bus.DebugWrite32(0x40000000, 0xEAFFFFFE); // b . in SRAM
        m.Cpu.ResetTo(0x40000000);
        return m;
    }

    private static void W(Machine m, uint address, uint value) => m.Bus.Write32(address, value, AccessFlags.Write);
    private static uint R(Machine m, uint address) => m.Bus.Read32(address, AccessFlags.None);
    /// <summary>A /01 register on the legacy part: the write is warned as reserved and the register reads 0.</summary>
    private static void AssertReserved(Machine m, StringWriter warnings, uint address, uint value, string warning)
    {
        W(m, address, value);
        Assert.Equal(0u, R(m, address));
        Assert.Contains(warning, warnings.ToString());
    }

    private static uint Pads(Machine m) => ((Lpc2106Pins)m.Devices["gpio"]).PadLevels;

    /// <summary>UM10275 §3.7.1 Table 14, §8.6: SCS.GPIO0M selects which register set drives the pins; the two sets are independent.</summary>
    [Fact]
    public void Gpio0mSelectsTheFastSet_AndTheTwoSetsAreIndependent()
    {
        using var m = Create(true, out var warnings);
        Assert.Equal(0u, R(m, Scb + Lpc2106SystemControl.SCS));   // reset value 0: legacy GPIO
        W(m, Gpio + Lpc2106Pins.IODIR, 1u << 7);
        W(m, Gpio + Lpc2106Pins.IOCLR, 1u << 7);
        W(m, Fio + Lpc2106Pins.FIODIR, 1u << 7);
        W(m, Fio + Lpc2106Pins.FIOSET, 1u << 7);                  // fast set not selected: the pin stays low
        Assert.Equal(0u, Pads(m) & (1u << 7));
        Assert.Equal(1u << 7, R(m, Fio + Lpc2106Pins.FIOSET));     // but the fast output register holds it
        W(m, Scb + Lpc2106SystemControl.SCS, 1);
        Assert.Equal(1u, R(m, Scb + Lpc2106SystemControl.SCS));
        Assert.Equal(1u << 7, Pads(m) & (1u << 7));               // now the fast set drives P0.7
        Assert.Equal(0u, R(m, Gpio + Lpc2106Pins.IOSET) & (1u << 7)); // "not observable via the legacy register"
        W(m, Gpio + Lpc2106Pins.IOSET, 1u << 7);
        W(m, Fio + Lpc2106Pins.FIOCLR, 1u << 7);
        Assert.Equal(0u, Pads(m) & (1u << 7));
        Assert.NotEqual(0u, R(m, Fio + Lpc2106Pins.FIOPIN) & 0xFFFF_FF7Fu); // FIOPIN reads the pads (undriven inputs high)
        Assert.Equal(0u, R(m, Fio + Lpc2106Pins.FIOCLR));          // write-only
        Assert.Contains("FIOCLR", warnings.ToString());
    }

    /// <summary>UM10275 §8.6.2, §8.7.2: FIOMASK protects pins from FIOPIN/FIOSET/FIOCLR writes and hides them from FIOPIN reads; byte and halfword registers.</summary>
    [Fact]
    public void FiomaskAndByteHalfwordAccesses_FollowSection8_7_2()
    {
        using var m = Create(true, out _);
        W(m, Scb + Lpc2106SystemControl.SCS, 1);
        W(m, Fio + Lpc2106Pins.FIODIR, 0x0000_FFFF);
        W(m, Fio + Lpc2106Pins.FIOPIN, 0x0000_00FF);
        Assert.Equal(0xFFu, Pads(m) & 0xFFFF);
        // Solution 1: FIO0MASK = 0xFFFF00FF; FIO0PIN = 0x0000A500
        W(m, Fio + Lpc2106Pins.FIOMASK, 0xFFFF_00FF);
        W(m, Fio + Lpc2106Pins.FIOPIN, 0x0000_A500);
        Assert.Equal(0xA5FFu, Pads(m) & 0xFFFF);
        Assert.Equal(0x0000_A500u, R(m, Fio + Lpc2106Pins.FIOPIN)); // masked bits read 0
        W(m, Fio + Lpc2106Pins.FIOSET, 0xFFFF_FFFF);
        Assert.Equal(0xFFFFu, Pads(m) & 0xFFFF);
        W(m, Fio + Lpc2106Pins.FIOCLR, 0x0000_0F0F);                // only P0.8-P0.11 cleared
        Assert.Equal(0xF0FFu, Pads(m) & 0xFFFF);
        // Solution 2: FIO0MASKL = 0x00FF; FIO0PINL = 0xA500 (halfword)
        W(m, Fio + Lpc2106Pins.FIOMASK, 0);
        m.Bus.Write16(Fio + Lpc2106Pins.FIOMASK, 0x00FF, AccessFlags.Write);
        Assert.Equal(0x0000_00FFu, R(m, Fio + Lpc2106Pins.FIOMASK));
        m.Bus.Write16(Fio + Lpc2106Pins.FIOPIN, 0x1200, AccessFlags.Write);
        Assert.Equal(0x12FFu, Pads(m) & 0xFFFF);
        // Solution 3: FIO0PIN1 = 0xA5 (byte), with no mask
        W(m, Fio + Lpc2106Pins.FIOMASK, 0);
        m.Bus.Write8(Fio + Lpc2106Pins.FIOPIN + 1, 0xA5, AccessFlags.Write);
        Assert.Equal(0xA5FFu, Pads(m) & 0xFFFF);
        Assert.Equal(0xA5u, m.Bus.Read8(Fio + Lpc2106Pins.FIOPIN + 1, AccessFlags.None));
        m.Bus.Write8(Fio + Lpc2106Pins.FIOSET + 0, 0x00, AccessFlags.Write); // a byte of zeros sets nothing
        m.Bus.Write8(Fio + Lpc2106Pins.FIOCLR + 1, 0x0F, AccessFlags.Write);
        Assert.Equal(0xA0FFu, Pads(m) & 0xFFFF);
        Assert.Equal(0x0000_FFFFu, m.Bus.Read16(Fio + Lpc2106Pins.FIODIR, AccessFlags.None));
    }

    /// <summary>
    /// The fast registers are on the local bus (UM10275 §8.6: "fastest possible read and write timing";
    /// no cycle count given): we choose zero wait states, the SRAM's, against the APB's 2 for IOSET.
    /// </summary>
    [Fact]
    public void AFastGpioAccessCostsOneCycle_TheLegacyOneThree()
    {
        using var m = Create(true, out _);
        long t0 = m.Scheduler.Cycles;
        W(m, Fio + Lpc2106Pins.FIOSET, 0);
        long fast = m.Scheduler.Cycles - t0;
        t0 = m.Scheduler.Cycles;
        W(m, Gpio + Lpc2106Pins.IOSET, 0);
        long legacy = m.Scheduler.Cycles - t0;
        Assert.Equal(1, fast);
        Assert.Equal(3, legacy);
    }

    /// <summary>
    /// Firmware toggling P0.7 in SRAM (STR to SET, STR to CLR, B back) through <paramref name="port"/>
    /// (offsets <paramref name="set"/>, <paramref name="clr"/>): the CCLK cycles from each rising edge of the pad
    /// to its falling edge and to the next rising edge.
    /// </summary>
    private static (long High, long Period) Toggle(Machine m, uint port, uint set, uint clr)
    {
        uint[] code =
        [
            0xE59F0018,                // ldr r0, [pc, #0x18]  (the word at 0x40000020)
            0xE3A01080,                // mov r1, #0x80
            0xE5801000 | set,          // loop: str r1, [r0, #set]
            0xE5801000 | clr,          //       str r1, [r0, #clr]
            0xEAFFFFFC,                //       b loop
        ];
        for (int i = 0; i < code.Length; i++) m.Bus.DebugWrite32(0x40000000 + 4 * (uint)i, code[i]);
        m.Bus.DebugWrite32(0x40000020, port);
        var cclk = m.Clocks["CCLK"];
        var edges = new List<(long Cycle, bool Level)>();
        ((Lpc2106Pins)m.Devices["gpio"]).PadChanged += (pad, level, tick) => { if (pad == 7) edges.Add((cclk.EdgesAt(tick), level)); };
        m.Cpu.ResetTo(0x40000000);
        m.Run(m.Scheduler.Cycles + 200);
        var rises = edges.Where(e => e.Level).Select(e => e.Cycle).ToList();
        var falls = edges.Where(e => !e.Level).Select(e => e.Cycle).ToList();
        Assert.True(rises.Count >= 5 && falls.Count >= 5);
        long high = falls.First(f => f > rises[1]) - rises[1];
        long period = rises[2] - rises[1];
        Assert.All(rises.Zip(rises.Skip(1)), p => Assert.Equal(period, p.Second - p.First));
        return (high, period);
    }

    /// <summary>
    /// The loop on the CPU: an STR is 2 cycles (2N) plus the target's wait states, B 3 (2S + 1N). Through
    /// FIOSET/FIOCLR (local bus, zero wait states: our choice) the pad is high 2 cycles in a period of 7;
    /// through IOSET/IOCLR (APB, 2 wait states) high 4 in 11.
    /// </summary>
    [Fact]
    public void ToggleLoopOnThePad_FastGpioAgainstLegacyGpio()
    {
        using (var m = Create(true, out _))
        {
            W(m, Scb + Lpc2106SystemControl.SCS, 1);
            W(m, Fio + Lpc2106Pins.FIODIR, 1u << 7);
            Assert.Equal((2L, 7L), Toggle(m, Fio, Lpc2106Pins.FIOSET, Lpc2106Pins.FIOCLR));
        }
        using (var m = Create(true, out _))
        {
            W(m, Gpio + Lpc2106Pins.IODIR, 1u << 7);
            Assert.Equal((4L, 11L), Toggle(m, Gpio, Lpc2106Pins.IOSET, Lpc2106Pins.IOCLR));
        }
    }

    /// <summary>The legacy part (the base board): no SCS (reserved, warned) and nothing at 0x3FFFC000 (a data abort), as before.</summary>
    [Fact]
    public void TheLegacyPartHasNoScsNorFastGpio()
    {
        using var m = Create(false, out var warnings);
        AssertReserved(m, warnings, Scb + Lpc2106SystemControl.SCS, 1, "write of reserved offset 0x1A0");
        Assert.Null(m.Bus.FindMapping(Fio));
        m.Bus.Aborted = false;
        R(m, Fio + Lpc2106Pins.FIOPIN);
        Assert.True(m.Bus.Aborted);
    }

    /// <summary>A part that is neither is a one-line error naming the device.</summary>
    [Fact]
    public void AnUnknownPartIsAOneLineError()
    {
        var e = Assert.ThrowsAny<Exception>(() => Create(false, out _, "peripherals.gpio.parameters.part=02"));
        Assert.Contains("gpio: part must be \"legacy\" or \"01\", not \"02\"", e.Message);
    }

    private const uint Uart0 = 0xE000C000;

    /// <summary>
    /// Sends 0x55 (8N1: every bit an edge) on TXD0 (P0.0) with divisor 4 and UnFDR = <paramref name="fdr"/>
    /// and returns each edge of the pad as a PCLK edge count from the start bit's falling edge.
    /// </summary>
    private static List<long> TxdEdges(Machine m, uint fdr)
    {
        var pins = (Lpc2106Pins)m.Devices["gpio"];
        var pclk = m.Clocks["PCLK"];
        var ticks = new List<long>();
        pins.PadChanged += (pad, _, tick) => { if (pad == 0) ticks.Add(tick); };
        W(m, Pcb, 1);                                              // PINSEL0: P0.0 = TxD0
        W(m, Uart0 + Lpc2000Uart.UnLCR, 0x83);                     // DLAB
        W(m, Uart0 + Lpc2000Uart.UnDLL, 4);
        W(m, Uart0 + Lpc2000Uart.UnDLM, 0);
        W(m, Uart0 + Lpc2000Uart.UnLCR, 0x03);                     // 8N1
        W(m, Uart0 + Lpc2000Uart.UnFDR, fdr);
        W(m, Uart0 + Lpc2000Uart.UnTHR, 0x55);
        m.Run(m.Scheduler.Cycles + 20_000);
        Assert.True(ticks.Count >= 10, $"{ticks.Count} edges on TXD0");
        long e0 = pclk.EdgesAt(ticks[0]);
        foreach (long t in ticks) Assert.Equal(t, pclk.TimeOfEdge(pclk.EdgesAt(t))); // every edge on a PCLK edge
        return ticks.Select(t => pclk.EdgesAt(t) - e0).ToList();
    }

    /// <summary>
    /// UM10275 §9.5.4, equation 2: baud = PCLK / (16 × DL × (1 + DIVADDVAL / MULVAL)). With DL = 4, MULVAL 5,
    /// DIVADDVAL 2 a bit lasts 16 × 4 × 7 / 5 = 89.6 PCLKs: bit i begins ⌊89.6 i⌋ PCLKs after the start bit
    /// (the pre-scaler's dropped pulses spread evenly, our documented choice), the stop bit ends at 896 exactly.
    /// </summary>
    [Fact]
    public void TheFractionalDividerSetsTheBitTimeOnTxd0_AsEquation2Gives()
    {
        using var m = Create(true, out var warnings);
        Assert.Equal(Lpc2000Uart.ResetFDR, R(m, Uart0 + Lpc2000Uart.UnFDR));
        var edges = TxdEdges(m, 0x52);
        // 0x55 LSB first: start 0, 1,0,1,0,1,0,1,0, stop 1: an edge at every bit boundary 0..9.
        long[] expected = Enumerable.Range(0, 10).Select(i => 16L * i * 4 * 7 / 5).ToArray();
        Assert.Equal(expected, edges.Take(10));
        Assert.Equal(896, 16L * 10 * 4 * 7 / 5);                   // the frame: 10 × 89.6 PCLKs
        Assert.Equal(0x52u, R(m, Uart0 + Lpc2000Uart.UnFDR));
        Assert.Equal("", warnings.ToString());
    }

    /// <summary>UnFDR's reset value 0x10 (MULVAL 1, DIVADDVAL 0) leaves the baud rate as DL alone gives: 64 PCLKs per bit with DL = 4.</summary>
    [Fact]
    public void TheResetFdrDoesNotDivide_AndAnUndefinedFdrIsWarned()
    {
        using var m = Create(true, out var warnings);
        var edges = TxdEdges(m, 0x35);                             // DIVADDVAL 5 >= MULVAL 3: undefined, warned, no pre-scaling
        Assert.Equal(Enumerable.Range(0, 10).Select(i => 64L * i), edges.Take(10));
        Assert.Contains("UnFDR = 0x35 (MULVAL 3, DIVADDVAL 5) breaks 0 < MULVAL, DIVADDVAL < MULVAL", warnings.ToString());
    }

    /// <summary>UM10275 §9.5.4: "If the fractional divider is active (DIVADDVAL > 0) and DLM = 0, the value of the DLL register must be 3 or greater."</summary>
    [Fact]
    public void AnActiveDividerWithDllBelow3IsWarned()
    {
        using var m = Create(true, out var warnings);
        W(m, Uart0 + Lpc2000Uart.UnLCR, 0x83);
        W(m, Uart0 + Lpc2000Uart.UnDLL, 2);
        W(m, Uart0 + Lpc2000Uart.UnLCR, 0x03);
        W(m, Uart0 + Lpc2000Uart.UnFDR, 0x21);
        W(m, Uart0 + Lpc2000Uart.UnTHR, 0x55);
        Assert.Contains("UnDLL = 2 with UnDLM = 0 and the fractional divider active (DIVADDVAL = 1): the manual asks UnDLL >= 3", warnings.ToString());
    }

    /// <summary>The legacy part: UnFDR (offset 0x28) is reserved (warned, reads 0, no effect on the bit time).</summary>
    [Fact]
    public void TheLegacyPartHasNoFdr()
    {
        using var m = Create(false, out var warnings);
        var edges = TxdEdges(m, 0x52);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => 64L * i), edges.Take(10));
        Assert.Equal(0u, R(m, Uart0 + Lpc2000Uart.UnFDR));
        Assert.Contains("uart0: write to reserved offset 0x028 ignored", warnings.ToString());
    }

    private const uint Timer1 = 0xE0008000;

    /// <summary>
    /// UM10275 §14.7.3: T1CTCR = 0x3 counts both edges of CAP1.0, here pad P0.10 (PINSEL0[21:20] = 10) driven
    /// from outside: five pulses are ten edges; the same pulses on an unselected pad count nothing.
    /// </summary>
    [Fact]
    public void CounterModeCountsEdgesOnTheCapPin()
    {
        using var m = Create(true, out var warnings);
        var pins = (Lpc2106Pins)m.Devices["gpio"];
        W(m, Pcb, 2u << 20);                                       // P0.10 = CAP1.0
        W(m, Timer1 + Lpc2000Timer.CTCR, 0x3);
        W(m, Timer1 + Lpc2000Timer.TCR, 1);
        for (int k = 0; k < 5; k++)
        {
            pins.DrivePad(10, false); m.Run(m.Scheduler.Cycles + 20);
            pins.DrivePad(10, true); m.Run(m.Scheduler.Cycles + 20);
            pins.DrivePad(11, false); m.Run(m.Scheduler.Cycles + 20); // P0.11 (CAP1.1 not selected)
            pins.DrivePad(11, true); m.Run(m.Scheduler.Cycles + 20);
        }
        Assert.Equal(10u, R(m, Timer1 + Lpc2000Timer.TC));
        Assert.Equal("", warnings.ToString());
    }

    /// <summary>The legacy part: T1CTCR (offset 0x70) is reserved, and Timer1 counts PCLK whatever CAP1.0 does.</summary>
    [Fact]
    public void TheLegacyPartHasNoCounterMode()
    {
        using var m = Create(false, out var warnings);
        AssertReserved(m, warnings, Timer1 + Lpc2000Timer.CTCR, 0x3, "timer1: write to reserved offset 0x070 ignored");
        W(m, Timer1 + Lpc2000Timer.TCR, 1);
        m.Run(m.Scheduler.Cycles + 400);
        Assert.True(R(m, Timer1 + Lpc2000Timer.TC) >= 90);         // ~100 PCLKs (CCLK / 4)
    }

    /// <summary>
    /// A checkpoint of the /01 part carries its additions: SCS, the fast GPIO registers, UnFDR with the frame
    /// in flight (its fractional bit times), CTCR and the counted input's last sample. A machine loaded mid-frame
    /// puts the same edges on TXD0 as the one that went on.
    /// </summary>
    [Fact]
    public void ACheckpointCarriesThe01Registers_AndAFractionalFrameInFlight()
    {
        using var a = Create(true, out _);
        W(a, Scb + Lpc2106SystemControl.SCS, 1);
        W(a, Fio + Lpc2106Pins.FIODIR, 0x80);
        W(a, Fio + Lpc2106Pins.FIOMASK, 0xF000);
        W(a, Fio + Lpc2106Pins.FIOPIN, 0x80);
        W(a, Timer1 + Lpc2000Timer.CTCR, 0x5);
        W(a, Pcb, 1);
        W(a, Uart0 + Lpc2000Uart.UnLCR, 0x83);
        W(a, Uart0 + Lpc2000Uart.UnDLL, 4);
        W(a, Uart0 + Lpc2000Uart.UnLCR, 0x03);
        W(a, Uart0 + Lpc2000Uart.UnFDR, 0x52);
        W(a, Uart0 + Lpc2000Uart.UnTHR, 0x55);
        a.Run(a.Scheduler.Cycles + 1000);                         // mid-frame: the frame lasts 896 PCLKs = 3584 cycles
        using var state = new MemoryStream();
        a.SaveState(state);
        using var b = Create(true, out _);
        state.Position = 0;
        b.LoadState(state);
        foreach (var (address, value) in new[] { (Scb + Lpc2106SystemControl.SCS, 1u), (Fio + Lpc2106Pins.FIODIR, 0x80u),
            (Fio + Lpc2106Pins.FIOMASK, 0xF000u), (Fio + Lpc2106Pins.FIOSET, 0x80u), (Timer1 + Lpc2000Timer.CTCR, 0x5u), (Uart0 + Lpc2000Uart.UnFDR, 0x52u) })
        {
            Assert.Equal(value, R(a, address));
            Assert.Equal(value, R(b, address));
        }
        List<long> After(Machine m)
        {
            var ticks = new List<long>();
            ((Lpc2106Pins)m.Devices["gpio"]).PadChanged += (pad, _, tick) => { if (pad == 0) ticks.Add(tick); };
            m.Run(m.Scheduler.Cycles + 4000);
            return ticks;
        }
        var ea = After(a);
        Assert.NotEmpty(ea);
        Assert.Equal(ea, After(b));
    }
}
