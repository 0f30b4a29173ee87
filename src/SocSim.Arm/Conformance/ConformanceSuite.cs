namespace SocSim.Arm.Conformance;

/// <summary>Runs every *.json.bin file of a directory and reports per-file counts.</summary>
public static class ConformanceSuite
{
    public static IEnumerable<string> Files(string directory) =>
        Directory.GetFiles(directory, "*.json.bin").OrderBy(f => f, StringComparer.Ordinal);

    public static IReadOnlyList<ConformanceResult> RunFile(ConformanceRunner runner, string file, string? filter = null)
    {
        var results = new List<ConformanceResult>();
        foreach (var t in ConformanceTest.ReadFile(file))
        {
            if (filter != null && !t.Id.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            results.Add(runner.Run(t));
        }
        return results;
    }
}
