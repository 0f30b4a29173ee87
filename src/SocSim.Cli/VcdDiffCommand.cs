using System.CommandLine;
using SocSim.Trace.Vcd;

namespace SocSim.Cli;

/// <summary>
/// `socsim vcd-diff A.vcd B.vcd [--map a.sig=b.sig ...] [--clock SIGNAL|a.clk=b.clk] [--from T] [--to T] [--offset T] [--tolerance T]`:
/// exit 0 when the mapped signals are equal, 1 at the first divergence, 2 on bad input.
/// </summary>
internal static class VcdDiffCommand
{
    public static Command Create()
    {
        var a = new Argument<FileInfo>("A.vcd") { Description = "first trace (e.g. from socsim run --vcd)" };
        var b = new Argument<FileInfo>("B.vcd") { Description = "second trace (e.g. from an RTL simulator)" };
        var map = new Option<string[]>("--map") { Description = "compare signal a.sig of A with b.sig of B (repeat; default: every full name present in both)" };
        var clock = new Option<string?>("--clock") { Description = "sample on rising edges of this clock (NAME, or a.clk=b.clk when the names differ) instead of at every change" };
        var from = new Option<string?>("--from") { Description = "start time, e.g. 1ms, 1500ns (a bare number is in A's time units)" };
        var to = new Option<string?>("--to") { Description = "end time (inclusive), same form as --from" };
        var offset = new Option<string?>("--offset") { Description = "B's time that lines up with A's 0: B is shifted earlier by it (-TIME: later), e.g. 8us" };
        var tolerance = new Option<string?>("--tolerance") { Description = "a difference that ends within TIME (an edge of B within TIME of A's) does not count, e.g. 100ns" };
        var cmd = new Command("vcd-diff", "compare two VCD traces; print the first divergence and a summary") { a, b, map, clock, from, to, offset, tolerance };
        cmd.SetAction(r => Run(r.GetValue(a)!, r.GetValue(b)!, r.GetValue(map) ?? [], r.GetValue(clock), r.GetValue(from), r.GetValue(to), r.GetValue(offset), r.GetValue(tolerance)));
        return cmd;
    }

    private static int Run(FileInfo a, FileInfo b, string[] map, string? clock, string? from, string? to, string? offset, string? tolerance)
    {
        try
        {
            var fa = VcdReader.Read(a.FullName);
            var fb = VcdReader.Read(b.FullName);
            CheckWindow(from, to, from == null ? null : Time(from, fa), to == null ? null : Time(to, fa));
            var pairs = map.SelectMany(m => m.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(Pair).ToList();
            var result = VcdDiff.Compare(fa, fb, new VcdDiffOptions
            {
                Map = pairs,
                Clock = clock == null ? null : Pair(clock),
                FromFs = from == null ? null : Time(from, fa),
                ToFs = to == null ? null : Time(to, fa),
                OffsetFs = offset == null ? 0 : SignedTime(offset, fb, "--offset"),
                ToleranceFs = tolerance == null ? 0 : SignedTime(tolerance, fa, "--tolerance") is long tol && tol >= 0 ? tol
                    : throw new ArgumentException($"--tolerance '{SocSim.Core.HostInput.Quote(tolerance)}': must not be negative"),
            });
            Console.WriteLine($"A: {a.Name} (timescale {fa.Timescale ?? "none"}), B: {b.Name} (timescale {fb.Timescale ?? "none"})");
            foreach (var line in result.Report) Console.WriteLine(line);
            return result.Equal ? 0 : 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or KeyNotFoundException or ArgumentException or OverflowException)
        {
            Console.Error.WriteLine($"socsim vcd-diff: {e.Message}");
            return 2;
        }
    }

    private static (string, string) Pair(string s)
    {
        int eq = s.IndexOf('=');
        return eq < 0 ? (s, s) : (s[..eq].Trim(), s[(eq + 1)..].Trim());
    }

    /// <summary>A --from after --to is refused, not an empty window.</summary>
    internal static void CheckWindow(string? from, string? to, long? fromFs, long? toFs)
    {
        if (fromFs > toFs) throw new ArgumentException($"--from {SocSim.Core.HostInput.Quote(from!)} is after --to {SocSim.Core.HostInput.Quote(to!)}");
    }

    /// <summary>A time with an optional sign (-8us), in fs; one line naming <paramref name="option"/> when malformed.</summary>
    private static long SignedTime(string text, VcdFile f, string option)
    {
        bool negative = text.StartsWith('-');
        try
        {
            long fs = Time(negative ? text[1..] : text, f);
            return negative ? -fs : fs;
        }
        catch (FormatException) { throw new FormatException($"{option}: expected a time like 8us, 100ns or -2us, got '{SocSim.Core.HostInput.Quote(text)}'"); }
    }

    internal static long Time(string text, VcdFile f) => VcdTime.ParseTimeFs(text) ?? checked(long.Parse(text, System.Globalization.CultureInfo.InvariantCulture) * f.UnitFs);
}
