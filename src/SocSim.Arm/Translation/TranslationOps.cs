using System.Numerics;
using System.Runtime.CompilerServices;

namespace SocSim.Arm.Translation;

/// <summary>
/// Pure helpers that translated blocks call with compile-time constant operands where the
/// instruction fixes them (shift type and amount), so the JIT inlines and folds them. Each one
/// computes exactly what the interpreter's instance method of the same purpose computes; the
/// differential tests hold them to it.
/// </summary>
internal static unsafe class TranslationOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint AddC(uint a, uint b, uint cin) => a + b + cin;

    /// <summary>a - b - !carry (ARM carry = NOT borrow).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint SubC(uint a, uint b, uint cin) => a + ~b + cin;

    /// <summary>C of MUL/MLA/MULS, from the Booth multiplier (the interpreter's); <paramref name="carry"/> is C before.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint MulCarry(uint rm, uint rs, uint acc, bool accumulates, uint carry) =>
        BoothMultiplier.Carry(rm, rs, acc, accumulates, false, false, carry);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MulCycles(uint rs) => ArmCpu.MultiplyCycles(rs, signed: true);

    // ---- barrel shifter (TRM 4.5.2), as ArmCpu.ShiftImm / ShiftReg ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ShiftImmV(uint v, int type, int amount, uint carry)
    {
        switch (type)
        {
            case 0: return amount == 0 ? v : v << amount;
            case 1: return amount == 0 ? 0 : v >> amount;
            case 2: return amount == 0 ? (uint)((int)v >> 31) : (uint)((int)v >> amount);
            default: return amount == 0 ? (carry << 31) | (v >> 1) : BitOperations.RotateRight(v, amount);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ShiftImmC(uint v, int type, int amount, uint carry)
    {
        switch (type)
        {
            case 0: return amount == 0 ? carry : (v >> (32 - amount)) & 1;
            case 1: return amount == 0 ? v >> 31 : (v >> (amount - 1)) & 1;
            case 2: return amount == 0 ? v >> 31 : (v >> (amount - 1)) & 1;
            default: return amount == 0 ? v & 1 : (v >> (amount - 1)) & 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ShiftRegV(uint v, int type, uint amount)
    {
        if (amount == 0) return v;
        switch (type)
        {
            case 0: return amount < 32 ? v << (int)amount : 0;
            case 1: return amount < 32 ? v >> (int)amount : 0;
            case 2: return amount < 32 ? (uint)((int)v >> (int)amount) : (uint)((int)v >> 31);
            default: return BitOperations.RotateRight(v, (int)(amount & 31));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ShiftRegC(uint v, int type, uint amount, uint carry)
    {
        if (amount == 0) return carry;
        switch (type)
        {
            case 0: return amount < 32 ? (v >> (32 - (int)amount)) & 1 : amount == 32 ? v & 1 : 0;
            case 1: return amount < 32 ? (v >> ((int)amount - 1)) & 1 : amount == 32 ? v >> 31 : 0;
            case 2: return amount < 32 ? (v >> ((int)amount - 1)) & 1 : v >> 31;
            default:
                int a = (int)(amount & 31);
                return a == 0 ? v >> 31 : (v >> (a - 1)) & 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Ror(uint v, uint bits) => BitOperations.RotateRight(v, (int)bits);

    // ---- the bus fast path, read exactly as Bus.Read*/Write* read it ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Page(byte** table, uint address) => table[address >> 12];

    /// <summary>Clocks of the access: cost[(timing &lt;&lt; 4) | kind] with kind = write &lt;&lt; 3 | seq &lt;&lt; 2 | log2(size).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Cost(byte* timing, int* cost, uint address, int kind) => cost[(timing[address >> 12] << 4) | kind];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Ld32(byte* page, uint address) => *(uint*)(page + (address & 0xFFC));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Ld16(byte* page, uint address) => *(ushort*)(page + (address & 0xFFE));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Ld8(byte* page, uint address) => page[address & 0xFFF];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void St32(byte* page, uint address, uint v) => *(uint*)(page + (address & 0xFFC)) = v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void St16(byte* page, uint address, uint v) => *(ushort*)(page + (address & 0xFFE)) = (ushort)v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void St8(byte* page, uint address, uint v) => page[address & 0xFFF] = (byte)v;

    /// <summary>Whether [address, address + size) overlaps [start, end): a store into the block's own words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Overlaps(uint address, uint size, uint start, uint end) => address < end && address + size > start;
}
