using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals.Stm32;

/// <summary>
/// A Cortex-M3 bit-band alias region (ARMv7-M A3.7, PM0056 §2.2.5): each word of the 32 MiB alias maps to
/// one bit of the 1 MiB bit-band region at <c>target</c> (0x20000000 for SRAM at alias 0x22000000,
/// 0x40000000 for the peripherals at alias 0x42000000): alias word (byte offset × 32 + bit × 4).
/// </summary>
/// <remarks>
/// A read returns the bit (0 or 1). A write of bit 0 of the value sets or clears the bit by a
/// read-modify-write of the byte that holds it (the chip's bus matrix does it locked; nothing else runs
/// in between here either). The access reaches the target as a CPU access would (the RCC's clock gate
/// applies to peripherals); its cost is the alias mapping's wait states. A bit in unmapped space reads 0
/// and aborts, as the plain access would.
/// </remarks>
public sealed class CortexMBitBand : IBusDevice, IDeviceModel, IStateful
{
    public const uint AliasSize = 0x0200_0000;

    public static DeviceType Type { get; } = DeviceType.Define<CortexMBitBand>("cortexm_bitband",
            "Cortex-M3 bit-band alias (ARMv7-M A3.7): each alias word is one bit of the 1 MiB region at 'target'")
        .Window(AliasSize)
        .Parameter("target", 0x2000_0000L, "the bit-band region's base: 0x20000000 (SRAM) or 0x40000000 (peripherals)")
        // Without a system bus (a device built alone) the alias reaches an empty bus: every access aborts.
        .Build(c => new CortexMBitBand(c.Name, c.Bus ?? new Bus(c.Scheduler), (uint)c.Parameter<long>("target")));

    private readonly string _name;
    private readonly Bus _bus;
    private readonly uint _target;

    public CortexMBitBand(string name, Bus bus, uint target)
    {
        if (target != 0x2000_0000 && target != 0x4000_0000)
            throw new ArgumentException($"{name}: target must be 0x20000000 or 0x40000000 (ARMv7-M A3.7), not 0x{target:X8}");
        _name = name;
        _bus = bus;
        _target = target;
    }

    public string Name => _name;

    /// <summary>Nothing: the bits live in the target region.</summary>
    public void SaveState(StateWriter w) { }
    public void LoadState(StateReader r) { }

    private (uint Byte, int Bit) Decode(uint address)
    {
        uint off = address & (AliasSize - 1);
        return (_target + (off >> 5), (int)((off >> 2) & 7));
    }

    private uint ReadByte(uint address, ref bool abort)
    {
        var m = _bus.FindMapping(address);
        if (m == null) { abort = true; return 0; }
        if (m.Region == null && _bus.DeviceAccessFilter is { } f && !f(address, false)) return 0;
        if (m.Controller != null) return m.Controller.Read(address, 1, AccessFlags.Privileged, ref abort, out _);
        return m.Device.Read(address, 1, AccessFlags.Privileged, ref abort);
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        var (b, bit) = Decode(address);
        return (ReadByte(b, ref abort) >> bit) & 1;
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        var (b, bit) = Decode(address);
        uint old = ReadByte(b, ref abort);
        if (abort) return;
        uint v = (value & 1) != 0 ? old | (1u << bit) : old & ~(1u << bit);
        var m = _bus.FindMapping(b)!;
        if (m.Region == null && _bus.DeviceAccessFilter is { } f && !f(b, true)) return;
        if (m.Controller != null) m.Controller.Write(b, 1, v, flags | AccessFlags.Write, ref abort);
        else m.Device.Write(b, 1, v, flags | AccessFlags.Write, ref abort);
    }
}
