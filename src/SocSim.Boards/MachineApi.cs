using System.Globalization;
using SocSim.Core;
using SocSim.Core.Cores;

namespace SocSim;

/// <summary>
/// The run-until, memory, register and symbol part of the library API, for firmware tests:
/// <code>
/// using var m = Machine.Create(["boards/versatilepb.json"]);
/// m.LoadElf("firmware/elf/timer_irq.elf");
/// m.RunUntil("timer0_isr");                 // stops before the ISR's first instruction
/// long t0 = m.Cycles;
/// m.RunUntilReturn();                       // back in the caller
/// </code>
/// Run-until works through an <see cref="IExecutionHook"/> installed only for the call, so plain
/// <see cref="Run"/> keeps the unhooked fast path.
/// </summary>
public sealed partial class Machine
{
    /// <summary>CPU clock cycles since the ELF was loaded (the count <see cref="RunResult.Cycles"/> reports).</summary>
    public long Cycles => Core.Cycles;

    /// <summary>Instructions executed since the core was created.</summary>
    public long Instructions => Core.Instructions;

    /// <summary>The CPU clock of the board, in Hz.</summary>
    public long CpuHz => Board.Cpu.Clock.FrequencyHz;

    /// <summary>CPU cycles as time at the board's CPU clock.</summary>
    public TimeSpan CyclesToTime(long cycles) => TimeSpan.FromTicks((long)((Int128)cycles * TimeSpan.TicksPerSecond / CpuHz));

    /// <summary>How many CPU cycles <paramref name="time"/> lasts at the board's CPU clock (rounded down).</summary>
    public long TimeToCycles(TimeSpan time) => (long)((Int128)time.Ticks * CpuHz / TimeSpan.TicksPerSecond);

    /// <summary>
    /// Resolves a code or data location: a symbol of the loaded ELF ("main", Thumb bit cleared), a
    /// number ("0x1A4", "420"), or either plus an offset ("main+0x10", "main+16").
    /// </summary>
    public uint ResolveAddress(string location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        string s = location.Trim();
        uint offset = 0;
        int plus = s.LastIndexOf('+');
        if (plus > 0)
        {
            offset = ParseNumber(s[(plus + 1)..]) ?? throw new ArgumentException($"bad offset in '{location}'");
            s = s[..plus].Trim();
        }
        uint? n = ParseNumber(s);
        if (n != null) return n.Value + offset;
        if (Elf == null) throw new ArgumentException($"'{location}' is not a number and no ELF is loaded to resolve symbols");
        var sym = Elf.FindSymbol(s) ?? throw new KeyNotFoundException($"symbol '{s}' not found in {Elf.Name}");
        return sym.Address + offset;
    }

    private static uint? ParseNumber(string s)
    {
        s = s.Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return uint.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint h) ? h : null;
        return s.Length > 0 && char.IsAsciiDigit(s[0]) && uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out uint d) ? d : null;
    }

    /// <summary>
    /// Runs until the instruction at <paramref name="address"/> is about to execute (reason
    /// <see cref="StopReason.Stopped"/>, <see cref="ArmCpu.Pc"/> = address), or the firmware exits, faults
    /// or <paramref name="maxCycles"/> (total) is reached. Called again at the same place, it first executes
    /// that instruction, so a loop stops at its next pass.
    /// </summary>
    public RunResult RunUntil(uint address, long maxCycles = long.MaxValue) =>
        RunUntil((pc, _) => pc == address, maxCycles);

    /// <summary>Runs until a symbol, an address or symbol+offset (see <see cref="ResolveAddress"/>) is about to execute.</summary>
    public RunResult RunUntil(string location, long maxCycles = long.MaxValue) => RunUntil(ResolveAddress(location), maxCycles);

    /// <summary>Runs until <paramref name="predicate"/> holds before an instruction (evaluated before every instruction: slow).</summary>
    public RunResult RunUntil(Func<Machine, bool> predicate, long maxCycles = long.MaxValue) =>
        RunUntil((_, m) => predicate(m), maxCycles);

    private RunResult RunUntil(Func<uint, Machine, bool> stopBefore, long maxCycles)
    {
        var hook = new StopHook(this, stopBefore);
        AddHook(hook);
        try { return Run(maxCycles); }
        finally { RemoveHook(hook); }
    }

    /// <summary>Runs until CPU cycle <paramref name="cycle"/> (reason <see cref="StopReason.CycleLimit"/>) or an earlier exit or fault.</summary>
    public RunResult RunUntilCycle(long cycle) => Run(cycle);

    /// <summary>Runs for <paramref name="cycles"/> more CPU cycles.</summary>
    public RunResult RunFor(long cycles) => Run(Scheduler.Cycles + cycles);

    /// <summary>
    /// From a stop at a function's first instruction, runs until it returns: until the address in LR
    /// of the current mode (Thumb bit cleared) is about to execute. At an M-profile exception handler's
    /// first instruction LR holds EXC_RETURN (0xFFFFFFxx, ARMv7-M B1.5.8), and the handler returns to the
    /// address stacked in its frame (its seventh word), on PSP when EXC_RETURN's bit 2 is set, else on MSP.
    /// </summary>
    public RunResult RunUntilReturn(long maxCycles = long.MaxValue)
    {
        var type = Board.Cpu.Type;
        uint lr = Core.ReadRegister(type.RegisterIndex("lr"));
        if ((lr & 0xFFFFFF00u) == 0xFFFFFF00u && type.RegisterIndex("psp") >= 0)
        {
            uint frame = Core.ReadRegister(type.RegisterIndex((lr & 4) != 0 ? "psp" : "msp"));
            return RunUntil(Bus.DebugRead32(frame + 24) & ~1u, maxCycles);
        }
        return RunUntil(lr & ~1u, maxCycles);
    }

    private sealed class StopHook(Machine machine, Func<uint, Machine, bool> stopBefore) : IExecutionHook
    {
        public bool BeforeInstruction(ICore cpu, uint pc, uint opcode) => stopBefore(pc, machine);
        public void AfterInstruction(ICore cpu) { }
    }

    // ---- memory and registers (debug accesses: untimed, unobserved, RAM/ROM only) ----

    /// <summary>Reads <paramref name="length"/> bytes of RAM/ROM (devices read as 0) without taking time.</summary>
    public byte[] ReadMemory(uint address, int length)
    {
        var b = new byte[length];
        Bus.DebugRead(address, b);
        return b;
    }

    public uint ReadWord(uint address) => Bus.DebugRead32(address);

    /// <summary>Reads a 32-bit word at a symbol's address (e.g. a global counter).</summary>
    public uint ReadWord(string location) => Bus.DebugRead32(ResolveAddress(location));

    /// <summary>Reads a NUL-terminated Latin-1 string (at most <paramref name="maxLength"/> bytes).</summary>
    public string ReadString(uint address, int maxLength = 4096) =>
        System.Text.Encoding.Latin1.GetString(Bus.DebugReadCString(address, maxLength));

    /// <summary>Writes RAM/ROM without taking time; throws outside memory regions.</summary>
    public void WriteMemory(uint address, ReadOnlySpan<byte> bytes)
    {
        if (!Bus.DebugWrite(address, bytes)) throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:X8}..+{bytes.Length} is not all RAM/ROM");
    }

    public void WriteWord(uint address, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        WriteMemory(address, b);
    }

    public void WriteWord(string location, uint value) => WriteWord(ResolveAddress(location), value);

    /// <summary>
    /// Register <paramref name="n"/> of the core's debug view (its declaration's registers, as
    /// <c>--regs</c> and GDB show them): on the ARM7TDMI r0..r14 of the current mode, 15 the address
    /// of the next instruction (as a debugger shows pc), 16 the CPSR.
    /// </summary>
    public uint ReadRegister(int n) =>
        n >= 0 && n < Board.Cpu.Type.Registers.Count ? Core.ReadRegister(n) : throw new ArgumentOutOfRangeException(nameof(n));

    /// <summary>
    /// Sets register <paramref name="n"/> of the debug view as a debugger does, without taking time
    /// (on the ARM7TDMI, 15: resume at that address, refilling the pipeline; 16: the CPSR).
    /// </summary>
    public void WriteRegister(int n, uint value)
    {
        if (n < 0 || n >= Board.Cpu.Type.Registers.Count) throw new ArgumentOutOfRangeException(nameof(n));
        Core.WriteRegister(n, value);
    }

    /// <summary>
    /// The core's debug view as one line, <c>name=value</c> for each register its declaration names
    /// (what <c>--regs</c> prints; ARM7TDMI: r0-r14 of the current mode, r15 the address of the next
    /// instruction as GDB shows pc, cpsr), then a core's FP registers when it has an FPU (the M4F: s0-s31, fpscr).
    /// </summary>
    public string RegisterLine()
    {
        var regs = Board.Cpu.Type.Registers;
        var parts = new string[regs.Count];
        for (int i = 0; i < regs.Count; i++)
            parts[i] = regs[i].Name + "=" + Core.ReadRegister(i).ToString(regs[i].Bits > 32 ? "x16" : "x8", CultureInfo.InvariantCulture);
        // A core with an FPU lists its FP registers after the integer ones (IFloatRegisterView; none on the others).
        if (Core is IFloatRegisterView fp && fp.FloatRegisterNames.Count > 0)
            parts = [.. parts, .. fp.FloatRegisterNames.Select((name, i) => name + "=" + fp.ReadFloatRegister(i).ToString("x8", CultureInfo.InvariantCulture))];
        return string.Join(' ', parts);
    }

    /// <summary>Calls <paramref name="onCycle"/> for every bus clock until the returned handle is disposed (slows the fetch path).</summary>
    public IDisposable OnBusCycle(Action<BusCycle> onCycle)
    {
        var o = new ActionObserver(onCycle);
        AddBusObserver(o);
        return new Unsubscriber(() => RemoveBusObserver(o));
    }

    private sealed class ActionObserver(Action<BusCycle> onCycle) : IBusObserver
    {
        public void OnBusCycle(in BusCycle cycle) => onCycle(cycle);
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() { _dispose?.Invoke(); _dispose = null; }
    }
}
