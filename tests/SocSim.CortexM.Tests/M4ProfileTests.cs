using SocSim.Tests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// <c>cortex-m4</c> (no F) is ARMv7E-M with the DSP extension and without the FPU (DDI 0439B 1.3: the FPU is
/// an option): a DSP instruction runs on it and is UsageFault UNDEFINSTR on <c>cortex-m3</c>; an FP instruction
/// is UsageFault NOCP on it (B1.5.14: an absent coprocessor), even with CPACR written to allow CP10/CP11
/// (CPACR reads 0 without an FPU). On mps2-an385 with <c>cpu.type</c> set.
/// </summary>
public sealed class M4ProfileTests
{
    private const uint UsageFaultHandler = 0x80, Code = 0x100;

    private static (Machine M, CortexMCpu Cpu) Boot(string core, string code)
    {
        var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", "mps2-an385.json")], ["cpu.type=" + core]);
        var cpu = (CortexMCpu)m.Core;
        m.Bus.DebugWrite32(0, 0x2000_1000);
        m.Bus.DebugWrite32(4, Code | 1);
        m.Bus.DebugWrite32(4 * CortexMCpu.ExcUsageFault, UsageFaultHandler | 1);
        m.Bus.DebugWrite(UsageFaultHandler, Asm.Assemble("b .", "cortex-m4"));
        m.Bus.DebugWrite(Code, Asm.Assemble(code, "cortex-m4"));
        cpu.Reset(0);
        return (m, cpu);
    }

    // SHCSR.USGFAULTENA so the fault is the UsageFault itself (not escalated), then the instruction.
    private const string EnableUsageFault = "ldr r7, =0xE000ED24\nldr r6, =0x40000\nstr r6, [r7]\n";

    [Fact]
    public void ADspInstructionRunsOnTheM4AndIsUndefinedOnTheM3()
    {
        const string code = EnableUsageFault + "ldr r1, =0x00030004\nldr r2, =0x00050006\nsadd16 r0, r1, r2\nb .\n.ltorg";
        var (m4, cpu4) = Boot("cortex-m4", code);
        using (m4)
        {
            for (int i = 0; i < 6; i++) cpu4.Step();
            Assert.Equal(0x0008_000Au, cpu4.GetRegister(0));   // 3 + 5, 4 + 6 in each halfword
            Assert.Equal(0xFu, (cpu4.Apsr >> 16) & 0xF);        // GE[1:0] and GE[3:2] set: both halfword sums >= 0
            Assert.Equal(0u, cpu4.Ipsr);
            Assert.Equal(0x410FC241u, m4.Bus.Read32(0xE000ED00, SocSim.Core.AccessFlags.None));   // CPUID: Cortex-M4 r0p1
        }
        var (m3, cpu3) = Boot("cortex-m3", code);
        using (m3)
        {
            for (int i = 0; i < 6; i++) cpu3.Step();
            Assert.Equal((uint)CortexMCpu.ExcUsageFault, cpu3.Ipsr);
            Assert.Equal(1u << 16, cpu3.Cfsr);                  // UNDEFINSTR
        }
    }

    [Fact]
    public void AnFpInstructionIsANoCoprocessorUsageFaultOnTheM4()
    {
        // CPACR = CP10 and CP11 full access: ignored without an FPU (reads 0), then VADD.F32.
        const string code = ".fpu fpv4-sp-d16\n" + EnableUsageFault + "ldr r1, =0xE000ED88\nldr r2, =0x00F00000\nstr r2, [r1]\nvadd.f32 s0, s1, s2\nb .\n.ltorg";
        var (m, cpu) = Boot("cortex-m4", code);
        using (m)
        {
            for (int i = 0; i < 7; i++) cpu.Step();
            Assert.Equal(0u, m.Bus.Read32(0xE000ED88, SocSim.Core.AccessFlags.None));
            Assert.False(cpu.HasFpu);
            Assert.Equal((uint)CortexMCpu.ExcUsageFault, cpu.Ipsr);
            Assert.Equal(1u << 19, cpu.Cfsr);                   // NOCP
        }
    }
}
