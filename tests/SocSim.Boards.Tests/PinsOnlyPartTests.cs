namespace SocSim.Boards.Tests;

/// <summary>
/// Board parts on pins only (the LPC2106's 24C02 EEPROM and W25Q80DV SPI flash): their types declare no
/// register window, their entries have no base or wait states, and each wrong combination is a one-line error.
/// </summary>
public sealed class PinsOnlyPartTests : IDisposable
{
    private readonly TestFiles _files = new();
    public void Dispose() => _files.Dispose();

    private const string Board = """
    {
      "$schema": "board.schema.json",
      "cpu": { "type": "arm7tdmi", "clock": "CPUCLK" },
      "clocks": { "CPUCLK": 48000000 },
      "memory": {
        "ram": { "base": "0x0", "size": "0x10000", "kind": "RAM", "busWidth": 32,
                 "waitStates": { "readN": 0, "readS": 0, "writeN": 0, "writeS": 0 } }
      },
      "peripherals": {
        "PART": {
          "type": "TYPE", "clock": "CPUCLK" EXTRA
        }
      }
    }
    """;

    private string Load(string part, string type, string extra = "")
    {
        string file = _files.Write("board.json", Board.Replace("PART", part).Replace("TYPE", type).Replace("EXTRA", extra));
        try { BoardLoader.Load([file], []); return "ok"; }
        catch (BoardException e) { return e.Message; }
    }

    [Fact]
    public void APartOnPinsHasNoBaseAndNoBusWindow()
    {
        Assert.Equal("ok", Load("eeprom", "i2c_eeprom_24cxx"));
        Assert.Equal("ok", Load("flash", "spi_flash_w25q80dv"));
        var lpc = BoardLoader.Load([Path.Combine(TestFiles.BoardsDir, "lpc2106.json"), Path.Combine(TestFiles.BoardsDir, "overrides", "lpc2106-spiflash.json")], []);
        Assert.All(lpc.Peripherals.Where(p => p.Name is "eeprom" or "spiflash"), p => Assert.False(p.Type.HasWindow));
        using var m = Machine.Create([Path.Combine(TestFiles.BoardsDir, "lpc2106.json")], [], new MachineOptions { Warnings = TextWriter.Null });
        Assert.Null(m.Bus.FindMapping(0x80000000));  // nothing at the old dummy window
    }

    [Fact]
    public void AWindowWithoutBaseOrABaseWithoutWindowIsAOneLineError()
    {
        string noBase = Load("uart0", "pl011");
        Assert.Contains("peripherals.uart0.base: missing required key 'base': pl011 has a 0x1000-byte register window", noBase);
        string noWait = Load("uart0", "pl011", """, "base": "0x10000000" """);
        Assert.Contains("peripherals.uart0.waitStates: missing required key 'waitStates': pl011 has a 0x1000-byte register window", noWait);
        string based = Load("eeprom", "i2c_eeprom_24cxx", """, "base": "0x80000000" """);
        Assert.Contains("peripherals.eeprom.base: i2c_eeprom_24cxx is a part on pins only, with no register window: remove base", based);
        string waits = Load("flash", "spi_flash_w25q80dv", """, "waitStates": { "readN": 0, "readS": 0, "writeN": 0, "writeS": 0 } """);
        Assert.Contains("peripherals.flash.waitStates: spi_flash_w25q80dv is a part on pins only, with no register window: remove waitStates", waits);
        Assert.All(new[] { noBase, noWait, based, waits }, msg => Assert.DoesNotContain('\n', msg.TrimEnd()));
    }
}
