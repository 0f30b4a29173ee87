using SocSim.Boards.Elf;

namespace SocSim.Trace.Profiling;

/// <summary>
/// Names the code at an address for the profiler: the ELF function containing it
/// (<see cref="ElfFile.FunctionAt"/>), else the nearest code label before it (a NOTYPE symbol in an
/// executable section, e.g. <c>_vectors</c>), else "[unknown]". Pseudo-functions ("[reset]",
/// "[irq]"...) name cycles that belong to no instruction. Ids are dense, assigned on first use;
/// lookups are cached per address.
/// </summary>
public sealed class CodeMap
{
    public const uint NoEntry = 0xFFFF_FFFF;

    private readonly ElfFile? _elf;
    private readonly Dictionary<uint, int> _byPc = new();
    private readonly Dictionary<uint, int> _byStart = new();
    private readonly Dictionary<string, int> _byName = new(StringComparer.Ordinal);
    private readonly List<string> _names = new();
    private readonly List<uint> _entries = new();
    private readonly (uint Address, string Name)[] _labels;

    public CodeMap(ElfFile? elf)
    {
        _elf = elf;
        _labels = elf == null ? [] : elf.Symbols
            .Where(s => s.Type == ElfSymbolType.NoType && s.SectionIndex > 0 && s.SectionIndex < elf.Sections.Count
                        && (elf.Sections[s.SectionIndex].Flags & 4) != 0 && s.Name.Length > 0 && s.Name[0] != '$' && s.Name[0] != '.')
            .Select(s => (s.Address, s.Name))
            .OrderBy(s => s.Address).ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToArray();
    }

    public int Count => _names.Count;
    public string Name(int id) => _names[id];
    /// <summary>The function's first instruction, or <see cref="NoEntry"/> for a pseudo-function.</summary>
    public uint Entry(int id) => _entries[id];
    public bool IsEntry(int id, uint pc) => _entries[id] == pc;

    /// <summary>A pseudo-function such as "[irq]".</summary>
    public int Pseudo(string name)
    {
        if (_byName.TryGetValue(name, out int id)) return id;
        return Add(name, NoEntry);
    }

    /// <summary>The id of the function executing <paramref name="pc"/>.</summary>
    public int At(uint pc)
    {
        if (_byPc.TryGetValue(pc, out int id)) return id;
        id = Resolve(pc);
        _byPc[pc] = id;
        return id;
    }

    private int Resolve(uint pc)
    {
        var f = _elf?.FunctionAt(pc);
        if (f != null) return ForStart(f.Address, f.Name);
        int i = Array.BinarySearch(_labels, (pc, "\uffff"), Comparer<(uint Address, string Name)>.Create((a, b) =>
            a.Address != b.Address ? a.Address.CompareTo(b.Address) : string.CompareOrdinal(a.Name, b.Name)));
        if (i < 0) i = ~i;
        i--;
        if (i >= 0 && (_elf == null || NoFunctionBetween(_labels[i].Address, pc))) return ForStart(_labels[i].Address, _labels[i].Name);
        return Pseudo("[unknown]");
    }

    // A label only names code up to the next function.
    private bool NoFunctionBetween(uint label, uint pc) => !_elf!.Functions.Any(f => f.Address > label && f.Address <= pc);

    private int ForStart(uint start, string name)
    {
        if (_byStart.TryGetValue(start, out int id)) return id;
        // Two functions of one name (statics of different files) stay apart.
        if (_byName.ContainsKey(name)) name = $"{name}@0x{start:x}";
        id = Add(name, start);
        _byStart[start] = id;
        return id;
    }

    private int Add(string name, uint entry)
    {
        int id = _names.Count;
        _names.Add(name);
        _entries.Add(entry);
        _byName[name] = id;
        return id;
    }
}
