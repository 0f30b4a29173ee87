namespace SocSim.Boards.Tests;

/// <summary>Bad pin wiring and clock trees: one precise error naming the file, the key and what was expected.</summary>
public sealed class PinAndClockTreeBoardTests
{
    private static string Lpc => Path.Combine(TestFiles.BoardsDir, "lpc2106.json");

    private static string Error(string overrideJson)
    {
        using var files = new TestFiles();
        string o = files.Write("o.json", overrideJson);
        var e = Assert.Throws<BoardException>(() => BoardLoader.Load([Lpc, o], []));
        return e.Message.Replace(o, "o.json");
    }

    [Theory]
    [InlineData("""{ "pins": { "gpio": { "P0_1": "gpio.P0_0", "P0_1": "gpio.P0_2" } } }""",
        "o.json: pins.gpio.P0_1: duplicate key (keys that differ only in case are the same key)")]
    [InlineData("""{ "pins": { "gpio": { "P0_1": "gpio.P0_0", "p0_1": "gpio.P0_2" } } }""",
        "o.json: pins.gpio.p0_1: duplicate key (keys that differ only in case are the same key)")]
    [InlineData("""{ "pins": { "uart0": { "TXD": "gpio.P0_0" } } }""",
        "o.json: pins.uart0.TXD: lpc_uart \"uart0\" has no input pin \"TXD\" (inputs: RXD, CTS, DSR, RI, DCD)")]
    [InlineData("""{ "pins": { "gpio": { "P0_1": "gpio.P0_99" } } }""",
        "o.json: pins.gpio.P0_1: pin source \"gpio.P0_99\": lpc2106_pins has no output \"P0_99\" (outputs: ")]
    [InlineData("""{ "pins": { "gpio": { "P0_1": "P0_0" } } }""",
        "o.json: pins.gpio.P0_1: expected a source like \"uart0.TXD\" (peripheral.output), got \"P0_0\"")]
    [InlineData("""{ "pins": { "cpu": { "nIRQ": "gpio.P0_0" } } }""",
        "o.json: pins.cpu: pin target \"cpu\" is not a peripheral (peripherals: ")]
    [InlineData("""{ "pins": { "gpio": { "P0_0": "gpio.P0_0" } } }""",
        "o.json: pins.gpio.P0_0: \"gpio.P0_0\" would drive itself")]
    public void BadPinWiring(string json, string expected) => Assert.StartsWith(expected, Error(json));

    [Theory]
    [InlineData("""{ "clockTree": { "CCLK": { "control": "scb.PLX" } } }""",
        "o.json: clockTree.CCLK.control: lpc2106_scb \"scb\" has no clock control \"PLX\" (controls: PLL, VPBDIV)")]
    [InlineData("""{ "clockTree": { "CCLK": { "control": "timer0.PLL" } } }""",
        "o.json: clockTree.CCLK.control: lpc_timer \"timer0\" has no clock controls")]
    [InlineData("""{ "clockTree": { "CCLK": { "source": "PCLK" } } }""",
        "o.json: clockTree.CCLK.source: clock \"CCLK\" is derived from itself (a loop in the clock tree)")]
    [InlineData("""{ "clockTree": { "CCLK": { "source": "XTAL" } } }""",
        "o.json: clockTree.CCLK.source: source clock \"XTAL\" is not defined (clocks: ")]
    [InlineData("""{ "clockTree": { "CCLK": { "control": "scb" } } }""",
        "o.json: clockTree.CCLK.control: expected a control like \"scb.PLL\" (peripheral.control), got \"scb\"")]
    public void BadClockTrees(string json, string expected) => Assert.StartsWith(expected, Error(json));

    [Fact]
    public void PinWiringReachesThePinsABoardEntryDeclares()
    {
        // An rtl block's pins are ports its entry names: the pins section wires them like a model's.
        using var files = new TestFiles();
        string o = files.Write("o.json", """{ "pins": { "uartx": { "RXD": "uartx.TXD" } } }""");
        var b = BoardLoader.Load([Path.Combine(TestFiles.BoardsDir, "versatilepb.json"), Path.Combine(TestFiles.BoardsDir, "rtl", "uart.json"), o], []);
        Assert.Equal("uartx.TXD -> uartx.RXD", Assert.Single(b.Pins).ToString());
        string bad = files.Write("bad.json", """{ "pins": { "uartx": { "RXX": "uartx.TXD" } } }""");
        var e = Assert.Throws<BoardException>(() => BoardLoader.Load([Path.Combine(TestFiles.BoardsDir, "versatilepb.json"), Path.Combine(TestFiles.BoardsDir, "rtl", "uart.json"), bad], []));
        Assert.EndsWith("pins.uartx.RXX: rtl \"uartx\" has no input pin \"RXX\" (inputs: RXD)", e.Message);
    }
}
