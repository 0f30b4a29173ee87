using SocSim.Boards.Elf;
using SocSim.Core;

namespace SocSim.Boards.Tests;

public sealed class ElfTests : IDisposable
{
    private readonly Bus _bus = new(Scheduler.CycleBased());
    private readonly List<MemoryRegion> _regions = [];

    public void Dispose()
    {
        _bus.Dispose();
        foreach (var r in _regions) r.Dispose();
    }

    private MemoryRegion AddRegion(string name, uint b, uint size, RegionKind kind = RegionKind.Ram)
    {
        var r = new MemoryRegion(name, b, size, kind, 32, WaitStates.Zero);
        _regions.Add(r);
        _bus.AddRegion(r);
        return r;
    }

    private static ElfException Fails(byte[] bytes) => Assert.Throws<ElfException>(() => ElfFile.Parse(bytes, "t.elf"));

    [Fact]
    public void ParsesHeaderSegmentsSectionsAndSymbols()
    {
        var elf = ElfFile.Parse(ElfWriter.Sample().Build());
        Assert.Equal(0x8000u, elf.Entry);
        Assert.False(elf.EntryIsThumb);
        var load = elf.LoadSegments.ToList();
        Assert.Equal(2, load.Count);
        Assert.Equal((0x8000u, 0x8000u, 64u, 64u), (load[0].PhysicalAddress, load[0].VirtualAddress, load[0].FileSize, load[0].MemSize));
        Assert.True(load[0].IsExecutable);
        Assert.Equal((4u, 0x20u), (load[1].FileSize, load[1].MemSize));
        Assert.True(load[1].IsWritable);
        Assert.Equal(["", ".text", ".symtab", ".strtab", ".shstrtab"], elf.Sections.Select(s => s.Name));

        Assert.Equal(["_start", "thumb_fn", "asm_loop", "counter"], elf.Symbols.Select(s => s.Name));
        var t = elf.FindSymbol("thumb_fn")!;
        Assert.Equal((0x8011u, 0x8010u, true), (t.Value, t.Address, t.IsThumb));
        var c = elf.FindSymbol("counter")!;
        Assert.Equal((ElfSymbolType.Object, ElfSymbolBinding.Global, 0x9000u, false), (c.Type, c.Binding, c.Address, c.IsThumb));
        Assert.Equal(ElfSymbolBinding.Local, elf.FindSymbol("asm_loop")!.Binding);
        Assert.Null(elf.FindSymbol("$t"));

        Assert.Equal(
            [(0x8000u, ArmMappingKind.Arm), (0x8010u, ArmMappingKind.Thumb), (0x8020u, ArmMappingKind.Data), (0x8030u, ArmMappingKind.Arm)],
            elf.MappingSymbols.Select(m => (m.Address, m.Kind)));
        Assert.Equal(ArmMappingKind.Thumb, elf.MappingAt(0x801E));
        Assert.Equal(ArmMappingKind.Data, elf.MappingAt(0x8024));
        Assert.Null(elf.MappingAt(0x7FFC));
    }

    [Theory]
    [InlineData(0x7FFCu, null)]
    [InlineData(0x8000u, "_start")]
    [InlineData(0x800Cu, "_start")]
    [InlineData(0x8010u, "thumb_fn")]
    [InlineData(0x801Fu, "thumb_fn")]
    [InlineData(0x8020u, null)]      // data between the functions
    [InlineData(0x8030u, "asm_loop")]
    [InlineData(0x8FFCu, "asm_loop")] // size 0: extends to the next function
    public void FunctionAtFindsTheContainingFunction(uint address, string? expected)
    {
        var elf = ElfFile.Parse(ElfWriter.Sample().Build());
        Assert.Equal(expected, elf.FunctionAt(address)?.Name);
    }

    [Fact]
    public void NotAnElfFile()
    {
        Assert.Equal("t.elf: not an ELF file (no \\x7FELF magic)", Fails("MZ\x90\0 this is a PE file"u8.ToArray()).Message);
        Assert.Equal("t.elf: not an ELF file (no \\x7FELF magic)", Fails([]).Message);
    }

    [Fact]
    public void WrongClassAndEndianness()
    {
        var b = ElfWriter.Sample().Build();
        b[4] = 2;
        Assert.Equal("t.elf: wrong ELF class: 64-bit (ELFCLASS64); expected a 32-bit ARM executable", Fails(b).Message);
        b = ElfWriter.Sample().Build();
        b[5] = 2;
        Assert.Equal("t.elf: big-endian ELF (ELFDATA2MSB); expected little-endian", Fails(b).Message);
    }

    [Fact]
    public void WrongMachine()
    {
        var w = ElfWriter.Sample();
        w.Machine = 62;
        Assert.Equal("t.elf: machine is 62 (EM_X86_64), not ARM (EM_ARM = 40)", Fails(w.Build()).Message);
    }

    [Fact]
    public void NotAnExecutable()
    {
        var w = ElfWriter.Sample();
        w.Type = 1;
        Assert.Equal("t.elf: not an executable: e_type is 1 (ET_REL, a relocatable object: link it first); expected 2 (ET_EXEC)", Fails(w.Build()).Message);
    }

    [Fact]
    public void TruncatedIdentificationAndHeader()
    {
        var b = ElfWriter.Sample().Build();
        Assert.Equal("t.elf: truncated ELF identification: 10 bytes, need 16", Fails(b[..10]).Message);
        Assert.Equal("t.elf: truncated ELF header: 40 bytes, need 52", Fails(b[..40]).Message);
    }

    [Fact]
    public void TruncatedProgramHeaders()
    {
        var w = ElfWriter.Sample();
        var b = w.Build();
        ElfWriter.W32(b, 28, (uint)b.Length - 40);
        Assert.Equal($"t.elf: truncated program headers: 2 x 32 bytes at offset 0x{b.Length - 40:X} run past the end of the file ({b.Length} bytes)", Fails(b).Message);
    }

    [Fact]
    public void TruncatedSegment()
    {
        var w = ElfWriter.Sample();
        var b = w.Build();
        ElfWriter.W32(b, w.ProgramHeaderOffset + 32 + 4, (uint)b.Length - 2); // segment 1's offset
        Assert.Equal($"t.elf: truncated segment 1: file bytes 0x{b.Length - 2:X}-0x{b.Length + 1:X} run past the end of the file ({b.Length} bytes)", Fails(b).Message);
    }

    [Fact]
    public void SegmentFileSizeLargerThanMemSize()
    {
        var w = ElfWriter.Sample();
        var b = w.Build();
        ElfWriter.W32(b, w.ProgramHeaderOffset + 20, 8); // segment 0's p_memsz
        Assert.Equal("t.elf: segment 0: file size 0x40 is larger than its memory size 0x8", Fails(b).Message);
    }

    [Fact]
    public void TruncatedSectionHeaders()
    {
        var w = ElfWriter.Sample();
        var b = w.Build();
        Assert.Equal($"t.elf: truncated section headers: 5 x 40 bytes at offset 0x{w.SectionHeaderOffset:X} run past the end of the file ({b.Length - 1} bytes)", Fails(b[..^1]).Message);
    }

    [Fact]
    public void TruncatedSection()
    {
        var w = ElfWriter.Sample();
        var b = w.Build();
        int sh2 = w.SectionHeaderOffset + 2 * ElfWriter.ShEntSize; // .symtab
        ElfWriter.W32(b, sh2 + 20, 0x10000);
        Assert.StartsWith("t.elf: truncated section 2: bytes 0x", Fails(b).Message);
    }

    [Fact]
    public void BadSymbolNameOffset()
    {
        var w = ElfWriter.Sample();
        var b = w.Build();
        int symOff = (int)BitConverter.ToUInt32(b, w.SectionHeaderOffset + 2 * ElfWriter.ShEntSize + 16);
        ElfWriter.W32(b, symOff + 16, 0xFFFF); // first real symbol's st_name
        Assert.Equal("t.elf: name of symbol 1: string offset 0xFFFF lies outside its string table (0x30 bytes)", Fails(b).Message);
    }

    [Fact]
    public void ParsesAFileFromDisk()
    {
        string p = Path.Combine(Path.GetTempPath(), "socsim-elf-" + Guid.NewGuid().ToString("N") + ".elf");
        File.WriteAllBytes(p, ElfWriter.Sample().Build());
        try { Assert.Equal(p, ElfFile.Parse(p).Name); }
        finally { File.Delete(p); }
        var e = Assert.Throws<ElfException>(() => ElfFile.Parse(p));
        Assert.StartsWith(p + ": cannot read:", e.Message);
    }

    // ------------------------------------------------------------ loading

    [Fact]
    public void LoadsSegmentsAndZeroesBss()
    {
        var ram = AddRegion("ram", 0, 0x10000);
        ram.AsSpan().Fill(0xFF);
        var result = ElfLoader.Load(ElfFile.Parse(ElfWriter.Sample().Build()), _bus);
        Assert.Equal(0x8000u, result.Entry);
        Assert.Equal([(0x8000u, 64u), (0x9000u, 0x20u)], result.Ranges);
        Assert.Equal(0x04030201u, _bus.DebugRead32(0x8000));
        Assert.Equal(0x403F3E3Du, _bus.DebugRead32(0x803C));
        Assert.Equal(0xFFFFFFFFu, _bus.DebugRead32(0x8040));
        Assert.Equal(0xDDCCBBAAu, _bus.DebugRead32(0x9000));
        for (uint a = 0x9004; a < 0x9020; a += 4) Assert.Equal(0u, _bus.DebugRead32(a));
        Assert.Equal(0xFFFFFFFFu, _bus.DebugRead32(0x9020));
    }

    [Fact]
    public void LoadsIntoRomAndAcrossAdjacentRegions()
    {
        AddRegion("rom", 0x8000, 0x20, RegionKind.Rom);
        AddRegion("ram", 0x8020, 0x2000);
        ElfLoader.Load(ElfFile.Parse(ElfWriter.Sample().Build()), _bus);
        Assert.Equal(0x04030201u, _bus.DebugRead32(0x8000));
        Assert.Equal(0x24232221u, _bus.DebugRead32(0x8020));
        Assert.Equal(0xDDCCBBAAu, _bus.DebugRead32(0x9000));
    }

    [Fact]
    public void UsesPhysicalAddressesUnlessAskedOtherwise()
    {
        AddRegion("ram", 0, 0x10000);
        var w = new ElfWriter { Entry = 0x100 };
        w.Segments.Add(new ElfWriter.Segment(0x100, 0x4100, [1, 2, 3, 4], 4));
        var elf = ElfFile.Parse(w.Build());
        ElfLoader.Load(elf, _bus);
        Assert.Equal(0x04030201u, _bus.DebugRead32(0x100));
        ElfLoader.Load(elf, _bus, useVirtualAddresses: true);
        Assert.Equal(0x04030201u, _bus.DebugRead32(0x4100));
    }

    [Fact]
    public void SegmentOutsideMemory()
    {
        AddRegion("ram", 0, 0x10000);
        var w = ElfWriter.Sample();
        w.Segments.Add(new ElfWriter.Segment(0x20000000, 0x20000000, [1, 2, 3, 4], 0x1000, 6));
        var e = Assert.Throws<ElfException>(() => ElfLoader.Load(ElfFile.Parse(w.Build(), "t.elf"), _bus));
        Assert.Equal("t.elf: segment 2 at 0x20000000-0x20000FFF lies outside memory: nearest region 'ram' 0x00000000-0x0000FFFF", e.Message);
        // Nothing was written, not even the good segments.
        Assert.Equal(0u, _bus.DebugRead32(0x8000));
    }

    [Fact]
    public void SegmentPartlyOutsideMemory()
    {
        AddRegion("ram", 0, 0x9010);
        var e = Assert.Throws<ElfException>(() => ElfLoader.Load(ElfFile.Parse(ElfWriter.Sample().Build(), "t.elf"), _bus));
        Assert.Equal("t.elf: segment 1 at 0x00009000-0x0000901F leaves memory at 0x00009010: nearest region 'ram' 0x00000000-0x0000900F", e.Message);
    }

    [Fact]
    public void SegmentOnADevice()
    {
        AddRegion("ram", 0, 0x8000);
        _bus.AddDevice("uart0", 0x8000, 0x1000, new NullDevice(), WaitStates.Zero);
        var e = Assert.Throws<ElfException>(() => ElfLoader.Load(ElfFile.Parse(ElfWriter.Sample().Build(), "t.elf"), _bus));
        Assert.Equal("t.elf: segment 0 at 0x00008000-0x0000803F lies outside memory (0x00008000 is device 'uart0'): nearest region 'ram' 0x00000000-0x00007FFF", e.Message);
    }

    private sealed class NullDevice : IBusDevice
    {
        public uint Read(uint address, int size, AccessFlags flags, ref bool abort) => 0;
        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) { }
    }

    [Fact]
    public void RawImages()
    {
        AddRegion("ram", 0, 0x1000);
        var r = RawLoader.Load([1, 2, 3, 4, 5], 0x10, _bus);
        Assert.Equal(0x10u, r.Entry);
        Assert.Equal(0x04030201u, _bus.DebugRead32(0x10));
        Assert.Equal(5, _bus.DebugRead8(0x14));
        var e = Assert.Throws<ElfException>(() => RawLoader.Load(new byte[0x20], 0xFF0, _bus, "boot.bin"));
        Assert.Equal("boot.bin: image at 0x00000FF0-0x0000100F leaves memory at 0x00001000: nearest region 'ram' 0x00000000-0x00000FFF", e.Message);
        e = Assert.Throws<ElfException>(() => RawLoader.Load([], 0, _bus, "empty.bin"));
        Assert.Equal("empty.bin: empty image", e.Message);
        e = Assert.Throws<ElfException>(() => RawLoader.Load(new byte[0x20], 0xFFFFFFF0, _bus, "wrap.bin"));
        Assert.Equal("wrap.bin: 32 bytes at 0xFFFFFFF0 extend past 4 GiB", e.Message);
    }
}
