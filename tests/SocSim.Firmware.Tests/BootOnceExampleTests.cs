namespace SocSim.Firmware.Tests;

// The checkpoint example of docs/firmware-testing.md, verbatim: keep the two in step.
using SocSim;
using Xunit;

// Boots FreeRTOS's LPC2106 demo once, to the moment the kernel starts, and keeps that moment as a
// checkpoint; every test starts a fresh machine from it instead of booting again.
public sealed class BootedFreeRtos
{
    static readonly string Root = Enumerable.Repeat(0, 10)
        .Aggregate(AppContext.BaseDirectory, (d, _) => File.Exists(Path.Combine(d, "SocSim.sln")) ? d : Path.GetDirectoryName(d.TrimEnd('/', '\\'))!);

    public readonly byte[] AtSchedulerStart;
    public readonly long BootCycles;

    public BootedFreeRtos()
    {
        using var m = NewMachine();
        m.RunUntil("vTaskStartScheduler");          // every task created, the kernel about to start
        BootCycles = m.Cycles;
        var state = new MemoryStream();
        m.SaveState(state);
        AtSchedulerStart = state.ToArray();
    }

    static Machine NewMachine()
    {
        var m = Machine.Create([Path.Combine(Root, "boards/lpc2106.json"), Path.Combine(Root, "boards/overrides/lpc2106-uart0-loopback.json")],
            [], new MachineOptions { Warnings = TextWriter.Null });
        m.LoadElf(Path.Combine(Root, "../shared/freertos/elf/rtosdemo-arm.elf"));
        return m;
    }

    /// <summary>A new machine at the moment the scheduler starts.</summary>
    public Machine Resume()
    {
        var m = NewMachine();
        m.LoadState(new MemoryStream(AtSchedulerStart));
        return m;
    }
}

public class FreeRtosFromBootTests(BootedFreeRtos booted) : IClassFixture<BootedFreeRtos>
{
    [Fact]
    public void EveryTestStartsWhereTheBootEnded()
    {
        using var m = booted.Resume();
        Assert.Equal(booted.BootCycles, m.Cycles);
        Assert.Equal(m.Symbol("vTaskStartScheduler"), m.Cpu.Pc);
    }

    [Fact]
    public void TheTickInterruptComesEveryMillisecond()
    {
        using var m = booted.Resume();
        m.RunUntil("vTickISR");
        long first = m.SimulatedNanoseconds;
        for (int tick = 0; tick < 5; tick++)
        {
            m.RunUntil("vTickISR");
            long ns = m.SimulatedNanoseconds - first;
            first = m.SimulatedNanoseconds;
            Assert.InRange(ns, 996_000, 1_004_000);   // 1 kHz tick; entry waits for the current instruction and any critical section (< 4 us here)
        }
    }

    [Fact]
    public void AnLedTaskTogglesItsLedWithin200MillisecondsOfTheStart()
    {
        using var m = booted.Resume();
        long start = m.SimulatedNanoseconds;
        Assert.Equal(StopReason.Stopped, m.RunUntil("vParTestToggleLED").Reason);
        Assert.True(m.SimulatedNanoseconds - start < 200_000_000);
    }
}
