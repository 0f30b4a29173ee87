using SocSim.Arm;
using SocSim.Core;
using SocSim.Trace.Signals;
using SocSim.Trace.Vcd;

namespace SocSim.Trace.Tests;

/// <summary>
/// A VCD of pins, interrupt lines and device outputs (no CPU bus, pipeline or register signal, no
/// sampled device state) does not force the interpreter: those signals are stamped by the devices and
/// lines themselves at event time, so the translator stays on and the file is byte for byte the
/// interpreter's. The translator compiles inline here (threshold 50), so how much runs translated does
/// not depend on the host; each case also checks that most instructions did run translated.
/// </summary>
public class TranslatedVcdTests
{
    private static string BoardFile(string name) => Path.Combine(Tools.Repo, "boards", name + ".json");
    private static string FreeRtos => Path.GetFullPath(Path.Combine(Tools.Repo, "..", "shared", "freertos", "elf", "rtosdemo-arm.elf"));

    private const string VersatileSignals = "cpu.nIRQ,cpu.nFIQ,vic.IRQ,vic.FIQ,sic.IRQ,timer0.TIMINTC,timer1.TIMINTC,uart0.TXD,uart0.RXD,uart0.UARTINTR,uart0.UARTTXINTR";
    private const string LpcSignals = "cpu.nIRQ,vic.IRQ,vic.FIQ,timer0.INT,timer0.MAT0,timer1.INT,uart0.TXD,uart0.RXD,uart0.INT,gpio.P0_7,gpio.P0_10,gpio.P0_11,gpio.P0_12";

    /// <summary>Runs <paramref name="elf"/> with a VCD of <paramref name="globs"/>; returns the file's bytes and the translated share.</summary>
    private static (byte[] Vcd, double Share, long Instructions) Run(ExecutionEngine engine, string board, string elf, string globs,
        long maxCycles, long fromTick = 0, long toTick = long.MaxValue)
    {
        var path = Path.Combine(Tools.TempDir(), engine + ".vcd");
        using var m = Machine.Create([board], null, new MachineOptions
        {
            Engine = engine, TranslationThreshold = 50, TranslateInBackground = false, Warnings = TextWriter.Null, Console = new MemoryStream(),
        });
        m.LoadElf(elf);
        var sig = new MachineSignals(m, new MachineSignalsOptions { Signals = globs.Split(',') });
        Assert.True(sig.Registry.Filter(globs.Split(',')) > 0);
        using (var w = new VcdWriter(new StreamWriter(path), sig.Registry, new VcdWriterOptions
        {
            Now = () => m.Scheduler.Now, ReorderTicks = 1_000_000, FromTick = fromTick, ToTick = toTick,
        }))
        {
            sig.Attach();
            m.Run(maxCycles);
            sig.Detach();
            w.Close(m.Scheduler.Now);
        }
        var t = ((ArmCpu)m.Core).Translator;
        long instructions = m.Core.Instructions;
        return (WithoutDate(File.ReadAllBytes(path)), t == null ? 0 : (double)t.TranslatedInstructions / instructions, instructions);
    }

    public static TheoryData<string, string, string, long, long, long> Cases => new()
    {
        // The timer interrupt demo and the interrupt benchmark on Versatile/PB: SP804 and PL190 lines, the UART's pins.
        { "versatilepb", "timer_irq.elf", VersatileSignals, 400_000, 0, long.MaxValue },
        { "versatilepb", "irq_bench.elf", VersatileSignals, 4_000_000, 0, long.MaxValue },
        // A window (ticks of the 600 MHz scheduler clock): values at its start in $dumpvars, nothing after its end.
        { "versatilepb", "irq_bench.elf", VersatileSignals, 4_000_000, 12 * 1_000_000L, 12 * 3_000_000L },
        // The LPC2106 pin demo and FreeRTOS from flash behind the MAM: GPIO pins, match outputs, VIC and UART lines.
        { "lpc2106", "lpc2106_demo.elf", LpcSignals, 3_000_000, 0, long.MaxValue },
        { "lpc2106", "rtosdemo-arm.elf", LpcSignals, 12_000_000, 0, long.MaxValue },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PinAndLineVcdIsTheInterpretersByteForByteWithTheTranslatorOn(string board, string elf, string globs, long maxCycles, long from, long to)
    {
        string elfPath = elf == "rtosdemo-arm.elf" ? FreeRtos : Tools.Firmware(elf);
        var interp = Run(ExecutionEngine.Interpret, BoardFile(board), elfPath, globs, maxCycles, from, to);
        var trans = Run(ExecutionEngine.Translate, BoardFile(board), elfPath, globs, maxCycles, from, to);
        Assert.Equal(interp.Instructions, trans.Instructions);
        Assert.True(interp.Vcd.Length > 500, $"the VCD holds {interp.Vcd.Length} bytes only");
        int changes = new VcdReaderCount(interp.Vcd).Changes;
        Assert.True(changes > 10, $"only {changes} value changes: the case shows nothing");
        Assert.Equal(interp.Vcd, trans.Vcd);
        Assert.True(trans.Share > 0.5, $"only {trans.Share:P1} ran translated: the VCD forced the interpreter");
    }

    [Fact]
    public void ASampledDeviceSignalStillTracesPerInstructionAndMatches()
    {
        // timer0.Value1 (the SP804's counter, computed lazily) is sampled after each instruction: it keeps
        // the run interpreted (what still falls back), with the same bytes.
        string globs = "timer0.Value1,cpu.nIRQ";
        var interp = Run(ExecutionEngine.Interpret, BoardFile("versatilepb"), Tools.Firmware("timer_irq.elf"), globs, 300_000);
        var trans = Run(ExecutionEngine.Translate, BoardFile("versatilepb"), Tools.Firmware("timer_irq.elf"), globs, 300_000);
        Assert.Equal(interp.Vcd, trans.Vcd);
        Assert.Equal(0, trans.Share);
    }

    /// <summary>The file after its <c>$date</c> section (the host's clock when it was written).</summary>
    private static byte[] WithoutDate(byte[] vcd)
    {
        string head = System.Text.Encoding.ASCII.GetString(vcd, 0, Math.Min(vcd.Length, 100));
        Assert.StartsWith("$date", head);
        int end = head.IndexOf("$end", StringComparison.Ordinal) + 4;
        return vcd[end..];
    }

    /// <summary>The value-change lines of a VCD's body (after $enddefinitions).</summary>
    private readonly struct VcdReaderCount(byte[] vcd)
    {
        public int Changes => System.Text.Encoding.ASCII.GetString(vcd).Split("$enddefinitions")[^1]
            .Split('\n').Count(l => l.Length > 0 && l[0] != '#' && l[0] != '$');
    }

    [Fact]
    public void CliWindowsGiveTheSameBytesWithEitherEngine()
    {
        var dir = Tools.TempDir();
        foreach (var (args, name) in new[]
        {
            (new[] { Tools.Firmware("timer_irq.elf"), "--signals", VersatileSignals, "--vcd-from", "50000", "--vcd-to", "150000" }, "timer"),
            (new[] { FreeRtos, "--board", BoardFile("lpc2106"), "--signals", LpcSignals, "--max-time", "200ms", "--vcd-from", "2000000", "--vcd-to", "9000000" }, "freertos"),
        })
        {
            var files = new List<byte[]>();
            foreach (var engine in new[] { "interpret", "translate" })
            {
                var vcd = Path.Combine(dir, $"{name}-{engine}.vcd");
                // --translate-after 0: the windows are shorter than socsim run's default hold-off.
                var (exit, _, err) = SocsimCli.Run(["run", .. args, "--vcd", vcd, "--engine", engine, "--translate-after", "0", "--quiet"]);
                Assert.True(exit is 0 or 124, err);
                files.Add(WithoutDate(File.ReadAllBytes(vcd)));
            }
            Assert.True(files[0].Length > 500, name);
            Assert.Equal(files[0], files[1]);
        }
    }
}
