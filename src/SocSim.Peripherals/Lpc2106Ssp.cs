using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The SSP controller of the NXP LPC2104/05/06/01 (UM10275 chapter 13, 0xE005C000, VIC channel 10 shared
/// with the SPI): SSPCR0 (DSS, FRF, CPOL, CPHA, SCR), SSPCR1 (LBM, SSE, MS, SOD), SSPDR with 8-frame
/// transmit and receive FIFOs, SSPSR, SSPCPSR, SSPIMSC/RIS/MIS/ICR; master and slave in the SPI frame format,
/// bit by bit on the SCK, MOSI, MISO and SSEL pads.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Bit rate (Table 144): PCLK / (CPSDVSR × (SCR + 1)); one bit period is T = CPSDVSR × (SCR + 1)
/// PCLKs, even because CPSDVSR is (Table 148: "Bit 0 always reads as 0"), so every edge falls on a PCLK
/// edge, half a period H = T / 2 apart. CPSDVSR below 2 ("must be properly initialized", §13.8.5) is a
/// warning and runs as 2.</item>
/// <item>Start (Table 146: "If the Tx FIFO was previously empty and the SSP controller is not busy on the
/// bus, transmission of the data will begin immediately"): our choice, the PCLK edge after the SSPDR write
/// (or after SSE is set with data waiting), as the SPI does. That is half period 0 of the frame; the
/// frame's bottom FIFO entry moves to the shift register then.</item>
/// <item>SPI format, in half periods h from the frame's start (§13.7.2.2-5, Figs 44-47), n = DSS + 1 bits:
/// CPHA = 0: h0 SSEL falls; h1 ("one half SCK period later") MOSI = MSB; h2 ("after one further half SCK
/// period") SCK's first edge, capturing; bit i is captured at h2+2i and the next bit propagated at h3+2i;
/// SSEL rises at h2n+2, "one SCK period after the last bit has been captured". Back to back, "SSEL must be
/// pulsed HIGH between each data word": our choice, high for one bit period, the next frame starting at
/// h2n+4. CPHA = 1: h0 SSEL falls; h1 MOSI = MSB with SCK's first edge; bit i propagated at h1+2i and
/// captured at h2+2i; SSEL rises at h2n+2; back to back SSEL stays low and the next frame's h0 is this
/// frame's h2n, so the clock runs on without a gap (a frame written after h2n starts at h2n+3, SSEL high for
/// H). MOSI is released (high impedance: 1 on the wired-AND
/// pads) while SSEL is high, and holds the last bit until SSEL rises. SCK rests at CPOL while SSE = 1.</item>
/// <item>Receive: the received frame enters the Rx FIFO at the last capturing edge (h2n), right-justified
/// with zeros above (Table 146). LBM (Table 145): "Serial input is taken from the serial output" (the MOSI
/// drive) instead of the MISO pad; the pads are driven as usual (the manual does not say they are not).</item>
/// <item>BSY (Table 147): 1 while the Tx FIFO is not empty or a frame is in progress (until SSEL rises).</item>
/// <item>Interrupts (Tables 149-152): TXRIS while the Tx FIFO holds 4 frames or fewer ("at least half
/// empty"), RXRIS while the Rx FIFO holds 4 or more; RORRIS when a frame completes with the Rx FIFO full:
/// the manual's "the preceding frame data is overwritten by the new frame data", so the newest entry is
/// replaced; RTRIS when the Rx FIFO is not empty and nothing was received or read for 32 bit times (32 T
/// PCLK edges from the last PCLK edge at or before the later of the last frame received and the last SSPDR read), negated when a frame is
/// received ("can be negated if further data is received") or by SSPICR.RTIC. INT = RIS AND IMSC, ORed
/// with input <c>SHARED_INT</c> (the SPI's request: the two share VIC channel 10, §13.2).</item>
/// <item>Reset values (Table 143): SR 0x03, RIS 0x08, everything else 0. Reserved bits read 0 (the manual:
/// "not defined"). Writes to SSPSR, SSPRIS, SSPMIS are ignored with a warning (SSPRIS is "R/W" in Table 143,
/// "read-only" in §13.8.7: we follow §13.8.7); SSPICR reads 0 with a warning. SSPDR written with the Tx FIFO
/// full: the frame is lost, warned; read with the Rx FIFO empty: 0, warned. MS "can only be written when the
/// SSE bit is 0" (Table 145): otherwise it keeps its value. Byte, halfword and word access (§13.8).</item>
/// <item>Clearing SSE stops a frame in flight at once and releases the pads; the FIFOs keep their contents.</item>
/// <item>Slave (MS = 1, SPI format): SCK, MOSI and SSEL are read from the pads at the tick they change (the
/// manual's "must not exceed 1/12 of the peripheral clock" is not checked; no synchronizer delay is given, so
/// none is modelled). CPHA = 0: SSEL falling moves the bottom Tx entry to the shift register and puts its MSB
/// on MISO; bits are captured on SCK's first edge of each bit and propagated on the second; after n bits the
/// frame enters the Rx FIFO and the next needs SSEL high first (Fig 44: "the SSEL signal must be pulsed HIGH").
/// CPHA = 1: a frame starts at SCK's first edge while selected (MSB out), bits are captured on the second
/// edge, and frames follow back to back. An empty Tx FIFO sends zeros (the manual does not say). MISO is
/// driven only while SSEL is low and SOD = 0 (Tables 142, 145); SSEL rising mid-frame loses the frame. The
/// receive time-out's bit time is still CPSDVSR × (SCR + 1) PCLKs (the manual names no other; SSPCPSR "is not
/// relevant" to the slave's clock, so a CPSDVSR below 2 is taken as 2 without a warning).</item>
/// <item>Not modelled (each a warning when SSE is set with it): the TI and Microwire
/// formats (FRF = 01, 10), FRF = 11 and DSS below 3 ("not supported"); nothing is transferred then.</item>
/// </list>
/// </remarks>
public sealed class Lpc2106Ssp : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<Lpc2106Ssp>("lpc_ssp", "NXP LPC2104/05/06/01 SSP controller, SPI-format master and slave with 8-frame FIFOs, bit by bit on the SCK/MOSI/MISO/SSEL pads (UM10275 chapter 13)")
        .Window(0x4000)
        .Output("INT", d => d.Int, "interrupt request: SSPMIS != 0, ORed with SHARED_INT (VIC channel 10, shared with the SPI)")
        .Output("SCK_OUT", d => d._sckOut, "SCK drive (master): CPOL while enabled; 1 releases the pad", resetHigh: true)
        .Output("MOSI_OUT", d => d._mosiOut, "MOSI drive (master) while SSEL is low; 1 releases the pad", resetHigh: true)
        .Output("SSEL_OUT", d => d._sselOut, "SSEL drive (master), active low; 1 releases the pad", resetHigh: true)
        .Output("MISO_OUT", d => d._misoOut, "MISO drive (selected slave, SOD = 0); 1 releases the pad", resetHigh: true)
        .Input("MISO", (d, l) => d._misoIn = l, "MISO as the pad shows it (captured in master mode unless LBM)")
        .Input("SCK", (d, l) => d.ConnectSck(l), "SCK as the pad shows it (the clock in slave mode)")
        .Input("MOSI", (d, l) => d._mosiIn = l, "MOSI as the pad shows it (captured in slave mode unless LBM)")
        .Input("SSEL", (d, l) => d.ConnectSsel(l), "SSEL as the pad shows it, active low (selects the slave)")
        .Input("SHARED_INT", (d, l) => d.ConnectShared(l), "another request on the same VIC channel, ORed into INT (the SPI's INT on the LPC2106/01)")
        .Signals((d, s) => { s.Line("INT", d.Int); s.Line("SCK_OUT", d._sckOut); s.Line("MOSI_OUT", d._mosiOut); s.Line("SSEL_OUT", d._sselOut); s.Line("MISO_OUT", d._misoOut); })
        .Build(c => new Lpc2106Ssp(c.Name, c.Scheduler, c.Clock, c.Warn));

    public const uint SSPCR0 = 0x00, SSPCR1 = 0x04, SSPDR = 0x08, SSPSR = 0x0C, SSPCPSR = 0x10, SSPIMSC = 0x14, SSPRIS = 0x18, SSPMIS = 0x1C, SSPICR = 0x20;
    public const uint CPOL = 1u << 6, CPHA = 1u << 7;
    public const uint LBM = 1u << 0, SSE = 1u << 1, MS = 1u << 2, SOD = 1u << 3;
    public const uint TFE = 1u << 0, TNF = 1u << 1, RNE = 1u << 2, RFF = 1u << 3, BSY = 1u << 4;
    public const uint ROR = 1u << 0, RT = 1u << 1, RX = 1u << 2, TX = 1u << 3;
    public const int FifoDepth = 8;
    /// <summary>Bit times without reception or a read before RTRIS (Table 149).</summary>
    public const int TimeoutBits = 32;

    private readonly Scheduler _s;
    private readonly ClockDomain _pclk;
    private readonly Action<string> _warn;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _step, _timeout;
    private readonly IrqLine _sckOut, _mosiOut, _sselOut, _misoOut;
    private IrqLine? _misoIn, _shared, _mosiIn, _sselIn;
    private bool _slaveBusy, _slaveDone; // slave: a frame in progress; CPHA = 0: the frame is complete, waiting for SSEL to rise
    private int _slaveCount;             // slave: bits captured

    private uint _cr0, _cr1, _cpsr, _imsc, _ris;
    private readonly ushort[] _tx = new ushort[FifoDepth], _rx = new ushort[FifoDepth];
    private int _txHead, _txCount, _rxHead, _rxCount;
    private bool _inFrame;        // a frame is on the bus (from its h0 until SSEL rises or the next frame starts)
    private uint _shift;          // the frame being sent
    private uint _acc;            // bits captured so far, first in the highest place
    private int _bits;            // bits per frame, fixed at the frame's start
    private bool _cpha;           // fixed at the frame's start
    private int _half;            // the half period the pending step performs
    private long _startEdge;      // PCLK edge of the frame's h0
    private long _halfPclks;      // H, fixed at the frame's start
    private long _rxActivity;     // tick of the last frame received or SSPDR read (the timeout's origin)
    private bool _cpsrWarned;     // the CPSDVSR < 2 warning was given for the present SSPCPSR

    public Lpc2106Ssp(string name, Scheduler scheduler, ClockDomain pclk, Action<string>? warn = null)
    {
        Name = name;
        _s = scheduler;
        _pclk = pclk;
        _warn = warn ?? (_ => { });
        _events = new DeviceEvents(scheduler, exactCatchUp: true);
        _step = _events.Create(name + ".sck", _ => OnStep());
        _timeout = _events.Create(name + ".rt", _ => { _ris |= RT; UpdateInt(); });
        Int = new IrqLine(name + ".INT");
        _sckOut = new IrqLine(name + ".SCK_OUT");
        _mosiOut = new IrqLine(name + ".MOSI_OUT");
        _sselOut = new IrqLine(name + ".SSEL_OUT");
        _misoOut = new IrqLine(name + ".MISO_OUT");
        Reset();
    }

    public string Name { get; }
    public IrqLine Int { get; }
    public IrqLine SckOut => _sckOut;
    public IrqLine MosiOut => _mosiOut;
    public IrqLine SselOut => _sselOut;
    public IrqLine MisoOut => _misoOut;
    public void ConnectMiso(IrqLine l) => _misoIn = l;
    public void ConnectMosi(IrqLine l) => _mosiIn = l;
    public void ConnectSck(IrqLine l) { l.Subscribe(OnSck); }
    public void ConnectSsel(IrqLine l) { _sselIn = l; l.Subscribe(OnSsel); }
    public void ConnectShared(IrqLine l) { _shared = l; l.Subscribe(_ => UpdateInt()); UpdateInt(); }

    private bool Enabled => (_cr1 & SSE) != 0;
    private int DataBits => (int)(_cr0 & 0xF) + 1;
    private bool Cpol => (_cr0 & CPOL) != 0;
    /// <summary>The SPI-format master this model transfers in; anything else is warned and idle.</summary>
    private bool Supported => (_cr0 & 0x30) == 0 && (_cr0 & 0xF) >= 3;
    private bool Slave => (_cr1 & MS) != 0;
    private bool SlaveActive => Enabled && Slave && Supported;

    public void Reset()
    {
        _step.Cancel();
        _timeout.Cancel();
        _cr0 = _cr1 = _cpsr = _imsc = 0;
        _ris = TX;
        _txHead = _txCount = _rxHead = _rxCount = 0;
        _inFrame = false;
        _shift = _acc = 0;
        _bits = 0;
        _cpha = false;
        _half = 0;
        _startEdge = _halfPclks = _rxActivity = 0;
        _sckOut.Set(true);
        _mosiOut.Set(true);
        _sselOut.Set(true);
        _misoOut.Set(true);
        _slaveBusy = _slaveDone = false;
        _slaveCount = 0;
        UpdateInt();
    }

    public void SaveState(StateWriter w)
    {
        w.Write(_cr0); w.Write(_cr1); w.Write(_cpsr); w.Write(_imsc); w.Write(_ris);
        foreach (var v in _tx) w.Write((uint)v);
        foreach (var v in _rx) w.Write((uint)v);
        w.Write(_txHead); w.Write(_txCount); w.Write(_rxHead); w.Write(_rxCount);
        w.Write(_inFrame); w.Write(_shift); w.Write(_acc); w.Write(_bits); w.Write(_cpha); w.Write(_half);
        w.Write(_startEdge); w.Write(_halfPclks); w.Write(_rxActivity);
        _events.SaveState(w);
        w.Write(_slaveBusy); w.Write(_slaveDone); w.Write(_slaveCount);
        w.Write(Int.Level); w.Write(_sckOut.Level); w.Write(_mosiOut.Level); w.Write(_sselOut.Level); w.Write(_misoOut.Level);
    }

    public void LoadState(StateReader r)
    {
        _cr0 = r.ReadUInt(); _cr1 = r.ReadUInt(); _cpsr = r.ReadUInt(); _imsc = r.ReadUInt(); _ris = r.ReadUInt();
        for (int i = 0; i < FifoDepth; i++) _tx[i] = (ushort)r.ReadUInt();
        for (int i = 0; i < FifoDepth; i++) _rx[i] = (ushort)r.ReadUInt();
        _txHead = r.ReadInt(); _txCount = r.ReadInt(); _rxHead = r.ReadInt(); _rxCount = r.ReadInt();
        _inFrame = r.ReadBool(); _shift = r.ReadUInt(); _acc = r.ReadUInt(); _bits = r.ReadInt(); _cpha = r.ReadBool(); _half = r.ReadInt();
        _startEdge = r.ReadLong(); _halfPclks = r.ReadLong(); _rxActivity = r.ReadLong();
        _events.LoadState(r);
        _slaveBusy = r.ReadBool(); _slaveDone = r.ReadBool(); _slaveCount = r.ReadInt();
        Int.Restore(r.ReadBool()); _sckOut.Restore(r.ReadBool()); _mosiOut.Restore(r.ReadBool()); _sselOut.Restore(r.ReadBool()); _misoOut.Restore(r.ReadBool());
    }

    private uint Status =>
        (_txCount == 0 ? TFE : 0) | (_txCount < FifoDepth ? TNF : 0) | (_rxCount > 0 ? RNE : 0) |
        (_rxCount == FifoDepth ? RFF : 0) | (_txCount > 0 || _inFrame || _slaveBusy ? BSY : 0);

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FFC;
        uint v;
        switch (off)
        {
            case SSPCR0: v = _cr0; break;
            case SSPCR1: v = _cr1; break;
            case SSPDR: v = PopRx(); break;
            case SSPSR: v = Status; break;
            case SSPCPSR: v = _cpsr; break;
            case SSPIMSC: v = _imsc; break;
            case SSPRIS: v = _ris; break;
            case SSPMIS: v = _ris & _imsc; break;
            case SSPICR: _warn($"{Name}: read of write-only SSPICR returns 0"); v = 0; break;
            default: _warn($"{Name}: read of reserved offset 0x{off:X3}"); return 0;
        }
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FFC;
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case SSPCR0: _cr0 = value & 0xFFFF; break;
            case SSPCR1:
            {
                bool was = Enabled;
                uint ms = was ? _cr1 & MS : value & MS;   // MS: writable only while SSE = 0
                _cr1 = (value & (LBM | SSE | SOD)) | ms;
                if (was && !Enabled) Stop();
                else if (!was && Enabled) Enable();
                break;
            }
            case SSPDR: PushTx(value & 0xFFFF); break;
            case SSPCPSR: _cpsr = value & 0xFE; _cpsrWarned = false; break;
            case SSPIMSC: _imsc = value & 0xF; UpdateInt(); break;
            case SSPICR: _ris &= ~(value & (ROR | RT)); UpdateInt(); break;
            case SSPSR or SSPRIS or SSPMIS: _warn($"{Name}: write to read-only offset 0x{off:X3} ignored"); return;
            default: _warn($"{Name}: write to reserved offset 0x{off:X3} ignored"); return;
        }
    }

    // ---- FIFOs ----

    private void PushTx(uint v)
    {
        if (_txCount == FifoDepth) { _warn($"{Name}: SSPDR written with the Tx FIFO full (SSPSR.TNF = 0): the frame 0x{v:X4} is lost"); return; }
        _tx[(_txHead + _txCount++) % FifoDepth] = (ushort)v;
        UpdateFifoFlags();
        if (Enabled && !Slave && !_inFrame && _txCount == 1) StartAtNextEdge();
    }

    private uint PopRx()
    {
        if (_rxCount == 0) { _warn($"{Name}: SSPDR read with the Rx FIFO empty (SSPSR.RNE = 0) returns 0"); return 0; }
        uint v = _rx[_rxHead];
        _rxHead = (_rxHead + 1) % FifoDepth;
        _rxCount--;
        _rxActivity = _s.Now;
        ArmTimeout();
        UpdateFifoFlags();
        return v;
    }

    private void Receive(uint v)
    {
        if (_rxCount == FifoDepth) { _rx[(_rxHead + FifoDepth - 1) % FifoDepth] = (ushort)v; _ris |= ROR; }
        else _rx[(_rxHead + _rxCount++) % FifoDepth] = (ushort)v;
        _ris &= ~RT;
        _rxActivity = _s.EventTime;
        ArmTimeout();
        UpdateFifoFlags();
    }

    /// <summary>RTRIS 32 bit times after the last reception or read while the Rx FIFO is not empty.</summary>
    private void ArmTimeout()
    {
        if (_rxCount == 0) { _timeout.Cancel(); return; }
        _timeout.Arm(_pclk.TimeOfEdge(_pclk.EdgesAt(_rxActivity) + TimeoutBits * BitPclks()));
    }

    private void UpdateFifoFlags()
    {
        _ris = (_ris & (ROR | RT)) | (_txCount <= FifoDepth / 2 ? TX : 0) | (_rxCount >= FifoDepth / 2 ? RX : 0);
        UpdateInt();
    }

    private void UpdateInt() => Int.Set((_ris & _imsc) != 0 || (_shared?.Level ?? false));

    // ---- master, SPI format ----

    private long BitPclks()
    {
        uint cpsdvsr = _cpsr;
        if (cpsdvsr < 2)
        {
            if (!_cpsrWarned && !Slave) _warn($"{Name}: SSPCPSR = {cpsdvsr}: CPSDVSR must be an even value from 2 to 254 (UM10275 Table 148); using 2");
            _cpsrWarned = true;
            cpsdvsr = 2;
        }
        return cpsdvsr * (((_cr0 >> 8) & 0xFF) + 1);
    }

    private void Enable()
    {
        if (!Supported)
        {
            string what = (_cr0 & 0x30) == 0x10 ? "the TI synchronous serial format (FRF = 01)"
                : (_cr0 & 0x30) == 0x20 ? "the Microwire format (FRF = 10)"
                : (_cr0 & 0x30) == 0x30 ? "FRF = 11 (not supported, Table 144)"
                : $"DSS = {_cr0 & 0xF} (not supported, Table 144)";
            _warn($"{Name}: {what} is not modelled: the SSP transfers nothing");
            return;
        }
        if (Slave) { _slaveBusy = _slaveDone = false; _misoOut.Set(true); return; } // a slave drives MISO only while selected
        _sckOut.Set(Cpol);
        _sselOut.Set(true);
        _mosiOut.Set(true);
        if (_txCount > 0) StartAtNextEdge();
    }

    private void Stop()
    {
        _step.Cancel();
        _inFrame = false;
        _sckOut.Set(true);
        _mosiOut.Set(true);
        _sselOut.Set(true);
        _misoOut.Set(true);
        _slaveBusy = _slaveDone = false;
        UpdateFifoFlags();
    }

    private void StartAtNextEdge()
    {
        if (!Supported || Slave) return;
        BeginFrame(_pclk.EdgesAt(_s.Now) + 1);
    }

    /// <summary>Half period 0 of a frame at PCLK edge <paramref name="edge"/>: the bottom Tx entry moves to the shift register.</summary>
    private void BeginFrame(long edge)
    {
        _startEdge = edge;
        _halfPclks = BitPclks() / 2;
        _bits = DataBits;
        _cpha = (_cr0 & CPHA) != 0;
        _inFrame = true;
        _half = 0;
        ArmHalf();
    }

    private void ArmHalf() => _step.Arm(_pclk.TimeOfEdge(_startEdge + _half * _halfPclks));

    private bool TxBit(int i) => ((_shift >> (_bits - 1 - i)) & 1) != 0;

    private void Capture()
    {
        bool bit = (_cr1 & LBM) != 0 ? _mosiOut.Level : _misoIn?.Level ?? true;
        _acc = (_acc << 1) | (bit ? 1u : 0u);
    }

    private void OnStep()
    {
        int h = _half, n = _bits;
        bool leading = !Cpol;
        if (h == 0)
        {
            _shift = _tx[_txHead];
            _txHead = (_txHead + 1) % FifoDepth;
            _txCount--;
            _acc = 0;
            _sselOut.Set(false);
            UpdateFifoFlags();
        }
        else if (h <= 2 * n)
        {
            // CPHA = 0: MOSI changes on odd h (h1 the MSB, then with each trailing edge), SCK's capturing edge on even h.
            // CPHA = 1: MOSI changes with SCK's first edge on odd h, the capturing edge on even h.
            if ((h & 1) == 1)
            {
                if (_cpha || h > 1) _sckOut.Set(_cpha ? leading : !leading);
                _mosiOut.Set(TxBit((h - 1) / 2));
            }
            else
            {
                _sckOut.Set(_cpha ? !leading : leading);
                Capture();
                if (h == 2 * n) Receive(_acc & ((1u << n) - 1));
            }
        }
        else if (h == 2 * n + 1)
        {
            if (!_cpha) _sckOut.Set(!leading);   // the last trailing edge
        }
        if (h == 2 * n && _cpha && _txCount > 0 && Enabled)
        {
            // CPHA = 1 back to back: SSEL stays low, the next frame's h0 is this edge.
            BeginFrame(_startEdge + h * _halfPclks);
            OnStep();
            return;
        }
        if (h == 2 * n + 2)
        {
            _sselOut.Set(true);
            _mosiOut.Set(true);
            if (_txCount == 0 || !Enabled) { _inFrame = false; UpdateFifoFlags(); return; }
            // CPHA = 0 back to back: SSEL high for one bit period; CPHA = 1 (data written after the last capture): half of one.
            BeginFrame(_startEdge + (_cpha ? h + 1 : h + 2) * _halfPclks);
            return;
        }
        _half = h + 1;
        ArmHalf();
    }

    // ---- slave, SPI format ----

    private void SlaveLoad()
    {
        _acc = 0;
        _slaveCount = 0;
        _bits = DataBits;
        if (_txCount > 0)
        {
            _shift = _tx[_txHead];
            _txHead = (_txHead + 1) % FifoDepth;
            _txCount--;
        }
        else _shift = 0; // nothing to send: zeros (the manual does not say)
        _slaveBusy = true;
        UpdateFifoFlags();
    }

    private void SlaveDrive() { if (_slaveCount < _bits) _misoOut.Set((_cr1 & SOD) != 0 || TxBit(_slaveCount)); }

    private void SlaveCapture()
    {
        bool bit = (_cr1 & LBM) != 0 ? _misoOut.Level : _mosiIn?.Level ?? true;
        _acc = (_acc << 1) | (bit ? 1u : 0u);
        if (++_slaveCount < _bits) return;
        _slaveBusy = false;
        _slaveDone = (_cr0 & CPHA) == 0;
        Receive(_acc & ((1u << _bits) - 1));
    }

    private void OnSsel(bool level)
    {
        if (!SlaveActive) return;
        _slaveDone = false;
        if (level) { _slaveBusy = false; _misoOut.Set(true); UpdateFifoFlags(); return; } // a frame cut short is lost
        _slaveBusy = false;
        if ((_cr0 & CPHA) == 0) { SlaveLoad(); SlaveDrive(); }                           // CPHA = 0: the MSB as SSEL falls
    }

    private void OnSck(bool level)
    {
        if (!SlaveActive || (_sselIn?.Level ?? true) || _slaveDone) return;
        bool leading = level != Cpol;
        if ((_cr0 & CPHA) == 0)
        {
            if (!_slaveBusy) return;
            if (leading) SlaveCapture();
            else SlaveDrive();
            return;
        }
        if (leading)
        {
            if (!_slaveBusy) SlaveLoad();
            SlaveDrive();
        }
        else if (_slaveBusy) SlaveCapture();
    }
}
