using System.Text;
using Xunit.Abstractions;

namespace SocSim.Boards.Tests;

/// <summary>
/// Runs tests/assets/semihosting/semihosting.elf (source and build script beside it) on the
/// Versatile/PB board: it makes every semihosting call SocSim offers, in ARM state (SVC 0x123456)
/// and Thumb state (SVC 0xAB), and prints each result as "name=0x........" through SYS_WRITE0.
/// </summary>
public sealed class SemihostingTests(ITestOutputHelper output)
{
    internal static string AssetsDir => Path.Combine(TestFiles.RepoRoot, "tests", "assets");
    private static string Elf => Path.Combine(AssetsDir, "semihosting", "semihosting.elf");
    private static string VersatilePb => Path.Combine(TestFiles.BoardsDir, "versatilepb.json");

    private sealed record Outcome(RunResult Result, string Text, Dictionary<string, uint> Values, long Now, long TicksPerSecond);

    private Outcome RunFirmware(string sandbox, string commandLine = "semihosting.elf", string input = "xyzw", string[]? sets = null)
    {
        var console = new MemoryStream();
        using var m = Machine.Create([VersatilePb], sets ?? [], new MachineOptions
        {
            Console = console,
            ConsoleInput = new MemoryStream(Encoding.ASCII.GetBytes(input)),
            SandboxDirectory = sandbox,
            CommandLine = commandLine,
        });
        m.LoadElf(Elf);
        var r = m.Run(50_000_000);
        string text = Encoding.Latin1.GetString(console.ToArray());
        output.WriteLine(text);
        var values = new Dictionary<string, uint>();
        foreach (var line in text.Split('\n'))
        {
            int eq = line.IndexOf("=0x", StringComparison.Ordinal);
            if (eq > 0) values[line[..eq]] = Convert.ToUInt32(line[(eq + 3)..], 16);
        }
        return new Outcome(r, text, values, m.Scheduler.Now, m.Scheduler.TicksPerSecond);
    }

    // Everything before the time calls, line by line. Comments give the reason for each value:
    //   get_cmdline_small: a 2-byte buffer cannot hold "semihosting.elf\0" -> -1.
    //   handles count from 1: :tt (w) 1, :tt (r) 2, features 3, data.txt 4, data.txt again 5.
    //   readc/read_tt: the console input is "xyzw"; SYS_READ returns the count NOT read.
    //   features: "SHFB" + 0x03 (SH_EXT_EXIT_EXTENDED | SH_EXT_STDOUT_STDERR), 5 bytes; reading 8 leaves 3.
    //   read_past_end: 10 asked at offset 8 of a 10-byte file: 2 read, 8 not read.
    //   write_readonly: SYS_WRITE returns the count not written (2).
    //   errno: EBADF 9 for a closed handle / console seek, ENOENT 2, EACCES 13 outside the sandbox.
    //   heapinfo: image ends at _end = 0x9d04 -> heap base 0x9d08 (8-aligned); RAM is 128 MiB at 0,
    //   so the stack top is 0x08000000 and the stack takes the top MiB.
    private static readonly string[] ExpectedBeforeTime =
    [
        "semihosting test",
        "A",
        "get_cmdline=0x00000000",
        "cmdline_len=0x0000000f",
        "cmdline=semihosting.elf",
        "get_cmdline_small=0xffffffff",
        "open_tt_w=0x00000001",
        "istty_tt=0x00000001",
        "via :tt",
        "write_tt=0x00000000",
        "open_tt_r=0x00000002",
        "readc=0x00000078",
        "read_tt=0x00000000",
        "read_tt_data=yzw",
        "features_flen=0x00000005",
        "features_read=0x00000003",
        "features_word=0x42464853",
        "features_byte=0x00000003",
        "close_features=0x00000000",
        "open_w=0x00000004",
        "write=0x00000000",
        "istty_file=0x00000000",
        "close=0x00000000",
        "open_r=0x00000005",
        "flen=0x0000000a",
        "seek=0x00000000",
        "read4=0x00000000",
        "read_past_end=0x00000008",
        "read_data=456789",
        "write_readonly=0x00000002",
        "close_r=0x00000000",
        "close_again=0xffffffff",
        "errno_close=0x00000009",
        "open_missing=0xffffffff",
        "iserror_missing=0x00000001",
        "errno_missing=0x00000002",
        "iserror_ok=0x00000000",
        "open_outside=0xffffffff",
        "errno_outside=0x0000000d",
        "open_absolute=0xffffffff",
        "errno_absolute=0x0000000d",
        "seek_tt=0xffffffff",
        "errno_seek_tt=0x00000009",
        "heapinfo=0x00000000",
        "heap_base=0x00009d08",
        "heap_limit=0x07f00000",
        "stack_base=0x08000000",
        "stack_limit=0x07f00000",
    ];

    [Fact]
    public void EveryCallGivesTheSpecifiedResult()
    {
        using var files = new TestFiles();
        var o = RunFirmware(files.Dir);
        Assert.Equal(StopReason.Exit, o.Result.Reason);
        Assert.Equal(42, o.Result.ExitCode); // SYS_EXIT_EXTENDED {ADP_Stopped_ApplicationExit, 42}
        var lines = o.Text.Split('\n');
        Assert.Equal(ExpectedBeforeTime, lines.Take(ExpectedBeforeTime.Length).ToArray());
        // The text after the time block.
        Assert.EndsWith("thumb svc 0xab\nthumb_write0=0x00000000\nthumb_tickfreq=0x02faf080\n" +
                        $"elapsed3_lo=0x{o.Values["elapsed3_lo"]:x8}\ndone\n", o.Text);
        // The file really is in the sandbox, with what the firmware wrote.
        Assert.Equal("0123456789", File.ReadAllText(Path.Combine(files.Dir, "data.txt")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(files.Dir)!, "outside.txt")));
    }

    [Fact]
    public void TimeCallsAreMonotonicAndMatchTheCycleCount()
    {
        using var files = new TestFiles();
        var o = RunFirmware(files.Dir);
        var v = o.Values;
        // The board's time base is lcm(50 MHz, 24 MHz, 1 MHz) = 600 MHz: 12 ticks per CPU cycle. SYS_ELAPSED
        // counts CPU cycles and SYS_TICKFREQ is the CPU clock: the global time base can exceed
        // SYS_TICKFREQ's 32 bits (see ElapsedAndTickFreqAgreeWhenTheTimeBaseExceeds32Bits).
        Assert.Equal(600_000_000L, o.TicksPerSecond);
        Assert.Equal(50_000_000u, v["tickfreq"]);
        Assert.Equal(50_000_000u, v["thumb_tickfreq"]);
        Assert.Equal(0u, v["elapsed1_hi"]);
        Assert.Equal(0u, v["elapsed2_hi"]);
        uint e1 = v["elapsed1_lo"], e2 = v["elapsed2_lo"], e3 = v["elapsed3_lo"];
        Assert.True(e1 < e2 && e2 < e3 && e3 <= o.Result.Cycles, $"{e1} {e2} {e3} {o.Result.Cycles}");
        Assert.Equal(o.Result.Cycles * 12, o.Now);
        // The busy loop runs 100000 times, each at least 4 instructions (store, add, compare, branch;
        // the branch alone is 2S+1N = 3 cycles): at least 100000 x 6 cycles.
        Assert.True(e2 - e1 >= 100_000L * 6, $"loop took {e2 - e1} cycles");
        // SYS_CLOCK is centiseconds of the same time: clock1 was read just before elapsed1, clock2 just after elapsed2.
        Assert.Equal(0u, v["clock1"]);
        Assert.Equal((uint)(e2 * 100L / 50_000_000), v["clock2"]);
        Assert.Equal(2u, v["clock2"]);
        // SYS_TIME: the fixed epoch 2026-01-01T00:00:00Z plus whole simulated seconds (none yet).
        Assert.Equal(1_767_225_600u, v["time"]);
        // A snapshot of the cycle model: these change only if instruction or memory timing changes.
        Assert.Equal(0x0002c694u / 12, e1);   // the same instants as when ELAPSED counted 600 MHz ticks
        Assert.Equal(0x00de810cu / 12, e2);
        Assert.Equal(1_218_569L, o.Result.Cycles);
    }

    [Fact]
    public void ThumbStateUsesSvc0xAB()
    {
        var elf = SocSim.Boards.Elf.ElfFile.Parse(Elf);
        var fn = elf.FindSymbol("thumb_call");
        Assert.NotNull(fn);
        Assert.True(fn!.IsThumb, "thumb_call must be a Thumb function");
        using var files = new TestFiles();
        var o = RunFirmware(files.Dir);
        Assert.Contains("thumb svc 0xab\nthumb_write0=0x00000000\n", o.Text);
    }

    [Fact]
    public void WithoutASandboxHostFilesAreRefused()
    {
        var console = new MemoryStream();
        using var m = Machine.Create([VersatilePb], [], new MachineOptions { Console = console });
        m.LoadElf(Elf);
        var r = m.Run(50_000_000);
        string text = Encoding.Latin1.GetString(console.ToArray());
        Assert.Equal(42, r.ExitCode);
        Assert.Contains("\nopen_w=0xffffffff\n", text);
        Assert.Contains("\nopen_r=0xffffffff\n", text);
        // :tt and the features file need no sandbox.
        Assert.Contains("\nopen_tt_w=0x00000001\n", text);
        Assert.Contains("\nfeatures_word=0x42464853\n", text);
    }

    [Fact]
    public void SandboxGivenWithATrailingSlashStillWorks()
    {
        // `socsim run --sandbox dir/` passes the directory as typed; files in it must still open.
        using var files = new TestFiles();
        var o = RunFirmware(files.Dir + Path.DirectorySeparatorChar);
        Assert.Contains("\nopen_w=0x00000004\n", o.Text);
        Assert.Contains("\nread_data=456789\n", o.Text);
    }

    [Fact]
    public void ReadingAWriteOnlyFileFailsInsteadOfCrashing()
    {
        // Command line "readwo": open wo.txt with mode 4 ("w"), SYS_READ 4 bytes from it. The call
        // must fail like any bad-handle read (return the 4 bytes not read, errno EBADF) and the
        // firmware goes on to exit 7.
        using var files = new TestFiles();
        var o = RunFirmware(files.Dir, commandLine: "readwo");
        Assert.Equal(7, o.Result.ExitCode);
        // wo.txt is the first handle opened on this path: 1.
        Assert.Contains("\nopen_wo=0x00000001\nread_wo=0x00000004\nerrno=0x00000009\n", o.Text);
    }

    [Fact]
    public void ElapsedAndTickFreqAgreeWhenTheTimeBaseExceeds32Bits()
    {
        // With a UART crystal of 7.3728 MHz (a common baud-rate crystal) beside the 50 MHz CPU clock the
        // global time base is lcm(50 MHz, 7.3728 MHz, 1 MHz) = 115.2 GHz, more than SYS_TICKFREQ's 32
        // bits. Whatever tick SocSim reports, SYS_ELAPSED / SYS_TICKFREQ must be the simulated time
        // (Semihosting for AArch32: ELAPSED counts ticks "of the frequency returned by SYS_TICKFREQ").
        using var files = new TestFiles();
        var o = RunFirmware(files.Dir, sets: ["clocks.UARTCLK=7372800"]);
        Assert.Equal(42, o.Result.ExitCode);
        Assert.Equal(115_200_000_000L, o.TicksPerSecond);
        var v = o.Values;
        double freq = v["tickfreq"];
        // elapsed2 is printed in full (both words): seconds = ticks / tickfreq.
        double e2 = v["elapsed2_lo"] + 4294967296.0 * v["elapsed2_hi"];
        double reported = e2 / freq;
        double actual = (double)o.Result.Cycles / 50e6; // at exit, a little after elapsed2
        Assert.True(reported <= actual && reported > actual * 0.9,
            $"SYS_ELAPSED/SYS_TICKFREQ = {reported:E3} s, but {actual:E3} s were simulated (tickfreq {freq}, elapsed {e2})");
    }
}
