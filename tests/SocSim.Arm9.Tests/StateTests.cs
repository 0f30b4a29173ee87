using SocSim.Core.State;

namespace SocSim.Arm9.Tests;

/// <summary>Checkpoints: the core's state (registers, CP15, the TLB) saved and restored into a fresh core goes on identically.</summary>
public sealed class StateTests
{
    [Fact]
    public void SavedAndRestoredCoreContinuesIdentically()
    {
        using var a = new Rig();
        a.MapRamFlat();
        a.L1(0x9000_0000, Rig.Coarse | 0x11);
        a.M.Write32(Rig.Coarse + 5 * 4, 0x9000 | 0xFF0 | 0x2);
        a.M.Write32(0x9000, 0xCAFE_BABE);
        a.EnableMmu();
        a.Cpu.SetRegister(4, 0x9000_5000);
        a.Run(Enc.Ldr(3, 4), Enc.Nop);

        var stream = new MemoryStream();
        a.Cpu.SaveState(new StateWriter(stream));
        using var b = new Rig();
        b.M.Load(0, ReadAll(a));
        stream.Position = 0;
        b.Cpu.LoadState(new StateReader(stream));

        Assert.Equal(a.Cpu.Control, b.Cpu.Control);
        Assert.Equal(a.Cpu.TlbEntries(), b.Cpu.TlbEntries());
        // Both go on with the same program: a load through the restored TLB (no walk), then a store.
        foreach (var r in new[] { a, b })
        {
            long misses = r.Cpu.TlbMisses;
            r.Cpu.SetRegister(5, 0x9000_5004);
            r.Run(Enc.Ldr(6, 4), Enc.Str(6, 5));
            Assert.Equal(misses, r.Cpu.TlbMisses);
        }
        for (int i = 0; i < 15; i++) Assert.Equal(a.Cpu.GetRegister(i), b.Cpu.GetRegister(i));
        Assert.Equal(a.Cpu.Cpsr, b.Cpu.Cpsr);
        Assert.Equal(0xCAFE_BABEu, b.M.Read32(0x9004));
    }

    private static byte[] ReadAll(Rig r)
    {
        var data = new byte[0x10_0000];
        r.M.Bus.DebugRead(0, data);
        return data;
    }
}
