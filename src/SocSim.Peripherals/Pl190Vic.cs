using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// ARM PrimeCell PL190 Vectored Interrupt Controller (TRM DDI 0181). 32 interrupt sources, 16
/// vectored slots with a hardware priority stack, a default vector for the rest, FIQ routing.
/// The VIC is combinational: <see cref="Irq"/> and <see cref="Fiq"/> change in the same call that
/// changes an input or a register, so it schedules nothing.
/// </summary>
/// <remarks>
/// Priority model (TRM 2.2 "Functional overview", 3.3 "Register descriptions", VICVectAddr): vectored
/// slot 0 is the highest priority, slot 15 the lowest, and all non-vectored IRQs share one level
/// below slot 15 (level 16 here). Reading VICVectAddr returns the ISR address of the highest-priority
/// active IRQ and marks its level in service; while a level is in service, IRQs of that level and of
/// lower priority do not assert nVICIRQ (they still show in VICIRQStatus). Writing VICVectAddr ends
/// the service of the current (highest-priority in-service) level. Nesting is a stack of levels; as
/// only higher priorities can nest, the stack is kept as a bit mask whose lowest set bit is the top.
/// FIQs bypass the priority logic.
/// </remarks>
public sealed class Pl190Vic : IBusDevice, IDeviceModel, IStateful
{
    /// <summary>
    /// PL190 VIC (DDI 0181), a 4 KiB window: 32 sources VICINTSOURCE[31:0], outputs nVICIRQ/nVICFIQ
    /// (named IRQ/FIQ here, active high).
    /// </summary>
    public static DeviceType Type { get; } = DeviceType.Define<Pl190Vic>("pl190", "ARM PrimeCell vectored interrupt controller (PL190)")
        .Window(PrimeCell.Window)
        .Output("IRQ", v => v.Irq, "nVICIRQ, active high")
        .Output("FIQ", v => v.Fiq, "nVICFIQ, active high")
        .NumberedInputs(SourceCount, (v, n, line) => v.ConnectSource(n, line), "VICINTSOURCE[31:0]")
        .Signals(DeclareSignals)
        .Build(c => new Pl190Vic(c.Name));

    /// <summary>The signals a PL190 offers to traces: IRQ, FIQ and the VICINTSOURCE wires.</summary>
    internal static void DeclareSignals(Pl190Vic v, ISignalBinder s)
    {
        s.Line("IRQ", v.Irq);
        s.Line("FIQ", v.Fiq);
        // The input wires, as the sources drive them (software interrupts are not on a wire).
        ulong levels = v.RawInterrupts;
        var src = s.Driven("VICINTSOURCE", SourceCount, levels);
        for (int i = 0; i < SourceCount; i++)
        {
            ulong bit = 1UL << i;
            v.Input(i).Subscribe(level =>
            {
                levels = level ? levels | bit : levels & ~bit;
                src(s.EventTime, levels);
            });
        }
    }

    // Register offsets (TRM 3.2 "Summary of VIC registers").
    public const uint VICIRQStatus = 0x000;
    public const uint VICFIQStatus = 0x004;
    public const uint VICRawIntr = 0x008;
    public const uint VICIntSelect = 0x00C;
    public const uint VICIntEnable = 0x010;
    public const uint VICIntEnClear = 0x014;
    public const uint VICSoftInt = 0x018;
    public const uint VICSoftIntClear = 0x01C;
    public const uint VICProtection = 0x020;
    public const uint VICVectAddr = 0x030;
    public const uint VICDefVectAddr = 0x034;
    public const uint VICVectAddr0 = 0x100;
    public const uint VICVectCntl0 = 0x200;
    public const uint VICITCR = 0x300;
    public const uint VICITIP1 = 0x304;
    public const uint VICITIP2 = 0x308;
    public const uint VICITOP1 = 0x30C;
    public const uint VICITOP2 = 0x310;

    /// <summary>VICVectCntl[5]: the slot is enabled.</summary>
    public const uint VectCntlE = 1u << 5;
    /// <summary>VICITOP1 bits read back the FIQ (bit 6) and IRQ (bit 7) outputs (active high here).</summary>
    public const uint ITOP1_F = 1u << 6, ITOP1_I = 1u << 7;

    public const int SourceCount = 32;
    public const int VectorCount = 16;
    private const int NonVectoredLevel = 16;
    private const int IdleLevel = 17;

    private static ReadOnlySpan<byte> PeriphId => [0x90, 0x11, 0x04, 0x00];

    private readonly IrqLine[] _inputs = new IrqLine[SourceCount];
    private uint _inputLevels;
    private uint _intSelect, _intEnable, _softInt, _softIntClear;
    private bool _protection;
    private uint _defVectAddr;
    private readonly uint[] _vectAddr = new uint[VectorCount];
    private readonly uint[] _vectCntl = new uint[VectorCount];
    // Bit L set: priority level L (0-15 vectored slots, 16 non-vectored) is in service.
    private uint _inService;
    private bool _testMode;

    public Pl190Vic(string name) : this(name, oneTimeSoftIntClear: false) { }

    /// <param name="name">The instance name.</param>
    /// <param name="oneTimeSoftIntClear">
    /// VICSoftIntClear as NXP's VIC has it (UM10275 §5.8, "VIC usage notes"): a 1 clears its VICSoftInt
    /// bit once; a further clear of the same bit needs VICSoftIntClear written 0 first. The register
    /// keeps the last value written and a bit clears VICSoftInt where it goes from 0 to 1.
    /// </param>
    public Pl190Vic(string name, bool oneTimeSoftIntClear)
    {
        Name = name;
        _oneTimeSoftIntClear = oneTimeSoftIntClear;
        Irq = new IrqLine(name + ".nVICIRQ");
        Fiq = new IrqLine(name + ".nVICFIQ");
        for (int n = 0; n < SourceCount; n++)
        {
            int bit = n;
            _inputs[n] = new IrqLine($"{name}.VICINTSOURCE{n}");
            _inputs[n].Subscribe(level => SetSource(bit, level));
        }
    }

    public string Name { get; }

    private readonly bool _oneTimeSoftIntClear;

    /// <summary>
    /// HRESETn: enables, selects, software interrupts, vectors and the priority stack cleared (TRM 3.2).
    /// The input wires keep their levels: they are driven from outside.
    /// </summary>
    public void Reset()
    {
        _intSelect = _intEnable = _softInt = _softIntClear = 0;
        _protection = false;
        _defVectAddr = 0;
        Array.Clear(_vectAddr);
        Array.Clear(_vectCntl);
        _inService = 0;
        _testMode = false;
        Update();
    }

    /// <summary>IRQ request to the CPU: high when nVICIRQ is asserted (low) on the real part.</summary>
    public IrqLine Irq { get; }
    /// <summary>FIQ request to the CPU: high when nVICFIQ is asserted.</summary>
    public IrqLine Fiq { get; }

    /// <summary>
    /// When true, a user-mode access while VICProtection is set aborts (signals an error) instead of
    /// reading zero and having no effect. The TRM only says such accesses are not permitted; the
    /// default (false) leaves the bus transfer to complete without effect.
    /// </summary>
    public bool ProtectionViolationAborts { get; set; }

    /// <summary>The VICINTSOURCE[n] input line; drive it, or let <see cref="ConnectSource"/> follow another line.</summary>
    public IrqLine Input(int n) => _inputs[n];

    /// <summary>Makes VICINTSOURCE[n] follow <paramref name="line"/> (a device's interrupt output).</summary>
    public void ConnectSource(int n, IrqLine line)
    {
        var input = _inputs[n];
        line.Subscribe(input.Set);
        input.Set(line.Level);
    }

    /// <summary>VICIntSelect: the inputs routed to nVICFIQ.</summary>
    public uint IntSelect => _intSelect;

    /// <summary>
    /// The handler the VIC hands out for input <paramref name="line"/>, as the registers read: VICVectAddrN of
    /// the first enabled VICVectCntlN naming the line, else VICDefVectAddr (DDI0181 3.3).
    /// </summary>
    public uint HandlerAddressOf(int line)
    {
        for (int slot = 0; slot < VectorCount; slot++)
        {
            uint cntl = _vectCntl[slot];
            if ((cntl & VectCntlE) != 0 && (cntl & 0x1F) == line) return _vectAddr[slot];
        }
        return _defVectAddr;
    }

    /// <summary>VICRawIntr: hardware sources OR software interrupts, before masking.</summary>
    public uint RawInterrupts => _inputLevels | _softInt;
    public uint IrqStatus => RawInterrupts & _intEnable & ~_intSelect;
    public uint FiqStatus => RawInterrupts & _intEnable & _intSelect;

    /// <summary>Priority level currently in service: 0-15 a vectored slot, 16 non-vectored, 17 none.</summary>
    public int CurrentPriority => _inService == 0 ? IdleLevel : System.Numerics.BitOperations.TrailingZeroCount(_inService);

    private void SetSource(int n, bool level)
    {
        uint bit = 1u << n;
        _inputLevels = level ? _inputLevels | bit : _inputLevels & ~bit;
        Update();
    }

    /// <summary>Highest-priority active IRQ level (0-15 vectored slot, 16 non-vectored), or 17 if none.</summary>
    private int HighestActiveLevel()
    {
        uint irq = IrqStatus;
        if (irq == 0) return IdleLevel;
        uint vectoredSources = 0;
        for (int i = 0; i < VectorCount; i++)
        {
            uint c = _vectCntl[i];
            if ((c & VectCntlE) == 0) continue;
            uint src = 1u << (int)(c & 0x1F);
            if ((irq & src) != 0) return i;
            vectoredSources |= src;
        }
        // A source is non-vectored when no enabled slot names it (TRM 2.2: non-vectored IRQs
        // are those not assigned to a vectored slot; they get VICDefVectAddr).
        return (irq & ~vectoredSources) != 0 ? NonVectoredLevel : IdleLevel;
    }

    private void Update()
    {
        if (_testMode) return; // In integration test mode the outputs follow VICITOP1.
        Irq.Set(HighestActiveLevel() < CurrentPriority);
        Fiq.Set(FiqStatus != 0);
    }

    /// <summary>
    /// The address VICVectAddr would return now (also VICVECTADDROUT, read through VICITOP2):
    /// the highest-priority active level's ISR address if it may preempt, else VICDefVectAddr.
    /// </summary>
    private uint VectorAddressFor(int level) => level < VectorCount ? _vectAddr[level] : _defVectAddr;

    private uint ReadVectAddr(bool sideEffects)
    {
        int active = HighestActiveLevel();
        int current = CurrentPriority;
        if (active < current)
        {
            if (sideEffects)
            {
                _inService |= 1u << active;
                Update();
            }
            return VectorAddressFor(active);
        }
        // Nothing new to service (a spurious interrupt, in a nested handler too): VICDefVectAddr,
        // nothing changes (UM10275 Table 51: "Otherwise it returns the address in the Default Vector
        // Address Register"; §5.7: the VIC "will return the default interrupt VicDefVectAddr").
        return _defVectAddr;
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = PrimeCell.Offset(address);
        if (!Permitted(off, flags, ref abort)) return 0;
        return PrimeCell.NarrowRead(ReadRegister(off), address, size);
    }

    private uint ReadRegister(uint off)
    {
        switch (off)
        {
            case VICIRQStatus: return IrqStatus;
            case VICFIQStatus: return FiqStatus;
            case VICRawIntr: return RawInterrupts;
            case VICIntSelect: return _intSelect;
            case VICIntEnable: return _intEnable;
            case VICSoftInt: return _softInt;
            case VICProtection: return _protection ? 1u : 0u;
            case VICVectAddr: return ReadVectAddr(sideEffects: true);
            case VICDefVectAddr: return _defVectAddr;
            case VICITCR: return _testMode ? 1u : 0u;
            // Daisy-chain inputs nVICIRQIN/nVICFIQIN and VICVECTADDRIN are not connected (tied
            // inactive / zero), so the input test registers read 0.
            case VICITIP1: return 0;
            case VICITIP2: return 0;
            case VICITOP1: return (Irq.Level ? ITOP1_I : 0) | (Fiq.Level ? ITOP1_F : 0);
            case VICITOP2: return ReadVectAddr(sideEffects: false);
        }
        if (off >= VICVectAddr0 && off < VICVectAddr0 + 4 * VectorCount) return _vectAddr[(off - VICVectAddr0) >> 2];
        if (off >= VICVectCntl0 && off < VICVectCntl0 + 4 * VectorCount) return _vectCntl[(off - VICVectCntl0) >> 2];
        if (off >= 0xFE0) return PrimeCell.ReadId(off, PeriphId);
        // VICIntEnClear and VICSoftIntClear are write-only; reserved offsets read as zero.
        return 0;
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = PrimeCell.Offset(address);
        if (!Permitted(off, flags, ref abort)) return;
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case VICIntSelect: _intSelect = value; break;
            case VICIntEnable: _intEnable |= value; break;      // write 1 to enable; 0 has no effect
            case VICIntEnClear: _intEnable &= ~value; break;
            case VICSoftInt: _softInt |= value; break;
            case VICSoftIntClear:
                _softInt &= _oneTimeSoftIntClear ? ~(value & ~_softIntClear) : ~value;
                _softIntClear = value;
                break;
            case VICProtection: _protection = (value & 1) != 0; return;
            case VICVectAddr:
                // End of service: pop the priority stack (the value written is ignored).
                if (_inService != 0) _inService &= _inService - 1;
                break;
            case VICDefVectAddr: _defVectAddr = value; return;
            case VICITCR:
                _testMode = (value & 1) != 0;
                break;
            case VICITOP1:
                // In test mode the outputs are driven from this register (TRM 4.x integration tests).
                if (_testMode)
                {
                    Irq.Set((value & ITOP1_I) != 0);
                    Fiq.Set((value & ITOP1_F) != 0);
                }
                return;
            default:
                if (off >= VICVectAddr0 && off < VICVectAddr0 + 4 * VectorCount) { _vectAddr[(off - VICVectAddr0) >> 2] = value; return; }
                if (off >= VICVectCntl0 && off < VICVectCntl0 + 4 * VectorCount) { _vectCntl[(off - VICVectCntl0) >> 2] = value & 0x3F; break; }
                return; // read-only and reserved offsets ignore writes
        }
        Update();
    }

    /// <summary>
    /// VICProtection (TRM 3.3): when set, only privileged (nTRANS/HPROT[1] high) accesses reach the
    /// registers. The VICProtection register itself is privileged-only at all times.
    /// </summary>
    /// <summary>
    /// The latched source levels (and the VIC's own input lines, which carry them), the registers,
    /// the vector slots, the priority levels in service and the nVICIRQ/nVICFIQ levels (in test mode
    /// they are VICITOP1's, not a function of the rest). <see cref="ProtectionViolationAborts"/> is
    /// a board setting, not state.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_inputLevels);
        w.Write(_intSelect);
        w.Write(_intEnable);
        w.Write(_softInt);
        w.Write(_softIntClear);
        w.Write(_protection);
        w.Write(_defVectAddr);
        w.Write(_vectAddr);
        w.Write(_vectCntl);
        w.Write(_inService);
        w.Write(_testMode);
        w.Write(Irq.Level);
        w.Write(Fiq.Level);
    }

    public void LoadState(StateReader r)
    {
        _inputLevels = r.ReadUInt();
        for (int n = 0; n < SourceCount; n++) _inputs[n].Restore((_inputLevels & (1u << n)) != 0);
        _intSelect = r.ReadUInt();
        _intEnable = r.ReadUInt();
        _softInt = r.ReadUInt();
        _softIntClear = r.ReadUInt();
        _protection = r.ReadBool();
        _defVectAddr = r.ReadUInt();
        r.ReadUIntArray(VectorCount).CopyTo(_vectAddr, 0);
        r.ReadUIntArray(VectorCount).CopyTo(_vectCntl, 0);
        _inService = r.ReadUInt();
        _testMode = r.ReadBool();
        Irq.Restore(r.ReadBool());
        Fiq.Restore(r.ReadBool());
    }

    private bool Permitted(uint off, AccessFlags flags, ref bool abort)
    {
        if ((flags & AccessFlags.Privileged) != 0) return true;
        if (!_protection && off != VICProtection) return true;
        if (ProtectionViolationAborts) abort = true;
        return false;
    }
}
