using SocSim.Arm;
using SocSim.Trace.Signals;

namespace SocSim.Trace.Tests;

/// <summary>The VCD's cpu scope is what the core's declaration traces (ArmCpu.Type → ArmCpuSignals).</summary>
public class CoreSignalsTests
{
    [Fact]
    public void TheCpuScope_IsDeclaredByTheCore()
    {
        using var m = Machine.Create([Tools.Board]);
        var signals = new MachineSignals(m, new MachineSignalsOptions { Mclk = true });
        var cpu = signals.Registry.Signals.Where(s => s.Scope == "cpu").Select(s => s.Name).ToList();
        // The pins in the TRM's order, the clock pin the declaration names, its inputs, then the registers.
        Assert.Equal(["A", "D", "nRW", "MAS", "nMREQ", "SEQ", "nOPC", "nTRANS", "LOCK", "ABORT", ArmCpu.Type.ClockPin], cpu.Take(11));
        Assert.Equal(ArmCpu.Type.Inputs.Select(i => i.Name), cpu.Skip(11).Take(2));
        Assert.Equal(ArmCpu.Type.Registers.Select(r => r.Name), cpu.Skip(13).Take(ArmCpu.Type.Registers.Count));
        Assert.Equal("mode", cpu[^1]);
        Assert.Equal(["execute", "decode", "fetch", "opcode", "T"], signals.Registry.Signals.Where(s => s.Scope == "cpu.pipe").Select(s => s.Name));
        // Without the clock option the core declares no clock pin.
        var noClock = new MachineSignals(m);
        Assert.DoesNotContain(noClock.Registry.Signals, s => s.Scope == "cpu" && s.Name == "MCLK");
    }
}
