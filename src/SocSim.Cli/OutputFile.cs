namespace SocSim.Cli;

/// <summary>A file a command will write, checked before any work is done (a sweep's table after hours of points, a run's trace).</summary>
internal static class OutputFile
{
    /// <summary>Why <paramref name="path"/> cannot be created, as "OPTION PATH: reason"; null when it can.</summary>
    public static string? Problem(string path, string option)
    {
        string full = Path.GetFullPath(path);
        string shown = Usage.Quote(path, 200);
        if (Directory.Exists(full)) return $"{option} {shown}: is a directory (give a file name)";
        string? dir = Path.GetDirectoryName(full);
        if (dir != null && !Directory.Exists(dir)) return $"{option} {shown}: no such directory {Usage.Quote(dir, 200)}";
        return null;
    }
}
