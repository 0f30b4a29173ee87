namespace SocSim.Arm;

/// <summary>
/// Bit-level model of the ARM7TDMI multiplier, kept only for the value it leaves in the C flag.
/// </summary>
/// <remarks>
/// <para>
/// ARMv4 calls C "meaningless" after MUL/MLA/UMULL/UMLAL/SMULL/SMLAL with S set. On the chip it is
/// deterministic: it is a by-product of the multiplier datapath. The datapath was reverse-engineered
/// in 2024 by zaydlang and calc84maniac ("Solving the Mystery of ARM7TDMI Multiply Carry Flag",
/// https://bmchtech.github.io/post/multiply/), building on Furber, "ARM System-on-Chip Architecture",
/// and the ARM patents by Seal, Larri and Jaggar. This file is an independent re-implementation of
/// that description; it simulates the hardware structure rather than any emulator's shortcut.
/// </para>
/// <para>
/// The datapath, as modelled here:
/// </para>
/// <list type="number">
/// <item><b>Operands.</b> Rm (the multiplicand) and Rs (the multiplier) are widened to 34 bits: sign-
/// extended for SMULL/SMLAL and for MUL/MLA (the 32-bit forms always use the signed variant of the
/// datapath; their low 32 bits do not care, but early termination does), zero-extended for UMULL/UMLAL.</item>
/// <item><b>Radix-4 modified Booth recoding.</b> Rs is consumed two bits at a time. Each step looks at a
/// 3-bit window of Rs and selects an addend of 0, +Rm, +2Rm, -2Rm or -Rm. Negative addends are produced
/// as the bitwise inverse (cheap) and the missing "+1" of the two's complement is injected later as a
/// single carry bit. The hardware effectively recodes Rs shifted left by one: the very first, extra
/// "chunk" only sees Rs[0] and contributes 0 or -Rm. That extra addend is loaded into the carry
/// register before the first cycle (its +1 goes to the final adder's carry-in), which is why a 1-cycle
/// multiply covers Rs[7:0] completely.</item>
/// <item><b>Carry-save array.</b> Four 3:2 carry-save adders are chained per clock cycle, one per Booth
/// step, so a cycle retires 8 bits of Rs. A CSA adds three vectors into a sum vector (XOR) and a carry
/// vector (majority, one bit position higher); no carry ever ripples, which is what makes 4 additions
/// per cycle possible. The left shift of the carry vector frees its bit 0, and that is exactly where
/// the Booth "+1" of a negative addend is injected. The array is only 33 bits wide: after each step
/// the two lowest bits can no longer change (later addends are at least 4x larger) and are retired
/// into the partial sum / partial carry latches; the window then moves up two bits. The bits above
/// the window (sign extension of the carry and of the addend, and the upper 30 bits of a 64-bit
/// accumulator, fed in two per step) are folded into the top of the window with the patents' trick
/// of replacing a sign-extended row by a row of ones plus an inverted bit.</item>
/// <item><b>Accumulate.</b> The accumulator is loaded into the sum register at the start (so MLA costs
/// no extra adder); for the long forms its bits 34..63 enter the array two per step at the top.</item>
/// <item><b>Early termination.</b> After each cycle the multiplier stops if the Rs bits not yet
/// consumed are all zeros (or, for the signed datapath, all ones): their Booth addends would all be
/// zero. So a multiply takes 1 to 4 array cycles (the TRM's "m"). This matters for the flag: it
/// decides how far the window has moved, hence which partial-carry bits are still in the array and
/// which were retired, and which bit ends up where the flag is read.</item>
/// <item><b>Where C comes from.</b> The sum and carry latches are finally added by the ALU, and the
/// partial carry reaches the ALU through the barrel shifter, which rotates it back into place. C is
/// the barrel shifter's carry-out, i.e. the last bit rotated out: bit 31 of the partial carry in
/// absolute position for MUL/MLA and for long multiplies that terminated early, bit 63 for long
/// multiplies that ran all 4 cycles (the high word is rotated last). For a full-length 32-bit
/// multiply bit 31 is the Booth "+1" injected by the last step, so C = (Rs[31:30] == 0b10).</item>
/// </list>
/// <para>
/// Checked against the hardware-recorded flags of the mgba-suite "multiply long" test and, on random
/// operands, against an independently written arithmetic formulation of the same datapath.
/// </para>
/// <para>
/// The SingleStepTests ARM7TDMI conformance data (December 2024) does not model this: it leaves C
/// unchanged after every S-multiply, so this model disagrees with it on roughly 40 % of them (C only).
/// </para>
/// </remarks>
public static class BoothMultiplier
{
    private const ulong Mask33 = (1UL << 33) - 1; // width of the carry-save array window
    private const ulong Mask34 = (1UL << 34) - 1; // width of a Booth addend (up to 2 * Rm, signed)

    /// <summary>Carry flag after a multiply with the given operands (0 or 1).</summary>
    /// <param name="rm">Multiplicand register value.</param>
    /// <param name="rs">Multiplier register value (drives Booth recoding and early termination).</param>
    /// <param name="accumulate">Rn for MLA, RdHi:RdLo for UMLAL/SMLAL; ignored unless <paramref name="accumulates"/>.</param>
    /// <param name="accumulates">MLA/UMLAL/SMLAL.</param>
    /// <param name="isLong">UMULL/UMLAL/SMULL/SMLAL.</param>
    /// <param name="signed">SMULL/SMLAL. Ignored for MUL/MLA, which always use the signed datapath.</param>
    /// <param name="carryIn">The old C flag. Not used: the multiplier overwrites C unconditionally.</param>
    public static uint Carry(uint rm, uint rs, ulong accumulate, bool accumulates, bool isLong, bool signed, uint carryIn)
    {
        _ = carryIn;
        return Run(rm, rs, accumulates ? accumulate : 0, isLong, signed).Carry;
    }

    /// <summary>
    /// Array cycles the multiplier runs for (1..4): 8 bits of <paramref name="rs"/> per cycle, stopping
    /// when the remaining bits are all zeros, or all ones on the signed datapath (MUL/MLA, SMULL/SMLAL).
    /// </summary>
    public static int Cycles(uint rs, bool isLong, bool signed)
    {
        bool signedPath = signed || !isLong;
        int n = 1;
        while (n < 4 && !Terminates(rs, n, signedPath)) n++;
        return n;
    }

    /// <summary>True if, after <paramref name="cycles"/> cycles, the unconsumed bits of Rs are all equal.</summary>
    private static bool Terminates(uint rs, int cycles, bool signedPath)
    {
        int shift = 8 * cycles;
        if (signedPath)
        {
            int rest = (int)rs >> shift;
            return rest == 0 || rest == -1;
        }
        return (rs >> shift) == 0;
    }

    /// <summary>One Booth step's addend: a 34-bit pattern plus the "+1" owed when it was inverted.</summary>
    private static (ulong Addend, ulong Negate) Recode(ulong multiplicand, uint chunk) => chunk switch
    {
        // chunk = Rs bits {2k+2, 2k+1, 2k} of the left-shifted multiplier: digit = b0 + b1 - 2*b2.
        1 or 2 => (multiplicand & Mask34, 0),              // +1 x Rm
        3 => ((multiplicand << 1) & Mask34, 0),            // +2 x Rm
        4 => (~(multiplicand << 1) & Mask34, 1),           // -2 x Rm = ~(2 Rm) + 1
        5 or 6 => (~multiplicand & Mask34, 1),             // -1 x Rm = ~Rm + 1
        _ => (0, 0),                                       // 0 (chunks 000 and 111)
    };

    /// <summary>Runs the datapath; returns the flag and the number of array cycles.</summary>
    internal static (uint Carry, int Cycles) Run(uint rm, uint rs, ulong accumulate, bool isLong, bool signed)
    {
        bool signedPath = signed || !isLong;
        ulong multiplicand = signedPath ? (ulong)(long)(int)rm & Mask34 : rm;
        ulong multiplier = signedPath ? (ulong)(long)(int)rs & Mask34 : rs;

        // Initial state. Sum register <- accumulator; carry register <- the extra first Booth addend
        // (-Rm if Rs[0] is set, as ~Rm; its +1 is the final adder's carry-in, which C never sees).
        ulong sum = accumulate & Mask34;
        ulong carry = (rs & 1) != 0 ? ~multiplicand & Mask34 : 0;
        ulong accHigh = accumulate >> 34; // bits 34..63, fed into the top of the array 2 per step

        // Retired bits of the partial carry latch, in absolute bit positions; 'pos' is the absolute
        // position of bit 0 of the array window. Bit 0 retires straight away.
        ulong retiredCarry = carry & 1;
        int pos = 1;
        sum = (sum >> 1) & Mask33;
        carry = (carry >> 1) & Mask33;

        int cycles = 0;
        do
        {
            for (int step = 0; step < 4; step++)
            {
                int k = 4 * cycles + step;
                var (addend, negate) = Recode(multiplicand, (uint)(multiplier >> (2 * k)) & 7);
                ulong x = addend & Mask33;

                // 3:2 carry-save add of the window: sum = XOR, carry = majority one place up, with the
                // Booth "+1" dropped into the free bit 0 of the carry vector.
                ulong newSum = sum ^ carry ^ x;
                ulong newCarry = (((sum & carry) | (sum & x) | (carry & x)) << 1) | negate;

                // The two lowest bits are final: retire them and move the window up two bits.
                retiredCarry |= (newCarry & 3) << pos;
                newSum >>= 2;
                newCarry >>= 2;

                // Fold in what lies above the window: the carry vector's and the addend's sign
                // extensions (each rewritten as all-ones plus an inverted bit; the all-ones rows cancel
                // into the constant pattern below) and the next two accumulator bits.
                ulong top = (accHigh & 1) + (((carry >> 32) & 1) ^ 1) + (((addend >> 33) & 1) ^ 1);
                newSum |= top << 31;
                newCarry |= (((accHigh >> 1) & 1) ^ 1) << 32;
                accHigh >>= 2;

                sum = newSum & Mask33;
                carry = newCarry & Mask33;
                pos += 2;
            }
            cycles++;
        } while (cycles < 4 && !Terminates(rs, cycles, signedPath));

        // The barrel shifter rotates the partial carry back into place for the ALU; its carry-out is
        // the last bit rotated out: absolute bit 63 when the high word of a full-length long multiply
        // is added last, bit 31 otherwise.
        int flagBit = isLong && cycles == 4 ? 63 : 31;
        ulong bit = flagBit < pos ? retiredCarry >> flagBit : carry >> (flagBit - pos);
        return ((uint)(bit & 1), cycles);
    }
}
