using SocSim.Core;
using SocSim.Peripherals.Stm32;

namespace SocSim.Firmware.Tests;

/// <summary>
/// RM0008 §7.3.7-7.3.8: a peripheral whose RCC enable bit is 0 gets no clock. The board wires each
/// timer's and USART's CLKEN input to the RCC's enable line (rcc.TIM2EN...): its counters and bit timing
/// stop where they stand and resume from there. On the reset clock (HSI 8 MHz, no prescalers) HCLK,
/// PCLK1, PCLK2 and TIMxCLK are one 8 MHz clock, so a run of n CPU cycles is n clock edges.
/// </summary>
public sealed class Stm32ClockGateTests
{
    private const uint Apb1Enr = Stm32Bench.Rcc + 0x1C;
    private const uint Apb1All = 7u | 1u << 17 | 1u << 18;

    /// <summary>
    /// TIM2 (PSC 9, ARR 99: one update per 1,000 edges) and TIM3 (PSC 0, the reference: its CNT is the
    /// edges since its CEN) start on the same edge. TIM2EN off for a while, then on: TIM2 counted only the
    /// edges its clock ran, on = TIM3's count before the stop + its count after the restart, so
    /// CNT = (on / 10) mod 100 and UIF is set (on passes 1,000). No "keeps counting" warning any more.
    /// </summary>
    [Fact]
    public void TimerStopsWhileItsClockIsOffAndResumesWhereItStood()
    {
        using var b = new Stm32Bench();
        b.EnableAll();
        b.W(Stm32Bench.Tim2 + 0x28, 9);                 // PSC
        b.W(Stm32Bench.Tim2 + 0x2C, 99);                // ARR
        b.W(Stm32Bench.Tim2 + 0x14, 1);                 // EGR.UG: PSC takes effect
        b.W(Stm32Bench.Tim2 + 0x10, 0);                 // SR: clear UIF
        b.W(Stm32Bench.Tim2 + 0x00, 1);                 // CEN
        b.W(Stm32Bench.Tim3 + 0x00, 1);                 // CEN, the same edge
        b.M.RunFor(1_003);
        uint before = b.R(Stm32Bench.Tim3 + 0x24);
        b.W(Apb1Enr, Apb1All & ~1u);                    // TIM2EN = 0
        b.M.RunFor(5_555);
        uint stopped = b.R(Stm32Bench.Tim3 + 0x24);
        Assert.Equal(0u, b.R(Stm32Bench.Tim2 + 0x24)); // the register is gated too: reads 0
        b.W(Apb1Enr, Apb1All);
        b.M.RunFor(1_234);
        uint end = b.R(Stm32Bench.Tim3 + 0x24);
        long on = before + (end - stopped);
        Assert.True(end - stopped >= 1_234 && stopped - before >= 5_555);
        Assert.Equal((uint)(on / 10 % 100), b.R(Stm32Bench.Tim2 + 0x24));
        Assert.Equal(1u, b.R(Stm32Bench.Tim2 + 0x10) & 1);
        Assert.DoesNotContain(b.Warnings, w => w.Contains("keeps counting"));
        Assert.Contains(b.Warnings, w => w.Contains("read of TIM2") && w.Contains("RCC_APB1ENR.TIM2EN = 0"));
    }

    /// <summary>
    /// USART2 sends 0x00 at BRR 160 (start bit and eight 0 data bits: PA2 low for 9 × 160 edges). Its clock
    /// is stopped mid-frame: PA2 stays low, and the stop bit starts 9 × 160 edges plus exactly the time
    /// the clock was off after the start bit.
    /// </summary>
    [Fact]
    public void UsartFrameHoldsWhileItsClockIsOff()
    {
        using var b = new Stm32Bench();
        b.EnableAll();
        b.Configure("PA2", 0xB);
        b.W(Stm32Bench.Usart2 + 0x08, 160);
        b.W(Stm32Bench.Usart2 + 0x0C, Stm32Usart.UE | Stm32Usart.TE);
        b.M.RunFor(160 * 12);                           // the idle frame
        var edges = new List<(long Time, bool Level)>();
        b.Pad("PA2").Subscribe(v => edges.Add((b.M.Scheduler.EventTime, v)));
        b.W(Stm32Bench.Usart2 + 0x04, 0x00);
        b.M.RunFor(500);
        long off = b.M.Scheduler.Now;
        b.W(Apb1Enr, Apb1All & ~(1u << 17));            // USART2EN = 0
        b.M.RunFor(3_000);
        long restart = b.M.Scheduler.Now;
        b.W(Apb1Enr, Apb1All);
        b.M.RunFor(160 * 12);
        long ticksPerEdge = b.M.Scheduler.TicksPerSecond / 8_000_000;
        Assert.Equal(2, edges.Count);
        Assert.False(edges[0].Level);
        Assert.True(edges[1].Level);
        Assert.True(edges[0].Time < off && edges[1].Time > restart);
        Assert.Equal(9 * 160 * ticksPerEdge + (restart - off), edges[1].Time - edges[0].Time);
    }
}
