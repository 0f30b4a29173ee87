namespace SocSim.Core;

/// <summary>
/// An <see cref="ITimedMemory"/> controller's entry for translated opcode fetches: the same model and
/// result as <see cref="ITimedMemory.Clocks"/> with <see cref="AccessFlags.Code"/> (and
/// <see cref="AccessFlags.Seq"/> when <paramref name="seq"/>), for an address the translator knows
/// lies in the region's own bytes (from <see cref="ITimedMemory.DirectFrom"/> up), so the controller
/// may skip its address decoding. Optional: without it translated fetches call <see cref="ITimedMemory.Clocks"/>.
/// The translator calls it directly on the sealed class, which may mark it for inlining so a
/// compile-time address and size fold into its fast path.
/// </summary>
public interface ITimedCodeFetch
{
    /// <summary>The clocks of an opcode fetch of <paramref name="size"/> bytes at <paramref name="address"/> starting at cycle <paramref name="now"/>; advances the controller's state as the fetch does.</summary>
    int FetchClocks(uint address, int size, bool seq, long now);

    /// <summary>
    /// <see cref="FetchClocks"/> for the address <see cref="ITimedMemory.Region"/>'s base + <paramref name="offset"/>:
    /// the translator passes the offset as a compile-time constant, so a controller whose model keys on
    /// the offset (a flash line, a word's place in it) folds it without reading its base at run time.
    /// </summary>
    int FetchClocksAt(uint offset, int size, bool seq, long now);
}
