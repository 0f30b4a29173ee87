using System.CommandLine;
using System.Diagnostics;
using System.Globalization;

namespace SocSim.Cli.Features;

/// <summary>
/// A progress line on stderr while a run is long: simulated time, cycles, MIPS and the share of the
/// run's limit done (`--max-cycles`; a time limit adds itself through <see cref="RunLimits"/>). Only
/// when stderr is a terminal (or with `--progress`), never with `--quiet`, and never while GDB drives
/// the run. The core is not asked anything per instruction: the run goes in slices of about 50 ms of
/// host time (plain <see cref="Machine.Run"/> calls with a nearer cycle limit, which end at an
/// instruction boundary exactly as the core's own event slices do, so the results are identical),
/// and the host clock is read between slices. The first line appears after 0.5 s (see
/// <see cref="FirstUpdate"/>), then at most 4 updates a second; the line is erased when the run ends
/// and before console output.
/// </summary>
internal sealed class ProgressFeature : IRunFeature
{
    private readonly Option<bool> _quiet = new("--quiet") { Description = "no progress line and no device warnings on stderr (the run's own errors and --stats still print)" };

    /// <summary>Whether --quiet was given: the machine then keeps its device warnings to itself (<see cref="Machine.Warnings"/>).</summary>
    public bool IsQuiet(ParseResult parse) => parse.GetValue(_quiet);
    private readonly Option<bool> _progress = new("--progress") { Description = "progress lines on stderr even when it is not a terminal (one line per update)" };

    public void AddOptions(Command run)
    {
        run.Options.Add(_quiet);
        run.Options.Add(_progress);
    }

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        bool quiet = parse.GetValue(_quiet), forced = parse.GetValue(_progress);
        if (quiet && forced) throw new RunFeatureException("--quiet and --progress contradict each other");
        if (quiet || context.Runner != null) return;
        bool terminal = !Console.IsErrorRedirected;
        if (!terminal && !forced) return;
        var line = new ProgressLine(terminal);
        context.Runner = (m, maxCycles) => RunInSlices(m, maxCycles, line, context);
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context) => ProgressLine.Current?.Clear();

    private static RunResult RunInSlices(Machine m, long maxCycles, ProgressLine line, RunContext context)
    {
        var limits = new RunLimits(maxCycles);
        var clock = Stopwatch.StartNew();
        long slice = 1_000_000;
        TimeSpan next = FirstUpdate;
        long lastInstructions = m.Instructions;
        TimeSpan lastTime = TimeSpan.Zero;
        ProgressLine.Current = line;
        try
        {
            while (true)
            {
                long sliceStart = m.Cycles;
                var t0 = clock.Elapsed;
                var r = m.Run(Math.Min(maxCycles, sliceStart + slice));
                if (r.Reason != StopReason.CycleLimit || m.Cycles >= maxCycles) return r;
                // Ctrl-C between two slices: the next Run would clear the core's stop request.
                if (context.Cancelled.IsCancellationRequested) return new RunResult(StopReason.Stopped, null, m.Cycles, m.Instructions, null);
                var now = clock.Elapsed;
                // Aim at ~50 ms of host time per slice.
                double took = (now - t0).TotalSeconds;
                if (took > 0) slice = Math.Clamp((long)((m.Cycles - sliceStart) * 0.05 / took), 10_000, 1L << 32);
                if (now >= next)
                {
                    double mips = (m.Instructions - lastInstructions) / Math.Max(1e-9, (now - lastTime).TotalSeconds) / 1e6;
                    var (share, of) = limits.Share(m);
                    line.Show(Format(m, mips, share, of));
                    lastInstructions = m.Instructions;
                    lastTime = now;
                    next = now + TimeSpan.FromMilliseconds(250);
                }
            }
        }
        finally
        {
            line.Clear();
            ProgressLine.Current = null;
        }
    }

    /// <summary>
    /// When the first line appears: 0.5 s of host time, or the milliseconds of the environment variable
    /// SOCSIM_PROGRESS_FIRST_MS (for tests: 0 shows a line after the first slice, whatever the host's speed).
    /// </summary>
    private static TimeSpan FirstUpdate =>
        int.TryParse(Environment.GetEnvironmentVariable("SOCSIM_PROGRESS_FIRST_MS"), NumberStyles.None, CultureInfo.InvariantCulture, out int ms)
            ? TimeSpan.FromMilliseconds(ms) : TimeSpan.FromMilliseconds(500);

    internal static string Format(Machine m, double mips, double? share, string limit = "--max-cycles") =>
        string.Create(CultureInfo.InvariantCulture,
            $"socsim: {FormatTime(m.SimulatedNanoseconds)} simulated, {m.Cycles:N0} cycles, {mips:F1} MIPS{(share is double s ? $", {s * 100:F0}% of {limit}" : "")}");

    internal static string FormatTime(long ns) => ns switch
    {
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e3:F3} us"),
        < 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e6:F3} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e9:F3} s"),
    };
}

/// <summary>
/// The limits a run can have, and the share of them done: `--max-cycles` and the simulated-time limit
/// of `--max-time` (<see cref="Machine.TimeLimitTick"/>); the one nearer its end is shown.
/// </summary>
internal sealed class RunLimits(long maxCycles)
{
    public long MaxCycles { get; } = maxCycles;

    /// <summary>0..1 of the nearest limit and its option, or null without any.</summary>
    public (double? Share, string Of) Share(Machine m)
    {
        double? cycles = MaxCycles == long.MaxValue || MaxCycles <= 0 ? null : Math.Min(1.0, (double)m.Cycles / MaxCycles);
        double? time = m.TimeLimitTick is long t && t > 0 ? Math.Min(1.0, (double)m.Scheduler.Now / t) : null;
        return time is double ts && (cycles is not double cs || ts >= cs) ? (ts, "--max-time") : (cycles, "--max-cycles");
    }
}

/// <summary>The one progress line on stderr: redrawn in place on a terminal, a line per update otherwise.</summary>
internal sealed class ProgressLine(bool terminal)
{
    private readonly object _lock = new();
    private volatile bool _visible;

    /// <summary>The line of the run in progress, so that console output can erase it first.</summary>
    public static volatile ProgressLine? Current;

    public void Show(string text)
    {
        // Never over a half-written console line on the same terminal: wait for its newline.
        if (terminal && !ProgressAwareStream.AtLineStart) return;
        lock (_lock)
        {
            if (terminal) { Console.Error.Write("\r" + text + "\x1b[K"); _visible = true; }
            else Console.Error.WriteLine(text);
            Console.Error.Flush();
        }
    }

    public void Clear()
    {
        if (!_visible) return;
        lock (_lock)
        {
            if (!_visible) return;
            Console.Error.Write("\r\x1b[K");
            Console.Error.Flush();
            _visible = false;
        }
    }
}

/// <summary>The console stream that erases a visible progress line before the firmware's output goes to the terminal.</summary>
internal sealed class ProgressAwareStream(Stream inner) : Stream
{
    /// <summary>Whether the console's last byte on the terminal ended a line (true before any output).</summary>
    public static volatile bool AtLineStart = true;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { ProgressLine.Current?.Clear(); inner.Flush(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count)
    {
        if (count == 0) return;
        ProgressLine.Current?.Clear();
        inner.Write(buffer, offset, count);
        AtLineStart = buffer[offset + count - 1] == (byte)'\n';
    }

    public override void WriteByte(byte value)
    {
        ProgressLine.Current?.Clear();
        inner.WriteByte(value);
        AtLineStart = value == (byte)'\n';
    }
    protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
}
