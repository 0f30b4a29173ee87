using SocSim.Core;
using SocSim.Peripherals;

namespace SocSim.Boards.Tests;

/// <summary>
/// The LPC2106 board against the letter of its user manual, UM10275 Rev. 02 (issue 22's departures):
/// each test names the section it checks and failed before the model followed it.
/// </summary>
public sealed class Lpc2106ManualTests
{
    private static string Lpc => Path.Combine(TestFiles.BoardsDir, "lpc2106.json");
    private const uint Scb = 0xE01FC000, Gpio = 0xE0028000, Pcb = 0xE002C000, Timer0 = 0xE0004000, Vic = 0xFFFFF000;

    private static Machine Create(out StringWriter warnings, params string[] sets)
    {
        warnings = new StringWriter();
        var m = Machine.Create(BoardLoader.Load([Lpc], sets), new MachineOptions { Warnings = warnings });
        // b . in SRAM: the core idles in a loop while the tests poke registers through the bus.
        m.Bus.DebugWrite32(0x40000000, 0xEAFFFFFE);
        m.Cpu.ResetTo(0x40000000);
        return m;
    }

    /// <summary>A CPU access through the bus (so the bus's device filter sees it, as it sees the firmware's).</summary>
    private static void W(Machine m, uint address, uint value) => m.Bus.Write32(address, value, AccessFlags.Write);
    private static uint R(Machine m, uint address) => m.Bus.Read32(address, AccessFlags.None);

    /// <summary>
    /// UM10275 Table 10: an EXTINT flag is set only "if the EINTn function is selected for its pin".
    /// On the /01 part with EINT0 level-high sensitive, an unselected P0.16 must not assert VIC line 14.
    /// </summary>
    [Fact]
    public void ExtintFlagIsSetOnlyWhilePinselSelectsTheEintFunction()
    {
        using var m = Create(out _, "peripherals.scb.parameters.part=01");
        W(m, Scb + Lpc2106SystemControl.EXTPOLAR, 1);               // EINT0 high-active (level mode)
        W(m, Scb + Lpc2106SystemControl.EXTINT, 1);
        var vic = ((Lpc2106Vic)m.Devices["vic"]).Pl190;
        Assert.Equal(0u, R(m, Scb + Lpc2106SystemControl.EXTINT));
        Assert.Equal(0u, vic.RawInterrupts & (1u << 14));
        W(m, Pcb + 4, 1);                                            // PINSEL1: P0.16 = EINT0; nothing drives it: high
        Assert.Equal(1u, R(m, Scb + Lpc2106SystemControl.EXTINT));
        Assert.NotEqual(0u, vic.RawInterrupts & (1u << 14));
    }

    /// <summary>The legacy part (boards/lpc2106.json): EXTMODE and EXTPOLAR are /01 registers (UM10275 §3.1), reserved here.</summary>
    [Fact]
    public void TheBoardIsTheLegacyPart_ExtmodeAndExtpolarAreReserved()
    {
        using var m = Create(out var warnings);
        W(m, Scb + Lpc2106SystemControl.EXTPOLAR, 1);
        Assert.Equal(0u, R(m, Scb + Lpc2106SystemControl.EXTPOLAR));
        Assert.Contains("write of reserved offset 0x14C", warnings.ToString());
    }

    /// <summary>UM10275 §3.9.7: the feed's two writes "must be consecutive APB bus cycles": an access to another peripheral between them breaks it.</summary>
    [Fact]
    public void AnotherVpbAccessBetweenTheFeedWritesBreaksTheFeed()
    {
        using var m = Create(out _);
        W(m, Scb + Lpc2106SystemControl.PLLCFG, 0x23);
        W(m, Scb + Lpc2106SystemControl.PLLCON, 1);
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0xAA);
        R(m, Timer0 + Lpc2000Timer.TC);                             // an APB access to Timer0
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0x55);
        Assert.Equal(0u, R(m, Scb + Lpc2106SystemControl.PLLSTAT));
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0xAA);
        R(m, 0x40000000);                                            // SRAM is not on the APB: the feed holds
        R(m, Vic + Pl190Vic.VICIRQStatus);                           // nor is the VIC (AHB)
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0x55);
        Assert.Equal(0x123u, R(m, Scb + Lpc2106SystemControl.PLLSTAT));
    }

    /// <summary>
    /// UM10275 §3.9.2: "Hardware does not insure that the PLL is locked before it is connected": a connect
    /// before PLOCK runs CCLK from the PLL (warned), and a PLLCFG fed while connected does not drop CCLK to FOSC.
    /// </summary>
    [Fact]
    public void ConnectingBeforeLockRunsFromThePll_AndANewPllcfgWhileConnectedKeepsIt()
    {
        const long fosc = 14_745_600;
        using var m = Create(out var warnings);
        W(m, Scb + Lpc2106SystemControl.PLLCFG, 0x23);              // M = 4, P = 2
        W(m, Scb + Lpc2106SystemControl.PLLCON, 3);                  // enable and connect at once
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0xAA);
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0x55);
        Assert.Equal(0x323u, R(m, Scb + Lpc2106SystemControl.PLLSTAT)); // PLLE, PLLC, not locked
        Assert.Equal(4 * fosc, m.Clocks["CCLK"].FrequencyHz);
        Assert.Contains("connected before PLLSTAT.PLOCK", warnings.ToString());
        m.Run(m.Scheduler.Cycles + 10_000);                          // locked
        Assert.NotEqual(0u, R(m, Scb + Lpc2106SystemControl.PLLSTAT) & Lpc2106SystemControl.PLOCK);
        W(m, Scb + Lpc2106SystemControl.PLLCFG, 0x22);              // M = 3 while connected
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0xAA);
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0x55);
        Assert.Equal(3 * fosc, m.Clocks["CCLK"].FrequencyHz);
        Assert.Equal(0u, R(m, Scb + Lpc2106SystemControl.PLLSTAT) & Lpc2106SystemControl.PLOCK);
    }

    /// <summary>UM10275 Table 35, §4.9: a MAMTIM too small for CCLK (4 at 60 MHz and above) is a one-line warning.</summary>
    [Fact]
    public void MamtimTooSmallForCclkIsAWarning()
    {
        using var m = Create(out var warnings);
        W(m, Scb + Lpc2106SystemControl.MAMTIM, 3);
        Assert.Equal("", warnings.ToString());                       // 3 at 14.7456 MHz: plenty
        W(m, Scb + Lpc2106SystemControl.PLLCFG, 0x24);              // M = 5: 73.728 MHz
        W(m, Scb + Lpc2106SystemControl.PLLCON, 1);
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0xAA);
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0x55);
        m.Run(m.Scheduler.Cycles + 10_000);
        W(m, Scb + Lpc2106SystemControl.PLLCON, 3);
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0xAA);
        W(m, Scb + Lpc2106SystemControl.PLLFEED, 0x55);
        Assert.Contains("socsim: warning: scb: MAMTIM = 3 is too short for CCLK = 73.728 MHz: the manual asks 4 CCLKs (UM10275 Table 35)", warnings.ToString());
    }

    /// <summary>
    /// UM10275 §3.10.3: "valid read ... and valid write ... is possible only if that peripheral is
    /// enabled in the PCONP register". Reset value 0x3BE (Table 27's bits; Table 25's 0x1FBE adds bits
    /// 10-12, GPIO, the pin connect block and an unused slot, which PCONP cannot turn off).
    /// </summary>
    [Fact]
    public void PconpGatesTheRegistersOfTheTurnedOffPeripheral()
    {
        using var m = Create(out var warnings);
        Assert.Equal(0x3BEu, R(m, Scb + Lpc2106SystemControl.PCONP));
        W(m, Timer0 + Lpc2000Timer.PR, 7);
        W(m, Scb + Lpc2106SystemControl.PCONP, 0x3BE & ~2u);        // PCTIM0 off
        Assert.Equal(0u, R(m, Timer0 + Lpc2000Timer.PR));
        W(m, Timer0 + Lpc2000Timer.PR, 9);
        W(m, Scb + Lpc2106SystemControl.PCONP, 0x3BE);
        Assert.Equal(7u, R(m, Timer0 + Lpc2000Timer.PR));
        Assert.Contains("while PCONP bit 1 is 0", warnings.ToString());
        W(m, Gpio + 8, 1);                                            // GPIO has no PCONP bit: always on
        Assert.Equal(1u, R(m, Gpio + 8));
    }

    /// <summary>
    /// UM10275 §17.4.3: "an abort condition will occur if an interrupt happens during the feed sequence":
    /// the core's IRQ entry between 0xAA and 0x55 triggers the watchdog (the handler never touches it),
    /// on the second PCLK edge after the entry; an interrupt after a completed feed does not.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnInterruptDuringTheWatchdogFeedTriggersTheWatchdog(bool interruptInsideTheFeed)
    {
        const uint Wdt = 0xE0000000;
        using var m = Create(out _);
        m.Bus.DebugWrite32(0x18, 0xEAFFFFFE);                        // the IRQ vector: b .
        W(m, Wdt + Lpc2000Watchdog.WDTC, 0x100000);                  // no time-out within the test
        W(m, Wdt + Lpc2000Watchdog.WDMOD, Lpc2000Watchdog.WDEN);
        W(m, Wdt + Lpc2000Watchdog.WDFEED, 0xAA);
        W(m, Wdt + Lpc2000Watchdog.WDFEED, 0x55);                    // the watchdog runs
        W(m, Wdt + Lpc2000Watchdog.WDFEED, 0xAA);
        if (!interruptInsideTheFeed) W(m, Wdt + Lpc2000Watchdog.WDFEED, 0x55);
        W(m, Vic + Pl190Vic.VICIntEnable, 1u << 1);
        W(m, Vic + Pl190Vic.VICSoftInt, 1u << 1);                    // an IRQ request, taken once I is clear
        long entry = -1;
        m.Core.ExceptionEntered += v => { if (v == 0x18 && entry < 0) entry = m.Scheduler.Now; };
        m.WriteRegister(16, 0x13);                                   // SVC mode, IRQ and FIQ enabled
        m.RunFor(400);
        Assert.True(entry >= 0, "the IRQ was not taken");
        var wdt = (Lpc2000Watchdog)m.Devices["wdt"];
        if (interruptInsideTheFeed)
        {
            Assert.True(wdt.Int.Level);
            Assert.Equal(Lpc2000Watchdog.WDTOF | Lpc2000Watchdog.WDINT, m.Bus.Read32(Wdt + Lpc2000Watchdog.WDMOD, AccessFlags.None));
        }
        else
        {
            Assert.False(wdt.Int.Level);
            Assert.Equal(Lpc2000Watchdog.WDEN, m.Bus.Read32(Wdt + Lpc2000Watchdog.WDMOD, AccessFlags.None));
        }
    }

    /// <summary>
    /// UM10275 §2.2 and Fig 5: "the entire Boot Block is mapped to the top of the on-chip memory space",
    /// 0x7FFFE000-0x7FFFFFFF shows flash 0x1E000-0x1FFFF, read through the MAM (a flash data read:
    /// MAMTIM cycles with the MAM off), and a store there changes nothing (flash). Below it, 0x7FFFDFFC
    /// is reserved address space (no region). A code fetch there runs the boot block's instructions.
    /// </summary>
    [Fact]
    public void TheBootBlockIsAlsoAt0x7FFFE000()
    {
        using var m = Create(out _);
        m.Bus.DebugWrite32(0x1E000, 0xE3A0102A);                     // mov r1, #42 at the boot block's start
        m.Bus.DebugWrite32(0x1E004, 0xEAFFFFFE);                     // b .
        m.Bus.DebugWrite32(0x1FFFC, 0x12345678);
        Assert.Equal(0x12345678u, R(m, 0x7FFFFFFC));
        Assert.Equal(0xE3A0102Au, R(m, 0x7FFFE000));
        W(m, 0x7FFFE000, 0);
        Assert.Equal(0xE3A0102Au, R(m, 0x7FFFE000));
        Assert.False(m.Bus.FindRegion("bootblock")!.Contains(0x7FFFDFFC));
        // Timing: MAMTIM = 3, MAM off: an ldr from the alias costs 1 (fetch) + 3 (flash read) + 1 (internal).
        var mam = m.Device<Lpc2106SystemControl>("scb").Mam;
        mam.SetTiming(3);
        long reads = mam.FlashReads;
        m.Bus.DebugWrite32(0x40000100, 0xE5921000);                  // ldr r1, [r2]
        m.Bus.DebugWrite32(0x40000104, 0xEAFFFFFE);
        m.Cpu.ResetTo(0x40000100);
        m.Cpu.SetRegister(2, 0x7FFFFFFC);
        m.RunUntil(0x40000104);
        Assert.Equal(0x12345678u, m.Cpu.GetRegister(1));
        Assert.Equal(reads + 1, mam.FlashReads);
        // Executing from the alias.
        m.Cpu.ResetTo(0x7FFFE000);
        m.RunUntil(0x7FFFE004);
        Assert.Equal(42u, m.Cpu.GetRegister(1));
    }
}
