using System.Text;
using SocSim.Core.State;

namespace SocSim.Boards.Tests;

/// <summary>
/// Semihosting in a checkpoint: a host file the target has open (written, or read part-way) is
/// reopened by name inside the sandbox at its position, never truncated, and the run goes on as if
/// it had not stopped (tests/assets/semihosting: data.txt written, closed, reopened and read).
/// </summary>
public sealed class SemihostingStateTests
{
    private static string Elf => Path.Combine(SemihostingTests.AssetsDir, "semihosting", "semihosting.elf");
    private static string VersatilePb => Path.Combine(TestFiles.BoardsDir, "versatilepb.json");

    private static Machine Build(string sandbox, MemoryStream console)
    {
        var m = Machine.Create([VersatilePb], [], new MachineOptions
        {
            Console = console,
            ConsoleInput = new MemoryStream(Encoding.ASCII.GetBytes("xyzw")),
            SandboxDirectory = sandbox,
            CommandLine = "semihosting.elf",
        });
        m.LoadElf(Elf);
        return m;
    }

    private static string Text(MemoryStream s) => Encoding.Latin1.GetString(s.ToArray());

    [Theory]
    [InlineData("\nwrite=", "\nclose=")]  // data.txt open for writing, its bytes written
    [InlineData("seek=", "read_data=")]    // data.txt open for reading, positioned at 4
    public void AnOpenHostFileIsReopenedAtItsPosition(string after, string before)
    {
        using var refFiles = new TestFiles();
        var refConsole = new MemoryStream();
        RunResult reference;
        using (var m = Build(refFiles.Dir, refConsole)) reference = m.Run(50_000_000);

        using var files = new TestFiles();
        var console1 = new MemoryStream();
        var state = new MemoryStream();
        using (var m1 = Build(files.Dir, console1))
        {
            var r = m1.RunUntil(_ => Text(console1).Contains(after) && !Text(console1).Contains(before), 50_000_000);
            Assert.Equal(StopReason.Stopped, r.Reason);
            m1.SaveState(state);
        }
        var console2 = new MemoryStream();
        using var m2 = Build(files.Dir, console2);
        state.Position = 0;
        m2.LoadState(state);
        var resumed = m2.Run(50_000_000);

        Assert.Equal(reference, resumed);
        Assert.Equal(Text(refConsole), Text(console1) + Text(console2));
        Assert.Equal(File.ReadAllText(Path.Combine(refFiles.Dir, "data.txt")), File.ReadAllText(Path.Combine(files.Dir, "data.txt")));
    }

    [Fact]
    public void AnOpenHostFileNeedsTheSandbox()
    {
        using var files = new TestFiles();
        var console = new MemoryStream();
        var state = new MemoryStream();
        using (var m = Build(files.Dir, console))
        {
            m.RunUntil(_ => Text(console).Contains("open_w="), 50_000_000);
            m.SaveState(state);
        }
        using var n = Machine.Create([VersatilePb], [], new MachineOptions { Console = new MemoryStream(), CommandLine = "semihosting.elf" });
        n.LoadElf(Elf);
        state.Position = 0;
        var e = Assert.Throws<StateException>(() => n.LoadState(state));
        Assert.Equal("state: the state has host file 'data.txt' open through semihosting, but this run has no --sandbox", e.Message);
    }
}
