using System.Text;
using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Boards.Tests;

/// <summary>Board, image and checkpoint files that are too big, not files, or cut short: refused with one line, never read without end.</summary>
public sealed class BoundedInputTests : IDisposable
{
    private readonly TestFiles _files = new();
    public void Dispose() => _files.Dispose();

    private static string Repo(params string[] parts) => Path.Combine([SocSim.Tests.RepoPaths.Root, .. parts]);

    /// <summary>A board with <paramref name="count"/> SP804 timers, one per 4 KiB page.</summary>
    private string ManyPeripherals(int count)
    {
        var sb = new StringBuilder("""{ "cpu": { "type": "arm7tdmi", "clock": "CPUCLK" }, "clocks": { "CPUCLK": 50000000 }, "memory": { "ram": { "base": "0x0", "size": "1MiB", "kind": "RAM", "busWidth": 32, "waitStates": { "readN": 0, "readS": 0, "writeN": 0, "writeS": 0 } } }, "peripherals": {""");
        for (int i = 0; i < count; i++)
            sb.Append(i == 0 ? "" : ",").Append($"\"t{i}\": {{ \"type\": \"sp804\", \"base\": \"0x{0x40000000 + i * 0x1000:X8}\", \"clock\": \"CPUCLK\", \"waitStates\": {{ \"readN\": 0, \"readS\": 0, \"writeN\": 0, \"writeS\": 0 }} }}");
        return _files.Write($"many{count}.json", sb.Append("} }").ToString());
    }

    [Fact]
    public void ABoardWithTwentyThousandPeripheralsLoads()
    {
        // Loading used to be quadratic in the number of keys (minutes at this size); no time is asserted here.
        var board = BoardLoader.Load(ManyPeripherals(20_000));
        Assert.Equal(20_000, board.Peripherals.Count);
        Assert.Equal("t19999", board.Peripherals[^1].Name);
        Assert.Equal(0x40000000u + 19_999u * 0x1000, board.Peripherals[^1].Base);
    }

    [Fact]
    public void MorePeripheralsThanTheBusMapsIsOneError()
    {
        var board = BoardLoader.Load(ManyPeripherals(300));
        var e = Assert.Throws<ArgumentException>(() => Machine.Create(board));
        Assert.Contains("more than 256 memory regions and peripherals on one bus", e.Message);
    }

    [Fact]
    public void OverlapsAreStillFoundAndNamed()
    {
        string path = ManyPeripherals(50);
        var e = Assert.Throws<BoardException>(() => BoardLoader.Load([path], ["peripherals.t30.base=0x40014000"]));
        Assert.Contains("peripherals.t30: 0x40014000-0x40014FFF overlaps peripherals.t20", e.Message);
    }

    [Fact]
    public void ABoardFileStartingWithAByteOrderMarkLoads()
    {
        var text = File.ReadAllText(Repo("boards", "ram.json"));
        var path = _files.WriteBytes("bom.json", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)]);
        Assert.Equal(BoardLoader.Load(Repo("boards", "ram.json")).Memory, BoardLoader.Load(path).Memory);
    }

    [Fact]
    public void ADeviceOrADirectoryIsNotReadToTheEnd()
    {
        var e = Assert.Throws<BoardException>(() => BoardLoader.Load("/dev/zero"));
        Assert.Equal("/dev/zero: cannot read board file: more than 16 MiB, the largest board file read", e.Message);
        e = Assert.Throws<BoardException>(() => BoardLoader.Load(_files.Dir));
        Assert.EndsWith("cannot read board file: is a directory, not board file", e.Message);
        var elf = Assert.Throws<SocSim.Boards.Elf.ElfException>(() => SocSim.Boards.Elf.ElfFile.Parse("/dev/zero"));
        Assert.Equal("/dev/zero: cannot read: more than 512 MiB, the largest firmware image read", elf.Message);
        var state = Assert.Throws<StateException>(() => Machine.ReadCheckpointHeader("/dev/zero"));
        Assert.Equal("/dev/zero: not a SocSim state file (no SOCSIMCK header)", state.Message);
    }

    [Fact]
    public void AFailedSaveKeepsThePreviousCheckpoint()
    {
        using var m = Machine.Create(BoardLoader.Load(Repo("boards", "versatilepb.json")));
        m.LoadElf(Repo("firmware", "elf", "timer_irq.elf"));
        m.Run(10_000);
        long cycles = m.Cycles;
        string path = Path.Combine(_files.Dir, "good.state");
        m.SaveState(path);
        var good = File.ReadAllBytes(path);
        Assert.Empty(Directory.GetFiles(_files.Dir, ".*.tmp"));

        // The save writes beside the file first; make that fail (as a full disk would) and the old file stays whole.
        m.Run(20_000);
        Directory.CreateDirectory(Path.Combine(_files.Dir, $".good.state.{Environment.ProcessId}.tmp"));
        var failure = Record.Exception(() => m.SaveState(path));
        Assert.True(failure is IOException or UnauthorizedAccessException, failure?.ToString() ?? "the save did not fail");
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Equal(cycles, Machine.ReadCheckpointHeader(path).Cycles);
    }
}
