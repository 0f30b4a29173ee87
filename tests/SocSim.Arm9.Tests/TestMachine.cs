using SocSim.Core;

namespace SocSim.Arm9.Tests;

/// <summary>A bare ARM926EJ-S on RAM at 0 (zero wait states, 32-bit), for the core's tests.</summary>
internal sealed class TestMachine : IDisposable
{
    public readonly Scheduler Scheduler;
    public readonly Bus Bus;
    public readonly MemoryRegion Ram;
    public readonly Arm926Cpu Cpu;

    public TestMachine(uint ramSize = 0x10_0000, WaitStates? waits = null, int clkPerHclk = 1, int icacheKiB = 32, int dcacheKiB = 16)
    {
        Scheduler = Scheduler.CycleBased();
        Bus = new Bus(Scheduler);
        Ram = new MemoryRegion("ram", 0, ramSize, RegionKind.Ram, 32, waits ?? WaitStates.Zero);
        Bus.AddRegion(Ram);
        Cpu = new Arm926Cpu(Bus, icacheKiB, dcacheKiB, clkPerHclk);
    }

    /// <summary>Writes memory as a debugger or loader does: the core's caches are told (<see cref="Arm926Cpu.DebugMemoryWritten"/>).</summary>
    public void Load(uint addr, byte[] bytes)
    {
        Bus.DebugWrite(addr, bytes);
        Cpu.DebugMemoryWritten(addr, bytes.Length);
    }

    public void Write32(uint addr, params uint[] words)
    {
        uint at = addr;
        foreach (var w in words) { Bus.DebugWrite32(at, w); at += 4; }
        Cpu.DebugMemoryWritten(addr, words.Length * 4);
    }

    /// <summary>Memory as the bus holds it, without the D-cache's dirty lines (what a DMA master would read).</summary>
    public uint ReadMemory32(uint addr) => Bus.DebugRead32(addr);

    public uint Read32(uint addr) => Bus.DebugRead32(addr);

    public void Dispose()
    {
        Cpu.Dispose();
        Bus.Dispose();
        Ram.Dispose();
    }
}
