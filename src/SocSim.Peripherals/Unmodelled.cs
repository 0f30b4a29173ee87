using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// A register block the board places but SocSim does not model (the LPC2106's PWM, I²C, SPI, RTC):
/// every access is answered (reads 0, writes ignored, as an idle block would) and reported once per
/// register offset with a warning that names the block and the offset, so firmware that touches it
/// is noticed instead of silently misbehaving or taking a data abort.
/// </summary>
public sealed class Unmodelled : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<Unmodelled>("unmodelled",
            "a placeholder for a peripheral that is not modelled: reads 0, ignores writes, warns once per register")
        .Window(0x4000)
        .Parameter("what", "peripheral", "what the block is, for the warning (e.g. \"PWM\")")
        .Build(c => new Unmodelled(c.Name, c.Parameter<string>("what"), c.Warn));

    private readonly string _name, _what;
    private readonly Action<string> _warn;
    private readonly Dictionary<uint, string> _registers = new();

    /// <param name="registers">register names by offset (name to hexadecimal offset), for the warnings (<see cref="Stm32.Stm32Unmodelled"/>)</param>
    public Unmodelled(string name, string what, Action<string> warn, IReadOnlyDictionary<string, string>? registers = null)
    {
        _name = name;
        _what = what;
        _warn = warn;
        foreach (var (register, offset) in registers ?? new Dictionary<string, string>())
        {
            string hex = offset.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? offset[2..] : offset;
            if (!uint.TryParse(hex, System.Globalization.NumberStyles.HexNumber, null, out uint off))
                throw new ArgumentException($"{name}: registers.{register} = \"{offset}\" is not a hexadecimal offset (e.g. \"0x1C\")");
            _registers[off] = register;
        }
    }

    private string Register(uint address)
    {
        uint off = address & 0x3FFF;
        return _registers.TryGetValue(off & ~3u, out var r) ? $"{r} (offset 0x{off:X3})" : $"register at offset 0x{off:X3}";
    }

    /// <summary>
    /// Nothing: the block keeps no register (reads 0, ignores writes). Which offsets were already
    /// reported is the host's warning bookkeeping, not the SoC's state.
    /// </summary>
    public void SaveState(StateWriter w) { }

    public void LoadState(StateReader r) { }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _warn($"{_name}: read of {_what} {Register(address)}: the {_what} is not modelled (reads 0)");
        return 0;
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) =>
        _warn($"{_name}: write to {_what} {Register(address)}: the {_what} is not modelled (ignored)");
}
