namespace SocSim.Core.Cores;

/// <summary>
/// A core that reports reaching chosen instruction addresses without an execution hook, so that its
/// translator keeps running while it watches (the interrupt latency probe's wait for a handler's first
/// instruction). One client at a time: <see cref="SetWatch"/> replaces the set and the callback.
/// </summary>
public interface IAddressWatch
{
    /// <summary>
    /// Watches <paramref name="addresses"/> (instruction addresses, Thumb bit clear; empty: none):
    /// <paramref name="reached"/> is called with the address at every instruction boundary where the
    /// instruction there is about to execute, as <see cref="IExecutionHook.BeforeInstruction"/> would be
    /// (after the boundary's interrupt sampling, which takes an entry in its place; the core's cycles are
    /// those of the boundary). The callback may change the set.
    /// </summary>
    void SetWatch(ReadOnlySpan<uint> addresses, Action<uint> reached);
}
