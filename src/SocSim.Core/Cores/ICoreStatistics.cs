namespace SocSim.Core.Cores;

/// <summary>
/// A core with figures of its own for <c>socsim run --stats</c> (the ARM926EJ-S's cache hit rates,
/// line fills, write-backs and TLB misses): a few lines printed under the stats line.
/// </summary>
public interface ICoreStatistics
{
    IEnumerable<string> StatisticsLines();
}
