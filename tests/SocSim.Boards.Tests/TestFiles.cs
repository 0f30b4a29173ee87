using SocSim.Tests;
namespace SocSim.Boards.Tests;

/// <summary>A scratch directory for board files and images, deleted after the test.</summary>
public sealed class TestFiles : IDisposable
{
    public TestFiles()
    {
        Dir = Path.Combine(Path.GetTempPath(), "socsim-boards-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public string Write(string name, string text)
    {
        string p = Path.Combine(Dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
        return p;
    }

    public string WriteBytes(string name, byte[] bytes)
    {
        string p = Path.Combine(Dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>The repository root (the directory holding SocSim.sln).</summary>
    public static string RepoRoot => RepoPaths.Root;

    public static string BoardsDir => Path.Combine(RepoRoot, "boards");
}
