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

    private static List<DeviceType> Discover()
    {
        var types = DeviceAssemblies.SelectMany(a => a.GetTypes())
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IDeviceModel).IsAssignableFrom(t))
            .Select(t => (DeviceType)t.GetProperty(nameof(IDeviceModel.Type), BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var twice = types.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (twice != null)
            throw new InvalidOperationException($"device type name '{twice.Key}' is declared by {string.Join(" and ", twice.Select(t => t.ModelType.FullName))}");
        return types;
    }

    public static IEnumerable<string> Names => All.Select(t => t.Name);

    public static DeviceType? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    public static DeviceType Get(string name) =>
        Find(name) ?? throw new KeyNotFoundException($"unknown peripheral type '{name}' (known: {string.Join(", ", Names)})");

}
