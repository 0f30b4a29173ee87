using SocSim.Core;

namespace SocSim.Arm.Tests;

/// <summary><see cref="ArmCpu.GetBankedRegisters"/> (one bank lookup for r0-r14, the stuck detector's capture) gives what <see cref="ArmCpu.GetBankedRegister"/> gives for each register, from every mode, for every mode value.</summary>
public sealed class BankedRegisterTests
{
    private static readonly CpuMode[] Modes = [CpuMode.User, CpuMode.Fiq, CpuMode.Irq, CpuMode.Supervisor, CpuMode.Abort, CpuMode.Undefined, CpuMode.System];

    [Fact]
    public void AllAtOnce_SameAsOneByOne()
    {
        var scheduler = Scheduler.CycleBased();
        using var bus = new Bus(scheduler);
        using var cpu = new ArmCpu(bus);
        // Every bank's registers distinct.
        foreach (var mode in Modes)
        {
            cpu.SetCpsr((uint)mode | Psr.I | Psr.F);
            for (int r = 0; r < 15; r++) cpu.SetRegister(r, (uint)mode << 24 | (uint)r << 8 | 0x5A);
        }
        var all = new uint[15];
        foreach (var current in Modes)
        {
            cpu.SetCpsr((uint)current | Psr.I | Psr.F);
            for (uint m = 0; m < 40; m++)
            {
                all.AsSpan().Fill(0xDEAD_BEEF);
                cpu.GetBankedRegisters((CpuMode)m, all);
                for (int r = 0; r < 15; r++) Assert.Equal(cpu.GetBankedRegister((CpuMode)m, r), all[r]);
            }
        }
    }
}
