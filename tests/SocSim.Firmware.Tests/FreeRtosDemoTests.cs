using SocSim.Core;
using SocSim.Tests;
using Xunit.Abstractions;

namespace SocSim.Firmware.Tests;

/// <summary>
/// FreeRTOS's own LPC2106 demo (../shared/freertos/elf/rtosdemo-arm.elf, unmodified, nobody here
/// wrote it) on boards/lpc2106.json, judged from the pins as its README says: the check task toggles
/// P0.7 every 3000 ticks while every task is healthy, every 500 once one has failed; the LED tasks
/// toggle P0.10/P0.11/P0.12 every 166/333/499 ticks; the comtest sends its alphabet on UART0 and
/// needs it back through the TxD0-RxD0 loopback.
/// </summary>
public sealed class FreeRtosDemoTests(ITestOutputHelper output)
{
    private static string Elf => Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "freertos", "elf", "rtosdemo-arm.elf"));
    private const long Mr0 = 58982;   // port.c: configCPU_CLOCK_HZ / configTICK_RATE_HZ

    private sealed class Run
    {
        public required Machine Machine;
        public readonly Dictionary<string, List<long>> Edges = new();
        public readonly List<long> TickMatches = new();
        public long TickTicks;          // one FreeRTOS tick in scheduler ticks: (MR0 + 1) PCLK periods
    }

    private static Run Start(bool loopback, TimeSpan duration)
    {
        var boards = new List<string> { Repo.Board("lpc2106") };
        if (loopback) boards.Add(Repo.Override("lpc2106-uart0-loopback"));
        var m = Machine.Create(boards, [], new MachineOptions { Warnings = TextWriter.Null });
        m.LoadElf(Elf);
        var run = new Run { Machine = m };
        foreach (var pin in new[] { "P0_7", "P0_10", "P0_11", "P0_12", "P0_13" })
        {
            var list = run.Edges[pin] = new List<long>();
            m.InterruptOutput("gpio", pin).Subscribe(_ => list.Add(m.Scheduler.EventTime));
        }
        m.InterruptOutput("timer0", "INT").Subscribe(level => { if (level) run.TickMatches.Add(m.Scheduler.EventTime); });
        m.SetTimeLimit(duration);
        var r = m.Run();
        Assert.Equal(StopReason.TimeLimit, r.Reason);
        run.TickTicks = (Mr0 + 1) * m.Clocks["PCLK"].PeriodTicks;
        return run;
    }

    /// <summary>
    /// Intervals between successive toggles, in FreeRTOS ticks. The first two edges of an LED pin are
    /// vParTestInitialise's (IODIR makes the pin an output, then IOSET turns the LED off): skipped.
    /// </summary>
    private static double[] Periods(Run r, string pin, int skip = 2) =>
        r.Edges[pin].Skip(skip).Zip(r.Edges[pin].Skip(skip + 1), (a, b) => (double)(b - a) / r.TickTicks).ToArray();

    /// <summary>The first toggle (after initialisation), in ticks since the first MR0 match (tick 1).</summary>
    private static double SinceFirstTick(Run r, string pin) => (double)(r.Edges[pin][2] - r.TickMatches[0]) / r.TickTicks;

    private void Show(Run r)
    {
        foreach (var (pin, edges) in r.Edges)
            output.WriteLine($"{pin}: {edges.Count} edges, periods (ticks) {string.Join(' ', Periods(r, pin, 0).Take(8).Select(p => p.ToString("0.000")))}");
        output.WriteLine($"tick matches: {r.TickMatches.Count}");
    }

    [Fact]
    public void WithTheLoopback_EveryTaskStaysHealthyFor10SimulatedSeconds()
    {
        var r = Start(loopback: true, TimeSpan.FromSeconds(10));
        using var m = r.Machine;
        Show(r);
        // The tick: every Timer0 MR0 match exactly (MR0 + 1) PCLK cycles after the previous one.
        Assert.True(r.TickMatches.Count > 9000);
        Assert.All(r.TickMatches.Zip(r.TickMatches.Skip(1), (a, b) => b - a), d => Assert.Equal(r.TickTicks, d));
        // The check task: P0.7 every 3000 ticks (healthy) — three toggles in ten seconds.
        // The check task: P0.7 every 3000 ticks (healthy) — three toggles in ten seconds, the first
        // at tick 3000 (the first MR0 match is tick 1).
        var check = Periods(r, "P0_7");
        Assert.Equal(2 + 3, r.Edges["P0_7"].Count);
        Assert.All(check, p => Assert.InRange(p, 2999.9, 3000.1));
        Assert.InRange(SinceFirstTick(r, "P0_7"), 2999, 2999.1);
        // The LED flashers: 166, 333 and 499 ticks (the first edge comes when the task first runs).
        foreach (var (pin, period) in new[] { ("P0_10", 166.0), ("P0_11", 333.0), ("P0_12", 499.0) })
        {
            var ps = Periods(r, pin);
            Assert.True(ps.Length > 10, $"{pin} toggled {ps.Length + 1} times");
            Assert.All(ps, p => Assert.InRange(p, period - 0.1, period + 0.1));
            Assert.InRange(SinceFirstTick(r, pin), period - 1, period - 0.9);
        }
        // The comtest's text, exactly: its alphabet over and over (the last burst may be cut by the limit).
        string text = m.UartOutput("uart0");
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWX";
        Assert.True(text.Length > 10 * Alphabet.Length);
        for (int i = 0; i < text.Length; i++) Assert.Equal(Alphabet[i % Alphabet.Length], text[i]);
        // P0.13 toggles once per character sent.
        Assert.InRange(r.Edges["P0_13"].Count - 2, text.Length - 1, text.Length);
    }

    [Fact]
    public void WithoutTheLoopback_TheCheckTaskSeesTheComtestFail_AndFlashesEvery500Ticks()
    {
        var r = Start(loopback: false, TimeSpan.FromSeconds(5));
        using var m = r.Machine;
        Show(r);
        // The first check at 3000 ticks finds the comtest stuck; from then on P0.7 toggles every 500.
        var check = Periods(r, "P0_7");
        Assert.True(check.Length >= 3, $"P0.7 toggled {check.Length + 1} times");
        Assert.All(check, p => Assert.InRange(p, 499.9, 500.1));
        Assert.InRange(SinceFirstTick(r, "P0_7"), 2999, 2999.1);
    }
}
