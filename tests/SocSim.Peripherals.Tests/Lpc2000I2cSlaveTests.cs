using SocSim.Core;
using static SocSim.Peripherals.Lpc2000I2c;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// The LPC2106 I²C interface (UM10275 chapter 11) as a slave, losing arbitration and seeing bus errors,
/// against a bit-level test master on the same open-drain bus (a wired AND of both drivers).
/// </summary>
public sealed class Lpc2000I2cSlaveTests
{
    private const long P = 4;   // ticks per PCLK period
    private const uint Own = 0x21, Sla = Own << 1;
    private readonly Bench _b = new();
    private readonly ClockDomain _pclk = new("PCLK", 12_000_000, P);
    private readonly List<string> _warnings = new();
    private readonly Lpc2000I2c _i;
    private readonly IrqLine _scl = new("SCL"), _sda = new("SDA");
    private readonly I2cTestMaster _m;
    /// <summary>Every status the "firmware" saw, in order.</summary>
    private readonly List<uint> _seen = new();

    public Lpc2000I2cSlaveTests()
    {
        _i = new Lpc2000I2c("i2c", _b.Scheduler, _pclk, _warnings.Add);
        _m = new I2cTestMaster(_b.Scheduler, _scl, _sda, 30);
        _scl.Set(true); _sda.Set(true);
        void Scl(bool _) => _scl.Set(_i.SclOut.Level && _m.SclOut.Level);
        void Sda(bool _) => _sda.Set(_i.SdaOut.Level && _m.SdaOut.Level);
        _i.SclOut.Subscribe(Scl); _m.SclOut.Subscribe(Scl);
        _i.SdaOut.Subscribe(Sda); _m.SdaOut.Subscribe(Sda);
        _i.ConnectScl(_scl);
        _i.ConnectSda(_sda);
        W(_i, I2SCLH, 6);
        W(_i, I2SCLL, 6);
    }

    /// <summary>
    /// Runs until the test master's script ends and the bus is quiet, servicing SI as polling firmware does
    /// (every 40 PCLKs): <paramref name="service"/> gets the status, may use I2DAT and I2CONSET, then SI is cleared.
    /// </summary>
    private void Serve(Action<uint>? service = null, long extra = 0)
    {
        for (int k = 0; k < 20_000; k++)
        {
            _b.At(_b.Scheduler.Now + 40 * P);
            if ((R(_i, I2CONSET) & SI) != 0)
            {
                uint st = R(_i, I2STAT);
                _seen.Add(st);
                service?.Invoke(st);
                W(_i, I2CONCLR, SI);
            }
            else if (_m.Finished && extra-- <= 0) return;
        }
        throw new Xunit.Sdk.XunitException("the transfer never ended");
    }

    private void Slave(uint adr = Sla | 1)
    {
        W(_i, I2ADR, adr);
        W(_i, I2CONSET, I2EN | AA);
    }

    [Fact]
    public void SlaveReceiverOwnAddressThenNotAcknowledgeWhenAaIsCleared()
    {
        Slave();
        _m.Run(I2cTestMaster.Seq(_m.Start(), _m.Write(Sla), _m.Write(0x11), _m.Write(0x22), _m.Write(0x33), _m.Stop()));
        var data = new List<uint>();
        Serve(st =>
        {
            if (st is 0x80 or 0x88) data.Add(R(_i, I2DAT));
            if (st == 0x80) W(_i, I2CONCLR, AA);   // the next byte gets NOT ACK (Table 131)
        });
        // 0x88: switched to not addressed; the third byte and the STOP are not ours (no 0xA0).
        Assert.Equal(new uint[] { 0x60, 0x80, 0x88 }, _seen);
        Assert.Equal(new uint[] { 0x11, 0x22 }, data);
        Assert.Equal(new[] { true, true, false, false }, _m.Acks);
        Assert.Empty(_warnings);
    }

    [Fact]
    public void GeneralCallOnlyWithGcAndAStopWhileAddressedGivesA0()
    {
        Slave(Sla);   // GC = 0: the general call is not acknowledged
        _m.Run(I2cTestMaster.Seq(_m.Start(), _m.Write(0x00), _m.Stop()));
        Serve();
        Assert.Empty(_seen);
        Assert.Equal(new[] { false }, _m.Acks);
        W(_i, I2ADR, Sla | 1);
        _m.Acks.Clear();
        _m.Run(I2cTestMaster.Seq(_m.Start(), _m.Write(0x00), _m.Write(0x5A), _m.Stop()));
        uint got = 0;
        Serve(st => { if (st == 0x90) got = R(_i, I2DAT); });
        Assert.Equal(new uint[] { 0x70, 0x90, 0xA0 }, _seen);
        Assert.Equal(0x5Au, got);
        Assert.Equal(new[] { true, true }, _m.Acks);
    }

    [Fact]
    public void NoAcknowledgeOfItsAddressWithoutAa()
    {
        W(_i, I2ADR, Sla | 1);
        W(_i, I2CONSET, I2EN);
        _m.Run(I2cTestMaster.Seq(_m.Start(), _m.Write(Sla), _m.Stop()));
        Serve();
        Assert.Empty(_seen);
        Assert.Equal(new[] { false }, _m.Acks);
        Assert.Equal(0xF8u, R(_i, I2STAT));
    }

    [Fact]
    public void SlaveTransmitterStretchesSclUntilI2datIsLoaded()
    {
        Slave();
        // A repeated START while addressed as transmitter gives 0xA0 only while still addressed.
        _m.Run(I2cTestMaster.Seq(_m.Start(), _m.Write(Sla | 1), _m.ReadByte(true), _m.ReadByte(true), _m.ReadByte(false), _m.Stop()));
        var next = new Queue<uint>(new uint[] { 0xA5, 0x3C, 0x7E });
        Serve(st => { if (st is 0xA8 or 0xB8) W(_i, I2DAT, next.Dequeue()); });
        Assert.Equal(new uint[] { 0xA8, 0xB8, 0xB8, 0xC0 }, _seen);
        Assert.Equal(new uint[] { 0xA5, 0x3C, 0x7E }, _m.Read);
        // AA cleared with the last byte: ACK from the master gives 0xC8, and not addressed afterwards.
        _seen.Clear(); _m.Read.Clear();
        _m.Run(I2cTestMaster.Seq(_m.Start(), _m.Write(Sla | 1), _m.ReadByte(true), _m.ReadByte(true), _m.Stop()));
        Serve(st =>
        {
            if (st == 0xA8) { W(_i, I2DAT, 0x81); W(_i, I2CONCLR, AA); }
            if (st == 0xC8) W(_i, I2CONSET, AA);
        });
        Assert.Equal(new uint[] { 0xA8, 0xC8 }, _seen);
        Assert.Equal(new uint[] { 0x81, 0xFF }, _m.Read);   // not addressed: SDA released, the master reads 1s
    }

    [Fact]
    public void ArbitrationLostToAMasterAddressingUsGives68()
    {
        Slave();
        W(_i, I2DAT, 0xA0);
        W(_i, I2CONSET, STA);
        long start = _pclk.TimeOfEdge(_pclk.EdgesAt(_b.Scheduler.Now) + 1);
        // The other master's START one tick after ours: both see the bus free; its 0 wins the first bit.
        _m.Run(I2cTestMaster.Seq(_m.Start(), _m.Write(Sla), _m.Write(0x99), _m.Stop()), start + 1 - _b.Scheduler.Now);
        uint got = 0;
        Serve(st =>
        {
            if (st == 0x08) W(_i, I2CONCLR, STA);
            if (st == 0x80) got = R(_i, I2DAT);
        });
        Assert.Equal(new uint[] { 0x08, 0x68, 0x80, 0xA0 }, _seen);
        Assert.Equal(0x99u, got);
        Assert.Equal(new[] { true, true }, _m.Acks);
    }

    [Fact]
    public void ArbitrationLostInSlaveAddressGives38AndStaRetriesAfterTheStop()
    {
        W(_i, I2ADR, 0x10 << 1);
        W(_i, I2CONSET, I2EN | AA);
        W(_i, I2DAT, 0xA0);
        W(_i, I2CONSET, STA);
        long start = _pclk.TimeOfEdge(_pclk.EdgesAt(_b.Scheduler.Now) + 1);
        _m.Run(I2cTestMaster.Seq(_m.Start(), _m.Write(Sla), _m.Stop()), start + 1 - _b.Scheduler.Now);
        var conditions = new List<(long Tick, bool Stop)>();
        _sda.Subscribe(l => { if (_scl.Level) conditions.Add((_b.Scheduler.EventTime, l)); });
        Serve(st =>
        {
            if (st == 0x08 && _seen.Count == 1) W(_i, I2CONCLR, STA);
            if (st == 0x38) W(_i, I2CONSET, STA);   // retry when the bus is free (§11.9.10)
            if (st == 0x08 && _seen.Count == 3) { W(_i, I2CONCLR, STA); W(_i, I2CONSET, STO); }
        }, extra: 20);
        Assert.Equal(new uint[] { 0x08, 0x38, 0x08 }, _seen);
        Assert.Equal(new[] { false }, _m.Acks);
        // The retried START waits for the other master's STOP, then half a clock period (I2SCLH).
        // Bus conditions: our START (the other master's comes while SDA is already low), its STOP, our
        // retried START, our STOP.
        Assert.Equal(new[] { false, true, false, true }, conditions.Select(c => c.Stop));
        Assert.Equal(_pclk.TimeOfEdge(_pclk.EdgesAt(conditions[1].Tick) + 6), conditions[2].Tick);
    }

    [Fact]
    public void ArbitrationLostWhileAddressedForReadGivesB0AndGeneralCall78()
    {
        Slave();
        W(_i, I2DAT, 0xA0);
        W(_i, I2CONSET, STA);
        long start = _pclk.TimeOfEdge(_pclk.EdgesAt(_b.Scheduler.Now) + 1);
        _m.Run(I2cTestMaster.Seq(_m.Start(), _m.Write(Sla | 1), _m.ReadByte(false), _m.Stop()), start + 1 - _b.Scheduler.Now);
        Serve(st =>
        {
            if (st == 0x08) W(_i, I2CONCLR, STA);
            if (st == 0xB0) W(_i, I2DAT, 0x6D);
        });
        Assert.Equal(new uint[] { 0x08, 0xB0, 0xC0 }, _seen);
        Assert.Equal(new uint[] { 0x6D }, _m.Read);
        _seen.Clear();
        W(_i, I2DAT, 0xA0);
        W(_i, I2CONSET, STA);
        start = _pclk.TimeOfEdge(_pclk.EdgesAt(_b.Scheduler.Now) + 1);
        _m.Run(I2cTestMaster.Seq(_m.Start(), _m.Write(0x00), _m.Stop()), start + 1 - _b.Scheduler.Now);
        Serve(st => { if (st == 0x08) W(_i, I2CONCLR, STA); });
        Assert.Equal(new uint[] { 0x08, 0x78, 0xA0 }, _seen);
    }

    [Fact]
    public void BusErrorReleasesTheLinesAndStoRecovers()
    {
        Slave();
        _m.Run(I2cTestMaster.Seq(_m.Start(), _m.Write(Sla), _m.StartInsideAByte(0xFF, 3)));
        Serve(st => { if (st == 0x00) W(_i, I2CONSET, STO); });
        Assert.Equal(new uint[] { 0x60, 0x00 }, _seen);
        Assert.Equal(0u, R(_i, I2CONSET) & STO);   // cleared by the hardware, no STOP on the bus
        Assert.True(_i.SclOut.Level && _i.SdaOut.Level);
        // Recovered: addressed again after a fresh START (the bus counts as free after STO).
        _seen.Clear();
        _m.Run(I2cTestMaster.Seq(_m.Stop(), _m.Start(), _m.Write(Sla), _m.Stop()));
        Serve();
        Assert.Equal(new uint[] { 0x60, 0xA0 }, _seen);
    }

    [Fact]
    public void MasterReceiverLosesArbitrationOnItsNotAcknowledge()
    {
        // The other side acknowledges SLA+R, sends 0xFF (SDA released) and pulls SDA low during the
        // ninth clock, where our master receiver returns NOT ACK (AA = 0): 0x38, no further clock (§11.7.5).
        W(_i, I2CONSET, I2EN);
        int falls = -1;
        _scl.Subscribe(l =>
        {
            if (l || falls < 0) return;
            falls++;
            if (falls is 8 or 17) _m.SdaOut.Set(false);
            if (falls == 9) _m.SdaOut.Set(true);
        });
        W(_i, I2CONSET, STA);
        Serve(st =>
        {
            if (st == 0x08) { W(_i, I2CONCLR, STA); W(_i, I2DAT, 0xA1); falls = 0; }
        }, extra: 5);
        Assert.Equal(new uint[] { 0x08, 0x40, 0x38 }, _seen);
        Assert.Equal(0xFFu, R(_i, I2DAT));
        Assert.Equal(18, falls);   // none after the ninth clock of the data byte
        Assert.True(_i.SclOut.Level && _i.SdaOut.Level);   // released after SI was cleared (not addressed)
    }

    [Fact]
    public void BusErrorWhileMasterStopsTheTransferAndReleasesTheBus()
    {
        // Another device makes a START (SDA low with SCL high) during the third bit of our SLA+W.
        W(_i, I2CONSET, I2EN);
        int rises = -1;
        _scl.Subscribe(l => { if (l && rises >= 0 && ++rises == 3) _m.SdaOut.Set(false); });
        W(_i, I2CONSET, STA);
        Serve(st =>
        {
            if (st == 0x08) { W(_i, I2CONCLR, STA); W(_i, I2DAT, 0xFF); rises = 0; }
            if (st == 0x00) W(_i, I2CONSET, STO);
        }, extra: 5);
        Assert.Equal(new uint[] { 0x08, 0x00 }, _seen);
        Assert.Equal(3, rises);   // no clock after the error: the master stopped
        Assert.True(_i.SclOut.Level && _i.SdaOut.Level);
        Assert.Equal(0u, R(_i, I2CONSET) & (STO | SI));
        Assert.Equal(0xF8u, R(_i, I2STAT));
    }
}
