using System.Buffers.Binary;
using System.Text;

namespace SocSim.Boards.Tests;

/// <summary>
/// A tiny ELF32 little-endian writer for tests: PT_LOAD segments, a .text section over the first
/// segment, and .symtab/.strtab/.shstrtab. Tests corrupt its output to exercise each parser error.
/// </summary>
public sealed class ElfWriter
{
    public sealed record Segment(uint PAddr, uint VAddr, byte[] Data, uint MemSize, uint Flags = 5);
    public sealed record Symbol(string Name, uint Value, uint Size, byte Type, byte Bind = 1, ushort Section = 1);

    public const byte SttObject = 1, SttFunc = 2, SttNoType = 0, SttSection = 3;

    public uint Entry { get; set; } = 0x8000;
    public ushort Machine { get; set; } = 40;
    public ushort Type { get; set; } = 2;
    public List<Segment> Segments { get; } = [];
    public List<Symbol> Symbols { get; } = [];

    // Where things ended up, for tests that corrupt them.
    public int ProgramHeaderOffset { get; private set; }
    public int SectionHeaderOffset { get; private set; }
    public List<int> SegmentDataOffsets { get; } = [];

    public const int EhSize = 52, PhEntSize = 32, ShEntSize = 40;

    public byte[] Build()
    {
        var o = new MemoryStream();
        o.Write(new byte[EhSize]);
        ProgramHeaderOffset = (int)o.Length;
        o.Write(new byte[PhEntSize * Segments.Count]);
        SegmentDataOffsets.Clear();
        foreach (var s in Segments)
        {
            Align(o, 4);
            SegmentDataOffsets.Add((int)o.Length);
            o.Write(s.Data);
        }

        // .strtab and .symtab
        var strtab = new MemoryStream();
        strtab.WriteByte(0);
        var symtab = new MemoryStream();
        symtab.Write(new byte[16]);
        foreach (var sym in Symbols)
        {
            uint nameOff = (uint)strtab.Length;
            strtab.Write(Encoding.UTF8.GetBytes(sym.Name));
            strtab.WriteByte(0);
            var e = new byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(0), nameOff);
            BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(4), sym.Value);
            BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(8), sym.Size);
            e[12] = (byte)(sym.Bind << 4 | sym.Type);
            BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(14), sym.Section);
            symtab.Write(e);
        }
        string[] names = ["", ".text", ".symtab", ".strtab", ".shstrtab"];
        var shstr = new MemoryStream();
        var nameOffsets = new uint[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            nameOffsets[i] = (uint)shstr.Length;
            shstr.Write(Encoding.ASCII.GetBytes(names[i]));
            shstr.WriteByte(0);
        }
        Align(o, 4);
        int symOff = (int)o.Length; o.Write(symtab.ToArray());
        int strOff = (int)o.Length; o.Write(strtab.ToArray());
        int shstrOff = (int)o.Length; o.Write(shstr.ToArray());
        Align(o, 4);
        SectionHeaderOffset = (int)o.Length;
        var text = Segments.Count > 0 ? Segments[0] : null;
        (uint Type, uint Flags, uint Addr, uint Off, uint Size, uint Link, uint Info, uint EntSize)[] sh =
        [
            (0, 0, 0, 0, 0, 0, 0, 0),
            (1, 6, text?.VAddr ?? 0, (uint)(text != null ? SegmentDataOffsets[0] : 0), (uint)(text?.Data.Length ?? 0), 0, 0, 0),
            (2, 0, 0, (uint)symOff, (uint)symtab.Length, 3, 1, 16),
            (3, 0, 0, (uint)strOff, (uint)strtab.Length, 0, 0, 0),
            (3, 0, 0, (uint)shstrOff, (uint)shstr.Length, 0, 0, 0),
        ];
        for (int i = 0; i < sh.Length; i++)
        {
            var e = new byte[ShEntSize];
            var s = sh[i];
            W32(e, 0, nameOffsets[i]); W32(e, 4, s.Type); W32(e, 8, s.Flags); W32(e, 12, s.Addr);
            W32(e, 16, s.Off); W32(e, 20, s.Size); W32(e, 24, s.Link); W32(e, 28, s.Info); W32(e, 32, 4); W32(e, 36, s.EntSize);
            o.Write(e);
        }

        var b = o.ToArray();
        b[0] = 0x7F; b[1] = (byte)'E'; b[2] = (byte)'L'; b[3] = (byte)'F';
        b[4] = 1; b[5] = 1; b[6] = 1;
        W16(b, 16, Type); W16(b, 18, Machine); W32(b, 20, 1);
        W32(b, 24, Entry); W32(b, 28, (uint)ProgramHeaderOffset); W32(b, 32, (uint)SectionHeaderOffset);
        W32(b, 36, 0x05000000); // EABI version 5
        W16(b, 40, EhSize); W16(b, 42, PhEntSize); W16(b, 44, (ushort)Segments.Count);
        W16(b, 46, ShEntSize); W16(b, 48, (ushort)sh.Length); W16(b, 50, 4);
        for (int i = 0; i < Segments.Count; i++)
        {
            var s = Segments[i];
            int p = ProgramHeaderOffset + i * PhEntSize;
            W32(b, p, 1); W32(b, p + 4, (uint)SegmentDataOffsets[i]); W32(b, p + 8, s.VAddr); W32(b, p + 12, s.PAddr);
            W32(b, p + 16, (uint)s.Data.Length); W32(b, p + 20, s.MemSize); W32(b, p + 24, s.Flags); W32(b, p + 28, 4);
        }
        return b;
    }

    private static void Align(MemoryStream o, int a)
    {
        while (o.Length % a != 0) o.WriteByte(0);
    }

    public static void W16(byte[] b, int o, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(o), v);
    public static void W32(byte[] b, int o, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(o), v);

    /// <summary>A typical image: code at 0x8000 (ARM entry, a Thumb function), data with .bss at 0x9000.</summary>
    public static ElfWriter Sample()
    {
        var w = new ElfWriter { Entry = 0x8000 };
        w.Segments.Add(new Segment(0x8000, 0x8000, Enumerable.Range(0, 64).Select(i => (byte)(i + 1)).ToArray(), 64, 5));
        w.Segments.Add(new Segment(0x9000, 0x9000, [0xAA, 0xBB, 0xCC, 0xDD], 0x20, 6));
        w.Symbols.Add(new Symbol("$a", 0x8000, 0, SttNoType, 0));
        w.Symbols.Add(new Symbol("_start", 0x8000, 0x10, SttFunc));
        w.Symbols.Add(new Symbol("$t", 0x8010, 0, SttNoType, 0));
        w.Symbols.Add(new Symbol("thumb_fn", 0x8011, 0x10, SttFunc));
        w.Symbols.Add(new Symbol("$d", 0x8020, 0, SttNoType, 0));
        w.Symbols.Add(new Symbol("$a.1", 0x8030, 0, SttNoType, 0));
        w.Symbols.Add(new Symbol("asm_loop", 0x8030, 0, SttFunc, 0));
        w.Symbols.Add(new Symbol("counter", 0x9000, 4, SttObject, 1, 2));
        return w;
    }
}
