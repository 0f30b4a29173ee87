using SocSim.Core;

namespace SocSim.Arm.Tests;

/// <summary>
/// A bare ARM7TDMI on RAM for the Thumb, cycle-timing and Unicorn comparison tests: 64 KiB of RAM at 0
/// (32-bit bus, configurable wait states) and optionally 64 KiB at 0x10000 on a 16-bit bus.
/// </summary>
internal sealed class ThumbTestMachine : IDisposable
{
    public const uint Ram16Base = 0x0001_0000;

    public readonly Scheduler Scheduler;
    public readonly Bus Bus;
    public readonly MemoryRegion Ram;
    public readonly MemoryRegion? Ram16;
    public readonly ArmCpu Cpu;

    public ThumbTestMachine(WaitStates? waits = null, WaitStates? waits16 = null, uint ramSize = 0x1_0000)
    {
        Scheduler = Scheduler.CycleBased();
        Bus = new Bus(Scheduler);
        Ram = new MemoryRegion("ram", 0, ramSize, RegionKind.Ram, 32, waits ?? WaitStates.Zero);
        Bus.AddRegion(Ram);
        if (waits16 is { } w16)
        {
            Ram16 = new MemoryRegion("ram16", Ram16Base, 0x1_0000, RegionKind.Ram, 16, w16);
            Bus.AddRegion(Ram16);
        }
        Cpu = new ArmCpu(Bus);
    }

    public void Write16(uint addr, params ushort[] halfwords)
    {
        foreach (var h in halfwords) { Bus.DebugWrite8(addr, (byte)h); Bus.DebugWrite8(addr + 1, (byte)(h >> 8)); addr += 2; }
    }

    public void Write32(uint addr, params uint[] words)
    {
        foreach (var w in words) { Bus.DebugWrite32(addr, w); addr += 4; }
    }

    public uint Read32(uint addr) => Bus.DebugRead32(addr);
    public ushort Read16(uint addr) => (ushort)(Bus.DebugRead8(addr) | Bus.DebugRead8(addr + 1) << 8);

    /// <summary>Starts execution at <paramref name="pc"/> in the given state and mode (flags from <paramref name="flags"/>).</summary>
    public void Start(uint pc, bool thumb, CpuMode mode = CpuMode.Supervisor, uint flags = 0, bool irqFiqDisabled = true)
    {
        uint cpsr = (uint)mode | (flags & 0xF000_0000) | (thumb ? Psr.T : 0) | (irqFiqDisabled ? Psr.I | Psr.F : 0);
        Cpu.SetCpsr(cpsr);
        Cpu.SetRegister(15, pc);
    }

    public uint this[int r] { get => Cpu.GetRegister(r); set => Cpu.SetRegister(r, value); }

    public void Step(int n = 1) { for (int i = 0; i < n; i++) Cpu.Step(); }

    public void Dispose()
    {
        Cpu.Dispose();
        Bus.Dispose();
        Ram.Dispose();
        Ram16?.Dispose();
    }
}

/// <summary>Thumb encodings (TRM DDI 0210C chapter 5) for the tests.</summary>
internal static class T
{
    public static ushort Lsl(int rd, int rs, int imm) => (ushort)(0x0000 | imm << 6 | rs << 3 | rd);
    public static ushort Lsr(int rd, int rs, int imm) => (ushort)(0x0800 | imm << 6 | rs << 3 | rd);
    public static ushort Asr(int rd, int rs, int imm) => (ushort)(0x1000 | imm << 6 | rs << 3 | rd);
    public static ushort AddReg(int rd, int rs, int rn) => (ushort)(0x1800 | rn << 6 | rs << 3 | rd);
    public static ushort SubReg(int rd, int rs, int rn) => (ushort)(0x1A00 | rn << 6 | rs << 3 | rd);
    public static ushort AddImm3(int rd, int rs, int imm) => (ushort)(0x1C00 | imm << 6 | rs << 3 | rd);
    public static ushort SubImm3(int rd, int rs, int imm) => (ushort)(0x1E00 | imm << 6 | rs << 3 | rd);
    public static ushort MovImm(int rd, int imm) => (ushort)(0x2000 | rd << 8 | imm);
    public static ushort CmpImm(int rd, int imm) => (ushort)(0x2800 | rd << 8 | imm);
    public static ushort AddImm8(int rd, int imm) => (ushort)(0x3000 | rd << 8 | imm);
    public static ushort SubImm8(int rd, int imm) => (ushort)(0x3800 | rd << 8 | imm);
    /// <summary>Format 4, op: 0 AND 1 EOR 2 LSL 3 LSR 4 ASR 5 ADC 6 SBC 7 ROR 8 TST 9 NEG A CMP B CMN C ORR D MUL E BIC F MVN.</summary>
    public static ushort Alu(int op, int rd, int rs) => (ushort)(0x4000 | op << 6 | rs << 3 | rd);
    public static ushort AddHi(int rd, int rs) => (ushort)(0x4400 | (rd & 8) << 4 | rs << 3 | (rd & 7));
    public static ushort CmpHi(int rd, int rs) => (ushort)(0x4500 | (rd & 8) << 4 | rs << 3 | (rd & 7));
    public static ushort MovHi(int rd, int rs) => (ushort)(0x4600 | (rd & 8) << 4 | rs << 3 | (rd & 7));
    public static ushort Bx(int rs) => (ushort)(0x4700 | rs << 3);
    public static ushort LdrPc(int rd, int imm8) => (ushort)(0x4800 | rd << 8 | imm8);
    public static ushort StrReg(int rd, int rb, int ro) => (ushort)(0x5000 | ro << 6 | rb << 3 | rd);
    public static ushort StrbReg(int rd, int rb, int ro) => (ushort)(0x5400 | ro << 6 | rb << 3 | rd);
    public static ushort LdrReg(int rd, int rb, int ro) => (ushort)(0x5800 | ro << 6 | rb << 3 | rd);
    public static ushort LdrbReg(int rd, int rb, int ro) => (ushort)(0x5C00 | ro << 6 | rb << 3 | rd);
    public static ushort StrhReg(int rd, int rb, int ro) => (ushort)(0x5200 | ro << 6 | rb << 3 | rd);
    public static ushort LdrhReg(int rd, int rb, int ro) => (ushort)(0x5A00 | ro << 6 | rb << 3 | rd);
    public static ushort LdsbReg(int rd, int rb, int ro) => (ushort)(0x5600 | ro << 6 | rb << 3 | rd);
    public static ushort LdshReg(int rd, int rb, int ro) => (ushort)(0x5E00 | ro << 6 | rb << 3 | rd);
    public static ushort StrImm(int rd, int rb, int imm5) => (ushort)(0x6000 | imm5 << 6 | rb << 3 | rd);
    public static ushort LdrImm(int rd, int rb, int imm5) => (ushort)(0x6800 | imm5 << 6 | rb << 3 | rd);
    public static ushort StrbImm(int rd, int rb, int imm5) => (ushort)(0x7000 | imm5 << 6 | rb << 3 | rd);
    public static ushort LdrbImm(int rd, int rb, int imm5) => (ushort)(0x7800 | imm5 << 6 | rb << 3 | rd);
    public static ushort StrhImm(int rd, int rb, int imm5) => (ushort)(0x8000 | imm5 << 6 | rb << 3 | rd);
    public static ushort LdrhImm(int rd, int rb, int imm5) => (ushort)(0x8800 | imm5 << 6 | rb << 3 | rd);
    public static ushort StrSp(int rd, int imm8) => (ushort)(0x9000 | rd << 8 | imm8);
    public static ushort LdrSp(int rd, int imm8) => (ushort)(0x9800 | rd << 8 | imm8);
    public static ushort AddPc(int rd, int imm8) => (ushort)(0xA000 | rd << 8 | imm8);
    public static ushort AddSpRd(int rd, int imm8) => (ushort)(0xA800 | rd << 8 | imm8);
    public static ushort AddSp(int imm7, bool negative) => (ushort)(0xB000 | (negative ? 0x80 : 0) | imm7);
    public static ushort Push(int rlist, bool lr) => (ushort)(0xB400 | (lr ? 0x100 : 0) | rlist);
    public static ushort Pop(int rlist, bool pc) => (ushort)(0xBC00 | (pc ? 0x100 : 0) | rlist);
    public static ushort Stmia(int rb, int rlist) => (ushort)(0xC000 | rb << 8 | rlist);
    public static ushort Ldmia(int rb, int rlist) => (ushort)(0xC800 | rb << 8 | rlist);
    /// <summary>Conditional branch; <paramref name="offset"/> in bytes from the instruction's address + 4.</summary>
    public static ushort BCond(int cond, int offset) => (ushort)(0xD000 | cond << 8 | ((offset >> 1) & 0xFF));
    public static ushort Swi(int imm8) => (ushort)(0xDF00 | imm8);
    public static ushort B(int offset) => (ushort)(0xE000 | ((offset >> 1) & 0x7FF));
    /// <summary>BL pair; <paramref name="offset"/> in bytes from the first half's address + 4.</summary>
    public static ushort[] Bl(int offset) => [(ushort)(0xF000 | ((offset >> 12) & 0x7FF)), (ushort)(0xF800 | ((offset >> 1) & 0x7FF))];
    public const ushort Nop = 0x46C0;   // MOV r8, r8
}

/// <summary>ARM encodings for the tests (condition AL unless given).</summary>
internal static class A
{
    public const uint Al = 0xE000_0000;
    public const uint Nop = 0xE1A0_0000;   // MOV r0, r0
    /// <summary>Data processing, immediate operand (rot = rotate field 0..15).</summary>
    public static uint DpImm(int opcode, bool s, int rd, int rn, int imm8, int rot = 0) =>
        Al | 1u << 25 | (uint)opcode << 21 | (s ? 1u << 20 : 0) | (uint)rn << 16 | (uint)rd << 12 | (uint)rot << 8 | (uint)imm8;
    /// <summary>Data processing, register shifted by immediate (type 0 LSL 1 LSR 2 ASR 3 ROR).</summary>
    public static uint DpReg(int opcode, bool s, int rd, int rn, int rm, int type = 0, int amount = 0) =>
        Al | (uint)opcode << 21 | (s ? 1u << 20 : 0) | (uint)rn << 16 | (uint)rd << 12 | (uint)amount << 7 | (uint)type << 5 | (uint)rm;
    /// <summary>Data processing, register shifted by register.</summary>
    public static uint DpRegShift(int opcode, bool s, int rd, int rn, int rm, int type, int rs) =>
        Al | (uint)opcode << 21 | (s ? 1u << 20 : 0) | (uint)rn << 16 | (uint)rd << 12 | (uint)rs << 8 | (uint)type << 5 | 1u << 4 | (uint)rm;
    public static uint Mul(int rd, int rm, int rs, bool s = false) => Al | (s ? 1u << 20 : 0) | (uint)rd << 16 | (uint)rs << 8 | 0x90 | (uint)rm;
    public static uint Mla(int rd, int rm, int rs, int rn, bool s = false) => Al | 1u << 21 | (s ? 1u << 20 : 0) | (uint)rd << 16 | (uint)rn << 12 | (uint)rs << 8 | 0x90 | (uint)rm;
    /// <summary>UMULL/UMLAL/SMULL/SMLAL.</summary>
    public static uint MulLong(bool signed, bool acc, int rdLo, int rdHi, int rm, int rs, bool s = false) =>
        Al | 1u << 23 | (signed ? 1u << 22 : 0) | (acc ? 1u << 21 : 0) | (s ? 1u << 20 : 0) | (uint)rdHi << 16 | (uint)rdLo << 12 | (uint)rs << 8 | 0x90 | (uint)rm;
    /// <summary>LDR/STR with a 12-bit immediate offset.</summary>
    public static uint LdrStrImm(bool load, bool b, int rd, int rn, int offset, bool pre = true, bool up = true, bool w = false) =>
        Al | 1u << 26 | (pre ? 1u << 24 : 0) | (up ? 1u << 23 : 0) | (b ? 1u << 22 : 0) | (w ? 1u << 21 : 0) | (load ? 1u << 20 : 0) | (uint)rn << 16 | (uint)rd << 12 | (uint)offset;
    public static uint LdrStrReg(bool load, bool b, int rd, int rn, int rm, int type, int amount, bool pre = true, bool up = true, bool w = false) =>
        Al | 3u << 25 | (pre ? 1u << 24 : 0) | (up ? 1u << 23 : 0) | (b ? 1u << 22 : 0) | (w ? 1u << 21 : 0) | (load ? 1u << 20 : 0) | (uint)rn << 16 | (uint)rd << 12 | (uint)amount << 7 | (uint)type << 5 | (uint)rm;
    /// <summary>Halfword/signed transfer, immediate offset; sh: 1 H, 2 SB, 3 SH.</summary>
    public static uint HalfImm(bool load, int sh, int rd, int rn, int offset, bool pre = true, bool up = true, bool w = false) =>
        Al | (pre ? 1u << 24 : 0) | (up ? 1u << 23 : 0) | 1u << 22 | (w ? 1u << 21 : 0) | (load ? 1u << 20 : 0) | (uint)rn << 16 | (uint)rd << 12 | (uint)(offset & 0xF0) << 4 | 0x90 | (uint)sh << 5 | (uint)(offset & 0xF);
    public static uint HalfReg(bool load, int sh, int rd, int rn, int rm, bool pre = true, bool up = true, bool w = false) =>
        Al | (pre ? 1u << 24 : 0) | (up ? 1u << 23 : 0) | (w ? 1u << 21 : 0) | (load ? 1u << 20 : 0) | (uint)rn << 16 | (uint)rd << 12 | 0x90 | (uint)sh << 5 | (uint)rm;
    public static uint Ldm(int rn, int list, bool pre = false, bool up = true, bool w = false, bool s = false) =>
        Al | 1u << 27 | (pre ? 1u << 24 : 0) | (up ? 1u << 23 : 0) | (s ? 1u << 22 : 0) | (w ? 1u << 21 : 0) | 1u << 20 | (uint)rn << 16 | (uint)list;
    public static uint Stm(int rn, int list, bool pre = false, bool up = true, bool w = false, bool s = false) =>
        Al | 1u << 27 | (pre ? 1u << 24 : 0) | (up ? 1u << 23 : 0) | (s ? 1u << 22 : 0) | (w ? 1u << 21 : 0) | (uint)rn << 16 | (uint)list;
    public static uint Swp(int rd, int rm, int rn, bool b = false) => Al | 1u << 24 | (b ? 1u << 22 : 0) | (uint)rn << 16 | (uint)rd << 12 | 0x90 | (uint)rm;
    /// <summary>B/BL; <paramref name="offset"/> in bytes from the instruction's address + 8.</summary>
    public static uint B(int offset, bool link = false, uint cond = 0xE) => cond << 28 | 5u << 25 | (link ? 1u << 24 : 0) | ((uint)(offset >> 2) & 0xFF_FFFF);
    public static uint Bx(int rm) => Al | 0x012F_FF10 | (uint)rm;
    public static uint Swi(uint comment) => Al | 0x0F00_0000 | comment;
    public const uint Undefined = 0xE7F0_00F0;
    public static uint Mrs(int rd, bool spsr = false) => Al | 0x010F_0000 | (spsr ? 1u << 22 : 0) | (uint)rd << 12;
    public static uint MsrReg(int rm, int fieldMask, bool spsr = false) => Al | 0x0120_F000 | (spsr ? 1u << 22 : 0) | (uint)fieldMask << 16 | (uint)rm;
}
