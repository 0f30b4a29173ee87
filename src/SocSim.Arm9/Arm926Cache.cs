using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SocSim.Core.State;

namespace SocSim.Arm9;

/// <summary>
/// One of the ARM926EJ-S's caches (DDI 0198E chapter 4): 4-way set associative, 8-word (32-byte)
/// lines, virtually indexed and virtually tagged by the MVA, two dirty bits per line (one per half
/// line, the D-cache only), the physical address of each line kept for its write-back (the TRM's
/// PA TAG RAM). Lines hold data: a line is a copy of memory taken at its fill, so a stale line is
/// observable as on the chip.
/// </summary>
/// <remarks>
/// Replacement (CP15 c1.RR, DDI 0198E 2.3.5 and 4.x): round-robin is one victim counter per cache,
/// advanced at every line fill. Pseudo-random: the TRM does not give the generator; this model uses
/// a 16-bit Fibonacci LFSR (taps 16, 14, 13, 11: x^16 + x^14 + x^13 + x^11 + 1, maximal length),
/// seeded 0xACE1 at reset and stepped once per line fill, whose two low bits name the way.
/// Lockdown (c9 format C, DDI 0198E 2.3.10): a way whose L bit is set is never chosen for a fill;
/// the victim is the next way after the chosen one that is not locked. With all four ways locked
/// (the TRM leaves it undefined) the access is served without allocating a line.
/// </remarks>
internal sealed unsafe class Arm926Cache : IDisposable
{
    public const int Ways = 4, LineBytes = 32, LineShift = 5;
    public const ushort LfsrSeed = 0xACE1;
    public readonly int Sets, SizeKiB;
    public readonly int Lines;
    private readonly uint _setMask;

    /// <summary>Per line (set * 4 + way): the MVA of the line | 1 when valid, 0 when invalid.</summary>
    public uint* Tag;
    /// <summary>Per line: its physical address (line aligned).</summary>
    public uint* Pa;
    /// <summary>Per line: bit 0 words 0-3 dirty, bit 1 words 4-7 dirty.</summary>
    public byte* Dirty;
    /// <summary>32 bytes per line.</summary>
    public byte* Data;

    public int RoundRobin;
    public ushort Lfsr = LfsrSeed;
    /// <summary>c9's L bits (3:0): ways closed to allocation.</summary>
    public uint Lockdown;

    public Arm926Cache(int sizeKiB)
    {
        SizeKiB = sizeKiB;
        Lines = sizeKiB * 1024 / LineBytes;
        Sets = Lines / Ways;
        _setMask = (uint)Sets - 1;
        Tag = (uint*)NativeMemory.AllocZeroed((nuint)Lines, sizeof(uint));
        Pa = (uint*)NativeMemory.AllocZeroed((nuint)Lines, sizeof(uint));
        Dirty = (byte*)NativeMemory.AllocZeroed((nuint)Lines, 1);
        Data = (byte*)NativeMemory.AllocZeroed((nuint)Lines * LineBytes, 1);
    }

    /// <summary>The cache type register's size field (DDI 0198E table 2-5): 4 KiB is 0b0011, each doubling one more.</summary>
    public uint SizeField => (uint)System.Numerics.BitOperations.Log2((uint)SizeKiB) + 1;

    /// <summary>The line holding <paramref name="mva"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Lookup(uint mva)
    {
        int b = (int)((mva >> LineShift) & _setMask) * Ways;
        uint t = (mva & ~31u) | 1;
        uint* tag = Tag + b;
        if (tag[0] == t) return b;
        if (tag[1] == t) return b + 1;
        if (tag[2] == t) return b + 2;
        if (tag[3] == t) return b + 3;
        return -1;
    }

    /// <summary>The line a fill of <paramref name="mva"/> replaces (advancing the replacement state), or -1 when every way is locked.</summary>
    public int Victim(uint mva, bool random)
    {
        if ((Lockdown & 0xF) == 0xF) return -1;
        int way;
        if (random)
        {
            uint l = Lfsr;
            uint bit = (l ^ (l >> 2) ^ (l >> 3) ^ (l >> 5)) & 1;
            Lfsr = (ushort)((l >> 1) | (bit << 15));
            way = Lfsr & 3;
        }
        else
        {
            way = RoundRobin;
            RoundRobin = (RoundRobin + 1) & 3;
        }
        while ((Lockdown & (1u << way)) != 0) way = (way + 1) & 3;
        return (int)((mva >> LineShift) & _setMask) * Ways + way;
    }

    /// <summary>The line a set/way operand names (DDI 0198E 2.3.8: way in bits 31:30, set in bits S+4:5).</summary>
    public int LineOfSetWay(uint value) => (int)((value >> LineShift) & _setMask) * Ways + (int)(value >> 30);

    public byte* LineData(int line) => Data + (nint)line * LineBytes;

    public void InvalidateAll()
    {
        new Span<uint>(Tag, Lines).Clear();
        new Span<byte>(Dirty, Lines).Clear();
    }

    public void Reset()
    {
        InvalidateAll();
        RoundRobin = 0;
        Lfsr = LfsrSeed;
        Lockdown = 0;
    }

    /// <summary>Lines whose physical address overlaps [<paramref name="pa"/>, + <paramref name="length"/>).</summary>
    public List<int> LinesOf(uint pa, int length)
    {
        var lines = new List<int>();
        ulong lo = pa & ~31u, hi = (ulong)pa + (ulong)Math.Max(length, 1);
        for (int i = 0; i < Lines; i++)
            if ((Tag[i] & 1) != 0 && Pa[i] >= lo && Pa[i] < hi) lines.Add(i);
        return lines;
    }

    public void Save(StateWriter w)
    {
        w.Write(SizeKiB);
        w.WriteBytes(new ReadOnlySpan<byte>(Tag, Lines * 4));
        w.WriteBytes(new ReadOnlySpan<byte>(Pa, Lines * 4));
        w.WriteBytes(new ReadOnlySpan<byte>(Dirty, Lines));
        w.WriteBytes(new ReadOnlySpan<byte>(Data, Lines * LineBytes));
        w.Write(RoundRobin);
        w.Write((int)Lfsr);
        w.Write(Lockdown);
    }

    public void Load(StateReader r, string name)
    {
        int size = r.ReadInt();
        if (size != SizeKiB) throw new StateException($"the checkpoint's {name} is {size} KiB, this board's {SizeKiB} KiB");
        Copy(r.ReadBytes(), Tag, Lines * 4, name);
        Copy(r.ReadBytes(), Pa, Lines * 4, name);
        Copy(r.ReadBytes(), Dirty, Lines, name);
        Copy(r.ReadBytes(), Data, Lines * LineBytes, name);
        RoundRobin = r.ReadInt() & 3;
        Lfsr = (ushort)r.ReadInt();
        Lockdown = r.ReadUInt() & 0xF;
    }

    private static void Copy(byte[] from, void* to, int length, string name)
    {
        if (from.Length != length) throw new StateException($"the checkpoint's {name} holds {from.Length} bytes where {length} are expected");
        from.CopyTo(new Span<byte>(to, length));
    }

    public void Dispose()
    {
        if (Tag == null) return;
        NativeMemory.Free(Tag); NativeMemory.Free(Pa); NativeMemory.Free(Dirty); NativeMemory.Free(Data);
        Tag = null; Pa = null; Dirty = null; Data = null;
    }
}
