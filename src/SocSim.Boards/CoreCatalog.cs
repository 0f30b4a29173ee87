using System.Reflection;
using SocSim.Arm;
using SocSim.Arm9;
using SocSim.Core.Cores;

namespace SocSim.Boards;

/// <summary>
/// The core types a board may name in <c>cpu.type</c>: every <see cref="ICoreModel"/> of the core
/// assemblies, found by reflection as <see cref="PeripheralCatalog"/> finds devices. Nothing here
/// describes a core: its declaration in its own file is what puts it in the catalog, the schema,
/// <c>board types</c>, the wiring, GDB's target description, the traces and <c>--regs</c>.
/// A new core's project is added to <see cref="CoreAssemblies"/>.
/// </summary>
public sealed class CoreCatalog
{
    /// <summary>Assemblies whose core models are discovered.</summary>
    private static readonly Assembly[] CoreAssemblies = [typeof(ArmCpu).Assembly, typeof(Arm926Cpu).Assembly];

    /// <summary>The cores of SocSim's own core assemblies.</summary>
    public static CoreCatalog Default { get; } = Discover(CoreAssemblies);

    private CoreCatalog(IReadOnlyList<CoreType> all) => All = all;

    public IReadOnlyList<CoreType> All { get; }

    public IEnumerable<string> Names => All.Select(t => t.Name);

    /// <summary>The core types declared in <paramref name="assemblies"/>, by name; two declaring one name is an error.</summary>
    public static CoreCatalog Discover(IEnumerable<Assembly> assemblies)
    {
        var types = Declarations.Discover<CoreType>(assemblies, typeof(ICoreModel), t => t.Name, t => t.ModelType, "core");
        return new CoreCatalog(types);
    }

    public CoreType? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
