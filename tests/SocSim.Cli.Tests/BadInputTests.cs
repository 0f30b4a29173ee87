using System.Text;

namespace SocSim.Cli.Tests;

/// <summary>
/// Files the bad-input cases share: a good VCD and a checkpoint made by socsim itself, and hostile
/// ones written by hand. Made once per test run.
/// </summary>
public sealed class BadInputFiles : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "socsim-bad-input", Guid.NewGuid().ToString("N"));

    public BadInputFiles()
    {
        Directory.CreateDirectory(Path.Combine(Dir, "adir"));
        Directory.CreateDirectory(Path.Combine(Dir, "adir.csv"));
        var vcd = Socsim.Run("run", "--vcd", Path.Combine(Dir, "ok.vcd"), "--max-cycles", "20000");
        Assert.True(vcd.ExitCode == 124, vcd.Stderr);
        var save = Socsim.Run("run", "--save-state", Path.Combine(Dir, "state.bin"), "--at", "300000");
        Assert.True(save.ExitCode == 0, save.Stderr);
        Write("big.vcd", "$timescale 1s $end\n$var wire 1 ! a $end\n$enddefinitions $end\n#0\n0!\n#100000\n1!\n");
        Write("noend.vcd", "$var wire 1 ! a $end\n");
        foreach (var (name, width) in new[] { ("w0.vcd", "0"), ("wneg.vcd", "-3"), ("whuge.vcd", "2000000000") })
            Write(name, $"$var wire {width} ! a $end\n$enddefinitions $end\n#0\n0!\n");
        var ok = File.ReadAllText(Path.Combine(Dir, "ok.vcd"));
        Write("cut.vcd", ok[..(ok.Length / 2)].TrimEnd() + "b10");
        Write("bom.json", "\uFEFF" + File.ReadAllText(Path.Combine(Socsim.RepoRoot, "boards", "ram.json")));
        // A board value and a board key each a million characters long (the issue's 10 MB error lines).
        string ram = File.ReadAllText(Path.Combine(Socsim.RepoRoot, "boards", "ram.json"));
        Write("hugevalue.json", ram.Replace("\"CPUCLK\": 50000000", "\"CPUCLK\": \"" + new string('x', 1_000_000) + "\""));
        Write("hugekey.json", ram.Replace("\"semihosting\"", "\"" + new string('y', 1_000_000) + "\": 1, \"semihosting\""));
    }

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(Dir, name), text, new UTF8Encoding(false));

    /// <summary>{dir} is the fixture's directory, {repo} the repository.</summary>
    public string[] Expand(string[] args) => args.Select(a => a.Replace("{dir}", Dir).Replace("{repo}", Socsim.RepoRoot)).ToArray();

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>
/// Every command's bad input (issue 23, section 3): one line on stderr starting `socsim`, exit status
/// 2, nothing on stdout, never a stack trace, a .NET type name or the help text, and never more than
/// a short quote of what was wrong.
/// </summary>
public sealed class BadInputTests(BadInputFiles files) : IClassFixture<BadInputFiles>
{
    private const string Huge = "100000000000000000000000000000s";

    public static TheoryData<string[], string> Cases => new()
    {
        // ---- the parser, every command ----
        { [], "socsim: give a command: run, resume, board" },
        { ["rn"], "socsim: unknown command 'rn' (did you mean run?)" },
        { ["run", "--stat"], "socsim run: unknown option '--stat' (did you mean --stats?)" },
        { ["run", "--json"], "socsim run: unknown option '--json' (see socsim run --help)" },
        { ["run", "--max-cycle", "1000"], "socsim run: unknown option '--max-cycle' (did you mean --max-cycles?)" },
        { ["run", "--max-cycles", "abc"], "socsim run: --max-cycles: expected a whole number up to 9223372036854775807, got 'abc'" },
        { ["run", "--max-cycles", "0"], "socsim run: --max-cycles: expected a whole number from 1 to 9223372036854775807, got '0'" },
        { ["run", "--max-cycles"], "socsim run: --max-cycles needs a value: a whole number" },
        { ["run", "--engine", "fast"], "socsim run: --engine: expected one of interpret, translate, got 'fast'" },
        { ["run", "a.elf", "b.elf"], "socsim run: unexpected argument 'b.elf'" },
        { ["run", "--gdb", "-1"], "socsim run: --gdb: '-1' is not a port number" },
        { ["run", "--gdb", "abc"], "socsim run: --gdb: 'abc' is not a port number" },
        { ["resume", "{dir}/state.bin", "--statz"], "socsim resume: unknown option '--statz' (did you mean --stats?)" },
        { ["board"], "socsim board: give a command: show, schema, types" },
        { ["board", "show"], "socsim board show: missing FILE" },
        { ["board", "show", "ram", "--sett", "x=1"], "socsim board show: unknown option '--sett' (did you mean --set?)" },
        { ["wave", "--json"], "socsim wave: unknown option '--json'" },
        { ["wave", "{dir}/ok.vcd"], "socsim wave: missing --output (the PNG to write)" },
        { ["wave", "{dir}/ok.vcd", "-o", "{dir}/a.png", "--width", "2000000000"], "socsim wave: --width: expected a whole number from 300 to 16384, got '2000000000'" },
        { ["vcd-diff", "{dir}/ok.vcd"], "socsim vcd-diff: missing B.vcd" },
        { ["sweep", "--jobs", "0", "--vary", "clocks.CPUCLK=1000000"], "socsim sweep: --jobs: expected a whole number from 1 to 1024, got '0'" },
        { ["sweep", "--jobs", "-3", "--vary", "clocks.CPUCLK=1000000"], "socsim sweep: --jobs: expected a whole number from 1 to 1024, got '-3'" },
        { ["sweep", "--jobs", "x"], "socsim sweep: --jobs: expected a whole number up to 2147483647, got 'x'" },
        { ["bench", "--repeat", "0"], "socsim bench: --repeat: expected a whole number from 1 to 1000, got '0'" },
        { ["conformance", "--verbos"], "socsim conformance: unknown option '--verbos' (did you mean --verbose?)" },
        { ["rtl", "build"], "socsim rtl build: missing BOARD" },
        { ["run", "--board", "versatilepb", "--board", "{repo}/boards/rtl/uart.json", "--set", "peripherals.uartx.parameters.readyTimeout=100000000"],
            "socsim run: peripherals.uartx.parameters.readyTimeout: expected 1 to 1048576 PCLK cycles, got 100000000" },
        { ["run", "--board", "versatilepb", "--board", "{repo}/boards/rtl/uart.json", "--set", "peripherals.uartx.parameters.readyTimeout=2147483648"],
            "socsim run: peripherals.uartx.parameters.readyTimeout: expected 1 to 1048576 PCLK cycles, got 2147483648" },

        // ---- what used to be a stack trace ----
        { ["run", "--at", "", "--save-state", "{dir}/x.st"], "socsim run: --at: expected a cycle number, SYMBOL[:N], 0xADDR[:N] or a time like 2.5ms, got ''" },
        { ["run", "--at", Huge, "--save-state", "{dir}/x.st"], $"socsim run: --at {Huge}: longer than this board's simulated time can count (at most 15372286728s" },
        { ["run", "--max-time", Huge], $"socsim run: --max-time {Huge}: longer than this board's simulated time can count (at most 15372286728s" },
        { ["resume", "/dev/zero"], "socsim resume: /dev/zero: not a SocSim state file (no SOCSIMCK header)" },
        { ["resume", "{dir}/adir"], "cannot read the state file: it is a directory" },
        { ["resume", "{dir}/state.bin", "--vcd", "{dir}/r.vcd", "--vcd-from", "10", "--vcd-to", "100"], "socsim run: --vcd-to 100: the run starts at cycle 300000 (where its state was saved), after the window" },
        { ["run", "--vcd", "{dir}/adir"], "socsim run: --vcd {dir}/adir: is a directory" },
        { ["run", "--vcd", "{dir}/no/such/a.vcd"], "socsim run: --vcd {dir}/no/such/a.vcd: no such directory" },
        { ["run", "--profile={dir}/adir"], "socsim run: --profile {dir}/adir: is a directory" },
        { ["run", "--save-state", "{dir}/adir", "--at", "1000"], "socsim run: --save-state {dir}/adir: is a directory" },
        { ["run", "--vcd", "{dir}/v.vcd", "--vcd-from", "100", "--vcd-to", "10"], "socsim run: --vcd-from 100 is after --vcd-to 10" },
        { ["wave", "{dir}/adir", "-o", "{dir}/a.png"], "socsim wave: {dir}/adir: is a directory, not a VCD file" },
        { ["wave", "{dir}/ok.vcd", "-o", "{dir}/adir"], "socsim wave: -o {dir}/adir: is a directory" },
        { ["wave", "/dev/zero", "-o", "{dir}/a.png"], "socsim wave: /dev/zero: a word longer than 1048576 characters" },
        { ["vcd-diff", "{dir}/adir", "{dir}/ok.vcd"], "socsim vcd-diff: {dir}/adir: is a directory, not a VCD file" },
        { ["vcd-diff", "{dir}/ok.vcd", "/dev/zero"], "socsim vcd-diff: /dev/zero: a word longer than 1048576 characters" },
        { ["board", "show", "/dev/zero"], "socsim board show: /dev/zero: cannot read board file: more than 16 MiB, the largest board file read" },
        { ["board", "show", "{dir}/adir"], "socsim board show: {dir}/adir: cannot read board file: is a directory" },
        { ["sweep", "--vary", "clocks.CPUCLK=1000000", "--out", "{dir}/no/dir/x.csv"], "socsim sweep: --out {dir}/no/dir/x.csv: no such directory" },
        { ["sweep", "--vary", "clocks.CPUCLK=1000000", "--out", "{dir}/adir.csv"], "socsim sweep: --out {dir}/adir.csv: is a directory" },
        { ["sweep", "--vary", "clocks.CPUCLK=1000000", "--plot", "{dir}/no/dir/p.png", "--y", "cycles"], "socsim sweep: --plot {dir}/no/dir/p.png: no such directory" },

        // ---- silent wrong answers: a time past the 64-bit tick counter ----
        { ["run", "--board", "{repo}/boards/lpc2106.json", "--max-time", "1800000s"], "socsim run: --max-time 1800000s: longer than this board's simulated time can count (at most 1735764s" },
        { ["run", "--at", "900000000000s", "--save-state", "{dir}/x.st"], "socsim run: --at 900000000000s: longer than this board's simulated time can count (at most 15372286728s" },
        { ["run", "--max-time", "20000000000s"], "socsim run: --max-time 20000000000s: longer than this board's simulated time can count (at most 15372286728s" },

        // ---- files ----
        { ["wave", "{dir}/noend.vcd", "-o", "{dir}/a.png"], "socsim wave: {dir}/noend.vcd: no $enddefinitions: the header never ends" },
        { ["wave", "{dir}/w0.vcd", "-o", "{dir}/a.png"], "$var a: width '0' is not a whole number from 1 to 1048576" },
        { ["wave", "{dir}/wneg.vcd", "-o", "{dir}/a.png"], "$var a: width '-3' is not a whole number from 1 to 1048576" },
        { ["wave", "{dir}/whuge.vcd", "-o", "{dir}/a.png"], "$var a: width '2000000000' is not a whole number from 1 to 1048576" },
        { ["wave", "{dir}/big.vcd", "-o", "{dir}/a.png"], "#100000 at timescale 1s is past 9223 units (9223 s), the longest trace socsim reads" },
        { ["wave", "{dir}/cut.vcd", "-o", "{dir}/a.png"], "the file was cut short" },
        { ["wave", "{dir}/ok.vcd", "-o", "{dir}/a.png", "--from", "10us", "--to", "1us"], "socsim wave: --from 10us is after --to 1us" },
        { ["vcd-diff", "{dir}/ok.vcd", "{dir}/ok.vcd", "--from", "10us", "--to", "1us"], "socsim vcd-diff: --from 10us is after --to 1us" },
        { ["sweep", "--vary", "clocks.CPUCLK=" + string.Join(',', Enumerable.Range(1_000_000, 1001)), "--vary", "memory.ram.waitStates.readN=" + string.Join(',', Enumerable.Range(0, 1000))],
            "socsim sweep: --vary: 1001 x 1000 is more than 100000 points, the most one sweep runs" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsOneLineExitTwo(string[] args, string expected)
    {
        var r = Socsim.Run(files.Expand(args));
        AssertOneLine(r, files.Expand([expected])[0]);
    }

    internal static void AssertOneLine(Socsim.Result r, string expected)
    {
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.True(err.Length == 1, "more than one line on stderr:\n" + r.Stderr);
        Assert.Contains(expected, err[0]);
        Assert.Equal("", r.Stdout);
        Assert.DoesNotContain("System.", err[0]);
        Assert.DoesNotContain("Exception", err[0]);
    }

    [Fact]
    public void HugeInputIsQuotedShort()
    {
        // 100,000 characters of bad input (about the most one argument may hold) give a line of a few hundred.
        string huge = new('x', 100_000);
        foreach (var args in new[] { new[] { "run", huge }, ["run", "--board", huge], ["run", "--at", huge, "--save-state", files.Dir + "/x.st"], ["run", "--" + huge] })
        {
            var r = Socsim.Run(args);
            var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(r.ExitCode == 2, r.Stderr.Length > 300 ? r.Stderr[..300] : r.Stderr);
            Assert.Single(err);
            // The bundled boards' list (which grows with the boards) is not the input's quote: measure the line without it.
            string line = System.Text.RegularExpressions.Regex.Replace(err[0], @" \(bundled: [^)]*\)", "");
            Assert.True(line.Length < 400, $"{line.Length} characters: {line[..Math.Min(300, line.Length)]}");
            Assert.Contains("characters)", err[0]);
        }
    }

    [Theory]
    [InlineData("hugevalue.json", "clocks.CPUCLK: expected a frequency in Hz (an integer), got \"xxxxxxxxxx")]
    [InlineData("hugekey.json", "unknown key 'yyyyyyyyyy")]
    public void AHugeValueOrKeyInABoardFileIsQuotedShort(string board, string expected)
    {
        // A million-character value is quoted as its first few dozen characters and its length, not cut at the 1,000-character line limit.
        var r = Socsim.Run("board", "show", Path.Combine(files.Dir, board));
        AssertOneLine(r, expected);
        Assert.True(r.Stderr.Length < 600, $"{r.Stderr.Length} characters: {r.Stderr[..Math.Min(300, r.Stderr.Length)]}");
        Assert.Matches(@"(x|y){40}\.\.\. \(1000000 characters\)[""']", r.Stderr);
    }

    [Fact]
    public void HelpStillGoesToStdoutWithExitZero()
    {
        foreach (var args in new[] { new[] { "--help" }, ["run", "--help"], ["board", "show", "--help"], ["run", "--stat", "--help"] })
        {
            var r = Socsim.Run(args);
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("Usage:", r.Stdout);
            Assert.Equal("", r.Stderr);
        }
    }

    [Fact]
    public void TheLargestTimeNamedIsAccepted()
    {
        // The bound the refusal names is itself a valid limit (the cycle limit ends this run long before).
        var r = Socsim.Run("run", "--max-time", "15372286728s", "--max-cycles", "1000");
        Assert.True(r.ExitCode == 124, r.Stderr);
        Assert.Contains("cycle limit of 1000 cycles reached", r.Stderr);
    }

    [Fact]
    public void ABoardWithAByteOrderMarkLoads()
    {
        var r = Socsim.Run("board", "show", Path.Combine(files.Dir, "bom.json"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("ram", r.Stdout);
    }

    [Fact]
    public void ASweepPointThatCannotRunIsARowWithItsError()
    {
        string json = Path.Combine(files.Dir, "points.json");
        var r = Socsim.Run("sweep", "--vary", "memory.ram.base=0x0,0x80000000", "--out", json);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var rows = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json)).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(0, rows[0].GetProperty("exit").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, rows[0].GetProperty("error").ValueKind);
        Assert.True(rows[0].GetProperty("cycles").GetInt64() > 0);
        Assert.Equal(2, rows[1].GetProperty("exit").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, rows[1].GetProperty("cycles").ValueKind);
        Assert.Contains("lies outside memory", rows[1].GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("socsim run: cannot finish writing the results: No space left on device", "--profile=/dev/full", "--max-cycles", "10000")]
    [InlineData("socsim run: host error during the run at pc=", "--vcd", "/dev/full", "--max-cycles", "10000")]
    [InlineData("socsim run: cannot save the state to /dev/full: No space left on device", "--save-state", "/dev/full", "--at", "10000")]
    public void AWriteFailureIsOneLine(string expected, params string[] args)
    {
        // /dev/full accepts the open and refuses the write (a full disk): the run's results, its VCD or its state cannot be written.
        var r = Socsim.Run(["run", .. args]);
        Assert.True(r.ExitCode is 126 or 2, $"exit {r.ExitCode}: {r.Stderr}");
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(err, l => l.StartsWith(expected, StringComparison.Ordinal) && l.Contains("No space left on device"));
        Assert.DoesNotContain("   at ", r.Stderr);
        // A checkpoint is written beside its target and renamed over it, except onto an empty target such as a
        // device: renamed, /dev/full would now be a regular file (the tests may run as root) that takes writes.
        Assert.Throws<IOException>(() => File.WriteAllBytes("/dev/full", [1]));
    }

    [Fact]
    public void ASweepPointWhoseRtlModuleIsMissingIsARowWithItsError()
    {
        // Verilator refuses the missing top module at once: that point is a row with its error, the other runs.
        string json = Path.Combine(files.Dir, "rtl-points.json");
        var r = Socsim.Run("sweep", "--board", "versatilepb", "--board", Path.Combine(Socsim.RepoRoot, "boards", "rtl", "uart.json"),
            "--vary", "peripherals.uartx.parameters.top=apb_uart_sv,nosuchmodule", "--max-cycles", "100000", "--out", json);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        var rows = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json)).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(124, rows[0].GetProperty("exit").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, rows[0].GetProperty("error").ValueKind);
        Assert.Equal(2, rows[1].GetProperty("exit").GetInt32());
        Assert.Contains("peripherals.uartx.parameters.top: Verilator: %Error: Specified --top-module 'nosuchmodule' was not found", rows[1].GetProperty("error").GetString());
    }

    [Fact]
    public void AChangedCheckpointHeaderFailsItsChecksum()
    {
        // The cycle count sits in the header, 16 bytes in plus the lists and strings before it: find it by value.
        string state = Path.Combine(files.Dir, "tampered.bin");
        File.Copy(Path.Combine(files.Dir, "state.bin"), state, overwrite: true);
        var bytes = File.ReadAllBytes(state);
        var cycles = BitConverter.GetBytes(300000L);
        int at = bytes.AsSpan().IndexOf(cycles);
        Assert.True(at > 16);
        BitConverter.GetBytes(300001L).CopyTo(bytes, at);
        File.WriteAllBytes(state, bytes);
        AssertOneLine(Socsim.Run("resume", state), "corrupted state file (its header or payload does not match its checksum)");
    }

    [Fact]
    public void AVersionOneCheckpointIsNamed()
    {
        string state = Path.Combine(files.Dir, "v1.bin");
        var bytes = File.ReadAllBytes(Path.Combine(files.Dir, "state.bin"));
        BitConverter.GetBytes(1).CopyTo(bytes, 8);
        File.WriteAllBytes(state, bytes);
        AssertOneLine(Socsim.Run("resume", state), "state file version 1, this socsim reads version 6");
    }
}
