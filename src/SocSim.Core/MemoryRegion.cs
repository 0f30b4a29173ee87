using System.Runtime.InteropServices;

namespace SocSim.Core;

public enum RegionKind { Ram, Rom }

/// <summary>
/// Wait states a memory region inserts, separately for non-sequential and sequential accesses and
/// for reads and writes. An access costs 1 + its wait states clocks.
/// </summary>
public readonly record struct WaitStates(int ReadN, int ReadS, int WriteN, int WriteS)
{
    public static readonly WaitStates Zero = new(0, 0, 0, 0);

    public int For(bool write, bool seq) => write ? (seq ? WriteS : WriteN) : (seq ? ReadS : ReadN);
}

/// <summary>
/// Clocks one transfer costs on a region: the first access is N or S as the CPU announced it; a word
/// on a 16-bit bus (or a word/halfword on an 8-bit bus) needs further accesses, which are sequential.
/// </summary>
public static class AccessCost
{
    public static int Clocks(WaitStates ws, int busWidthBits, bool write, bool seq, int sizeBytes)
    {
        int accesses = Math.Max(1, sizeBytes * 8 / busWidthBits);
        return 1 + ws.For(write, seq) + (accesses - 1) * (1 + ws.For(write, true));
    }
}

/// <summary>
/// RAM or ROM backed by unmanaged memory, so the bus can map its pages as raw pointers. ROM ignores
/// writes from the CPU (they still cost their bus cycles); loaders write through <see cref="Load"/>.
/// </summary>
public sealed unsafe class MemoryRegion : IBusDevice, IDisposable
{
    public MemoryRegion(string name, uint baseAddress, uint size, RegionKind kind, int busWidth, WaitStates waitStates)
    {
        if (size == 0) throw new ArgumentOutOfRangeException(nameof(size), "region size must be non-zero");
        if ((ulong)baseAddress + size > 0x1_0000_0000UL) throw new ArgumentOutOfRangeException(nameof(size), "region extends past 4 GiB");
        if (busWidth is not (8 or 16 or 32)) throw new ArgumentOutOfRangeException(nameof(busWidth), "bus width must be 8, 16 or 32");
        Name = name;
        Base = baseAddress;
        Size = size;
        Kind = kind;
        BusWidth = busWidth;
        WaitStates = waitStates;
        // Over-allocate by 4 bytes so a word read at the last byte never leaves the buffer.
        Data = (byte*)NativeMemory.AllocZeroed((nuint)size + 4);
    }

    public string Name { get; }
    public uint Base { get; }
    public uint Size { get; }
    public RegionKind Kind { get; }
    public int BusWidth { get; }
    public WaitStates WaitStates { get; }
    public byte* Data { get; private set; }

    /// <summary>
    /// The region's access timing depends on history (e.g. a flash accelerator's line buffers), not only
    /// on the access kind. Such code is executed by the interpreter, unless the controller in front of the
    /// region offers its timing model to translated code (<see cref="ITimedMemory"/>). Set it before the
    /// region is added to a bus, or call <see cref="Bus.NotifyMappingChanged"/> after changing it.
    /// </summary>
    public bool StatefulTiming { get; set; }
    public ulong End => (ulong)Base + Size;

    public bool Contains(uint address) => address >= Base && address - Base < Size;

    public Span<byte> AsSpan() => new(Data, checked((int)Size));

    /// <summary>Writes bytes regardless of kind (image loading).</summary>
    public void Load(uint address, ReadOnlySpan<byte> bytes)
    {
        if (!Contains(address) || (ulong)address + (ulong)bytes.Length > End)
            throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:X8}+{bytes.Length} lies outside region '{Name}'");
        bytes.CopyTo(new Span<byte>(Data + (address - Base), bytes.Length));
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = (address - Base) & ~(uint)(size - 1);
        return size switch
        {
            4 => *(uint*)(Data + off),
            2 => *(ushort*)(Data + off),
            _ => Data[off],
        };
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        if (Kind == RegionKind.Rom) return;
        uint off = (address - Base) & ~(uint)(size - 1);
        switch (size)
        {
            case 4: *(uint*)(Data + off) = value; break;
            case 2: *(ushort*)(Data + off) = (ushort)value; break;
            default: Data[off] = (byte)value; break;
        }
    }

    /// <summary>The region whose bytes this one shows (<see cref="ShareStorageOf"/>), or null when it owns its own.</summary>
    public MemoryRegion? StorageOwner { get; private set; }

    /// <summary>
    /// Makes this region show the bytes of <paramref name="source"/>, a region of the same size at another
    /// address: an alias (the STM32's boot pins mapping the flash at 0). Its own bytes are released. The
    /// bus's fast-path pages still point at the old bytes: put a controller in front of this region first
    /// (<see cref="Bus.SetController"/>), which takes its pages off the fast path.
    /// </summary>
    public void ShareStorageOf(MemoryRegion source)
    {
        if (source.Size != Size) throw new ArgumentException($"region '{Name}' ({Size} bytes) cannot alias '{source.Name}' ({source.Size} bytes): the sizes differ");
        if (source.StorageOwner != null || source == this) throw new ArgumentException($"region '{Name}' cannot alias '{source.Name}', itself an alias");
        if (StorageOwner == null && Data != null) NativeMemory.Free(Data);
        Data = source.Data;
        StorageOwner = source;
    }

    public void Dispose()
    {
        if (Data != null && StorageOwner == null) NativeMemory.Free(Data);
        Data = null;
    }
}
