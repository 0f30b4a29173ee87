using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// NXP LPC2106 system control block (LPC2104/2105/2106 User Manual, "System Control Block") at
/// 0xE01FC000: the memory accelerator (MAMCR, MAMTIM), memory mapping (MEMMAP), the PLL (PLLCON,
/// PLLCFG, PLLSTAT, PLLFEED), power control (PCON, PCONP), the VPB divider (VPBDIV) and the external
/// interrupts (EXTINT, EXTWAKE, EXTMODE, EXTPOLAR). The board's clock tree takes CCLK from the
/// <c>PLL</c> control and PCLK from the <c>VPBDIV</c> control; the device's own clock is the crystal
/// (FOSC), the PLL's input. It puts the MAM (<see cref="Lpc2106Mam"/>) in front of the flash region.
/// </summary>
/// <remarks>
/// Choices where the manual leaves room (each is tested):
/// <list type="bullet">
/// <item>Reset: the core starts at 0 as if the boot loader had run and jumped to user flash, so MEMMAP
/// reads 1 (user flash mode: the boot loader leaves it so, "Memory mapping control"), not its
/// hardware reset value 0.</item>
/// <item>PLL feed: PLLCON and PLLCFG take effect on 0xAA then 0x55 written to PLLFEED as
/// "consecutive APB bus cycles" (UM10275 §3.9.7): any other access to this block, or (through the
/// bus's device filter) to another VPB peripheral, between the two voids the feed. Any other value,
/// or a 0x55 not preceded by 0xAA, is an invalid feed and changes nothing.</item>
/// <item>Lock: PLLSTAT.PLOCK rises <c>pllLockMicroseconds</c> after a feed that enables the PLL or
/// changes PLLCFG while enabled (100 µs: the PLL's "settling time of 100 μs", §1.4). The PLL drives
/// CCLK = M × FOSC once it is enabled and connected (PLLC), from the tick of the feed: "Hardware does
/// not insure that the PLL is locked before it is connected" (§3.9.2), so connecting before PLOCK, or
/// feeding a new PLLCFG while connected, runs from the unlocked PLL (modelled at M × FOSC, warned).
/// PLLSTAT shows the values in effect (the fed ones), as §3.9.4 says.</item>
/// <item>Limits (data sheet): FOSC 10–25 MHz for the PLL, CCO = 2·P·CCLK within 156–320 MHz,
/// CCLK at most 60 MHz. A setting outside them gets one warning naming the register, the value and
/// the limit, and runs as programmed (the FreeRTOS demo programs a 118 MHz CCO).</item>
/// <item>VPBDIV 3 is reserved: "the previous setting is retained" — the divider does not change,
/// and the register reads what was written.</item>
/// <item>PCON.IDL: the core stops until an interrupt request from the VIC (IRQ or FIQ, masked in the
/// CPSR or not) and the bit clears; peripherals keep running.</item>
/// <item>PCON.PD (Table 26, §3.10): "the oscillator and all on-chip clocks" stop; PLLE, PLLC and PLOCK
/// clear (Table 19, §3.9.8). The block stops PCLK (VPBDIV's output at 0 Hz: no peripheral advances)
/// and holds the VIC's requests from the core (inputs IRQ/FIQ, outputs nIRQ/nFIQ: a core with no clock
/// sees none), so only a reset or an EXTINT flag whose EXTWAKE bit is set ends it (§3.6.3, §3.13); the
/// flag needs its pin selected for EINTn (§3.6.3). CCLK, the simulator's time base, keeps counting at
/// FOSC but clocks nothing. The wake-up (§3.13): the oscillator restarts (start-up time taken as 0:
/// it "depends on many factors", the crystal's, outside the chip), the wakeup timer counts 4096 FOSC
/// clocks, flash initialisation (no time given: 0); then PD clears, PCLK runs again at VPBDIV's
/// setting, CCLK = FOSC (the firmware restarts the PLL, §3.9.8), the core resumes after the PCON
/// write, and "the actual interrupt (if any) occurs after the wakeup timer expires" through the VIC.
/// A flag already set with EXTWAKE when PD is written wakes the chip at once (after the wakeup
/// timer): §3.6.2's "Power-down mode will fail".
/// PCONP (§3.10.3) gates the registers of VPB peripheral n while bit n is 0: its accesses read 0 and
/// write nothing (one warning); its counters keep running (a warning says so). Reset 0x3BE (Table 27;
/// Table 25's 0x1FBE adds bits 10-12, reserved in Table 27). On part 01 bit 21 is PCSSP (reset 0, Table 27):
/// it gates the SSP's slot 23, a write of PCSPI and PCSSP both 1 leaves PCSSP 0 (§13.5), and output
/// <c>PCSSP</c> gives the SPI's pins to the SSP.</item>
/// <item>External interrupts: a flag is set only while PINSEL selects EINTn on its pin (Table 10; the
/// <c>EINTn_SEL</c> inputs, always selected when unwired). On the legacy part (parameter <c>part</c>)
/// EINTn is low-level sensitive; the /01 part has EXTMODE (edge) and EXTPOLAR (high/rising), and SCS
/// (§3.7.1, Table 14: GPIO0M, output <c>GPIO0M</c> to the pins' fast GPIO; reserved bits read 0). EXTINT
/// bits are flags, written 1 to clear; a level-sensitive flag cannot be cleared while its pin stays
/// active. Outputs EINT0–2 to the VIC.</item>
/// <item>MAMTIM below Table 35's figure for the present CCLK (1 below 20 MHz, 2 to 40, 3 above 40, 4
/// from 60 MHz) is a warning when MAMTIM or CCLK changes.</item>
/// </list>
/// </remarks>
public sealed class Lpc2106SystemControl : IBusDevice, IDeviceModel, IStateful
{
    // Register offsets (User Manual, "System control block: Summary of registers").
    public const uint MAMCR = 0x000, MAMTIM = 0x004, MEMMAP = 0x040;
    public const uint PLLCON = 0x080, PLLCFG = 0x084, PLLSTAT = 0x088, PLLFEED = 0x08C;
    public const uint PCON = 0x0C0, PCONP = 0x0C4, VPBDIV = 0x100;
    public const uint EXTINT = 0x140, EXTWAKE = 0x144, EXTMODE = 0x148, EXTPOLAR = 0x14C;
    /// <summary>System Control and Status flags (part 01 only, UM10275 §3.7.1, Table 14): bit 0 GPIO0M.</summary>
    public const uint SCS = 0x1A0;

    public const uint PLLE = 1u << 0, PLLC = 1u << 1;
    public const uint PLOCK = 1u << 10;
    public const uint PCON_IDL = 1u << 0, PCON_PD = 1u << 1;
    /// <summary>PCONP after reset: timers, UARTs, PWM, I2C, SPI and RTC powered (User Manual, PCONP).</summary>
    public const uint PconpReset = 0x3BE;
    /// <summary>PCONP.PCSPI (bit 8) and, on part 01, PCONP.PCSSP (bit 21, reset 0; Table 27, §13.5).</summary>
    public const uint PCSPI = 1u << 8, PCSSP = 1u << 21;
    /// <summary>The SSP's VPB slot (Table 3: peripheral 23, 0xE005C000), gated by PCSSP, not by bit 23.</summary>
    private const int SspSlot = 23;

    private static readonly (long, long)[] PllRatios = PllMultipliers();

    /// <summary>M = 1..32 (by a loop: LINQ over tuples is a dozen JIT compilations in every start-up's catalog).</summary>
    private static (long, long)[] PllMultipliers()
    {
        var r = new (long, long)[32];
        for (int m = 1; m <= 32; m++) r[m - 1] = (m, 1);
        return r;
    }
    private static readonly (long, long)[] VpbRatios = [(1, 4), (1, 2), (1, 1)];

    public static DeviceType Type { get; } = DeviceType.Define<Lpc2106SystemControl>("lpc2106_scb",
            "NXP LPC2106 system control block: MAM, memory map, PLL, power control, VPB divider, external interrupts")
        .Window(0x4000)
        .Parameter("flash", "flash", "the memory region the MAM accelerates (the 128 KiB on-chip flash)")
        .Parameter("sram", "sram", "the on-chip SRAM region (0x40000000) MEMMAP = 2 maps the vectors from")
        .Parameter("bootBlock", "", "an 8 KiB region (0x7FFFE000) where the flash's boot block is also seen, through the MAM (UM10275 §2.2); empty: none")
        .Parameter("pllLockMicroseconds", 100L, "time from enabling the PLL (or changing PLLCFG) to PLLSTAT.PLOCK (UM10275 §1.4: 100 us)")
        .Parameter("part", "legacy", "legacy: the LPC2106 and LPC2106/00 (no EXTMODE/EXTPOLAR: EINTn low-level sensitive); 01: the LPC2106/01's EXTMODE and EXTPOLAR and SCS (GPIO0M, output GPIO0M to the pins' fast GPIO) (UM10275 §3.1, §3.7.1)")
        .ClockControl("PLL", "CCLK = M x FOSC once the PLL is enabled, connected and locked; FOSC otherwise", PllRatios, (1, 1))
        .ClockControl("VPBDIV", "PCLK = CCLK / 4, / 2 or / 1 (VPBDIV = 0, 2, 1)", VpbRatios, (1, 4))
        .Output("PCSSP", s => s._pcssp, "PCONP.PCSSP (part 01): 1 routes the SPI pins to the SSP (wire to the pins' SSP input; UM10275 §13.5)")
        .Output("GPIO0M", s => s._gpio0m, "SCS.GPIO0M (part 01): 1 selects the fast GPIO registers for port 0 (wire to the pins' GPIO0M input)")
        .Output("PLL", s => s.PllLock, "PLLSTAT.PLOCK, the PLL lock interrupt (VIC channel 12)")
        .Output("EINT0", s => s._eint[0], "external interrupt 0 flag (VIC channel 14)")
        .Output("EINT1", s => s._eint[1], "external interrupt 1 flag (VIC channel 15)")
        .Output("EINT2", s => s._eint[2], "external interrupt 2 flag (VIC channel 16)")
        .Output("nIRQ", s => s._coreIrq, "the VIC's IRQ request to the core, held off in power-down (wire the core's nIRQ here and vic.IRQ to input IRQ)")
        .Output("nFIQ", s => s._coreFiq, "the VIC's FIQ request to the core, held off in power-down")
        .Input("IRQ", (s, l) => s.ConnectRequest(ref s._vicIrq, l), "the VIC's IRQ output")
        .Input("FIQ", (s, l) => s.ConnectRequest(ref s._vicFiq, l), "the VIC's FIQ output")
        .Input("EINT0", (s, l) => s.ConnectEint(0, l), "EINT0 pin function")
        .Input("EINT1", (s, l) => s.ConnectEint(1, l), "EINT1 pin function")
        .Input("EINT2", (s, l) => s.ConnectEint(2, l), "EINT2 pin function")
        .Input("EINT0_SEL", (s, l) => s.ConnectEintSelect(0, l), "high while the pin connect block selects EINT0 on a pin (Table 10: the flag is set only then); unwired: always")
        .Input("EINT1_SEL", (s, l) => s.ConnectEintSelect(1, l), "high while the pin connect block selects EINT1 on a pin; unwired: always")
        .Input("EINT2_SEL", (s, l) => s.ConnectEintSelect(2, l), "high while the pin connect block selects EINT2 on a pin; unwired: always")
        .Signals((s, b) =>
        {
            b.Line("PLOCK", s.PllLock);
            b.Sampled("CCLK_Hz", 32, () => (ulong)s.CclkHz, 0);
            b.Sampled("PCLK_Hz", 32, () => (ulong)s.PclkHz, 0);
            b.Sampled("MAMCR", 2, () => s.Mam.Mode, 0);
            for (int i = 0; i < 3; i++) b.Line("EINT" + i, s._eint[i]);
        })
        .Build(c => new Lpc2106SystemControl(c));

    private readonly Scheduler _s;
    private readonly ClockDomain _fosc;
    private readonly ClockControl _pll, _vpb;
    private readonly Action<string> _warn;
    private readonly Action<Action> _idle;
    private readonly Event _lockEvent, _wakeupEvent;
    private readonly Action _wakeCore;
    // The VIC's requests (inputs) and what reaches the core (outputs): held while powered down.
    private readonly IrqLine _coreIrq = new("nIRQ"), _coreFiq = new("nFIQ");
    private IrqLine? _vicIrq, _vicFiq;
    /// <summary>The wakeup timer's count (§3.13): 4096 oscillator clocks.</summary>
    public const int WakeupTimerClocks = 4096;
    private readonly long _lockTicks;
    private readonly IrqLine[] _eint = [new("EINT0"), new("EINT1"), new("EINT2")];
    private readonly IrqLine?[] _eintPins = new IrqLine?[3];
    private readonly IrqLine?[] _eintSelect = new IrqLine?[3];
    private readonly bool _part01;
    private readonly IrqLine _gpio0m = new("GPIO0M");
    private readonly IrqLine _pcssp = new("PCSSP");
    private readonly Bus? _bus;
    // Accesses to other VPB peripherals since the 0xAA feed write, counted by the bus filter; and the PCONP
    // bits whose gated accesses were already reported.
    private int _vpbOtherSinceFeedAa;
    private uint _pconpWarned;
    // The EINTn pin levels last seen, for edge detection in edge mode.
    private readonly bool[] _eintLast = new bool[3];
    private readonly string _name;

    private uint _memmap, _pllcon, _pllcfg, _pllconActive, _pllcfgActive, _pcon, _pconp, _vpbdiv;
    private uint _extint, _extwake, _extmode, _extpolar;
    private bool _plock, _feedArmed;

    public Lpc2106SystemControl(DeviceContext c)
    {
        _name = c.Name;
        _s = c.Scheduler;
        _fosc = c.Clock;
        _warn = c.Warn;
        _idle = c.RequestIdle;
        _wakeCore = c.RequestWake;
        _pll = c.ClockControls["PLL"];
        _vpb = c.ClockControls["VPBDIV"];
        _lockTicks = (long)((Int128)c.Parameter<long>("pllLockMicroseconds") * _s.TicksPerSecond / 1_000_000);
        _part01 = Lpc2106Part.Is01(c);
        _bus = c.Bus;
        if (_bus != null) _bus.DeviceAccessFilter = OnDeviceAccess;
        _lockEvent = _s.CreateEvent(c.Name + ".pllLock", EventPriority.Peripheral, OnLock);
        _wakeupEvent = _s.CreateEvent(c.Name + ".wakeup", EventPriority.Peripheral, OnWakeup);
        PllLock = new IrqLine(c.Name + ".PLOCK");
        Mam = new Lpc2106Mam(c.Name, _s, c.Warn);
        if (c.Bus != null)
        {
            Mam.Attach(c.Bus, c.Parameter<string>("flash"), c.Parameter<string>("sram"), c.Parameter<string>("bootBlock"));
        }
        Reset();
    }

    public string Name => _name;
    /// <summary>The PCONP bits that exist: Table 27's, with PCSSP on part 01.</summary>
    private uint PconpMask => _part01 ? PconpReset | PCSSP : PconpReset;
    public Lpc2106Mam Mam { get; }
    public IrqLine PllLock { get; }

    public long CclkHz => _fosc.FrequencyHz * _pll.Num / _pll.Den;
    public long PclkHz => CclkHz * _vpb.Num / _vpb.Den;
    public uint MemoryMap => _memmap;

    public void Reset()
    {
        _s.Cancel(_lockEvent);
        _s.Cancel(_wakeupEvent);
        _memmap = 1;
        _pllcon = _pllcfg = _pllconActive = _pllcfgActive = 0;
        _pcon = 0;
        _pconp = PconpReset;
        _pcssp.Set(false);
        _vpbdiv = 0;
        _extint = _extwake = _extmode = _extpolar = 0;
        _gpio0m.Set(false);
        _plock = false;
        _feedArmed = false;
        _vpbOtherSinceFeedAa = 0;
        PllLock.Set(false);
        foreach (var l in _eint) l.Set(false);
        Mam.Reset();
        Mam.MemoryMap = _memmap;
        _pll.Set(1, 1, _s.EventTime);
        _vpb.Set(1, 4, _s.EventTime);
        UpdateCoreRequests();
    }

    /// <summary>
    /// MEMMAP, PLLCON/PLLCFG as written and as fed (in effect), PLOCK, the feed sequence in progress
    /// (0xAA seen) and the VPB accesses to other peripherals since, PCON, PCONP, VPBDIV, EXTINT/EXTWAKE/EXTMODE/EXTPOLAR, the EINTn pin levels last
    /// seen (edge detection), the PLOCK, EINT0-2, nIRQ and nFIQ output levels, and the MAM (<see cref="Lpc2106Mam.SaveState"/>).
    /// The lock and wakeup events' due ticks are in the scheduler's queue (saved by name); the PLL and VPBDIV
    /// ratios are the clock controls', which the machine restores with the clocks.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_memmap);
        w.Write(_pllcon); w.Write(_pllcfg);
        w.Write(_pllconActive); w.Write(_pllcfgActive);
        w.Write(_plock);
        w.Write(_feedArmed);
        w.Write(_vpbOtherSinceFeedAa);
        w.Write(_pcon); w.Write(_pconp); w.Write(_vpbdiv);
        w.Write(_extint); w.Write(_extwake); w.Write(_extmode); w.Write(_extpolar);
        foreach (bool l in _eintLast) w.Write(l);
        w.Write(PllLock.Level);
        foreach (var l in _eint) w.Write(l.Level);
        w.Write(_coreIrq.Level); w.Write(_coreFiq.Level);
        w.Section("MAM", Mam.SaveState);
        if (_part01) w.Write(_gpio0m.Level); // the legacy part's state is as it always was
    }

    /// <summary>
    /// Restores the block and the MAM silently, then applies what they control that lives outside
    /// them: MEMMAP's vector mapping is the MAM's <see cref="Lpc2106Mam.MemoryMap"/>, set again here
    /// (the MAM serves the flash region on every access, so there is no bus mapping to redo), and a
    /// PCON with IDL or PD set means the core was idle waiting for an interrupt.
    /// </summary>
    /// <remarks>
    /// The idle contract: the CPU, loaded before the devices, restores that it sleeps but cannot name
    /// the action to run when it wakes. This block asks again with RequestIdle(<see cref="Wake"/>),
    /// as a PCON write does; RequestIdle only records the sleep and its wake action (it runs no
    /// instruction and notifies nobody), so asking again is idempotent. The scheduler's queue, loaded
    /// after the devices, resets the CPU's run-slice bound, so the request schedules nothing.
    /// A PCON of 0 asks nothing: the CPU's own state says it is awake.
    /// </remarks>
    public void LoadState(StateReader r)
    {
        _memmap = r.ReadUInt();
        _pllcon = r.ReadUInt(); _pllcfg = r.ReadUInt();
        _pllconActive = r.ReadUInt(); _pllcfgActive = r.ReadUInt();
        _plock = r.ReadBool();
        _feedArmed = r.ReadBool();
        _vpbOtherSinceFeedAa = r.ReadInt();
        _pcon = r.ReadUInt(); _pconp = r.ReadUInt(); _vpbdiv = r.ReadUInt();
        _pcssp.Restore((_pconp & PCSSP) != 0);
        _extint = r.ReadUInt(); _extwake = r.ReadUInt(); _extmode = r.ReadUInt(); _extpolar = r.ReadUInt();
        for (int n = 0; n < _eintLast.Length; n++) _eintLast[n] = r.ReadBool();
        PllLock.Restore(r.ReadBool());
        foreach (var l in _eint) l.Restore(r.ReadBool());
        // The requests to the core as saved: the VIC, which drives the inputs, may load after this block.
        _coreIrq.Restore(r.ReadBool()); _coreFiq.Restore(r.ReadBool());
        r.Section("MAM", Mam.LoadState);
        if (_part01) _gpio0m.Restore(r.ReadBool());
        Mam.MemoryMap = _memmap;
        if (_pcon != 0) _idle(Wake);
    }

    /// <summary>Wakes the block from idle: PCON.IDL and PD clear when an interrupt ends the idle state.</summary>
    /// <remarks>A board that wires the core's nIRQ/nFIQ to the VIC directly, not through nIRQ/nFIQ here,
    /// lets any request end power-down: the wake-up is then done at once.</remarks>
    public void Wake()
    {
        if (PoweredDown)
        {
            _s.Cancel(_wakeupEvent);
            OnWakeup(_s.EventTime);
        }
        _pcon = 0;
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0x3FFC;
        _feedArmed = off == PLLFEED && _feedArmed;
        uint v = off switch
        {
            MAMCR => Mam.Mode,
            MAMTIM => Mam.Timing,
            MEMMAP => _memmap,
            PLLCON => _pllcon,
            PLLCFG => _pllcfg,
            PLLSTAT => (_pllcfgActive & 0x7F) | ((_pllconActive & 3) << 8) | (_plock ? PLOCK : 0),
            PLLFEED => 0,
            PCON => _pcon,
            PCONP => _pconp,
            VPBDIV => _vpbdiv,
            EXTINT => _extint,
            EXTWAKE => _extwake,
            EXTMODE when _part01 => _extmode,
            EXTPOLAR when _part01 => _extpolar,
            SCS when _part01 => _gpio0m.Level ? 1u : 0u,
            _ => Reserved(off, "read"),
        };
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0x3FFC;
        value = PrimeCell.NarrowWrite(value, address, size);
        if (off != PLLFEED) _feedArmed = false;
        switch (off)
        {
            case MAMCR: Mam.SetMode(value & 3); break;
            case MAMTIM: Mam.SetTiming(value & 7); CheckMamTiming(); break;
            case MEMMAP:
                if ((value & 3) == 3) _warn($"{_name}: MEMMAP = 3 is reserved (User Manual, MEMMAP); the map is left as it was");
                else { _memmap = value & 3; Mam.MemoryMap = _memmap; }
                break;
            case PLLCON: _pllcon = value & 3; break;
            case PLLCFG: _pllcfg = value & 0x7F; break;
            case PLLFEED: Feed(value & 0xFF); break;
            case PCON:
                _pcon = value & 3;
                if ((_pcon & PCON_PD) != 0)
                {
                    // Table 19: PLLE and PLLC "automatically cleared when Power-down mode is activated";
                    // §3.9.8: the firmware restarts the PLL after the wakeup.
                    _pllconActive &= ~(PLLE | PLLC);
                    _s.Cancel(_lockEvent);
                    SetLock(false);
                    UpdateCclk(_s.Now);
                    _pcon = PCON_PD; // "If both bits are set, Power-down mode is entered" (§3.10.2)
                    _vpb.Set(0, 1, _s.Now);
                    UpdateCoreRequests();
                }
                if (_pcon != 0) _idle(Wake);
                CheckWakeup();
                break;
            case PCONP:
                if ((value & PconpReset) != PconpReset)
                    _warn($"{_name}: PCONP = 0x{value:X3} turns peripherals off: their registers stop answering (UM10275 §10.3), their counters keep running (the gated clock is not modelled)");
                _pconp = value & PconpMask;
                // §13.5: "Any attempt to write 1 to PSPI0 and PSSP bits at the same time will result in PCSPI = 1 and PCSSP = 0."
                if ((_pconp & PCSPI) != 0) _pconp &= ~PCSSP;
                _pconpWarned &= _pconp;
                _pcssp.Set((_pconp & PCSSP) != 0);
                break;
            case VPBDIV:
                if ((value & 3) != 3) _vpbdiv = value & 3; // 3: reserved, the previous setting is retained
                if (!PoweredDown) SetVpb();
                break;
            case EXTINT:
                _extint &= ~(value & 7);
                UpdateEint();
                break;
            case EXTWAKE: _extwake = value & 7; CheckWakeup(); break;
            case EXTMODE when _part01: _extmode = value & 7; UpdateEint(); break;
            case EXTPOLAR when _part01: _extpolar = value & 7; UpdateEint(); break;
            case SCS when _part01: _gpio0m.Set((value & 1) != 0); break;
            case PLLSTAT: break; // read-only
            default: Reserved(off, "write"); break;
        }
    }

    private void SetVpb()
    {
        switch (_vpbdiv)
        {
            case 0: _vpb.Set(1, 4, _s.Now); break;
            case 1: _vpb.Set(1, 1, _s.Now); break;
            default: _vpb.Set(1, 2, _s.Now); break;
        }
    }

    // ---- power-down ----

    private bool PoweredDown => (_pcon & PCON_PD) != 0;

    private void ConnectRequest(ref IrqLine? input, IrqLine line)
    {
        input = line;
        line.Subscribe(_ => UpdateCoreRequests());
        UpdateCoreRequests();
    }

    /// <summary>The VIC's requests reach the core unless powered down (no clock, §3.10).</summary>
    private void UpdateCoreRequests()
    {
        _coreIrq.Set(!PoweredDown && (_vicIrq?.Level ?? false));
        _coreFiq.Set(!PoweredDown && (_vicFiq?.Level ?? false));
    }

    /// <summary>
    /// §3.6.3, Table 11: an EXTINT flag whose EXTWAKE bit is set starts the wake-up from power-down:
    /// the oscillator restarts (start-up 0, see the class remarks) and the wakeup timer counts 4096
    /// FOSC clocks (§3.13) before the processor runs.
    /// </summary>
    private void CheckWakeup()
    {
        if (!PoweredDown || _wakeupEvent.IsScheduled || (_extint & _extwake) == 0) return;
        _s.Schedule(_wakeupEvent, _fosc.TimeOfEdge(_fosc.EdgesAt(_s.EventTime) + WakeupTimerClocks));
    }

    private void OnWakeup(long due)
    {
        _pcon = 0;
        SetVpb();
        UpdateCoreRequests();
        _wakeCore();
    }

    private uint Reserved(uint off, string what)
    {
        _warn($"{_name}: {what} of reserved offset 0x{off:X3} (system control block) ignored, reads 0");
        return 0;
    }

    // ---- PLL ----

    private void Feed(uint value)
    {
        if (value == 0xAA) { _feedArmed = true; _vpbOtherSinceFeedAa = 0; return; }
        // §3.9.7: the two writes "must be consecutive APB bus cycles": no VPB access between them, to
        // another peripheral (the bus filter counts them) or to this block (the register code disarms).
        bool valid = value == 0x55 && _feedArmed && _vpbOtherSinceFeedAa == 0;
        _feedArmed = false;
        if (!valid) return;
        bool wasEnabled = (_pllconActive & PLLE) != 0;
        bool cfgChanged = _pllcfg != _pllcfgActive;
        _pllconActive = _pllcon;
        _pllcfgActive = _pllcfg;
        bool enabled = (_pllconActive & PLLE) != 0;
        if (!enabled)
        {
            _s.Cancel(_lockEvent);
            SetLock(false);
        }
        else if (!wasEnabled || cfgChanged)
        {
            SetLock(false);
            _s.Schedule(_lockEvent, _s.Now + _lockTicks);
            CheckLimits();
        }
        UpdateCclk(_s.Now);
    }

    private void OnLock(long due)
    {
        SetLock(true);
        UpdateCclk(due);
    }

    private void SetLock(bool locked)
    {
        _plock = locked;
        PllLock.Set(locked);
    }

    /// <remarks>
    /// Connected means PLLE and PLLC fed, locked or not: "Hardware does not insure that the PLL is
    /// locked before it is connected" (UM10275 §3.9.2), so a connect before PLOCK, or a PLLCFG fed
    /// while connected, runs CCLK from the unlocked PLL. What an unlocked PLL delivers the manual does
    /// not say; we run at M × FOSC, the frequency it is locking to, and warn.
    /// </remarks>
    private void UpdateCclk(long tick)
    {
        bool connected = (_pllconActive & (PLLE | PLLC)) == (PLLE | PLLC);
        long m = (_pllcfgActive & 0x1F) + 1;
        if (connected && !_plock)
            _warn($"{_name}: the PLL is connected before PLLSTAT.PLOCK (PLLCFG = 0x{_pllcfgActive:X2}): the hardware does not ensure lock (UM10275 §3.9.2); CCLK runs unlocked, modelled as M x FOSC = {Mhz(m * _fosc.FrequencyHz)} MHz");
        _pll.Set(connected ? m : 1, 1, tick);
        CheckMamTiming();
    }

    /// <summary>
    /// UM10275 Table 35 and §4.9: MAMTIM 1 below 20 MHz, 2 up to 40 MHz, 3 above 40 MHz, 4 at 60 MHz
    /// and above. A smaller MAMTIM for the present CCLK gets one warning; flash reads still take MAMTIM.
    /// </summary>
    private void CheckMamTiming()
    {
        long cclk = CclkHz;
        uint need = cclk < 20_000_000 ? 1u : cclk <= 40_000_000 ? 2u : cclk < 60_000_000 ? 3u : 4u;
        if (Math.Max(Mam.Timing, 1u) < need)
            _warn($"{_name}: MAMTIM = {Mam.Timing} is too short for CCLK = {Mhz(cclk)} MHz: the manual asks {need} CCLKs (UM10275 Table 35); flash reads take {Math.Max(Mam.Timing, 1u)} (running as programmed)");
    }

    // ---- the bus: VPB accesses (feed sequence) and PCONP ----

    /// <summary>Base of the VPB (APB) peripherals and the end of their 2 MiB (UM10275 §2, Fig 3).</summary>
    private const uint VpbBase = 0xE000_0000, VpbEnd = 0xE020_0000;
    /// <summary>The system control block's own VPB slot (Table 3: peripheral 127, 0xE01FC000).</summary>
    private const int ScbSlot = 127;

    /// <summary>
    /// Every CPU access to a device: counts VPB accesses for the feed sequence, and refuses an access
    /// to a peripheral PCONP has turned off (§3.10.3: "valid read from a peripheral register and valid
    /// write to a peripheral register is possible only if that peripheral is enabled in the PCONP
    /// register"): bit n is VPB peripheral n (Table 3), for the bits PCONP has. A refused read returns
    /// 0, a refused write is lost; the first one per peripheral is a warning.
    /// </summary>
    private bool OnDeviceAccess(uint address, bool write)
    {
        if (address < VpbBase || address >= VpbEnd) return true;
        int n = (int)((address - VpbBase) >> 14);
        if (n == ScbSlot) return true; // this block: its register code sees its own accesses
        _vpbOtherSinceFeedAa++;
        uint bit = n == SspSlot && _part01 ? PCSSP : n < 32 ? 1u << n : 0;
        if ((bit & PconpMask) == 0 || (_pconp & bit) != 0) return true;
        if ((_pconpWarned & bit) == 0)
        {
            _pconpWarned |= bit;
            _warn($"{_name}: {(write ? "write to" : "read of")} 0x{address:X8} while PCONP bit {System.Numerics.BitOperations.TrailingZeroCount(bit)} is 0: the peripheral is turned off (UM10275 §3.10.3); reads 0, writes are lost");
        }
        return false;
    }

    private void CheckLimits()
    {
        long m = (_pllcfgActive & 0x1F) + 1, p = 1L << (int)((_pllcfgActive >> 5) & 3);
        long fosc = _fosc.FrequencyHz, cclk = m * fosc, cco = 2 * p * cclk;
        string setting = $"PLLCFG = 0x{_pllcfgActive:X2} (M = {m}, P = {p}) with FOSC = {Mhz(fosc)} MHz";
        if (cco < 156_000_000 || cco > 320_000_000)
            _warn($"{_name}: {setting} puts the PLL's CCO at {Mhz(cco)} MHz, outside the data sheet's 156-320 MHz range (running as programmed)");
        if (cclk > 60_000_000)
            _warn($"{_name}: {setting} gives CCLK = {Mhz(cclk)} MHz, above the data sheet's 60 MHz maximum (running as programmed)");
        if (fosc < 10_000_000 || fosc > 25_000_000)
            _warn($"{_name}: FOSC = {Mhz(fosc)} MHz is outside the 10-25 MHz the PLL accepts (running as programmed)");
    }

    private static string Mhz(long hz) => (hz / 1e6).ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);

    // ---- external interrupts ----

    private void ConnectEintSelect(int n, IrqLine selected)
    {
        _eintSelect[n] = selected;
        selected.Subscribe(_ => UpdateEint());
        UpdateEint();
    }

    /// <summary>Table 10: a flag is set only "if the EINTn function is selected for its pin" (PINSEL).</summary>
    private bool Selected(int n) => _eintSelect[n]?.Level ?? true;

    private void ConnectEint(int n, IrqLine pin)
    {
        _eintPins[n] = pin;
        _eintLast[n] = pin.Level;
        pin.Subscribe(level =>
        {
            bool activeHigh = ((_extpolar >> n) & 1) != 0;
            bool edgeMode = ((_extmode >> n) & 1) != 0;
            // Edge mode: the flag is set on the active edge and stays until written 1.
            if (edgeMode && Selected(n) && level != _eintLast[n] && level == activeHigh) _extint |= 1u << n;
            _eintLast[n] = level;
            UpdateEint();
        });
        UpdateEint();
    }

    private void UpdateEint()
    {
        for (int n = 0; n < 3; n++)
        {
            bool edgeMode = ((_extmode >> n) & 1) != 0;
            if (!edgeMode && Selected(n) && _eintPins[n] is { } pin)
            {
                bool activeHigh = ((_extpolar >> n) & 1) != 0;
                // Level mode: the flag follows the pin while it is active; a clear while active does not take.
                if (pin.Level == activeHigh) _extint |= 1u << n;
            }
            _eint[n].Set(((_extint >> n) & 1) != 0);
        }
        CheckWakeup();
    }
}
