using SocSim.Tests;
using SocSim.Trace.Profiling;

namespace SocSim.Firmware.Tests;

/// <summary>Paths into the repository and machines built from its boards and firmware.</summary>
internal static class Repo
{
    public static string Root => RepoPaths.Root;

    public static string Board(string name = "versatilepb") => Path.Combine(Root, "boards", name + ".json");
    public static string Override(string name) => Path.Combine(Root, "boards", "overrides", name + ".json");
    public static string Elf(string name) => Path.Combine(Root, "firmware", "elf", name + ".elf");

    /// <summary>The default board with <paramref name="elf"/> loaded (and uart_echo's input queued).</summary>
    public static Machine Load(string elf, params string[] sets) => Load(elf, [Board()], sets);

    public static Machine Load(string elf, string[] boards, string[] sets)
    {
        var m = Machine.Create(boards, sets);
        m.LoadElf(Elf(elf));
        string input = Path.Combine(Root, "firmware", "input", elf + ".txt");
        if (File.Exists(input)) m.Uarts["uart0"].EnqueueHostInput(File.ReadAllBytes(input));
        return m;
    }

    /// <summary>Runs <paramref name="elf"/> to its exit under the profiler.</summary>
    public static (RunResult Result, Profile Profile, string Uart) Profile(string elf, long maxCycles = 200_000_000)
    {
        using var m = Load(elf);
        var p = new Profiler(m.Cpu, m.Elf);
        m.AddHook(p);
        var r = m.Run(maxCycles);
        return (r, p.Snapshot(m.Cpu), m.UartOutput("uart0"));
    }
}
