using SocSim.Tests;

namespace SocSim.Rtl.Tests;

internal static class RtlTestBoards
{
    public static string Default => Path.Combine(RepoPaths.Root, "boards", "versatilepb.json");
    public static string Asset(string name) => Path.Combine(RepoPaths.Root, "tests", "assets", "rtl", name);

    /// <summary>A machine on versatilepb plus the overlay, with a program of ARM words at 0 and the core reset there.</summary>
    public static Machine WithProgram(string overlay, uint[] words, IReadOnlyList<string>? sets = null)
    {
        var m = Machine.Create([Default, Asset(overlay)], sets);
        for (int i = 0; i < words.Length; i++) m.Bus.DebugWrite32((uint)(4 * i), words[i]);
        m.Cpu.ResetTo(0);
        return m;
    }
}
