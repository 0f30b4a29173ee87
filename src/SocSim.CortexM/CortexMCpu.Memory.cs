using SocSim.Core;

namespace SocSim.CortexM;

/// <summary>
/// Bit-banding (Cortex-M3 TRM DDI 0337I 3.7, Cortex-M4 TRM 3.7) and the PMSAv7 MPU (ARMv7-M B3.5) on the core's
/// data accesses and instruction fetches. Both cost one flag test per access while unused.
/// </summary>
public sealed partial class CortexMCpu
{
    // ---- bit-banding ----

    /// <summary>Whether the bit-band aliases exist (on ARMv7-M cores; not on ARMv6-M).</summary>
    public bool BitBanding { get; set; }

    /// <summary>The bit-band region of an alias address (0x22000000 -> 0x20000000, 0x42000000 -> 0x40000000), or false.</summary>
    private static bool BitBandTarget(uint a, out uint byteAddress, out int bit)
    {
        uint region;
        if (a - 0x2200_0000u < 0x0200_0000u) region = 0x2000_0000;
        else if (a - 0x4200_0000u < 0x0200_0000u) region = 0x4000_0000;
        else { byteAddress = 0; bit = 0; return false; }
        uint off = a & 0x01FF_FFFF;
        byteAddress = region + (off >> 5);
        bit = (int)((off >> 2) & 7);
        return true;
    }

    /// <summary>
    /// A read of an alias: the bit, in bit 0, read from the bit-band region with the access's size (the word,
    /// halfword or byte containing it). One bus access.
    /// </summary>
    private uint BitBandRead(uint byteAddress, int bit, int size)
    {
        uint target = byteAddress & ~(uint)(size - 1);
        int shift = (int)(byteAddress - target) * 8 + bit;
        _accesses++;
        DataAccessBegins(target);
        uint v = size == 4 ? _bus.Read32(target, AccessFlags.None) : size == 2 ? _bus.Read16(target, AccessFlags.None) : _bus.Read8(target, AccessFlags.None);
        DataAccessEnds();
        if (_bus.Aborted) BusError(target);
        return (v >> shift) & 1;
    }

    /// <summary>
    /// A write of an alias: a locked read-modify-write of the containing word, halfword or byte (3.7: the
    /// write is atomic); its extra read costs one more cycle (plus wait states) than the plain store.
    /// </summary>
    private void BitBandWrite(uint byteAddress, int bit, int size, uint value)
    {
        uint target = byteAddress & ~(uint)(size - 1);
        int shift = (int)(byteAddress - target) * 8 + bit;
        DataAccessBegins(target);
        uint v = size == 4 ? _bus.Read32(target, AccessFlags.Lock) : size == 2 ? _bus.Read16(target, AccessFlags.Lock) : _bus.Read8(target, AccessFlags.Lock);
        if (_bus.Aborted) BusError(target);
        v = (v & ~(1u << shift)) | ((value & 1) << shift);
        _accesses++;
        if (size == 4) _bus.Write32(target, v, AccessFlags.Lock);
        else if (size == 2) _bus.Write16(target, v, AccessFlags.Lock);
        else _bus.Write8(target, v, AccessFlags.Lock);
        DataAccessEnds();
        if (_bus.Aborted) BusError(target);
    }

    // ---- MPU (PMSAv7, B3.5) ----

    public const int MpuRegions = 8;
    private readonly uint[] _rbar = new uint[MpuRegions], _rasr = new uint[MpuRegions];
    private uint _mpuCtrl, _mpuRnr;
    private bool _mpuOn;            // MPU_CTRL.ENABLE: data accesses and fetches are checked

    /// <summary>A one-line note about an MPU programming the architecture leaves UNPREDICTABLE, and what the core does.</summary>
    public event Action<string>? MpuWarning;

    /// <summary>MPU_CTRL: ENABLE (0), HFNMIENA (1), PRIVDEFENA (2).</summary>
    public uint MpuCtrl
    {
        get => _mpuCtrl;
        set { _mpuCtrl = value & 7; _mpuOn = (value & 1) != 0; }
    }

    /// <summary>MPU_RNR: the region MPU_RBAR and MPU_RASR address.</summary>
    public uint MpuRnr { get => _mpuRnr; set => _mpuRnr = value & (MpuRegions - 1); }

    /// <summary>MPU_RBAR: ADDR [31:5], VALID (4) selects REGION [3:0] (and sets RNR), REGION reads as RNR.</summary>
    public uint MpuRbar
    {
        get => _rbar[_mpuRnr] | _mpuRnr;
        set
        {
            if ((value & 0x10) != 0) { if ((value & 15) >= MpuRegions) return; _mpuRnr = value & 15; }
            _rbar[_mpuRnr] = value & ~0x1Fu;
        }
    }

    /// <summary>MPU_RASR: XN (28), AP (26:24), TEX S C B (21:16, stored), SRD (15:8), SIZE (5:1), ENABLE (0).</summary>
    public uint MpuRasr
    {
        get => _rasr[_mpuRnr];
        set
        {
            _rasr[_mpuRnr] = value & 0x173F_FF3F;
            uint size = (value >> 1) & 31;
            if ((value & 1) != 0 && size < 4)
                MpuWarning?.Invoke($"MPU region {_mpuRnr}: SIZE {size} ({2L << (int)size} bytes) is below the architecture's 32-byte minimum (B3.5.9); the region never matches");
            else if ((value & 1) != 0 && (_rbar[_mpuRnr] & (uint)((2L << (int)size) - 1)) != 0)
                MpuWarning?.Invoke($"MPU region {_mpuRnr}: base 0x{_rbar[_mpuRnr]:X8} is not aligned to its size {2L << (int)size} (B3.5.8); the low address bits are ignored");
        }
    }

    /// <summary>Whether an access is allowed (B3.5.1): the highest-numbered enabled region containing the address and not
    /// in a disabled subregion decides by AP (and XN for fetches); no region: the default map when privileged with
    /// PRIVDEFENA, else a fault. The PPB, and HardFault/NMI/FAULTMASK code without HFNMIENA, use the default map.</summary>
    private bool MpuAllows(uint a, bool write, bool fetch)
    {
        if (a - 0xE000_0000u < 0x0010_0000u) return true;
        bool priv = Privileged, negative = ExecutionPriority < 0;
        if (_mpuAs != MpuAs.Current) { priv = _mpuAs == MpuAs.Privileged; negative = _mpuAsNegative; }
        if (negative && (_mpuCtrl & 2) == 0) return true;
        for (int n = MpuRegions - 1; n >= 0; n--)
        {
            uint rasr = _rasr[n];
            if ((rasr & 1) == 0) continue;
            int sizeLog = (int)((rasr >> 1) & 31) + 1;
            if (sizeLog < 5) continue;
            ulong size = 1UL << sizeLog;
            ulong baseAddr = _rbar[n] & ~(size - 1);
            if (a < baseAddr || a - baseAddr >= size) continue;
            if (sizeLog >= 8 && ((rasr >> 8) & (1u << (int)((a - baseAddr) / (size / 8)))) != 0) continue;    // subregion disabled
            if (fetch && (rasr & (1u << 28)) != 0) return false;
            uint ap = (rasr >> 24) & 7;
            return ap switch
            {
                1 => priv,
                2 => priv || !write,
                3 => true,
                5 => priv && !write,
                6 or 7 => !write,
                _ => false,         // 0: no access; 4: reserved, chosen as no access
            };
        }
        return priv && (_mpuCtrl & 4) != 0;
    }

    /// <summary>
    /// The privilege the MPU checks data accesses with (B3.5.3 ValidateAddress's ispriv): the current mode's, or
    /// for the exception return's unstacking (the mode returned to, B1.5.8), the lazy FP preservation
    /// (FPCCR.USER, B1.5.7) and LDRT/STRT (unprivileged, A7.7) a fixed one. With a fixed privilege,
    /// <see cref="_mpuAsNegative"/> says whether the MPU is bypassed as at a negative priority without HFNMIENA.
    /// </summary>
    private enum MpuAs : byte { Current, Privileged, Unprivileged }
    private MpuAs _mpuAs;
    private bool _mpuAsNegative;

    /// <summary>Checks the data accesses that follow with a fixed privilege (until <see cref="MpuAsCurrent"/>).</summary>
    private void MpuAsFixed(bool privileged, bool negative)
    {
        _mpuAs = privileged ? MpuAs.Privileged : MpuAs.Unprivileged;
        _mpuAsNegative = negative;
    }

    private void MpuAsCurrent() => _mpuAs = MpuAs.Current;

    /// <summary>
    /// Whether the data access in progress is privileged, as the System Control Space checks it (B3.1.1, B3.2:
    /// an unprivileged access to the PPB is a precise BusFault): the current mode's privilege, or the fixed one
    /// of LDRT/STRT (unprivileged, A7.7), the exception return's unstacking and the lazy FP preservation.
    /// </summary>
    internal bool DataAccessPrivileged => _mpuAs == MpuAs.Current ? Privileged : _mpuAs == MpuAs.Privileged;

    private void MpuData(uint a, bool write)
    {
        if (MpuAllows(a, write, false)) return;
        _mmfar = a;
        throw CortexMFault.Of(FaultKind.DAccViol);
    }
}
