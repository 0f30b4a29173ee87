using System.Text;
using SocSim.Core;
using SocSim.Core.Cores;

namespace SocSim.Arm;

/// <summary>Where semihosting's console and files go, and what it reports about the target.</summary>
public sealed class SemihostingOptions
{
    /// <summary>The program's ":tt" output (stdout and stderr when the target opens them).</summary>
    public Stream Output { get; init; } = Stream.Null;
    /// <summary>The program's ":tt" input.</summary>
    public Stream Input { get; init; } = Stream.Null;
    /// <summary>Host files the target may open; null forbids host files.</summary>
    public string? SandboxDirectory { get; init; }
    /// <summary>Returned by SYS_GET_CMDLINE.</summary>
    public string CommandLine { get; init; } = "firmware";
    /// <summary>SYS_HEAPINFO: heap base, heap limit, stack base (highest address), stack limit.</summary>
    public (uint HeapBase, uint HeapLimit, uint StackBase, uint StackLimit) HeapInfo { get; init; }
    /// <summary>SYS_TIME's answer at simulated time zero (seconds since 1970), fixed for reproducible runs.</summary>
    public long EpochSeconds { get; init; } = 1_767_225_600; // 2026-01-01T00:00:00Z
}

/// <summary>
/// ARM semihosting (ARM "Semihosting for AArch32 and AArch64", version 2) for any core with the trap
/// (<see cref="ISemihostingCore"/>): SWI 0x123456 in ARM state and SWI 0xAB in Thumb state on ARM cores,
/// BKPT 0xAB on M-profile cores, with the operation in r0 and its parameter in r1. The call completes
/// as the trap instruction; the result is in r0. Memory is reached through debug
/// accesses, which cost no bus cycles: a debugger-hosted call is outside the target's timeline.
/// </summary>
public sealed class Semihosting
{
    public const uint ArmSwi = 0x123456, ThumbSwi = 0xAB;
    public const uint ApplicationExit = 0x20026;

    private readonly ICore _cpu;
    private readonly Bus _bus;
    private readonly SemihostingOptions _o;
    private readonly Dictionary<uint, Handle> _handles = new();
    private uint _nextHandle = 1;
    private int _errno;

    // ":semihosting-features": magic "SHFB" and a feature byte with SH_EXT_EXIT_EXTENDED (bit 0) and
    // SH_EXT_STDOUT_STDERR (bit 1).
    private static readonly byte[] Features = { (byte)'S', (byte)'H', (byte)'F', (byte)'B', 0x03 };

    private abstract class Handle { }
    private sealed class ConsoleHandle : Handle { public bool Write; }
    private sealed class FileHandle : Handle
    {
        public required Stream Stream;
        /// <summary>The name the target opened (null: ":semihosting-features") and its fopen mode, to reopen it after a resume.</summary>
        public string? Name;
        public uint Mode;
    }

    public Semihosting(ICore cpu, SemihostingOptions options)
    {
        var trap = cpu as ISemihostingCore ?? throw new ArgumentException($"semihosting is not modelled for core {cpu.GetType().Name} (it has no semihosting trap)");
        _cpu = cpu;
        _bus = trap.Bus;
        _o = options;
        _heapInfo = options.HeapInfo;
        trap.SemihostingCall = OnCall;
    }

    /// <summary>SYS_HEAPINFO's answer; the loader sets it once it knows where the image ends.</summary>
    public (uint HeapBase, uint HeapLimit, uint StackBase, uint StackLimit) HeapInfo { get => _heapInfo; set => _heapInfo = value; }
    private (uint, uint, uint, uint) _heapInfo;

    /// <summary>The exit code once the program called SYS_EXIT or SYS_EXIT_EXTENDED.</summary>
    public int? ExitCode { get; private set; }
    /// <summary>Forgets a previous exit, for a machine that loads and runs another program.</summary>
    public void ResetExit()
    {
        ExitCode = null;
        ExitReason = 0;
    }

    /// <summary>The exit reason (ADP_Stopped_*) reported with the exit.</summary>
    public uint ExitReason { get; private set; }

    private bool OnCall()
    {
        uint op = _cpu.ReadRegister(0), arg = _cpu.ReadRegister(1);
        uint result = Call(op, arg);
        // SYS_EXIT and SYS_EXIT_EXTENDED do not return: the registers stay as they were at the call.
        if (ExitCode == null) _cpu.WriteRegister(0, result);
        return true;
    }

    private uint Word(uint a) => _bus.DebugRead32(a);

    private uint Call(uint op, uint p)
    {
        switch (op)
        {
            case 0x01: return Open(Word(p), Word(p + 4), Word(p + 8));
            case 0x02: return _handles.Remove(Word(p), out var h) ? Close(h) : Fail(9);
            case 0x03: Emit(new[] { _bus.DebugRead8(p) }); return 0;
            case 0x04: Emit(ReadString(p, -1)); return 0;
            case 0x05: return Write(Word(p), Word(p + 4), Word(p + 8));
            case 0x06: return Read(Word(p), Word(p + 4), Word(p + 8));
            case 0x07: { int c = _o.Input.ReadByte(); return c < 0 ? 0xFFFF_FFFF : (uint)c; }
            case 0x08: return (int)Word(p) < 0 ? 1u : 0u;                          // SYS_ISERROR
            case 0x09: return _handles.TryGetValue(Word(p), out var t) && t is ConsoleHandle ? 1u : 0u;
            case 0x0A: return Seek(Word(p), Word(p + 4));
            case 0x0C: return FileLength(Word(p));
            case 0x10: return (uint)(_bus.Scheduler.Now * 100 / _bus.Scheduler.TicksPerSecond); // SYS_CLOCK, centiseconds
            case 0x11: return (uint)(_o.EpochSeconds + _bus.Scheduler.Now / _bus.Scheduler.TicksPerSecond);
            case 0x13: return (uint)_errno;
            case 0x15: return GetCommandLine(p);
            case 0x16: return WriteHeapInfo(p);
            case 0x18: Exit(p, p == ApplicationExit ? 0 : 1); return 0;
            case 0x20: Exit(Word(p), Word(p) == ApplicationExit ? (int)Word(p + 4) : 1); return 0;
            // SYS_ELAPSED counts ticks of SYS_TICKFREQ, a 32-bit value: the CPU clock fits it, the
            // global time base (lcm of all board clocks) may not, so both are in CPU cycles.
            case 0x30:
                ulong ticks = (ulong)_bus.Scheduler.Cycles;
                _bus.DebugWrite32(p, (uint)ticks);
                _bus.DebugWrite32(p + 4, (uint)(ticks >> 32));
                return 0;
            case 0x31: return (uint)Math.Min(_bus.Scheduler.CpuClock.FrequencyHz, uint.MaxValue);
            default: return Fail(38); // ENOSYS: SYS_SYSTEM, SYS_TMPNAM, SYS_REMOVE, SYS_RENAME are not offered
        }
    }

    private uint Fail(int errno)
    {
        _errno = errno;
        return 0xFFFF_FFFF;
    }

    private void Exit(uint reason, int code)
    {
        ExitReason = reason;
        ExitCode = code;
        _cpu.RequestStop();
    }

    private void Emit(byte[] bytes)
    {
        _o.Output.Write(bytes);
        _o.Output.Flush();
    }

    /// <summary><paramref name="length"/> bytes of target memory, or a NUL-terminated string when negative; at most 1 MiB + 1 byte either way.</summary>
    private byte[] ReadString(uint a, int length)
    {
        const int Cap = (1 << 20) + 1;
        if (length < 0) return _bus.DebugReadCString(a, Cap);
        var bytes = new byte[Math.Min(length, Cap)];
        _bus.DebugRead(a, bytes);
        return bytes;
    }

    private uint Open(uint namePtr, uint mode, uint length)
    {
        string name = Encoding.UTF8.GetString(ReadString(namePtr, (int)length));
        Handle h;
        if (name == ":tt")
            h = new ConsoleHandle { Write = mode >= 4 };
        else if (name == ":semihosting-features")
            h = new FileHandle { Stream = new MemoryStream(Features, writable: false) };
        else
        {
            if (SandboxPath(name) is not string full) return Fail(13); // EACCES
            var (fm, fa) = HostMode(mode, reopen: false);
            try { h = new FileHandle { Stream = new FileStream(full, fm, fa), Name = name, Mode = mode }; }
            catch (FileNotFoundException) { return Fail(2); }
            catch (DirectoryNotFoundException) { return Fail(2); }
            catch (UnauthorizedAccessException) { return Fail(13); }
            catch (IOException) { return Fail(5); }
        }
        uint handle = _nextHandle++;
        _handles[handle] = h;
        return handle;
    }

    /// <summary>
    /// Semihosting's part of a checkpoint: the exit state, errno, the heap answer and every open handle
    /// (a host file by the name the target opened inside the sandbox, its mode and position). The
    /// console's ":tt" input is the host's stdin and is not part of it.
    /// </summary>
    public void SaveState(SocSim.Core.State.StateWriter w)
    {
        w.Write(ExitCode.HasValue);
        w.Write(ExitCode ?? 0);
        w.Write(ExitReason);
        w.Write(_errno);
        w.Write(_nextHandle);
        var (hb, hl, sb, sl) = _heapInfo;
        w.Write(hb); w.Write(hl); w.Write(sb); w.Write(sl);
        w.Write(_handles.Count);
        foreach (var (id, h) in _handles.OrderBy(kv => kv.Key))
        {
            w.Write(id);
            switch (h)
            {
                case ConsoleHandle c: w.Write((byte)0); w.Write(c.Write); break;
                case FileHandle { Name: null } f: w.Write((byte)1); w.Write(f.Stream.Position); break;
                case FileHandle f:
                    w.Write((byte)2);
                    w.Write(f.Name);
                    w.Write(f.Mode);
                    f.Stream.Flush();
                    w.Write(f.Stream.Position);
                    break;
            }
        }
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote, reopening host files (without truncating them) at their positions.</summary>
    public void LoadState(SocSim.Core.State.StateReader r)
    {
        bool exited = r.ReadBool();
        int code = r.ReadInt();
        ExitCode = exited ? code : null;
        ExitReason = r.ReadUInt();
        _errno = r.ReadInt();
        _nextHandle = r.ReadUInt();
        _heapInfo = (r.ReadUInt(), r.ReadUInt(), r.ReadUInt(), r.ReadUInt());
        foreach (var h in _handles.Values) Close(h);
        _handles.Clear();
        int n = r.ReadCount(1 << 16);
        for (int i = 0; i < n; i++)
        {
            uint id = r.ReadUInt();
            byte kind = r.ReadByte();
            switch (kind)
            {
                case 0: _handles[id] = new ConsoleHandle { Write = r.ReadBool() }; break;
                case 1: _handles[id] = new FileHandle { Stream = new MemoryStream(Features, writable: false) { Position = r.ReadLong() } }; break;
                case 2:
                    string name = r.ReadString();
                    uint mode = r.ReadUInt();
                    long pos = r.ReadLong();
                    _handles[id] = Reopen(name, mode, pos);
                    break;
                default: throw new SocSim.Core.State.StateException($"semihosting handle {id} has unknown kind {kind}");
            }
        }
    }

    private FileHandle Reopen(string name, uint mode, long position)
    {
        if (_o.SandboxDirectory == null)
            throw new SocSim.Core.State.StateException($"the state has host file '{name}' open through semihosting, but this run has no --sandbox");
        var full = SandboxPath(name) ?? throw new SocSim.Core.State.StateException($"semihosting file '{name}' lies outside the sandbox {_o.SandboxDirectory}");
        var (fm, fa) = HostMode(mode, reopen: true);
        try
        {
            var stream = new FileStream(full, fm, fa);
            if (fm != FileMode.Append) stream.Position = position;
            return new FileHandle { Stream = stream, Name = name, Mode = mode };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SocSim.Core.State.StateException($"semihosting file '{full}' cannot be reopened: {e.Message}");
        }
    }

    /// <summary>The host path of <paramref name="name"/> inside the sandbox, or null (no sandbox, or a name that leaves it).</summary>
    private string? SandboxPath(string name)
    {
        if (_o.SandboxDirectory == null) return null;
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(_o.SandboxDirectory));
        var full = Path.GetFullPath(Path.Combine(root, name));
        return full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }

    /// <summary>
    /// Modes 0-11 are fopen's r, rb, r+, r+b, w, wb, w+, w+b, a, ab, a+, a+b. A file reopened after a
    /// resume is never truncated: what the target wrote before the checkpoint stays.
    /// </summary>
    private static (FileMode, FileAccess) HostMode(uint mode, bool reopen) => (mode / 4) switch
    {
        0 => (FileMode.Open, (mode & 2) != 0 ? FileAccess.ReadWrite : FileAccess.Read),
        1 => (reopen ? FileMode.OpenOrCreate : FileMode.Create, (mode & 2) != 0 ? FileAccess.ReadWrite : FileAccess.Write),
        _ => (FileMode.Append, FileAccess.Write),
    };

    private static uint Close(Handle h)
    {
        if (h is FileHandle f) f.Stream.Dispose();
        return 0;
    }

    private uint Write(uint handle, uint buf, uint len)
    {
        if (!_handles.TryGetValue(handle, out var h)) { _errno = 9; return len; }
        var data = ReadString(buf, (int)len);
        if (h is ConsoleHandle) { Emit(data); return 0; }
        var s = ((FileHandle)h).Stream;
        if (!s.CanWrite) { _errno = 9; return len; }
        s.Write(data);
        return 0;
    }

    /// <summary>SYS_READ returns the number of bytes NOT read (0 = buffer filled, len = end of file).</summary>
    private uint Read(uint handle, uint buf, uint len)
    {
        if (!_handles.TryGetValue(handle, out var h)) { _errno = 9; return len; }
        var s = h is FileHandle f ? f.Stream : _o.Input;
        if (!s.CanRead) { _errno = 9; return len; }   // EBADF: opened for writing only
        var tmp = new byte[len];
        int n = h is ConsoleHandle ? s.Read(tmp, 0, (int)len) : s.ReadAtLeast(tmp, (int)len, throwOnEndOfStream: false);
        _bus.DebugWrite(buf, tmp.AsSpan(0, n));
        return len - (uint)n;
    }

    private uint Seek(uint handle, uint pos)
    {
        if (!_handles.TryGetValue(handle, out var h) || h is not FileHandle f || !f.Stream.CanSeek) return Fail(9);
        f.Stream.Position = pos;
        return 0;
    }

    private uint FileLength(uint handle)
    {
        if (!_handles.TryGetValue(handle, out var h) || h is not FileHandle f || !f.Stream.CanSeek) return Fail(9);
        return (uint)f.Stream.Length;
    }

    private uint GetCommandLine(uint p)
    {
        uint buf = Word(p), size = Word(p + 4);
        var bytes = Encoding.UTF8.GetBytes(_o.CommandLine);
        if (bytes.Length + 1 > size) return Fail(22);
        _bus.DebugWrite(buf, bytes);
        _bus.DebugWrite8(buf + (uint)bytes.Length, 0);
        _bus.DebugWrite32(p + 4, (uint)bytes.Length);
        return 0;
    }

    /// <summary>SYS_HEAPINFO: r1 points to a word that points to a four-word block the host fills.</summary>
    private uint WriteHeapInfo(uint p)
    {
        uint block = Word(p);
        var (hb, hl, sb, sl) = _heapInfo;
        _bus.DebugWrite32(block, hb);
        _bus.DebugWrite32(block + 4, hl);
        _bus.DebugWrite32(block + 8, sb);
        _bus.DebugWrite32(block + 12, sl);
        return 0;
    }
}
