using SocSim.Core;
using static SocSim.Peripherals.Lpc2000Spi;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// The LPC2106 SPI0 (UM10275 chapter 12): two of them on one bus, a master and a slave, wired as the
/// pads are (a wired AND of each line's drivers); SSEL of the slave is a line the test drives as a GPIO would.
/// </summary>
public sealed class Lpc2000SpiTests
{
    private const long P = 4; // ticks per PCLK period
    private readonly Bench _b = new();
    private readonly ClockDomain _pclk = new("PCLK", 12_000_000, P);
    private readonly List<string> _warnings = new();
    private readonly Lpc2000Spi _m, _sl;
    private readonly IrqLine _sck = new("SCK"), _mosi = new("MOSI"), _miso = new("MISO"), _mSsel = new("mSSEL"), _sSsel = new("sSSEL");
    private readonly List<(long Tick, bool Level)> _sckEdges = new(), _mosiEdges = new(), _misoEdges = new();

    public Lpc2000SpiTests()
    {
        _m = new Lpc2000Spi("spi", _b.Scheduler, _pclk, _warnings.Add);
        _sl = new Lpc2000Spi("slave", _b.Scheduler, _pclk, _warnings.Add);
        foreach (var l in new[] { _sck, _mosi, _miso, _mSsel, _sSsel }) l.Set(true);
        void Wire(IrqLine bus, IrqLine a, IrqLine b)
        {
            a.Subscribe(_ => bus.Set(a.Level && b.Level));
            b.Subscribe(_ => bus.Set(a.Level && b.Level));
        }
        Wire(_sck, _m.SckOut, _sl.SckOut);
        Wire(_mosi, _m.MosiOut, _sl.MosiOut);
        Wire(_miso, _m.MisoOut, _sl.MisoOut);
        foreach (var d in new[] { _m, _sl }) { d.ConnectSck(_sck); d.ConnectMosi(_mosi); d.ConnectMiso(_miso); }
        _m.ConnectSsel(_mSsel);
        _sl.ConnectSsel(_sSsel);
        _sck.Subscribe(l => _sckEdges.Add((_b.Scheduler.EventTime, l)));
        _mosi.Subscribe(l => _mosiEdges.Add((_b.Scheduler.EventTime, l)));
        _miso.Subscribe(l => _misoEdges.Add((_b.Scheduler.EventTime, l)));
    }

    private void Run(long pclks) => _b.At(_b.Scheduler.Now + pclks * P);

    private uint WaitSpif(Lpc2000Spi d)
    {
        for (int k = 0; k < 10_000; k++)
        {
            uint sr = R(d, SPSR);
            if ((sr & SPIF) != 0) return sr;
            Run(7);
        }
        throw new Xunit.Sdk.XunitException("SPIF never set");
    }

    [Fact]
    public void ResetValuesAndDeclaration()
    {
        Assert.Equal((0u, 0u, 0u, 0u, 0u), (R(_m, SPCR), R(_m, SPSR), R(_m, SPDR), R(_m, SPCCR), R(_m, SPINT)));
        Assert.Equal(new[] { "INT", "SCK_OUT", "MOSI_OUT", "MISO_OUT" }, Lpc2000Spi.Type.Outputs);
        Assert.Equal(0x4000u, Lpc2000Spi.Type.WindowSize);
        Assert.True(_m.SckOut.Level && _m.MosiOut.Level && _m.MisoOut.Level);
        W(_m, SPCR, 0xFFFF);
        Assert.Equal(0xF8u, R(_m, SPCR));     // BitEnable and BITS are /01-only: reserved on this part
        W(_m, SPCCR, 0x1FE);
        Assert.Equal(0xFEu, R(_m, SPCCR));
        Assert.Equal(0xFEu, R(_m, SPCCR, 1)); // byte accessible (§12.6)
    }

    /// <summary>
    /// Every mode, both bit orders: the master sends one byte while the slave sends another; SCK is
    /// S0SPCCR PCLKs a period, 8 periods a transfer, CPOL at rest; each side's SPIF, and its interrupt
    /// with SPIE, at the times Table 138 gives (master: end of the last cycle; slave: last sampling edge).
    /// </summary>
    [Theory]
    [InlineData(0u), InlineData(CPHA), InlineData(CPOL), InlineData(CPHA | CPOL), InlineData(LSBF), InlineData(CPHA | CPOL | LSBF)]
    public void MasterAndSlaveExchangeAByteInEveryMode(uint mode)
    {
        W(_m, SPCCR, 12);
        W(_m, SPCR, MSTR | SPIE | mode);
        W(_sl, SPCR, SPIE | mode);
        Assert.Equal((mode & CPOL) != 0, _sck.Level);
        W(_sl, SPDR, 0x3C);
        _sSsel.Set(false);                    // the master's GPIO selects the slave
        Run(3);
        _sckEdges.Clear();
        long write = _b.Scheduler.Now;
        long? masterInt = null, slaveInt = null;
        _m.Int.Subscribe(l => { if (l) masterInt = _b.Scheduler.EventTime; });
        _sl.Int.Subscribe(l => { if (l) slaveInt = _b.Scheduler.EventTime; });
        W(_m, SPDR, 0xA5);
        W(_m, SPDR, 0xFF);                    // in progress: WCOL, the write lost
        Run(8 * 12 + 10);
        long start = _pclk.TimeOfEdge(_pclk.EdgesAt(write) + 1);
        Assert.Equal(start + 8 * 12 * P, masterInt);
        Assert.Equal(start + 15 * 6 * P, slaveInt);   // the 8th sampling edge is the 15th half period in both phases
        Assert.Equal(16, _sckEdges.Count);
        for (int i = 1; i < 16; i++) Assert.Equal(6 * P, _sckEdges[i].Tick - _sckEdges[i - 1].Tick);
        Assert.Equal((mode & CPOL) != 0, _sck.Level);
        Assert.Equal(SPIF | WCOL, R(_m, SPSR));
        Assert.Equal(0x3Cu, R(_m, SPDR));     // SPIF and WCOL cleared by the SPDR access after the SPSR read
        Assert.Equal(0u, R(_m, SPSR));
        Assert.Equal(SPIF, WaitSpif(_sl));
        Assert.Equal(0xA5u, R(_sl, SPDR));
        Assert.Equal((1u, 1u), (R(_m, SPINT), R(_sl, SPINT)));
        W(_m, SPINT, 1);
        Assert.False(_m.Int.Level);
        Assert.Empty(_warnings);
    }

    /// <summary>MSB first, CPHA 0: MOSI carries 0xA5's bits MSB first, each on the wire from a trailing edge to the next.</summary>
    [Fact]
    public void BitsOnMosiFollowTheDataAndLsbf()
    {
        W(_m, SPCCR, 8);
        W(_m, SPCR, MSTR);
        W(_m, SPDR, 0x96);
        var bits = new List<int>();
        _sck.Subscribe(l => { if (l) bits.Add(_mosi.Level ? 1 : 0); });
        Run(100);
        Assert.Equal(new[] { 1, 0, 0, 1, 0, 1, 1, 0 }, bits);
        R(_m, SPSR);
        W(_m, SPCR, MSTR | LSBF);
        bits.Clear();
        W(_m, SPDR, 0x96);
        Run(100);
        Assert.Equal(new[] { 0, 1, 1, 0, 1, 0, 0, 1 }, bits);
    }

    [Fact]
    public void WriteCollisionDuringATransferLosesTheWrite()
    {
        W(_m, SPCCR, 8);
        W(_m, SPCR, MSTR);
        W(_m, SPDR, 0x11);
        Run(20);
        W(_m, SPDR, 0x22);                    // in progress: WCOL
        Run(100);
        Assert.Equal(SPIF | WCOL, R(_m, SPSR));
        W(_m, SPDR, 0x33);                    // after the SPSR read: accepted, SPIF/WCOL cleared, a new transfer
        Assert.Equal(0u, R(_m, SPSR));
        var bits = new List<int>();
        _sck.Subscribe(l => { if (l) bits.Add(_mosi.Level ? 1 : 0); });
        Run(100);
        Assert.Equal(new[] { 0, 0, 1, 1, 0, 0, 1, 1 }, bits);
        // SPIF set and SPSR not read: a write collides.
        W(_m, SPDR, 0x44);
        Assert.Equal(SPIF | WCOL, R(_m, SPSR));
    }

    /// <summary>SSEL low on a master: MODF, the transfer stops, MSTR clears, the drivers let go; cleared by SPSR read then SPCR write.</summary>
    [Fact]
    public void ModeFaultWhenSselFallsOnAMaster()
    {
        W(_m, SPCCR, 8);
        W(_m, SPCR, MSTR | SPIE | CPOL);
        W(_m, SPDR, 0x00);
        Run(10);
        _mSsel.Set(false);
        Assert.Equal(0u, R(_m, SPCR) & MSTR);
        Assert.True(_m.SckOut.Level && _m.MosiOut.Level);
        Assert.True(_m.Int.Level);
        Run(100);
        Assert.Equal(MODF, R(_m, SPSR));      // no SPIF: the transfer was stopped
        Assert.Equal(MODF, R(_m, SPSR));      // reading alone does not clear it
        W(_m, SPCR, 0);
        Assert.Equal(0u, R(_m, SPSR));
        W(_m, SPCR, MSTR);                    // SSEL still low: a fault at once
        Assert.Equal(MODF, R(_m, SPSR) & MODF);
    }

    /// <summary>Slave: SSEL rising mid-byte is ABRT (data lost); a second byte completing with SPIF unread is ROVR.</summary>
    [Fact]
    public void SlaveAbortAndReadOverrun()
    {
        W(_m, SPCCR, 8);
        W(_m, SPCR, MSTR);
        W(_sl, SPCR, 0);
        _sSsel.Set(false);
        W(_m, SPDR, 0x5A);
        Run(30);
        _sSsel.Set(true);                     // mid-byte
        Run(100);
        Assert.Equal(ABRT, R(_sl, SPSR));
        Assert.Equal(0u, R(_sl, SPSR));       // cleared by the read
        Assert.Equal(0u, R(_sl, SPDR));
        for (uint v = 1; v <= 2; v++)
        {
            R(_m, SPSR);
            _sSsel.Set(false);
            W(_m, SPDR, v);
            Run(100);
            _sSsel.Set(true);
        }
        Assert.Equal(SPIF | ROVR, R(_sl, SPSR));
        Assert.Equal(1u, R(_sl, SPDR));       // the first byte; the second was lost
        Assert.Equal(0u, R(_sl, SPSR));
        Assert.True(_sl.MisoOut.Level);       // not selected: MISO released
    }

    /// <summary>
    /// A status read that catches up a transfer the CPU's instruction has run past (here 17 to 40 ticks past
    /// the last dispatch at every poll, more than the 16-tick half period): every SCK edge keeps its own tick,
    /// S0SPCCR / 2 PCLKs after the one before (DeviceEvents exactCatchUp). Before, the sampling steps still
    /// pending when the read caught up SPIF ran at the read's tick, so the byte's last edges came late.
    /// </summary>
    [Fact]
    public void SckEdgesKeepTheirTickWhenARegisterReadCatchesUp()
    {
        W(_m, SPCCR, 8);
        W(_m, SPCR, MSTR);
        for (int late = 17; late <= 40; late++)
        {
            _sckEdges.Clear();
            Run(1);
            W(_m, SPDR, 0xA5);
            for (int k = 0; ; k++)
            {
                Assert.True(k < 10_000, "SPIF never set");
                _b.Scheduler.Cycles += late;
                uint sr = R(_m, SPSR);
                _b.Scheduler.RunDue();
                if ((sr & SPIF) != 0) break;
            }
            R(_m, SPDR);
            Assert.Equal(16, _sckEdges.Count);
            Assert.All(_sckEdges.Zip(_sckEdges.Skip(1)), e => Assert.Equal(4 * P, e.Second.Tick - e.First.Tick));
        }
    }

    [Fact]
    public void ClockCounterBelowEightOrOddWarns()
    {
        W(_m, SPCCR, 5);
        W(_m, SPCR, MSTR);
        _sckEdges.Clear();                    // SCK went to CPOL = 0 with MSTR
        W(_m, SPDR, 0);
        Run(200);
        Assert.Equal(16, _sckEdges.Count);
        Assert.Equal(4 * P, _sckEdges[1].Tick - _sckEdges[0].Tick);
        Assert.Equal(["spi: S0SPCCR = 5: it must be even and 8 or more (UM10275 §12.6.4); using 8"], _warnings);
    }
}
