using SocSim.Core;
using static SocSim.Peripherals.Lpc2106Ssp;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// The LPC2106/01 SSP (UM10275 chapter 13) as an SPI-format master: every edge on SCK, MOSI and SSEL at
/// the half period the manual's figures give, with T = CPSDVSR × (SCR + 1) PCLKs (Table 144); a test slave
/// answers on MISO. Expected times are computed from those formulas, never read back from the model.
/// </summary>
public sealed class Lpc2106SspTests
{
    private const long P = 4; // ticks per PCLK period (12 MHz on the 48 MHz bench)
    private readonly Bench _b = new();
    private readonly ClockDomain _pclk = new("PCLK", 12_000_000, P);
    private readonly List<string> _warnings = new();
    private readonly Lpc2106Ssp _ssp;
    private readonly IrqLine _miso = new("MISO");
    private readonly List<(long Tick, bool Level)> _sck = new(), _ssel = new(), _mosi = new();

    public Lpc2106SspTests()
    {
        _ssp = new Lpc2106Ssp("ssp", _b.Scheduler, _pclk, _warnings.Add);
        _miso.Set(true);
        _ssp.ConnectMiso(_miso);
        _ssp.SckOut.Subscribe(l => _sck.Add((_b.Scheduler.EventTime, l)));
        _ssp.SselOut.Subscribe(l => _ssel.Add((_b.Scheduler.EventTime, l)));
        _ssp.MosiOut.Subscribe(l => _mosi.Add((_b.Scheduler.EventTime, l)));
    }

    private void Run(long pclks) => _b.At(_b.Scheduler.Now + pclks * P);
    private long NextPclkEdge(long tick) => _pclk.TimeOfEdge(_pclk.EdgesAt(tick) + 1);

    /// <summary>A test slave sending <paramref name="data"/> (n bits, MSB first) in the given mode: CPHA = 0 puts the MSB out as SSEL falls, then each bit on the trailing edge; CPHA = 1 each bit on the leading edge.</summary>
    private void Slave(uint data, int n, bool cpol, bool cpha)
    {
        int next = 0;
        void Out() { if (next < n) _miso.Set(((data >> (n - 1 - next)) & 1) != 0); next++; }
        _ssp.SselOut.Subscribe(l => { if (!l) { next = 0; if (!cpha) Out(); } else _miso.Set(true); });
        _ssp.SckOut.Subscribe(l =>
        {
            if (_ssp.SselOut.Level) return;
            bool leading = l != cpol;
            if (leading == cpha) Out();
        });
    }

    [Fact]
    public void ResetValuesAndReservedBits_FollowTable143()
    {
        Assert.Equal((0u, 0u, 0x03u, 0u, 0u, 0x08u, 0u), (R(_ssp, SSPCR0), R(_ssp, SSPCR1), R(_ssp, SSPSR), R(_ssp, SSPCPSR), R(_ssp, SSPIMSC), R(_ssp, SSPRIS), R(_ssp, SSPMIS)));
        Assert.Equal(new[] { "INT", "SCK_OUT", "MOSI_OUT", "SSEL_OUT", "MISO_OUT" }, Lpc2106Ssp.Type.Outputs);
        W(_ssp, SSPCR0, 0xFFFF_FFFF);
        Assert.Equal(0xFFFFu, R(_ssp, SSPCR0));
        Assert.Equal(0xFFu, R(_ssp, SSPCR0 + 1, 1));               // byte accessible (§13.8)
        W(_ssp, SSPCPSR, 0xFF);
        Assert.Equal(0xFEu, R(_ssp, SSPCPSR));                       // "Bit 0 always reads as 0"
        W(_ssp, SSPCR1, 0xFD);
        Assert.Equal(LBM | MS | SOD, R(_ssp, SSPCR1));
        W(_ssp, SSPCR1, SSE | MS);
        W(_ssp, SSPCR1, SSE);                                         // MS can be written only while SSE = 0
        Assert.Equal(SSE | MS, R(_ssp, SSPCR1));
        Assert.Contains(_warnings, w => w.Contains("FRF = 11"));
        W(_ssp, SSPIMSC, 0xFF);
        Assert.Equal(0xFu, R(_ssp, SSPIMSC));
        Assert.True(_ssp.Int.Level);                                  // TXRIS is 1 at reset: an enabled TXIM interrupts
    }

    /// <summary>
    /// One 8-bit frame in each SPI mode (Figs 44-47): SSEL falls on the PCLK edge after the SSPDR write (h0);
    /// the 16 SCK edges H = T/2 apart from h2 (CPHA = 0) or h1 (CPHA = 1); SSEL rises one bit period after the
    /// last capture (h18); MOSI carries 0xA5 MSB first at every capturing edge; the slave's 0x3C is received.
    /// </summary>
    [Theory]
    [InlineData(false, false), InlineData(false, true), InlineData(true, false), InlineData(true, true)]
    public void AFrameOnThePins_EdgesAtTheManualsHalfPeriods(bool cpol, bool cpha)
    {
        const uint cpsdvsr = 4, scr = 2;
        const long T = cpsdvsr * (scr + 1), H = T / 2; // PCLKs
        Slave(0x3C, 8, cpol, cpha);
        W(_ssp, SSPCPSR, cpsdvsr);
        W(_ssp, SSPCR0, (scr << 8) | (cpha ? CPHA : 0) | (cpol ? CPOL : 0) | 7);
        W(_ssp, SSPCR1, SSE);
        Assert.Equal(cpol, _ssp.SckOut.Level);                        // SCK rests at CPOL
        _sck.Clear();
        Run(3);
        long write = _b.Scheduler.Now;
        var mosiAtCapture = new List<bool>();
        _ssp.SckOut.Subscribe(l => { if ((l != cpol) != cpha) mosiAtCapture.Add(_ssp.MosiOut.Level); });
        W(_ssp, SSPDR, 0xA5);
        Assert.Equal(BSY | TNF, R(_ssp, SSPSR));
        long t0 = NextPclkEdge(write);
        Run(20 * H + 4);
        Assert.Equal(new[] { (t0, false), (t0 + 18 * H * P, true) }, _ssel);
        Assert.Equal(16, _sck.Count);
        long first = cpha ? 1 : 2;
        for (int i = 0; i < 16; i++) Assert.Equal((t0 + (first + i) * H * P, (i & 1) == 0 ? !cpol : cpol), _sck[i]);
        Assert.Equal(new[] { true, false, true, false, false, true, false, true }, mosiAtCapture);
        Assert.Equal((t0 + 3 * H * P, false), _mosi[0]);             // MSB (1) at h1 leaves the released level; bit 1 (0) at h3
        Assert.Equal(TFE | TNF | RNE, R(_ssp, SSPSR));
        Assert.Equal(0x3Cu, R(_ssp, SSPDR));
        Assert.Empty(_warnings);
    }

    /// <summary>BSY clears on the tick SSEL rises, h(2n+2); back-to-back CPHA = 0 frames pulse SSEL high for one bit period, CPHA = 1 frames keep it low.</summary>
    [Theory]
    [InlineData(false), InlineData(true)]
    public void BackToBackFrames_SselAndBsy(bool cpha)
    {
        const long T = 2 * 3, H = T / 2; // CPSDVSR 2, SCR 2
        W(_ssp, SSPCPSR, 2);
        W(_ssp, SSPCR0, (2u << 8) | (cpha ? CPHA : 0) | 3);         // 4-bit frames
        W(_ssp, SSPCR1, SSE | LBM);
        long write = _b.Scheduler.Now;
        W(_ssp, SSPDR, 0x9);
        W(_ssp, SSPDR, 0x6);
        long t0 = NextPclkEdge(write);
        long frame = cpha ? 8 : 12;                                   // half periods from one frame's h0 to the next's
        long end = t0 + (frame + 10) * H * P;                         // SSEL rises at the second frame's h10 (2n+2)
        _b.At(end - 1);
        Assert.Equal(BSY, R(_ssp, SSPSR) & BSY);
        _b.At(end);
        Assert.Equal(0u, R(_ssp, SSPSR) & BSY);
        var expected = cpha
            ? new[] { (t0, false), (end, true) }
            : new[] { (t0, false), (t0 + 10 * H * P, true), (t0 + 12 * H * P, false), (end, true) };
        Assert.Equal(expected, _ssel);
        Assert.Equal(0x9u, R(_ssp, SSPDR));                           // loopback: MOSI captured (Table 145)
        Assert.Equal(0x6u, R(_ssp, SSPDR));
    }

    /// <summary>
    /// Eight-frame FIFOs (§13.3, Table 147): TNF clears at the eighth write, a ninth is lost; TXRIS holds while
    /// 4 or fewer wait; in loopback RXRIS rises at the fourth frame received, RFF at the eighth; a ninth frame
    /// received with the Rx FIFO full sets RORRIS and overwrites the newest entry (Table 149); SSPICR clears it.
    /// </summary>
    [Fact]
    public void FifoFlagsAndOverrun()
    {
        W(_ssp, SSPCPSR, 2);
        W(_ssp, SSPCR0, 0xF);                                         // 16-bit frames, SCR 0: T = 2 PCLKs
        for (uint i = 0; i < 8; i++)
        {
            Assert.Equal(i <= 4 ? TX : 0, R(_ssp, SSPRIS) & TX);
            W(_ssp, SSPDR, 0x1000 + i);
        }
        Assert.Equal(BSY, R(_ssp, SSPSR));                            // Tx FIFO full and not empty: TFE = TNF = 0, BSY = 1
        Assert.Equal(0u, R(_ssp, SSPRIS) & TX);
        W(_ssp, SSPDR, 0xDEAD);
        Assert.Contains(_warnings, w => w.Contains("Tx FIFO full"));
        _warnings.Clear();
        W(_ssp, SSPIMSC, RX | ROR);
        long? rxInt = null;
        _ssp.Int.Subscribe(l => { if (l && rxInt == null) rxInt = _b.Scheduler.EventTime; });
        long write = _b.Scheduler.Now;
        W(_ssp, SSPCR1, SSE | LBM);
        long t0 = NextPclkEdge(write);
        const long H = 1, frame = 2 * 16 + 4;                          // CPHA = 0: 2n + 4 half periods a frame
        Run(frame * 9);
        Assert.Equal(t0 + (3 * frame + 32) * H * P, rxInt);          // RXRIS at the fourth frame's last capture, h2n
        Assert.Equal(RFF | RNE | TFE | TNF, R(_ssp, SSPSR));
        W(_ssp, SSPDR, 0xBEEF);
        Run(frame + 4);
        Assert.Equal(ROR, R(_ssp, SSPRIS) & ROR);
        Assert.Equal(ROR | RX, R(_ssp, SSPMIS));
        for (uint i = 0; i < 7; i++) Assert.Equal(0x1000 + i, R(_ssp, SSPDR));
        Assert.Equal(0xBEEFu, R(_ssp, SSPDR));                        // the newest entry overwritten
        W(_ssp, SSPICR, ROR);
        Assert.Equal(0u, R(_ssp, SSPRIS) & ROR);
        Assert.Equal(0u, R(_ssp, SSPDR));                             // empty: 0, warned
        Assert.Contains(_warnings, w => w.Contains("Rx FIFO empty"));
    }

    /// <summary>RTRIS 32 bit times (32 × T PCLKs) after the last frame received while nothing is read (Table 149); an SSPDR read restarts the count; RTIC clears.</summary>
    [Fact]
    public void ReceiveTimeoutAfter32BitTimes()
    {
        const long T = 6 * 2;                                          // CPSDVSR 6, SCR 1
        W(_ssp, SSPCPSR, 6);
        W(_ssp, SSPCR0, (1u << 8) | 7);
        W(_ssp, SSPCR1, SSE | LBM);
        W(_ssp, SSPIMSC, RT);
        long write = _b.Scheduler.Now;
        W(_ssp, SSPDR, 0x11);
        W(_ssp, SSPDR, 0x22);
        long t0 = NextPclkEdge(write);
        long lastCapture = t0 + (20 + 16) * (T / 2) * P;              // second frame's h2n: its h0 is the first's h20
        long timeout = lastCapture + 32 * T * P;
        _b.At(timeout - 1);
        Assert.Equal(0u, R(_ssp, SSPRIS) & RT);
        _b.At(timeout);
        Assert.Equal(RT, R(_ssp, SSPMIS));
        Assert.True(_ssp.Int.Level);
        W(_ssp, SSPICR, RT);
        Assert.False(_ssp.Int.Level);
        long read = _b.Scheduler.Now;
        Assert.Equal(0x11u, R(_ssp, SSPDR));
        _b.At(read + 32 * T * P - 1);
        Assert.Equal(0u, R(_ssp, SSPRIS) & RT);
        _b.At(read + 32 * T * P);
        Assert.Equal(RT, R(_ssp, SSPRIS) & RT);
    }

    /// <summary>
    /// Two SSPs, a master and a slave (MS = 1), wired pad to pad: two 8-bit frames each way in every SPI mode, the
    /// slave's MISO driven only while selected (CPHA = 0 reloads at each SSEL pulse, CPHA = 1 runs back to back);
    /// with SOD = 1 the slave leaves MISO released and the master reads ones.
    /// </summary>
    [Theory]
    [InlineData(false, false, false), InlineData(false, true, false), InlineData(true, false, false), InlineData(true, true, false), InlineData(false, false, true)]
    public void MasterAndSlaveExchangeFrames(bool cpol, bool cpha, bool sod)
    {
        var sl = new Lpc2106Ssp("slave", _b.Scheduler, _pclk, _warnings.Add);
        sl.ConnectSck(_ssp.SckOut);
        sl.ConnectMosi(_ssp.MosiOut);
        sl.ConnectSsel(_ssp.SselOut);
        _ssp.ConnectMiso(sl.MisoOut);
        uint mode = (cpha ? CPHA : 0) | (cpol ? CPOL : 0) | 7;
        W(sl, SSPCR0, mode);
        W(sl, SSPCR1, MS);
        W(sl, SSPCR1, MS | SSE | (sod ? SOD : 0));
        W(sl, SSPDR, 0x3C);
        W(sl, SSPDR, 0x96);
        Assert.True(sl.MisoOut.Level);                                // not selected: released
        W(_ssp, SSPCPSR, 4);
        W(_ssp, SSPCR0, (2u << 8) | mode);
        W(_ssp, SSPCR1, SSE);
        W(_ssp, SSPDR, 0xA5);
        W(_ssp, SSPDR, 0x5A);
        Run(2 * 24 * 6 + 20);
        Assert.Equal(TFE | TNF | RNE, R(_ssp, SSPSR));
        Assert.Equal(TFE | TNF | RNE, R(sl, SSPSR));
        Assert.Equal(sod ? (0xFFu, 0xFFu) : (0x3Cu, 0x96u), (R(_ssp, SSPDR), R(_ssp, SSPDR)));
        Assert.Equal((0xA5u, 0x5Au), (R(sl, SSPDR), R(sl, SSPDR)));
        Assert.True(sl.MisoOut.Level);
        Assert.Empty(_warnings);
    }

    /// <summary>The SSP and SPI share VIC channel 10 (§13.2): INT is the SSP's masked status ORed with SHARED_INT.</summary>
    [Fact]
    public void SharedInterruptLine()
    {
        var spi = new IrqLine("spi.INT");
        _ssp.ConnectShared(spi);
        Assert.False(_ssp.Int.Level);
        spi.Set(true);
        Assert.True(_ssp.Int.Level);
        spi.Set(false);
        Assert.False(_ssp.Int.Level);
    }

    /// <summary>Clearing SSE mid-frame stops it and releases the pads; TI and Microwire are warned, not transferred.</summary>
    [Fact]
    public void DisableMidFrame_AndUnmodelledFormatsWarn()
    {
        W(_ssp, SSPCPSR, 2);
        W(_ssp, SSPCR0, 7);
        W(_ssp, SSPCR1, SSE);
        W(_ssp, SSPDR, 0x00);
        Run(5);
        Assert.False(_ssp.SselOut.Level);
        W(_ssp, SSPCR1, 0);
        Assert.True(_ssp.SselOut.Level && _ssp.SckOut.Level && _ssp.MosiOut.Level);
        Assert.Equal(TFE | TNF, R(_ssp, SSPSR));
        W(_ssp, SSPCR0, 0x17);
        W(_ssp, SSPCR1, SSE);
        Assert.Contains(_warnings, w => w.Contains("TI synchronous serial format"));
        W(_ssp, SSPDR, 0x55);
        Run(100);
        Assert.True(_ssp.SselOut.Level);
    }

    /// <summary>A checkpoint mid-frame: a device loaded from it finishes the frame with the same edges.</summary>
    [Fact]
    public void SaveAndLoadMidFrame()
    {
        W(_ssp, SSPCPSR, 4);
        W(_ssp, SSPCR0, 0x7);
        W(_ssp, SSPCR1, SSE | LBM);
        W(_ssp, SSPDR, 0x5A);
        W(_ssp, SSPDR, 0xC3);
        Run(20);
        var ms = new MemoryStream();
        var w = new SocSim.Core.State.StateWriter(ms);
        _ssp.SaveState(w);
        ms.Position = 0;
        var other = new Lpc2106Ssp("ssp2", new Scheduler(TicksPerSecond, 1), _pclk);
        other.LoadState(new SocSim.Core.State.StateReader(ms));
        Assert.Equal(R(_ssp, SSPSR), R(other, SSPSR));
        Assert.Equal(R(_ssp, SSPCR0), R(other, SSPCR0));
        Assert.Equal(_ssp.SselOut.Level, other.SselOut.Level);
    }
}
