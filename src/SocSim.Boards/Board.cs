using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Devices;

namespace SocSim.Boards;

/// <summary>
/// A validated, resolved board: every number parsed, clocks resolved to Hz and to periods on the
/// global time base, regions and peripherals sorted by base address. The machine builder consumes it.
/// </summary>
public sealed record Board(
    string Description,
    CpuSpec Cpu,
    IReadOnlyList<ClockSpec> Clocks,
    IReadOnlyList<RegionSpec> Memory,
    IReadOnlyList<PeripheralSpec> Peripherals,
    IReadOnlyList<InterruptConnection> Interrupts,
    IReadOnlyList<PinConnection> Pins,
    IReadOnlyList<ClockTreeSpec> ClockTree,
    bool Semihosting,
    long TicksPerSecond,
    IReadOnlyList<string> Sources,
    IReadOnlyDictionary<string, string> Origins,
    string? DefaultFirmware = null)
{
    public ClockSpec Clock(string name) =>
        Clocks.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"no clock named '{name}'");

    public PeripheralSpec? Peripheral(string name) =>
        Peripherals.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    public RegionSpec? Region(string name) =>
        Memory.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The board files it was loaded from (full paths, later ones win), and the <c>--set</c> overrides.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
    public IReadOnlyList<string> Sets { get; init; } = [];
    /// <summary>
    /// The merged configuration as sorted <c>key.path=value</c> lines: what identifies the board in a
    /// checkpoint (two loads that give the same lines build the same machine).
    /// </summary>
    public IReadOnlyList<string> Configuration { get; init; } = [];

    /// <summary>A scheduler on this board's time base, ticking the CPU at its clock's period.</summary>
    public Scheduler CreateScheduler() => new(TicksPerSecond, Cpu.Clock.PeriodTicks);

    /// <summary>The file (or <c>--set</c>) that supplied a dotted key path such as <c>memory.ram.base</c>, if known.</summary>
    public string? OriginOf(string keyPath) => Origins.TryGetValue(keyPath, out var o) ? o : null;
}

/// <summary>The board's core: its type, the clock that drives it, and every parameter its type declares (defaults filled in).</summary>
public sealed record CpuSpec(CoreType Type, ClockSpec Clock, IReadOnlyDictionary<string, object> Parameters);

/// <summary>
/// A clock of the clock tree: <see cref="Name"/> runs at <see cref="Source"/>'s frequency times the ratio
/// that peripheral <see cref="ControlComponent"/>'s control <see cref="ControlName"/> sets at run time.
/// </summary>
public sealed record ClockTreeSpec(string Name, string Source, string ControlComponent, string ControlName, IReadOnlyList<long> ReachableHz);

/// <summary>One wire from a component's output pin to another's input pin (<c>uart0.TXD -> gpio.TXD0</c>).</summary>
public sealed record PinConnection(string SourceComponent, string SourceOutput, string TargetComponent, string TargetInput)
{
    public override string ToString() => $"{SourceComponent}.{SourceOutput} -> {TargetComponent}.{TargetInput}";
}

/// <summary>A clock domain: its frequency and its period in ticks of the board's global time base.</summary>
public sealed record ClockSpec(string Name, long FrequencyHz, long PeriodTicks)
{
}

public sealed record RegionSpec(
    string Name,
    uint Base,
    uint Size,
    RegionKind Kind,
    int BusWidth,
    WaitStates WaitStates,
    string? InitFile)
{
    /// <summary>One past the last byte.</summary>
    public ulong End => (ulong)Base + Size;
    public uint Last => (uint)(End - 1);

    /// <summary>Allocates the region and loads its <see cref="InitFile"/>, if any, at its base.</summary>
    public MemoryRegion CreateRegion()
    {
        var r = new MemoryRegion(Name, Base, Size, Kind, BusWidth, WaitStates);
        if (InitFile != null) r.Load(Base, File.ReadAllBytes(InitFile));
        return r;
    }
}

public sealed record PeripheralSpec(
    string Name,
    DeviceType Type,
    uint Base,
    ClockSpec Clock,
    WaitStates WaitStates,
    IReadOnlyDictionary<string, object> Parameters)
{
    public uint Size => Type.WindowSize;
    /// <summary>The data bus width the device declares.</summary>
    public int BusWidth => Type.BusWidth;
    public ulong End => (ulong)Base + Size;
    public uint Last => (uint)(End - 1);

    /// <summary>The output lines of this entry: its type's, plus those its parameters declare (an RTL block's).</summary>
    public IReadOnlyList<string> Outputs => Type.OutputsOf(Parameters);

    /// <summary>The input pins of this entry: its type's, plus those its parameters declare (an RTL block's).</summary>
    public IReadOnlyList<string> Inputs => Type.InputsOf(Parameters);

    /// <summary>A parameter's value, or its catalog default when the board did not set it.</summary>
    public T Parameter<T>(string name) => (T)Parameters[name];
}

/// <summary>
/// One wire from a peripheral output (<c>timer0.TIMINTC</c>) to a controller input (<c>vic.4</c>) or a
/// CPU pin (<c>cpu.nIRQ</c>). <see cref="TargetLine"/> is the input number for controllers, null for the CPU.
/// </summary>
public sealed record InterruptConnection(
    string SourceComponent,
    string SourceOutput,
    string TargetComponent,
    string TargetInput,
    int? TargetLine)
{
    public bool TargetsCpu => TargetLine == null;
    public override string ToString() => $"{SourceComponent}.{SourceOutput} -> {TargetComponent}.{TargetInput}";
}
