using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// The translator against the interpreter, in lockstep (<see cref="TranslationLockstep"/>), threshold 0
/// (every block translated the first time it is reached): random ARM and Thumb programs (data
/// processing with every operand form, multiplies, loads and stores of every size, block transfers,
/// branches, BL pairs, PSR transfers and mode changes, long multiplies, ALU and LDR writes to R15,
/// exception returns, SWIs, undefined and random words, aborts) with
/// interrupts at random cycles and random event periods from 1 to 1000 cycles; and the dedicated
/// cases the issue lists.
/// </summary>
public sealed class TranslationDifferentialTests
{
    private const uint Code = 0x1000, CodeEnd = 0x4000;

    private static void Vectors(TranslationLockstep rig)
    {
        rig.Write32(0x00, 0xEAFFFFFE);                  // reset: b .
        rig.Write32(0x04, 0xE1B0F00E);                  // undefined: movs pc, lr
        rig.Write32(0x08, 0xE1B0F00E);                  // swi: movs pc, lr
        rig.Write32(0x0C, 0xE25EF004);                  // prefetch abort: subs pc, lr, #4
        rig.Write32(0x10, 0xE25EF004);                  // data abort: subs pc, lr, #4 (skips the access)
        rig.Write32(0x14, 0xEAFFFFFE);
        rig.Write32(0x18, 0xE25EF004);                  // irq: subs pc, lr, #4
        rig.Write32(0x1C, 0xE25EF004);                  // fiq: subs pc, lr, #4
    }

    private static uint Reg(Random rng, CpuMode mode, int r) => r switch
    {
        13 => 0x8000u + (uint)mode * 0x100,
        11 => 0xA000,
        12 => 0xC000,
        7 => 0x9000,
        _ => rng.Next(4) == 0 ? (uint)rng.Next(-4, 64) : (uint)rng.NextInt64(0, 1L << 32),
    };

    // ---------------- ARM ----------------

    private static uint ArmInstruction(Random rng, uint addr)
    {
        uint cond = rng.Next(4) == 0 ? (uint)rng.Next(15) : 0xE;
        int k = rng.Next(112);
        uint R(int max) => (uint)rng.Next(max + 1);
        uint Rd() => rng.Next(12) == 0 ? 14u : R(10);
        uint Base() => (uint)(11 + rng.Next(3));
        if (k < 35)
        {
            uint opc = R(15);
            uint s = opc is >= 8 and <= 11 ? 1u : R(1);
            uint rn = rng.Next(10) == 0 ? 15u : R(12);
            uint op2;
            int form = rng.Next(3);
            if (form == 0) op2 = (1u << 25) | R(15) << 8 | R(255);
            else if (form == 1) op2 = R(31) << 7 | R(3) << 5 | (rng.Next(10) == 0 ? 15u : R(12));
            else op2 = (rng.Next(8) == 0 ? 15u : R(12)) << 8 | R(3) << 5 | 0x10 | (rng.Next(10) == 0 ? 15u : R(12));
            return cond << 28 | opc << 21 | s << 20 | rn << 16 | Rd() << 12 | op2;
        }
        if (k < 41)
            return cond << 28 | R(3) << 20 | R(10) << 16 | R(10) << 12 | R(10) << 8 | 0x90 | R(10);
        if (k < 58)
        {
            bool reg = rng.Next(4) == 0;
            uint p = R(1), u = R(1), b = R(1), w = rng.Next(4) == 0 ? 1u : 0, l = R(1);
            uint off = reg ? R(2) << 7 | R(10) : R(63);
            return cond << 28 | 1u << 26 | (reg ? 1u << 25 : 0) | p << 24 | u << 23 | b << 22 | w << 21 | l << 20 | Base() << 16 | Rd() << 12 | off;
        }
        if (k < 66)
        {
            uint p = R(1), u = R(1), w = rng.Next(4) == 0 ? 1u : 0, l = R(1), sh = 1 + R(2);
            bool imm = rng.Next(3) != 0;
            uint off = imm ? (R(3) << 8) | R(15) : R(10);
            return cond << 28 | p << 24 | u << 23 | (imm ? 1u << 22 : 0) | w << 21 | l << 20 | Base() << 16 | Rd() << 12 | (off & 0xF00) | 0x90 | sh << 5 | (off & 0xF);
        }
        if (k < 75)
        {
            uint list = (uint)rng.Next(1, 1 << 11) | (rng.Next(4) == 0 ? 1u << 14 : 0);
            uint p = R(1), u = R(1), w = R(1), l = R(1);
            return cond << 28 | 4u << 25 | p << 24 | u << 23 | w << 21 | l << 20 | Base() << 16 | list;
        }
        if (k < 86)
        {
            int target = rng.Next(-10, 10);
            long t = addr + 8 + target * 4L;
            if (t < Code || t >= CodeEnd) target = 0;
            return cond << 28 | 5u << 25 | (rng.Next(5) == 0 ? 1u << 24 : 0) | ((uint)target & 0xFF_FFFF);
        }
        if (k < 88) return 0xE328F400 | R(15) << 4;                                  // msr cpsr_f, #flags
        if (k < 90)
        {
            uint[] modes = [0x10, 0x11, 0x12, 0x13, 0x17, 0x1B, 0x1F];
            return 0xE321F000 | modes[rng.Next(modes.Length)] | (rng.Next(2) == 0 ? 0x80u : 0) | (rng.Next(3) == 0 ? 0x40u : 0); // msr cpsr_c, #imm
        }
        if (k < 92) return cond << 28 | 0x0F00_0000 | R(0xFFFF);                   // swi
        if (k < 94) return cond << 28 | 0x010F_0000 | R(1) << 22 | Rd() << 12;     // mrs
        if (k < 96) return 0xE12FFF10 | R(10);                                       // bx (mostly to garbage: aborts, Thumb code)
        if (k < 100) return (uint)rng.NextInt64(0, 1L << 32);
        // The system instructions BlockTranslator.System.cs emits.
        if (k < 104) return cond << 28 | (0x08 | R(7)) << 20 | R(10) << 16 | R(10) << 12 | R(10) << 8 | 0x90 | R(10);   // umull/umlal/smull/smlal{s}
        if (k < 106) return cond << 28 | 0x0120F000 | R(1) << 22 | R(15) << 16 | R(10);                                  // msr cpsr|spsr_<fields>, rm
        if (k < 107) return cond << 28 | 0x0360F000 | R(15) << 16 | R(15) << 8 | R(255);                                 // msr spsr_<fields>, #imm
        if (k < 108) return cond << 28 | 0x028FF000 | R(1) << 20 | R(8);                                                 // add{s} pc, pc, #(4n)
        if (k < 109) return cond << 28 | 0x0597F000 | R(63) << 2;                                                        // ldr pc, [r7, #imm] (a jump table)
        if (k < 110) return 0xE8D78000 | R(15);                                                                          // ldmia r7, {..., pc}^
        if (k < 111) return cond << 28 | 0x01B0F00E;                                                                     // movs pc, lr
        return cond << 28 | 0x025EF000 | R(1) << 2;                                                                      // subs pc, lr, #0 / #4
    }

    public static IEnumerable<object[]> Seeds(int n) => Enumerable.Range(1, n).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Seeds), 40)]
    public void RandomArmProgramsMatchTheInterpreter(int seed)
    {
        var rng = new Random(seed);
        int period = seed % 4 == 0 ? 0 : 1 + rng.Next(1000);
        using var rig = new TranslationLockstep(eventSeed: seed, maxEventPeriod: period, interrupts: seed % 2 == 1);
        Vectors(rig);
        for (uint a = Code; a < Code + 0x800; a += 4) rig.Write32(a, ArmInstruction(rng, a));
        rig.Write32(Code + 0x800, 0xEAFFFDFE);                                       // b back to the start
        // Data for the loads.
        for (uint a = 0x4000; a < 0x10000; a += 4) rig.Write32(a, (uint)rng.NextInt64(0, 1L << 32));
        // The jump table at r7 (0x9000) for LDR PC and LDM ^: addresses in the code.
        for (uint a = 0x9000; a < 0x9100; a += 4) rig.Write32(a, Code + 4 * (uint)rng.Next(0x200));
        uint cpsr = 0x1F | (seed % 2 == 1 ? 0 : Psr.I | Psr.F) | (uint)rng.Next(16) << 28;
        rig.Start(Code, cpsr, (m, r) => r == 15 ? (uint)rng.NextInt64(0, 1L << 32) : Reg(rng, m, r));
        Assert.True(rig.Run(100_000), rig.Failure);
    }

    // ---------------- Thumb ----------------

    private static ushort ThumbInstruction(Random rng, uint addr, out ushort? second)
    {
        second = null;
        int R(int max) => rng.Next(max + 1);
        int Rd() => rng.Next(7);          // r7 stays the data pointer
        int k = rng.Next(100);
        if (k < 10) return (ushort)(R(2) << 11 | R(31) << 6 | R(7) << 3 | Rd());
        if (k < 18) return (ushort)(0x1800 | R(3) << 9 | R(7) << 6 | R(7) << 3 | Rd());
        if (k < 28) return (ushort)(0x2000 | R(3) << 11 | Rd() << 8 | R(255));
        if (k < 40) return (ushort)(0x4000 | R(15) << 6 | R(7) << 3 | Rd());
        if (k < 45)
        {
            int opc = R(2), h1 = R(1), h2 = R(1);
            int rd = Rd(), rs = R(7);
            if (opc != 1 && h1 == 1 && rd == 5) rd = 4;            // no writes to PC or SP except via the rules below
            if (h1 == 1 && rd == 7) rd = 6;
            return (ushort)(0x4400 | opc << 8 | h1 << 7 | h2 << 6 | rs << 3 | rd);
        }
        if (k < 48) return (ushort)(0x4800 | Rd() << 8 | R(255));
        if (k < 62)
        {
            int form = rng.Next(4);
            return form switch
            {
                0 => (ushort)(0x5000 | R(7) << 9 | R(6) << 6 | 7 << 3 | Rd()),                 // [r7, rX]
                1 => (ushort)(0x6000 | R(3) << 11 | R(31) << 6 | 7 << 3 | Rd()),                 // [r7, #imm]
                2 => (ushort)(0x8000 | R(1) << 11 | R(31) << 6 | 7 << 3 | Rd()),                 // halfword [r7, #imm]
                _ => (ushort)(0x9000 | R(1) << 11 | Rd() << 8 | R(63)),                            // [sp, #imm]
            };
        }
        if (k < 66) return (ushort)(0xA000 | R(1) << 11 | Rd() << 8 | R(255));
        if (k < 69) return (ushort)(0xB000 | R(1) << 7 | R(8));
        if (k < 75)
        {
            bool pop = R(1) == 1;
            int list = rng.Next(1, 128) & 0x7F;
            return (ushort)(0xB400 | (pop ? 0x0800 : 0) | (!pop && R(3) == 0 ? 0x100 : 0) | list);
        }
        if (k < 79) return (ushort)(0xC000 | R(1) << 11 | 7 << 8 | rng.Next(1, 128));
        if (k < 87)
        {
            int off = rng.Next(-8, 8);
            return (ushort)(0xD000 | R(13) << 8 | (off & 0xFF));
        }
        if (k < 90) return (ushort)(0xE000 | (rng.Next(-8, 8) & 0x7FF));
        if (k < 95)
        {
            // BL pair to a nearby address.
            int off = rng.Next(-16, 16);
            second = (ushort)(0xF800 | (off & 0x7FF));
            return (ushort)(0xF000 | ((off >> 11) & 0x7FF));
        }
        if (k < 97) return (ushort)(0xDF00 | R(255));
        return (ushort)rng.Next(0x10000);
    }

    [Theory]
    [MemberData(nameof(Seeds), 40)]
    public void RandomThumbProgramsMatchTheInterpreter(int seed)
    {
        var rng = new Random(1000 + seed);
        int period = seed % 4 == 0 ? 0 : 1 + rng.Next(1000);
        using var rig = new TranslationLockstep(eventSeed: seed, maxEventPeriod: period, interrupts: seed % 2 == 1,
            second: seed % 3 == 0 ? (0x10000u, 16, new WaitStates(1, 1, 1, 1)) : null);
        Vectors(rig);
        for (uint a = Code; a < Code + 0x7FC;)
        {
            ushort h = ThumbInstruction(rng, a, out ushort? second);
            if (second is { } s2 && a + 2 < Code + 0x7FC) { rig.Write16(a, h, s2); a += 4; }
            else { rig.Write16(a, second == null ? h : (ushort)0x46C0); a += 2; }
        }
        rig.Write16(Code + 0x7FC, 0xE400);                                           // b back to the start
        for (uint a = 0x4000; a < 0x10000; a += 4) rig.Write32(a, (uint)rng.NextInt64(0, 1L << 32));
        uint cpsr = 0x1F | Psr.T | (seed % 2 == 1 ? 0 : Psr.I | Psr.F) | (uint)rng.Next(16) << 28;
        rig.Start(Code, cpsr, (m, r) => Reg(rng, m, r));
        Assert.True(rig.Run(100_000), rig.Failure);
    }
}
