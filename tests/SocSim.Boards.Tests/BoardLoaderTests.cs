using SocSim.Core;

namespace SocSim.Boards.Tests;

public sealed class BoardLoaderTests : IDisposable
{
    private readonly TestFiles _files = new();
    public void Dispose() => _files.Dispose();

    // A minimal valid board; tests replace one piece of it.
    private const string Minimal = """
    {
      "$schema": "board.schema.json",
      "cpu": { "type": "arm7tdmi", "clock": "CPUCLK" },
      "clocks": { "CPUCLK": 50000000, "UARTCLK": 24000000, "TIMCLK": 1000000 },
      "memory": {
        "ram": { "base": "0x0", "size": "0x10000", "kind": "RAM", "busWidth": 32,
                 "waitStates": { "readN": 1, "readS": 0, "writeN": 1, "writeS": 0 } }
      },
      "peripherals": {
        "vic": { "type": "pl190", "base": "0x10140000", "clock": "CPUCLK", "waitStates": { "readN": 0, "readS": 0, "writeN": 0, "writeS": 0 } },
        "uart0": { "type": "pl011", "base": "0x101F1000", "clock": "UARTCLK", "waitStates": { "readN": 2, "readS": 2, "writeN": 2, "writeS": 2 } },
        "timer0": { "type": "sp804", "base": "0x101E2000", "clock": "TIMCLK", "waitStates": { "readN": 2, "readS": 2, "writeN": 2, "writeS": 2 } }
      },
      "interrupts": {
        "cpu": { "nIRQ": "vic.IRQ" },
        "vic": { "4": "timer0.TIMINTC", "12": "uart0.UARTINTR" }
      }
    }
    """;

    private string Board(string text, string name = "board.json") => _files.Write(name, text);

    private BoardException Fails(string text, params string[] sets) =>
        Assert.Throws<BoardException>(() => BoardLoader.Load([Board(text)], sets));

    private static string Replace(string text, string from, string to)
    {
        Assert.Contains(from, text);
        return text.Replace(from, to);
    }

    [Fact]
    public void MinimalBoardResolves()
    {
        var b = BoardLoader.Load([Board(Minimal)], []);
        Assert.Equal("arm7tdmi", b.Cpu.Type.Name);
        Assert.Equal(50_000_000, b.Cpu.Clock.FrequencyHz);
        Assert.Equal(600_000_000, b.TicksPerSecond);
        Assert.Equal(12, b.Clock("CPUCLK").PeriodTicks);
        Assert.Equal(25, b.Clock("UARTCLK").PeriodTicks);
        Assert.Equal(600, b.Clock("TIMCLK").PeriodTicks);
        var ram = Assert.Single(b.Memory);
        Assert.Equal((0u, 0x10000u, RegionKind.Ram, 32), (ram.Base, ram.Size, ram.Kind, ram.BusWidth));
        Assert.Equal(new WaitStates(1, 0, 1, 0), ram.WaitStates);
        Assert.Equal(["vic", "timer0", "uart0"], b.Peripherals.Select(p => p.Name));
        Assert.False(b.Peripheral("uart0")!.Parameter<bool>("console"));
        Assert.Equal(3, b.Interrupts.Count);
        var t = b.Interrupts.Single(i => i.SourceComponent == "timer0");
        Assert.Equal(("TIMINTC", "vic", 4), (t.SourceOutput, t.TargetComponent, t.TargetLine));
        Assert.True(b.Interrupts.Single(i => i.TargetsCpu).TargetInput == "nIRQ");
        Assert.False(b.Semihosting);
    }

    [Fact]
    public void SyntaxErrorNamesFileLineAndColumn()
    {
        var e = Fails("{\n  \"cpu\": { \"type\": \"arm7tdmi\" \n  \"clocks\": {}\n}");
        Assert.Contains("board.json", e.Message);
        Assert.Contains("JSON syntax error at line 3", e.Message);
    }

    [Fact]
    public void TopLevelArrayIsRejected()
    {
        var e = Fails("[1, 2]");
        Assert.EndsWith("expected a JSON object at the top level, got an array", e.Message);
    }

    [Fact]
    public void DuplicateKeyIsReported()
    {
        var e = Fails(Replace(Minimal, "\"clocks\":", "\"semihosting\": true, \"semihosting\": false, \"clocks\":"));
        Assert.EndsWith("board.json: semihosting: duplicate key (keys that differ only in case are the same key)", e.Message);
    }

    [Fact]
    public void ArraysAreRejectedWhereMapsBelong()
    {
        var e = Fails("""
            { "cpu": { "type": "arm7tdmi", "clock": "C" }, "clocks": { "C": 1 },
              "memory": [ { "base": 0, "size": 4, "kind": "RAM", "busWidth": 32 } ] }
            """);
        Assert.EndsWith("board.json: memory.0: invalid name '0': expected a name: a letter followed by letters, digits or '_' (arrays are not accepted here: use an object keyed by name)", e.Message);
    }

    [Fact]
    public void KeysDifferingOnlyInCaseAreDuplicates()
    {
        var e = Fails(Replace(Minimal, "\"readN\": 1,", "\"readN\": 1, \"ReadN\": 0,"));
        Assert.EndsWith("board.json: memory.ram.waitStates.ReadN: duplicate key (keys that differ only in case are the same key)", e.Message);
    }

    [Fact]
    public void MissingFile()
    {
        var e = Assert.Throws<BoardException>(() => BoardLoader.Load([Path.Combine(_files.Dir, "nope.json")], []));
        Assert.Contains("nope.json: cannot read board file", e.Message);
    }

    [Theory]
    [InlineData("\"kind\": \"RAM\"", "\"kind\": \"RAM\", \"speed\": 3", "memory.ram.speed: unknown key 'speed' (expected one of: base, size, kind, busWidth, waitStates, init)")]
    [InlineData("\"kind\": \"RAM\"", "\"Kind\": \"RAM\"", "memory.ram.Kind: unknown key 'Kind' (did you mean 'kind'? keys are case-sensitive)")]
    [InlineData("\"clocks\":", "\"clock\": 5, \"clocks\":", "clock: unknown key 'clock' (expected one of: $schema, description, cpu, clocks, clockTree, memory, peripherals, interrupts, pins, semihosting, defaultFirmware)")]
    public void UnknownKey(string from, string to, string expected)
    {
        var e = Fails(Replace(Minimal, from, to));
        Assert.EndsWith("board.json: " + expected, e.Message);
    }

    [Fact]
    public void UnknownParameterForType()
    {
        var e = Fails(Replace(Minimal, "\"type\": \"pl190\", \"base\": \"0x10140000\", \"clock\": \"CPUCLK\",", "\"type\": \"pl190\", \"base\": \"0x10140000\", \"clock\": \"CPUCLK\", \"parameters\": { \"console\": true },"));
        Assert.EndsWith("board.json: peripherals.vic.parameters.console: unknown parameter 'console': type pl190 takes no parameters", e.Message);
        e = Fails(Replace(Minimal, "\"clock\": \"TIMCLK\",", "\"clock\": \"TIMCLK\", \"parameters\": { \"console\": true },"));
        Assert.EndsWith("board.json: peripherals.timer0.parameters.console: unknown parameter 'console' for type sp804 (expected one of: refclkHz)", e.Message);
        e = Fails(Replace(Minimal, "\"clock\": \"UARTCLK\",", "\"clock\": \"UARTCLK\", \"parameters\": { \"baud\": 9600 },"));
        Assert.EndsWith("peripherals.uart0.parameters.baud: unknown parameter 'baud' for type pl011 (expected one of: console, revision)", e.Message);
    }

    [Fact]
    public void ParameterIsTyped()
    {
        var b = BoardLoader.Load([Board(Replace(Minimal, "\"clock\": \"UARTCLK\",", "\"clock\": \"UARTCLK\", \"parameters\": { \"console\": true },"))], []);
        Assert.True(b.Peripheral("uart0")!.Parameter<bool>("console"));
        var e = Fails(Replace(Minimal, "\"clock\": \"UARTCLK\",", "\"clock\": \"UARTCLK\", \"parameters\": { \"console\": \"yes\" },"));
        Assert.EndsWith("peripherals.uart0.parameters.console: expected true or false, got \"yes\"", e.Message);
    }

    [Fact]
    public void MissingRequiredKey()
    {
        var e = Fails(Replace(Minimal, "\"kind\": \"RAM\",", ""));
        Assert.EndsWith("board.json: memory.ram: missing required key 'kind'", e.Message);
        e = Fails(Replace(Minimal, "\"cpu\": { \"type\": \"arm7tdmi\", \"clock\": \"CPUCLK\" },", ""));
        Assert.EndsWith("board.json: missing required key 'cpu' (an object); a file without it is an override: layer it on a whole board (socsim: --board versatilepb --board FILE)", e.Message);
        e = Fails(Replace(Minimal, "\"readN\": 1, \"readS\": 0, ", ""));
        Assert.EndsWith("board.json: memory.ram.waitStates: missing required key 'readN'", e.Message);
    }

    [Theory]
    [InlineData("\"base\": \"0x0\"", "\"base\": \"0x1G\"", "memory.ram.base: expected an integer or a hex string like \"0x1000\", got \"0x1G\"")]
    [InlineData("\"base\": \"0x0\"", "\"base\": true", "memory.ram.base: expected an integer or a hex string like \"0x1000\", got \"True\"")]
    [InlineData("\"base\": \"0x0\"", "\"base\": 1.5", "memory.ram.base: expected an integer or a hex string like \"0x1000\", got \"1.5\"")]
    [InlineData("\"base\": \"0x0\"", "\"base\": \"0x100000000\"", "memory.ram.base: address 0x100000000 does not fit in 32 bits")]
    [InlineData("\"base\": \"0x0\"", "\"base\": -4", "memory.ram.base: address must not be negative, got -4")]
    [InlineData("\"base\": \"0x0\"", "\"base\": { \"x\": 1 }", "memory.ram.base: expected a value, got an object or array")]
    [InlineData("\"size\": \"0x10000\"", "\"size\": \"64MB\"", "memory.ram.size: expected an integer, a hex string like \"0x1000\" or a size like \"64KiB\", \"64MiB\", \"1GiB\", got \"64MB\"")]
    [InlineData("\"size\": \"0x10000\"", "\"size\": 0", "memory.ram.size: size must be non-zero")]
    [InlineData("\"size\": \"0x10000\"", "\"size\": \"0x10002\"", "memory.ram.size: size 0x10002 is not a multiple of 4 bytes")]
    [InlineData("\"base\": \"0x0\"", "\"base\": \"0x2\"", "memory.ram.base: base 0x00000002 is not word aligned (regions must start on a multiple of 4)")]
    [InlineData("\"base\": \"0x0\"", "\"base\": \"0xFFFF8000\"", "memory.ram.size: region 0xFFFF8000+0x10000 extends past 4 GiB (ends at 0x100007FFF)")]
    [InlineData("\"size\": \"0x10000\"", "\"size\": \"5GiB\"", "memory.ram.size: size 5GiB is larger than 4 GiB")]
    [InlineData("\"kind\": \"RAM\"", "\"kind\": \"ram\"", "memory.ram.kind: expected \"RAM\" or \"ROM\", got \"ram\"")]
    [InlineData("\"busWidth\": 32", "\"busWidth\": 64", "memory.ram.busWidth: expected a bus width of 8, 16 or 32, got 64")]
    [InlineData("\"readN\": 1,", "\"readN\": -1,", "memory.ram.waitStates.readN: wait states must not be negative, got -1")]
    [InlineData("\"readN\": 1,", "\"readN\": \"one\",", "memory.ram.waitStates.readN: expected a number of wait states (a non-negative integer), got \"one\"")]
    [InlineData("\"ram\": {", "\"ram\": 5, \"rom\": {", "memory.ram: expected an object, got \"5\"")]
    [InlineData("\"CPUCLK\": 50000000,", "\"CPUCLK\": 0,", "clocks.CPUCLK: clock frequency must be positive, got 0")]
    [InlineData("\"CPUCLK\": 50000000,", "\"CPUCLK\": -5,", "clocks.CPUCLK: clock frequency must be positive, got -5")]
    [InlineData("\"CPUCLK\": 50000000,", "\"CPUCLK\": \"0x10\",", "clocks.CPUCLK: expected a frequency in Hz (an integer), got \"0x10\"")]
    [InlineData("\"clock\": \"CPUCLK\" }", "\"clock\": \"FCLK\" }", "cpu.clock: clock \"FCLK\" is not defined (defined clocks: CPUCLK, TIMCLK, UARTCLK)")]
    [InlineData("\"type\": \"arm7tdmi\"", "\"type\": \"arm9\"", "cpu.type: unknown CPU type \"arm9\" (known: arm7tdmi, arm926ejs, cortex-m0, cortex-m0plus, cortex-m3, cortex-m4, cortex-m4f)")]
    [InlineData("\"type\": \"sp804\"", "\"type\": \"sp805\"", "peripherals.timer0.type: unknown peripheral type \"sp805\" (known: ")] // the list is the catalog, which grows with every device
    [InlineData("\"clock\": \"TIMCLK\"", "\"clock\": \"TIMERCLK\"", "peripherals.timer0.clock: clock \"TIMERCLK\" is not defined (defined clocks: CPUCLK, TIMCLK, UARTCLK)")]
    [InlineData("\"base\": \"0x101E2000\"", "\"base\": \"0x101E2100\"", "peripherals.timer0.base: base 0x101E2100 is not 4 KiB aligned (peripheral bases must be multiples of 0x1000)")]
    [InlineData("\"base\": \"0x101E2000\"", "\"base\": \"0x101F1000\"", "peripherals.uart0: 0x101F1000-0x101F1FFF overlaps peripherals.timer0 (0x101F1000-0x101F1FFF, from ")]
    [InlineData("\"base\": \"0x101E2000\"", "\"base\": \"0x8000\"", "peripherals.timer0: 0x00008000-0x00008FFF overlaps memory.ram (0x00000000-0x0000FFFF, from ")]
    [InlineData("\"4\": \"timer0.TIMINTC\"", "\"32\": \"timer0.TIMINTC\"", "interrupts.vic.32: input 32 out of range: pl190 \"vic\" has inputs 0..31")]
    [InlineData("\"4\": \"timer0.TIMINTC\"", "\"IRQ0\": \"timer0.TIMINTC\"", "interrupts.vic.IRQ0: expected an input number 0..31 of pl190 \"vic\", got \"IRQ0\"")]
    [InlineData("\"4\": \"timer0.TIMINTC\"", "\"4\": \"timer9.TIMINTC\"", "interrupts.vic.4: interrupt source \"timer9.TIMINTC\": no peripheral named \"timer9\" (peripherals: vic, timer0, uart0)")]
    [InlineData("\"4\": \"timer0.TIMINTC\"", "\"4\": \"timer0.TIMINT3\"", "interrupts.vic.4: interrupt source \"timer0.TIMINT3\": sp804 has no output \"TIMINT3\" (outputs: TIMINT1, TIMINT2, TIMINTC)")]
    [InlineData("\"4\": \"timer0.TIMINTC\"", "\"4\": \"timer0\"", "interrupts.vic.4: expected a source like \"timer0.TIMINTC\" (peripheral.output), got \"timer0\"")]
    [InlineData("\"vic\": { \"4\"", "\"vic2\": { \"4\"", "interrupts.vic2: interrupt target \"vic2\" does not exist (targets are \"cpu\", \"vic\")")]
    [InlineData("\"vic\": { \"4\"", "\"uart0\": { \"4\"", "interrupts.uart0: \"uart0\" (pl011) has no interrupt inputs (targets are \"cpu\", \"vic\")")]
    [InlineData("\"nIRQ\": \"vic.IRQ\"", "\"IRQ\": \"vic.IRQ\"", "interrupts.cpu.IRQ: the CPU has no input \"IRQ\" (inputs: nIRQ, nFIQ)")]
    [InlineData("\"$schema\": \"board.schema.json\",", "\"semihosting\": \"maybe\",", "semihosting: expected true or false, got \"maybe\"")]
    public void InvalidValue(string from, string to, string expected)
    {
        string text = Replace(Minimal, from, to);
        var e = Fails(text);
        Assert.True(e.Message.Contains("board.json: " + expected), e.Message);
    }

    [Fact]
    public void NullIsNotAValue()
    {
        var e = Fails(Replace(Minimal, "\"busWidth\": 32", "\"busWidth\": null"));
        Assert.EndsWith("board.json: memory.ram.busWidth: expected a value, got null or an empty object", e.Message);
    }

    [Fact]
    public void NamesAreUniqueAndCpuIsReserved()
    {
        var e = Fails(Replace(Minimal, "\"timer0\": {", "\"ram\": {"));
        Assert.Contains("board.json: peripherals.ram: name \"ram\" is also a memory region (memory.ram, from ", e.Message);
        e = Fails(Replace(Minimal, "\"timer0\": {", "\"cpu\": {"));
        Assert.EndsWith("board.json: peripherals.cpu: the name \"cpu\" is reserved for the CPU", e.Message);
    }

    [Fact]
    public void SetValuesMayContainEqualsAndLaterSetsWin()
    {
        var b = BoardLoader.Load([Board(Replace(Minimal, "\"$schema\": \"board.schema.json\",", "\"description\": \"x\","))],
            ["description=a=b", "memory.ram.waitStates.readN=5", "memory.ram.waitStates.readN=6"]);
        Assert.Equal("a=b", b.Description);
        Assert.Equal(6, b.Memory[0].WaitStates.ReadN);
    }

    [Fact]
    public void InitFileIsResolvedRelativeToTheBoardFile()
    {
        _files.WriteBytes("img/boot.bin", [1, 2, 3, 4]);
        var b = BoardLoader.Load([Board(Replace(Minimal, "\"kind\": \"RAM\",", "\"kind\": \"RAM\", \"init\": \"img/boot.bin\","))], []);
        Assert.Equal(Path.Combine(_files.Dir, "img", "boot.bin"), b.Memory[0].InitFile);
        using var r = b.Memory[0].CreateRegion();
        Assert.Equal([1, 2, 3, 4, 0], r.AsSpan()[..5].ToArray());
    }

    [Fact]
    public void InitFileMissingOrTooLarge()
    {
        var e = Fails(Replace(Minimal, "\"kind\": \"RAM\",", "\"kind\": \"RAM\", \"init\": \"missing.bin\","));
        Assert.Contains("board.json: memory.ram.init: init file \"missing.bin\" not found", e.Message);
        _files.WriteBytes("big.bin", new byte[0x10004]);
        e = Fails(Replace(Minimal, "\"kind\": \"RAM\",", "\"kind\": \"RAM\", \"init\": \"big.bin\","));
        Assert.EndsWith("board.json: memory.ram.init: init file \"big.bin\" is 65540 bytes, larger than the region (65536 bytes)", e.Message);
    }

    [Fact]
    public void LaterFilesOverrideSingleKeys()
    {
        string baseFile = Board(Minimal);
        string over = _files.Write("slow.json", """{ "memory": { "ram": { "waitStates": { "readN": 7 } } } }""");
        var b = BoardLoader.Load([baseFile, over], []);
        Assert.Equal(new WaitStates(7, 0, 1, 0), b.Memory[0].WaitStates);
        Assert.Equal(over, b.OriginOf("memory.ram.waitStates.readN"));
        Assert.Equal(baseFile, b.OriginOf("memory.ram.waitStates.readS"));
    }

    [Fact]
    public void ErrorsNameTheLayerThatSuppliedTheKey()
    {
        string baseFile = Board(Minimal);
        string over = _files.Write("bad.json", """{ "memory": { "ram": { "waitStates": { "writeS": -2 } } } }""");
        var e = Assert.Throws<BoardException>(() => BoardLoader.Load([baseFile, over], []));
        Assert.Equal(over + ": memory.ram.waitStates.writeS: wait states must not be negative, got -2", e.Message);
        // A region added by an override without all its keys: blame the override.
        over = _files.Write("add.json", """{ "memory": { "rom": { "base": "0x20000000" } } }""");
        e = Assert.Throws<BoardException>(() => BoardLoader.Load([baseFile, over], []));
        Assert.Equal(over + ": memory.rom: missing required key 'size'", e.Message);
    }

    [Fact]
    public void SetOverridesWithDotsOrColons()
    {
        var b = BoardLoader.Load([Board(Minimal)],
            ["memory.ram.waitStates.readN=2", "peripherals:uart0:base=0x101F4000", "semihosting=true", "peripherals.uart0.parameters.console=true"]);
        Assert.Equal(2, b.Memory[0].WaitStates.ReadN);
        Assert.Equal(0x101F4000u, b.Peripheral("uart0")!.Base);
        Assert.True(b.Semihosting);
        Assert.True(b.Peripheral("uart0")!.Parameter<bool>("console"));
        Assert.Equal("--set", b.OriginOf("memory.ram.waitStates.readN"));
    }

    [Theory]
    [InlineData("memory.ram.waitStates.readN=-1", "--set: memory.ram.waitStates.readN: wait states must not be negative, got -1")]
    [InlineData("memory.ram.speed=1", "--set: memory.ram.speed: unknown key 'speed' (expected one of: base, size, kind, busWidth, waitStates, init)")]
    [InlineData("memory.ram=1", "--set: memory.ram: expected an object, got \"1\"")]
    [InlineData("noequals", "--set: expected key=value (e.g. memory.ram.waitStates.readN=2), got \"noequals\"")]
    [InlineData("memory..ram=1", "--set: memory..ram: empty segment in key \"memory..ram\"")]
    public void SetErrorsNameSet(string set, string expected)
    {
        var e = Assert.Throws<BoardException>(() => BoardLoader.Load([Board(Minimal)], [set]));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void NumbersAsJsonNumbersOrStrings()
    {
        string text = Replace(Replace(Minimal, "\"base\": \"0x0\"", "\"base\": 4096"), "\"size\": \"0x10000\"", "\"size\": \"64KiB\"");
        var b = BoardLoader.Load([Board(text)], []);
        Assert.Equal((0x1000u, 0x10000u), (b.Memory[0].Base, b.Memory[0].Size));
        text = Replace(Minimal, "\"size\": \"0x10000\"", "\"size\": 65536");
        Assert.Equal(0x10000u, BoardLoader.Load([Board(text, "b2.json")], []).Memory[0].Size);
    }

    [Fact]
    public void RegionsAreSortedByBase()
    {
        string text = Replace(Minimal, "\"ram\": {", """
            "rom": { "base": "0x20000000", "size": "1MiB", "kind": "ROM", "busWidth": 16,
                     "waitStates": { "readN": 3, "readS": 1, "writeN": 3, "writeS": 1 } },
            "ram": {
            """);
        var b = BoardLoader.Load([Board(text)], []);
        Assert.Equal(["ram", "rom"], b.Memory.Select(r => r.Name));
        Assert.Equal(RegionKind.Rom, b.Memory[1].Kind);
    }

    [Fact]
    public void OverflowingTimeBaseIsAnError()
    {
        var e = Fails(Replace(Minimal, "\"TIMCLK\": 1000000", "\"TIMCLK\": 1000003, \"A\": 999999937, \"B\": 999999929"));
        Assert.Contains("board.json: clocks: the global time base", e.Message);
    }
}
