using System.Buffers.Binary;
using System.Text;

namespace SocSim.Boards.Elf;

public sealed class ElfException(string message) : Exception(message);

public enum ElfSymbolType : byte { NoType = 0, Object = 1, Func = 2, Section = 3, File = 4, Common = 5, Tls = 6 }
public enum ElfSymbolBinding : byte { Local = 0, Global = 1, Weak = 2 }

/// <summary>A program header. Only PT_LOAD segments are loaded; bytes past <see cref="FileSize"/> up to <see cref="MemSize"/> are zero.</summary>
public sealed record ElfSegment(
    int Index,
    uint Type,
    uint Offset,
    uint VirtualAddress,
    uint PhysicalAddress,
    uint FileSize,
    uint MemSize,
    uint Flags,
    uint Align,
    ReadOnlyMemory<byte> Data)
{
    public const uint PtLoad = 1;
    public bool IsLoad => Type == PtLoad;
    public bool IsExecutable => (Flags & 1) != 0;
    public bool IsWritable => (Flags & 2) != 0;
}

public sealed record ElfSection(int Index, string Name, uint Type, uint Flags, uint Address, uint Offset, uint Size, uint Link, uint Info, uint EntrySize)
{
    public const uint ShtSymtab = 2, ShtStrtab = 3, ShtNobits = 8;
}

/// <summary>
/// A symbol-table entry. <see cref="Value"/> is the raw st_value: for a Thumb function its bit 0 is set
/// (ARM ELF ABI, "Symbol values"), so <see cref="Address"/> clears it and <see cref="IsThumb"/> reports it.
/// </summary>
public sealed record ElfSymbol(string Name, uint Value, uint Size, ElfSymbolType Type, ElfSymbolBinding Binding, ushort SectionIndex)
{
    public bool IsThumb => Type == ElfSymbolType.Func && (Value & 1) != 0;
    public uint Address => IsThumb ? Value & ~1u : Value;
    public bool IsFunction => Type == ElfSymbolType.Func;
}

public enum ArmMappingKind { Arm, Thumb, Data }

/// <summary>An ARM mapping symbol ($a, $t, $d): from <see cref="Address"/> on, the section holds ARM code, Thumb code or data.</summary>
public sealed record ArmMappingSymbol(uint Address, ArmMappingKind Kind, ushort SectionIndex);

/// <summary>An ELF32 little-endian ARM executable (ELF spec, ARM IHI 0044 "ELF for the ARM Architecture").</summary>
public sealed class ElfFile
{
    public const ushort EmArm = 40;
    public const ushort EtExec = 2;

    private readonly ElfSymbol[] _functionsByAddress;

    private ElfFile(string name, uint entry, ushort type, uint flags, List<ElfSegment> segments, List<ElfSection> sections,
        List<ElfSymbol> symbols, List<ArmMappingSymbol> mapping)
    {
        Name = name;
        Entry = entry;
        Type = type;
        Flags = flags;
        Segments = segments;
        Sections = sections;
        Symbols = symbols;
        MappingSymbols = mapping;
        _functionsByAddress = symbols.Where(s => s.IsFunction && s.SectionIndex != 0)
            .OrderBy(s => s.Address).ThenByDescending(s => s.Size).ThenBy(s => s.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The file name, or "&lt;bytes&gt;", used in messages.</summary>
    public string Name { get; }
    /// <summary>e_entry; bit 0 set means the entry is Thumb code.</summary>
    public uint Entry { get; }
    public bool EntryIsThumb => (Entry & 1) != 0;
    public ushort Type { get; }
    /// <summary>e_flags (EABI version and float ABI bits).</summary>
    public uint Flags { get; }
    public IReadOnlyList<ElfSegment> Segments { get; }
    public IEnumerable<ElfSegment> LoadSegments => Segments.Where(s => s.IsLoad);
    public IReadOnlyList<ElfSection> Sections { get; }
    /// <summary>Every named symbol of .symtab except the ARM mapping symbols.</summary>
    public IReadOnlyList<ElfSymbol> Symbols { get; }
    public IReadOnlyList<ArmMappingSymbol> MappingSymbols { get; }
    /// <summary>The whole file as read (the load segments' data are slices of it).</summary>
    public ReadOnlyMemory<byte> Contents { get; private init; }
    /// <summary>The architecture the file says it was built for (its .ARM.attributes), or null without them.</summary>
    public ArmBuildAttributes? ArmAttributes { get; private init; }
    /// <summary>Function symbols sorted by address.</summary>
    public IReadOnlyList<ElfSymbol> Functions => _functionsByAddress;

    /// <summary>The largest ELF or raw image read (the ARM7TDMI addresses 4 GiB; firmware is far smaller).</summary>
    public const long MaxImageBytes = 512L << 20;

    public static ElfFile Parse(string path)
    {
        byte[] bytes;
        try { bytes = SocSim.Core.HostInput.ReadAllBytes(path, ElfFile.MaxImageBytes, "firmware image"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ElfException($"{SocSim.Core.HostInput.QuotePath(path)}: cannot read: {SocSim.Core.HostInput.Reason(e)}");
        }
        return Parse(bytes, path);
    }

    public static ElfFile Parse(byte[] bytes, string name = "<bytes>")
    {
        ElfException Bad(string m) => new($"{name}: {m}");
        ReadOnlySpan<byte> b = bytes;
        if (b.Length < 4 || b[0] != 0x7F || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw Bad("not an ELF file (no \\x7FELF magic)");
        if (b.Length < 16) throw Bad($"truncated ELF identification: {b.Length} bytes, need 16");
        if (b[4] == 2) throw Bad("wrong ELF class: 64-bit (ELFCLASS64); expected a 32-bit ARM executable");
        if (b[4] != 1) throw Bad($"invalid ELF class {b[4]}; expected 1 (ELFCLASS32)");
        if (b[5] == 2) throw Bad("big-endian ELF (ELFDATA2MSB); expected little-endian");
        if (b[5] != 1) throw Bad($"invalid ELF data encoding {b[5]}; expected 1 (ELFDATA2LSB)");
        if (b.Length < 52) throw Bad($"truncated ELF header: {b.Length} bytes, need 52");

        ushort type = U16(b, 16), machine = U16(b, 18);
        if (machine != EmArm) throw Bad($"machine is {machine}{MachineName(machine)}, not ARM (EM_ARM = 40)");
        if (type != EtExec)
            throw Bad($"not an executable: e_type is {type}{type switch { 1 => " (ET_REL, a relocatable object: link it first)", 3 => " (ET_DYN, a shared object)", 4 => " (ET_CORE)", _ => "" }}; expected 2 (ET_EXEC)");
        uint entry = U32(b, 24), phoff = U32(b, 28), shoff = U32(b, 32), flags = U32(b, 36);
        ushort phentsize = U16(b, 42), phnum = U16(b, 44), shentsize = U16(b, 46), shnum = U16(b, 48), shstrndx = U16(b, 50);

        // Program headers.
        var segments = new List<ElfSegment>();
        if (phnum > 0)
        {
            if (phentsize < 32) throw Bad($"program header entry size {phentsize} is smaller than 32");
            if ((ulong)phoff + (ulong)phnum * phentsize > (ulong)b.Length)
                throw Bad($"truncated program headers: {phnum} x {phentsize} bytes at offset 0x{phoff:X} run past the end of the file ({b.Length} bytes)");
            for (int i = 0; i < phnum; i++)
            {
                int o = checked((int)(phoff + (uint)(i * phentsize)));
                uint ptype = U32(b, o), off = U32(b, o + 4), vaddr = U32(b, o + 8), paddr = U32(b, o + 12),
                     filesz = U32(b, o + 16), memsz = U32(b, o + 20), pflags = U32(b, o + 24), align = U32(b, o + 28);
                if (ptype == ElfSegment.PtLoad)
                {
                    if ((ulong)off + filesz > (ulong)b.Length)
                        throw Bad($"truncated segment {i}: file bytes 0x{off:X}-0x{(ulong)off + filesz - 1:X} run past the end of the file ({b.Length} bytes)");
                    if (filesz > memsz)
                        throw Bad($"segment {i}: file size 0x{filesz:X} is larger than its memory size 0x{memsz:X}");
                    if ((ulong)paddr + memsz > 0x1_0000_0000UL)
                        throw Bad($"segment {i}: 0x{paddr:X8}+0x{memsz:X} extends past 4 GiB");
                }
                var data = ptype == ElfSegment.PtLoad ? new ReadOnlyMemory<byte>(bytes, (int)off, (int)filesz) : ReadOnlyMemory<byte>.Empty;
                segments.Add(new ElfSegment(i, ptype, off, vaddr, paddr, filesz, memsz, pflags, align, data));
            }
        }

        // Section headers (optional in an executable, but firmware always has them unless stripped).
        var sections = new List<ElfSection>();
        if (shnum > 0)
        {
            if (shentsize < 40) throw Bad($"section header entry size {shentsize} is smaller than 40");
            if ((ulong)shoff + (ulong)shnum * shentsize > (ulong)b.Length)
                throw Bad($"truncated section headers: {shnum} x {shentsize} bytes at offset 0x{shoff:X} run past the end of the file ({b.Length} bytes)");
            var raw = new (uint Name, uint Type, uint Flags, uint Addr, uint Off, uint Size, uint Link, uint Info, uint EntSize)[shnum];
            for (int i = 0; i < shnum; i++)
            {
                int o = checked((int)(shoff + (uint)(i * shentsize)));
                raw[i] = (U32(b, o), U32(b, o + 4), U32(b, o + 8), U32(b, o + 12), U32(b, o + 16), U32(b, o + 20), U32(b, o + 24), U32(b, o + 28), U32(b, o + 36));
                if (raw[i].Type != ElfSection.ShtNobits && raw[i].Type != 0 && (ulong)raw[i].Off + raw[i].Size > (ulong)b.Length)
                    throw Bad($"truncated section {i}: bytes 0x{raw[i].Off:X}-0x{(ulong)raw[i].Off + raw[i].Size - 1:X} run past the end of the file ({b.Length} bytes)");
            }
            if (shstrndx != 0 && shstrndx >= shnum) throw Bad($"section name table index {shstrndx} out of range ({shnum} sections)");
            for (int i = 0; i < shnum; i++)
            {
                var r = raw[i];
                string sname = shstrndx == 0 ? "" : Str(b, raw[shstrndx].Off, raw[shstrndx].Size, r.Name, name, $"name of section {i}");
                sections.Add(new ElfSection(i, sname, r.Type, r.Flags, r.Addr, r.Off, r.Size, r.Link, r.Info, r.EntSize));
            }
        }

        // Symbols from .symtab and the string table it links to.
        var symbols = new List<ElfSymbol>();
        var mapping = new List<ArmMappingSymbol>();
        foreach (var st in sections.Where(s => s.Type == ElfSection.ShtSymtab))
        {
            if (st.Link >= sections.Count) throw Bad($"symbol table {st.Name} links to string table {st.Link}, which does not exist");
            var strtab = sections[(int)st.Link];
            uint entsize = st.EntrySize == 0 ? 16 : st.EntrySize;
            if (entsize < 16) throw Bad($"symbol table {st.Name} entry size {entsize} is smaller than 16");
            for (uint o = entsize; o + 16 <= st.Size; o += entsize) // entry 0 is the null symbol
            {
                int p = (int)(st.Offset + o);
                uint nameOff = U32(b, p), value = U32(b, p + 4), size = U32(b, p + 8);
                byte info = b[p + 12];
                ushort shndx = U16(b, p + 14);
                string sname = Str(b, strtab.Offset, strtab.Size, nameOff, name, $"name of symbol {o / entsize}");
                var stype = (ElfSymbolType)(info & 0xF);
                var bind = (ElfSymbolBinding)(info >> 4);
                if (sname.Length >= 2 && sname[0] == '$' && (sname.Length == 2 || sname[2] == '.') && sname[1] is 'a' or 't' or 'd')
                {
                    mapping.Add(new ArmMappingSymbol(value, sname[1] switch { 'a' => ArmMappingKind.Arm, 't' => ArmMappingKind.Thumb, _ => ArmMappingKind.Data }, shndx));
                    continue;
                }
                if (sname.Length == 0 || stype is ElfSymbolType.Section or ElfSymbolType.File) continue;
                symbols.Add(new ElfSymbol(sname, value, size, stype, bind, shndx));
            }
        }
        mapping.Sort((x, y) => x.Address.CompareTo(y.Address));
        var attributes = sections.FirstOrDefault(sec => sec.Type == ArmBuildAttributes.ShtArmAttributes);
        return new ElfFile(name, entry, type, flags, segments, sections, symbols, mapping)
        {
            Contents = bytes,
            ArmAttributes = attributes == null ? null : ArmBuildAttributes.Parse(b.Slice((int)attributes.Offset, (int)attributes.Size)),
        };
    }

    /// <summary>The first symbol with this exact name (globals before locals).</summary>
    public ElfSymbol? FindSymbol(string name) =>
        Symbols.Where(s => s.Name == name).OrderBy(s => s.Binding == ElfSymbolBinding.Local ? 1 : 0).FirstOrDefault();

    /// <summary>
    /// The function containing <paramref name="address"/>: the last function starting at or before it,
    /// if the address lies within its size (a size-0 function, typical of hand-written assembly, extends
    /// to the next function). Binary search over <see cref="Functions"/>.
    /// </summary>
    public ElfSymbol? FunctionAt(uint address)
    {
        var f = _functionsByAddress;
        int lo = 0, hi = f.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (f[mid].Address <= address) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        if (found < 0) return null;
        // Several functions may start at one address (aliases); they are sorted largest first.
        uint start = f[found].Address;
        while (found > 0 && f[found - 1].Address == start) found--;
        for (int i = found; i < f.Length && f[i].Address == start; i++)
            if (f[i].Size == 0 || address - start < f[i].Size) return f[i];
        return null;
    }

    /// <summary>What the mapping symbols say lies at <paramref name="address"/> (null where none precede it).</summary>
    public ArmMappingKind? MappingAt(uint address)
    {
        ArmMappingKind? k = null;
        int lo = 0, hi = MappingSymbols.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (MappingSymbols[mid].Address <= address) { k = MappingSymbols[mid].Kind; lo = mid + 1; }
            else hi = mid - 1;
        }
        return k;
    }

    private static ushort U16(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt16LittleEndian(b[o..]);
    private static uint U32(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b[o..]);

    private static string Str(ReadOnlySpan<byte> b, uint tableOffset, uint tableSize, uint index, string file, string what)
    {
        if (index >= tableSize) throw new ElfException($"{file}: {what}: string offset 0x{index:X} lies outside its string table (0x{tableSize:X} bytes)");
        var s = b.Slice((int)(tableOffset + index), (int)(tableSize - index));
        int end = s.IndexOf((byte)0);
        if (end < 0) throw new ElfException($"{file}: {what}: string at 0x{index:X} is not terminated");
        return Encoding.UTF8.GetString(s[..end]);
    }

    private static string MachineName(ushort m) => m switch
    {
        3 => " (EM_386)",
        8 => " (EM_MIPS)",
        20 => " (EM_PPC)",
        62 => " (EM_X86_64)",
        183 => " (EM_AARCH64)",
        243 => " (EM_RISCV)",
        _ => "",
    };
}
