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
    private readonly HashSet<uint> _reported = new();

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

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort) =>
        FirstTime(_reported, address & 0x3FFF, write: false) ? Report(_warn, _name, _what, Register(address), write: false) : 0;

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        if (FirstTime(_reported, address & 0x3FFF, write: true)) Report(_warn, _name, _what, Register(address), write: true);
    }

    /// <summary>
    /// Whether an access to <paramref name="offset"/> in this direction is the first one: its warning is formatted
    /// only then (the machine prints each distinct warning once and never forgets one, so a repeat would be
    /// dropped anyway; a kernel polling an unmodelled block no longer builds a string per access).
    /// </summary>
    internal static bool FirstTime(HashSet<uint> reported, uint offset, bool write) => reported.Add(offset << 1 | (write ? 1u : 0u));

    /// <summary>The warning for one access to an unmodelled block's register at <paramref name="offset"/> (the machine prints each distinct one once); a read answers 0.</summary>
    internal static uint Report(Action<string> warn, string name, string what, uint offset, bool write) =>
        Report(warn, name, what, $"register at offset 0x{offset:X3}", write);

    /// <summary>The warning for one access to <paramref name="register"/> (a name or "register at offset ...") of an unmodelled block; a read answers 0.</summary>
    internal static uint Report(Action<string> warn, string name, string what, string register, bool write)
    {
        warn(write
            ? $"{name}: write to {what} {register}: the {what} is not modelled (ignored)"
            : $"{name}: read of {what} {register}: the {what} is not modelled (reads 0)");
        return 0;
    }
}
