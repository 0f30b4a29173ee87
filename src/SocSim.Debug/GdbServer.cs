using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SocSim.Core.Cores;
using SocSim.Core.State;

namespace SocSim.Debug;

public sealed class GdbServerOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (announced in the waiting line).</summary>
    public int Port { get; init; } = 1234;

    /// <summary>When the client disconnects without detaching, run on to the end instead of stopping.</summary>
    public bool KeepRunning { get; init; }

    /// <summary>Where the stub says what it does ("waiting for GDB on ...").</summary>
    public TextWriter Log { get; init; } = TextWriter.Null;

    /// <summary>The host's Ctrl-C: stops waiting, running and serving.</summary>
    public CancellationToken Cancelled { get; init; }

    /// <summary>Called with the bound endpoint once the listener is up (tests use it with port 0).</summary>
    public Action<IPEndPoint>? Listening { get; init; }

    /// <summary>CPU cycles run between two looks at the socket for a Ctrl-C.</summary>
    public long SliceCycles { get; init; } = 200_000;

    /// <summary>
    /// Memory the reverse-execution history (in-memory checkpoints) may use; 0 turns reverse
    /// execution off (qSupported does not offer it and bs/bc are answered E01).
    /// </summary>
    public long HistoryBytes { get; init; } = DefaultHistoryBytes;

    public const long DefaultHistoryBytes = 256L << 20;

    /// <summary>Test hook: where the history takes forward checkpoints (<see cref="ReverseHistory.Placement"/>); null: its rule.</summary>
    internal Func<HistoryPosition, bool>? HistoryPlacement { get; init; }
}

/// <summary>
/// The GDB remote stub: listens on 127.0.0.1 only, waits for one client before the first
/// instruction, then serves the Remote Serial Protocol until the firmware exits, the client kills
/// or detaches, or it disconnects. While GDB holds the target, simulated time stands still; a
/// step runs exactly one instruction (or one exception entry) and its cycles.
/// </summary>
public sealed class GdbServer
{
    /// <summary>Announced in qSupported (hex 0x4000); longer packets are refused with E01.</summary>
    public const int PacketSize = 0x4000;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly GdbTarget _target;
    private readonly byte[] _targetXml;
    private readonly GdbServerOptions _options;
    private readonly TcpListener _listener;
    private long _maxCycles = long.MaxValue;
    private RspConnection? _conn;
    private string _lastStop = "S05";
    private ReverseHistory? _history;

    private GdbServer(Machine machine, GdbServerOptions options, TcpListener listener)
    {
        _target = new GdbTarget(machine);
        _targetXml = Encoding.ASCII.GetBytes(_target.TargetXml);
        _options = options;
        _listener = listener;
    }

    /// <summary>The port the stub listens on (the one chosen when the options asked for 0).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Binds 127.0.0.1:port (nothing else, ever); throws <see cref="IOException"/> when it cannot.</summary>
    public static GdbServer Listen(Machine machine, GdbServerOptions options)
    {
        if (options.Port is < 0 or > 65535) throw new IOException($"--gdb: port {options.Port} is out of range (0-65535)");
        var listener = new TcpListener(IPAddress.Loopback, options.Port);
        try
        {
            listener.Start(1);
        }
        catch (SocketException e)
        {
            throw new IOException($"--gdb: cannot listen on 127.0.0.1:{options.Port}: {e.Message}", e);
        }
        return new GdbServer(machine, options, listener);
    }

    /// <summary>How a session ended, which decides what happens to the machine afterwards.</summary>
    private enum SessionEnd { Exited, Killed, Detached, Disconnected, Cancelled }

    /// <summary>Serves one GDB session over <paramref name="machine"/> and returns how the run ended.</summary>
    public static RunResult Serve(Machine machine, GdbServerOptions options, long maxCycles = long.MaxValue) =>
        Listen(machine, options).Serve(maxCycles);

    /// <summary>Waits for the client, then serves it (once: a listener serves one session).</summary>
    public RunResult Serve(long maxCycles = long.MaxValue)
    {
        _maxCycles = maxCycles;
        var m = _target.Machine;
        // The debugger can change what the core does (memory, registers, pc): a core that would be
        // stuck on its own is not stuck under it.
        m.StuckDetector.Enabled = false;
        var listener = _listener;
        Socket? client = null;
        // Before the client comes, so that its first packets are not kept waiting.
        StartHistory();
        try
        {
            var ep = (IPEndPoint)listener.LocalEndpoint;
            _options.Log.WriteLine($"socsim: waiting for GDB on 127.0.0.1:{ep.Port}");
            _options.Log.Flush();
            _options.Listening?.Invoke(ep);
            while (client == null)
            {
                if (_options.Cancelled.IsCancellationRequested) return Result(StopReason.Stopped);
                if (listener.Server.Poll((int)(Poll.Ticks / 10), SelectMode.SelectRead)) client = listener.AcceptSocket();
            }
        }
        finally
        {
            listener.Stop();
        }

        SessionEnd end;
        using (_conn = new RspConnection(client, PacketSize))
        {
            _options.Log.WriteLine($"socsim: GDB connected from {client.RemoteEndPoint}");
            end = Session();
        }
        _target.Uninstall();
        switch (end)
        {
            case SessionEnd.Exited:
                return Result(StopReason.Exit);
            case SessionEnd.Detached:
                _options.Log.WriteLine("socsim: GDB detached; running on");
                _target.ClearBreakpointsAndWatchpoints();
                return m.Run(_maxCycles);
            case SessionEnd.Disconnected when _options.KeepRunning:
                _options.Log.WriteLine("socsim: GDB disconnected; running on (--gdb-keep-running)");
                _target.ClearBreakpointsAndWatchpoints();
                return m.Run(_maxCycles);
            case SessionEnd.Disconnected:
                _options.Log.WriteLine("socsim: GDB disconnected; stopping (--gdb-keep-running runs on instead)");
                return Result(StopReason.Stopped);
            default:
                return Result(StopReason.Stopped);
        }
    }

    /// <summary>The history's first checkpoint, at the first instruction; a board that cannot be saved runs without one.</summary>
    private void StartHistory()
    {
        if (_options.HistoryBytes <= 0) return;
        try
        {
            _history = new ReverseHistory(_target.Machine, _options.HistoryBytes) { Placement = _options.HistoryPlacement };
            _history.Begin();
        }
        catch (StateException e)
        {
            _history = null;
            _options.Log.WriteLine($"socsim: reverse execution off: {e.Message}");
        }
    }

    /// <summary>The target's state was changed by the client: the history's future is gone.</summary>
    private string Edited(string reply)
    {
        if (reply == "OK") _history?.Edited();
        return reply;
    }

    private RunResult Result(StopReason reason)
    {
        var m = _target.Machine;
        m.Options.Console?.Flush();
        if (reason != StopReason.Exit && m.Core.Fault != null) reason = StopReason.Fault;
        if (reason == StopReason.Stopped && m.Scheduler.Cycles >= _maxCycles) reason = StopReason.CycleLimit;
        return new RunResult(reason, reason == StopReason.Exit ? m.Semihosting?.ExitCode : null, m.Scheduler.Cycles, m.Core.Instructions, m.Core.Fault);
    }

    private SessionEnd Session()
    {
        var conn = _conn!;
        while (true)
        {
            if (_options.Cancelled.IsCancellationRequested) return SessionEnd.Cancelled;
            var input = conn.Read(Poll);
            if (conn.Closed) return SessionEnd.Disconnected;
            if (input is not { } e) continue;
            switch (e.Kind)
            {
                case RspInputKind.TooLong:
                    conn.Send("E01");
                    continue;
                case RspInputKind.Interrupt:
                    // Already stopped: nothing to interrupt.
                    continue;
                case RspInputKind.Packet:
                    break;
                default:
                    continue;
            }
            var packet = e.Payload!;
            SessionEnd? end;
            try
            {
                end = Handle(packet);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A packet the stub cannot handle is the client's problem, never the simulator's.
                _options.Log.WriteLine($"socsim: GDB packet '{Encoding.Latin1.GetString(packet, 0, Math.Min(packet.Length, 40))}' failed: {ex.Message}");
                conn.Send("E01");
                end = null;
            }
            if (end is { } done) return done;
        }
    }

    /// <summary>Answers one packet; non-null when the session is over.</summary>
    private SessionEnd? Handle(byte[] packet)
    {
        var conn = _conn!;
        if (packet.Length == 0) { conn.Send(""); return null; }
        // Only X carries binary data; everything else is ASCII.
        if (packet[0] == (byte)'X') { conn.Send(Edited(WriteBinary(packet))); return null; }
        string p = Encoding.Latin1.GetString(packet);
        switch (p[0])
        {
            case '?': conn.Send(_lastStop); return null;
            case 'g': conn.Send(ReadAllRegisters()); return null;
            case 'G': conn.Send(Edited(WriteAllRegisters(p.AsSpan(1)))); return null;
            case 'p': conn.Send(ReadOneRegister(p.AsSpan(1))); return null;
            case 'P': conn.Send(Edited(WriteOneRegister(p.AsSpan(1)))); return null;
            case 'm': conn.Send(ReadMemory(p.AsSpan(1))); return null;
            case 'M': conn.Send(Edited(WriteMemory(p.AsSpan(1)))); return null;
            case 'c': return Resume(step: false, p.AsSpan(1));
            case 's': return Resume(step: true, p.AsSpan(1));
            case 'C': return Resume(step: false, AfterSignal(p));
            case 'S': return Resume(step: true, AfterSignal(p));
            case 'b' when p == "bs": return ReverseStep();
            case 'b' when p == "bc": return ReverseContinue();
            case 'Z': conn.Send(Breakpoint(insert: true, p.AsSpan(1))); return null;
            case 'z': conn.Send(Breakpoint(insert: false, p.AsSpan(1))); return null;
            case 'H': conn.Send("OK"); return null;
            case 'T': conn.Send("OK"); return null;
            case 'k': return SessionEnd.Killed;
            case 'D': conn.Send("OK"); return SessionEnd.Detached;
            case 'q': conn.Send(Query(p)); return null;
            case 'Q':
                if (p == "QStartNoAckMode") { conn.Send("OK"); conn.NoAck = true; }
                else conn.Send("");
                return null;
            case 'v': return VPacket(p);
            default: conn.Send(""); return null;
        }
    }

    private static ReadOnlySpan<char> AfterSignal(string p)
    {
        int semi = p.IndexOf(';');
        return semi < 0 ? ReadOnlySpan<char>.Empty : p.AsSpan(semi + 1);
    }

    // ---- registers ----

    private string ReadAllRegisters()
    {
        var sb = new StringBuilder(_target.RegisterCount * 8);
        foreach (var r in _target.ReadRegisters()) sb.Append(Rsp.ToHexLittleEndian(r));
        return sb.ToString();
    }

    private string WriteAllRegisters(ReadOnlySpan<char> hex)
    {
        if (hex.Length != _target.RegisterCount * 8) return "E01";
        var r = new uint[_target.RegisterCount];
        for (int i = 0; i < r.Length; i++)
            if (!Rsp.TryParseLittleEndian(hex.Slice(i * 8, 8), out r[i])) return "E01";
        _target.WriteRegisters(r);
        return "OK";
    }

    private string ReadOneRegister(ReadOnlySpan<char> text)
    {
        if (!Rsp.TryParseNumber(text, out var n) || n > 1000) return "E01";
        return _target.TryReadRegisterHex((int)n, out var hex) ? hex : "E00";
    }

    private string WriteOneRegister(ReadOnlySpan<char> text)
    {
        int eq = text.IndexOf('=');
        if (eq < 0 || !Rsp.TryParseNumber(text[..eq], out var n) || n > 1000) return "E01";
        return _target.TryWriteRegisterHex((int)n, text[(eq + 1)..]) ? "OK" : "E00";
    }

    // ---- memory ----

    private string ReadMemory(ReadOnlySpan<char> text)
    {
        if (!Rsp.TryParseAddressLength(text, out var address, out var length)) return "E01";
        // Short reads are allowed: GDB asks again for the rest.
        length = Math.Min(length, PacketSize / 2);
        return Rsp.ToHex(_target.ReadMemory(address, length));
    }

    private string WriteMemory(ReadOnlySpan<char> text)
    {
        int colon = text.IndexOf(':');
        if (colon < 0 || !Rsp.TryParseAddressLength(text[..colon], out var address, out var length)) return "E01";
        var data = Rsp.FromHex(text[(colon + 1)..]);
        if (data == null || data.Length != length) return "E01";
        return _target.WriteMemory(address, data) ? "OK" : "E02";
    }

    private string WriteBinary(byte[] packet)
    {
        int colon = Array.IndexOf(packet, (byte)':');
        if (colon < 0) return "E01";
        var header = Encoding.Latin1.GetString(packet, 1, colon - 1);
        if (!Rsp.TryParseAddressLength(header, out var address, out var length)) return "E01";
        var data = Rsp.Unescape(packet.AsSpan(colon + 1));
        if (data == null || data.Length != length) return "E01";
        return _target.WriteMemory(address, data) ? "OK" : "E02";
    }

    // ---- breakpoints ----

    private string Breakpoint(bool insert, ReadOnlySpan<char> text)
    {
        // TYPE,ADDR,KIND (conditions and commands after ';' are not supported and ignored).
        int semi = text.IndexOf(';');
        if (semi >= 0) text = text[..semi];
        Span<Range> parts = stackalloc Range[4];
        if (text.Split(parts, ',') != 3) return "E01";
        if (!Rsp.TryParseNumber(text[parts[0]], out var type) || !Rsp.TryParseNumber(text[parts[1]], out var a) ||
            !Rsp.TryParseNumber(text[parts[2]], out var kind) || a > uint.MaxValue || kind > uint.MaxValue) return "E01";
        uint address = (uint)a;
        switch (type)
        {
            case 0 or 1:
                bool hw = type == 1;
                if (!insert) return _target.RemoveBreakpoint(hw, address) ? "OK" : "E01";
                return _target.InsertBreakpoint(hw, address, (int)kind) ? "OK" : "E01";
            case 2 or 3 or 4:
                if (!insert) return _target.RemoveWatchpoint((int)type, address, (uint)kind) ? "OK" : "E01";
                return _target.InsertWatchpoint((int)type, address, (uint)kind) ? "OK" : "E01";
            default:
                return "";
        }
    }

    // ---- running ----

    private SessionEnd? Resume(bool step, ReadOnlySpan<char> addressText)
    {
        if (addressText.Length > 0)
        {
            if (!Rsp.TryParseNumber(addressText, out var a) || a > uint.MaxValue) { _conn!.Send("E01"); return null; }
            _target.TryWriteRegister(15, (uint)a);
            _history?.Edited();
        }
        return Run(step);
    }

    /// <summary>Runs in slices, looking at the socket between them, until a stop; sends the stop reply.</summary>
    private SessionEnd? Run(bool step)
    {
        var conn = _conn!;
        var m = _target.Machine;
        _target.PrepareResume(step);
        StopEvent stop;
        while (true)
        {
            var s = _target.RunSlice(m.Scheduler.Cycles + _options.SliceCycles, _maxCycles);
            if (s is not { Kind: StopKind.Exited }) _history?.RanForward();
            if (s is { Kind: StopKind.Exited } || s is { } && !_options.Cancelled.IsCancellationRequested) { stop = s.Value; break; }
            if (conn.PollInterrupt()) { stop = new StopEvent(StopKind.Interrupt); break; }
            if (conn.Closed) { m.Options.Console?.Flush(); return SessionEnd.Disconnected; }
            if (_options.Cancelled.IsCancellationRequested)
            {
                // The host's Ctrl-C ends the simulator: tell the waiting client its target is gone.
                m.Options.Console?.Flush();
                conn.Send("X02");
                return SessionEnd.Cancelled;
            }
        }
        m.Options.Console?.Flush();
        if (stop.Kind == StopKind.Exited)
        {
            conn.Send($"W{stop.ExitCode & 0xFF:x2}");
            return SessionEnd.Exited;
        }
        _lastStop = stop.Kind switch
        {
            StopKind.Watchpoint => $"T05{WatchName(stop.WatchType)}:{stop.WatchAddress:x8};thread:1;",
            StopKind.Interrupt => "T02thread:1;",       // SIGINT
            StopKind.Fault => "T0bthread:1;",           // SIGSEGV: the core cannot go on
            StopKind.CycleLimit => "T18thread:1;",      // SIGXCPU: --max-cycles reached
            _ => "T05thread:1;",                        // SIGTRAP: breakpoint or step
        };
        conn.Send(_lastStop);
        return null;
    }

    private static string WatchName(int type) => type switch { 3 => "rwatch", 4 => "awatch", _ => "watch" };

    // ---- queries ----

    private string Query(string p)
    {
        if (p.StartsWith("qSupported", StringComparison.Ordinal))
            return $"PacketSize={PacketSize:x};qXfer:features:read+;QStartNoAckMode+" + (_history != null ? ";ReverseStep+;ReverseContinue+" : "");
        if (p == "qAttached" || p.StartsWith("qAttached:", StringComparison.Ordinal)) return "0";
        if (p == "qC") return "QC1";
        if (p == "qfThreadInfo") return "m1";
        if (p == "qsThreadInfo") return "l";
        if (p == "qSymbol::") return "OK";
        if (p.StartsWith("qXfer:features:read:", StringComparison.Ordinal)) return FeaturesRead(p["qXfer:features:read:".Length..]);
        if (p.StartsWith("qRcmd,", StringComparison.Ordinal)) return Monitor(p["qRcmd,".Length..]);
        return "";
    }

    private string FeaturesRead(string rest)
    {
        int colon = rest.IndexOf(':');
        if (colon < 0 || !Rsp.TryParseAddressLength(rest.AsSpan(colon + 1), out var offset, out var length)) return "E01";
        if (rest[..colon] != "target.xml") return "E00";
        var xml = _targetXml;
        if (offset >= xml.Length) return "l";
        int n = (int)Math.Min((uint)Math.Min(length, PacketSize / 2 - 8), (uint)xml.Length - offset);
        bool last = offset + n >= xml.Length;
        var escaped = Rsp.Escape(xml.AsSpan((int)offset, n));
        return (last ? "l" : "m") + Encoding.Latin1.GetString(escaped);
    }

    /// <summary><c>monitor phys ADDR [N]</c>: physical memory, whatever the MMU maps.</summary>
    private static string PhysicalRead(Machine m, string args)
    {
        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        static bool Num(string s, out uint v) => s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out v)
            : uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        if (parts.Length is < 1 or > 2 || !Num(parts[0], out uint addr)) return "usage: monitor phys ADDR [N] (ADDR decimal or 0x hex)\n";
        uint n = 16;
        if (parts.Length == 2 && (!Num(parts[1], out n) || n is 0 or > 256)) return "monitor phys: N must be 1 to 256\n";
        var data = new byte[n];
        m.Bus.DebugRead(addr, data);
        var sb = new StringBuilder();
        for (int i = 0; i < data.Length; i += 16)
        {
            sb.Append(CultureInfo.InvariantCulture, $"0x{addr + (uint)i:x8}:");
            for (int j = i; j < Math.Min(i + 16, data.Length); j++) sb.Append(CultureInfo.InvariantCulture, $" {data[j]:x2}");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private string Monitor(string hex)
    {
        var bytes = Rsp.FromHex(hex);
        if (bytes == null) return "E01";
        var command = Encoding.Latin1.GetString(bytes).Trim();
        var m = _target.Machine;
        string text;
        switch (command)
        {
            case "cycles":
                text = string.Create(CultureInfo.InvariantCulture,
                    $"cycles={m.Scheduler.Cycles} instructions={m.Core.Instructions} sim_ns={m.SimulatedNanoseconds}\n");
                break;
            case "reset":
                uint entry = _target.Reset();
                _history?.Edited();
                _lastStop = "S05";
                text = $"reset: core at entry 0x{entry:x8} (SVC, IRQ/FIQ masked), segments reloaded; run `flushregs` to refresh GDB's registers\n";
                break;
            case "history":
                text = HistoryText();
                break;
            case "tlb" when m.Core is IVirtualMemory vm:
                text = string.Concat(vm.DescribeTlb().Select(l => l + "\n"));
                if (text.Length == 0) text = "the TLB holds no valid entry\n";
                break;
            case var c when c.StartsWith("phys ", StringComparison.Ordinal):
                text = PhysicalRead(m, c[5..]);
                break;
            case "help" or "":
                text = "monitor cycles   simulated CPU cycles, instructions and time so far\n" +
                       "monitor reset    reload the ELF's segments and reset the core to its entry\n" +
                       "monitor history  the reverse-execution history: checkpoints, memory, how far back it goes\n" +
                       "monitor phys ADDR [N]  N (default 16, at most 256) bytes of physical memory\n" +
                       (m.Core is IVirtualMemory ? "monitor tlb      the MMU's TLB entries\n" : "");
                break;
            default:
                text = $"unknown monitor command '{command}' (try `monitor help`)\n";
                break;
        }
        return Rsp.ToHex(Encoding.UTF8.GetBytes(text));
    }

    private string HistoryText()
    {
        if (_history is not { } h) return "reverse execution is off (--gdb-history off, or the board cannot be checkpointed)\n";
        return string.Create(CultureInfo.InvariantCulture,
            $"history: {h.Count} checkpoints, {h.Bytes} bytes of {h.BudgetBytes}; from cycle {h.Start.Cycles} to {h.Frontier.Cycles}; saves={h.Saves} save_s={h.SaveSeconds:F3}\n");
    }

    // ---- reverse execution ----

    /// <summary>bs: back one step (an instruction or an exception entry). At the start of the history: replaylog:begin.</summary>
    private SessionEnd? ReverseStep()
    {
        if (_history is not { } h) { _conn!.Send("E01"); return null; }
        _target.Uninstall();
        bool moved = h.StepBack();
        SendStop(moved ? "T05thread:1;" : "T05replaylog:begin;thread:1;");
        return null;
    }

    /// <summary>bc: back to the previous breakpoint or watchpoint hit, or to the start of the history.</summary>
    private SessionEnd? ReverseContinue()
    {
        if (_history is not { } h) { _conn!.Send("E01"); return null; }
        _target.Uninstall();
        var stop = h.ContinueBack(_target.Breakpoints, _target.Watchpoints, () => _conn!.PollInterrupt() || _options.Cancelled.IsCancellationRequested);
        SendStop(stop switch
        {
            { AtHistoryStart: true } => "T05replaylog:begin;thread:1;",
            { Kind: StopKind.Watchpoint } => $"T05{WatchName(stop.WatchType)}:{stop.WatchAddress:x8};thread:1;",
            { Kind: StopKind.Interrupt } => "T02thread:1;",
            _ => "T05thread:1;",
        });
        return null;
    }

    private void SendStop(string reply)
    {
        _target.Machine.Options.Console?.Flush();
        _lastStop = reply;
        _conn!.Send(reply);
    }

    private SessionEnd? VPacket(string p)
    {
        var conn = _conn!;
        if (p == "vCont?") { conn.Send("vCont;c;C;s;S"); return null; }
        if (p.StartsWith("vCont;", StringComparison.Ordinal))
        {
            // One thread: the first action that applies to it (no thread id, -1, 0 or 1) decides.
            foreach (var action in p[6..].Split(';'))
            {
                int colon = action.IndexOf(':');
                string verb = colon < 0 ? action : action[..colon];
                string thread = colon < 0 ? "" : action[(colon + 1)..];
                if (thread is not ("" or "-1" or "0" or "1" or "p1.1" or "p1.-1")) continue;
                if (verb.Length == 0) break;
                switch (verb[0])
                {
                    case 'c' or 'C': return Run(step: false);
                    case 's' or 'S': return Run(step: true);
                }
                break;
            }
            conn.Send("E01");
            return null;
        }
        if (p.StartsWith("vKill", StringComparison.Ordinal)) { conn.Send("OK"); return SessionEnd.Killed; }
        conn.Send("");
        return null;
    }
}
