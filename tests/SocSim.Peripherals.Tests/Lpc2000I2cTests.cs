using SocSim.Core;
using static SocSim.Peripherals.Lpc2000I2c;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>The LPC2106 I²C master (UM10275 chapter 11) on an open-drain bus with a 24C02 (board part).</summary>
public sealed class Lpc2000I2cTests
{
    private const long P = 4; // ticks per PCLK period
    private readonly Bench _b = new();
    private readonly ClockDomain _pclk = new("PCLK", 12_000_000, P);
    private readonly List<string> _warnings = new();
    private readonly Lpc2000I2c _i;
    private readonly I2cEeprom24Cxx _e;
    private readonly IrqLine _scl = new("SCL"), _sda = new("SDA");
    private readonly List<(long Tick, bool Level)> _sclEdges = new();

    public Lpc2000I2cTests()
    {
        _i = new Lpc2000I2c("i2c", _b.Scheduler, _pclk, _warnings.Add);
        _e = new I2cEeprom24Cxx("eeprom", _b.Scheduler, 256, 8, 0x50, 100, "00112233");
        // Open-drain lines with pull-ups: a wired AND of the drivers.
        _scl.Set(true); _sda.Set(true);
        _i.SclOut.Subscribe(_ => _scl.Set(_i.SclOut.Level));
        _i.SdaOut.Subscribe(_ => _sda.Set(_i.SdaOut.Level && _e.SdaOut.Level));
        _e.SdaOut.Subscribe(_ => _sda.Set(_i.SdaOut.Level && _e.SdaOut.Level));
        _i.ConnectScl(_scl);
        _i.ConnectSda(_sda);
        _e.ConnectScl(_scl);
        _e.ConnectSda(_sda);
        _scl.Subscribe(l => _sclEdges.Add((_b.Scheduler.EventTime, l)));
    }

    /// <summary>Waits for SI (polling as firmware does, 50 PCLKs apart) and returns I2STAT.</summary>
    private uint WaitSi()
    {
        for (int k = 0; k < 10_000; k++)
        {
            if ((R(_i, I2CONSET) & SI) != 0) return R(_i, I2STAT);
            _b.At(_b.Scheduler.Now + 50 * P);
        }
        throw new Xunit.Sdk.XunitException("SI never set");
    }

    private void Go(uint clear = 0) => W(_i, I2CONCLR, SI | clear);

    private uint Start() { W(_i, I2CONSET, STA); return WaitSi(); }

    private uint Send(uint b) { W(_i, I2DAT, b); Go(STA); return WaitSi(); }

    private void Stop()
    {
        W(_i, I2CONSET, STO);
        Go(STA);
        for (int k = 0; k < 100 && (R(_i, I2CONSET) & STO) != 0; k++) _b.At(_b.Scheduler.Now + 50 * P);
        Assert.Equal(0xF8u, R(_i, I2STAT));
    }

    [Fact]
    public void ResetValuesAndDeclaration()
    {
        Assert.Equal((0u, 0xF8u, 0u, 0u, 4u, 4u), (R(_i, I2CONSET), R(_i, I2STAT), R(_i, I2DAT), R(_i, I2ADR), R(_i, I2SCLH), R(_i, I2SCLL)));
        Assert.Equal(new[] { "INT", "SCL_OUT", "SDA_OUT" }, Lpc2000I2c.Type.Outputs);
        Assert.Equal(new[] { "SDA_OUT" }, I2cEeprom24Cxx.Type.Outputs);
        bool abort = false;
        _e.Read(0x80000000, 4, AccessFlags.Privileged, ref abort);
        Assert.True(abort);
    }

    /// <summary>
    /// Master transmitter then receiver with the manual's status codes; SCL low I2SCLL and high I2SCLH PCLKs;
    /// the EEPROM's page write rolls over within its 8-byte page, NACKs its address during tWR
    /// (acknowledge polling), then reads back sequentially.
    /// </summary>
    [Fact]
    public void PageWriteAcknowledgePollingAndSequentialRead()
    {
        W(_i, I2SCLH, 10);
        W(_i, I2SCLL, 13);
        W(_i, I2CONCLR, 0x6C);
        W(_i, I2CONSET, I2EN);
        Assert.Equal(0x08u, Start());
        Assert.True(_i.Int.Level);
        Assert.Equal(0x18u, Send(0xA0));           // SLA+W, acknowledged
        Assert.Equal(0x28u, Send(0x06));           // word address 6: page 0..7
        Assert.Equal(0x28u, Send(0xA6));
        Assert.Equal(0x28u, Send(0xA7));
        Assert.Equal(0x28u, Send(0xA0 + 0x10));    // rolls over to address 0
        Stop();
        Assert.Equal(0x08u, Start());
        Assert.Equal(0x20u, Send(0xA0));           // busy: not acknowledged
        Stop();
        _b.At(_b.Scheduler.Now + Bench.TicksPerSecond / 10_000);   // tWR = 100 µs
        Assert.Equal(0x08u, Start());
        Assert.Equal(0x18u, Send(0xA0));
        Assert.Equal(0x28u, Send(0x05));
        W(_i, I2CONSET, STA);                      // repeated START
        Go();
        Assert.Equal(0x10u, WaitSi());
        W(_i, I2CONCLR, STA);
        Assert.Equal(0x40u, Send(0xA1));           // SLA+R
        var got = new List<uint>();
        W(_i, I2CONSET, AA);
        for (int k = 0; k < 3; k++) { Go(); Assert.Equal(0x50u, WaitSi()); got.Add(R(_i, I2DAT)); }
        W(_i, I2CONCLR, AA);
        Go();
        Assert.Equal(0x58u, WaitSi());             // last byte, NOT ACK returned
        got.Add(R(_i, I2DAT));
        Stop();
        Assert.Equal(new uint[] { 0xFF, 0xA6, 0xA7, 0xFF }, got);
        Assert.Equal(new byte[] { 0xB0, 0x11, 0x22, 0x33 }, _e.Contents[..4].ToArray());
        // SCL: every low-to-high during a byte is I2SCLL PCLKs after the fall before it, every high I2SCLH.
        var highs = _sclEdges.Zip(_sclEdges.Skip(1)).Where(p => p.First.Level && !p.Second.Level).Select(p => p.Second.Tick - p.First.Tick).ToList();
        // 13 bytes of 9 clocks: each high I2SCLH; the other highs are STOP-to-START (bus free) and START/repeated START holds.
        Assert.True(highs.Count(h => h == 10 * P) >= 13 * 9, string.Join(",", highs));
        var lows = _sclEdges.Zip(_sclEdges.Skip(1)).Where(p => !p.First.Level && p.Second.Level).Select(p => p.Second.Tick - p.First.Tick).ToList();
        // Within a byte each low is I2SCLL; after the ninth clock SCL stays low while SI is set.
        Assert.True(lows.Count(l => l == 13 * P) >= 13 * 8, string.Join(",", lows));
        Assert.Empty(_warnings);
    }

    /// <summary>
    /// Polling as an instruction that has run past the bus's edges does (the CPU's time is ahead of the last
    /// dispatched event when it reads I2CONSET): the steps the read catches up still put their SCL edges at
    /// their own ticks, so every high is I2SCLH and every low within a byte I2SCLL.
    /// </summary>
    [Fact]
    public void EdgesKeepTheirTickWhenARegisterReadCatchesUp()
    {
        W(_i, I2SCLH, 5);
        W(_i, I2SCLL, 7);
        W(_i, I2CONSET, I2EN);
        uint LateSi()
        {
            for (int k = 0; k < 10_000; k++)
            {
                _b.Scheduler.Cycles += 37;   // the CPU is 37 ticks past the last dispatch when it reads
                uint con = R(_i, I2CONSET);
                _b.Scheduler.RunDue();
                if ((con & SI) != 0) return R(_i, I2STAT);
            }
            throw new Xunit.Sdk.XunitException("SI never set");
        }
        W(_i, I2CONSET, STA);
        Assert.Equal(0x08u, LateSi());
        W(_i, I2DAT, 0xA0);
        Go(STA);
        Assert.Equal(0x18u, LateSi());
        W(_i, I2DAT, 0x00);
        Go();
        Assert.Equal(0x28u, LateSi());
        var pairs = _sclEdges.Zip(_sclEdges.Skip(1)).ToList();
        var highs = pairs.Where(p => p.First.Level && !p.Second.Level).Select(p => p.Second.Tick - p.First.Tick).ToList();
        Assert.Equal(Enumerable.Repeat(5 * P, 18), highs);
        // Each byte's first low is SI holding SCL (software's time); the other eight are I2SCLL.
        var lows = pairs.Where(p => !p.First.Level && p.Second.Level).Select(p => p.Second.Tick - p.First.Tick).ToList();
        Assert.Equal(18, lows.Count);
        Assert.Equal(Enumerable.Repeat(7 * P, 16), lows.Where((_, k) => k is not (0 or 9)));
    }

    [Fact]
    public void AddressNotAnsweredAndTooShortHalfPeriodsWarn()
    {
        W(_i, I2SCLH, 2);
        W(_i, I2CONSET, I2EN);
        Assert.Equal(0x08u, Start());
        Assert.Equal(0x20u, Send(0x42));           // nobody at 0x21
        Stop();
        Assert.Equal(["i2c: I2SCLH = 2: each of I2SCLH and I2SCLL must be 4 or more (UM10275 §11.8.8); using 4"], _warnings.Distinct());
        W(_i, I2CONCLR, I2EN);
        Assert.False(_i.Int.Level);
    }
}
