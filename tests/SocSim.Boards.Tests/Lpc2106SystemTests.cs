using SocSim.Core;
using SocSim.Peripherals;

namespace SocSim.Boards.Tests;

/// <summary>
/// The LPC2106 system control block on a core-only board: the clock tree (PLL, VPBDIV) changing
/// frequencies at run time, the MAM's flash timing in each mode, MEMMAP, idle mode.
/// </summary>
public sealed class Lpc2106SystemTests
{
    private static string CoreBoard => Path.Combine(TestFiles.RepoRoot, "tests", "assets", "boards", "lpc2106-core.json");
    private const uint Scb = 0xE01FC000;
    private const long Fosc = 14_745_600;

    private static Machine Create(out StringWriter warnings)
    {
        warnings = new StringWriter();
        return Machine.Create(BoardLoader.Load([CoreBoard], []), new MachineOptions { Warnings = warnings });
    }

    private static void Reg(Machine m, uint offset, uint value)
    {
        bool abort = false;
        m.Devices["scb"].Write(Scb + offset, 4, value, AccessFlags.Privileged, ref abort);
    }

    private static uint Reg(Machine m, uint offset)
    {
        bool abort = false;
        return m.Devices["scb"].Read(Scb + offset, 4, AccessFlags.Privileged, ref abort);
    }

    private static void Feed(Machine m)
    {
        Reg(m, Lpc2106SystemControl.PLLFEED, 0xAA);
        Reg(m, Lpc2106SystemControl.PLLFEED, 0x55);
    }

    private static void Program(Machine m, uint address, params uint[] words)
    {
        for (int i = 0; i < words.Length; i++) m.Bus.DebugWrite32(address + 4 * (uint)i, words[i]);
    }

    [Fact]
    public void TimeBaseHoldsTheCrystalAndEveryCommonPllSettingExactly()
    {
        var b = BoardLoader.Load([CoreBoard], []);
        // After reset CCLK = FOSC and PCLK = FOSC / 4 (VPBDIV = 0).
        Assert.Equal(Fosc, b.Clock("CCLK").FrequencyHz);
        Assert.Equal(Fosc / 4, b.Clock("PCLK").FrequencyHz);
        // The cap keeps 2^63 ticks above 10^6 seconds; within it the time base takes the PLL's
        // multipliers in order: every M whose M x FOSC fits lcm(1..15) x FOSC is exact
        // (M = 1..15, 18, 20, 21, 22, 24, 26, 28, 30), the others (16, 17, 19, 23, 25, 27, 29, 31, 32,
        // all above the data sheet's 60 MHz) have edges rounded up to whole ticks.
        Assert.True(long.MaxValue / b.TicksPerSecond >= BoardResolver.MinimumSecondsOfTime);
        Assert.Equal(360360 * Fosc, b.TicksPerSecond);
        foreach (long m in new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18, 20, 21, 22, 24, 26, 28, 30 })
            foreach (long d in new long[] { 1, 2, 4 })
                Assert.Equal(0, b.TicksPerSecond % (m * Fosc / d));
        foreach (long m in new long[] { 16, 17, 19, 23, 25, 27, 29, 31, 32 })
            Assert.NotEqual(0, b.TicksPerSecond % (m * Fosc));
    }

    [Fact]
    public void PllStartsAsTheUserManualPrescribes_AndCclkChangesAtTheConnect()
    {
        using var m = Create(out var warnings);
        Program(m, 0x40000000, 0xEAFFFFFE);                          // b . in SRAM
        m.Cpu.ResetTo(0x40000000);
        Assert.Equal(1u, Reg(m, Lpc2106SystemControl.MEMMAP));       // as the boot loader leaves it
        Assert.Equal(7u, Reg(m, Lpc2106SystemControl.MAMTIM));       // MAMTIM reset value
        Reg(m, Lpc2106SystemControl.PLLCFG, 0x23);                   // M = 4, P = 2: CCO = 235.9 MHz
        Reg(m, Lpc2106SystemControl.PLLCON, 1);                      // enable
        Assert.Equal(0u, Reg(m, Lpc2106SystemControl.PLLSTAT));      // nothing until the feed
        Feed(m);
        Assert.Equal(0x123u, Reg(m, Lpc2106SystemControl.PLLSTAT));  // PLLE, M-1 = 3, P = 2, not locked
        Assert.Equal(Fosc, m.Clocks["CCLK"].FrequencyHz);
        // Lock 100 µs later: 1474.56 CPU cycles at 14.7456 MHz.
        long fed = m.Scheduler.Cycles;
        m.Run(fed + 1470);
        Assert.Equal(0u, Reg(m, Lpc2106SystemControl.PLLSTAT) & Lpc2106SystemControl.PLOCK);
        m.Run(fed + 1480);
        Assert.NotEqual(0u, Reg(m, Lpc2106SystemControl.PLLSTAT) & Lpc2106SystemControl.PLOCK);
        Assert.True(m.Devices["vic"] is Lpc2106Vic v && (v.Pl190.RawInterrupts & (1u << 12)) != 0, "PLOCK drives VIC channel 12");
        Assert.Equal(Fosc, m.Clocks["CCLK"].FrequencyHz);           // enabled, locked, not connected
        Reg(m, Lpc2106SystemControl.PLLCON, 3);
        Feed(m);
        Assert.Equal(4 * Fosc, m.Clocks["CCLK"].FrequencyHz);
        Assert.Equal(Fosc, m.Clocks["PCLK"].FrequencyHz);            // still CCLK / 4
        Reg(m, Lpc2106SystemControl.VPBDIV, 1);
        Assert.Equal(4 * Fosc, m.Clocks["PCLK"].FrequencyHz);
        Reg(m, Lpc2106SystemControl.VPBDIV, 3);                       // reserved: kept
        Assert.Equal(4 * Fosc, m.Clocks["PCLK"].FrequencyHz);
        Assert.Equal("", warnings.ToString());
    }

    [Fact]
    public void CyclesAfterTheConnectLastOneQuarterAsLong_TimeStaysExact()
    {
        using var m = Create(out _);
        Program(m, 0x40000000, 0xEAFFFFFE);                           // b . in SRAM
        m.Cpu.ResetTo(0x40000000);
        m.Run(1000);
        long ns0 = m.SimulatedNanoseconds;
        long tick0 = m.Scheduler.Now;
        Assert.Equal((long)((Int128)1000 * 1_000_000_000 / Fosc), ns0);
        Reg(m, Lpc2106SystemControl.PLLCFG, 0x23);
        Reg(m, Lpc2106SystemControl.PLLCON, 1);
        Feed(m);
        m.Run(5000);                                                   // locked by now
        Reg(m, Lpc2106SystemControl.PLLCON, 3);
        Feed(m);
        long c = m.Scheduler.Cycles, t = m.Scheduler.Now;
        m.Run(c + 4_000_000);
        // Every cycle after the connect lasts exactly 1 / 58.9824 MHz.
        long ran = m.Scheduler.Cycles - c;
        Assert.InRange(ran, 4_000_000, 4_000_003);
        Assert.Equal((Int128)ran * m.Scheduler.TicksPerSecond, (Int128)(m.Scheduler.Now - t) * (4 * Fosc));
        Assert.Equal(4 * Fosc, m.Scheduler.CpuClock.FrequencyHz);
        Assert.True(tick0 < t);
    }

    [Fact]
    public void OutOfRangeCcoIsAWarningNamingTheSettingAndTheLimit_AndRunsAsProgrammed()
    {
        using var m = Create(out var warnings);
        Program(m, 0x40000000, 0xEAFFFFFE);
        m.Cpu.ResetTo(0x40000000);
        Reg(m, Lpc2106SystemControl.PLLCFG, 0x03);                    // M = 4, P = 1: the FreeRTOS demo's setting
        Reg(m, Lpc2106SystemControl.PLLCON, 1);
        Feed(m);
        Assert.Equal("socsim: warning: scb: PLLCFG = 0x03 (M = 4, P = 1) with FOSC = 14.7456 MHz puts the PLL's CCO at 117.9648 MHz, outside the data sheet's 156-320 MHz range (running as programmed)\n",
            warnings.ToString().Replace("\r\n", "\n"));
        m.Run(5000);
        Reg(m, Lpc2106SystemControl.PLLCON, 3);
        Feed(m);
        Assert.Equal(4 * Fosc, m.Clocks["CCLK"].FrequencyHz);
    }

    [Fact]
    public void AnIncompleteFeedChangesNothing()
    {
        using var m = Create(out _);
        Reg(m, Lpc2106SystemControl.PLLCFG, 0x23);
        Reg(m, Lpc2106SystemControl.PLLCON, 1);
        Reg(m, Lpc2106SystemControl.PLLFEED, 0xAA);
        Reg(m, Lpc2106SystemControl.PLLCFG, 0x23);                    // an access between the two feed writes
        Reg(m, Lpc2106SystemControl.PLLFEED, 0x55);
        Assert.Equal(0u, Reg(m, Lpc2106SystemControl.PLLSTAT));
        Reg(m, Lpc2106SystemControl.PLLFEED, 0x55);
        Assert.Equal(0u, Reg(m, Lpc2106SystemControl.PLLSTAT));
        Feed(m);
        Assert.Equal(0x123u, Reg(m, Lpc2106SystemControl.PLLSTAT));
    }

    /// <summary>
    /// One loop in flash under MAMCR 0, 1 and 2 (MAMTIM = 3) and the same loop in SRAM:
    /// <c>subs r0, r0, #1; bne</c>, all four fetches of an iteration in one 128-bit flash line
    /// (subs fetches +8, S; the taken bne fetches +8 S, the target N and target+4 S: 3S + 1N).
    /// Per iteration: MAM off, every fetch is a flash read: 4 × 3 = 12 cycles; mode 1, the line is
    /// latched but the non-sequential fetch mimics a flash read: 3 × 1 + 3 = 6; mode 2: 4 × 1 = 4;
    /// SRAM (no wait states): 4.
    /// </summary>
    [Theory]
    [InlineData(0u, false, 12)]
    [InlineData(1u, false, 6)]
    [InlineData(2u, false, 4)]
    [InlineData(2u, true, 4)]
    public void LoopCyclesPerIteration_ByMamMode(uint mamcr, bool fromSram, int perIteration)
    {
        long Loop(int n)
        {
            using var m = Create(out _);
            uint at = fromSram ? 0x40000000u : 0u;
            // at+0: mov r0, #n; at+4: b at+0x10; at+0x10: subs r0, r0, #1; at+0x14: bne at+0x10; at+0x18: b .
            Program(m, at, 0xE3A00000 | (uint)n, 0xEA000001, 0, 0, 0xE2500001, 0x1AFFFFFD, 0xEAFFFFFE);
            Reg(m, Lpc2106SystemControl.MAMTIM, 3);
            Reg(m, Lpc2106SystemControl.MAMCR, mamcr);
            m.Cpu.ResetTo(at);
            m.RunUntil(at + 0x18);
            return m.Scheduler.Cycles;
        }
        Assert.Equal(100L * perIteration, Loop(200) - Loop(100));
    }

    [Fact]
    public void MemmapUserRamMapsTheVectorsFromSram()
    {
        using var m = Create(out _);
        Program(m, 0, 0x11111111);
        Program(m, 0x40000000, 0x22222222);
        Program(m, 0x1E000, 0x33333333);
        uint Read0()
        {
            m.Bus.DebugWrite32(0x40000100, 0);
            // ldr r1, [r2] with r2 = 0, run from SRAM at 0x40000100.
            Program(m, 0x40000100, 0xE5921000, 0xEAFFFFFE);
            m.Cpu.ResetTo(0x40000100);
            m.Cpu.SetRegister(2, 0);
            m.RunUntil(0x40000104u);
            return m.Cpu.GetRegister(1);
        }
        Assert.Equal(0x11111111u, Read0());
        Reg(m, Lpc2106SystemControl.MEMMAP, 2);
        Assert.Equal(0x22222222u, Read0());
        Reg(m, Lpc2106SystemControl.MEMMAP, 0);
        Assert.Equal(0x33333333u, Read0());
    }

    [Fact]
    public void IdleStopsTheCoreUntilAnInterruptRequest()
    {
        using var m = Create(out _);
        // str r1, [r0] (PCON = IDL) then an endless loop; the PLL lock interrupt (VIC 12, as FIQ) wakes it.
        Program(m, 0x40000000, 0xE5801000, 0xEAFFFFFE);
        m.Cpu.ResetTo(0x40000000);
        m.Cpu.SetRegister(0, Scb + Lpc2106SystemControl.PCON);
        m.Cpu.SetRegister(1, Lpc2106SystemControl.PCON_IDL);
        bool abort = false;
        m.Devices["vic"].Write(0xFFFFF010, 4, 1u << 12, AccessFlags.Privileged, ref abort);   // VICIntEnable
        Reg(m, Lpc2106SystemControl.PLLCFG, 0x23);
        Reg(m, Lpc2106SystemControl.PLLCON, 1);
        Feed(m);
        long lockCycle = m.Scheduler.CycleAtOrAfter(m.Scheduler.Now + 100 * m.Scheduler.TicksPerSecond / 1_000_000);
        m.Run(m.Scheduler.Cycles + 2);
        Assert.True(m.Cpu.Sleeping);
        long instructions = m.Cpu.Instructions;
        m.Run(lockCycle - 1);
        Assert.True(m.Cpu.Sleeping);
        Assert.Equal(instructions, m.Cpu.Instructions);
        Assert.Equal(lockCycle - 1, m.Scheduler.Cycles);               // idle time passes without instructions
        m.Run(lockCycle + 10);
        Assert.False(m.Cpu.Sleeping);
        Assert.Equal(0u, Reg(m, Lpc2106SystemControl.PCON));           // IDL clears on the wake-up
        Assert.True(m.Cpu.Instructions > instructions);                // the loop after the store runs (IRQ masked)
    }
}
