using SocSim.Core;
using SocSim.Peripherals.Stm32;

namespace SocSim.Firmware.Tests;

/// <summary>
/// firmware/stm32f1/timer_chain.c on boards/stm32f103.json: TIM2's update events clock TIM3 through
/// TRGO → ITR1 (RM0008 §15.3.19), TIM3's update interrupt toggles PC13, TIM2's PWM is on PA0 and USART2
/// sends one synchronous frame with its clock on PA4. Every expected figure is computed from RM0008
/// and the registers the firmware left, never from what the simulator printed.
/// </summary>
public sealed class Stm32TimerChainTests
{
    private static Machine Load()
    {
        var m = Machine.Create([Repo.Board("stm32f103")], [], new MachineOptions { Warnings = TextWriter.Null });
        m.LoadElf(Stm32Firmware.Elf("timer_chain"));
        return m;
    }

    private static uint Reg(IBusDevice d, uint offset) => Stm32Pack.Reg(d, offset);

    private static List<long> Edges(Machine m, IrqLine pad, bool rising)
    {
        var l = new List<long>();
        pad.Subscribe(v => { if (v == rising) l.Add(m.Scheduler.EventTime); });
        return l;
    }

    /// <summary>The clock the firmware set up, from RCC_CFGR (§7.2 Figure 8): (TIMxCLK for APB1's timers, PCLK1) in Hz.</summary>
    private static (long TimClk, long Pclk1) Clocks(Machine m)
    {
        var rcc = m.Device<Stm32Rcc>("rcc");
        uint cfgr = Reg(rcc, Stm32Rcc.CFGR);
        Assert.Equal(2u, (cfgr >> 2) & 3);                                  // SWS = PLL
        long sysclk = rcc.HseHz * (((cfgr >> 18) & 15) + 2);
        int[] ahb = [1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 8, 16, 64, 128, 256, 512], apb = [1, 1, 1, 1, 2, 4, 8, 16];
        long hclk = sysclk / ahb[(cfgr >> 4) & 15];
        int apb1 = apb[(cfgr >> 8) & 7];
        return (hclk / apb1 * (apb1 == 1 ? 1 : 2), hclk / apb1);
    }

    /// <summary>Simulator ticks for <paramref name="cycles"/> cycles of a <paramref name="hz"/> clock (exact on the board's time base).</summary>
    private static long Ticks(Machine m, long cycles, long hz)
    {
        long tps = m.Scheduler.TicksPerSecond;
        Assert.Equal(0, cycles * tps % hz);
        return cycles * tps / hz;
    }

    [Fact]
    public void Tim3CountsTim2UpdatesAndTogglesPc13()
    {
        using var m = Load();
        var pc13 = m.Device<Stm32Gpio>("gpioc").Pad(13);
        var pa0Rise = Edges(m, m.Device<Stm32Gpio>("gpioa").Pad(0), rising: true);
        var pa0Fall = Edges(m, m.Device<Stm32Gpio>("gpioa").Pad(0), rising: false);
        var toggles = new List<long>();
        pc13.Subscribe(_ => toggles.Add(m.Scheduler.EventTime));
        var ck = Edges(m, m.Device<Stm32Gpio>("gpioa").Pad(4), rising: true);
        var ckFall = Edges(m, m.Device<Stm32Gpio>("gpioa").Pad(4), rising: false);
        var run = m.Run(200_000_000);
        Assert.Equal(StopReason.Fault, run.Reason);                         // the BKPT at the end
        Assert.Empty(m.Warnings);

        var tim2 = m.Device<Stm32GpTimer>("tim2");
        var tim3 = m.Device<Stm32GpTimer>("tim3");
        var (timclk, pclk1) = Clocks(m);
        uint psc2 = Reg(tim2, Stm32GpTimer.PSC), arr2 = Reg(tim2, Stm32GpTimer.ARR), ccr1 = Reg(tim2, Stm32GpTimer.CCR1);
        uint psc3 = Reg(tim3, Stm32GpTimer.PSC), arr3 = Reg(tim3, Stm32GpTimer.ARR);
        Assert.Equal(0x17u, Reg(tim3, Stm32GpTimer.SMCR));                  // TS = ITR1 (TIM2), SMS = external clock mode 1
        Assert.Equal(2u << 4, Reg(tim2, Stm32GpTimer.CR2) & (7u << 4));      // MMS = update
        int n = (int)m.ReadWord(m.Symbol("toggles"));
        Assert.Equal($"timer_chain\r\ntim3 updates {n} tim3 cnt 0 tim2 cnt 0\r\nsync sent\r\n", m.UartOutput("usart1"));

        // TIM2's update period: (PSC + 1)(ARR + 1) TIMxCLK cycles (§15.3.1-15.3.2); TIM3 counts one per
        // update with its own prescaler: an overflow every (PSC3 + 1)(ARR3 + 1) of them (§15.3.14). The
        // interrupt comes out of WFI every time, so its latency is the same and the toggles are as far
        // apart as the overflows.
        long update2 = (psc2 + 1L) * (arr2 + 1), overflow3 = update2 * (psc3 + 1) * (arr3 + 1);
        // The first change is PC13 becoming an output (an undriven floating input reads 1 on this board, ODR13 is 0), then one per TIM3 overflow.
        Assert.Equal(n + 1, toggles.Count);
        toggles.RemoveAt(0);
        Assert.All(toggles.Zip(toggles.Skip(1), (a, b) => b - a), d => Assert.Equal(Ticks(m, overflow3, timclk), d));

        // TIM2 CH1 on PA0, PWM mode 1: high for CCR1 counts of every ARR + 1 (§15.3.9). The first rise is
        // the configuration (CC1E with CNT 0 < CCR1, the counter not yet started): the periods follow it.
        Assert.True(pa0Rise.Count >= 10 * n);
        pa0Rise.RemoveAt(0);
        Assert.All(pa0Rise.Zip(pa0Rise.Skip(1), (a, b) => b - a), d => Assert.Equal(Ticks(m, update2, timclk), d));
        Assert.All(pa0Rise.Zip(pa0Fall.Where(f => f > pa0Rise[0]), (r, f) => f - r), d => Assert.Equal(Ticks(m, ccr1 * (psc2 + 1L), timclk), d));

        // USART2 synchronous, CPOL = CPHA = 0, LBCL: 8 clock pulses (one per data bit, the last one
        // included), one bit (BRR PCLK1 cycles) apart, each high for the bit's second half (§27.3.10).
        var usart2 = m.Device<Stm32Usart>("usart2");
        uint brr = Reg(usart2, Stm32Usart.BRR);
        Assert.Equal(Stm32Usart.CLKEN | Stm32Usart.LBCL, Reg(usart2, Stm32Usart.CR2));
        // (PA4's first fall is its configuration: an undriven floating input reads 1, the AF output with CLKEN still 0 drives 0.)
        Assert.Equal(8, ck.Count);
        ckFall = ckFall.Where(f => f > ck[0]).ToList();
        Assert.Equal(8, ckFall.Count);
        Assert.All(ck.Zip(ck.Skip(1), (a, b) => b - a), d => Assert.Equal(Ticks(m, brr, pclk1), d));
        Assert.All(ck.Zip(ckFall, (r, f) => f - r), d => Assert.Equal(Ticks(m, brr / 2, pclk1), d));
    }

    /// <summary>
    /// The latency probe on interrupts taken out of WFI: every TIM3 update reaches its vector (exception
    /// 16 + 29), none unserved, each as far from its rise as the others (the core is asleep at every rise).
    /// Before, a run with a probe woke the core inside RunTo, which ran on unobserved: the entries were
    /// never reported and the line read "never served: rises=6 unserved=6".
    /// </summary>
    [Fact]
    public void TheLatencyProbeSeesEveryEntryOutOfWfi()
    {
        using var m = Load();
        var probe = new SocSim.Trace.Timing.InterruptLatencyProbe(m);
        Assert.Equal(StopReason.Fault, m.Run(200_000_000).Reason);
        int n = (int)m.ReadWord(m.Symbol("toggles"));
        var irq29 = probe["cpu.irq29"]!;
        Assert.Equal("tim3.INT", irq29.Source);
        Assert.Equal(n, irq29.Rises);
        Assert.Equal(n, irq29.ToVector.Count);
        Assert.Equal(0, irq29.Unserved);
        Assert.Equal(irq29.ToVector.Min, irq29.ToVector.Max);
    }
}

/// <summary>boards/stm32f103.json's peripheral bit-band region (ARMv7-M A3.7, RM0008 §3.3.2).</summary>
public sealed class Stm32F103BitBandTests
{
    /// <summary>
    /// Alias word 0x42000000 + (offset from 0x40000000) × 32 + bit × 4 is one bit of the peripheral word:
    /// GPIOC_ODR (0x4001100C) bit 13 is 0x42000000 + 0x1100C × 32 + 13 × 4 = 0x422201B4.
    /// </summary>
    [Fact]
    public void PeripheralAliasWritesAndReadsOneOdrBit()
    {
        using var m = Machine.Create([Repo.Board("stm32f103")], [], new MachineOptions { Warnings = TextWriter.Null });
        m.Bus.Write32(0x4002_1018, 1u << 4, AccessFlags.Privileged);                  // RCC_APB2ENR.IOPCEN
        m.Bus.Write32(0x4222_01B4, 1, AccessFlags.Privileged);
        Assert.Equal(1u << 13, m.Bus.Read32(0x4001_100C, AccessFlags.Privileged));
        Assert.Equal(1u, m.Bus.Read32(0x4222_01B4, AccessFlags.Privileged));
        Assert.Equal(0u, m.Bus.Read32(0x4222_01B0, AccessFlags.Privileged));           // bit 12
        m.Bus.Write32(0x4222_01B4, 0, AccessFlags.Privileged);
        Assert.Equal(0u, m.Bus.Read32(0x4001_100C, AccessFlags.Privileged));
    }
}

/// <summary>The slave mode controller on the board's pads: edges driven from the host on gpioa's pins reach the timers through the board's wiring.</summary>
public sealed class Stm32TimerPadTests
{
    private static void W(Machine m, uint address, uint value) => m.Bus.Write32(address, value, AccessFlags.Privileged);
    private static uint R(Machine m, uint address) => m.Bus.Read32(address, AccessFlags.Privileged);

    /// <summary>
    /// TIM2_ETR is PA0 (RM0008 Table 5): external clock mode 2 (SMCR.ECE, ETPS /1) counts each rising
    /// edge of the floating-input pad: 12 host pulses → CNT 12. TIM3 in encoder mode 3 on PA6 (TI1) and
    /// PA7 (TI2): 3 quadrature cycles, PA6 leading → 12 counts up (RM0008 Table 87).
    /// </summary>
    [Fact]
    public void EtrAndEncoderInputsCountHostEdgesOnTheirPads()
    {
        using var m = Machine.Create([Repo.Board("stm32f103")], [], new MachineOptions { Warnings = TextWriter.Null });
        W(m, 0x4002_1018, 1u << 2);                   // RCC_APB2ENR.IOPAEN (PA0, PA6, PA7 stay floating inputs)
        W(m, 0x4002_101C, 3u);                        // RCC_APB1ENR.TIM2EN, TIM3EN
        // Undriven floating inputs read 1 on this board: the pads go low before the counters start, as each
        // falling edge would count (in encoder mode 3 PA6 falling with PA7 high counts, Table 87).
        m.DrivePin("gpioa.PA0", false);
        m.DrivePin("gpioa.PA6", false);
        m.DrivePin("gpioa.PA7", false);
        W(m, 0x4000_0008, 1u << 14);                  // TIM2_SMCR.ECE
        W(m, 0x4000_0000, 1u);                        // TIM2_CR1.CEN
        W(m, 0x4000_0418, 0x0101u);                   // TIM3_CCMR1: CC1S = CC2S = 01 (TI1, TI2)
        W(m, 0x4000_0408, 3u);                        // TIM3_SMCR.SMS = encoder mode 3
        W(m, 0x4000_0400, 1u);                        // TIM3_CR1.CEN
        for (int i = 0; i < 12; i++)
        {
            m.RunFor(100);
            m.DrivePin("gpioa.PA0", true);
            m.RunFor(100);
            m.DrivePin("gpioa.PA0", false);
        }
        Assert.Equal(12u, R(m, 0x4000_0024));
        for (int i = 0; i < 3; i++)
            foreach (var (pin, level) in new[] { ("PA6", true), ("PA7", true), ("PA6", false), ("PA7", false) })
            {
                m.RunFor(100);
                m.DrivePin("gpioa." + pin, level);
            }
        Assert.Equal(12u, R(m, 0x4000_0424));
    }
}
