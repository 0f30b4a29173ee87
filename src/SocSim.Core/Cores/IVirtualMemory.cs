namespace SocSim.Core.Cores;

/// <summary>
/// A core with an MMU: a debugger sees memory at the core's virtual addresses, as the core does.
/// Implemented by cores whose accesses are translated (the ARM926EJ-S); others are physical.
/// </summary>
public interface IVirtualMemory
{
    /// <summary>
    /// The physical address <paramref name="virtualAddress"/> maps to for a privileged data read now,
    /// walking the page tables without time, TLB fill or fault; false when it would fault.
    /// </summary>
    bool DebugTranslate(uint virtualAddress, out uint physicalAddress);

    /// <summary>The TLB's valid entries, one line each, for a debugger's <c>monitor tlb</c>.</summary>
    IEnumerable<string> DescribeTlb();
}
