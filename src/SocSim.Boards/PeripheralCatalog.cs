using System.Reflection;
using SocSim.Core.Devices;
using SocSim.Peripherals;

namespace SocSim.Boards;

/// <summary>
/// The peripheral types a board may name: every <see cref="IDeviceModel"/> of the device assemblies,
/// found by reflection. Nothing here lists a device: a model's declaration in its own file is what
/// puts it in the catalog, the schema, <c>board show</c>, the wiring and the traces.
/// </summary>
public static class PeripheralCatalog
{
    /// <summary>Assemblies whose device models are discovered.</summary>
    private static readonly Assembly[] DeviceAssemblies = [typeof(Pl011Uart).Assembly, typeof(SocSim.Rtl.RtlPeripheral).Assembly];

    public static IReadOnlyList<DeviceType> All { get; } = Discover();

    private static List<DeviceType> Discover() =>
        Declarations.Discover<DeviceType>(DeviceAssemblies, typeof(IDeviceModel), t => t.Name, t => t.ModelType, "device");

    public static IEnumerable<string> Names => All.Select(t => t.Name);

    public static DeviceType? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    public static DeviceType Get(string name) =>
        Find(name) ?? throw new KeyNotFoundException($"unknown peripheral type '{name}' (known: {string.Join(", ", Names)})");

}
