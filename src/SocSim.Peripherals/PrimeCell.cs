namespace SocSim.Peripherals;

/// <summary>
/// Bus-side conventions shared by the ARM PrimeCells. Each PrimeCell decodes a 4 KiB window
/// (PADDR[11:2]); registers are 32-bit words at word offsets, and the identification registers
/// sit at 0xFE0-0xFFC, each holding one byte of the 32-bit PeriphID / PCellID in bits [7:0].
/// </summary>
internal static class PrimeCell
{
    /// <summary>Every PrimeCell occupies a 4 KiB window (PrimeCell TRMs, "Summary of registers").</summary>
    public const uint Window = 0x1000;

    /// <summary>PrimeCellID0-3 (0x0D, 0xF0, 0x05, 0xB1): the same for every PrimeCell.</summary>
    private static ReadOnlySpan<byte> CellId => [0x0D, 0xF0, 0x05, 0xB1];

    /// <summary>Register word offset of an access: PrimeCells decode PADDR[11:2].</summary>
    public static uint Offset(uint address) => address & 0xFFC;

    /// <summary>
    /// The APB has no byte lanes: a byte or halfword read returns the addressed bytes of the word
    /// register (the CPU picks its lane from the word the bridge returns).
    /// </summary>
    public static uint NarrowRead(uint word, uint address, int size)
    {
        int shift = (int)(address & 3) * 8;
        uint v = word >> shift;
        return size switch { 1 => v & 0xFF, 2 => v & 0xFFFF, _ => v };
    }

    /// <summary>
    /// A byte or halfword write is a write of the whole word register with the written bytes in their
    /// lanes and zeros elsewhere (APB2 has no PSTRB); a byte write at the register's own address
    /// therefore sets its low bits, which is what firmware storing a character with STRB relies on.
    /// </summary>
    public static uint NarrowWrite(uint value, uint address, int size)
    {
        uint v = size switch { 1 => value & 0xFF, 2 => value & 0xFFFF, _ => value };
        return v << ((int)(address & 3) * 8);
    }

    /// <summary>
    /// A CMSDK peripheral's identification registers at 0xFD0-0xFFC (DDI 0479C, each block's register
    /// table): PID4 0x04, PID5-7 0, PID0 the part number, PID1 0xB8, PID2 0x1B, PID3 0, CID0-3 as a PrimeCell's.
    /// </summary>
    public static uint CmsdkId(uint offset, byte partNumber)
    {
        int i = (int)((offset - 0xFD0) >> 2);
        return i switch { 0 => 0x04, < 4 => 0, 4 => partNumber, 5 => 0xB8, 6 => 0x1B, 7 => 0, _ => CellId[i - 8] };
    }

    /// <summary>Reads PeriphID0-3 (0xFE0-0xFEC) and PCellID0-3 (0xFF0-0xFFC).</summary>
    public static uint ReadId(uint offset, ReadOnlySpan<byte> periphId)
    {
        int i = (int)((offset - 0xFE0) >> 2);
        return i < 4 ? periphId[i] : CellId[i - 4];
    }
}
