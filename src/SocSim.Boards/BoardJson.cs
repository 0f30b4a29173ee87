using Microsoft.Extensions.Configuration;

namespace SocSim.Boards;

// The JSON shape of a board file, bound by Microsoft.Extensions.Configuration.Binder. Every value is
// kept as a string: the configuration providers flatten JSON to strings anyway, and the loader parses
// them itself so that each error can name the file and key. These types are also the single source
// of truth for which keys exist: the loader walks them by reflection to reject unknown keys and to
// find missing ones, and a test checks that boards/board.schema.json lists exactly the same keys.

/// <summary>Marks a key that may be absent; the schema documents its default.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class OptionalKeyAttribute : Attribute;

/// <summary>For a map (object keyed by names): what a valid name looks like.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class MapKeysAttribute(string pattern, string description) : Attribute
{
    public string Pattern { get; } = pattern;
    public string Description { get; } = description;
}

/// <summary>A map whose allowed keys depend on the peripheral's type (checked against <see cref="PeripheralCatalog"/>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TypeParametersAttribute : Attribute;

internal static class Names
{
    public const string Identifier = "^[A-Za-z][A-Za-z0-9_]*$";
    public const string IdentifierText = "a name: a letter followed by letters, digits or '_'";
    public const string Pin = "^[A-Za-z0-9_]+$";
    public const string PinText = "an input: a line number or a pin name";
}

internal sealed class BoardJson
{
    [ConfigurationKeyName("$schema"), OptionalKey] public string? Schema { get; set; }
    [OptionalKey] public string? Description { get; set; }
    public CpuJson? Cpu { get; set; }
    [MapKeys(Names.Identifier, Names.IdentifierText)] public Dictionary<string, string>? Clocks { get; set; }
    /// <summary>Clocks derived at run time: <c>clockTree.CCLK = { source: "FOSC", control: "scb.PLL" }</c>.</summary>
    [OptionalKey, MapKeys(Names.Identifier, Names.IdentifierText)] public Dictionary<string, ClockTreeJson>? ClockTree { get; set; }
    [MapKeys(Names.Identifier, Names.IdentifierText)] public Dictionary<string, RegionJson>? Memory { get; set; }
    [OptionalKey, MapKeys(Names.Identifier, Names.IdentifierText)] public Dictionary<string, PeripheralJson>? Peripherals { get; set; }
    /// <summary>Keyed by target component, then by target input: <c>interrupts.vic.4 = "timer0.TIMINTC"</c>.</summary>
    [OptionalKey, MapKeys(Names.Identifier, Names.IdentifierText)] public Dictionary<string, InterruptTargetJson>? Interrupts { get; set; }
    /// <summary>Pin wiring keyed by target component, then by its input pin: <c>pins.uart0.RXD = "gpio.RXD0"</c>.</summary>
    [OptionalKey, MapKeys(Names.Identifier, Names.IdentifierText)] public Dictionary<string, InterruptTargetJson>? Pins { get; set; }
    [OptionalKey] public string? Semihosting { get; set; }
    /// <summary>The bundled firmware <c>socsim run</c> runs on this board when given no ELF (a file name in the bundled firmware folder).</summary>
    [OptionalKey] public string? DefaultFirmware { get; set; }
}

/// <summary>A clock derived from another by a ratio that a peripheral sets (a PLL, a divider).</summary>
internal sealed class ClockTreeJson
{
    public string? Source { get; set; }
    public string? Control { get; set; }
}

/// <summary>The inputs of one interrupt target, each naming the output that drives it.</summary>
internal sealed class InterruptTargetJson : Dictionary<string, string>
{
    public InterruptTargetJson() : base(StringComparer.OrdinalIgnoreCase) { }
}

internal sealed class CpuJson
{
    public string? Type { get; set; }
    public string? Clock { get; set; }
    /// <summary>The parameters the core type declares (<c>cpu.parameters.priorityBits</c>).</summary>
    [OptionalKey, TypeParameters] public Dictionary<string, string>? Parameters { get; set; }
}

internal sealed class WaitStatesJson
{
    public string? ReadN { get; set; }
    public string? ReadS { get; set; }
    public string? WriteN { get; set; }
    public string? WriteS { get; set; }
}

internal sealed class RegionJson
{
    public string? Base { get; set; }
    public string? Size { get; set; }
    public string? Kind { get; set; }
    public string? BusWidth { get; set; }
    public WaitStatesJson? WaitStates { get; set; }
    [OptionalKey] public string? Init { get; set; }
}

internal sealed class PeripheralJson
{
    public string? Type { get; set; }
    /// <summary>Required when the type has a register window, refused when it has none (checked by the resolver).</summary>
    [OptionalKey] public string? Base { get; set; }
    public string? Clock { get; set; }
    [OptionalKey] public WaitStatesJson? WaitStates { get; set; }
    [OptionalKey, TypeParameters] public Dictionary<string, string>? Parameters { get; set; }
}
