using System.Text;
using SocSim.Trace.Timing;

namespace SocSim.Firmware.Tests;

/// <summary>
/// Timing requirements as a firmware team writes them against the library API: load a board and an
/// ELF, run to a symbol, measure cycles, read memory and the UART.
/// </summary>
public class FirmwareTeamTests
{
    [Fact]
    public void TimerIsr_RunsInAtMost50Cycles_EveryTime()
    {
        using var m = Repo.Load("timer_irq");
        for (int tick = 1; tick <= 5; tick++)
        {
            Assert.Equal(StopReason.Stopped, m.RunUntil("timer0_isr").Reason);
            uint ticksBefore = m.ReadWord("ticks");
            long start = m.Cycles;
            m.RunUntilReturn();
            long isrCycles = m.Cycles - start;
            Assert.InRange(isrCycles, 1, 50);
            Assert.Equal(ticksBefore + 1, m.ReadWord("ticks"));
        }
    }

    [Fact]
    public void TimerTick_IsExactly1msAtTheBoardClock()
    {
        using var m = Repo.Load("timer_irq");
        long oneMs = m.TimeToCycles(TimeSpan.FromMilliseconds(1));
        Assert.Equal(50_000, oneMs);                        // versatilepb: CPUCLK 50 MHz
        m.RunUntil("timer0_isr");
        long first = m.Cycles, previous = first;
        for (int i = 0; i < 4; i++)
        {
            m.RunUntil("timer0_isr");
            // The ISR starts when the interrupted instruction completes: a few cycles of jitter.
            Assert.InRange(m.Cycles - previous, oneMs - 10, oneMs + 10);
            previous = m.Cycles;
        }
        Assert.InRange(previous - first, 4 * oneMs - 10, 4 * oneMs + 10);
    }

    [Fact]
    public void InterruptLatency_TimerLineToIsr_AtMost60Cycles()
    {
        using var m = Repo.Load("timer_irq");
        var latency = new InterruptLatencyProbe(m);
        Assert.Equal(0, m.Run(10_000_000).ExitCode);
        var line = latency["vic.4"]!;
        Assert.Equal("timer0_isr", line.Isr);
        Assert.Equal(5, line.ToIsr.Count);
        Assert.True(line.ToIsr.Max <= 60, $"worst-case latency {line.ToIsr.Max} cycles");
    }

    // A busy-wait delay as firmware writes it: delay_loop(n) { do { } while (--n); }, calibrated for
    // 1 ms on the 50 MHz board. ARM code placed in free RAM by the test:
    //   loop: subs r0, r0, #1 ; bne loop ; bx lr        and a "b ." to return to.
    private const uint LoopAddress = 0x0100_0000, ReturnAddress = LoopAddress + 0x10;
    private const uint LoopsPerMs = 8333;

    private static long DelayCycles(Machine m, uint loops)
    {
        m.WriteMemory(LoopAddress, Words(0xE2500001, 0x1AFFFFFD, 0xE12FFF1E, 0xE1A00000, 0xEAFFFFFE));
        m.WriteRegister(0, loops);
        m.WriteRegister(14, ReturnAddress);
        m.WriteRegister(15, LoopAddress);
        long start = m.Cycles;
        Assert.Equal(StopReason.Stopped, m.RunUntil(ReturnAddress, start + 10_000_000).Reason);
        return m.Cycles - start;
    }

    [Fact]
    public void DelayLoop_Lasts1msAtTheBoardClock()
    {
        using var m = Repo.Load("hello");
        var t = m.CyclesToTime(DelayCycles(m, LoopsPerMs));
        Assert.InRange(t.TotalMicroseconds, 995, 1005);
    }

    [Fact]
    public void DelayLoop_OnSlowRam_IsNoLongerCalibrated()
    {
        using var m = Repo.Load("hello", [Repo.Board(), Repo.Override("slow-ram")], []);
        var t = m.CyclesToTime(DelayCycles(m, LoopsPerMs));
        Assert.True(t.TotalMicroseconds > 1500, $"{t.TotalMicroseconds} us");
    }

    [Fact]
    public void Printf_OfTheSquaresLine_Takes4415Cycles()
    {
        var console = new MemoryStream();
        using var m = Machine.Create([Repo.Board()], [], new MachineOptions { Console = console });
        m.LoadElf(Repo.Elf("rdimon"));
        // gcc turns the first printf("...\n") into puts; the first printf call formats the list line.
        Assert.Equal(StopReason.Stopped, m.RunUntil("printf").Reason);
        int before = (int)console.Length;
        long start = m.Cycles;
        m.RunUntilReturn();
        Assert.Equal(4415, m.Cycles - start);
        Assert.Equal("list of 10 squares sums to 385\n", Encoding.Latin1.GetString(console.ToArray(), before, (int)console.Length - before));
    }

    [Fact]
    public void Puts0_OfTheBanner_Takes173597Cycles_MostlyWaitingForTheUart()
    {
        using var m = Repo.Load("timer_irq");
        m.RunUntil("puts0");
        long start = m.Cycles;
        m.RunUntilReturn();
        Assert.Equal("timer_irq: SP804 @0x101E2000, VIC line 4", m.UartOutput("uart0")[..40]);
        Assert.Equal(173_597, m.Cycles - start);
    }

    private static byte[] Words(params uint[] words) => words.SelectMany(BitConverter.GetBytes).ToArray();
}
