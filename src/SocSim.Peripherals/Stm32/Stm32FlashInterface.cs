using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals.Stm32;

/// <summary>
/// The STM32F10x flash memory interface (RM0008 §3.3.3 "Embedded Flash memory", and the FPEC
/// registers of PM0075 §3) at 0x40022000: FLASH_ACR's LATENCY, HLFCYA and prefetch buffer, and the
/// time every CPU read of the main flash takes through it. It serves the flash region as its memory
/// controller (<see cref="ITimedMemory"/>): the core's I-Code fetches and D-Code reads of the flash
/// cost what <see cref="Clocks"/> says, in HCLK cycles.
/// </summary>
/// <remarks>
/// Timing model (RM0008 §3.3.3 "Read interface"; where it is silent, the choice is written here and tested):
/// <list type="bullet">
/// <item>The flash is read 64 bits (one line, 8 bytes) at a time; a read takes 1 + LATENCY HCLK
/// cycles ("the number of wait states (LATENCY) must be correctly programmed", zero, one or two).</item>
/// <item>Prefetch off (PRFTBE = 0): every CPU read (an I-Code word fetch, a D-Code literal load) is a
/// flash read: 1 + LATENCY cycles.</item>
/// <item>Prefetch on: the buffer holds two lines ("2 × 64 bits"): the current block (the last the
/// CPU fetched from) and the next one. An I-Code fetch from the current block costs 1 cycle; from the
/// next block, the rest of its read (at least 1), and it becomes the current block; from any other line,
/// a flash read (1 + LATENCY) that abandons a prefetch in progress (choice: the demand read is served
/// first). Each time the current block changes, the block after it is read into the other half of the
/// buffer as soon as the flash is free ("when the current block is read by the CPU, the next block is
/// loaded"). So a loop within one 8-byte line runs from the buffer; a loop back to an earlier line misses.</item>
/// <item>D-Code reads (literal pools, constants) are not buffered: 1 + LATENCY each. D-Code has priority
/// on the flash: a prefetch in progress is abandoned (choice: RM0008 does not say whether it resumes;
/// the next fetch that misses reads again).</item>
/// <item>HLFCYA (half-cycle access) saves power and changes no cycle count; RM0008 allows it only below
/// 8 MHz with SYSCLK = HCLK: otherwise a warning.</item>
/// <item>LATENCY smaller than the SYSCLK needs (0 up to 24 MHz, 1 up to 48, 2 up to 72) is one warning
/// and runs as programmed (the chip would read garbage; the model reads correctly). LATENCY 3-7 are
/// reserved: warning, taken as written (1 + LATENCY cycles).</item>
/// <item>PRFTBS follows PRFTBE at once. RM0008 allows switching the prefetch only "when SYSCLK is lower
/// than 24 MHz and no prescaler is applied on the AHB clock": otherwise a warning, the change is made.</item>
/// <item>Programming and erasing (KEYR, CR.PG/PER/MER/OPTPG/OPTER, AR) are registers only: the unlock
/// sequence clears CR.LOCK, but a program or erase request is warned about and changes no flash byte.</item>
/// </list>
/// Writes to the flash region change nothing (a program operation is needed on the chip). The alias at 0
/// (parameter <c>alias</c>: BOOT0 = 0, boot from main flash, RM0008 §3.4) shows the same bytes, through the
/// same buffer: a fetch at 0x00000100 and one at 0x08000100 read the same block.
/// </remarks>
public sealed class Stm32FlashInterface : IBusDevice, IDeviceModel, IStateful, ITimedMemory
{
    public const uint ACR = 0x00, KEYR = 0x04, OPTKEYR = 0x08, SR = 0x0C, CR = 0x10, AR = 0x14, OBR = 0x1C, WRPR = 0x20;
    public const uint HLFCYA = 1u << 3, PRFTBE = 1u << 4, PRFTBS = 1u << 5;
    public const uint AcrReset = PRFTBE | PRFTBS;
    public const uint LOCK = 1u << 7, OPTWRE = 1u << 9;
    public const uint Key1 = 0x4567_0123, Key2 = 0xCDEF_89AB;
    private const int LineShift = 3;

    public static DeviceType Type { get; } = DeviceType.Define<Stm32FlashInterface>("stm32f1_flash",
            "STM32F10x flash interface (RM0008 §3.3.3): FLASH_ACR wait states, prefetch buffer and half-cycle access timing every CPU read of the main flash")
        .Window(0x400)
        .Parameter("flash", "flash", "the memory region of the main flash (0x08000000) this interface serves")
        .Parameter("part", "f103", "f103: LATENCY 0-2 and the prefetch buffer (RM0008 §3.3.3); f100: the value line's flash, read with zero wait states and no prefetch buffer (RM0041 §3.3.3: FLASH_ACR has HLFCYA only)")
        .Parameter("alias", "", "a region of the flash's size where the BOOT pins alias the flash (boot from main flash: \"boot\" at 0x00000000); it shows the flash's bytes and is timed as the flash; empty: none")
        .Signals((f, b) =>
        {
            b.Sampled("LATENCY", 3, () => f._acr & 7, 0);
            b.Sampled("PRFTBS", 1, () => (f._acr >> 5) & 1, 0);
        })
        .Build(c => new Stm32FlashInterface(c));

    private readonly string _name;
    private readonly Scheduler _s;
    private readonly Action<string> _warn;
    private readonly ClockDomain _hclk;
    private MemoryRegion? _flash, _alias;
    private readonly bool _f100;

    private uint _acr, _cr, _sr, _ar, _keyState, _optKeyState;
    // The prefetch buffer's two blocks: the current one (the last the CPU fetched from) and the next, with
    // the cycle its read ends (-1: none); and the cycle the flash finishes its present read.
    private long _current = -1, _next = -1, _nextDone, _flashFree;

    public Stm32FlashInterface(DeviceContext c)
    {
        _name = c.Name;
        _s = c.Scheduler;
        _warn = c.Warn;
        _hclk = c.Clock;
        _hclk.Changed += (_, _) => CheckLatency();
        string part = c.Parameters.TryGetValue("part", out var p) ? (string)p : "f103";
        if (part != "f103" && part != "f100") throw new ArgumentException($"{c.Name}: part must be \"f103\" or \"f100\", not \"{part}\"");
        _f100 = part == "f100";
        if (c.Bus != null)
        {
            string region = c.Parameter<string>("flash");
            if (c.Bus.FindRegion(region) == null)
                throw new ArgumentException($"{c.Name}: no memory region named '{region}' for the flash interface (set parameters.flash)");
            _flash = c.Bus.SetController(region, this);
            string alias = c.Parameter<string>("alias");
            if (alias.Length > 0)
            {
                if (c.Bus.FindRegion(alias) == null)
                    throw new ArgumentException($"{c.Name}: no memory region named '{alias}' for the flash alias (parameters.alias)");
                _alias = c.Bus.SetController(alias, this);
                try { _alias.ShareStorageOf(_flash); }
                catch (ArgumentException e) { throw new ArgumentException($"{c.Name}: {e.Message}"); }
            }
        }
        Reset();
        if (_f100) _acr = 0;
    }

    /// <summary>A flash interface on its own (device tests): serving no region.</summary>
    public Stm32FlashInterface(string name, Scheduler scheduler, ClockDomain hclk, Action<string> warn)
    {
        _name = name;
        _s = scheduler;
        _warn = warn;
        _hclk = hclk;
        _hclk.Changed += (_, _) => CheckLatency();
        Reset();
    }

    public string Name => _name;
    public uint Latency => _acr & 7;
    public bool PrefetchEnabled => (_acr & PRFTBE) != 0;
    /// <summary>Flash line reads so far (demand and prefetch).</summary>
    public long FlashReads { get; private set; }

    public void Reset()
    {
        _acr = _f100 ? 0 : AcrReset;
        _cr = LOCK;
        _sr = _ar = 0;
        _keyState = _optKeyState = 0;
        Invalidate();
    }

    private void Invalidate()
    {
        _current = _next = -1;
        _flashFree = 0;
    }

    public void SaveState(StateWriter w)
    {
        foreach (uint v in new[] { _acr, _cr, _sr, _ar, _keyState, _optKeyState }) w.Write(v);
        foreach (long v in new[] { _current, _next, _nextDone, _flashFree, FlashReads }) w.Write(v);
    }

    public void LoadState(StateReader r)
    {
        _acr = r.ReadUInt(); _cr = r.ReadUInt(); _sr = r.ReadUInt(); _ar = r.ReadUInt(); _keyState = r.ReadUInt(); _optKeyState = r.ReadUInt();
        _current = r.ReadLong(); _next = r.ReadLong(); _nextDone = r.ReadLong(); _flashFree = r.ReadLong();
        FlashReads = r.ReadLong();
    }

    // ---- registers ----

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0x3FC;
        uint v = off switch
        {
            ACR => _acr,
            KEYR or OPTKEYR or AR => 0,
            SR => _sr,
            CR => _cr,
            OBR => 0x03FF_FFFC, // no read protection, option bytes erased (PM0075 §3.3.7)
            WRPR => 0xFFFF_FFFF,
            _ => Reserved(off, "read"),
        };
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0x3FC;
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case ACR: WriteAcr(value); break;
            case KEYR:
                // PM0075 §3.3.2: KEY1 then KEY2 unlocks the FPEC; a wrong sequence locks it until reset (bus error on the chip: warned).
                if (_keyState == 0 && value == Key1) _keyState = 1;
                else if (_keyState == 1 && value == Key2) { _keyState = 0; _cr &= ~LOCK; }
                else { _keyState = 2; _warn($"{_name}: FLASH_KEYR = 0x{value:X8} is not the unlock sequence (PM0075 §3.3.2): the FPEC stays locked until reset"); }
                break;
            case OPTKEYR:
                if (_optKeyState == 0 && value == Key1) _optKeyState = 1;
                else if (_optKeyState == 1 && value == Key2 && (_cr & LOCK) == 0) { _optKeyState = 0; _cr |= OPTWRE; }
                else _optKeyState = 0;
                break;
            case SR: _sr &= ~(value & 0x34); break; // EOP, WRPRTERR, PGERR: write 1 to clear
            case CR:
                if ((_cr & LOCK) != 0) { _warn($"{_name}: write to FLASH_CR while it is locked (PM0075 §3.3.5) ignored"); break; }
                _cr = (value & 0x1677) | (_cr & OPTWRE & value) | (value & LOCK);
                if ((value & 0x77) != 0)
                    _warn($"{_name}: FLASH_CR = 0x{value:X4} asks to program or erase the flash: not modelled (the flash keeps its contents)");
                break;
            case AR: _ar = value; break;
            case OBR or WRPR: break; // read-only
            default: Reserved(off, "write"); break;
        }
    }

    private uint Reserved(uint off, string what) => Stm32Reserved.Access(_warn, _name, "flash interface", off, what);

    private void WriteAcr(uint value)
    {
        if (_f100)
        {
            // RM0041 §3.3.3: zero wait states, no prefetch buffer; only HLFCYA exists.
            if ((value & (7 | PRFTBE)) != 0 && (value & (7 | PRFTBE)) != PRFTBE)
                _warn($"{_name}: FLASH_ACR = 0x{value:X2}: the value line's flash has no wait states (RM0041 §3.3.3): LATENCY is reserved and ignored");
            _acr = value & HLFCYA;
            return;
        }
        uint old = _acr;
        uint latency = value & 7;
        if (latency > 2) _warn($"{_name}: FLASH_ACR.LATENCY = {latency} is reserved (RM0008 §3.3.3: 0, 1 or 2); taken as {latency} wait states");
        bool prefetch = (value & PRFTBE) != 0;
        if (prefetch != ((old & PRFTBE) != 0) && (_hclk.FrequencyHz >= 24_000_000))
            _warn($"{_name}: the prefetch buffer is switched {(prefetch ? "on" : "off")} at {Mhz(_hclk.FrequencyHz)} MHz: RM0008 §3.3.3 allows it only below 24 MHz with no AHB prescaler (done as programmed)");
        if ((value & HLFCYA) != 0 && _hclk.FrequencyHz > 8_000_000)
            _warn($"{_name}: FLASH_ACR.HLFCYA at {Mhz(_hclk.FrequencyHz)} MHz: RM0008 §3.3.3 allows the half-cycle access only below 8 MHz (no cycle changes either way)");
        _acr = (value & (7 | HLFCYA | PRFTBE)) | (prefetch ? PRFTBS : 0);
        if ((old ^ _acr) != 0) Invalidate();
        CheckLatency();
    }

    /// <summary>RM0008 §3.3.3: zero wait states for 0 &lt; SYSCLK ≤ 24 MHz, one for 24 &lt; SYSCLK ≤ 48 MHz, two for 48 &lt; SYSCLK ≤ 72 MHz.</summary>
    public static uint LatencyNeeded(long hz) => hz <= 24_000_000 ? 0u : hz <= 48_000_000 ? 1u : 2u;

    private void CheckLatency()
    {
        if (_f100) return;
        long hz = _hclk.FrequencyHz;
        uint need = LatencyNeeded(hz);
        if (Latency < need)
            _warn($"{_name}: FLASH_ACR.LATENCY = {Latency} is too small for SYSCLK = {Mhz(hz)} MHz: RM0008 §3.3.3 asks {need} wait states (running as programmed)");
    }

    private static string Mhz(long hz) => (hz / 1e6).ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);

    // ---- the flash, timed ----

    public MemoryRegion Region => _flash ?? throw new InvalidOperationException($"{_name} serves no flash region");
    public uint DirectFrom => Region.Base;
    /// <summary>A demand read costs 1 + LATENCY (8 at most); a fetch waiting for its prefetch waits less than one read.</summary>
    public int MaxClocks => 1 + 7;

    uint IMemoryController.Read(uint address, int size, AccessFlags flags, ref bool abort, out int clocks)
    {
        clocks = Clocks(address, size, flags, _s.Cycles);
        return (_alias != null && _alias.Contains(address) ? _alias : Region).Read(address, size, flags, ref abort);
    }

    void IMemoryController.Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) { }

    /// <summary>
    /// The HCLK cycles a CPU read of the flash at <paramref name="address"/> starting at cycle
    /// <paramref name="now"/> takes: an I-Code fetch (<see cref="AccessFlags.Code"/>, one call per
    /// 32-bit word the core fetches) or a D-Code read; advances the prefetch buffer.
    /// </summary>
    public int Clocks(uint address, int size, AccessFlags flags, long now)
    {
        uint offset = _alias != null && _alias.Contains(address) ? address - _alias.Base : address - (_flash?.Base ?? 0);
        long line = offset >> LineShift;
        return (flags & AccessFlags.Code) != 0 ? Fetch(line, now) : Data(now);
    }

    private int ReadCycles => _f100 ? 1 : 1 + (int)Latency;

    private int Fetch(long line, long now)
    {
        if (!PrefetchEnabled)
        {
            FlashReads++;
            return ReadCycles;
        }
        int cost;
        if (line == _current) cost = 1;
        else if (line == _next)
        {
            // Prefetched (or being prefetched): served when its read ends, at least 1 cycle.
            cost = (int)Math.Max(1, _nextDone - now);
            _current = line;
            _next = -1;
        }
        else
        {
            // A miss: a prefetch in progress is abandoned, the line is read now.
            FlashReads++;
            cost = ReadCycles;
            _current = line;
            _next = -1;
            _flashFree = now + cost;
        }
        if (_next != _current + 1)
        {
            // The block after the current one is read into the other half of the buffer as soon as the flash is free.
            FlashReads++;
            _next = _current + 1;
            _nextDone = Math.Max(now + cost, _flashFree) + ReadCycles;
            _flashFree = _nextDone;
        }
        return cost;
    }

    private int Data(long now)
    {
        FlashReads++;
        if (_next >= 0 && _nextDone > now) _next = -1;
        _flashFree = now + ReadCycles;
        return ReadCycles;
    }

    private long _mCurrent, _mNext, _mDone, _mFree, _mReads;

    public void Mark()
    {
        _mCurrent = _current; _mNext = _next; _mDone = _nextDone; _mFree = _flashFree; _mReads = FlashReads;
    }

    public void Rollback()
    {
        _current = _mCurrent; _next = _mNext; _nextDone = _mDone; _flashFree = _mFree; FlashReads = _mReads;
    }
}
