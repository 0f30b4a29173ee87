using SocSim.Core;

namespace SocSim.Arm9.Tests;

/// <summary>A bare ARM926EJ-S on RAM at 0 (zero wait states, 32-bit), for the core's tests.</summary>
internal sealed class TestMachine : IDisposable
{
    public readonly Scheduler Scheduler;
    public readonly Bus Bus;
    public readonly MemoryRegion Ram;
    public readonly Arm926Cpu Cpu;

    public TestMachine(uint ramSize = 0x10_0000, WaitStates? waits = null)
    {
        Scheduler = Scheduler.CycleBased();
        Bus = new Bus(Scheduler);
        Ram = new MemoryRegion("ram", 0, ramSize, RegionKind.Ram, 32, waits ?? WaitStates.Zero);
        Bus.AddRegion(Ram);
        Cpu = new Arm926Cpu(Bus);
    }

    public void Load(uint addr, byte[] bytes) => Bus.DebugWrite(addr, bytes);

    public void Write32(uint addr, params uint[] words)
    {
        foreach (var w in words) { Bus.DebugWrite32(addr, w); addr += 4; }
    }

    public uint Read32(uint addr) => Bus.DebugRead32(addr);

    public void Dispose()
    {
        Cpu.Dispose();
        Bus.Dispose();
        Ram.Dispose();
    }
}
