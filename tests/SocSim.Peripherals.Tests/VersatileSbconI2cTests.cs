using SocSim.Core.State;
using static SocSim.Peripherals.Tests.Bench;
using static SocSim.Peripherals.VersatileSbconI2c;

namespace SocSim.Peripherals.Tests;

/// <summary>The Versatile/PB's SBCon I²C, bit-banged through its registers as i2c-algo-bit does, with the DS1338 on its bus.</summary>
public sealed class VersatileSbconI2cTests
{
    private readonly Bench _b = new();
    private readonly List<string> _warnings = new();
    private VersatileSbconI2c _d;

    public VersatileSbconI2cTests() => _d = New(Ds1338Rtc.DefaultTime);

    private VersatileSbconI2c New(string time) => new("i2c", _b.Scheduler, time, _warnings.Add);

    private void Scl(bool h) => W(_d, h ? SB_CONTROLS : SB_CONTROLC, SCL);
    private void Sda(bool h) => W(_d, h ? SB_CONTROLS : SB_CONTROLC, SDA);
    private bool SdaIn => (R(_d, SB_CONTROL) & SDA) != 0;

    private void Start() { Sda(true); Scl(true); Sda(false); Scl(false); }
    private void Stop() { Sda(false); Scl(true); Sda(true); }

    /// <summary>Sends a byte; returns true when the slave acknowledged it.</summary>
    private bool Send(int b)
    {
        for (int i = 7; i >= 0; i--) { Sda(((b >> i) & 1) != 0); Scl(true); Scl(false); }
        Sda(true);
        Scl(true);
        bool ack = !SdaIn;
        Scl(false);
        return ack;
    }

    private byte Receive(bool ack)
    {
        int v = 0;
        Sda(true);
        for (int i = 0; i < 8; i++) { Scl(true); v = (v << 1) | (SdaIn ? 1 : 0); Scl(false); }
        Sda(!ack);
        Scl(true); Scl(false);
        Sda(true);
        return (byte)v;
    }

    private byte[] ReadRegs(int from, int count)
    {
        Start();
        Assert.True(Send(0xD0));
        Assert.True(Send(from));
        Start(); // repeated START
        Assert.True(Send(0xD1));
        var r = new byte[count];
        for (int i = 0; i < count; i++) r[i] = Receive(i < count - 1);
        Stop();
        return r;
    }

    private void WriteRegs(int from, params byte[] data)
    {
        Start();
        Assert.True(Send(0xD0));
        Assert.True(Send(from));
        foreach (byte b in data) Assert.True(Send(b));
        Stop();
    }

    [Fact]
    public void LinesResetLowAndFollowTheOpenDrainOutputs()
    {
        Assert.Equal(0u, R(_d, SB_CONTROL));
        W(_d, SB_CONTROLS, SCL | SDA);
        Assert.Equal(SCL | SDA, R(_d, SB_CONTROL));
        W(_d, SB_CONTROLC, SDA);
        Assert.Equal(SCL, R(_d, SB_CONTROL));
        _d.Reset();
        Assert.Equal(0u, R(_d, SB_CONTROL));
    }

    [Fact]
    public void ReadsTheTimeRegistersInBcd()
    {
        _d = New("2026-03-14T15:09:26");
        // Saturday is day 7 (1 = Sunday); 24-hour mode.
        Assert.Equal(new byte[] { 0x26, 0x09, 0x15, 0x07, 0x14, 0x03, 0x26, 0x00 }, ReadRegs(0, 8));
        Assert.Empty(_warnings);
    }

    [Fact]
    public void AnotherAddressIsNotAcknowledged()
    {
        Start();
        Assert.False(Send(0xA0));
        Stop();
        Assert.Equal(SCL | SDA, R(_d, SB_CONTROL));
    }

    [Fact]
    public void TimeAdvancesWithSimulatedSecondsAndCarriesIntoTheDate()
    {
        _d = New("2026-12-31T23:59:58");
        _b.At(TicksPerSecond - 1);
        Assert.Equal(0x58, ReadRegs(0, 1)[0]);
        _b.At(TicksPerSecond);
        Assert.Equal(0x59, ReadRegs(0, 1)[0]);
        _b.At(2 * TicksPerSecond);
        Assert.Equal(new byte[] { 0x00, 0x00, 0x00, 0x06, 0x01, 0x01, 0x27 }, ReadRegs(0, 7));
    }

    [Fact]
    public void WritingTheTimeSetsTheClockAndRestartsTheSecond()
    {
        _b.At(TicksPerSecond / 2);
        WriteRegs(0, 0x30, 0x45, 0x70, 0x02, 0x29, 0x02, 0x28); // 12-hour mode, 10 PM; 2028-02-29
        Assert.Equal(new DateTime(2028, 2, 29, 22, 45, 30), _d.Rtc.Now);
        _b.At(TicksPerSecond / 2 + TicksPerSecond - 1);
        Assert.Equal(0x30, ReadRegs(0, 1)[0]);
        _b.At(TicksPerSecond / 2 + TicksPerSecond);
        Assert.Equal(new byte[] { 0x31, 0x45, 0x70 }, ReadRegs(0, 3));
    }

    [Fact]
    public void RamAndControlKeepWritesAndThePointerWrapsAt3F()
    {
        WriteRegs(0x3E, 0xAB, 0xCD, 0x80); // 3E, 3F, then 00: seconds with CH set
        Assert.Equal(new byte[] { 0xAB, 0xCD, 0x80, 0x00 }, ReadRegs(0x3E, 4));
        _b.At(5 * TicksPerSecond);
        Assert.Equal(0x80, ReadRegs(0, 1)[0]); // CH: the oscillator is stopped
        WriteRegs(7, 0x10);
        Assert.Equal(0x10, ReadRegs(7, 1)[0]);
    }

    [Fact]
    public void AnInvalidDateIsReportedOnceAndTheClockKeepsItsTime()
    {
        WriteRegs(4, 0x31, 0x02); // 31 February
        WriteRegs(5, 0x13);
        Assert.Single(_warnings);
        Assert.Contains("invalid date-time", _warnings[0]);
        Assert.Equal(new DateTime(2026, 1, 1), _d.Rtc.Now);
    }

    [Fact]
    public void ABadInitialTimeIsOneError()
    {
        var e = Assert.Throws<ArgumentException>(() => New("1999-12-31T00:00:00"));
        Assert.Equal("i2c: rtcTime \"1999-12-31T00:00:00\" is not a date-time yyyy-MM-ddTHH:mm:ss from 2000 to 2099", e.Message);
    }

    [Fact]
    public void ACheckpointMidTransactionResumesTheSameReadAndTime()
    {
        _b.At(3 * TicksPerSecond + 5);
        Start();
        Assert.True(Send(0xD0));
        Assert.True(Send(0x00));
        Start();
        Assert.True(Send(0xD1));
        byte sec = Receive(ack: true);
        var ms = new MemoryStream();
        _d.SaveState(new StateWriter(ms));
        _d = New("2030-06-06T06:06:06");
        _d.LoadState(new StateReader(new MemoryStream(ms.ToArray())));
        Assert.Equal(0x03, sec);
        Assert.Equal(0x00, Receive(ack: false)); // minutes: the same read goes on
        Stop();
        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 3), _d.Rtc.Now);
        Assert.Equal(SCL | SDA, R(_d, SB_CONTROL));
    }

    [Fact]
    public void OtherOffsetsReadZeroAndIgnoreWrites()
    {
        W(_d, SB_CONTROLS, SCL | SDA);
        W(_d, 0x008, 0);
        Assert.Equal(0u, R(_d, 0x004));
        Assert.Equal(0u, R(_d, 0x008));
        Assert.Equal(SCL | SDA, R(_d, SB_CONTROL));
    }
}
