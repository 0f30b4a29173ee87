using SocSim.Core.State;

namespace SocSim.CortexM.Tests;

public sealed class StateTests
{
    private const string Program = "ldr r0, =0x6000\nmsr psp, r0\nmovs r0, #2\nmsr control, r0\nmovs r4, #0\n" +
                                   "1: adds r4, #3\nldr r5, [sp]\nsvc 1\nstr r4, [sp, #-4]!\ncmp r4, #60\nbne 1b\nbkpt #0\n.ltorg";

    [Fact]
    public void ACheckpointTakenMidwayResumesIdentically()
    {
        using var a = new TestCore().Load(Program).Handler(CortexMCpu.ExcSvCall, "mrs r1, psp\nbx lr").Reset();
        for (int i = 0; i < 37; i++) a.Cpu.Step();          // inside the loop, after some SVCs
        var ms = new MemoryStream();
        a.Cpu.SaveState(new StateWriter(ms));
        var ram = new byte[0x2_0000];
        a.Bus.DebugRead(0, ram);

        using var b = new TestCore();
        b.Bus.DebugWrite(0, ram);
        b.Cpu.LoadState(new StateReader(new MemoryStream(ms.ToArray())));
        b.Scheduler.Cycles = a.Scheduler.Cycles;
        a.Cpu.RunTo(long.MaxValue);
        b.Cpu.RunTo(long.MaxValue);
        Assert.Equal(CoreState.Halted, a.Cpu.State);
        Assert.Equal(CoreState.Halted, b.Cpu.State);
        for (int r = 0; r < 16; r++) Assert.Equal(a.Cpu.GetRegister(r), b.Cpu.GetRegister(r));
        Assert.Equal(a.Cpu.Xpsr, b.Cpu.Xpsr);
        Assert.Equal(a.Cpu.Msp, b.Cpu.Msp);
        Assert.Equal(a.Cpu.Cycles, b.Cpu.Cycles);
        Assert.Equal(a.Cpu.Instructions, b.Cpu.Instructions);
        Assert.Equal(60u, b.Cpu.GetRegister(4));
    }

    [Fact]
    public void AStateOfAnotherVersionIsRefusedInOneLine()
    {
        var ms = new MemoryStream();
        new StateWriter(ms).Write(99);
        using var t = new TestCore();
        var e = Assert.Throws<StateException>(() => t.Cpu.LoadState(new StateReader(new MemoryStream(ms.ToArray()))));
        Assert.Equal("Cortex-M core state version 99, this build reads 8", e.Message);
    }
}
