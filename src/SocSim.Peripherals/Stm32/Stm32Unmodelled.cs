using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals.Stm32;

/// <summary>
/// <see cref="Unmodelled"/> in a 1 KiB window, the STM32F10x's peripheral slot (RM0008 Table 3: the APB
/// and AHB blocks sit 0x400 apart, closer than <c>unmodelled</c>'s 16 KiB window allows).
/// </summary>
public sealed class Stm32Unmodelled : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<Stm32Unmodelled>("unmodelled_1k",
            "a placeholder in a 1 KiB slot (an STM32 peripheral): reads 0, ignores writes, warns once per register, naming it")
        .Window(0x400)
        .Parameter("what", "peripheral", "what the block is, for the warning (e.g. \"SPI1\")")
        .Parameter("registers", new Dictionary<string, string>(), "the block's registers, name to offset, named in the warning (e.g. { \"SPI_CR1\": \"0x00\" })")
        .Build(c => new Stm32Unmodelled(new Unmodelled(c.Name, c.Parameter<string>("what"), c.Warn, c.Parameter<IReadOnlyDictionary<string, string>>("registers"))));

    private readonly Unmodelled _block;

    public Stm32Unmodelled(Unmodelled block) => _block = block;

    public void SaveState(StateWriter w) => _block.SaveState(w);
    public void LoadState(StateReader r) => _block.LoadState(r);
    public uint Read(uint address, int size, AccessFlags flags, ref bool abort) => _block.Read(address & 0x3FF, size, flags, ref abort);
    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) => _block.Write(address & 0x3FF, size, value, flags, ref abort);
}
