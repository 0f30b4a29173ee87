using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The MPS2 Serial Communication Controller registers of the AN383/AN385/AN386 images (at 0x4002F000): the
/// FPGA's link to the board's Motherboard Configuration Controller. CFG_REG0-CFG_REG7 hold what is written
/// (CFG_REG4 reads the board revision), SYS_CFGDATA_RTN/OUT hold what is written, a SYS_CFGCTRL write with
/// START (bit 31) completes at once (SYS_CFGSTAT.COMPLETE) without performing the MCC function (oscillator
/// and power settings are not modelled: a warning names the function), SYS_DLL reads locked, and AID and ID
/// identify the image (parameters).
/// </summary>
public sealed class Mps2Scc : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<Mps2Scc>("mps2_scc",
            "ARM MPS2 Serial Communication Controller registers (CFG_REG0-7, SYS_CFG*, DLL, AID, ID); MCC functions not modelled")
        .Window(PrimeCell.Window)
        .Parameter("id", 0x4104_3850L, "SCC ID register: 0x41043850 for AN385, 0x41043860 for AN386, 0x41043830 for AN383")
        .Parameter("aid", 0x0020_0008L, "SCC AID register (FPGA build information)")
        .Parameter("boardRevision", 2L, "CFG_REG4: the board revision (2: MPS2+ rev C, as QEMU reports)")
        .Build(c => new Mps2Scc(c.Name, (uint)c.Parameter<long>("id"), (uint)c.Parameter<long>("aid"), (uint)c.Parameter<long>("boardRevision"), c.Warn));

    public const uint CFG_REG0 = 0x000, CFG_REG4 = 0x010, SYS_CFGDATA_RTN = 0x0A0, SYS_CFGDATA_OUT = 0x0A4,
        SYS_CFGCTRL = 0x0A8, SYS_CFGSTAT = 0x0AC, DLL = 0x100, AID = 0xFF8, ID = 0xFFC;
    /// <summary>SYS_DLL: every DLL locked (LOCK_DLL_ALL in bits 31:24 and bit 0).</summary>
    public const uint DllLocked = 0xFFFF_0001;

    private readonly string _name;
    private readonly uint _id, _aid, _boardRevision;
    private readonly Action<string> _warn;
    private readonly uint[] _cfg = new uint[8];
    private uint _cfgDataRtn, _cfgDataOut, _cfgCtrl, _cfgStat;

    public Mps2Scc(string name, uint id, uint aid, uint boardRevision, Action<string> warn)
    {
        _name = name;
        _id = id;
        _aid = aid;
        _boardRevision = boardRevision;
        _warn = warn;
    }

    public void Reset()
    {
        Array.Clear(_cfg);
        _cfgDataRtn = _cfgDataOut = _cfgCtrl = _cfgStat = 0;
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = PrimeCell.Offset(address);
        uint v = off switch
        {
            CFG_REG4 => _boardRevision,
            < 0x020 => _cfg[off >> 2],
            SYS_CFGDATA_RTN => _cfgDataRtn,
            SYS_CFGDATA_OUT => _cfgDataOut,
            SYS_CFGCTRL => _cfgCtrl,
            SYS_CFGSTAT => _cfgStat,
            DLL => DllLocked,
            AID => _aid,
            ID => _id,
            _ => 0,
        };
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = PrimeCell.Offset(address);
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case CFG_REG4: break;                                  // read-only board revision
            case < 0x020: _cfg[off >> 2] = value; break;
            case SYS_CFGDATA_RTN: _cfgDataRtn = value; break;
            case SYS_CFGDATA_OUT: _cfgDataOut = value; break;
            case SYS_CFGCTRL:
                _cfgCtrl = value & 0x7FFF_FFFF;
                if ((value & 0x8000_0000) != 0)
                {
                    _warn($"{_name}: SYS_CFGCTRL function {(value >> 20) & 0x3F} (device {value & 0xFFF}, {((value & 0x4000_0000) != 0 ? "write" : "read")}) is an MCC function that is not modelled: it completes at once and does nothing");
                    _cfgStat = 1;                                  // COMPLETE
                }
                break;
            case SYS_CFGSTAT: _cfgStat = value & 3; break;
        }
    }

    public void SaveState(StateWriter w)
    {
        w.Write(_cfg);
        w.Write(_cfgDataRtn); w.Write(_cfgDataOut); w.Write(_cfgCtrl); w.Write(_cfgStat);
    }

    public void LoadState(StateReader r)
    {
        r.ReadUIntArray(_cfg.Length).CopyTo(_cfg, 0);
        _cfgDataRtn = r.ReadUInt(); _cfgDataOut = r.ReadUInt(); _cfgCtrl = r.ReadUInt(); _cfgStat = r.ReadUInt();
    }
}
