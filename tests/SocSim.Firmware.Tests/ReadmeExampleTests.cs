using SocSim;
using SocSim.Trace.Timing;
using Xunit;

namespace SocSim.Firmware.Tests;

// The example of docs/firmware-testing.md, verbatim: keep the two in step.
public class ReadmeExampleTests
{
    // The repository root: the directory above the test binary that holds SocSim.sln.
    static readonly string Root = Enumerable.Repeat(0, 10)
        .Aggregate(AppContext.BaseDirectory, (d, _) => File.Exists(Path.Combine(d, "SocSim.sln")) ? d : Path.GetDirectoryName(d.TrimEnd('/', '\\'))!);

    static Machine Load(params string[] sets)
    {
        var m = Machine.Create([Path.Combine(Root, "boards/versatilepb.json")], sets);
        m.LoadElf(Path.Combine(Root, "firmware/elf/timer_irq.elf"));
        return m;
    }

    [Fact]
    public void TimerIsr_RunsInAtMost50Cycles_EveryTime()
    {
        using var m = Load();
        for (int tick = 1; tick <= 5; tick++)
        {
            m.RunUntil("timer0_isr");                 // stops before the ISR's first instruction
            uint ticksBefore = m.ReadWord("ticks");
            long start = m.Cycles;
            m.RunUntilReturn();                       // back in irq_handler
            Assert.InRange(m.Cycles - start, 1, 50);
            Assert.Equal(ticksBefore + 1, m.ReadWord("ticks"));
        }
    }

    [Fact]
    public void TimerTick_Is1msAtTheBoardClock()
    {
        using var m = Load();
        long oneMs = m.TimeToCycles(TimeSpan.FromMilliseconds(1));    // 50 000 at 50 MHz
        m.RunUntil("timer0_isr");
        long previous = m.Cycles;
        for (int i = 0; i < 4; i++)
        {
            m.RunUntil("timer0_isr");
            Assert.InRange(m.Cycles - previous, oneMs - 10, oneMs + 10); // entry waits for the current instruction
            previous = m.Cycles;
        }
    }

    [Fact]
    public void InterruptLatency_TimerLineToIsr_AtMost60Cycles()
    {
        using var m = Load();
        var latency = new InterruptLatencyProbe(m);
        Assert.Equal(0, m.Run(10_000_000).ExitCode);
        Assert.True(latency["vic.4"]!.ToIsr.Max <= 60);
        Assert.Contains("tick 5\n", m.UartOutput("uart0"));
    }

    [Fact]
    public void AtHalfTheClock_TheIsrTakesTheSameCyclesButTwiceTheTime()
    {
        using var m = Load("clocks.CPUCLK=25000000");
        m.RunUntil("timer0_isr");
        long start = m.Cycles;
        m.RunUntilReturn();
        Assert.Equal(TimeSpan.FromMicroseconds(1.6), m.CyclesToTime(m.Cycles - start));   // 40 cycles at 25 MHz
    }
}
