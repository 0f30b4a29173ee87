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

    /// <summary>Cycles of 100 more iterations of <paramref name="words"/> (at 0 or in SRAM; word 0 is
    /// <c>mov r0, #n</c>, the loop ends at <paramref name="end"/>) under MAMTIM and MAMCR, with r2 = 0x100 past the start.</summary>
    private static long PerHundred(uint mamcr, uint mamtim, bool fromSram, uint end, params uint[] words)
    {
        long Loop(int n)
        {
            using var m = Create(out _);
            uint at = fromSram ? 0x40000000u : 0u;
            var w = (uint[])words.Clone();
            w[0] = 0xE3A00000 | (uint)n;
            Program(m, at, w);
            Reg(m, Lpc2106SystemControl.MAMTIM, mamtim);
            Reg(m, Lpc2106SystemControl.MAMCR, mamcr);
            m.Cpu.ResetTo(at);
            m.Cpu.SetRegister(2, at + 0x100);
            m.RunUntil(at + end);
            return m.Scheduler.Cycles;
        }
        return Loop(200) - Loop(100);
    }

    private const uint Nop = 0xE1A00000, Subs = 0xE2500001, Halt = 0xEAFFFFFE;

    /// <summary>
    /// A loop over three flash lines and into a fourth, the two-bank rules of UM10275 §4.2 at work:
    /// <c>subs r0, r0, #1</c> at 0x10, ten <c>mov r0, r0</c>, <c>bne 0x10</c> at 0x3C. An iteration is 14
    /// fetches, 0x18..0x44 sequential (the bne's first cycle fetches 0x44) then 0x10 N and 0x14 S: 14
    /// cycles from SRAM. Lines: 1 (0x10, bank 1), 2 (0x20, bank 0), 3 (0x30, bank 1), 4 (0x40, bank 0).
    /// Steady state, from the rules: line 1 stays in bank 1's branch trail buffer (loaded with line 0 by
    /// the first miss, at 0); line 2 in bank 0's (its second-iteration miss: its first prefetch, started
    /// by 0x0C, was replaced by line 4's, started by 0x2C); line 4 in bank 0's prefetch buffer (0x2C
    /// finds it there from then on). In bank 1, 0x1C (line 1's last word) starts line 3 and 0x3C starts
    /// line 5, each replacing the other in the prefetch buffer.
    /// MAMTIM = 3, mode 2: line 3 starts when 0x1C is delivered and is asked for 4 fetches later, ready:
    /// 14 × 1 = 14. Mode 1: the N fetch of 0x10 mimics a flash read (Table 30 note 2): 14 − 1 + 3 = 16.
    /// Mode 0: 14 × 3 = 42.
    /// MAMTIM = 7, mode 2: line 5, started when 0x3C is delivered at T and due at T + 7, is abandoned
    /// at T + 6, when 0x1C of the next iteration starts line 3 again (a new read in a bank abandons its
    /// prefetch: the busy time never piles up); so line 5 never reaches the prefetch buffer, line 3
    /// stays there and 0x30 hits: 14. Mode 1: 0x10 costs 7, so 0x1C is delivered at T + 12, line 5 has
    /// replaced line 3 by then, and 0x30, asked for 4 cycles after line 3's read started, waits
    /// 7 − 4 = 3: 14 − 1 + 7 (0x10) − 1 + 3 (0x30) = 22. Mode 0: 14 × 7 = 98.
    /// </summary>
    [Theory]
    [InlineData(0u, 3u, false, 42)]
    [InlineData(1u, 3u, false, 16)]
    [InlineData(2u, 3u, false, 14)]
    [InlineData(0u, 7u, false, 98)]
    [InlineData(1u, 7u, false, 22)]
    [InlineData(2u, 7u, false, 14)]
    [InlineData(2u, 7u, true, 14)]
    public void LoopOverFourLinesCyclesPerIteration_ByMamModeAndTiming(uint mamcr, uint mamtim, bool fromSram, int perIteration)
    {
        var words = new uint[17];
        words[1] = 0xEA000001;                     // 0x04: b 0x10
        words[4] = Subs;                           // 0x10
        for (int i = 5; i < 15; i++) words[i] = Nop; // 0x14..0x38
        words[15] = 0x1AFFFFF3;                    // 0x3C: bne 0x10
        words[16] = Halt;                          // 0x40
        Assert.Equal(100L * perIteration, PerHundred(mamcr, mamtim, fromSram, 0x40, words));
    }

    /// <summary>
    /// Data reads from flash (UM10275 §4.3.2, Table 31): <c>ldr r1, [r2]; ldr r3, [r2, #k]; subs; bne</c>
    /// at 0x10-0x1C with r2 = 0x100, MAMTIM = 3. An LDR is its fetch (S), the data read (N) and an
    /// internal cycle; the next fetch is S. An iteration: fetches 0x18, 0x1C, 0x20, 0x24 S, 0x10 N,
    /// 0x14 S, two data reads, two internal cycles; from SRAM 10 cycles. The code lines stay buffered
    /// (line 1 in bank 1's branch trail buffer, line 2 in bank 0's prefetch buffer, started by 0x0C).
    /// k = 4, both words in line 0x100 (the data latch): mode 2 serves both from the latch, 1 cycle each:
    /// 10. Mode 1 uses the latch with a flash read's timing (note 1): 10 + 2 × 2 data + 2 for 0x10 N = 16.
    /// Mode 0: 8 accesses × 3 + 2 = 26. k = 0x10, two lines (banks 0 and 1) evicting each other from
    /// the one data latch: mode 2 reads the flash every time, 10 + 2 × 2 = 14; modes 1 and 0 as for k = 4
    /// (16 and 26): their timing never depended on the latch.
    /// </summary>
    [Theory]
    [InlineData(0u, 4u, 26)]
    [InlineData(1u, 4u, 16)]
    [InlineData(2u, 4u, 10)]
    [InlineData(0u, 0x10u, 26)]
    [InlineData(1u, 0x10u, 16)]
    [InlineData(2u, 0x10u, 14)]
    public void DataReadsFromFlashCyclesPerIteration_ByMamMode(uint mamcr, uint k, int perIteration)
    {
        var words = new uint[]
        {
            0, 0xEA000001, 0, 0,                   // 0x00: mov r0, #n; b 0x10
            0xE5921000, 0xE5923000 | k,            // 0x10: ldr r1, [r2]; ldr r3, [r2, #k]
            Subs, 0x1AFFFFFB,                      // 0x18: subs; bne 0x10
            Halt,                                  // 0x20
        };
        Assert.Equal(100L * perIteration, PerHundred(mamcr, 3, false, 0x20, words));
        Assert.Equal(1000L, PerHundred(mamcr, 3, true, 0x20, words));
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
