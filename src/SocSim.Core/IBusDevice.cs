namespace SocSim.Core;

/// <summary>
/// A memory-mapped device on the slow path of the bus. <paramref name="address"/> is the address the
/// CPU drives (not forced to alignment); <paramref name="size"/> is 1, 2 or 4 bytes.
/// </summary>
public interface IBusDevice
{
    uint Read(uint address, int size, AccessFlags flags, ref bool abort);
    void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort);

    /// <summary>
    /// nRESET: registers to their reset values, pending work dropped, outputs deasserted. Memory keeps
    /// its contents (reset does not clear RAM), hence the empty default.
    /// </summary>
    void Reset() { }
}
