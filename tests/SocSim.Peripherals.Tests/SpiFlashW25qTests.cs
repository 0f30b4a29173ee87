using SocSim.Core;
using static SocSim.Peripherals.Lpc2000Spi;
using static SocSim.Peripherals.SpiFlashW25q;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>The W25Q80DV board part driven by the LPC2106 SPI0 as a master, /CS on a line the test drives as a GPIO.</summary>
public sealed class SpiFlashW25qTests
{
    private const long P = 4; // ticks per PCLK period
    private static readonly Times Typical = new(700, 45_000, 120_000, 150_000, 2_000_000);
    private readonly Bench _b = new();
    private readonly ClockDomain _pclk = new("PCLK", 12_000_000, P);
    private readonly List<string> _warnings = new();
    private readonly Lpc2000Spi _spi;
    private readonly SpiFlashW25q _f;
    private readonly IrqLine _cs = new("CS"), _miso = new("MISO");

    public SpiFlashW25qTests() : this(0) { }

    private SpiFlashW25qTests(uint mode)
    {
        _spi = new Lpc2000Spi("spi", _b.Scheduler, _pclk, _warnings.Add);
        _f = new SpiFlashW25q("flash", _b.Scheduler, 1 << 20, 0xEF4014, Typical, Convert.FromHexString("0011"), _warnings.Add);
        _cs.Set(true);
        _miso.Set(true);
        _f.DataOut.Subscribe(l => _miso.Set(l && _spi.MisoOut.Level));
        _spi.ConnectMiso(_miso);
        _f.ConnectCs(_cs);
        _f.ConnectClk(_spi.SckOut);
        _f.ConnectDi(_spi.MosiOut);
        W(_spi, SPCCR, 8);
        W(_spi, SPCR, MSTR | mode);
    }

    private void Run(long pclks) => _b.At(_b.Scheduler.Now + pclks * P);

    private byte X(byte b)
    {
        W(_spi, SPDR, b);
        Run(8 * 8 + 2);
        Assert.Equal(SPIF, R(_spi, SPSR));
        return (byte)R(_spi, SPDR);
    }

    private byte[] Cmd(params byte[] bytes) => Cmd(bytes, 0);

    private byte[] Cmd(byte[] bytes, int read)
    {
        _cs.Set(false);
        var got = bytes.Select(X).Concat(Enumerable.Range(0, read).Select(_ => X(0xFF))).ToArray();
        _cs.Set(true);
        return got;
    }

    private byte Status() => Cmd([ReadStatus1], 1)[1];

    private byte[] Read(int addr, int n) => Cmd([ReadData, (byte)(addr >> 16), (byte)(addr >> 8), (byte)addr], n)[4..];

    /// <summary>Polls RDSR until BUSY clears; returns the tick it was first seen clear.</summary>
    private long WaitReady()
    {
        _cs.Set(false);
        X(ReadStatus1);
        for (int k = 0; k < 1_000_000; k++)
        {
            if ((X(0xFF) & Busy) == 0) { long t = _b.Scheduler.Now; _cs.Set(true); return t; }
            Run(1000);
        }
        throw new Xunit.Sdk.XunitException("BUSY never cleared");
    }

    [Fact]
    public void JedecIdAndReads()
    {
        Assert.Equal(new byte[] { 0xEF, 0x40, 0x14, 0xFF }, Cmd([JedecId], 4)[1..]);
        Assert.Equal(new byte[] { 0x00, 0x11, 0xFF }, Read(0, 3));
        Assert.Equal(new byte[] { 0xFF, 0x00, 0x11 }, Read(0xFFFFF, 3));              // wraps at the end of the array
        Assert.Equal(new byte[] { 0x11, 0xFF }, Cmd([FastRead, 0, 0, 1, 0], 2)[5..]); // one dummy byte
        Assert.True(_f.DataOut.Level);                                                // released with /CS high
        bool abort = false;
        _f.Read(0x80001000, 4, AccessFlags.Privileged, ref abort);
        Assert.True(abort);
        Assert.Empty(_warnings);
    }

    /// <summary>WEL from 06h, cleared by 04h and by the cycle's end; the page wraps; bits only go to 0; BUSY for tPP.</summary>
    [Fact]
    public void PageProgramWrapsWithinThePageAndOnlyClearsBits()
    {
        Cmd(PageProgram, 0, 0, 0x10, 0x12);                     // WEL = 0: ignored
        Assert.Equal(0xFF, Read(0x10, 1)[0]);
        Cmd(WriteEnable);
        Assert.Equal(Wel, Status());
        Cmd(WriteDisable);
        Assert.Equal(0, Status());
        Cmd(WriteEnable);
        _cs.Set(false);
        foreach (byte b in new byte[] { PageProgram, 0x00, 0x01, 0xFE, 0xF0, 0x3C, 0x5A })
            X(b);
        long end = _b.Scheduler.Now;
        _cs.Set(true);
        Assert.Equal(Busy | Wel, Status());
        Assert.Equal(end + Bench.TicksPerSecond * 7 / 10_000, _f.BusyUntil);           // tPP 0.7 ms from /CS high
        Assert.Equal(new byte[] { 0xFF }, Cmd([JedecId], 1)[1..]);                     // busy: nothing but RDSR answers
        Assert.Equal(end + Bench.TicksPerSecond * 7 / 10_000, _f.BusyUntil);
        long ready = WaitReady();
        Assert.InRange(ready - _f.BusyUntil, 0, 2 * (1000 + 66) * P);                 // polled every 1066 PCLKs, each status loaded a byte ahead
        Assert.Equal(0, Status());                                                     // WEL cleared at the end
        Assert.Equal(new byte[] { 0x5A, 0xFF }, Read(0x100, 2));                       // the third byte wrapped to the page start
        Assert.Equal(new byte[] { 0xF0, 0x3C }, Read(0x1FE, 2));
        Cmd(WriteEnable);
        Cmd(PageProgram, 0, 1, 0xFE, 0x0F);
        WaitReady();
        Assert.Equal(0x00, Read(0x1FE, 1)[0]);                                         // 0xF0 & 0x0F: bits only go from 1 to 0
        Assert.Empty(_warnings);
    }

    /// <summary>Sector, 64 KB block and chip erase: FFh over exactly their range, BUSY for tSE, tBE2, tCE.</summary>
    [Fact]
    public void ErasesTakeTheDataSheetsTimes()
    {
        Cmd(WriteEnable);
        Cmd(PageProgram, 0x01, 0x2F, 0xFF, 0x00);
        WaitReady();
        Cmd(WriteEnable);
        Cmd(PageProgram, 0x01, 0x30, 0x00, 0x00, 0x00);
        WaitReady();
        Cmd(WriteEnable);
        Cmd(SectorErase, 0x01, 0x30, 0x77);                    // the sector 0x13000-0x13FFF
        long t0 = _b.Scheduler.Now;
        Assert.Equal(t0 + Bench.TicksPerSecond * 45 / 1000, _f.BusyUntil);
        WaitReady();
        Assert.Equal(new byte[] { 0x00, 0xFF, 0xFF }, Read(0x12FFF, 3));
        Cmd(WriteEnable);
        Cmd(Block64Erase, 0x01, 0x00, 0x00);
        Assert.Equal(_b.Scheduler.Now + Bench.TicksPerSecond * 150 / 1000, _f.BusyUntil);
        WaitReady();
        Assert.Equal(0xFF, Read(0x12FFF, 1)[0]);
        Assert.Equal(0x00, Read(0, 1)[0]);
        Cmd(WriteEnable);
        Cmd(ChipErase);
        Assert.Equal(_b.Scheduler.Now + Bench.TicksPerSecond * 2, _f.BusyUntil);
        WaitReady();
        Assert.Equal(new byte[] { 0xFF, 0xFF }, Read(0, 2));
    }

    /// <summary>/CS raised after an extra byte (or mid-byte) does not run an erase; WEL stays.</summary>
    [Fact]
    public void EraseNotRunWhenCsRisesOffAByteBoundary()
    {
        Cmd(WriteEnable);
        Cmd(SectorErase, 0, 0, 0, 0);                          // a fifth byte: not executed
        Assert.Equal(Wel, Status());
        _cs.Set(false);
        X(SectorErase); X(0); X(0);
        W(_spi, SPDR, 0);
        Run(20);                                               // raised mid-byte
        _cs.Set(true);
        Run(100);
        R(_spi, SPSR); R(_spi, SPDR);
        Assert.Equal(Wel, Status());
        Assert.Equal(0x00, Read(0, 1)[0]);
        Cmd(0x9E);
        Assert.Equal(["flash: instruction 0x9E is not modelled; ignored"], _warnings);
    }

    /// <summary>SPI mode 3 (CPOL = CPHA = 1) works as mode 0 does (data sheet: modes 0 and 3).</summary>
    [Fact]
    public void Mode3ReadsTheSame()
    {
        var t = new SpiFlashW25qTests(CPOL | CPHA);
        Assert.Equal(new byte[] { 0xEF, 0x40, 0x14 }, t.Cmd([JedecId], 3)[1..]);
        Assert.Equal(new byte[] { 0x00, 0x11 }, t.Read(0, 2));
    }

    [Fact]
    public void BadParametersAreOneLineErrors()
    {
        var s = new Bench().Scheduler;
        Assert.Equal("f: size 1000 is not a power of two from 65536 to 16777216",
            Assert.Throws<ArgumentException>(() => new SpiFlashW25q("f", s, 1000, 0xEF4014, Typical, [])).Message);
        Assert.Equal("f: jedecId 0x1000000 is more than three bytes",
            Assert.Throws<ArgumentException>(() => new SpiFlashW25q("f", s, 1 << 16, 0x1000000, Typical, [])).Message);
        Assert.Equal("f: sectorEraseMicroseconds -1 is negative",
            Assert.Throws<ArgumentException>(() => new SpiFlashW25q("f", s, 1 << 16, 0xEF4014, Typical with { SectorErase = -1 }, [])).Message);
        Assert.Equal("f: the contents have 65537 bytes, more than the size 65536",
            Assert.Throws<ArgumentException>(() => new SpiFlashW25q("f", s, 1 << 16, 0xEF4014, Typical, new byte[65537])).Message);
    }
}
