using SocSim.Core;

namespace SocSim.Boards.Elf;

/// <summary>What a loader wrote: the entry point and the address ranges it filled.</summary>
public sealed record LoadResult(uint Entry, IReadOnlyList<(uint Address, uint Length)> Ranges);

/// <summary>
/// Writes the PT_LOAD segments of an <see cref="ElfFile"/> into the RAM and ROM regions of a bus. Segments
/// go to their physical (load) address, as a bare-metal boot ROM or <c>qemu -kernel</c> with an ELF would
/// place them; the part of a segment beyond its file size is zeroed (.bss). Every segment is checked
/// before anything is written, so a failed load leaves memory untouched.
/// </summary>
public static class ElfLoader
{
    public static LoadResult Load(ElfFile elf, Bus bus, bool useVirtualAddresses = false)
    {
        var segs = elf.LoadSegments.Where(s => s.MemSize > 0).ToList();
        foreach (var s in segs)
            MemoryWriter.CheckCovered(bus, Address(s, useVirtualAddresses), s.MemSize, $"{elf.Name}: segment {s.Index}");
        var ranges = new List<(uint, uint)>();
        foreach (var s in segs)
        {
            uint a = Address(s, useVirtualAddresses);
            MemoryWriter.Write(bus, a, s.Data.Span);
            MemoryWriter.Zero(bus, a + s.FileSize, s.MemSize - s.FileSize);
            ranges.Add((a, s.MemSize));
        }
        return new LoadResult(elf.Entry, ranges);
    }

    private static uint Address(ElfSegment s, bool virt) => virt ? s.VirtualAddress : s.PhysicalAddress;
}

/// <summary>Loads a raw binary image at an address; the entry point is that address.</summary>
public static class RawLoader
{
    public static LoadResult Load(string path, uint address, Bus bus)
    {
        byte[] bytes;
        try { bytes = SocSim.Core.HostInput.ReadAllBytes(path, ElfFile.MaxImageBytes, "firmware image"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ElfException($"{SocSim.Core.HostInput.QuotePath(path)}: cannot read: {SocSim.Core.HostInput.Reason(e)}");
        }
        return Load(bytes, address, bus, path);
    }

    public static LoadResult Load(ReadOnlySpan<byte> image, uint address, Bus bus, string name = "<bytes>")
    {
        if (image.Length == 0) throw new ElfException($"{name}: empty image");
        if ((ulong)address + (ulong)image.Length > 0x1_0000_0000UL)
            throw new ElfException($"{name}: {image.Length} bytes at 0x{address:X8} extend past 4 GiB");
        MemoryWriter.CheckCovered(bus, address, (uint)image.Length, $"{name}: image");
        MemoryWriter.Write(bus, address, image);
        return new LoadResult(address, [(address, (uint)image.Length)]);
    }
}

internal static class MemoryWriter
{
    /// <summary>Throws unless every byte of [address, address+length) lies in a RAM or ROM region.</summary>
    public static void CheckCovered(Bus bus, uint address, uint length, string what)
    {
        ulong end = (ulong)address + length;
        string range = $"0x{address:X8}-0x{end - 1:X8}";
        if (end > 0x1_0000_0000UL) throw new ElfException($"{what} at {range} extends past 4 GiB");
        ulong a = address;
        while (a < end)
        {
            var m = bus.FindMapping((uint)a);
            if (m?.Region == null)
            {
                string where = a == address ? "lies outside memory" : $"leaves memory at 0x{a:X8}";
                string hit = m != null ? $" (0x{a:X8} is device '{m.Name}')" : "";
                throw new ElfException($"{what} at {range} {where}{hit}: nearest region {Nearest(bus, (uint)a)}");
            }
            a = m.End;
        }
    }

    private static string Nearest(Bus bus, uint a)
    {
        var best = bus.Mappings.Where(m => m.Region != null)
            .OrderBy(m => a < m.Base ? m.Base - a : a >= m.End ? a - (m.End - 1) : 0)
            .FirstOrDefault();
        return best == null ? "none (the bus has no RAM or ROM)" : $"'{best.Name}' 0x{best.Base:X8}-0x{best.End - 1:X8}";
    }

    public static void Write(Bus bus, uint address, ReadOnlySpan<byte> data)
    {
        int done = 0;
        while (done < data.Length)
        {
            uint a = address + (uint)done;
            var r = bus.FindMapping(a)!.Region!;
            int n = (int)Math.Min((ulong)(data.Length - done), r.End - a);
            r.Load(a, data.Slice(done, n));
            done += n;
        }
    }

    public static void Zero(Bus bus, uint address, uint length)
    {
        ulong done = 0;
        while (done < length)
        {
            uint a = (uint)(address + done);
            var r = bus.FindMapping(a)!.Region!;
            ulong n = Math.Min(length - done, r.End - a);
            r.AsSpan().Slice((int)(a - r.Base), (int)n).Clear();
            done += n;
        }
    }
}
