using SocSim.Core;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// The scripted I²C master board part (<see cref="I2cMasterPart"/>) against the 24C02 part on one
/// open-drain bus: its log, repeated START, a NACKed address, a free-bus wait, two masters starting
/// together (arbitration), and its one-line script errors.
/// </summary>
public sealed class I2cMasterPartTests
{
    private readonly Bench _b = new();
    private readonly IrqLine _scl = new("SCL"), _sda = new("SDA");
    private readonly List<IrqLine> _sclDrives = new(), _sdaDrives = new();
    private readonly I2cEeprom24Cxx _eeprom;

    public I2cMasterPartTests()
    {
        _scl.Set(true); _sda.Set(true);
        _eeprom = new I2cEeprom24Cxx("eeprom", _b.Scheduler, 256, 8, 0x50, 5000, "");
        _eeprom.ConnectScl(_scl);
        _eeprom.ConnectSda(_sda);
    }

    /// <summary>A master on the bus; with <paramref name="carriesEeprom"/> the EEPROM's SDA drive comes in on its SDA_OTHER (the board's wiring).</summary>
    private I2cMasterPart Master(string name, bool carriesEeprom, params string[] script) => LoggingMaster(name, carriesEeprom, null, script);

    private I2cMasterPart LoggingMaster(string name, bool carriesEeprom, string? log, params string[] script)
    {
        var m = new I2cMasterPart(name, _b.Scheduler, script, 100_000, log);
        _sclDrives.Add(m.SclOut);
        _sdaDrives.Add(m.SdaOut);
        m.SclOut.Subscribe(_ => _scl.Set(_sclDrives.All(l => l.Level)));
        m.SdaOut.Subscribe(_ => _sda.Set(_sdaDrives.All(l => l.Level)));
        if (carriesEeprom) m.ConnectSdaOther(_eeprom.SdaOut);
        m.ConnectScl(_scl);
        m.ConnectSda(_sda);
        return m;
    }

    private void RunUntil(params I2cMasterPart[] masters)
    {
        for (long t = 0; t < 50_000 && !masters.All(m => m.Finished); t++) _b.At(_b.Scheduler.Now + Bench.TicksPerSecond / 100_000);
        Assert.True(masters.All(m => m.Finished), "the scripts never ended");
    }

    private static double Us(string line) => double.Parse(line[..line.IndexOf(' ')], System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<string> Bus(I2cMasterPart m) => m.Log.Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..]);

    [Fact]
    public void WritesAPageAndReadsItBackWithARepeatedStart_TheBusyEepromNacks()
    {
        string log = Path.Combine(Path.GetTempPath(), $"socsim-i2cm-{Guid.NewGuid():N}.log");
        File.WriteAllText(log, "stale\n");
        var m = LoggingMaster("m", carriesEeprom: true, log,
            "at 10us write 0x50 0x10 0xAB 0xCD",
            "after 1ms write 0x50 0x10",                 // inside tWR (5 ms): not acknowledged
            "at 7ms write 0x50 0x10 then read 0x50 3",
            "at 8ms read 0x51 1");
        RunUntil(m);
        Assert.Equal(new[]
        {
            "START 50+W ACK 10 ACK AB ACK CD ACK STOP",
            "START 50+W NACK STOP",
            "START 50+W ACK 10 ACK Sr 50+R ACK AB ACK CD ACK FF NACK STOP",
            "START 51+R NACK STOP",
        }, Bus(m));
        Assert.StartsWith("10.000 us: ", m.Log[0]);
        Assert.StartsWith("7000.000 us: ", m.Log[2]);
        Assert.Equal(new byte[] { 0xAB, 0xCD }, _eeprom.Contents.Slice(0x10, 2).ToArray());
        Assert.Equal(m.Log, File.ReadAllLines(log));   // the log file is started afresh and has every line
        File.Delete(log);
    }

    /// <summary>
    /// A START on a busy bus waits for the STOP (and the next one begins then); two masters starting
    /// together both go on, and the one that sends a 1 where the other sends a 0 loses (here in the second
    /// data byte, bit 1) and releases the bus; the winner's transfer is whole.
    /// </summary>
    [Fact]
    public void TwoMastersStartingTogether_TheOneSendingAOneLosesArbitration_AndABusyBusIsWaitedFor()
    {
        var a = Master("a", carriesEeprom: true, "at 10us write 0x50 0x20 0x01", "at 100us write 0x50 0x30");
        var b = Master("b", carriesEeprom: false, "on start write 0x50 0x20 0x03", "at 310us write 0x50 0x40");
        RunUntil(a, b);
        Assert.Equal(new[] { "START 50+W ACK 20 ACK 01 ACK STOP", "START 50+W NACK STOP" }, Bus(a));  // the EEPROM is in its write cycle
        Assert.Equal(new[] { "START 50+W ACK 20 ACK 03 arbitration lost at bit 1", "START 50+W NACK STOP" }, Bus(b));
        Assert.StartsWith("10.000 us: ", b.Log[0]);                     // b started with a's START
        // a's second waits for its time (long past) and a free bus: it starts half a clock after its own STOP,
        // at 300 us; b's second (at 310 us) waits for a's STOP: a's transfer is 9 clocks and a STOP.
        double aStart = Us(a.Log[1]), bStart = Us(b.Log[1]);
        Assert.Equal(300.0, aStart);
        Assert.True(bStart > aStart + 9 * 10, $"a started at {aStart} us, b at {bStart} us");
        Assert.Equal((byte)0x01, _eeprom.Contents[0x20]);
    }

    [Theory]
    [InlineData("write 0x50 1", "begins with none of 'at TIME', 'after TIME', 'on start'")]
    [InlineData("at 1ms", "expected 'write ADDR BYTE...' or 'read ADDR COUNT' at word 3")]
    [InlineData("at 1 write 0x50", "'1' is not a time (a number with ns, us, ms or s)")]
    [InlineData("at 1ms write 0x80", "'0x80' is not a 7-bit address (0 to 0x7F)")]
    [InlineData("at 1ms write 0x50 256", "'256' is not a byte (0 to 0xFF)")]
    [InlineData("at 1ms read 0x50", "'read ADDR COUNT' takes one count")]
    [InlineData("at 1ms read 0x50 0", "a read of 0 bytes")]
    [InlineData("at 1ms write 0x50 then", "expected 'write ADDR BYTE...' or 'read ADDR COUNT' at word 6")]
    [InlineData("at 1.5ns write 0x50", "1.5ns is not a whole number of ticks (48000000 a second)")]
    public void ABadScriptEntryIsAOneLineError(string entry, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new I2cMasterPart("m", _b.Scheduler, ["at 0us write 0x50", entry], 100_000, null));
        Assert.Equal($"m: script entry 1 \"{entry}\": {message}", e.Message);
    }

    [Fact]
    public void AClockFasterThanTheTimeBaseIsAnError()
    {
        var e = Assert.Throws<ArgumentException>(() => new I2cMasterPart("m", _b.Scheduler, [], 0, null));
        Assert.Equal("m: clockHz 0 is not an I2C clock (1 to 3400000 Hz)", e.Message);
    }
}
