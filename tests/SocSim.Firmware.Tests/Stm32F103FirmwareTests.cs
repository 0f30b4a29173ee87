using SocSim.Core;
using SocSim.Peripherals.Stm32;

namespace SocSim.Firmware.Tests;

/// <summary>The libopencm3 STM32F1 pack in ../shared/cortex-m/stm32f1, and machines built to run it.</summary>
internal static class Stm32Pack
{
    public static string Path(params string[] parts) => System.IO.Path.Combine([Repo.Root, "..", "shared", "cortex-m", "stm32f1", .. parts]);

    /// <summary>Board <paramref name="board"/> (boards/NAME.json) with the pack's ELF <paramref name="elf"/> loaded; warnings are collected, not printed.</summary>
    public static Machine Load(string board, string elf)
    {
        var m = Machine.Create([Repo.Board(board)], [], new MachineOptions { Warnings = TextWriter.Null });
        m.LoadElf(Path("elf", elf));
        return m;
    }

    /// <summary>A device register as the CPU would read it (device debug reads return 0).</summary>
    public static uint Reg(IBusDevice d, uint offset)
    {
        bool abort = false;
        return d.Read(offset, 4, AccessFlags.Privileged, ref abort);
    }
}

/// <summary>
/// libopencm3's unmodified STM32F103 examples (../shared/cortex-m/stm32f1, built for the Olimex H103:
/// 8 MHz HSE, 72 MHz) on boards/stm32f103.json. Expectations come from the pack's expected/ files and
/// from RM0008 applied to the firmware's own register values, never from what the simulator printed.
/// </summary>
public sealed class Stm32F103FirmwareTests
{
    private static string Pack(params string[] parts) => Stm32Pack.Path(parts);
    private static Machine Load(string elf) => Stm32Pack.Load("stm32f103", elf);
    private static uint Reg(IBusDevice d, uint offset) => Stm32Pack.Reg(d, offset);

    /// <summary>
    /// usart_irq_printf: printf through a ring buffer drained by the USART1 TXE interrupt at 115200 baud
    /// (BRR 625 at PCLK2 72 MHz), one line per 10 SysTick interrupts. SysTick runs with CLKSOURCE = 0 on
    /// STCLK = HCLK/8 = 9 MHz (RM0008 §7.2 Figure 8, PM0056 §4.5) and RVR 8999: 1 kHz. The whole of
    /// expected/usart_irq_printf.derived.txt (2,000 lines, 20 s) is printed, every line in order, and the firmware touched no register the board does not model (no warning at all).
    /// </summary>
    [Fact]
    public void UsartIrqPrintfPrintsTheExpectedText()
    {
        string expected = File.ReadAllText(Pack("expected", "usart_irq_printf.derived.txt"));
        using var m = Load("f103-h103-usart_irq_printf.elf");
        string Out() => m.UartOutput("usart1");
        // 20 s at 72 MHz is 1.44 G cycles; a line every 10 ms, the last at 19.99 s plus its 3 ms on the wire.
        // (Checked every 10 M cycles: decoding the output after every event would cost more than the run.)
        while (Out().Length < expected.Length && m.Scheduler.Cycles < 1_500_000_000) m.RunFor(10_000_000);
        // Every expected line, in order; the run stops at a 10 M-cycle boundary, so the firmware's next lines may follow.
        string[] want = expected.Split("\r\n"), got = Out().Split("\r\n");
        Assert.Equal(want[..^1], got.Take(want.Length - 1));
        Assert.Empty(m.Warnings);
        // SysTick's reference clock as the firmware left it: STCLK = HCLK / 8, and 1 ms per 9,000 edges.
        Assert.Equal(9_000_000, m.Clocks["STCLK"].FrequencyHz);
        var scs = ((SocSim.CortexM.CortexMCpu)m.Core).Scs!;
        Assert.Equal(0u, Reg(scs, 0xE000E010) & 4);                           // CLKSOURCE = 0 (AHB/8)
        Assert.Equal(8999u, Reg(scs, 0xE000E014));
        Assert.Equal(9000u, Reg(scs, 0xE000E01C));                            // SYST_CALIB: RM0008 §10.1.2
        Assert.Equal(60, ((SocSim.CortexM.CortexMCpu)m.Core).InterruptLines);  // RM0008 §10.1.1
        // The clock tree the firmware programmed: 72 MHz from the HSE x 9, PCLK1 36 MHz (RM0008 §7.2).
        var rcc = m.Device<Stm32Rcc>("rcc");
        Assert.Equal(72_000_000, rcc.SysclkHz);
        Assert.Equal(36_000_000, rcc.Pclk1Hz);
        Assert.Equal(625u, Reg(m.Device<Stm32Usart>("usart1"), Stm32Usart.BRR));
    }

    /// <summary>
    /// An IWDG timeout resets the system and leaves RCC_CSR.IWDGRSTF set (RM0008 §7.3.10: "Set by hardware
    /// when an independent watchdog reset from VDD domain occurs", cleared only by RMVF), beside the power-on
    /// flags. The watchdog is started from outside (KR = 0xCCCC) under the timer firmware, which never feeds it:
    /// with PR = 0 (LSI / 4) and RLR = 0xFFF the reset comes 4096 x 4 LSI cycles later, 409.6 ms at 40 kHz.
    /// </summary>
    [Fact]
    public void AnIwdgTimeoutResetsTheChipAndSetsIwdgrstf()
    {
        using var m = Load("f103-h103-timer.elf");
        var rcc = m.Device<Stm32Rcc>("rcc");
        Assert.Equal(0u, Reg(rcc, Stm32Rcc.CSR) & Stm32Rcc.IWDGRSTF);
        m.Bus.Write32(0x4000_3000, Stm32Iwdg.KeyStart, AccessFlags.Privileged);
        while (m.SystemResets.Count == 0 && m.Scheduler.Cycles < 100_000_000) m.RunFor(1_000_000);
        var reset = Assert.Single(m.SystemResets);
        Assert.Contains("independent watchdog timeout", reset.Reason);
        m.RunFor(1000);                                                      // the chip runs again from its reset vector
        uint csr = Reg(rcc, Stm32Rcc.CSR);
        Assert.Equal(Stm32Rcc.IWDGRSTF, csr & Stm32Rcc.IWDGRSTF);
        Assert.Equal(Stm32Rcc.PORRSTF | Stm32Rcc.PINRSTF, csr & (Stm32Rcc.PORRSTF | Stm32Rcc.PINRSTF));
        Assert.False(m.Device<Stm32Iwdg>("iwdg").Running);
    }

    /// <summary>
    /// RCC_CSR's reset flags (RM0008 §7.3.10, reset value 0x0C000000: "reset by system Reset, except reset flags
    /// by power Reset only"): PORRSTF and PINRSTF from power-on; a software reset (AIRCR = VECTKEY | SYSRESETREQ,
    /// PM0056 §4.4.5) sets SFTRSTF and keeps the others, while it clears LSION as any system reset does; RMVF
    /// clears every flag, and the next software reset sets SFTRSTF alone. The AIRCR writes come from outside,
    /// under the timer firmware, as the CPU would make them (a word write to 0xE000ED0C).
    /// </summary>
    [Fact]
    public void ASoftwareResetSetsSftrstfAndRmvfClearsTheFlags()
    {
        const uint flags = 0xFC00_0000, aircr = 0xE000_ED0C, sysResetReq = 0x05FA_0004, csrAddress = 0x4002_1000 + Stm32Rcc.CSR;
        using var m = Load("f103-h103-timer.elf");
        var rcc = m.Device<Stm32Rcc>("rcc");
        Assert.Equal(Stm32Rcc.PORRSTF | Stm32Rcc.PINRSTF, Reg(rcc, Stm32Rcc.CSR));   // 0x0C000000, the reset value
        m.RunFor(100_000);
        m.Bus.Write32(csrAddress, Stm32Rcc.LSION, AccessFlags.Privileged);
        m.Bus.Write32(aircr, sysResetReq, AccessFlags.Privileged);
        m.RunFor(1000);
        Assert.Equal(SocSim.Core.Devices.SystemResetReasons.SysResetReq, Assert.Single(m.SystemResets).Reason);
        uint csr = Reg(rcc, Stm32Rcc.CSR);
        Assert.Equal(Stm32Rcc.PORRSTF | Stm32Rcc.PINRSTF | Stm32Rcc.SFTRSTF, csr & flags);
        Assert.Equal(0u, csr & Stm32Rcc.LSION);

        m.Bus.Write32(csrAddress, Stm32Rcc.RMVF, AccessFlags.Privileged);
        Assert.Equal(0u, Reg(rcc, Stm32Rcc.CSR) & flags);
        Assert.Equal(0u, Reg(rcc, Stm32Rcc.CSR) & Stm32Rcc.RMVF);                     // RMVF itself reads 0 after the write
        m.Bus.Write32(aircr, sysResetReq, AccessFlags.Privileged);
        m.RunFor(1000);
        Assert.Equal(2, m.SystemResets.Count);
        Assert.Equal(Stm32Rcc.SFTRSTF, Reg(rcc, Stm32Rcc.CSR) & flags);
        m.Bus.Write32(aircr, 0x0000_0004, AccessFlags.Privileged);                    // without VECTKEY: ignored
        m.RunFor(1000);
        Assert.Equal(2, m.SystemResets.Count);
    }

    /// <summary>
    /// timer: TIM2's CC1 interrupt toggles PC12 and moves CCR1 on by the next Morse duration of the
    /// firmware's own frequency_sequence[] (SOS: 500/1500/3500 counts). From RM0008 and the firmware's
    /// registers: TIMCLK = HSE × PLLMUL / AHB / APB1 × (2 when the APB1 prescaler is not 1) (§7.2,
    /// Figure 8), one count = (PSC + 1) / TIMCLK (§15.3.1), PSC taking effect at the first update event
    /// (before it the counter runs at TIMCLK: the first toggles come fast). After that update every
    /// interval between toggles is the sequence's next duration in counts, give or take the jitter of the
    /// interrupt's latency (the ISR reads CNT well within the count it matched: a count is 200 µs).
    /// </summary>
    [Fact]
    public void TimerTogglesPc12InMorseWithPeriodsFromTheRegisters()
    {
        using var m = Load("f103-h103-timer.elf");
        var tim2 = m.Device<Stm32GpTimer>("tim2");
        var edges = new List<(long Tick, uint Psc)>();
        m.Device<Stm32Gpio>("gpioc").Pad(12).Subscribe(_ => edges.Add((m.Scheduler.EventTime, tim2.ActivePrescaler)));
        const int intervals = 8;
        m.RunUntil(mm => edges.Count(e => e.Psc != 0) > intervals, maxCycles: 4_000_000_000);

        var rcc = m.Device<Stm32Rcc>("rcc");
        uint cfgr = Reg(rcc, Stm32Rcc.CFGR);
        Assert.Equal(2u, (cfgr >> 2) & 3);                        // SWS = PLL
        Assert.NotEqual(0u, cfgr & Stm32Rcc.PLLSRC);               // from the HSE, undivided
        Assert.Equal(0u, cfgr & Stm32Rcc.PLLXTPRE);
        long hse = rcc.HseHz;
        long sysclk = hse * (((cfgr >> 18) & 15) + 2);
        int[] ahb = [1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 8, 16, 64, 128, 256, 512], apb = [1, 1, 1, 1, 2, 4, 8, 16];
        long hclk = sysclk / ahb[(cfgr >> 4) & 15];
        int apb1 = apb[(cfgr >> 8) & 7];
        long timclk = hclk / apb1 * (apb1 == 1 ? 1 : 2);
        uint psc = Reg(tim2, Stm32GpTimer.PSC);
        Assert.Equal(72_000_000, timclk);                          // what the firmware's comment says it set up
        Assert.Equal(14400u, psc);

        ushort[] sequence = new ushort[18];
        var bytes = m.ReadMemory(m.Symbol("frequency_sequence"), 36);
        for (int i = 0; i < 18; i++) sequence[i] = BitConverter.ToUInt16(bytes, 2 * i);
        Assert.Equal((ushort)500, sequence[0]);

        double secondsPerTick = 1.0 / m.Scheduler.TicksPerSecond, countSeconds = (psc + 1.0) / timclk;
        var after = edges.Where(e => e.Psc == psc).Select(e => e.Tick).ToList();
        var measured = after.Zip(after.Skip(1), (a, b) => (b - a) * secondsPerTick / countSeconds).Take(intervals).ToList();
        // Where in the sequence the update event left the ISR: the offset that fits every interval.
        var offsets = Enumerable.Range(0, 18).Where(o => measured.Select((c, i) => Math.Abs(c - sequence[(o + i) % 18])).Max() < 0.05).ToList();
        Assert.True(offsets.Count == 1, $"intervals in counts {string.Join(", ", measured.Select(c => c.ToString("0.###")))} fit {offsets.Count} places of the sequence");
    }
}
