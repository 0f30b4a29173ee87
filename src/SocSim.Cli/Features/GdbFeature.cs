using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using SocSim.Debug;

namespace SocSim.Cli.Features;

/// <summary>
/// `--gdb [PORT]` (default 1234; 0 picks a free port and prints it) serves the GDB remote protocol on
/// 127.0.0.1 instead of running freely; `--gdb-keep-running` runs on when the client disconnects;
/// `--gdb-history SIZE|off` sizes the reverse-execution history (default 256 MiB).
/// </summary>
internal sealed class GdbFeature : IRunFeature
{
    public const int DefaultPort = 1234;

    private readonly Option<int?> _gdb = new("--gdb")
    {
        Description = $"wait for GDB on 127.0.0.1:PORT (default {DefaultPort}; 0 picks a free port) before the first instruction",
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "PORT",
        CustomParser = ParsePort,
    };

    private readonly Option<bool> _keepRunning = new("--gdb-keep-running")
    {
        Description = "when the GDB client disconnects without detaching, run on to the end instead of stopping",
    };

    private readonly Option<long?> _history = new("--gdb-history")
    {
        Description = $"memory for GDB's reverse execution (reverse-stepi, reverse-continue...): a size like 256MiB (default {GdbServerOptions.DefaultHistoryBytes >> 20}MiB), or off",
        HelpName = "SIZE|off",
        CustomParser = ParseHistory,
    };

    public void AddOptions(Command run)
    {
        run.Options.Add(_gdb);
        run.Options.Add(_keepRunning);
        run.Options.Add(_history);
    }

    /// <summary>"off" or "0": no history; else bytes with an optional KiB/MiB/GiB (or K/M/G) suffix.</summary>
    private static long? ParseHistory(ArgumentResult r)
    {
        var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value.Trim();
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase)) return 0;
        long mult = 1;
        foreach (var (suffix, m) in new[] { ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30) })
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                mult = m;
                text = text[..^suffix.Length].TrimEnd();
                break;
            }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > (1L << 40) / mult)
        {
            r.AddError($"--gdb-history: '{r.Tokens[0].Value}' is not a size (write e.g. 256MiB, 1GiB, or off)");
            return null;
        }
        return n * mult;
    }

    /// <summary>No token: the default port.</summary>
    private static int? ParsePort(ArgumentResult r)
    {
        if (r.Tokens.Count == 0) return DefaultPort;
        var text = r.Tokens[0].Value;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            // The option takes the next token whatever it is: `run --gdb fw.elf` lands here.
            r.AddError($"--gdb: '{text}' is not a port number (write `socsim run ELF --gdb` or `--gdb PORT ELF`)");
            return null;
        }
        return port;
    }

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        bool keepRunning = parse.GetValue(_keepRunning);
        if (parse.GetResult(_gdb) == null)
        {
            if (keepRunning) throw new RunFeatureException("--gdb-keep-running needs --gdb");
            if (parse.GetResult(_history) != null) throw new RunFeatureException("--gdb-history needs --gdb");
            return;
        }
        if (context.Runner != null) throw new RunFeatureException("--gdb cannot be combined with another option that drives the run");
        int port = parse.GetValue(_gdb) ?? DefaultPort;
        if (port > 65535) throw new RunFeatureException($"--gdb: port {port} is out of range (0-65535)");
        var options = new GdbServerOptions
        {
            Port = port,
            KeepRunning = keepRunning,
            HistoryBytes = parse.GetValue(_history) ?? GdbServerOptions.DefaultHistoryBytes,
            Log = Console.Error,
            Cancelled = context.Cancelled,
        };
        // Bound now, so a busy port is a usage error before anything runs.
        var server = GdbServer.Listen(machine, options);
        context.Runner = (_, maxCycles) => server.Serve(maxCycles);
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
    }
}
