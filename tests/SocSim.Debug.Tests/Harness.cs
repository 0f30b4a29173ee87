using SocSim.Tests;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using SocSim.Debug;

namespace SocSim.Debug.Tests;

internal static class Paths
{
    public static string RepoRoot => RepoPaths.Root;
    public static string DemoElf => Path.Combine(RepoRoot, "tests", "SocSim.Debug.Tests", "firmware", "gdbdemo.elf");
    public static string Board => Path.Combine(RepoRoot, "boards", "versatilepb.json");
    public static string RamBoard => Path.Combine(RepoRoot, "boards", "ram.json");
    public static string Elf(string name) => Path.Combine(RepoRoot, "firmware", "elf", name);
    /// <summary>boards/<paramref name="name"/>.json.</summary>
    public static string BoardFile(string name) => Path.Combine(RepoRoot, "boards", name + ".json");
    /// <summary>FreeRTOS's MPS2 blinky demo in the shared material (../shared/cortex-m/freertos-mps2).</summary>
    public static string Mps2Blinky => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "cortex-m", "freertos-mps2", "elf", "RTOSDemo-blinky.elf"));
}

/// <summary>
/// `socsim run ELF --gdb 0` as a child process (no ELF when <c>elf</c> is null: a `--kernel` boot): reads
/// the chosen port from the "waiting for GDB" line on stderr. Disposing kills it (and its children) if it
/// is still running.
/// </summary>
internal sealed class SocsimProcess : IDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _stdout = new(), _stderr = new();
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SocsimProcess(string? elf, params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Paths.RepoRoot,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "socsim.dll"));
        psi.ArgumentList.Add("run");
        if (elf != null) psi.ArgumentList.Add(elf);
        psi.ArgumentList.Add("--gdb");
        psi.ArgumentList.Add("0");
        foreach (var a in extra) psi.ArgumentList.Add(a);
        _p = new Process { StartInfo = psi };
        _p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_stdout) _stdout.Append(e.Data).Append('\n'); };
        _p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == null) { _port.TrySetException(new InvalidOperationException("socsim ended before listening:\n" + Stderr)); return; }
            lock (_stderr) _stderr.Append(e.Data).Append('\n');
            var m = Regex.Match(e.Data, @"waiting for GDB on 127\.0\.0\.1:(\d+)");
            if (m.Success) _port.TrySetResult(int.Parse(m.Groups[1].Value));
        };
        _p.Start();
        _p.StandardInput.Close();
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
        if (!_port.Task.Wait(Deadline.Ms)) { Kill(); throw new TimeoutException("socsim did not start listening:\n" + Stderr); }
        Port = _port.Task.Result;
    }

    public int Port { get; }
    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>The exit status, or a TimeoutException (after killing it).</summary>
    public int WaitForExit(int milliseconds = Deadline.Ms)
    {
        if (!_p.WaitForExit(milliseconds)) { Kill(); throw new TimeoutException("socsim did not exit:\n" + Stderr); }
        _p.WaitForExit();   // drains the output readers
        return _p.ExitCode;
    }

    private void Kill()
    {
        try { if (!_p.HasExited) _p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }

    public void Dispose()
    {
        Kill();
        _p.Dispose();
    }
}

/// <summary>gdb-multiarch in batch mode against a port.</summary>
internal static class Gdb
{
    public const string Package = "gdb-multiarch";

    public static string Executable { get; } = Find();

    private static string Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var f = Path.Combine(dir, "gdb-multiarch");
            if (File.Exists(f)) return f;
        }
        return "";
    }

    public sealed record Result(int ExitCode, string Output);

    /// <summary>
    /// Runs `gdb-multiarch -nx -batch` connected to the stub, then <paramref name="commands"/>; fails
    /// when gdb-multiarch is missing. With <paramref name="interruptAfter"/>, sends GDB a SIGINT (what
    /// Ctrl-C at its prompt does) once that text has appeared on its output.
    /// </summary>
    public static Result Batch(string elf, int port, string[] commands, string? interruptAfter = null)
    {
        Assert.True(Executable.Length > 0,
            $"gdb-multiarch is not installed: install the Debian package '{Package}' (apt-get install {Package}; ./test.sh does it)");
        // GDB is sent SIGINT (interruptAfter): its default disposition, even in a test run started in the background.
        var psi = SocSim.Tests.SocsimProcess.WithDefaultSigint(Executable);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        psi.WorkingDirectory = Paths.RepoRoot;
        // The ELF's debug info names the directory it was compiled in on the developer's machine; the
        // sources are committed beside the ELF, so that is where GDB is told to look.
        string sources = Path.GetDirectoryName(Path.GetFullPath(elf))!;
        foreach (var a in new[] { "-nx", "-batch", "-ex", "set architecture armv4t", "-ex", "set pagination off", "-ex", "set confirm off",
                     "-ex", $"directory {sources}", "-ex", "set remotetimeout 10", "-ex", $"target remote 127.0.0.1:{port}" })
            psi.ArgumentList.Add(a);
        foreach (var c in commands) { psi.ArgumentList.Add("-ex"); psi.ArgumentList.Add(c); }
        psi.ArgumentList.Add(elf);
        var output = new StringBuilder();
        using var p = new Process { StartInfo = psi };
        int interrupted = 0;
        DataReceivedEventHandler onData = (_, e) =>
        {
            if (e.Data == null) return;
            lock (output) output.Append(e.Data).Append('\n');
            if (interruptAfter != null && e.Data.Contains(interruptAfter) && Interlocked.Exchange(ref interrupted, 1) == 0)
                Task.Run(async () =>
                {
                    await Task.Delay(500);
                    using var kill = Process.Start("kill", ["-INT", p.Id.ToString()]);
                    kill?.WaitForExit(10_000);
                });
        };
        p.OutputDataReceived += onData;
        p.ErrorDataReceived += onData;
        p.Start();
        p.StandardInput.Close();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(Deadline.Ms))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("gdb-multiarch did not finish: " + string.Join(" | ", commands) + "\n" + output);
        }
        p.WaitForExit();
        lock (output) return new Result(p.ExitCode, output.ToString());
    }
}

/// <summary>
/// The stub served in this process on its own thread (port 0), with a raw socket client that
/// speaks the protocol byte by byte. Every read has a deadline.
/// </summary>
internal sealed class InProcessStub : IDisposable
{
    private readonly Thread _thread;
    private RunResult? _result;
    private Exception? _error;
    private readonly CancellationTokenSource _cancel = new();
    private readonly byte[] _buf = new byte[65536];
    private readonly List<byte> _pending = new();

    public InProcessStub(bool keepRunning = false, long maxCycles = long.MaxValue, string? elf = null, string? board = null, long historyBytes = GdbServerOptions.DefaultHistoryBytes,
        long sliceCycles = 20_000, Func<HistoryPosition, bool>? historyPlacement = null)
    {
        Machine = Machine.Create([board ?? Paths.Board], [], new MachineOptions { Console = Console });
        Machine.LoadElf(elf ?? Paths.DemoElf);
        var listening = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = GdbServer.Listen(Machine, new GdbServerOptions
        {
            Port = 0,
            KeepRunning = keepRunning,
            Cancelled = _cancel.Token,
            Listening = ep => listening.TrySetResult(ep),
            SliceCycles = sliceCycles,
            HistoryBytes = historyBytes,
            HistoryPlacement = historyPlacement,
        });
        _thread = new Thread(() =>
        {
            try { _result = server.Serve(maxCycles); }
            catch (Exception e) { _error = e; }
        }) { IsBackground = true, Name = "gdb stub" };
        _thread.Start();
        Assert.True(listening.Task.Wait(Deadline.Ms), "stub did not listen");
        Endpoint = listening.Task.Result;
        Client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = Deadline.Ms, SendTimeout = Deadline.Ms, NoDelay = true };
        Client.Connect(IPAddress.Loopback, Endpoint.Port);
    }

    public Machine Machine { get; }
    public IPEndPoint Endpoint { get; }
    public Socket Client { get; }
    public MemoryStream Console { get; } = new();
    public string ConsoleText => Encoding.Latin1.GetString(Console.ToArray());

    /// <summary>What the host's Ctrl-C does to a `socsim run`.</summary>
    public void CancelHost()
    {
        _cancel.Cancel();
        Machine.Cpu.RequestStop();
    }

    public void SendRaw(string s) => Client.Send(Encoding.Latin1.GetBytes(s));
    public void SendRaw(byte[] b) => Client.Send(b);

    /// <summary>Sends $payload#cs.</summary>
    public void SendPacket(string payload) => Client.Send(Rsp.Frame(Encoding.Latin1.GetBytes(payload)));

    /// <summary>The next single byte ('+', '-' or '$' of a packet), within the deadline.</summary>
    public char ReadByte()
    {
        Fill(1);
        char c = (char)_pending[0];
        _pending.RemoveAt(0);
        return c;
    }

    public char PeekByte()
    {
        Fill(1);
        return (char)_pending[0];
    }

    /// <summary>Reads one packet (skipping acks), checks its checksum and acknowledges it.</summary>
    public string ReadPacket(bool ack = true)
    {
        while (true)
        {
            Fill(1);
            if (_pending[0] == (byte)'$') break;
            _pending.RemoveAt(0);
        }
        int hash;
        while ((hash = _pending.IndexOf((byte)'#')) < 0 || _pending.Count < hash + 3) Fill(_pending.Count + 1);
        var body = _pending.GetRange(1, hash - 1).ToArray();
        var cs = Encoding.ASCII.GetString(_pending.GetRange(hash + 1, 2).ToArray());
        _pending.RemoveRange(0, hash + 3);
        Assert.Equal(Rsp.Checksum(body).ToString("x2"), cs);
        if (ack) SendRaw("+");
        return Encoding.Latin1.GetString(body);
    }

    /// <summary>Sends a packet, expects '+', returns the reply (acknowledged).</summary>
    public string Exchange(string payload)
    {
        SendPacket(payload);
        Assert.Equal('+', ReadByte());
        return ReadPacket();
    }

    private void Fill(int count)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(Deadline.Ms);
        while (_pending.Count < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("no reply from the stub");
            int n = Client.Receive(_buf);
            if (n == 0) throw new IOException("stub closed the connection");
            _pending.AddRange(_buf.AsSpan(0, n).ToArray());
        }
    }

    /// <summary>Whether the stub closed its side (reads 0 bytes) within the deadline.</summary>
    public bool WaitClosed(int milliseconds = Deadline.Ms)
    {
        Client.ReceiveTimeout = milliseconds;
        try
        {
            while (true) if (Client.Receive(_buf) == 0) return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>How the stub's run ended, within the deadline.</summary>
    public RunResult Result(int milliseconds = Deadline.Ms)
    {
        Assert.True(_thread.Join(milliseconds), "the stub did not finish");
        if (_error != null) throw new InvalidOperationException("the stub threw", _error);
        return _result!;
    }

    public void Dispose()
    {
        _cancel.Cancel();
        Client.Dispose();
        _thread.Join(10_000);
        Machine.Dispose();
    }
}
