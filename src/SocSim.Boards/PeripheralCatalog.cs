namespace SocSim.Boards;

public enum ParameterType { Boolean, Integer, String }

/// <summary>A type-specific peripheral parameter. Parameters are optional; <see cref="Default"/> applies when absent.</summary>
public sealed record PeripheralParameter(string Name, ParameterType Type, object Default, string Description);

/// <summary>
/// A peripheral type the machine builder can instantiate: its register window, its interrupt outputs
/// and (for interrupt controllers) its number of inputs, and the parameters a board may set.
/// </summary>
public sealed record PeripheralType(
    string Name,
    string Description,
    uint WindowSize,
    IReadOnlyList<string> Outputs,
    int InputCount,
    IReadOnlyList<PeripheralParameter> Parameters)
{
    public bool IsInterruptController => InputCount > 0;

    public PeripheralParameter? FindParameter(string name) =>
        Parameters.FirstOrDefault(p => p.Name == name);
}

public static class PeripheralCatalog
{
    /// <summary>Every PrimeCell occupies a 4 KiB window (PrimeCell TRMs, "Summary of registers").</summary>
    public const uint PrimeCellWindow = 0x1000;

    /// <summary>PL011 UART (DDI 0183). Outputs as in TRM 2.9 "Interrupts": the combined UARTINTR and the individual sources.</summary>
    public static readonly PeripheralType Pl011 = new(
        "pl011",
        "ARM PrimeCell UART (PL011)",
        PrimeCellWindow,
        ["UARTINTR", "UARTRXINTR", "UARTTXINTR", "UARTRTINTR", "UARTMSINTR", "UARTEINTR"],
        0,
        [new PeripheralParameter("console", ParameterType.Boolean, false,
            "connect the UART to the host terminal: transmitted bytes go to stdout, stdin feeds the receiver")]);

    /// <summary>SP804 dual timer (DDI 0271): TIMINT1, TIMINT2 and their OR, TIMINTC.</summary>
    public static readonly PeripheralType Sp804 = new(
        "sp804",
        "ARM dual-timer module (SP804)",
        PrimeCellWindow,
        ["TIMINT1", "TIMINT2", "TIMINTC"],
        0,
        []);

    /// <summary>PL190 vectored interrupt controller (DDI 0181): 32 sources VICINTSOURCE[31:0], outputs nVICIRQ/nVICFIQ (named IRQ/FIQ here, active high).</summary>
    public static readonly PeripheralType Pl190 = new(
        "pl190",
        "ARM PrimeCell vectored interrupt controller (PL190)",
        PrimeCellWindow,
        ["IRQ", "FIQ"],
        32,
        []);

    public static IReadOnlyList<PeripheralType> All { get; } = [Pl011, Pl190, Sp804];

    public static IEnumerable<string> Names => All.Select(t => t.Name);

    public static PeripheralType? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    public static PeripheralType Get(string name) =>
        Find(name) ?? throw new KeyNotFoundException($"unknown peripheral type '{name}' (known: {string.Join(", ", Names)})");

    /// <summary>CPU types the board may name in <c>cpu.type</c>.</summary>
    public static IReadOnlyList<string> CpuTypes { get; } = ["arm7tdmi"];

    /// <summary>CPU input pins an interrupt may drive.</summary>
    public static IReadOnlyList<string> CpuInputs { get; } = ["nIRQ", "nFIQ"];
}
