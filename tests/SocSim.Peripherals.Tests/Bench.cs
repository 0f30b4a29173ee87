using SocSim.Core;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// A 48 MHz time base (one tick = one CPU cycle at 48 MHz) with UARTCLK 24 MHz (2 ticks) and
/// TIMCLK 1 MHz (48 ticks). Time moves only through <see cref="At"/>.
/// </summary>
internal sealed class Bench
{
    public const long TicksPerSecond = 48_000_000;
    public readonly Scheduler Scheduler = new(TicksPerSecond, 1);
    public readonly ClockDomain UartClk = new("UARTCLK", 24_000_000, 2);
    public readonly ClockDomain TimClk = new("TIMCLK", 1_000_000, 48);

    /// <summary>Moves time forward to <paramref name="tick"/> and runs every event due by then.</summary>
    public void At(long tick)
    {
        Assert.True(tick >= Scheduler.Now, "time must not go backwards");
        Scheduler.Cycles = tick;
        Scheduler.RunDue();
    }

    public static uint R(IBusDevice d, uint offset, int size = 4, AccessFlags flags = AccessFlags.Privileged)
    {
        bool abort = false;
        uint v = d.Read(0x1000_0000 + offset, size, flags, ref abort);
        Assert.False(abort);
        return v;
    }

    public static void W(IBusDevice d, uint offset, uint value, int size = 4, AccessFlags flags = AccessFlags.Privileged | AccessFlags.Write)
    {
        bool abort = false;
        d.Write(0x1000_0000 + offset, size, value, flags, ref abort);
        Assert.False(abort);
    }
}
