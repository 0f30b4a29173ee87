namespace SocSim.Cli.Tests;

/// <summary>--board by name: the bundled boards are listed in the help and in the error for a name that is none of them, with the nearest name.</summary>
public sealed class BoardNameTests
{
    [Theory]
    [InlineData(new[] { "run", "--board", "lpc2016" }, "socsim run: lpc2016: no such file, nor a bundled board of that name (bundled: ", "; did you mean lpc2106?")]
    [InlineData(new[] { "board", "show", "slowram" }, "socsim board show: slowram: no such file, nor a bundled board of that name (bundled: ", "; did you mean overrides/slow-ram?")]
    [InlineData(new[] { "sweep", "--board", "versatilpb.json", "--vary", "memory.ram.waitStates.readN=0" }, "socsim sweep: versatilpb.json: no such file", "; did you mean versatilepb?")]
    [InlineData(new[] { "bench", "--board", "qwertyuiop" }, "socsim bench: qwertyuiop: no such file, nor a bundled board of that name (bundled: ", "versatilepb, versatilepb-arm926)")]
    [InlineData(new[] { "run", "--board", "overrides/slow-ram" }, "socsim run: ", "slow-ram.json: missing required key 'cpu' (an object); a file without it is an override: layer it on a whole board (socsim: --board versatilepb --board FILE)")]
    public void AWrongBoardNameIsOneLineWithTheBundledBoards(string[] args, string start, string end)
    {
        var r = Socsim.Run(args);
        Assert.Equal(2, r.ExitCode);
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(err);
        Assert.StartsWith(start, err[0]);
        Assert.EndsWith(end, err[0]);
        if (err[0].Contains("(bundled: "))
            foreach (var name in new[] { "lpc2106", "ram", "versatilepb", "overrides/slow-ram", "overrides/lpc2106-uart0-loopback" })
                Assert.Contains(name, err[0]);
        Assert.Equal("", r.Stdout);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("sweep")]
    [InlineData("bench")]
    public void HelpListsEveryBundledBoard(string command)
    {
        var r = Socsim.Run(command, "--help");
        Assert.Equal(0, r.ExitCode);
        var boardsDir = Path.Combine(Socsim.RepoRoot, "boards");
        var bundled = Directory.GetFiles(boardsDir, "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(boardsDir, f)[..^5]).Where(n => n != "board.schema").ToList();
        Assert.NotEmpty(bundled);
        string help = string.Join(" ", r.Stdout.Split('\n').Select(l => l.Trim()));
        foreach (var name in bundled) Assert.Contains(name, help);
    }
}
