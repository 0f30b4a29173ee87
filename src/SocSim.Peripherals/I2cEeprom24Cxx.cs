using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// A 24Cxx serial EEPROM on a board's I²C bus (a board part, after the Microchip/Atmel 24C02-24C512
/// data sheets): device address 1010 A2 A1 A0, a one-byte word address up to 2 KiB (24C02-24C16, the
/// A bits above the 256-byte block select the block) and two bytes above; byte and page write (the
/// address counter rolls over within the page), the self-timed write cycle (tWR) during which the
/// part does not acknowledge its address (acknowledge polling), current-address, random and
/// sequential read (the counter rolls over at the end of the memory).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Bit level (<see cref="I2cSlavePart"/>): START and STOP are SDA edges while SCL is high; a bit is sampled as SCL rises; the part
/// changes its SDA drive (acknowledge, read data) as SCL falls. SDA_OUT at 0 pulls the open-drain line
/// low, at 1 releases it: the board wires it to the pad (<c>gpio.P0_3</c>).</item>
/// <item>The write cycle starts at the STOP after at least one data byte; the bytes are stored then and
/// the part answers nothing for <c>writeCycleMicroseconds</c>. A write interrupted by a START is
/// discarded, as the data sheets say.</item>
/// <item>It has no registers: a part on pins only (no window; a board gives it no base).</item>
/// <item>Contents: the <c>data</c> parameter (hex bytes from address 0, the rest 0xFF, the erased
/// state), and checkpoints (<c>--save-state</c>) carry them.</item>
/// </list>
/// </remarks>
public sealed class I2cEeprom24Cxx : I2cSlavePart, IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<I2cEeprom24Cxx>("i2c_eeprom_24cxx", "24Cxx I2C serial EEPROM (board part): page write, write cycle time, sequential read")
        .PinsOnly()
        .Output("SDA_OUT", e => e._sdaOut, "SDA drive: 0 pulls the line low (acknowledge, read data), 1 releases it", resetHigh: true)
        .Input("SCL", (e, l) => e.ConnectScl(l), "the bus's SCL line")
        .Input("SDA", (e, l) => e.ConnectSda(l), "the bus's SDA line")
        .Parameter("size", 256L, "bytes: 128 (24C01) to 65536 (24C512), a power of two")
        .Parameter("pageSize", 8L, "page write buffer in bytes (8 for the 24C01/02, 16 for 24C04-16, 32 or 64 above)")
        .Parameter("address", 0x50L, "7-bit device address: 0x50 | A2 A1 A0")
        .Parameter("writeCycleMicroseconds", 5000L, "self-timed write cycle tWR (5 ms in the data sheets)")
        .Parameter("data", "", "initial contents: hex bytes from address 0 (the rest 0xFF)")
        .Signals((e, s) => s.Line("SDA_OUT", e._sdaOut))
        .Build(c => new I2cEeprom24Cxx(c.Name, c.Scheduler, (int)c.Parameter<long>("size"), (int)c.Parameter<long>("pageSize"),
            (int)c.Parameter<long>("address"), c.Parameter<long>("writeCycleMicroseconds"), c.Parameter<string>("data")));

    /// <summary>Which byte of a write comes next (while listening).</summary>
    private enum St : byte { DevAddr, WordHi, WordLo, Write }

    private readonly Scheduler _s;
    private readonly IrqLine _sdaOut;
    private readonly byte[] _mem;
    private readonly byte[] _page;
    private readonly int _pageSize, _address, _addrBytes;
    private readonly long _twrTicks;
    private IrqLine? _scl, _sda;

    private St _st;
    private int _ptr, _pageBase, _written;
    private long _busyUntil = -1;

    public I2cEeprom24Cxx(string name, Scheduler scheduler, int size, int pageSize, int address, long writeCycleMicroseconds, string data)
    {
        Name = name;
        if (size < 128 || size > 65536 || (size & (size - 1)) != 0)
            throw new ArgumentException($"{name}: size {size} is not a power of two from 128 to 65536");
        if (pageSize < 1 || pageSize > size || (pageSize & (pageSize - 1)) != 0)
            throw new ArgumentException($"{name}: pageSize {pageSize} is not a power of two up to the size");
        if (address < 0 || address > 0x7F) throw new ArgumentException($"{name}: address 0x{address:X} is not a 7-bit I2C address");
        if (writeCycleMicroseconds < 0) throw new ArgumentException($"{name}: writeCycleMicroseconds {writeCycleMicroseconds} is negative");
        _s = scheduler;
        _mem = new byte[size];
        Array.Fill(_mem, (byte)0xFF);
        var bytes = ParseHex(name, data);
        if (bytes.Length > size) throw new ArgumentException($"{name}: data has {bytes.Length} bytes, more than the size {size}");
        bytes.CopyTo(_mem, 0);
        _page = new byte[pageSize];
        _pageSize = pageSize;
        _address = address;
        _addrBytes = size > 2048 ? 2 : 1;
        _twrTicks = (long)((Int128)writeCycleMicroseconds * scheduler.TicksPerSecond / 1_000_000);
        _sdaOut = new IrqLine(name + ".SDA_OUT");
        _sdaOut.Set(true);
    }

    /// <summary>A board part's <c>data</c> parameter: hex bytes, white space ignored.</summary>
    internal static byte[] ParseHex(string name, string hex)
    {
        string h = string.Concat(hex.Where(c => !char.IsWhiteSpace(c)));
        if (h.Length % 2 != 0 || !h.All(Uri.IsHexDigit)) throw new ArgumentException($"{name}: data must be hex bytes, got \"{(hex.Length > 40 ? hex[..40] + "..." : hex)}\"");
        return Convert.FromHexString(h);
    }

    public string Name { get; }
    /// <summary>The memory array (the contents a board file's <c>data</c> gives back).</summary>
    public ReadOnlySpan<byte> Contents => _mem;
    public IrqLine SdaOut => _sdaOut;
    /// <summary>The tick the write cycle in progress (or the last one) ends, or -1.</summary>
    public long BusyUntil => _busyUntil;

    public void ConnectScl(IrqLine l) { _scl = l; l.Subscribe(high => SclChanged(high, _sda?.Level ?? true)); }
    public void ConnectSda(IrqLine l) { _sda = l; l.Subscribe(level => SdaChanged(level, _scl?.Level ?? false)); }

    private bool Busy => _busyUntil >= 0 && _s.EventTime < _busyUntil;
    private int BlockBits => _addrBytes == 1 ? (_mem.Length - 1) >> 8 : 0;

    /// <summary>A reset of the SoC does not reach a board part: its array and the write in progress stay.</summary>
    public void Reset() { }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort) { abort = true; return 0; }
    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) => abort = true;

    public void SaveState(StateWriter w)
    {
        w.Write(_mem.Length);
        foreach (byte b in _mem) w.Write(b);
        foreach (byte b in _page) w.Write(b);
        w.Write((int)_st); w.Write(_ptr); w.Write(_pageBase); w.Write(_written);
        SaveBits(w);
        w.Write(_busyUntil); w.Write(_sdaOut.Level);
    }

    public void LoadState(StateReader r)
    {
        int n = r.ReadCount(_mem.Length);
        if (n != _mem.Length) throw new StateException($"{Name}: the state holds {n} bytes for a {_mem.Length}-byte EEPROM");
        for (int i = 0; i < n; i++) _mem[i] = r.ReadByte();
        for (int i = 0; i < _page.Length; i++) _page[i] = r.ReadByte();
        _st = DeviceState.ReadEnum<St>(r, 4); _ptr = r.ReadInt(); _pageBase = r.ReadInt(); _written = r.ReadInt();
        LoadBits(r);
        _busyUntil = r.ReadLong(); _sdaOut.Restore(r.ReadBool());
    }

    protected override void DriveSda(bool level) => _sdaOut.Set(level);

    /// <summary>A START (or repeated START): an unfinished write is discarded.</summary>
    protected override void OnStart()
    {
        _written = 0;
        _st = St.DevAddr;
    }

    /// <summary>A STOP after at least one data byte starts the write cycle.</summary>
    protected override void OnStop()
    {
        if (BusMode == Mode.Listen && _st == St.Write && _written > 0) Commit();
    }

    protected override bool Received(byte b)
    {
        switch (_st)
        {
            case St.DevAddr:
            {
                int dev = b >> 1;
                if ((dev & ~BlockBits) != _address || Busy) { BusMode = Mode.Ignore; return false; }
                if ((b & 1) != 0) { BusMode = Mode.Read; return true; }
                _ptr = (_ptr & 0xFF) | ((dev & BlockBits) << 8);
                _st = _addrBytes == 2 ? St.WordHi : St.WordLo;
                return true;
            }
            case St.WordHi: _ptr = b << 8; _st = St.WordLo; return true;
            case St.WordLo:
                _ptr = (_addrBytes == 2 ? _ptr | b : (_ptr & ~0xFF) | b) & (_mem.Length - 1);
                _st = St.Write;
                _written = 0;
                _pageBase = _ptr & ~(_pageSize - 1);
                Array.Copy(_mem, _pageBase, _page, 0, _pageSize);
                return true;
            case St.Write:
                _page[_ptr - _pageBase] = b;
                _ptr = _pageBase + ((_ptr - _pageBase + 1) & (_pageSize - 1)); // roll over within the page
                _written++;
                return true;
        }
        return false;
    }

    protected override byte NextByte()
    {
        byte b = _mem[_ptr];
        _ptr = (_ptr + 1) & (_mem.Length - 1);
        return b;
    }

    private void Commit()
    {
        Array.Copy(_page, 0, _mem, _pageBase, _pageSize);
        _written = 0;
        _busyUntil = _s.EventTime + _twrTicks;
    }
}
