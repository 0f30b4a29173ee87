namespace SocSim.Arm;

/// <summary>
/// The ARM7TDMI multiplier's carry-out. ARMv4 leaves C "meaningless" after MUL/MLA/UMULL/...; on the
/// chip it falls out of the Booth-recoded multiplier array's last step.
/// </summary>
internal static class BoothMultiplier
{
    /// <summary>Carry flag after a multiply with the given operands (0 or 1).</summary>
    public static uint Carry(uint rm, uint rs, ulong accumulate, bool accumulates, bool isLong, bool signed, uint carryIn)
    {
        // Replaced by the reverse-engineered model; until then the flag is left as it was.
        return carryIn;
    }
}
