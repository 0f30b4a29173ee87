using System.Runtime.CompilerServices;

namespace SocSim.Core.Signals;

/// <summary>What a waveform viewer should make of a signal.</summary>
public enum SignalKind : byte
{
    /// <summary>A wire or bus driven by a component (VCD <c>wire</c>).</summary>
    Wire,
    /// <summary>A register value (VCD <c>reg</c>).</summary>
    Reg,
    /// <summary>
    /// A text: the value indexes <see cref="Signal.Texts"/> (VCD <c>$var string</c> with <c>s</c> value changes, the
    /// extension GTKWave and its vcd2fst read).
    /// </summary>
    String,
}

/// <summary>
/// One named signal of a component, up to 64 bits wide, e.g. <c>cpu.A</c> (scope "cpu", name "A") or
/// <c>cpu.pipe.fetch</c> (scope "cpu.pipe"). Holds its current value; <see cref="Set"/> reports a change
/// to the registry's sink with the scheduler tick it happened at, and nothing when the value is unchanged.
/// </summary>
public sealed class Signal
{
    private readonly SignalRegistry _registry;
    private readonly ulong _mask;

    internal Signal(SignalRegistry registry, int index, string scope, string name, int width, SignalKind kind, ulong initial)
    {
        _registry = registry;
        Index = index;
        Scope = scope;
        Name = name;
        Width = width;
        Kind = kind;
        _mask = width >= 64 ? ulong.MaxValue : (1UL << width) - 1;
        Value = initial & _mask;
    }

    /// <summary>Position in <see cref="SignalRegistry.Signals"/>.</summary>
    public int Index { get; }
    /// <summary>Dot-separated scope path (the board's component name first).</summary>
    public string Scope { get; }
    public string Name { get; }
    public int Width { get; }
    public SignalKind Kind { get; }
    public string FullName => Scope.Length == 0 ? Name : Scope + "." + Name;
    /// <summary>Current value (bits above <see cref="Width"/> are zero).</summary>
    public ulong Value { get; private set; }
    /// <summary>For <see cref="SignalKind.String"/>: the texts the values index (only ever appended to); null otherwise.</summary>
    public IReadOnlyList<string>? Texts { get; internal init; }
    /// <summary>False when a filter left this signal out: tracers may skip the work of driving it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Drives the signal at scheduler tick <paramref name="tick"/>; a change only is reported.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(long tick, ulong value)
    {
        value &= _mask;
        if (value == Value) return;
        Value = value;
        if (Enabled) _registry.Sink?.OnChange(this, tick, value);
    }

    public void Set(long tick, bool value) => Set(tick, value ? 1UL : 0UL);

    public override string ToString() => $"{FullName}[{Width}]";
}

/// <summary>Receives value changes (a VCD writer, a test probe).</summary>
public interface ISignalSink
{
    /// <summary>A change at scheduler tick <paramref name="tick"/>. Ticks may arrive slightly out of order (a UART frame is known before its bits are on the line).</summary>
    void OnChange(Signal signal, long tick, ulong value);
}
