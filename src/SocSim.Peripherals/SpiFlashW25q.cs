using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// A Winbond W25Q80DV serial NOR flash on a board's SPI bus (a board part, after the "W25Q80DV/DL 2.5V
/// and 3V 8M-bit serial flash memory with dual and quad SPI" data sheet, Rev. H, 2015): 1 MiB in
/// 256-byte pages, 4 KiB sectors and 64 KiB blocks; the standard-SPI instructions JEDEC ID (9Fh: EF 40 14),
/// Read Data (03h), Fast Read (0Bh), Write Enable/Disable (06h/04h), Read Status Register-1 (05h: BUSY,
/// WEL), Page Program (02h), Sector Erase (20h), 32 KB and 64 KB Block Erase (52h, D8h) and Chip Erase
/// (C7h/60h), each program and erase busy for its time from the data sheet's AC table.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Bit level (§6.1.1 "Standard SPI instructions"; modes 0 and 3): DI is latched as CLK rises, DO
/// changes as CLK falls, and is released (high impedance: 1 on the board's pull-up) while /CS is high.
/// An instruction starts with /CS falling; one that writes or erases runs when /CS rises after a whole
/// number of bytes (the data sheet: "/CS must be driven high after the eighth bit of the last byte has
/// been latched. If this is not done the ... instruction will not be executed").</item>
/// <item>Write Enable Latch: set by 06h, cleared by 04h and at the end of every program or erase cycle;
/// a program or erase with WEL = 0 is ignored. While BUSY only Read Status Register is answered (other
/// instructions are ignored, §8.1.1). Status Register-1 reads BUSY | WEL continuously (05h); the block
/// protect, SRP and the other status registers are not modelled (their bits read 0, 01h is
/// ignored with a warning), nor power-down, the unique ID, SFDP and the dual/quad instructions (a
/// warning names each one instruction byte that is not modelled).</item>
/// <item>Page Program (02h): "if more than 256 bytes are sent to the device the addressing will wrap to
/// the beginning of the page"; bits only go from 1 to 0 (programming ANDs the data into the array).
/// Read Data and Fast Read continue across the whole array, wrapping at its end. The JEDEC ID is three
/// bytes; further clocks read FFh (our choice: the data sheet does not say).</item>
/// <item>Times (data sheet §9.6, AC electrical characteristics, the typical column; the maximum is 3 ms,
/// 400 ms, 800 ms, 1000 ms and 6 s): tPP 0.7 ms, tSE 45 ms, tBE1 120 ms, tBE2 150 ms, tCE 2 s. Parameters
/// override them. The array changes when the cycle starts; since nothing but Read Status Register is
/// answered until it ends, no read can see the difference.</item>
/// <item>Contents: the <c>data</c> parameter (hex bytes from address 0) or <c>file</c> (a binary image,
/// relative to the board file), the rest FFh (erased); checkpoints (<c>--save-state</c>) carry them.</item>
/// <item>A board part with no registers: on pins only (no window; a board gives it no base).</item>
/// </list>
/// </remarks>
public sealed class SpiFlashW25q : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<SpiFlashW25q>("spi_flash_w25q80dv", "Winbond W25Q80DV SPI NOR flash (board part): JEDEC ID, read, page program, sector/block/chip erase with the data sheet's times")
        .PinsOnly()
        .Output("DO", f => f._do, "serial data out (MISO): released (1) while /CS is high", resetHigh: true)
        .Input("CS", (f, l) => f.ConnectCs(l), "/CS, active low (a GPIO pad of the board)")
        .Input("CLK", (f, l) => f.ConnectClk(l), "serial clock")
        .Input("DI", (f, l) => f._di = l, "serial data in (MOSI), latched as CLK rises")
        .Parameter("size", 1L << 20, "bytes: 1048576 for the W25Q80DV (a power of two, 64 KiB or more)")
        .Parameter("jedecId", 0xEF4014L, "JEDEC ID (9Fh): manufacturer EFh, memory type 40h, capacity 14h")
        .Parameter("pageProgramMicroseconds", 700L, "tPP, typical 0.7 ms (max 3 ms)")
        .Parameter("sectorEraseMicroseconds", 45_000L, "tSE (4 KB), typical 45 ms (max 400 ms)")
        .Parameter("block32EraseMicroseconds", 120_000L, "tBE1 (32 KB), typical 120 ms (max 800 ms)")
        .Parameter("block64EraseMicroseconds", 150_000L, "tBE2 (64 KB), typical 150 ms (max 1000 ms)")
        .Parameter("chipEraseMicroseconds", 2_000_000L, "tCE, typical 2 s (max 6 s)")
        .Parameter("data", "", "initial contents: hex bytes from address 0 (the rest FFh)")
        .Parameter("file", "", "initial contents: a binary image from address 0, relative to the board file (the rest FFh)")
        .Signals((f, s) => s.Line("DO", f._do))
        .Build(c => new SpiFlashW25q(c.Name, c.Scheduler, (int)c.Parameter<long>("size"), (uint)c.Parameter<long>("jedecId"),
            new Times(c.Parameter<long>("pageProgramMicroseconds"), c.Parameter<long>("sectorEraseMicroseconds"), c.Parameter<long>("block32EraseMicroseconds"),
                c.Parameter<long>("block64EraseMicroseconds"), c.Parameter<long>("chipEraseMicroseconds")),
            InitialContents(c), c.Warn));

    /// <summary>Busy times in microseconds.</summary>
    public readonly record struct Times(long PageProgram, long SectorErase, long Block32Erase, long Block64Erase, long ChipErase);

    public const byte WriteEnable = 0x06, WriteDisable = 0x04, ReadStatus1 = 0x05, WriteStatus = 0x01, ReadData = 0x03, FastRead = 0x0B,
        PageProgram = 0x02, SectorErase = 0x20, Block32Erase = 0x52, Block64Erase = 0xD8, ChipErase = 0xC7, ChipErase2 = 0x60, JedecId = 0x9F;
    public const byte Busy = 0x01, Wel = 0x02;
    public const int PageSize = 256, SectorSize = 4096;

    private static byte[] InitialContents(DeviceContext c)
    {
        string data = c.Parameter<string>("data"), file = c.Parameter<string>("file");
        if (data.Length > 0 && file.Length > 0) throw new ArgumentException($"{c.Name}: give data or file, not both");
        if (file.Length == 0) return I2cEeprom24Cxx.ParseHex(c.Name, data);
        string path = c.ResolvePath("file", file);
        if (!File.Exists(path)) throw new ArgumentException($"{c.Name}: file {path} not found");
        return File.ReadAllBytes(path);
    }

    private enum St : byte { Command, Address, Dummy, Output, Program, Done, Ignore }

    private readonly Scheduler _s;
    private readonly Action<string> _warn;
    private readonly IrqLine _do;
    private readonly byte[] _mem;
    private readonly byte[] _page = new byte[PageSize];
    private readonly uint _jedec;
    private readonly Times _t;
    private IrqLine? _cs, _clk, _di;

    private St _st;
    private byte _cmd;
    private int _bits, _shift, _addrBytes, _count;
    private int _addr;
    private int _out, _outPos = 8;  // the byte shifted out on DO, bit 7 first; 8: none
    private bool _wel;
    private long _busyUntil = -1;
    private bool _pageTouched;

    public SpiFlashW25q(string name, Scheduler scheduler, int size, uint jedecId, Times times, byte[] contents, Action<string>? warn = null)
    {
        Name = name;
        if (size < 65536 || size > 1 << 24 || (size & (size - 1)) != 0)
            throw new ArgumentException($"{name}: size {size} is not a power of two from 65536 to 16777216");
        if (jedecId > 0xFFFFFF) throw new ArgumentException($"{name}: jedecId 0x{jedecId:X} is more than three bytes");
        foreach (var (n, v) in new[] { ("pageProgramMicroseconds", times.PageProgram), ("sectorEraseMicroseconds", times.SectorErase),
                     ("block32EraseMicroseconds", times.Block32Erase), ("block64EraseMicroseconds", times.Block64Erase), ("chipEraseMicroseconds", times.ChipErase) })
            if (v < 0) throw new ArgumentException($"{name}: {n} {v} is negative");
        if (contents.Length > size) throw new ArgumentException($"{name}: the contents have {contents.Length} bytes, more than the size {size}");
        _s = scheduler;
        _warn = warn ?? (_ => { });
        _mem = new byte[size];
        Array.Fill(_mem, (byte)0xFF);
        contents.CopyTo(_mem, 0);
        _jedec = jedecId;
        _t = times;
        _do = new IrqLine(name + ".DO");
        _do.Set(true);
    }

    public string Name { get; }
    /// <summary>The memory array.</summary>
    public ReadOnlySpan<byte> Contents => _mem;
    public IrqLine DataOut => _do;
    /// <summary>The tick the program or erase in progress ends, or -1.</summary>
    public long BusyUntil => _busyUntil;

    public void ConnectCs(IrqLine l) { _cs = l; l.Subscribe(OnCs); }
    public void ConnectClk(IrqLine l) { _clk = l; l.Subscribe(OnClk); }
    public void ConnectDi(IrqLine l) => _di = l;

    private bool IsBusy => _busyUntil >= 0 && _s.EventTime < _busyUntil;
    private bool Selected => !(_cs?.Level ?? true);
    private byte Status => (byte)(IsBusy ? Busy | Wel : (_wel ? Wel : 0));

    /// <summary>A reset of the SoC does not reach a board part: its array and a cycle in progress stay.</summary>
    public void Reset() { }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort) { abort = true; return 0; }
    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) => abort = true;

    public void SaveState(StateWriter w)
    {
        // The array as its 4 KiB sectors that are not all FFh: a mostly erased flash makes a small checkpoint.
        w.Write(_mem.Length);
        var sectors = Enumerable.Range(0, _mem.Length / SectorSize).Where(i => _mem.AsSpan(i * SectorSize, SectorSize).ContainsAnyExcept((byte)0xFF)).ToList();
        w.Write(sectors.Count);
        foreach (int i in sectors) { w.Write(i); w.WriteBytes(_mem.AsSpan(i * SectorSize, SectorSize)); }
        w.WriteBytes(_page);
        w.Write((int)_st); w.Write(_cmd); w.Write(_bits); w.Write(_shift); w.Write(_addrBytes); w.Write(_count); w.Write(_addr);
        w.Write(_out); w.Write(_outPos); w.Write(_wel); w.Write(_busyUntil); w.Write(_pageTouched); w.Write(_do.Level);
    }

    public void LoadState(StateReader r)
    {
        int size = r.ReadInt();
        if (size != _mem.Length) throw new StateException($"{Name}: the state is of a {size}-byte flash, this one has {_mem.Length}");
        Array.Fill(_mem, (byte)0xFF);
        int n = r.ReadCount(_mem.Length / SectorSize);
        for (int k = 0; k < n; k++)
        {
            int i = r.ReadInt();
            var bytes = r.ReadBytes();
            if (i < 0 || i >= _mem.Length / SectorSize || bytes.Length != SectorSize) throw new StateException($"{Name}: the state holds a bad sector ({i}, {bytes.Length} bytes)");
            bytes.CopyTo(_mem, i * SectorSize);
        }
        var page = r.ReadBytes();
        if (page.Length != PageSize) throw new StateException($"{Name}: the state holds a {page.Length}-byte page buffer");
        page.CopyTo(_page, 0);
        _st = DeviceState.ReadEnum<St>(r, 7); _cmd = r.ReadByte(); _bits = r.ReadInt(); _shift = r.ReadInt(); _addrBytes = r.ReadInt(); _count = r.ReadInt(); _addr = r.ReadInt();
        _out = r.ReadInt(); _outPos = r.ReadInt(); _wel = r.ReadBool(); _busyUntil = r.ReadLong(); _pageTouched = r.ReadBool(); _do.Restore(r.ReadBool());
    }

    private void OnCs(bool high)
    {
        if (!high)
        {
            _st = St.Command;
            _cmd = 0;   // no instruction yet: /CS pulsed without clocks runs nothing
            _bits = _shift = _count = 0;
            _outPos = 8;
            return;
        }
        if (_bits == 0 && !IsBusy) Execute();
        _st = St.Done;
        _outPos = 8;
        _do.Set(true);
    }

    private void OnClk(bool high)
    {
        if (!Selected || _st == St.Ignore) return;
        if (_st == St.Done) { if (high) _count = 2; return; }   // clocked past the instruction's last byte: not executed
        if (!high)
        {
            if (_outPos < 8) { _do.Set(((_out >> (7 - _outPos)) & 1) != 0); _outPos++; }
            return;
        }
        _shift = (_shift << 1) | ((_di?.Level ?? true) ? 1 : 0);
        if (++_bits < 8) return;
        _bits = 0;
        Byte((byte)_shift);
        _shift = 0;
    }

    /// <summary>The byte to shift out next, from the coming falling edge.</summary>
    private void Send(int b) { _out = b; _outPos = 0; }

    private void Byte(byte b)
    {
        switch (_st)
        {
            case St.Command:
                _cmd = b;
                if (IsBusy && b != ReadStatus1) { _st = St.Ignore; return; }
                switch (b)
                {
                    case ReadStatus1: _st = St.Output; Send(Status); return;
                    case JedecId: _st = St.Output; _count = 0; Send((int)(_jedec >> 16) & 0xFF); return;
                    case ReadData: case FastRead: case PageProgram: case SectorErase: case Block32Erase: case Block64Erase:
                        _st = St.Address; _addrBytes = 0; _addr = 0; return;
                    case WriteEnable: case WriteDisable: case ChipErase: case ChipErase2:
                        _st = St.Done; _bits = 0; _count = 1; return;   // executed at /CS high after exactly this byte
                    default:
                        _warn($"{Name}: instruction 0x{b:X2} is not modelled; ignored");
                        _st = St.Ignore;
                        return;
                }
            case St.Address:
                _addr = ((_addr << 8) | b) & (_mem.Length - 1);
                if (++_addrBytes < 3) return;
                switch (_cmd)
                {
                    case ReadData: _st = St.Output; Send(_mem[_addr]); return;
                    case FastRead: _st = St.Dummy; return;
                    case PageProgram:
                        _st = St.Program;
                        Array.Fill(_page, (byte)0xFF);
                        _pageTouched = false;
                        return;
                    default: _st = St.Done; _count = 1; return;        // an erase, executed at /CS high
                }
            case St.Dummy: _st = St.Output; Send(_mem[_addr]); return;
            case St.Output:
                switch (_cmd)
                {
                    case ReadStatus1: Send(Status); return;
                    case JedecId: _count++; Send(_count < 3 ? (int)(_jedec >> (16 - 8 * _count)) & 0xFF : 0xFF); return;
                    default: _addr = (_addr + 1) & (_mem.Length - 1); Send(_mem[_addr]); return;
                }
            case St.Program:
            {
                int pageBase = _addr & ~(PageSize - 1);
                _page[_addr - pageBase] &= b;  // a byte sent twice (wrapped) programs both: bits only go to 0
                _pageTouched = true;
                _addr = pageBase + ((_addr + 1) & (PageSize - 1));
                return;
            }
        }
    }

    /// <summary>/CS rose after a whole number of bytes: the write and erase instructions run now.</summary>
    private void Execute()
    {
        bool exact = _st == St.Done && _count == 1;   // nothing clocked after the last byte it needs
        switch (_cmd)
        {
            case WriteEnable when exact: _wel = true; return;
            case WriteDisable when exact: _wel = false; return;
        }
        if (!_wel) return;
        if (_st == St.Program && _pageTouched)
        {
            int pageBase = _addr & ~(PageSize - 1);
            for (int i = 0; i < PageSize; i++) _mem[pageBase + i] &= _page[i];
            StartCycle(_t.PageProgram);
            return;
        }
        if (!exact) return;
        switch (_cmd)
        {
            case SectorErase: Erase(_addr & ~0xFFF, 0x1000, _t.SectorErase); return;
            case Block32Erase: Erase(_addr & ~0x7FFF, 0x8000, _t.Block32Erase); return;
            case Block64Erase: Erase(_addr & ~0xFFFF, 0x10000, _t.Block64Erase); return;
            case ChipErase: case ChipErase2: Erase(0, _mem.Length, _t.ChipErase); return;
        }
    }

    private void Erase(int start, int length, long micros)
    {
        Array.Fill(_mem, (byte)0xFF, start, length);
        StartCycle(micros);
    }

    private void StartCycle(long micros)
    {
        _wel = false; // cleared when the cycle ends; Status shows WEL with BUSY until then
        _busyUntil = _s.EventTime + (long)((Int128)micros * _s.TicksPerSecond / 1_000_000);
    }
}
