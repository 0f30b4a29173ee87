using System.Buffers.Binary;
using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.CortexM;

namespace SocSim.Debug;

public enum StopKind { Step, Breakpoint, Watchpoint, Interrupt, Exited, Fault, CycleLimit }

/// <summary>Why the target stopped; for a watchpoint, its type (2 write, 3 read, 4 access) and the data address hit.</summary>
public readonly record struct StopEvent(StopKind Kind, int WatchType = 0, uint WatchAddress = 0, int ExitCode = 0);

/// <summary>
/// What the GDB stub needs of a <see cref="Machine"/>: registers in GDB's numbering, untimed memory,
/// breakpoints (an execution hook that stops before the instruction) and watchpoints (a bus
/// observer that stops after the accessing instruction completes), and running in bounded slices
/// so the server can poll its socket in between. Single-threaded: only the server's thread calls it.
/// </summary>
public sealed class GdbTarget : IExecutionHook, IBusObserver
{
    private readonly Machine _m;
    private readonly HashSet<uint> _softwareBreakpoints = new();
    private readonly HashSet<uint> _hardwareBreakpoints = new();
    private readonly List<(int Type, uint Address, uint Length)> _watchpoints = new();
    private bool _hookInstalled, _observerInstalled;

    // State of the current resume.
    private bool _stepping, _firstInstruction, _stepDone, _breakpointHit;
    private uint _resumePc;
    private (int Type, uint Address)? _watchHit;

    public GdbTarget(Machine machine) => _m = machine;

    public Machine Machine => _m;
    private ICore Cpu => _m.Core;
    private CoreType Type => _m.Board.Cpu.Type;

    // ---- registers: the core's debug view, in the order and GDB numbering its declaration gives ----

    /// <summary>Registers in the g packet.</summary>
    public int RegisterCount => Type.Registers.Count;

    /// <summary>The target description GDB reads (the core's declaration, and the FPU's registers on a Cortex-M4F).</summary>
    public string TargetXml => Vfp == null ? Type.GdbTargetXml : Type.GdbTargetXml.Replace("</target>", VfpFeatureXml(VfpBase) + "</target>", StringComparison.Ordinal);

    // ---- the FPv4-SP registers of a Cortex-M4F: GDB's org.gnu.gdb.arm.vfp ----
    // GDB's ARM target reads d0-d15 (64 bits) and fpscr from this feature and shows s0-s31 as pseudo registers
    // over the d registers. The cores' debug view (ICore.ReadRegister) is 32 bits wide, so the stub serves these
    // itself, numbered after the declared registers and outside the g packet (GDB reads them with p, writes with P).

    private CortexMCpu? Vfp => Cpu is CortexMCpu { HasFpu: true } c ? c : null;
    private int VfpBase => Type.Registers.Max(r => r.GdbRegnum) + 1;

    private static string VfpFeatureXml(int first)
    {
        var sb = new System.Text.StringBuilder("  <feature name=\"org.gnu.gdb.arm.vfp\">\n");
        for (int i = 0; i < 16; i++) sb.Append($"    <reg name=\"d{i}\" bitsize=\"64\" type=\"ieee_double\" regnum=\"{first + i}\"/>\n");
        sb.Append($"    <reg name=\"fpscr\" bitsize=\"32\" type=\"int\" group=\"float\" regnum=\"{first + 16}\"/>\n");
        return sb.Append("  </feature>\n").ToString();
    }

    /// <summary>Register <paramref name="regnum"/> as the p packet gives it (hex, target byte order), or false.</summary>
    public bool TryReadRegisterHex(int regnum, out string hex)
    {
        if (TryReadRegister(regnum, out uint v)) { hex = Rsp.ToHexLittleEndian(v); return true; }
        hex = "";
        if (Vfp is not { } c || regnum - VfpBase is < 0 or > 16) return false;
        int k = regnum - VfpBase;
        if (k == 16) { hex = Rsp.ToHexLittleEndian(c.Fpscr); return true; }
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, c.GetD(k));
        hex = Rsp.ToHex(b);
        return true;
    }

    /// <summary>Writes register <paramref name="regnum"/> from a P packet's hex value; false for an unknown register or a value of the wrong size.</summary>
    public bool TryWriteRegisterHex(int regnum, ReadOnlySpan<char> hex)
    {
        if (IndexOfRegnum(regnum) >= 0) return Rsp.TryParseLittleEndian(hex, out uint v) && TryWriteRegister(regnum, v);
        if (Vfp is not { } c || regnum - VfpBase is < 0 or > 16) return false;
        int k = regnum - VfpBase;
        var bytes = Rsp.FromHex(hex);
        if (bytes == null || bytes.Length != (k == 16 ? 4 : 8)) return false;
        if (k == 16) c.Fpscr = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        else c.SetD(k, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        return true;
    }

    /// <summary>The registers of the g packet in order (ARM7TDMI: r0-r14, pc (the next instruction), cpsr).</summary>
    public uint[] ReadRegisters()
    {
        var r = new uint[RegisterCount];
        for (int i = 0; i < r.Length; i++) r[i] = Cpu.ReadRegister(i);
        return r;
    }

    public void WriteRegisters(ReadOnlySpan<uint> r) => Cpu.WriteRegisters(r);

    private int IndexOfRegnum(int regnum)
    {
        var regs = Type.Registers;
        for (int i = 0; i < regs.Count; i++)
            if (regs[i].GdbRegnum == regnum) return i;
        return -1;
    }

    public bool TryReadRegister(int regnum, out uint value)
    {
        int i = IndexOfRegnum(regnum);
        value = i < 0 ? 0 : Cpu.ReadRegister(i);
        return i >= 0;
    }

    /// <summary>Writes one register as a debugger does: a new pc (or state) refills the pipeline with the clock put back.</summary>
    public bool TryWriteRegister(int regnum, uint value)
    {
        int i = IndexOfRegnum(regnum);
        if (i < 0) return false;
        Cpu.WriteRegister(i, value);
        return true;
    }

    // ---- memory (untimed, unobserved) ----

    /// <summary>
    /// Reads memory as the core sees it: through the MMU of a core that has one (a virtual page that
    /// would fault reads as zeros), physical otherwise.
    /// </summary>
    public byte[] ReadMemory(uint address, int length)
    {
        var data = new byte[length];
        if (Cpu is IVirtualMemory vm)
        {
            foreach (var (offset, pa, n) in Pages(vm, address, length)) _m.Bus.DebugRead(pa, data.AsSpan(offset, n));
        }
        else _m.Bus.DebugRead(address, data);
        return data;
    }

    /// <summary>The physical pieces of a virtual range, in 1 KiB steps (the smallest page): (offset, physical address, length); faulting pieces are left out.</summary>
    private static IEnumerable<(int Offset, uint Pa, int Length)> Pages(IVirtualMemory vm, uint address, int length)
    {
        int offset = 0;
        while (offset < length)
        {
            uint va = address + (uint)offset;
            int n = (int)Math.Min((uint)(length - offset), 0x400 - (va & 0x3FF));
            if (vm.DebugTranslate(va, out uint pa)) yield return (offset, pa, n);
            offset += n;
        }
    }

    /// <summary>Writes RAM or ROM (through the MMU of a core that has one); false when part of the range is neither. Refetches the pipeline if it held a changed word.</summary>
    public bool WriteMemory(uint address, ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) return true;
        bool ok = true;
        if (Cpu is IVirtualMemory vm)
        {
            int mapped = 0;
            foreach (var (offset, pa, n) in Pages(vm, address, data.Length)) { ok &= _m.Bus.DebugWrite(pa, data.Slice(offset, n)); mapped += n; }
            ok &= mapped == data.Length;
        }
        else ok = _m.Bus.DebugWrite(address, data);
        Cpu.DebugMemoryWritten(address, data.Length);
        return ok;
    }

    // ---- breakpoints and watchpoints ----

    /// <summary>Z0/Z1: kind 2 (Thumb), 3 (32-bit Thumb-2, treated as 2 bytes) or 4 (ARM).</summary>
    public bool InsertBreakpoint(bool hardware, uint address, int kind)
    {
        if (kind is not (2 or 3 or 4)) return false;
        (hardware ? _hardwareBreakpoints : _softwareBreakpoints).Add(address & ~1u);
        return true;
    }

    public bool RemoveBreakpoint(bool hardware, uint address)
    {
        (hardware ? _hardwareBreakpoints : _softwareBreakpoints).Remove(address & ~1u);
        return true;
    }

    /// <summary>Z2 write, Z3 read, Z4 access watchpoint over <paramref name="length"/> bytes.</summary>
    public bool InsertWatchpoint(int type, uint address, uint length)
    {
        if (type is < 2 or > 4 || length == 0) return false;
        if (!_watchpoints.Contains((type, address, length))) _watchpoints.Add((type, address, length));
        return true;
    }

    public bool RemoveWatchpoint(int type, uint address, uint length)
    {
        _watchpoints.Remove((type, address, length));
        return true;
    }

    /// <summary>Every breakpoint address (software and hardware alike: both stop before the instruction).</summary>
    public IReadOnlyCollection<uint> Breakpoints => _softwareBreakpoints.Union(_hardwareBreakpoints).ToHashSet();

    public IReadOnlyList<(int Type, uint Address, uint Length)> Watchpoints => _watchpoints.ToArray();

    public void ClearBreakpointsAndWatchpoints()
    {
        _softwareBreakpoints.Clear();
        _hardwareBreakpoints.Clear();
        _watchpoints.Clear();
        Uninstall();
    }

    /// <summary>Takes the hook and the bus observer off the machine (they cost time per instruction and per access).</summary>
    public void Uninstall()
    {
        if (_hookInstalled) { _m.RemoveHook(this); _hookInstalled = false; }
        if (_observerInstalled) { _m.RemoveBusObserver(this); _observerInstalled = false; }
    }

    // ---- running ----

    /// <summary>Arms a continue or a single step from the current pc.</summary>
    public void PrepareResume(bool step)
    {
        _stepping = step;
        _firstInstruction = true;
        _resumePc = Cpu.Pc;
        _stepDone = _breakpointHit = false;
        _watchHit = null;
        bool wantHook = step || _softwareBreakpoints.Count > 0 || _hardwareBreakpoints.Count > 0;
        if (wantHook != _hookInstalled)
        {
            if (wantHook) _m.AddHook(this); else _m.RemoveHook(this);
            _hookInstalled = wantHook;
        }
        bool wantObserver = _watchpoints.Count > 0;
        if (wantObserver != _observerInstalled)
        {
            if (wantObserver) _m.AddBusObserver(this); else _m.RemoveBusObserver(this);
            _observerInstalled = wantObserver;
        }
    }

    /// <summary>
    /// Runs until the cycle <paramref name="sliceEnd"/> or a reason to stop. Null: the slice ended
    /// and the target may run on.
    /// </summary>
    public StopEvent? RunSlice(long sliceEnd, long maxCycles)
    {
        // Machine.Run decides exit and fault (also when they happened before this slice); the stub
        // adds its own reasons, then tells the slice's end from the user's cycle limit.
        var r = _m.Run(Math.Min(sliceEnd, maxCycles));
        if (r.Reason == StopReason.Exit) return new StopEvent(StopKind.Exited, ExitCode: r.ExitCode!.Value);
        if (r.Reason == StopReason.Fault) return new StopEvent(StopKind.Fault);
        if (_watchHit is { } w) return new StopEvent(StopKind.Watchpoint, w.Type, w.Address);
        if (_breakpointHit) return new StopEvent(StopKind.Breakpoint);
        if (_stepDone) return new StopEvent(StopKind.Step);
        if (_m.Core.Cycles >= maxCycles) return new StopEvent(StopKind.CycleLimit);
        if (r.Reason == StopReason.Stopped) return new StopEvent(StopKind.Interrupt);
        return null;
    }

    bool IExecutionHook.BeforeInstruction(ICore cpu, uint pc, uint opcode)
    {
        // The instruction GDB resumes from runs even if a breakpoint sits on it.
        if (_firstInstruction)
        {
            _firstInstruction = false;
            if (pc == _resumePc) return false;
        }
        if (_softwareBreakpoints.Contains(pc) || _hardwareBreakpoints.Contains(pc))
        {
            _breakpointHit = true;
            return true;
        }
        return false;
    }

    void IExecutionHook.AfterInstruction(ICore cpu)
    {
        _firstInstruction = false;
        if (_stepping)
        {
            _stepDone = true;
            cpu.RequestStop();
        }
    }

    void IBusObserver.OnBusCycle(in BusCycle c)
    {
        if (c.Size == 0 || c.IsOpcodeFetch || _watchHit != null) return;
        bool write = c.IsWrite;
        foreach (var (type, address, length) in _watchpoints)
        {
            if (type == 2 && !write || type == 3 && write) continue;
            ulong start = c.Address, end = (ulong)c.Address + c.Size;
            if (start < (ulong)address + length && end > address)
            {
                _watchHit = (type, Math.Max(c.Address, address));
                // Stops at the end of the accessing instruction.
                Cpu.RequestStop();
                return;
            }
        }
    }

    // ---- monitor ----

    /// <summary>
    /// `monitor reset`: the whole SoC is reset (<see cref="Machine.Reset"/>: devices to their reset
    /// state, the ELF's segments written again, the core at its entry in SVC mode with IRQ and FIQ
    /// masked). The debugger's clock does not move: the cycles of the reset refill are not counted.
    /// </summary>
    public uint Reset()
    {
        long cycles = _m.Scheduler.Cycles;
        _m.Reset();
        _m.Scheduler.Cycles = cycles;
        return Cpu.Pc;
    }
}
