using SocSim.Tests;

namespace SocSim.Rtl.Tests;

/// <summary>Bad input is one line naming the board key, as an <see cref="ArgumentException"/> (the CLI's exit status 2).</summary>
public class ErrorTests
{
    private static string Error(params string[] sets)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Machine.Create([RtlTestBoards.Default, RtlTestBoards.Asset("wait.json")], sets).Dispose());
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Fact]
    public void Missing_source()
    {
        string m = Error("peripherals.waitblk.parameters.sources.0=nonexistent.v");
        Assert.StartsWith("peripherals.waitblk.parameters.sources.0: source file not found: ", m);
    }

    [Fact]
    public void Unknown_module()
    {
        string m = Error("peripherals.waitblk.parameters.top=apb_nothing");
        Assert.StartsWith("peripherals.waitblk.parameters.top: Verilator: %Error", m);
        Assert.Contains("apb_nothing", m);
    }

    [Fact]
    public void Unknown_port()
    {
        Assert.Equal("peripherals.waitblk.parameters.ports.PCLK: module apb_wait has no port \"CLK\" for PCLK (ports: PCLK, PRESETn, PSEL, PENABLE, PWRITE, PREADY, PSLVERR, irq, PADDR, PWDATA, PRDATA)",
            Error("peripherals.waitblk.parameters.ports.PCLK=CLK"));
        Assert.Equal("peripherals.waitblk.parameters.outputs.IRQ: module apb_wait has no port \"intr\" (ports: PCLK, PRESETn, PSEL, PENABLE, PWRITE, PREADY, PSLVERR, irq, PADDR, PWDATA, PRDATA)",
            Error("peripherals.waitblk.parameters.outputs.IRQ=intr"));
        Assert.Equal("peripherals.waitblk.parameters.ports.NOPE: unknown bus signal \"NOPE\" (expected one of: PCLK, PRESETn, PRESET, PADDR, PSEL, PENABLE, PWRITE, PWDATA, PRDATA, PREADY, PSLVERR)",
            Error("peripherals.waitblk.parameters.ports.NOPE=PCLK"));
    }

    [Fact]
    public void Wrong_width()
    {
        Assert.Equal("peripherals.waitblk.parameters.outputs.IRQ: port \"PRDATA\" of apb_wait is 32 bits wide; a line is 1 bit: name one bit as PRDATA[n]",
            Error("peripherals.waitblk.parameters.outputs.IRQ=PRDATA"));
        Assert.Equal("peripherals.waitblk.parameters.ports.PSEL: port \"PADDR\" of apb_wait is 12 bits wide, PSEL needs 1",
            Error("peripherals.waitblk.parameters.ports.PSEL=PADDR"));
        Assert.Equal("peripherals.waitblk.parameters.outputs.IRQ: port \"PRDATA\" of apb_wait is 32 bits wide: no bit 40",
            Error("peripherals.waitblk.parameters.outputs.IRQ=PRDATA[40]"));
    }

    [Fact]
    public void Unsupported_bus()
    {
        Assert.Equal("peripherals.waitblk.parameters.bus: unsupported bus \"ahb\" (supported: apb3)", Error("peripherals.waitblk.parameters.bus=ahb"));
    }

    [Fact]
    public void An_output_the_entry_does_not_declare_cannot_be_wired()
    {
        var e = Assert.Throws<SocSim.Boards.BoardException>(() => Machine.Create([RtlTestBoards.Default, RtlTestBoards.Asset("wait.json")], ["interrupts.vic.22=waitblk.TXD"]));
        Assert.Contains("interrupts.vic.22: interrupt source \"waitblk.TXD\": rtl has no output \"TXD\" (outputs: IRQ)", e.Message);
    }

    [Fact]
    public void A_syntax_error_names_the_file_and_line()
    {
        string dir = Path.Combine(Path.GetTempPath(), "socsim-rtl-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string bad = Path.Combine(dir, "bad.v");
            File.WriteAllText(bad, "module bad(input PCLK);\n  wire x = ;\nendmodule\n");
            string m = Error($"peripherals.waitblk.parameters.sources.0={bad}", "peripherals.waitblk.parameters.top=bad");
            Assert.StartsWith("peripherals.waitblk.parameters.sources: Verilator: %Error: " + bad + ":2:", m);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_model_not_in_the_cache_says_it_is_being_built_and_a_cached_one_says_nothing()
    {
        string dir = Path.Combine(Path.GetTempPath(), "socsim-rtl-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var said = new List<string>();
        void Listen(string line) { lock (said) if (line.Contains(dir, StringComparison.Ordinal) || line.Contains("peripherals.waitblk", StringComparison.Ordinal)) said.Add(line); }
        VerilatorBuild.Progress += Listen;
        try
        {
            // The test block's source with a comment of its own: a model no cache holds yet.
            string src = Path.Combine(dir, "apb_wait.v");
            File.WriteAllText(src, $"// {dir}\n" + File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "rtl", "apb_wait.v")));
            using (Machine.Create([RtlTestBoards.Default, RtlTestBoards.Asset("wait.json")], [$"peripherals.waitblk.parameters.sources.0={src}"])) { }
            string[] first;
            lock (said) { first = [.. said]; said.Clear(); }
            Assert.Equal(2, first.Length);
            Assert.StartsWith("building peripherals.waitblk (module apb_wait, 1 source file) with Verilator and g++; once, then cached in ", first[0]);
            Assert.Matches(@"^built peripherals\.waitblk in \d+\.\d s$", first[1]);
            using (Machine.Create([RtlTestBoards.Default, RtlTestBoards.Asset("wait.json")], [$"peripherals.waitblk.parameters.sources.0={src}"])) { }
            lock (said) Assert.Empty(said);
        }
        finally
        {
            VerilatorBuild.Progress -= Listen;
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_looped_back_input_cannot_also_be_driven()
    {
        using var m = Machine.Create([RtlTestBoards.Default, Path.Combine(RepoPaths.Root, "boards", "rtl", "uart.json")]);
        var e = Assert.Throws<InvalidOperationException>(() => m.Device<RtlPeripheral>("uartx").SetInput("RXD", false));
        Assert.Equal("uartx: input RXD is driven by its loopback (connect)", e.Message);
    }
}
