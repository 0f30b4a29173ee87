using System.Globalization;
using System.Text;
using SocSim.Core.Devices;

namespace SocSim.Boards;

/// <summary>
/// Renders a <see cref="Board"/> as plain text for <c>socsim board show</c>. The output depends only
/// on the board (no paths of the machine it runs on except the sources as given, no culture), so it
/// can be compared in snapshot tests.
/// </summary>
public static class BoardPrinter
{
    public static string Print(Board board, bool includeSources = true)
    {
        var sb = new StringBuilder();
        if (board.Description.Length > 0) sb.Append(board.Description).Append('\n');
        if (includeSources) sb.Append("Sources: ").Append(string.Join(", ", board.Sources)).Append('\n');
        sb.Append("CPU: ").Append(board.Cpu.Type.Name).Append(" on ").Append(board.Cpu.Clock.Name)
          .Append(" (").Append(Hz(board.Cpu.Clock.FrequencyHz)).Append(')')
          .Append(string.Concat(board.Cpu.Parameters.Select(kv => $", {kv.Key}={Value(kv.Value)}")))
          .Append(", semihosting ").Append(board.Semihosting ? "on" : "off").Append('\n');

        sb.Append("\nClocks (global tick: ").Append(board.TicksPerSecond.ToString(CultureInfo.InvariantCulture))
          .Append(board.ClockTree.Count == 0
              ? " ticks per second, the least common multiple of the clock frequencies):\n"
              : " ticks per second, the least common multiple of the fixed clocks and of the reachable frequencies that keep 2^63 ticks above 10^6 s):\n");
        Table(sb, ["name", "frequency", "Hz", "period (ticks)"],
            board.Clocks.Select(c => new[] { c.Name, Hz(c.FrequencyHz), N(c.FrequencyHz), N(c.PeriodTicks) }));

        if (board.ClockTree.Count > 0)
        {
            sb.Append("\nClock tree (frequencies above are at reset; the controls change them at run time):\n");
            Table(sb, ["clock", "source", "control", "reachable", "exact on the time base"],
                board.ClockTree.Select(t => new[]
                {
                    t.Name, t.Source, $"{t.ControlComponent}.{t.ControlName}", N(t.ReachableHz.Count) + " frequencies",
                    t.ReachableHz.All(f => board.TicksPerSecond % f == 0) ? "all"
                        : "all but " + string.Join(", ", t.ReachableHz.Where(f => board.TicksPerSecond % f != 0).Order().Select(Hz)),
                }));
        }

        sb.Append("\nMemory map (wait states: read N/S, write N/S):\n");
        var rows = board.Memory.Select(r => (r.Base, Row: new[]
            {
                r.Name, Hex(r.Base), Hex(r.Last), Size(r.Size), r.Kind.ToString().ToUpperInvariant(), r.BusWidth + "-bit",
                $"{r.WaitStates.ReadN}/{r.WaitStates.ReadS}", $"{r.WaitStates.WriteN}/{r.WaitStates.WriteS}",
                r.InitFile != null ? Path.GetFileName(r.InitFile) : "",
            }))
            .Concat(board.Peripherals.Where(p => p.Type.HasWindow).Select(p => (p.Base, Row: new[]
            {
                p.Name, Hex(p.Base), Hex(p.Last), Size(p.Size), p.Type.Name, "32-bit",
                $"{p.WaitStates.ReadN}/{p.WaitStates.ReadS}", $"{p.WaitStates.WriteN}/{p.WaitStates.WriteS}", "",
            })))
            .OrderBy(x => x.Base).Select(x => x.Row);
        Table(sb, ["name", "base", "end", "size", "kind", "width", "read", "write", "init"], rows);

        if (board.Peripherals.Count > 0)
        {
            sb.Append("\nPeripherals:\n");
            Table(sb, ["name", "type", "base", "clock", "parameters"],
                board.Peripherals.Select(p => new[]
                {
                    p.Name, p.Type.Name, p.Type.HasWindow ? Hex(p.Base) : "pins", p.Clock.Name,
                    string.Join(", ", p.Parameters.Select(kv => $"{kv.Key}={Value(kv.Value)}")),
                }));
        }

        if (board.Interrupts.Count > 0)
        {
            sb.Append("\nInterrupts:\n");
            Table(sb, ["source", "", "target"],
                board.Interrupts.Select(i => new[] { $"{i.SourceComponent}.{i.SourceOutput}", "->", $"{i.TargetComponent}.{i.TargetInput}" }));
        }
        if (board.Pins.Count > 0)
        {
            sb.Append("\nPins:\n");
            Table(sb, ["source", "", "target"],
                board.Pins.Select(p => new[] { $"{p.SourceComponent}.{p.SourceOutput}", "->", $"{p.TargetComponent}.{p.TargetInput}" }));
        }
        if (board.DefaultFirmware != null) sb.Append("\nDefault firmware: ").Append(board.DefaultFirmware).Append('\n');
        return sb.ToString();
    }

    /// <summary>The catalog for <c>socsim board types</c>: every type as its declaration gives it.</summary>
    public static string PrintTypes(IEnumerable<DeviceType> types) => PrintTypes(CoreCatalog.Default, types);

    /// <summary>The core types (for <c>cpu.type</c>) then the peripheral types, each as its declaration gives it.</summary>
    public static string PrintTypes(CoreCatalog cores, IEnumerable<DeviceType> types)
    {
        var sb = new StringBuilder();
        foreach (var c in cores.All)
        {
            sb.Append("cpu ").Append(c.Name).Append(": ").Append(c.Description).Append('\n');
            sb.Append("  clock ").Append(c.ClockPin).Append(c.ClockDescription.Length > 0 ? ": " + c.ClockDescription : "").Append('\n');
            // An input without a description continues the previous one's range (irq0..irq47).
            for (int k = 0; k < c.Inputs.Count; k++)
            {
                var i = c.Inputs[k];
                int last = k;
                while (i.Description.Length > 0 && last + 1 < c.Inputs.Count && c.Inputs[last + 1].Description.Length == 0) last++;
                sb.Append(last > k ? "  inputs " + i.Name + ".." + c.Inputs[last].Name : "  input " + i.Name)
                  .Append(i.Description.Length > 0 ? ": " + i.Description : "").Append('\n');
                k = last;
            }
            foreach (var p in c.Parameters)
                sb.Append("  parameter ").Append(p.Name).Append(" (").Append(p.Type.ToString().ToLowerInvariant()).Append(", default ")
                  .Append(Value(p.Default)).Append("): ").Append(p.Description).Append('\n');
            sb.Append("  registers ").Append(string.Join(' ', c.Registers.Select(r => r.Name)))
              .Append(" (GDB ").Append(c.GdbArchitecture).Append(", ").Append(string.Join(" + ", c.Registers.Select(r => r.GdbFeature ?? c.GdbFeature).Distinct())).Append(")\n");
        }
        foreach (var t in types)
        {
            sb.Append(t.Name).Append(": ").Append(t.Description).Append('\n');
            if (t.HasWindow)
                sb.Append("  window ").Append(Size(t.WindowSize)).Append(", base aligned to 0x").Append(t.Alignment.ToString("X", CultureInfo.InvariantCulture))
                  .Append(", ").Append(t.BusWidth).Append("-bit data bus\n");
            else sb.Append("  no register window: a part on pins only (no base, no waitStates)\n");
            foreach (var p in t.Parameters)
                sb.Append("  parameter ").Append(p.Name).Append(" (").Append(p.Type.ToString().ToLowerInvariant()).Append(", default ")
                  .Append(Value(p.Default)).Append("): ").Append(p.Description).Append('\n');
            foreach (var o in t.OutputLines)
                sb.Append("  output ").Append(o.Name).Append(o.Description.Length > 0 ? ": " + o.Description : "").Append('\n');
            if (t.InputCount > 0)
                sb.Append("  inputs 0..").Append(t.InputCount - 1).Append(t.InputCountDescription.Length > 0 ? ": " + t.InputCountDescription : "").Append('\n');
            foreach (var i in t.InputPins)
                sb.Append("  input ").Append(i.Name).Append(i.Description.Length > 0 ? ": " + i.Description : "").Append('\n');
        }
        return sb.ToString();
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Hex(uint v) => "0x" + v.ToString("X8", CultureInfo.InvariantCulture);

    private static string Value(object v) => v switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IReadOnlyDictionary<string, string> m => "{" + string.Join(", ", m.Select(kv => kv.Key + ": " + kv.Value)) + "}",
        IEnumerable<string> l => "[" + string.Join(", ", l) + "]",
        _ => v.ToString() ?? "",
    };

    public static string Hz(long hz) =>
        hz % 1_000_000 == 0 ? $"{hz / 1_000_000} MHz"
        : hz % 1_000 == 0 ? $"{hz / 1_000} kHz"
        : $"{hz} Hz";

    public static string Size(ulong bytes) =>
        bytes != 0 && bytes % (1UL << 30) == 0 ? $"{bytes >> 30} GiB"
        : bytes != 0 && bytes % (1UL << 20) == 0 ? $"{bytes >> 20} MiB"
        : bytes != 0 && bytes % (1UL << 10) == 0 ? $"{bytes >> 10} KiB"
        : $"{bytes} B";

    private static void Table(StringBuilder sb, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = new int[header.Length];
        foreach (var r in all)
            for (int i = 0; i < r.Length; i++) widths[i] = Math.Max(widths[i], r[i].Length);
        foreach (var r in all)
        {
            var line = new StringBuilder("  ");
            for (int i = 0; i < r.Length; i++)
            {
                line.Append(r[i].PadRight(widths[i]));
                if (i < r.Length - 1) line.Append("  ");
            }
            sb.Append(line.ToString().TrimEnd()).Append('\n');
        }
    }
}
