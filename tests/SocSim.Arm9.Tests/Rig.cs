using SocSim.Arm;
using SocSim.Core;

namespace SocSim.Arm9.Tests;

/// <summary>ARM encodings the core's tests use (ARM ARM A3, A4).</summary>
internal static class Enc
{
    public const uint Nop = 0xE1A0_0000;   // MOV r0, r0
    public static uint Mcr(int rd, int crn, int crm, int op2 = 0) => 0xEE00_0F10u | (uint)crn << 16 | (uint)rd << 12 | (uint)op2 << 5 | (uint)crm;
    public static uint Mrc(int rd, int crn, int crm, int op2 = 0) => 0xEE10_0F10u | (uint)crn << 16 | (uint)rd << 12 | (uint)op2 << 5 | (uint)crm;
    public static uint Ldr(int rd, int rn, int off = 0) => 0xE590_0000u | (uint)rn << 16 | (uint)rd << 12 | (uint)off;
    public static uint Ldrb(int rd, int rn, int off = 0) => 0xE5D0_0000u | (uint)rn << 16 | (uint)rd << 12 | (uint)off;
    public static uint Str(int rd, int rn, int off = 0) => 0xE580_0000u | (uint)rn << 16 | (uint)rd << 12 | (uint)off;
    public static uint MovImm(int rd, int imm) => 0xE3A0_0000u | (uint)rd << 12 | (uint)imm;
    public static uint AddReg(int rd, int rn, int rm) => 0xE080_0000u | (uint)rn << 16 | (uint)rd << 12 | (uint)rm;
    public static uint B(int words) => 0xEA00_0000u | ((uint)(words - 2) & 0xFF_FFFF);
}

/// <summary>
/// An ARM926EJ-S on 1 MiB of zero-wait RAM with a first-level table at <see cref="Ttb"/>: code at
/// <see cref="CodeBase"/>, CP15 set up by executing MCR instructions as software does.
/// </summary>
internal sealed class Rig : IDisposable
{
    public const uint Ttb = 0x4000, CodeBase = 0x8000, Coarse = 0x2000, Fine = 0x1000;
    public readonly TestMachine M;
    public Arm926Cpu Cpu => M.Cpu;
    private uint _next = CodeBase;

    public Rig(WaitStates? waits = null, int clkPerHclk = 1, int dcacheKiB = 16) => M = new(0x10_0000, waits, clkPerHclk, dcacheKiB: dcacheKiB);

    /// <summary>Where the next <see cref="Run"/> or <see cref="Cycles"/> puts its code.</summary>
    public uint NextCode => _next;

    /// <summary>
    /// Fills the I-cache with the lines of [<paramref name="from"/>, + <paramref name="bytes"/>) by
    /// "prefetch ICache line" (MCR p15, 0, r5, c7, c13, 1), as software locks code in; r5 is used.
    /// </summary>
    public void PrefetchCode(uint from, uint bytes)
    {
        var ops = new List<uint>();
        Cpu.SetRegister(5, from & ~31u);
        for (uint a = 0; a < bytes; a += 32) { ops.Add(Enc.Mcr(5, 7, 13, 1)); ops.Add(0xE2855020); }   // ADD r5, r5, #32
        Run(ops.ToArray());
    }

    /// <summary>Section descriptor (ARM ARM B4.7.4): AP, domain, C, B.</summary>
    public static uint Section(uint pa, int ap = 3, int domain = 0, bool c = false, bool b = false) =>
        (pa & 0xFFF0_0000) | (uint)ap << 10 | (uint)domain << 5 | (c ? 8u : 0) | (b ? 4u : 0) | 0x12;

    public void L1(uint va, uint descriptor) => M.Write32(Ttb + (va >> 20) * 4, descriptor);

    /// <summary>Identity sections over the RAM's first MiB (so code, tables and vectors stay reachable), cacheable and bufferable.</summary>
    public void MapRamFlat(int ap = 3, int domain = 0) => L1(0, Section(0, ap, domain, true, true));

    /// <summary>Runs <paramref name="ops"/> from the current code pointer, one Step each, after setting the given registers.</summary>
    public void Run(params uint[] ops)
    {
        uint at = _next;
        M.Write32(at, ops);
        _next += (uint)ops.Length * 4;
        Cpu.SetRegister(15, at);
        for (int i = 0; i < ops.Length; i++) Cpu.Step();
    }

    /// <summary>TTB, DACR (domain 0 client unless given) and CR, by MCR.</summary>
    public void EnableMmu(uint control = Cr.M | Cr.C | Cr.I, uint dacr = 1)
    {
        Cpu.SetRegister(0, Ttb);
        Cpu.SetRegister(1, dacr);
        Cpu.SetRegister(2, Cr.Sbo | control);
        Run(Enc.Mcr(0, 2, 0), Enc.Mcr(1, 3, 0), Enc.Mcr(2, 1, 0));
    }

    /// <summary>Cycles <paramref name="ops"/> take, stepped one by one (after the setup already done).</summary>
    public long Cycles(params uint[] ops)
    {
        uint at = _next;
        M.Write32(at, ops);
        _next += (uint)ops.Length * 4;
        Cpu.SetRegister(15, at);
        long start = M.Scheduler.Cycles;
        for (int i = 0; i < ops.Length; i++) Cpu.Step();
        return M.Scheduler.Cycles - start;
    }

    public CpuMode Mode => Cpu.Mode;

    public void Dispose() => M.Dispose();
}
