using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The status and system control registers of the Versatile/PB926EJ-S at 0x10000000 (ARM DUI 0224,
/// "System control and status registers"; the offsets are those QEMU's hw/misc/arm_sysctl.c decodes
/// for the PB926): identification, switches, LEDs, the clock generators, the lock, the 100 Hz and
/// 24 MHz counters, the flags, the reset control and the configuration of the board's devices.
/// </summary>
/// <remarks>
/// Choices where the documents say nothing precise (each tested):
/// <list type="bullet">
/// <item>The counters are lazy: SYS_24MHZ is the number of rising edges of the device's own clock (the
/// board's 24 MHz reference) since the last reset, SYS_100HZ that count divided by 240 000 (a 100 Hz
/// tick derived from the same reference). Both wrap at 2^32 and restart at a reset.</item>
/// <item>SYS_LOCK reads LOCKED in bit 16 (1: locked) and the last value written in bits [15:0]; writing
/// 0xA05F unlocks, anything else locks (DUI 0224, SYS_LOCK). The lock guards SYS_OSCx and
/// SYS_RESETCTL: a write to them while locked is ignored and reported once.</item>
/// <item>SYS_RESETCTL: bits [8:0] are kept; a write with bit 8 (RESETPUSH) set while unlocked asks for
/// a reset of the whole board, as QEMU's PB926 does (the kernel's reboot writes 0x105).</item>
/// <item>SYS_NVFLAGS keep their value over a board reset (they are non-volatile); everything else
/// returns to its reset value.</item>
/// <item>Registers the board has but nothing here drives (SYS_CFGDATAx, SYS_DMAPSRx, SYS_IOSEL,
/// SYS_PLDCTLx, SYS_BUSID, SYS_OSCRESETx, SYS_CLCDSER, SYS_BOOTCS, SYS_MISC) keep what is written;
/// the read-only test oscillator counters SYS_TEST_OSCx read 0; offsets the block does not decode
/// read 0, ignore writes and are reported once each.</item>
/// </list>
/// </remarks>
public sealed class VersatileSysRegs : IBusDevice, IDeviceModel, IStateful
{
    /// <summary>The Versatile status and system control registers, a 4 KiB window clocked by the 24 MHz reference.</summary>
    public static DeviceType Type { get; } = DeviceType.Define<VersatileSysRegs>("versatile_sysregs",
            "ARM Versatile/PB926EJ-S status and system control registers (SYS_ID, SYS_LOCK, SYS_24MHZ, SYS_RESETCTL...)")
        .Window(PrimeCell.Window)
        .Parameter("sysId", 0x41007004L, "SYS_ID: manufacturer, board, build, architecture and FPGA revision (QEMU's versatilepb value)")
        .Parameter("procId", 0x02000000L, "SYS_PROCID0: the core tile's identification")
        .Parameter("switches", 0L, "SYS_SW: the general purpose switches S6 [7:0]")
        .Signals((d, s) =>
        {
            s.Sampled("LED", 8, () => d._led, 0);
            s.Sampled("FLAGS", 32, () => d._flags, 0);
        })
        .Build(c => new VersatileSysRegs(c.Name, c.Scheduler, c.Clock, (uint)c.Parameter<long>("sysId"), (uint)c.Parameter<long>("procId"),
            (uint)c.Parameter<long>("switches"), c.Warn, c.RequestSystemReset));

    // Offsets (DUI 0224 "Status and system control register map").
    public const uint SYS_ID = 0x00, SYS_SW = 0x04, SYS_LED = 0x08;
    public const uint SYS_OSC0 = 0x0C, SYS_OSC4 = 0x1C, SYS_LOCK = 0x20, SYS_100HZ = 0x24;
    public const uint SYS_CFGDATA1 = 0x28, SYS_CFGDATA2 = 0x2C;
    public const uint SYS_FLAGS = 0x30, SYS_FLAGSSET = 0x30, SYS_FLAGSCLR = 0x34;
    public const uint SYS_NVFLAGS = 0x38, SYS_NVFLAGSSET = 0x38, SYS_NVFLAGSCLR = 0x3C;
    public const uint SYS_RESETCTL = 0x40, SYS_PCICTL = 0x44, SYS_MCI = 0x48, SYS_FLASH = 0x4C;
    public const uint SYS_CLCD = 0x50, SYS_CLCDSER = 0x54, SYS_BOOTCS = 0x58, SYS_24MHZ = 0x5C, SYS_MISC = 0x60;
    public const uint SYS_DMAPSR0 = 0x64, SYS_IOSEL = 0x70, SYS_PLDCTL1 = 0x74, SYS_PLDCTL2 = 0x78, SYS_BUSID = 0x80;
    public const uint SYS_PROCID0 = 0x84, SYS_PROCID1 = 0x88, SYS_OSCRESET0 = 0x8C, SYS_OSCRESET4 = 0x9C;
    public const uint SYS_TEST_OSC0 = 0xC0, SYS_TEST_OSC4 = 0xD0;

    public const uint LockValue = 0xA05F;
    /// <summary>SYS_LOCK[16]: the guarded registers are locked.</summary>
    public const uint Locked = 1u << 16;
    /// <summary>SYS_RESETCTL[8]: pushes the board reset.</summary>
    public const uint ResetPush = 1u << 8;
    /// <summary>SYS_CLCD[13:8], read-only: CLCDID 0x1F (a VGA display), as QEMU reports.</summary>
    public const uint ClcdIdMask = 0x3F00, ClcdReset = 0x1F00;
    /// <summary>24 MHz edges per SYS_100HZ count.</summary>
    public const long EdgesPer100Hz = 240_000;

    private readonly string _name;
    private readonly Scheduler _s;
    private readonly ClockDomain _ref;
    private readonly uint _sysId, _procId, _switches;
    private readonly Action<string> _warn;
    private readonly Action<string> _requestReset;

    private uint _led, _lock, _flags, _nvFlags, _resetCtl, _clcd = ClcdReset, _cfgData1, _cfgData2;
    private readonly uint[] _osc = new uint[5];
    private readonly uint[] _plain = new uint[0x40]; // SYS_CLCDSER.. SYS_OSCRESETx: kept as written, by word index
    private long _edgeAtReset;

    public VersatileSysRegs(string name, Scheduler scheduler, ClockDomain reference, uint sysId, uint procId, uint switches,
        Action<string> warn, Action<string> requestReset)
    {
        _name = name;
        _s = scheduler;
        _ref = reference;
        _sysId = sysId;
        _procId = procId;
        _switches = switches;
        _warn = warn;
        _requestReset = requestReset;
        Reset();
    }

    public bool IsLocked => _lock != LockValue;
    /// <summary>SYS_LED[7:0]: the eight user LEDs.</summary>
    public uint Leds => _led;

    /// <summary>The 24 MHz counter now: rising edges of the reference since the last reset.</summary>
    public uint Counter24MHz => (uint)(_ref.EdgesAt(_s.Now) - _edgeAtReset);
    public uint Counter100Hz => (uint)((_ref.EdgesAt(_s.Now) - _edgeAtReset) / EdgesPer100Hz);

    public void Reset()
    {
        _led = 0;
        _lock = 0;
        _flags = 0;
        _resetCtl = 0;
        _clcd = ClcdReset;
        _cfgData1 = _cfgData2 = 0;
        Array.Clear(_osc);
        Array.Clear(_plain);
        _edgeAtReset = _ref.EdgesAt(_s.Now);
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = PrimeCell.Offset(address);
        return PrimeCell.NarrowRead(ReadRegister(off), address, size);
    }

    private uint ReadRegister(uint off)
    {
        switch (off)
        {
            case SYS_ID: return _sysId;
            case SYS_SW: return _switches;
            case SYS_LED: return _led;
            case >= SYS_OSC0 and <= SYS_OSC4: return _osc[(off - SYS_OSC0) >> 2];
            case SYS_LOCK: return (IsLocked ? Locked : 0) | (_lock & 0xFFFF);
            case SYS_100HZ: return Counter100Hz;
            case SYS_CFGDATA1: return _cfgData1;
            case SYS_CFGDATA2: return _cfgData2;
            case SYS_FLAGS: return _flags;
            case SYS_NVFLAGS: return _nvFlags;
            case SYS_FLAGSCLR or SYS_NVFLAGSCLR: return 0; // write-only
            case SYS_RESETCTL: return _resetCtl;
            case SYS_PCICTL: return 1; // a PCI backplane is present (as QEMU reports)
            case SYS_MCI: return 0;    // no card in either MMC socket
            case SYS_FLASH: return _plain[off >> 2];
            case SYS_CLCD: return _clcd;
            case SYS_24MHZ: return Counter24MHz;
            case SYS_PROCID0: return _procId;
            case SYS_PROCID1: return 0xFF000000; // no second core tile
            case >= SYS_TEST_OSC0 and <= SYS_TEST_OSC4: return 0;
            case SYS_CLCDSER or SYS_BOOTCS or SYS_MISC or (>= SYS_DMAPSR0 and <= SYS_PLDCTL2) or SYS_BUSID or (>= SYS_OSCRESET0 and <= SYS_OSCRESET4):
                return _plain[off >> 2];
        }
        _warn($"{_name}: read of offset 0x{off:X3}, which the system registers do not decode (reads 0)");
        return 0;
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = PrimeCell.Offset(address);
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case SYS_LED: _led = value & 0xFF; return;
            case >= SYS_OSC0 and <= SYS_OSC4:
                if (Guarded("SYS_OSC" + ((off - SYS_OSC0) >> 2))) _osc[(off - SYS_OSC0) >> 2] = value;
                return;
            case SYS_LOCK: _lock = value & 0xFFFF; return;
            case SYS_CFGDATA1: _cfgData1 = value; return;
            case SYS_CFGDATA2: _cfgData2 = value; return;
            case SYS_FLAGSSET: _flags |= value; return;
            case SYS_FLAGSCLR: _flags &= ~value; return;
            case SYS_NVFLAGSSET: _nvFlags |= value; return;
            case SYS_NVFLAGSCLR: _nvFlags &= ~value; return;
            case SYS_RESETCTL:
                if (!Guarded("SYS_RESETCTL")) return;
                _resetCtl = value & 0x1FF;
                if ((value & ResetPush) != 0)
                    _requestReset($"{_name}: SYS_RESETCTL written 0x{value:X} (RESETPUSH) after SYS_LOCK was unlocked");
                return;
            case SYS_CLCD: _clcd = (_clcd & ClcdIdMask) | (value & ~ClcdIdMask); return;
            case SYS_ID or SYS_SW or SYS_100HZ or SYS_PCICTL or SYS_MCI or SYS_24MHZ or SYS_PROCID0 or SYS_PROCID1 or (>= SYS_TEST_OSC0 and <= SYS_TEST_OSC4):
                return; // read-only
            case SYS_FLASH or SYS_CLCDSER or SYS_BOOTCS or SYS_MISC or (>= SYS_DMAPSR0 and <= SYS_PLDCTL2) or SYS_BUSID or (>= SYS_OSCRESET0 and <= SYS_OSCRESET4):
                _plain[off >> 2] = value;
                return;
        }
        _warn($"{_name}: write to offset 0x{off:X3}, which the system registers do not decode (ignored)");
    }

    private bool Guarded(string register)
    {
        if (!IsLocked) return true;
        _warn($"{_name}: write to {register} while SYS_LOCK is locked (ignored; unlock with 0x{LockValue:X4} first)");
        return false;
    }

    /// <summary>Every register, and the 24 MHz edge the counters restarted at.</summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_led);
        w.Write(_lock);
        w.Write(_flags);
        w.Write(_nvFlags);
        w.Write(_resetCtl);
        w.Write(_clcd);
        w.Write(_cfgData1);
        w.Write(_cfgData2);
        w.Write(_osc);
        w.Write(_plain);
        w.Write(_edgeAtReset);
    }

    public void LoadState(StateReader r)
    {
        _led = r.ReadUInt();
        _lock = r.ReadUInt();
        _flags = r.ReadUInt();
        _nvFlags = r.ReadUInt();
        _resetCtl = r.ReadUInt();
        _clcd = r.ReadUInt();
        _cfgData1 = r.ReadUInt();
        _cfgData2 = r.ReadUInt();
        r.ReadUIntArray(_osc.Length).CopyTo(_osc, 0);
        r.ReadUIntArray(_plain.Length).CopyTo(_plain, 0);
        _edgeAtReset = r.ReadLong();
    }
}
