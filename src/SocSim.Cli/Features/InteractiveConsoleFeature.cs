using System.Collections.Concurrent;
using System.CommandLine;
using System.Runtime.InteropServices;
using SocSim.Core;
using SocSim.Core.Devices;

namespace SocSim.Cli.Features;

/// <summary>
/// The interactive console: when stdin is a terminal (and no --uart-input scripts the UART), the
/// terminal is put in raw mode (cfmakeraw with output processing kept, as QEMU's <c>-nographic</c> keeps output
/// processing) and every keystroke goes to the console UART's receive line as typed, Ctrl-C included.
/// <c>Ctrl-A x</c> quits (exit status 0), <c>Ctrl-A Ctrl-A</c> sends one Ctrl-A, as QEMU's escape.
/// The terminal's settings are restored when the run ends.
/// </summary>
/// <remarks>
/// Keystrokes are read on a host thread and handed to the UART on the simulation thread by a
/// transient event every <see cref="PollPeriod"/> of simulated time, so that the SoC's own events keep
/// their order; a run whose stdin is not a terminal has no such event and stays deterministic.
/// </remarks>
internal sealed class InteractiveConsoleFeature : IRunFeature
{
    /// <summary>Simulated time between two looks at the keyboard queue.</summary>
    public static readonly TimeSpan PollPeriod = TimeSpan.FromMilliseconds(1);
    private const byte CtrlA = 0x01;

    private readonly ConcurrentQueue<byte> _keys = new();
    private byte[]? _savedTty;
    private volatile bool _quit;

    public void AddOptions(Command run) { }

    public void Attach(ParseResult parse, Machine machine, RunContext context)
    {
        if (Console.IsInputRedirected || machine.ConsoleUart == null) return;
        if (parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--uart-input") is { } uartInput && parse.GetResult(uartInput) is { Implicit: false }) return;
        if (!Terminal.TryMakeRaw(out _savedTty)) return; // not a terminal: the console stays output-only
        var port = machine.Uarts[machine.ConsoleUart];
        var thread = new Thread(() => ReadKeys(machine)) { IsBackground = true, Name = "socsim console input" };
        thread.Start();
        long period = (long)((Int128)PollPeriod.Ticks * machine.Scheduler.TicksPerSecond / TimeSpan.TicksPerSecond);
        Event? poll = null;
        poll = new Event("console.keyboard", EventPriority.Observer, due =>
        {
            if (!_keys.IsEmpty)
            {
                var bytes = new List<byte>();
                while (_keys.TryDequeue(out byte b)) bytes.Add(b);
                port.EnqueueHostInput(bytes.ToArray());
            }
            machine.Scheduler.Schedule(poll!, due + period);
        }) { Transient = true };
        machine.Scheduler.Schedule(poll, machine.Scheduler.Now + period);
        Console.Error.WriteLine("socsim run: interactive console on " + machine.ConsoleUart + " (Ctrl-A x quits)\r");
    }

    private void ReadKeys(Machine machine)
    {
        // fd 0 itself: Console.OpenStandardInput on a terminal reads through .NET's line editor, which echoes.
        using var stdin = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 0);
        var buffer = new byte[256];
        bool escape = false;
        while (!_quit)
        {
            int n;
            try { n = stdin.Read(buffer); }
            catch (IOException) { return; }
            if (n <= 0) return;
            for (int i = 0; i < n; i++)
            {
                byte b = buffer[i];
                if (escape)
                {
                    escape = false;
                    if (b == (byte)'x' || b == (byte)'X')
                    {
                        _quit = true;
                        machine.RequestStop();
                        return;
                    }
                    if (b == CtrlA) _keys.Enqueue(CtrlA);
                    continue; // any other key after Ctrl-A: ignored, as QEMU
                }
                if (b == CtrlA) escape = true;
                else _keys.Enqueue(b);
            }
        }
    }

    public void Detach(ParseResult parse, Machine machine, RunResult result, RunContext context)
    {
        if (_savedTty == null) return;
        Terminal.Restore(_savedTty);
        _savedTty = null;
        if (_quit && result.Reason == StopReason.Stopped)
        {
            Console.Error.WriteLine($"socsim run: quit (Ctrl-A x) at cycle={result.Cycles}");
            context.ExitStatus ??= 0;
        }
    }
}

/// <summary>The terminal on stdin through libc's termios (no stty child: .NET resets the terminal after a child exits).</summary>
internal static partial class Terminal
{
    // struct termios is 60 bytes on glibc (Linux); room to spare.
    private const int TermiosSize = 128, OflagOffset = 4;
    private const uint OPOST = 1;

    [DllImport("libc", SetLastError = true)]
    private static extern int tcgetattr(int fd, byte[] termios);

    [DllImport("libc", SetLastError = true)]
    private static extern int tcsetattr(int fd, int optionalActions, byte[] termios);

    [DllImport("libc")]
    private static extern void cfmakeraw(byte[] termios);

    [DllImport("libc")]
    private static extern int isatty(int fd);

    /// <summary>Puts stdin's terminal in raw mode, output processing kept; false when stdin is no terminal.</summary>
    public static bool TryMakeRaw(out byte[]? saved)
    {
        saved = null;
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            if (isatty(0) != 1) return false;
            var t = new byte[TermiosSize];
            if (tcgetattr(0, t) != 0) return false;
            saved = (byte[])t.Clone();
            cfmakeraw(t);
            t[OflagOffset] |= (byte)OPOST;
            if (tcsetattr(0, 0, t) == 0) return true;
            saved = null;
            return false;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    public static void Restore(byte[] saved) => tcsetattr(0, 0, saved);
}
