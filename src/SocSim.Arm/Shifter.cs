using System.Numerics;
using System.Runtime.CompilerServices;

namespace SocSim.Arm;

/// <summary>
/// The barrel shifter of ARM state's shifter operand (ARM ARM A5.1; ARM7TDMI TRM 4.5.2), the same on the
/// ARMv4T and ARMv5TE cores: one definition both interpreters call.
/// </summary>
public static class Shifter
{
    /// <summary>Immediate shift; an amount of 0 encodes LSL #0, LSR #32, ASR #32 and RRX.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Imm(uint v, uint type, int amount, uint carryIn, out uint carry)
    {
        switch (type)
        {
            case 0:
                if (amount == 0) { carry = carryIn; return v; }
                carry = (v >> (32 - amount)) & 1; return v << amount;
            case 1:
                if (amount == 0) { carry = v >> 31; return 0; }
                carry = (v >> (amount - 1)) & 1; return v >> amount;
            case 2:
                if (amount == 0) { carry = v >> 31; return (uint)((int)v >> 31); }
                carry = (v >> (amount - 1)) & 1; return (uint)((int)v >> amount);
            default:
                if (amount == 0) { carry = v & 1; return (carryIn << 31) | (v >> 1); }
                carry = (v >> (amount - 1)) & 1; return BitOperations.RotateRight(v, amount);
        }
    }

    /// <summary>Register-specified shift by the bottom byte of Rs; 0 leaves value and carry alone.</summary>
    public static uint Reg(uint v, uint type, uint amount, uint carryIn, out uint carry)
    {
        if (amount == 0) { carry = carryIn; return v; }
        switch (type)
        {
            case 0:
                if (amount < 32) { carry = (v >> (32 - (int)amount)) & 1; return v << (int)amount; }
                carry = amount == 32 ? v & 1 : 0; return 0;
            case 1:
                if (amount < 32) { carry = (v >> ((int)amount - 1)) & 1; return v >> (int)amount; }
                carry = amount == 32 ? v >> 31 : 0; return 0;
            case 2:
                if (amount < 32) { carry = (v >> ((int)amount - 1)) & 1; return (uint)((int)v >> (int)amount); }
                carry = v >> 31; return (uint)((int)v >> 31);
            default:
                int a = (int)(amount & 31);
                if (a == 0) { carry = v >> 31; return v; }
                carry = (v >> (a - 1)) & 1; return BitOperations.RotateRight(v, a);
        }
    }
}
