using System.Numerics;

namespace SocSim.CortexM;

/// <summary>
/// The DSP extension (ARMv7E-M, DDI 0403E.b A7.7: the instructions marked ARMv7E-M): SIMD add/subtract with
/// the APSR.GE flags, saturating and halving forms, SEL, the 16-bit multiplies and MACs, the most-significant-
/// word multiplies, USAD8, the DSP long MACs, SSAT16/USAT16, PKH and the extend-and-add forms. Each takes
/// 1 cycle (Cortex-M4 TRM DDI 0439B table 3-1: every DSP instruction, the MACs included, is single-cycle).
/// </summary>
public sealed partial class CortexMCpu
{
    private uint _ge;       // APSR.GE[3:0] (bits 19:16), ARMv7E-M only

    /// <summary>APSR.GE[3:0] (the DSP extension's greater-than-or-equal flags; always 0 without it).</summary>
    public uint Ge => _ge;

    private const int DspCycles = 1;

    private int ExecuteDsp(ref ThumbInst i)
    {
        uint n = _r[i.Rn], m = _r[i.Rm];
        switch (i.Op)
        {
            case Op.Parallel: WriteDp(i.Rd, Parallel(i.Imm, n, m)); break;
            case Op.Qadd: WriteDp(i.Rd, SatQ((long)(int)m + (int)n)); break;
            case Op.Qsub: WriteDp(i.Rd, SatQ((long)(int)m - (int)n)); break;
            case Op.Qdadd: WriteDp(i.Rd, SatQ((long)(int)m + (int)SatQ(2L * (int)n))); break;
            case Op.Qdsub: WriteDp(i.Rd, SatQ((long)(int)m - (int)SatQ(2L * (int)n))); break;
            case Op.Sel:
                {
                    uint r = 0;
                    for (int b = 0; b < 4; b++) r |= (((_ge >> b) & 1) != 0 ? n : m) & (0xFFu << (8 * b));
                    WriteDp(i.Rd, r);
                    break;
                }
            case Op.Sxtab: WriteDp(i.Rd, n + (uint)(sbyte)BitOperations.RotateRight(m, i.ShiftN)); break;
            case Op.Uxtab: WriteDp(i.Rd, n + (byte)BitOperations.RotateRight(m, i.ShiftN)); break;
            case Op.Sxtah: WriteDp(i.Rd, n + (uint)(short)BitOperations.RotateRight(m, i.ShiftN)); break;
            case Op.Uxtah: WriteDp(i.Rd, n + (ushort)BitOperations.RotateRight(m, i.ShiftN)); break;
            case Op.Sxtab16: case Op.Uxtab16: case Op.Sxtb16: case Op.Uxtb16:
                {
                    uint rot = BitOperations.RotateRight(m, i.ShiftN);
                    bool signed = i.Op is Op.Sxtab16 or Op.Sxtb16;
                    uint a = i.Op is Op.Sxtb16 or Op.Uxtb16 ? 0 : n;
                    uint lo = signed ? (uint)(sbyte)rot : (byte)rot, hi = signed ? (uint)(sbyte)(rot >> 16) : (byte)(rot >> 16);
                    WriteDp(i.Rd, ((a + lo) & 0xFFFF) | (((a >> 16) + hi) << 16));
                    break;
                }
            case Op.Smlaxy:
                {
                    long p = (long)Half(n, (i.Imm & 2) != 0) * Half(m, (i.Imm & 1) != 0);
                    WriteDp(i.Rd, i.Ra == 15 ? (uint)p : AccumulateQ(p + (int)_r[i.Ra]));
                    break;
                }
            case Op.Smlad: case Op.Smlsd:
                {
                    if (i.Imm != 0) m = BitOperations.RotateRight(m, 16);
                    long p1 = (long)(short)n * (short)m, p2 = (long)(short)(n >> 16) * (short)(m >> 16);
                    long r = i.Op == Op.Smlad ? p1 + p2 : p1 - p2;
                    if (i.Ra != 15) r += (int)_r[i.Ra];
                    WriteDp(i.Rd, AccumulateQ(r));
                    break;
                }
            case Op.Smlawy:
                {
                    long p = (long)(int)n * Half(m, i.Imm != 0);
                    if (i.Ra != 15) p += (long)(int)_r[i.Ra] << 16;
                    WriteDp(i.Rd, AccumulateQ(p >> 16));
                    break;
                }
            case Op.Smmla: case Op.Smmls:
                {
                    long p = (long)(int)n * (int)m;
                    long acc = i.Ra == 15 ? 0 : (long)(int)_r[i.Ra] << 32;
                    long r = i.Op == Op.Smmla ? acc + p : acc - p;       // modulo 2^64, as the ARM ARM's result<63:32>
                    if (i.Imm != 0) r += 0x8000_0000L;
                    WriteDp(i.Rd, (uint)(r >> 32));
                    break;
                }
            case Op.Usada8:
                {
                    uint sum = i.Ra == 15 ? 0 : _r[i.Ra];
                    for (int b = 0; b < 32; b += 8) sum += (uint)Math.Abs((int)((n >> b) & 0xFF) - (int)((m >> b) & 0xFF));
                    WriteDp(i.Rd, sum);
                    break;
                }
            case Op.Smlalxy: case Op.Smlald: case Op.Smlsld: case Op.Umaal:
                {
                    ulong acc = (ulong)_r[i.Ra] << 32 | _r[i.Rd];
                    ulong r;
                    if (i.Op == Op.Umaal) r = (ulong)n * m + _r[i.Ra] + _r[i.Rd];
                    else if (i.Op == Op.Smlalxy) r = acc + (ulong)((long)Half(n, (i.Imm & 2) != 0) * Half(m, (i.Imm & 1) != 0));
                    else
                    {
                        if (i.Imm != 0) m = BitOperations.RotateRight(m, 16);
                        long p1 = (long)(short)n * (short)m, p2 = (long)(short)(n >> 16) * (short)(m >> 16);
                        r = acc + (ulong)(i.Op == Op.Smlald ? p1 + p2 : p1 - p2);
                    }
                    _r[i.Rd] = (uint)r;
                    _r[i.Ra] = (uint)(r >> 32);
                    break;
                }
            case Op.Ssat16: case Op.Usat16:
                {
                    bool s = i.Op == Op.Ssat16;
                    uint lo = Saturate((short)m, (int)i.Imm, s), hi = Saturate((short)(m >> 16), (int)i.Imm, s);
                    WriteDp(i.Rd, (lo & 0xFFFF) | hi << 16);
                    break;
                }
            case Op.Pkh:
                {
                    uint sh = ShiftC(m, i.ShiftType, i.ShiftN, _c, out _);
                    WriteDp(i.Rd, i.ShiftType == Shift.Asr ? (n & 0xFFFF_0000) | (sh & 0xFFFF) : (n & 0xFFFF) | (sh & 0xFFFF_0000));
                    break;
                }
            default: throw CortexMFault.Of(FaultKind.Undefined);
        }
        return DspCycles;
    }

    private static int Half(uint v, bool top) => top ? (short)(v >> 16) : (short)v;

    /// <summary>A result that sets Q when it does not fit 32 signed bits, and its low 32 bits.</summary>
    private uint AccumulateQ(long r)
    {
        if (r != (int)r) _q = true;
        return (uint)r;
    }

    /// <summary>SignedSat(r, 32) setting Q on saturation (QADD and friends).</summary>
    private uint SatQ(long r)
    {
        if (r > int.MaxValue) { _q = true; return int.MaxValue; }
        if (r < int.MinValue) { _q = true; return 0x8000_0000; }
        return (uint)r;
    }

    /// <summary>SignedSat/UnsignedSat to <paramref name="bits"/> bits, setting Q on saturation (SSAT16/USAT16).</summary>
    private uint Saturate(long v, int bits, bool signed)
    {
        long lo = signed ? -(1L << (bits - 1)) : 0, hi = signed ? (1L << (bits - 1)) - 1 : (1L << bits) - 1;
        if (v < lo) { _q = true; v = lo; }
        else if (v > hi) { _q = true; v = hi; }
        return (uint)v;
    }

    /// <summary>
    /// The parallel add/subtract family (A7.7.x SADD16 ... UHSUB8): each lane computed exactly, then kept modulo
    /// its width (S, U: these set GE, A7.7.112 and A7.7.176), saturated (Q, UQ: Q is not touched) or halved (SH, UH).
    /// </summary>
    private uint Parallel(uint kind, uint n, uint m)
    {
        uint laneOp = kind & 7, prefix = kind >> 4;
        bool signed = (prefix & 4) == 0;
        int width = laneOp is 0 or 4 ? 8 : 16, lanes = 32 / width;
        uint mask = (1u << width) - 1;
        uint result = 0, ge = 0;
        for (int k = 0; k < lanes; k++)
        {
            // ASX: lane 0 subtracts m's lane 1, lane 1 adds m's lane 0; SAX the other way round.
            int mk = laneOp is 2 or 6 ? 1 - k : k;
            bool sub = laneOp switch { 4 or 5 => true, 2 => k == 0, 6 => k == 1, _ => false };
            long a = Lane(n, k, width, signed), b = Lane(m, mk, width, signed);
            long r = sub ? a - b : a + b;
            bool geLane = signed || sub ? r >= 0 : r >= 1L << width;
            long v = (prefix & 3) switch
            {
                1 => Math.Clamp(r, signed ? -(1L << (width - 1)) : 0, signed ? (1L << (width - 1)) - 1 : (1L << width) - 1),
                2 => r >> 1,
                _ => r,
            };
            result |= ((uint)v & mask) << (k * width);
            if (geLane) ge |= (width == 8 ? 1u : 3u) << (k * (width / 8));
        }
        if ((prefix & 3) == 0) _ge = ge;
        return result;
    }

    private static long Lane(uint v, int k, int width, bool signed)
    {
        uint x = (v >> (k * width)) & ((1u << width) - 1);
        return signed ? (long)((int)(x << (32 - width)) >> (32 - width)) : x;
    }
}
