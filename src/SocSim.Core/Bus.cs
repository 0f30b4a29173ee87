using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SocSim.Core;

/// <summary>
/// The system bus. RAM and ROM pages are reached through a page table of raw pointers (the fast path);
/// everything else — devices, partial pages, unmapped space — goes through <see cref="SlowRead"/>.
/// Every access adds its cost in clocks to <see cref="Scheduler.Cycles"/>, from the wait states and
/// bus width of the region it hits. An access the slow path marks as aborting sets <see cref="Aborted"/>,
/// which the CPU turns into a prefetch or data abort.
/// </summary>
public sealed unsafe class Bus : IDisposable
{
    public const int PageShift = 12;
    public const uint PageMask = (1u << PageShift) - 1;
    private const int PageCount = 1 << (32 - PageShift);
    private const int MaxTimings = 256;

    private readonly Scheduler _s;
    private byte** _readPages;
    private byte** _writePages;
    private byte* _pageTiming;
    // Clocks per access: index (timing << 4) | (write << 3) | (seq << 2) | log2(size).
    // Pinned: translated code reads it through CostTable.
    private readonly int[] _cost = GC.AllocateArray<int>(MaxTimings * 16, pinned: true);
    private int _timingCount = 1;
    private readonly List<Mapping> _mappings = new();
    private IBusObserver? _observer;

    // Clocks a memory controller charged for the slow-path read in progress (0: the mapping's table cost).
    private int _slowCost;

    /// <summary>Set by the slow path when the addressed slave signals ABORT. The CPU clears it.</summary>
    public bool Aborted;

    /// <summary>nTRANS: whether the CPU's accesses are privileged. The CPU updates it on mode changes.</summary>
    public bool Privileged = true;

    /// <summary>When true, an access to an address no region or device claims aborts.</summary>
    public bool UnmappedAborts = true;

    /// <summary>Catch-all device for addresses nothing else claims (test harnesses use it).</summary>
    public IBusDevice? DefaultDevice { get; set; }

    /// <summary>
    /// Called on the slow path for every CPU access that aborts (nothing mapped there, or a device
    /// refused it), with its address, size in bytes and flags (<see cref="AccessFlags.Code"/> for a
    /// fetch, <see cref="AccessFlags.Write"/> for a write): for warnings. Null costs nothing.
    /// </summary>
    public Action<uint, int, AccessFlags>? AccessAborted { get; set; }

    /// <summary>
    /// CPU accesses a device (not RAM or ROM) served without aborting, counted on the slow path: a
    /// sign of progress for the stuck-core detector (<c>StuckDetector</c>).
    /// </summary>
    public long DeviceAccesses { get; private set; }

    /// <summary>
    /// Called before every CPU access that reaches a device (not a memory region or a memory
    /// controller) with its address and whether it writes; false refuses it, as a slave whose clock
    /// is gated off: a refused read returns 0, a refused write changes nothing. A system controller
    /// uses it to see every peripheral access (a feed sequence's "consecutive bus cycles") and to
    /// gate peripherals' clocks. Null (the default) costs one test on the device path only.
    /// </summary>
    public Func<uint, bool, bool>? DeviceAccessFilter { get; set; }

    public Bus(Scheduler scheduler)
    {
        _s = scheduler;
        _readPages = (byte**)NativeMemory.AllocZeroed((nuint)PageCount, (nuint)sizeof(byte*));
        _writePages = (byte**)NativeMemory.AllocZeroed((nuint)PageCount, (nuint)sizeof(byte*));
        _pageTiming = (byte*)NativeMemory.AllocZeroed((nuint)PageCount);
        // Timing 0: unmapped space and the default device, zero wait states on a 32-bit bus.
        SetTiming(0, WaitStates.Zero, 32);
    }

    public Scheduler Scheduler => _s;
    public IReadOnlyList<Mapping> Mappings => _mappings;

    public sealed record Mapping(string Name, uint Base, uint Size, IBusDevice Device, WaitStates WaitStates, int BusWidth, MemoryRegion? Region)
    {
        public ulong End => (ulong)Base + Size;
        public bool Contains(uint a) => a >= Base && a - Base < Size;
        /// <summary>A controller in front of a region (a flash accelerator): it serves the accesses and times them.</summary>
        public IMemoryController? Controller { get; internal set; }
    }

    /// <summary>
    /// Puts <paramref name="controller"/> in front of RAM/ROM region <paramref name="regionName"/>: its
    /// pages leave the fast path, and every CPU access there is served and timed by the controller
    /// (memory whose timing has state, like the LPC2000 MAM, or whose contents are remapped).
    /// </summary>
    public MemoryRegion SetController(string regionName, IMemoryController controller)
    {
        var m = FindRegionMapping(regionName)
            ?? throw new ArgumentException($"no memory region named '{regionName}' (regions: {string.Join(", ", _mappings.Where(x => x.Region != null).Select(x => x.Name))})");
        m.Controller = controller;
        // Its timing has state: never translated with fixed costs (see IsTranslatable); translated with
        // the controller's own model when it offers one (ITimedMemory, TimedMemoryAt).
        m.Region!.StatefulTiming = true;
        for (ulong p = m.Base >> PageShift; p <= ((m.End - 1) >> PageShift); p++)
        {
            _readPages[p] = null;
            _writePages[p] = null;
        }
        MappingChanged?.Invoke();
        return m.Region;
    }

    /// <summary>The RAM/ROM region named <paramref name="name"/> (names compare case-insensitively), if any.</summary>
    public MemoryRegion? FindRegion(string name) => FindRegionMapping(name)?.Region;

    private Mapping? FindRegionMapping(string name) =>
        _mappings.FirstOrDefault(x => x.Region != null && string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase));

    public IBusObserver? Observer => _observer;

    /// <summary>Subscribes to every bus clock. One observer at a time; combine them with a fan-out.</summary>
    public void Subscribe(IBusObserver? observer)
    {
        _observer = observer;
        MappingChanged?.Invoke();
    }

    /// <summary>
    /// Raised when anything a cached fast path depends on changes: the map or the observer. The CPU
    /// caches the page it fetches from and drops that cache here.
    /// </summary>
    public event Action? MappingChanged;

    /// <summary>
    /// The host pointer of the RAM/ROM page holding <paramref name="address"/> and the clocks a
    /// non-sequential and a sequential opcode fetch of <paramref name="size"/> bytes cost there, for a
    /// CPU that fetches from the page without calling the bus. Refused (false) while an observer is
    /// subscribed, so that every access stays visible, and for device pages.
    /// </summary>
    public bool TryGetFetchPage(uint address, int size, out byte* page, out int costN, out int costS)
    {
        uint p = address >> PageShift;
        page = _readPages[p];
        int t = _pageTiming[p] << 4;
        costN = _cost[t | (size >> 1)];
        costS = _cost[t | 4 | (size >> 1)];
        return page != null && _observer == null;
    }

    // ---- for translated code: the fast path's tables, read the same way the accessors above read them ----

    /// <summary>Page table of readable RAM/ROM pages (null = slow path). Stable for the bus's lifetime; entries change only with <see cref="MappingChanged"/>.</summary>
    public byte** ReadPageTable => _readPages;
    /// <summary>Page table of writable RAM pages (null = slow path: ROM, devices).</summary>
    public byte** WritePageTable => _writePages;
    /// <summary>Timing index per page; the cost of an access is <c>CostTable[(timing &lt;&lt; 4) | (write &lt;&lt; 3) | (seq &lt;&lt; 2) | log2(size)]</c>.</summary>
    public byte* PageTimingTable => _pageTiming;
    public int* CostTable => (int*)Unsafe.AsPointer(ref _cost[0]);

    /// <summary>
    /// Whether code at <paramref name="address"/> may be executed by translated code: RAM or ROM on the
    /// fast path whose timing is a function of the access kind alone (not <see cref="MemoryRegion.StatefulTiming"/>).
    /// </summary>
    public bool IsTranslatable(uint address) =>
        _readPages[address >> PageShift] != null && FindMapping(address)?.Region is { StatefulTiming: false };

    /// <summary>
    /// The controller of the region holding <paramref name="address"/> when it offers its timing to
    /// translated code (<see cref="ITimedMemory"/>); null elsewhere and while an observer is subscribed
    /// (translated code makes no bus cycles an observer could see).
    /// </summary>
    public ITimedMemory? TimedMemoryAt(uint address) =>
        _observer == null ? FindMapping(address)?.Controller as ITimedMemory : null;

    /// <summary>Tells the fast-path caches (fetch page, translations) that something they depend on changed.</summary>
    public void NotifyMappingChanged() => MappingChanged?.Invoke();

    public void AddRegion(MemoryRegion region)
    {
        int timing = AddMapping(new Mapping(region.Name, region.Base, region.Size, region, region.WaitStates, region.BusWidth, region));
        // Whole pages go on the fast path; a region's partial first or last page stays on the slow path.
        ulong first = ((ulong)region.Base + PageMask) >> PageShift;
        ulong last = region.End >> PageShift;
        for (ulong p = first; p < last; p++)
        {
            byte* ptr = region.Data + ((p << PageShift) - region.Base);
            _readPages[p] = ptr;
            _writePages[p] = region.Kind == RegionKind.Ram ? ptr : null;
        }
        MarkTiming(region.Base, region.Size, timing);
    }

    public void AddDevice(string name, uint baseAddress, uint size, IBusDevice device, WaitStates waitStates, int busWidth = 32)
    {
        int timing = AddMapping(new Mapping(name, baseAddress, size, device, waitStates, busWidth, null));
        MarkTiming(baseAddress, size, timing);
    }

    private int AddMapping(Mapping m)
    {
        if (m.Size == 0) throw new ArgumentException($"'{m.Name}' has size 0");
        if (m.End > 0x1_0000_0000UL) throw new ArgumentException($"'{m.Name}' extends past 4 GiB");
        foreach (var o in _mappings)
            if (m.Base < o.End && o.Base < m.End)
                throw new ArgumentException($"'{m.Name}' (0x{m.Base:X8}-0x{m.End - 1:X8}) overlaps '{o.Name}' (0x{o.Base:X8}-0x{o.End - 1:X8})");
        if (_timingCount >= MaxTimings)
            throw new ArgumentException($"'{m.Name}': more than {MaxTimings} memory regions and peripherals on one bus (each has its own row of the bus's timing table)");
        _mappings.Add(m);
        _mappings.Sort((a, b) => a.Base.CompareTo(b.Base));
        MappingChanged?.Invoke();
        int t = _timingCount++;
        SetTiming(t, m.WaitStates, m.BusWidth);
        return t;
    }

    private void SetTiming(int t, WaitStates ws, int width)
    {
        for (int w = 0; w < 2; w++)
            for (int seq = 0; seq < 2; seq++)
                for (int sz = 0; sz < 3; sz++)
                    _cost[(t << 4) | (w << 3) | (seq << 2) | sz] = AccessCost.Clocks(ws, width, w == 1, seq == 1, 1 << sz);
    }

    private void MarkTiming(uint baseAddress, uint size, int timing)
    {
        // A page shared by two mappings takes the timing of the later one; accesses there resolve the
        // mapping on the slow path anyway, and mapped sizes are page multiples on real boards.
        for (ulong p = baseAddress >> PageShift; p <= (((ulong)baseAddress + size - 1) >> PageShift); p++)
            _pageTiming[p] = (byte)timing;
    }

    public Mapping? FindMapping(uint address)
    {
        int lo = 0, hi = _mappings.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            var m = _mappings[mid];
            if (address < m.Base) hi = mid - 1;
            else if (address - m.Base >= m.Size) lo = mid + 1;
            else return m;
        }
        return null;
    }

    /// <summary>The clocks an access of this kind would cost at <paramref name="address"/>.</summary>
    public int CostOf(uint address, int size, bool write, bool seq) =>
        _cost[(_pageTiming[address >> PageShift] << 4) | (write ? 8 : 0) | (seq ? 4 : 0) | (size >> 1)];

    // ---- CPU accesses: timed, observed ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Read32(uint address, AccessFlags flags)
    {
        uint page = address >> PageShift;
        byte* p = _readPages[page];
        int cost = _cost[(_pageTiming[page] << 4) | (((int)flags & 1) << 2) | 2];
        uint v;
        if (p != null) v = *(uint*)(p + (address & (PageMask & ~3u)));
        else { v = SlowRead(address, 4, flags); if (_slowCost != 0) { cost = _slowCost; _slowCost = 0; } }
        if (_observer != null) Notify(address, v, 4, flags, cost);
        _s.Cycles += cost;
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Read16(uint address, AccessFlags flags)
    {
        uint page = address >> PageShift;
        byte* p = _readPages[page];
        int cost = _cost[(_pageTiming[page] << 4) | (((int)flags & 1) << 2) | 1];
        uint v;
        if (p != null) v = *(ushort*)(p + (address & (PageMask & ~1u)));
        else { v = SlowRead(address, 2, flags); if (_slowCost != 0) { cost = _slowCost; _slowCost = 0; } }
        if (_observer != null) Notify(address, v, 2, flags, cost);
        _s.Cycles += cost;
        // A device may drive the whole data bus; the core latches the low halfword.
        return v & 0xFFFF;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Read8(uint address, AccessFlags flags)
    {
        uint page = address >> PageShift;
        byte* p = _readPages[page];
        int cost = _cost[(_pageTiming[page] << 4) | (((int)flags & 1) << 2)];
        uint v;
        if (p != null) v = p[address & PageMask];
        else { v = SlowRead(address, 1, flags); if (_slowCost != 0) { cost = _slowCost; _slowCost = 0; } }
        if (_observer != null) Notify(address, v, 1, flags, cost);
        _s.Cycles += cost;
        return v & 0xFF;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write32(uint address, uint value, AccessFlags flags)
    {
        uint page = address >> PageShift;
        byte* p = _writePages[page];
        int cost = _cost[(_pageTiming[page] << 4) | 8 | (((int)flags & 1) << 2) | 2];
        flags |= AccessFlags.Write;
        if (_observer != null) Notify(address, value, 4, flags, cost);
        if (p != null) *(uint*)(p + (address & (PageMask & ~3u))) = value;
        else SlowWrite(address, 4, value, flags);
        _s.Cycles += cost;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write16(uint address, uint value, AccessFlags flags)
    {
        uint page = address >> PageShift;
        byte* p = _writePages[page];
        int cost = _cost[(_pageTiming[page] << 4) | 8 | (((int)flags & 1) << 2) | 1];
        flags |= AccessFlags.Write;
        if (_observer != null) Notify(address, value & 0xFFFF, 2, flags, cost);
        if (p != null) *(ushort*)(p + (address & (PageMask & ~1u))) = (ushort)value;
        else SlowWrite(address, 2, value & 0xFFFF, flags);
        _s.Cycles += cost;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write8(uint address, uint value, AccessFlags flags)
    {
        uint page = address >> PageShift;
        byte* p = _writePages[page];
        int cost = _cost[(_pageTiming[page] << 4) | 8 | (((int)flags & 1) << 2)];
        flags |= AccessFlags.Write;
        if (_observer != null) Notify(address, value & 0xFF, 1, flags, cost);
        if (p != null) p[address & PageMask] = (byte)value;
        else SlowWrite(address, 1, value & 0xFF, flags);
        _s.Cycles += cost;
    }

    /// <summary>Internal (I) cycles: no access, one clock each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Idle(int clocks, uint addressOnBus = 0)
    {
        if (_observer != null) NotifyInternal(CycleKind.I, clocks, addressOnBus);
        _s.Cycles += clocks;
    }

    /// <summary>Coprocessor register transfer (C) cycle.</summary>
    public void Coprocessor(uint addressOnBus = 0)
    {
        if (_observer != null) NotifyInternal(CycleKind.C, 1, addressOnBus);
        _s.Cycles += 1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint SlowRead(uint address, int size, AccessFlags flags)
    {
        // Devices decode nTRANS (e.g. the VIC's protection); the CPU states it through Privileged.
        if (Privileged) flags |= AccessFlags.Privileged;
        var m = FindMapping(address);
        bool abort = false;
        uint v;
        if (m?.Controller != null) v = m.Controller.Read(address, size, flags, ref abort, out _slowCost);
        else if (m is not null) v = m.Region == null && DeviceAccessFilter is { } f && !f(address, false) ? 0 : m.Device.Read(address, size, flags, ref abort);
        else if (DefaultDevice != null) v = DefaultDevice.Read(address, size, flags, ref abort);
        else { v = 0; abort = UnmappedAborts; }
        AfterSlowAccess(m, address, size, flags, abort);
        return v;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SlowWrite(uint address, int size, uint value, AccessFlags flags)
    {
        if (Privileged) flags |= AccessFlags.Privileged;
        var m = FindMapping(address);
        bool abort = false;
        if (m?.Controller != null) { UntrackedWrites++; m.Controller.Write(address, size, value, flags, ref abort); }
        else if (m is not null) { if (m.Region != null || DeviceAccessFilter is not { } f || f(address, true)) m.Device.Write(address, size, value, flags, ref abort); }
        else if (DefaultDevice != null) DefaultDevice.Write(address, size, value, flags, ref abort);
        else abort = UnmappedAborts;
        AfterSlowAccess(m, address, size, flags, abort);
    }

    private void AfterSlowAccess(Mapping? m, uint address, int size, AccessFlags flags, bool abort)
    {
        if (abort)
        {
            Aborted = true;
            AccessAborted?.Invoke(address, size, flags);
        }
        else if (m is null ? DefaultDevice != null : m.Region == null) DeviceAccesses++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Notify(uint address, uint value, int size, AccessFlags flags, int cost)
    {
        if (Privileged) flags |= AccessFlags.Privileged;
        // The abort flag of a write is known only after the slave answered; reads report it here.
        _observer!.OnBusCycle(new BusCycle(_s.Cycles, address, value, (byte)size,
            (flags & AccessFlags.Seq) != 0 ? CycleKind.S : CycleKind.N, flags, cost, Aborted));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void NotifyInternal(CycleKind kind, int clocks, uint address)
    {
        var f = Privileged ? AccessFlags.Privileged : AccessFlags.None;
        for (int i = 0; i < clocks; i++)
            _observer!.OnBusCycle(new BusCycle(_s.Cycles + i, address, 0, 0, kind, f, 1, false));
    }

    // ---- Debug accesses: untimed, unobserved, no device side effects beyond what Read implies ----

    public byte DebugRead8(uint address)
    {
        byte* p = _readPages[address >> PageShift];
        if (p != null) return p[address & PageMask];
        var m = FindMapping(address);
        if (m?.Region != null) { bool a = false; return (byte)m.Region.Read(address, 1, AccessFlags.None, ref a); }
        return 0;
    }

    public uint DebugRead32(uint address) =>
        (uint)(DebugRead8(address) | DebugRead8(address + 1) << 8 | DebugRead8(address + 2) << 16 | DebugRead8(address + 3) << 24);

    /// <summary>Fills <paramref name="destination"/> from RAM/ROM at <paramref name="address"/> (devices read as 0).</summary>
    public void DebugRead(uint address, Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = DebugRead8(address + (uint)i);
    }

    /// <summary>The bytes of a NUL-terminated string at <paramref name="address"/>, without the NUL, at most <paramref name="maxLength"/>.</summary>
    public byte[] DebugReadCString(uint address, int maxLength)
    {
        var bytes = new List<byte>();
        for (uint i = 0; bytes.Count < maxLength; i++)
        {
            byte b = DebugRead8(address + i);
            if (b == 0) break;
            bytes.Add(b);
        }
        return bytes.ToArray();
    }

    /// <summary>
    /// Writes that may change RAM/ROM bytes outside the bus's write page table: <see cref="DebugWrite8"/>
    /// (loaders, debuggers, semihosting) and writes into a memory controller's window (its model may
    /// write its own bytes). Memory only these reach (a controller's flash) needs no comparison with
    /// what was translated from it while this count stands still (ArmCpu's translating run loop).
    /// </summary>
    public int UntrackedWrites;

    /// <summary>Writes memory regardless of ROM protection (loaders, debuggers). Returns false outside RAM/ROM.</summary>
    public bool DebugWrite8(uint address, byte value)
    {
        var m = FindMapping(address);
        if (m?.Region == null) return false;
        UntrackedWrites++;
        m.Region.Data[address - m.Region.Base] = value;
        return true;
    }

    public bool DebugWrite(uint address, ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
            if (!DebugWrite8(address + (uint)i, bytes[i])) return false;
        return true;
    }

    public void DebugWrite32(uint address, uint value)
    {
        for (int i = 0; i < 4; i++) DebugWrite8(address + (uint)i, (byte)(value >> (8 * i)));
    }

    public void Dispose()
    {
        if (_readPages != null)
        {
            NativeMemory.Free(_readPages); _readPages = null;
            NativeMemory.Free(_writePages); _writePages = null;
            NativeMemory.Free(_pageTiming); _pageTiming = null;
        }
    }
}
