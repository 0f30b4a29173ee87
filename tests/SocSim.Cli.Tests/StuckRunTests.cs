using SocSim.Tests;

namespace SocSim.Cli.Tests;

/// <summary>
/// Runs that can never end end (issue 23 section 2): the demo on a board without its devices loops in its
/// data-abort handler; `socsim run` says where the first abort was and that the core is stuck, exit 125,
/// on both engines, long before the cycle limit.
/// </summary>
public sealed class StuckRunTests
{
    private static string Elf(string name) => Path.Combine(RepoPaths.Root, "firmware", "elf", name + ".elf");

    public static TheoryData<string> Engines() => new("interpret", "translate");

    [Theory, MemberData(nameof(Engines))]
    public void TheDefaultDemoOnTheBareRamBoard_IsStuck(string engine)
    {
        var r = Socsim.Run("run", "--board", "ram", "--max-cycles", "10000000", "--engine", engine, "--translate-after", "0");
        Assert.Equal(125, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Equal([
            "socsim: warning: data abort at pc=0x0000034C: 4-byte write to 0x101F1030, where nothing is mapped (nearest: memory 'ram' 0x00000000-0x03FFFFFF)",
            "socsim run: the core is stuck at cycle 746: data abort taken 18 times in a row from pc=0x0000061C with the same registers and memory, no device access, and nothing pending that could change them",
        ], Lines(r.Stderr));
    }

    [Theory, MemberData(nameof(Engines))]
    public void TheTimerDemoOnTheLpc2106_IsStuck(string engine)
    {
        // Its stacks are where the LPC2106 has nothing: the first push aborts, and so does the handler's.
        var r = Socsim.Run("run", Elf("timer_irq"), "--board", Path.Combine(RepoPaths.Root, "boards", "lpc2106.json"), "--max-cycles", "10000000", "--engine", engine, "--translate-after", "0");
        Assert.Equal(125, r.ExitCode);
        Assert.Equal([
            "socsim: warning: data abort at pc=0x00000040: 4-byte write to 0x03FFEFFC, where nothing is mapped (nearest: memory 'flash' 0x00000000-0x0001FFFF)",
            "socsim: warning: data abort at pc=0x0000060C: 4-byte write to 0x03FBD3FC, where nothing is mapped (nearest: memory 'flash' 0x00000000-0x0001FFFF)",
            "socsim run: the core is stuck at cycle 3336: data abort taken 18 times in a row from pc=0x0000060C with the same registers and memory, no device access, and nothing pending that could change them",
        ], Lines(r.Stderr));
    }

    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}
