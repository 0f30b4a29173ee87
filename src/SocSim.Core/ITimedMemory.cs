namespace SocSim.Core;

/// <summary>
/// A memory controller (<see cref="IMemoryController"/>) that lets translated code run from its region
/// with its exact timing: translated code calls <see cref="Clocks"/> for every opcode fetch and data
/// read there, in the interpreter's order, with its own not-yet-written-back cycle count as
/// <c>now</c>; the controller's <see cref="IMemoryController.Read"/> must time the interpreter's reads
/// with the same method (now = the scheduler's cycle count), so both engines run one model.
/// </summary>
/// <remarks>
/// The translator calls the implementing class's methods directly (no interface dispatch in translated
/// code): the class must be sealed. It translates only the region's bytes as they are, from
/// <see cref="DirectFrom"/> up; a change of <see cref="DirectFrom"/> (a remap) must be announced with
/// <see cref="Bus.NotifyMappingChanged"/>, which drops every translation. Writes are not offered: a
/// store to the region leaves translated code for the interpreter.
/// </remarks>
public unsafe interface ITimedMemory : IMemoryController
{
    /// <summary>The RAM/ROM region the controller serves (its bytes are what translated code executes).</summary>
    MemoryRegion Region { get; }

    /// <summary>
    /// The lowest address from which the CPU sees the region's own bytes (everything below it in the
    /// region is remapped elsewhere now). Translated code neither executes nor reads below it.
    /// </summary>
    uint DirectFrom { get; }

    /// <summary>
    /// The cost in clocks of a CPU read of <paramref name="size"/> bytes at <paramref name="address"/>
    /// (an opcode fetch when <paramref name="flags"/> has <see cref="AccessFlags.Code"/>) that starts at
    /// cycle <paramref name="now"/>; advances the controller's state as the read does.
    /// </summary>
    int Clocks(uint address, int size, AccessFlags flags, long now);

    /// <summary>
    /// Saves the timing state, so that <see cref="Rollback"/> can undo the calls of
    /// <see cref="Clocks"/> made since: translated code marks before an instruction's fetch and rolls
    /// back when it leaves that instruction to the interpreter, which then makes the accesses again.
    /// </summary>
    void Mark();

    /// <summary>Restores the state saved by the last <see cref="Mark"/>.</summary>
    void Rollback();

    /// <summary>
    /// An upper bound of what one call of <see cref="Clocks"/> can return for any setting and state;
    /// <see cref="int.MaxValue"/> when the model has none. (The translator's per-block bounds that read it
    /// are gone: regions check the limit before every instruction. It stays as the model's stated bound,
    /// which MamTimingContractTests checks.)
    /// </summary>
    int MaxClocks { get; }
}
