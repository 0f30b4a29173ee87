using SocSim.Core.Cores;
using SocSim.Core.Signals;
using SocSim.Tests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The M4F's FP registers in <c>--regs</c> (<see cref="Machine.RegisterLine"/>) and in the VCD's <c>cpu</c> scope:
/// s0-s31 and fpscr after the integer registers; a core without the FPU (mps2-an385's M3) lists exactly its
/// declaration's registers, as before.
/// </summary>
public sealed class FpRegisterViewTests
{
    private static Machine Board(string name) => Machine.Create([Path.Combine(RepoPaths.Root, "boards", name + ".json")]);

    [Fact]
    public void RegsListsS0ToS31AndFpscrAfterTheIntegerRegistersOnTheM4F()
    {
        using var m = Board("mps2-an386");
        var cpu = (CortexMCpu)m.Core;
        for (int i = 0; i < 32; i++) cpu.SetS(i, 0x3F80_0000u + (uint)i);
        cpu.Fpscr = 0x0040_0000;                         // RMode = round towards plus infinity
        var fields = m.RegisterLine().Split(' ');
        int n = m.Board.Cpu.Type.Registers.Count;
        Assert.Equal(n + 33, fields.Length);
        Assert.Equal("r0=", fields[0][..3]);
        Assert.Equal("s0=3f800000", fields[n]);
        Assert.Equal("s31=3f80001f", fields[n + 31]);
        Assert.Equal("fpscr=00400000", fields[n + 32]);
    }

    [Fact]
    public void RegsOfACoreWithoutTheFpuIsItsDeclarationOnly()
    {
        using var m = Board("mps2-an385");
        var fields = m.RegisterLine().Split(' ');
        Assert.Equal(m.Board.Cpu.Type.Registers.Select(r => r.Name), fields.Select(f => f[..f.IndexOf('=')]));
        Assert.Empty(((CortexMCpu)m.Core).FloatRegisterNames);
    }

    [Fact]
    public void TheVcdCpuScopeDeclaresAndFollowsTheFpRegistersOnTheM4FOnly()
    {
        using var m = Board("mps2-an386");
        var cpu = (CortexMCpu)m.Core;
        var registry = new SignalRegistry(25_000_000);
        var signals = new CortexMSignals(cpu, registry, new CoreSignalOptions());
        var names = registry.Signals.Where(s => s.Scope == "cpu").Select(s => s.Name).ToList();
        int s0 = names.IndexOf("s0");
        Assert.True(s0 > names.IndexOf("control"), "the FP registers follow the integer ones");
        Assert.Equal([.. Enumerable.Range(0, 32).Select(i => "s" + i), "fpscr"], names.Skip(s0).Take(33));
        signals.Attach(0);
        cpu.SetS(5, 0x4049_0FDB);                        // pi
        cpu.Fpscr = 0x8000_0000;                         // N
        signals.AfterInstruction(10);
        Assert.Equal(0x4049_0FDBUL, registry.Signals.Single(s => s.FullName == "cpu.s5").Value);
        Assert.Equal(0x8000_0000UL, registry.Signals.Single(s => s.FullName == "cpu.fpscr").Value);

        using var m3 = Board("mps2-an385");
        var r3 = new SignalRegistry(25_000_000);
        _ = new CortexMSignals((CortexMCpu)m3.Core, r3, new CoreSignalOptions());
        Assert.DoesNotContain(r3.Signals, s => s.Name is "s0" or "fpscr");
    }
}
