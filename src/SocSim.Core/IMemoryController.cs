namespace SocSim.Core;

/// <summary>
/// Serves the CPU's accesses to a RAM/ROM region in place of the plain region (see
/// <see cref="Bus.SetController"/>), and says what each read costs: for memory whose timing depends on
/// its own state (prefetch and line buffers) or whose low addresses are remapped elsewhere.
/// </summary>
public interface IMemoryController
{
    /// <summary>A timed CPU read; <paramref name="clocks"/> is its cost in CPU clocks (at least 1).</summary>
    uint Read(uint address, int size, AccessFlags flags, ref bool abort, out int clocks);

    /// <summary>A CPU write; it costs the region's table cost.</summary>
    void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort);
}
