namespace SocSim.Core;

/// <summary>
/// The kind of one bus clock, as the ARM7TDMI encodes it on nMREQ and SEQ (TRM DDI 0210C 3.1):
/// N non-sequential access, S sequential access, I internal cycle, C coprocessor register transfer.
/// </summary>
public enum CycleKind : byte { N = 0, S = 1, I = 2, C = 3 }

/// <summary>Attributes of a bus access that the CPU drives besides the address.</summary>
[Flags]
public enum AccessFlags : byte
{
    None = 0,
    /// <summary>SEQ: the access is sequential to the previous one.</summary>
    Seq = 1,
    /// <summary>nOPC low: an opcode fetch.</summary>
    Code = 2,
    /// <summary>Write (nRW high).</summary>
    Write = 4,
    /// <summary>LOCK: part of an indivisible read-write pair (SWP).</summary>
    Lock = 8,
    /// <summary>nTRANS high: privileged access.</summary>
    Privileged = 16,
}

/// <summary>One bus clock as seen at the pins (plus the cost the memory system charged for it).</summary>
public readonly record struct BusCycle(
    long Cycle,
    uint Address,
    uint Data,
    byte Size,
    CycleKind Kind,
    AccessFlags Flags,
    int Clocks,
    bool Abort)
{
    public bool IsWrite => (Flags & AccessFlags.Write) != 0;
    public bool IsOpcodeFetch => (Flags & AccessFlags.Code) != 0;
    public bool IsLocked => (Flags & AccessFlags.Lock) != 0;
    public bool IsPrivileged => (Flags & AccessFlags.Privileged) != 0;
}

/// <summary>
/// Receives every bus clock while subscribed. Only called when somebody subscribed, so an idle trace
/// costs one predictable branch per access.
/// </summary>
public interface IBusObserver
{
    void OnBusCycle(in BusCycle cycle);
}
