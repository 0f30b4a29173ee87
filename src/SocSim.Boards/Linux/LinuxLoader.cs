using System.Buffers.Binary;
using SocSim.Boards.Elf;
using SocSim.Core;
using SocSim.Core.Cores;

namespace SocSim.Boards.Linux;

/// <summary>What `socsim run --kernel --dtb --initrd --append` asks to boot.</summary>
public sealed record LinuxImages(string Kernel, string Dtb, string? Initrd = null, string? CommandLine = null);

/// <summary>A bad kernel, device tree or initrd, or a board a kernel cannot boot on: one line naming the file.</summary>
public sealed class LinuxBootException(string message) : Exception(message);

/// <summary>
/// Places a Linux zImage, its device tree and an initramfs in RAM and starts the core on it as
/// Documentation/arm/booting.rst asks and as QEMU's hw/arm/boot.c does for <c>-kernel -dtb -initrd
/// -append</c>: the zImage at RAM + 0x10000, the initrd at RAM + min(RAM/2, 128 MiB) (0x04000000 with
/// 128 MiB), the DTB after it on the next 4 KiB boundary (in the initrd's place when there is none),
/// <c>/chosen</c> given <c>bootargs</c> and <c>linux,initrd-start</c>/<c>-end</c>, <c>/memory</c> the board's
/// RAM; the core reset to the zImage's first word (SVC mode, IRQ and FIQ masked, MMU and caches off)
/// with r0 = 0, r1 = the machine number, r2 = the DTB's address. QEMU runs a few instructions of its
/// own boot stub at RAM + 0 to set those registers; here the core starts with them set (the stub's
/// handful of cycles is the one difference, and nothing else of it stays in RAM).
/// </summary>
public sealed class LinuxLoader
{
    public const uint KernelOffset = 0x10000;
    /// <summary>zImage header (arch/arm/boot/compressed/head.S): the magic word at offset 0x24, start and end at 0x28/0x2C.</summary>
    public const uint ZImageMagic = 0x016F2818;
    public const int ZImageMagicOffset = 0x24;
    /// <summary>The Versatile/PB's machine number (arch/arm/tools/mach-types: versatile_pb 387).</summary>
    public const uint MachineVersatilePb = 0x183;
    private const long MaxImageBytes = 256L << 20;

    private readonly byte[] _kernel, _initrd, _dtb;

    private LinuxLoader(byte[] kernel, byte[] initrd, byte[] dtb, uint ramBase, uint initrdAddress, uint dtbAddress)
    {
        _kernel = kernel;
        _initrd = initrd;
        _dtb = dtb;
        KernelAddress = ramBase + KernelOffset;
        InitrdAddress = initrdAddress;
        DtbAddress = dtbAddress;
    }

    public uint KernelAddress { get; }
    public uint InitrdAddress { get; }
    public uint InitrdEnd => InitrdAddress + (uint)_initrd.Length;
    public uint DtbAddress { get; }
    /// <summary>The device tree as written to RAM (with /chosen and /memory set).</summary>
    public ReadOnlySpan<byte> Dtb => _dtb;

    /// <summary>Reads and checks the images and lays them out in <paramref name="board"/>'s RAM at address 0.</summary>
    public static LinuxLoader Prepare(Board board, LinuxImages images)
    {
        var ram = board.Memory.FirstOrDefault(r => r.Kind == RegionKind.Ram && r.Base == 0)
            ?? throw new LinuxBootException($"--kernel: the board has no RAM at address 0 (its memory: {string.Join(", ", board.Memory.Select(r => $"{r.Name} {r.Kind.ToString().ToUpperInvariant()} 0x{r.Base:X8}-0x{r.Last:X8}"))})");
        byte[] kernel = Read(images.Kernel, "--kernel", "kernel image");
        if (kernel.Length < ZImageMagicOffset + 4 || BinaryPrimitives.ReadUInt32LittleEndian(kernel.AsSpan(ZImageMagicOffset)) != ZImageMagic)
            throw new LinuxBootException($"--kernel {HostInput.QuotePath(images.Kernel)}: not a zImage (no magic 0x{ZImageMagic:X8} at offset 0x{ZImageMagicOffset:X2})");
        byte[] initrd = images.Initrd != null ? Read(images.Initrd, "--initrd", "initrd") : [];
        byte[] dtbFile = Read(images.Dtb, "--dtb", "device tree blob");
        FlattenedDeviceTree fdt;
        try { fdt = FlattenedDeviceTree.Parse(dtbFile, $"--dtb {HostInput.QuotePath(images.Dtb)}"); }
        catch (DeviceTreeException e) { throw new LinuxBootException(e.Message); }

        ulong ramEnd = ram.End;
        if (KernelOffset + (ulong)kernel.Length > Math.Min(ramEnd, ram.Base + RamHalf(ram)))
            throw new LinuxBootException($"--kernel {HostInput.QuotePath(images.Kernel)}: {kernel.Length} bytes at 0x{KernelOffset:X8} run into the initrd's place at 0x{RamHalf(ram):X8}");
        uint initrdAddress = ram.Base + RamHalf(ram);
        if (initrdAddress + (ulong)initrd.Length > ramEnd)
            throw new LinuxBootException($"--initrd {HostInput.QuotePath(images.Initrd!)}: {initrd.Length} bytes at 0x{initrdAddress:X8} do not fit in RAM (it ends at 0x{ramEnd:X8})");
        uint dtbAddress = initrd.Length == 0 ? initrdAddress : (uint)((initrdAddress + (ulong)initrd.Length + 0xFFF) & ~0xFFFUL);

        var chosen = fdt.Root.GetOrAddChild("chosen");
        if (!string.IsNullOrEmpty(images.CommandLine)) chosen.SetString("bootargs", images.CommandLine);
        if (initrd.Length > 0)
        {
            chosen.SetCells("linux,initrd-start", initrdAddress);
            chosen.SetCells("linux,initrd-end", initrdAddress + (uint)initrd.Length);
        }
        if (fdt.Root.Child("memory") is { } memory) memory.SetProperty("reg", Cells(fdt.Root, ram.Base, ram.Size));
        // QEMU's load_device_tree gives the blob room to grow: totalsize (file size + 10000) * 2. The
        // kernel reserves totalsize, so the same room makes its "Memory: ... reserved" line QEMU's.
        byte[] dtb = fdt.ToBlob((dtbFile.Length + 10000) * 2);
        if (dtbAddress + (ulong)dtb.Length > ramEnd)
            throw new LinuxBootException($"--dtb {HostInput.QuotePath(images.Dtb)}: {dtb.Length} bytes at 0x{dtbAddress:X8} do not fit in RAM after the initrd (RAM ends at 0x{ramEnd:X8})");
        return new LinuxLoader(kernel, initrd, dtb, ram.Base, initrdAddress, dtbAddress);
    }

    /// <summary>Where QEMU puts the initrd: RAM + min(RAM / 2, 128 MiB).</summary>
    private static uint RamHalf(RegionSpec ram) => Math.Min(ram.Size / 2, 128u << 20);

    /// <summary>A reg property for one range, with the root's #address-cells and #size-cells (1 and 1 when absent).</summary>
    private static byte[] Cells(FlattenedDeviceTree.Node root, uint address, uint size)
    {
        int ac = CellCount(root, "#address-cells", 2), sc = CellCount(root, "#size-cells", 1);
        var b = new byte[4 * (ac + sc)];
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4 * (ac - 1)), address);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4 * (ac + sc - 1)), size);
        return b;
    }

    private static int CellCount(FlattenedDeviceTree.Node n, string name, int fallback) =>
        n.Property(name) is { Length: 4 } v ? Math.Clamp((int)BinaryPrimitives.ReadUInt32BigEndian(v), 1, 2) : fallback;

    private static byte[] Read(string path, string option, string what)
    {
        try { return HostInput.ReadAllBytes(path, MaxImageBytes, what); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LinuxBootException($"{option} {HostInput.QuotePath(path)}: cannot read: {HostInput.Reason(e)}");
        }
    }

    /// <summary>Writes the images into RAM and starts the core at the zImage (also at every board reset, as QEMU's loader does).</summary>
    public void Load(Bus bus, ICore core, CoreType type)
    {
        RawLoader.Load(_kernel, KernelAddress, bus, "zImage");
        if (_initrd.Length > 0) RawLoader.Load(_initrd, InitrdAddress, bus, "initrd");
        RawLoader.Load(_dtb, DtbAddress, bus, "device tree");
        core.ResetTo(KernelAddress);
        core.WriteRegister(Index(type, "r0"), 0);
        core.WriteRegister(Index(type, "r1"), MachineVersatilePb);
        core.WriteRegister(Index(type, "r2"), DtbAddress);
    }

    private static int Index(CoreType type, string name)
    {
        int i = type.RegisterIndex(name);
        return i >= 0 ? i : throw new LinuxBootException($"--kernel: core {type.Name} has no register {name} to pass the boot arguments in");
    }
}
