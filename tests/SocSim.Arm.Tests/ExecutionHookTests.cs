using SocSim.Core;
using SocSim.Core.Cores;

namespace SocSim.Arm.Tests;

public class ExecutionHookTests
{
    // 0x00 mov r0,#3; 0x04 subs r0,r0,#1; 0x08 bne 0x04; 0x0c b .
    private static readonly uint[] Program = { 0xe3a00003, 0xe2500001, 0x1afffffd, 0xeafffffe };

    private sealed class Recorder : IExecutionHook
    {
        public readonly List<uint> Pcs = new();
        public uint StopAt = 0xFFFF_FFFF;
        public int After;
        public bool BeforeInstruction(ICore cpu, uint pc, uint opcode) { Pcs.Add(pc); return pc == StopAt; }
        public void AfterInstruction(ICore cpu) => After++;
    }

    private static (ArmCpu, Bus, Scheduler) Make()
    {
        var s = Scheduler.CycleBased();
        var bus = new Bus(s);
        var ram = new MemoryRegion("ram", 0, 0x1000, RegionKind.Ram, 32, WaitStates.Zero);
        bus.AddRegion(ram);
        for (int i = 0; i < Program.Length; i++) bus.DebugWrite32((uint)(4 * i), Program[i]);
        return (new ArmCpu(bus), bus, s);
    }

    [Fact]
    public void TheHookSeesEveryInstructionWithItsAddressInOrder()
    {
        var (cpu, _, _) = Make();
        var rec = new Recorder();
        cpu.Hook = rec;
        for (int i = 0; i < 8; i++) cpu.Step();
        Assert.Equal(new uint[] { 0, 4, 8, 4, 8, 4, 8, 0xc }, rec.Pcs);
        Assert.Equal(8, rec.After);
    }

    [Fact]
    public void StoppingBeforeAnInstructionLeavesItUnexecutedAndResumingRunsIt()
    {
        var (cpu, _, s) = Make();
        var rec = new Recorder { StopAt = 8 };
        cpu.Hook = rec;
        Assert.True(cpu.Run(1000));
        Assert.Equal(8u, cpu.Pc);
        Assert.Equal(2u, cpu.GetRegister(0));
        long cycles = s.Cycles;
        // Resuming executes the bne at 8 without stopping again, then stops at its next visit.
        Assert.True(cpu.Run(1000));
        Assert.Equal(8u, cpu.Pc);
        Assert.Equal(1u, cpu.GetRegister(0));
        Assert.True(s.Cycles > cycles);
    }

    [Fact]
    public void ARunWithoutAHookGivesTheSameCyclesAsOneWithAHook()
    {
        var (a, _, sa) = Make();
        var (b, _, sb) = Make();
        b.Hook = new Recorder();
        for (int i = 0; i < 9; i++) { a.Step(); b.Step(); }
        Assert.Equal(sa.Cycles, sb.Cycles);
        Assert.Equal(a.Pc, b.Pc);
    }
}
