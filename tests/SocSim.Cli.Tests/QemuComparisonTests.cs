using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace SocSim.Cli.Tests;

/// <summary>
/// Every firmware ELF runs live under QEMU (`qemu-system-arm -M versatilepb -m 64M -nographic
/// -semihosting -kernel ELF`, as firmware/run-qemu.sh does) and under `socsim run ELF`: the text on
/// stdout (UART0 plus semihosting console output) and the exit status must be identical, and QEMU's
/// live output must still equal the recording in firmware/expected/ (so a change on either side shows).
/// QEMU is required: without it the tests fail (./test.sh installs it), they never skip.
/// </summary>
public sealed class QemuComparisonTests(ITestOutputHelper output)
{
    private static string FirmwareDir => Path.Combine(Socsim.RepoRoot, "firmware");

    /// <summary>The programs committed in firmware/elf. A new ELF must be added here (with its recording).</summary>
    internal static readonly string[] Programs = ["bench", "bench_small", "hello", "irq_bench", "rdimon", "thumb", "timer_irq", "uart_echo"];

    public static TheoryData<string> ProgramNames => new(Programs);

    internal sealed record Comparison(string Name, int QemuExit, string QemuOut, int SocsimExit, string SocsimOut, int ExpectedExit, string ExpectedOut)
    {
        public bool Equal => QemuExit == SocsimExit && QemuOut == SocsimOut;
        public bool MatchesRecording => QemuExit == ExpectedExit && QemuOut == ExpectedOut;
        public string Row => $"| {Name} | {QemuExit} | {SocsimExit} | {Encoding.Latin1.GetByteCount(QemuOut)} | {Encoding.Latin1.GetByteCount(SocsimOut)} | {(Equal ? "yes" : "NO")} | {(MatchesRecording ? "yes" : "NO")} |";
    }

    internal const string TableHeader =
        "| firmware | QEMU exit | SocSim exit | QEMU output bytes | SocSim output bytes | equal? | QEMU = firmware/expected? |\n" +
        "|---|---|---|---|---|---|---|";

    [Fact]
    public void FirmwareDirectoryHoldsExactlyTheComparedPrograms()
    {
        // QEMU has no LPC2106 machine: the lpc2106_* programs are checked on SocSim's LPC2106 board instead.
        var elfs = Directory.GetFiles(Path.Combine(FirmwareDir, "elf"), "*.elf").Select(Path.GetFileNameWithoutExtension)
            .Where(n => !n!.StartsWith("lpc2106_", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal(Programs, elfs);
        foreach (var p in Programs)
        {
            Assert.True(File.Exists(Path.Combine(FirmwareDir, "expected", p + ".txt")), p + ".txt");
            Assert.True(File.Exists(Path.Combine(FirmwareDir, "expected", p + ".exit")), p + ".exit");
        }
    }

    [Theory]
    [MemberData(nameof(ProgramNames))]
    public void SocsimMatchesLiveQemu(string name)
    {
        var c = Compare(name);
        output.WriteLine(TableHeader);
        output.WriteLine(c.Row);
        Assert.Equal(c.ExpectedOut, c.QemuOut);       // QEMU still prints what was recorded
        Assert.Equal(c.ExpectedExit, c.QemuExit);
        Assert.Equal(c.QemuOut, c.SocsimOut);         // SocSim prints what QEMU prints
        Assert.Equal(c.QemuExit, c.SocsimExit);
    }

    internal static Comparison Compare(string name)
    {
        string elf = Path.Combine(FirmwareDir, "elf", name + ".elf");
        string input = Path.Combine(FirmwareDir, "input", name + ".txt");
        bool hasInput = File.Exists(input);
        var (qExit, qOut) = RunQemu(elf, hasInput ? File.ReadAllBytes(input) : null);
        var s = hasInput ? Socsim.Run("run", elf, "--uart-input", input) : Socsim.Run("run", elf);
        string expected = File.ReadAllText(Path.Combine(FirmwareDir, "expected", name + ".txt"), Encoding.Latin1);
        int expectedExit = int.Parse(File.ReadAllText(Path.Combine(FirmwareDir, "expected", name + ".exit")).Trim());
        return new Comparison(name, qExit, qOut, s.ExitCode, s.Stdout, expectedExit, expected);
    }

    private static string FindQemu()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string p = Path.Combine(dir, "qemu-system-arm");
            if (File.Exists(p)) return p;
        }
        Assert.Fail("qemu-system-arm is not on PATH; the QEMU comparison needs it: sudo apt-get install qemu-system-arm (./test.sh installs it)");
        return null!;
    }

    /// <summary>
    /// Runs QEMU like firmware/run-qemu.sh. With input, the bytes are written to QEMU's stdin only
    /// after the program printed its first line (printed once its receive path is set up): QEMU
    /// reads stdin at once, and its PL011 empties the RX FIFO when UARTLCR_H.FEN changes during
    /// uart_init (see firmware/README.md). stdin stays open until QEMU exits.
    /// </summary>
    private static (int Exit, string Stdout) RunQemu(string elf, byte[]? input)
    {
        var psi = new ProcessStartInfo(FindQemu())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "-M", "versatilepb", "-m", "64M", "-nographic", "-semihosting", "-kernel", elf }) psi.ArgumentList.Add(a);
        psi.Environment["QEMU_AUDIO_DRV"] = "none";
        using var p = Process.Start(psi)!;
        var buffer = new MemoryStream();
        var firstLine = new TaskCompletionSource();
        var reader = Task.Run(async () =>
        {
            var chunk = new byte[4096];
            int n;
            while ((n = await p.StandardOutput.BaseStream.ReadAsync(chunk)) > 0)
            {
                lock (buffer)
                {
                    buffer.Write(chunk, 0, n);
                    if (Array.IndexOf(chunk, (byte)'\n', 0, n) >= 0) firstLine.TrySetResult();
                }
            }
            firstLine.TrySetResult();
        });
        var stderr = p.StandardError.ReadToEndAsync();
        if (input != null)
        {
            // Hang guards only, far above any run (irq_bench.elf takes QEMU about 1 s on an idle machine, 20 s on a loaded one).
            if (!firstLine.Task.Wait(300_000)) { p.Kill(true); Assert.Fail($"QEMU printed no line within 300 s for {elf}"); }
            p.StandardInput.BaseStream.Write(input);
            p.StandardInput.BaseStream.Flush();
        }
        if (!p.WaitForExit(600_000))
        {
            p.Kill(true);
            Assert.Fail($"QEMU ran for more than 600 s on {elf}: hung");
        }
        reader.Wait(Deadline.Ms);
        p.StandardInput.Close();
        return (p.ExitCode, Encoding.Latin1.GetString(buffer.ToArray()));
    }
}

/// <summary>The whole comparison as one Markdown table in the test output (the source of tests/qemu-comparison.md).</summary>
public sealed class QemuComparisonTableTests(ITestOutputHelper output)
{
    [Fact]
    public void AllProgramsAgreeWithQemu()
    {
        var rows = QemuComparisonTests.Programs.Select(QemuComparisonTests.Compare).ToList();
        output.WriteLine(QemuComparisonTests.TableHeader);
        foreach (var r in rows) output.WriteLine(r.Row);
        Assert.All(rows, r => Assert.True(r.Equal && r.MatchesRecording, r.Row));
    }
}
