using System.Text;
using SocSim.Arm;
using SocSim.Boards;
using SocSim.Boards.Elf;
using SocSim.Core;
using SocSim.Peripherals;

namespace SocSim;

/// <summary>How a machine talks to its host.</summary>
public sealed class MachineOptions
{
    /// <summary>Where the console UART's transmitted bytes and semihosting's ":tt" output go.</summary>
    public Stream? Console { get; init; }
    /// <summary>The UART whose TX goes to <see cref="Console"/>; null picks the board's UART with "console": true.</summary>
    public string? ConsoleUart { get; init; }
    /// <summary>Semihosting ":tt" input.</summary>
    public Stream? ConsoleInput { get; init; }
    /// <summary>Host files semihosting may open; null forbids host files.</summary>
    public string? SandboxDirectory { get; init; }
    /// <summary>Returned by SYS_GET_CMDLINE.</summary>
    public string CommandLine { get; init; } = "firmware";
    /// <summary>Enables semihosting even where the board does not.</summary>
    public bool ForceSemihosting { get; init; }
    /// <summary>The execution engine: the interpreter, or hot blocks translated to host code (bit- and cycle-exact, see BlockTranslator).</summary>
    public ExecutionEngine Engine { get; init; } = ExecutionEngine.Interpret;
    /// <summary>The translator's compile threshold (null: its default; 0 translates every block at once).</summary>
    public int? TranslationThreshold { get; init; }
}

public enum StopReason
{
    /// <summary>The firmware exited through semihosting.</summary>
    Exit,
    /// <summary>The cycle limit was reached.</summary>
    CycleLimit,
    /// <summary>The core could not go on (see <see cref="ArmCpu.Fault"/>).</summary>
    Fault,
    /// <summary>Something asked the core to stop (a breakpoint, a debugger, the host).</summary>
    Stopped,
}

public sealed record RunResult(StopReason Reason, int? ExitCode, long Cycles, long Instructions, string? Fault);

/// <summary>
/// A board made real: the scheduler on the board's time base, the bus with its memory regions and
/// peripherals, the ARM7TDMI, the interrupt wiring and semihosting. This is the library API that
/// the CLI and firmware tests use.
/// </summary>
public sealed partial class Machine : IDisposable
{
    private readonly Dictionary<string, IBusDevice> _devices = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, MemoryStream> _uartOutput = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<MemoryRegion> _regions = new();
    private readonly Stream? _console;

    private Machine(Board board, MachineOptions options)
    {
        Board = board;
        Options = options;
        _console = options.Console;
        Scheduler = board.CreateScheduler();
        Bus = new Bus(Scheduler);
        foreach (var r in board.Memory)
        {
            var region = r.CreateRegion();
            _regions.Add(region);
            Bus.AddRegion(region);
        }
        foreach (var p in board.Peripherals)
        {
            var dev = CreateDevice(p);
            _devices[p.Name] = dev;
            Bus.AddDevice(p.Name, p.Base, p.Size, dev, p.WaitStates, p.BusWidth);
        }
        Cpu = new ArmCpu(Bus);
        Cpu.SetEngine(options.Engine, options.TranslationThreshold);
        Wire();
        ConsoleUart = options.ConsoleUart ?? board.Peripherals.FirstOrDefault(p => p.Type.Name == "pl011" && p.Parameter<bool>("console"))?.Name;
        if (ConsoleUart != null && (!_devices.TryGetValue(ConsoleUart, out var d) || d is not Pl011Uart))
            throw new ArgumentException($"no PL011 UART named '{ConsoleUart}' on this board (UARTs: {string.Join(", ", Uarts.Keys)})");
        if (board.Semihosting || options.ForceSemihosting)
            Semihosting = new Semihosting(Cpu, new SemihostingOptions
            {
                Output = (Stream?)_console ?? Stream.Null,
                Input = options.ConsoleInput ?? Stream.Null,
                SandboxDirectory = options.SandboxDirectory,
                CommandLine = options.CommandLine,
                HeapInfo = DefaultHeapInfo(0),
            });
    }

    public static Machine Create(Board board, MachineOptions? options = null) => new(board, options ?? new MachineOptions());

    private readonly List<IExecutionHook> _hooks = new();
    private readonly List<IBusObserver> _observers = new();

    /// <summary>Adds an execution hook; several may be installed (breakpoints, tracers, profilers).</summary>
    public void AddHook(IExecutionHook hook)
    {
        _hooks.Add(hook);
        Cpu.Hook = _hooks.Count == 1 ? _hooks[0] : new HookFanOut(_hooks.ToArray());
    }

    public void RemoveHook(IExecutionHook hook)
    {
        _hooks.Remove(hook);
        Cpu.Hook = _hooks.Count switch { 0 => null, 1 => _hooks[0], _ => new HookFanOut(_hooks.ToArray()) };
    }

    /// <summary>Adds a bus observer; several may be subscribed (waveforms, traces, watchpoints).</summary>
    public void AddBusObserver(IBusObserver observer)
    {
        _observers.Add(observer);
        Bus.Subscribe(_observers.Count == 1 ? _observers[0] : new ObserverFanOut(_observers.ToArray()));
    }

    public void RemoveBusObserver(IBusObserver observer)
    {
        _observers.Remove(observer);
        Bus.Subscribe(_observers.Count switch { 0 => null, 1 => _observers[0], _ => new ObserverFanOut(_observers.ToArray()) });
    }

    private sealed class HookFanOut(IExecutionHook[] hooks) : IExecutionHook
    {
        public bool BeforeInstruction(ArmCpu cpu, uint pc, uint opcode)
        {
            bool stop = false;
            foreach (var h in hooks) stop |= h.BeforeInstruction(cpu, pc, opcode);
            return stop;
        }

        public void AfterInstruction(ArmCpu cpu)
        {
            foreach (var h in hooks) h.AfterInstruction(cpu);
        }
    }

    private sealed class ObserverFanOut(IBusObserver[] observers) : IBusObserver
    {
        public void OnBusCycle(in BusCycle cycle)
        {
            foreach (var o in observers) o.OnBusCycle(cycle);
        }
    }

    /// <summary>Loads boards (later files win) with <c>--set</c> overrides and builds the machine.</summary>
    public static Machine Create(IReadOnlyList<string> boardFiles, IReadOnlyList<string>? sets = null, MachineOptions? options = null) =>
        Create(BoardLoader.Load(boardFiles, sets ?? []), options);

    public Board Board { get; }
    public MachineOptions Options { get; }
    public Scheduler Scheduler { get; }
    public Bus Bus { get; }
    public ArmCpu Cpu { get; }
    public Semihosting? Semihosting { get; }
    public ElfFile? Elf { get; private set; }
    public string? ConsoleUart { get; }

    public IReadOnlyDictionary<string, IBusDevice> Devices => _devices;
    public IReadOnlyDictionary<string, Pl011Uart> Uarts => _devices.Where(d => d.Value is Pl011Uart).ToDictionary(d => d.Key, d => (Pl011Uart)d.Value, StringComparer.OrdinalIgnoreCase);
    public T Device<T>(string name) where T : class, IBusDevice =>
        _devices.TryGetValue(name, out var d) && d is T t ? t : throw new KeyNotFoundException($"no {typeof(T).Name} named '{name}'");

    /// <summary>Everything a UART has transmitted so far, as text (bytes read as Latin-1).</summary>
    public string UartOutput(string name) =>
        _uartOutput.TryGetValue(name, out var m) ? Encoding.Latin1.GetString(m.GetBuffer(), 0, (int)m.Length) : throw new KeyNotFoundException($"no UART named '{name}'");

    /// <summary>Simulated time in nanoseconds.</summary>
    public long SimulatedNanoseconds => (long)((Int128)Scheduler.Now * 1_000_000_000 / Scheduler.TicksPerSecond);

    /// <summary>Loads an ELF's PT_LOAD segments and resets the core to its entry point.</summary>
    public ElfFile LoadElf(string path)
    {
        var elf = ElfFile.Parse(path);
        var loaded = ElfLoader.Load(elf, Bus);
        Elf = elf;
        if (Semihosting != null)
        {
            uint imageEnd = loaded.Ranges.Count == 0 ? 0 : loaded.Ranges.Max(r => r.Address + r.Length);
            Semihosting.HeapInfo = DefaultHeapInfo(imageEnd);
        }
        Semihosting?.ResetExit();
        Scheduler.Cycles = 0;
        Cpu.ResetTo(loaded.Entry);
        return elf;
    }

    /// <summary>
    /// Reset of the whole SoC, as pulling nRESET: every device to its reset state, the loaded ELF's
    /// segments written again (initialised data restored), the core restarted at the ELF entry point.
    /// Time keeps running: reset does not turn the clock back.
    /// </summary>
    public void Reset()
    {
        foreach (var d in _devices.Values) d.Reset();
        Semihosting?.ResetExit();
        if (Elf != null)
        {
            var loaded = ElfLoader.Load(Elf, Bus);
            Cpu.ResetTo(loaded.Entry);
        }
        else Cpu.Reset();
    }

    /// <summary>Loads a raw image at an address and resets the core to it.</summary>
    public void LoadRaw(string path, uint address)
    {
        RawLoader.Load(path, address, Bus);
        Semihosting?.ResetExit();
        Scheduler.Cycles = 0;
        Cpu.ResetTo(address);
    }

    /// <summary>Resolves a symbol of the loaded ELF (functions keep the Thumb bit in the ELF only).</summary>
    public uint Symbol(string name) =>
        (Elf ?? throw new InvalidOperationException("no ELF loaded")).FindSymbol(name)?.Address
        ?? throw new KeyNotFoundException($"symbol '{name}' not found in {Elf.Name}");

    /// <summary>Runs until the firmware exits, faults or is stopped, or until <paramref name="maxCycles"/> CPU cycles have elapsed in total.</summary>
    public RunResult Run(long maxCycles = long.MaxValue)
    {
        // A program that exited stays exited, and a core that faulted stays stopped: running again
        // does not execute past the exit call or the fault.
        if (Semihosting?.ExitCode is int exited) return Result(StopReason.Exit, exited);
        if (Cpu.Fault != null) return Result(StopReason.Fault, null);
        while (true)
        {
            Cpu.Run(maxCycles);
            if (Semihosting?.ExitCode is int code) return Result(StopReason.Exit, code);
            if (Cpu.Fault != null) return Result(StopReason.Fault, null);
            if (Scheduler.Cycles >= maxCycles) return Result(StopReason.CycleLimit, null);
            if (Cpu.StopRequested) return Result(StopReason.Stopped, null);
        }
    }

    private RunResult Result(StopReason reason, int? code)
    {
        _console?.Flush();
        return new RunResult(reason, code, Scheduler.Cycles, Cpu.Instructions, Cpu.Fault);
    }

    /// <summary>
    /// SYS_HEAPINFO's answer: the heap from the end of the loaded image to 1 MiB below the top of the
    /// RAM region holding it, the stack in that top MiB (full descending from the top).
    /// </summary>
    private (uint, uint, uint, uint) DefaultHeapInfo(uint imageEnd)
    {
        var ram = Board.Memory.Where(r => r.Kind == RegionKind.Ram).OrderByDescending(r => r.Base <= imageEnd && imageEnd <= r.End).ThenByDescending(r => r.Size).FirstOrDefault();
        if (ram == null) return (0, 0, 0, 0);
        uint top = (uint)Math.Min(ram.End, 0xFFFF_FFF0UL);
        uint stackLimit = top - Math.Min(0x10_0000u, ram.Size / 4);
        uint heapBase = Math.Max(ram.Base, (imageEnd + 7) & ~7u);
        return (heapBase, stackLimit, top, stackLimit);
    }

    private IBusDevice CreateDevice(PeripheralSpec p)
    {
        var clk = p.Clock.CreateDomain();
        switch (p.Type.Name)
        {
            case "pl011":
                var uart = new Pl011Uart(p.Name, Scheduler, clk);
                var buffer = new MemoryStream();
                _uartOutput[p.Name] = buffer;
                string name = p.Name;
                uart.TxSink = b =>
                {
                    buffer.WriteByte(b);
                    if (_console != null && string.Equals(name, ConsoleUart, StringComparison.OrdinalIgnoreCase))
                    {
                        _console.WriteByte(b);
                        if (b == (byte)'\n') _console.Flush();
                    }
                };
                return uart;
            case "sp804": return new Sp804Timer(p.Name, Scheduler, clk);
            case "pl190": return new Pl190Vic(p.Name);
            default: throw new ArgumentException($"peripheral type '{p.Type.Name}' has no model");
        }
    }

    /// <summary>
    /// A peripheral's output line by its board name (<c>timer0</c>, <c>TIMINTC</c>): the one table
    /// that maps the catalog's output names to the models' lines, for the wiring and for the tools
    /// that watch the lines (tracers, the latency probe).
    /// </summary>
    public IrqLine InterruptOutput(string component, string output) => _devices[component] switch
    {
        Pl011Uart u => output switch
        {
            "UARTINTR" => u.UartIntr, "UARTRXINTR" => u.UartRxIntr, "UARTTXINTR" => u.UartTxIntr,
            "UARTRTINTR" => u.UartRtIntr, "UARTMSINTR" => u.UartMsIntr, "UARTEINTR" => u.UartEIntr,
            _ => throw new ArgumentException($"{component} has no output {output}"),
        },
        Sp804Timer t => output switch
        {
            "TIMINT1" => t.TimInt1, "TIMINT2" => t.TimInt2, "TIMINTC" => t.TimIntC,
            _ => throw new ArgumentException($"{component} has no output {output}"),
        },
        Pl190Vic v => output switch
        {
            "IRQ" => v.Irq, "FIQ" => v.Fiq,
            _ => throw new ArgumentException($"{component} has no output {output}"),
        },
        _ => throw new ArgumentException($"{component} has no outputs"),
    };

    private void Wire()
    {
        foreach (var c in Board.Interrupts)
        {
            var line = InterruptOutput(c.SourceComponent, c.SourceOutput);
            if (c.TargetsCpu)
            {
                if (c.TargetInput == "nIRQ") line.Subscribe(Cpu.SetIrq);
                else line.Subscribe(Cpu.SetFiq);
                // Pick up a level that is already asserted.
                if (line.Level) { if (c.TargetInput == "nIRQ") Cpu.SetIrq(true); else Cpu.SetFiq(true); }
            }
            else if (_devices[c.TargetComponent] is Pl190Vic vic)
                vic.ConnectSource(c.TargetLine!.Value, line);
            else
                throw new ArgumentException($"{c.TargetComponent} cannot take interrupt inputs");
        }
    }

    public void Dispose()
    {
        Cpu.Dispose();
        Bus.Dispose();
        foreach (var r in _regions) r.Dispose();
    }
}
