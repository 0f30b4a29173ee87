namespace SocSim.Tests;

/// <summary>Where the tests find the repository and the shared conformance data; compiled into every test project.</summary>
internal static class RepoPaths
{
    /// <summary>The folder holding SocSim.sln, found by walking up from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// ../shared/conformance/arm7tdmi beside the checkout (as CI lays it out), or SOCSIM_CONFORMANCE_DIR.
    /// Missing data fails the tests: it is not optional.
    /// </summary>
    public static string ConformanceDirectory
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("SOCSIM_CONFORMANCE_DIR");
            var dir = !string.IsNullOrEmpty(env) ? env : Path.GetFullPath(Path.Combine(Root, "..", "shared", "conformance", "arm7tdmi"));
            if (!Directory.Exists(dir))
                throw new DirectoryNotFoundException($"conformance data not found at {dir}: check out shared/ beside the repository or set SOCSIM_CONFORMANCE_DIR");
            return dir;
        }
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "SocSim.sln"))) return d.FullName;
        throw new InvalidOperationException("SocSim.sln not found above " + AppContext.BaseDirectory);
    }
}
