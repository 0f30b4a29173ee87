using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// A 4 KiB PrimeCell (or other APB block) the board places but SocSim does not model, as
/// <see cref="Unmodelled"/> does for larger blocks: every register reads 0 and ignores writes, and each
/// register offset touched is reported once by name of the block. Its PeriphID and PCellID read 0 too,
/// so an operating system probing the AMBA bus (Linux's amba_device_add) binds no driver to it.
/// </summary>
public sealed class UnmodelledPrimeCell : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<UnmodelledPrimeCell>("unmodelled_primecell",
            "a placeholder for a 4 KiB PrimeCell that is not modelled: reads 0 (identification too), ignores writes, warns once per register")
        .Window(PrimeCell.Window)
        .Parameter("what", "peripheral", "what the block is, for the warning (e.g. \"PL061 GPIO\")")
        .Build(c => new UnmodelledPrimeCell(c.Name, c.Parameter<string>("what"), c.Warn));

    private readonly string _name, _what;
    private readonly Action<string> _warn;
    private readonly HashSet<uint> _reported = new();

    public UnmodelledPrimeCell(string name, string what, Action<string> warn)
    {
        _name = name;
        _what = what;
        _warn = warn;
    }

    /// <summary>Nothing: the block keeps no register.</summary>
    public void SaveState(StateWriter w) { }

    public void LoadState(StateReader r) { }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort) =>
        Unmodelled.FirstTime(_reported, PrimeCell.Offset(address), write: false) ? Unmodelled.Report(_warn, _name, _what, PrimeCell.Offset(address), write: false) : 0;

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        if (Unmodelled.FirstTime(_reported, PrimeCell.Offset(address), write: true)) Unmodelled.Report(_warn, _name, _what, PrimeCell.Offset(address), write: true);
    }
}
