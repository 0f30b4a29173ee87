using System.Text;
using SocSim.Arm;
using SocSim.Boards;
using SocSim.Boards.Elf;
using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Devices;
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
    /// <summary>Where device warnings go (a register the chip reserves, a PLL setting out of range); null: stderr.</summary>
    public TextWriter? Warnings { get; init; }
    /// <summary>The execution engine: hot code translated to host code (the default: bit- and cycle-exact, see BlockTranslator), or the interpreter alone.</summary>
    public ExecutionEngine Engine { get; init; } = ExecutionEngine.Translate;
    /// <summary>The translator's compile threshold (null: its default; 0 translates every block at once).</summary>
    public int? TranslationThreshold { get; init; }
    /// <summary>Whether the translator compiles on a worker thread while the interpreter goes on (the default); false compiles in line, so what runs translated does not depend on the host's timing.</summary>
    public bool TranslateInBackground { get; init; } = true;
    /// <summary>
    /// Instructions the core executes (counted from its creation) before the translator compiles anything
    /// (0, the default: none). Results are the same either way (both engines are exact); a
    /// run shorter than this pays nothing for the translator (`socsim run` and `resume` use
    /// BlockTranslator.ShortRunInstructions).
    /// </summary>
    public long TranslationHoldOff { get; init; }
    /// <summary>
    /// Whether <see cref="Machine.Run"/> ends a run whose core is stuck (<see cref="StopReason.Stuck"/>,
    /// see <see cref="StuckDetector"/>). Off by default in the library, where the host may change the
    /// machine between runs or spin the core on purpose while devices work; `socsim run` and `sweep` turn it on.
    /// </summary>
    public bool StopWhenStuck { get; init; }
}

public enum StopReason
{
    /// <summary>The firmware exited through semihosting.</summary>
    Exit,
    /// <summary>The cycle limit was reached.</summary>
    CycleLimit,
    /// <summary>The simulated-time limit (<see cref="Machine.SetTimeLimit"/>) was reached.</summary>
    TimeLimit,
    /// <summary>The core could not go on (see <see cref="ICore.Fault"/>).</summary>
    Fault,
    /// <summary>Something asked the core to stop (a breakpoint, a debugger, the host).</summary>
    Stopped,
    /// <summary>The firmware asked for a board reset and <see cref="Machine.StopOnSystemReset"/> is set; <see cref="Machine.SystemResets"/> says when and why.</summary>
    Reset,
    /// <summary>The core can never make progress again (see <see cref="StuckDetector"/>); <see cref="RunResult.Fault"/> says what it does.</summary>
    Stuck,
}

public sealed record RunResult(StopReason Reason, int? ExitCode, long Cycles, long Instructions, string? Fault);

/// <summary>
/// A board made real: the scheduler on the board's time base, the bus with its memory regions and
/// peripherals, the core the board names, the interrupt wiring and semihosting. This is the library API that
/// the CLI and firmware tests use.
/// </summary>
public sealed partial class Machine : IDisposable
{
    private readonly Dictionary<string, IBusDevice> _devices = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, MemoryStream> _uartOutput = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<MemoryRegion> _regions = new();
    private readonly Dictionary<string, ClockDomain> _clocks = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string, string), ClockControl> _clockControls = new();
    private readonly Dictionary<string, string> _wiredInputs = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, IrqLine> _hostPins = new(StringComparer.OrdinalIgnoreCase);
    private readonly Stream? _console;

    private Machine(Board board, MachineOptions options)
    {
        Board = board;
        Options = options;
        _console = options.Console;
        // One domain per board clock, shared by everything it clocks (a clock tree may change it at run time).
        foreach (var c in board.Clocks)
            _clocks[c.Name] = ClockDomain.OnTimeBase(c.Name, c.FrequencyHz, board.TicksPerSecond);
        Scheduler = new Scheduler(board.TicksPerSecond, _clocks[board.Cpu.Clock.Name]);
        Bus = new Bus(Scheduler);
        foreach (var r in board.Memory)
        {
            var region = r.CreateRegion();
            _regions.Add(region);
            if (r.InitFile != null) _initImages[region] = File.ReadAllBytes(r.InitFile);
            Bus.AddRegion(region);
        }
        // Every clock control a device declares exists whether or not the board's clock tree uses it.
        foreach (var p in board.Peripherals)
            foreach (var c in p.Type.ClockControls)
                _clockControls[(p.Name, c.Name)] = new ClockControl(c.Name, c.Reset.Num, c.Reset.Den);
        foreach (var t in board.ClockTree) WireClock(t);
        foreach (var p in board.Peripherals)
        {
            var dev = CreateDevice(p);
            _devices[p.Name] = dev;
            if (p.Type.HasWindow) Bus.AddDevice(p.Name, p.Base, p.Size, dev, p.WaitStates, p.BusWidth);
        }
        // The core the board names, built by its declaration.
        Core = board.Cpu.Type.Create(new CoreContext
        {
            Scheduler = Scheduler,
            Bus = Bus,
            Clock = _clocks[board.Cpu.Clock.Name],
            FindClock = name => _clocks.GetValueOrDefault(name),
            Parameters = board.Cpu.Parameters,
            RequestSystemReset = RequestSystemReset,
            Engine = options.Engine,
            TranslationThreshold = options.TranslationThreshold,
            TranslateInBackground = options.TranslateInBackground,
            TranslationHoldOff = options.TranslationHoldOff,
        });
        foreach (var device in _devices.Values) (device as ICoreObserver)?.CoreBuilt(Core);
        _timeLimit = new Event("machine.timeLimit", EventPriority.Exit, _ => { _timeLimitHit = true; Core.RequestStop(); }) { Transient = true };
        Wire();
        WirePins();
        StuckDetector = new StuckDetector(this, Warn) { Enabled = options.StopWhenStuck };
        // The console is the serial port whose board entry says "console": true (a parameter its type declares).
        ConsoleUart = options.ConsoleUart ?? board.Peripherals.FirstOrDefault(p =>
            _devices[p.Name] is ISerialPort && p.Type.FindParameter("console") != null && p.Parameter<bool>("console"))?.Name;
        if (ConsoleUart != null && (!_devices.TryGetValue(ConsoleUart, out var d) || d is not ISerialPort))
            throw new ArgumentException($"no UART named '{ConsoleUart}' on this board (UARTs: {string.Join(", ", Uarts.Keys)})");
        if (board.Semihosting || options.ForceSemihosting)
            Semihosting = new Semihosting(Core is ISemihostingCore ? Core : throw new ArgumentException($"semihosting (SWI 0x123456 / BKPT 0xAB) is not modelled for core {board.Cpu.Type.Name}"), new SemihostingOptions
            {
                Output = _console != null ? new ConsoleGate(this) : Stream.Null,
                Input = options.ConsoleInput ?? Stream.Null,
                SandboxDirectory = options.SandboxDirectory,
                CommandLine = options.CommandLine,
                HeapInfo = DefaultHeapInfo(0),
            });
    }

    public static Machine Create(Board board, MachineOptions? options = null) => new(board, options ?? new MachineOptions());

    /// <summary>
    /// Console output (the console UART's bytes, semihosting's) made at or before this CPU cycle is
    /// not written to <see cref="MachineOptions.Console"/> (it is still captured in
    /// <see cref="UartOutput"/>): a debugger re-executing a stretch the user has already seen
    /// (reverse execution) sets it to the furthest cycle reached, so nothing is printed twice.
    /// </summary>
    public long ConsoleMutedThrough { get; set; } = -1;

    /// <summary>Semihosting's console output, muted as <see cref="ConsoleMutedThrough"/> says.</summary>
    private sealed class ConsoleGate(Machine m) : Stream
    {
        private bool Open => m.Scheduler.Cycles > m.ConsoleMutedThrough;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => m._console!.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) { if (Open) m._console!.Write(buffer, offset, count); }
        public override void Write(ReadOnlySpan<byte> buffer) { if (Open) m._console!.Write(buffer); }
        public override void WriteByte(byte value) { if (Open) m._console!.WriteByte(value); }
    }

    private readonly List<IExecutionHook> _hooks = new();
    private readonly List<IBusObserver> _observers = new();

    /// <summary>Adds an execution hook; several may be installed (breakpoints, tracers, profilers).</summary>
    public void AddHook(IExecutionHook hook)
    {
        _hooks.Add(hook);
        Core.Hook = _hooks.Count == 1 ? _hooks[0] : new HookFanOut(_hooks.ToArray());
    }

    public void RemoveHook(IExecutionHook hook)
    {
        _hooks.Remove(hook);
        Core.Hook = _hooks.Count switch { 0 => null, 1 => _hooks[0], _ => new HookFanOut(_hooks.ToArray()) };
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
        public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
        {
            bool stop = false;
            foreach (var h in hooks) stop |= h.BeforeInstruction(cpu, pc, opcode);
            return stop;
        }

        public void AfterInstruction(ICore cpu)
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
    /// <summary>The core the board's <c>cpu.type</c> names, built by its declaration (<see cref="CpuSpec.Type"/>).</summary>
    public ICore Core { get; }

    /// <summary>
    /// The core as an ARM7TDMI, for what only that core has (its CPSR and modes, the block translator):
    /// the ARM7-specific tools and tests. Throws on a board with another core.
    /// </summary>
    public ArmCpu Cpu => Core as ArmCpu ?? throw new InvalidOperationException($"the board's core is {Board.Cpu.Type.Name}, not an ARM7TDMI");
    public Semihosting? Semihosting { get; }
    /// <summary>Abort warnings, and the rules that end a run whose core is stuck.</summary>
    public StuckDetector StuckDetector { get; }
    public ElfFile? Elf { get; private set; }
    public string? ConsoleUart { get; }

    public IReadOnlyDictionary<string, IBusDevice> Devices => _devices;
    /// <summary>The board's clock domains by name, at their present frequencies.</summary>
    public IReadOnlyDictionary<string, ClockDomain> Clocks => _clocks;
    /// <summary>The board's serial ports (PL011, 16550-style UARTs...) by name.</summary>
    public IReadOnlyDictionary<string, ISerialPort> Uarts => _devices.Where(d => d.Value is ISerialPort).ToDictionary(d => d.Key, d => (ISerialPort)d.Value, StringComparer.OrdinalIgnoreCase);
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
        if (FirmwareProfileProblem(elf) is { } problem) throw new ElfException($"{elf.Name}: {problem}");
        var loaded = ElfLoader.Load(elf, Bus);
        Elf = elf;
        _linux = null;
        _image.Clear();
        foreach (var seg in elf.LoadSegments.Where(s => s.MemSize > 0))
            RecordImage(seg.PhysicalAddress, seg.Data, seg.MemSize - seg.FileSize);
        _elfPath = Path.GetFullPath(path);
        _elfContents = elf.Contents;
        _elfSha256 = null;
        if (Semihosting != null)
        {
            uint imageEnd = 0;
            for (int i = 0; i < loaded.Ranges.Count; i++) imageEnd = Math.Max(imageEnd, loaded.Ranges[i].Address + loaded.Ranges[i].Length);
            Semihosting.HeapInfo = DefaultHeapInfo(imageEnd);
        }
        Semihosting?.ResetExit();
        Scheduler.Cycles = 0;
        StartCore(loaded.Entry, m => new ElfException($"{elf.Name}: {m}"));
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
            StartCore(loaded.Entry, m => new ElfException($"{Elf.Name}: {m}"));
        }
        else if (_linux != null) _linux.Load(Bus, Core, Board.Cpu.Type);
        else Core.Reset();
    }

    /// <summary>Loads a raw image at an address and resets the core to it.</summary>
    public void LoadRaw(string path, uint address)
    {
        RawLoader.Load(path, address, Bus);
        RecordImage(address, File.ReadAllBytes(path), 0);
        Semihosting?.ResetExit();
        Scheduler.Cycles = 0;
        StartCore(address, m => new ArgumentException($"{path}: {m}"));
    }

    /// <summary>Resolves a symbol of the loaded ELF (functions keep the Thumb bit in the ELF only).</summary>
    public uint Symbol(string name) =>
        (Elf ?? throw new InvalidOperationException("no ELF loaded")).FindSymbol(name)?.Address
        ?? throw new KeyNotFoundException($"symbol '{name}' not found in {Elf.Name}");

    private volatile bool _hostStop;

    /// <summary>
    /// Stops the run at the next instruction boundary, from any thread (Ctrl-C). Unlike the core's own
    /// request, which each <c>Core.Run</c> clears as it starts, it holds until <see cref="Run"/> returns
    /// <see cref="StopReason.Stopped"/>: a request that falls between two slices of a run is not lost.
    /// </summary>
    public void RequestStop()
    {
        _hostStop = true;
        Core.RequestStop();
    }

    /// <summary>Runs until the firmware exits, faults or is stopped, or until <paramref name="maxCycles"/> CPU cycles have elapsed in total.</summary>
    public RunResult Run(long maxCycles = long.MaxValue)
    {
        // A program that exited stays exited, and a core that faulted stays stopped: running again
        // does not execute past the exit call or the fault.
        if (Semihosting?.ExitCode is int exited) return Result(StopReason.Exit, exited);
        if (Core.Fault != null) return Result(StopReason.Fault, null);
        StuckDetector.Restart();
        while (true)
        {
            if (_hostStop) { _hostStop = false; return Result(StopReason.Stopped, null); }
            Core.Run(StuckDetector.SliceEnd(maxCycles));
            if (_resetRequested)
            {
                // A device asked for a system reset (TRM-level nRESET): done at the instruction boundary, then run on.
                _resetRequested = false;
                SystemResets.Add((Scheduler.Cycles, _resetReason!));
                if (StopOnSystemReset) return Result(StopReason.Reset, null);
                foreach (var d in _devices.Values) if (d is ISystemResetListener l) l.BeforeSystemReset(_resetReason!);
                Reset();
                continue;
            }
            if (_timeLimitHit)
            {
                _timeLimitHit = false;
                return Result(StopReason.TimeLimit, null);
            }
            if (Semihosting?.ExitCode is int code) return Result(StopReason.Exit, code);
            if (Core.Fault != null) return Result(StopReason.Fault, null);
            StuckDetector.AtSliceEnd();
            if (StuckDetector.Verdict != null) return Result(StopReason.Stuck, null);
            if (Core.Cycles >= maxCycles) return Result(StopReason.CycleLimit, null);
            if (Core.StopRequested || _hostStop) { _hostStop = false; return Result(StopReason.Stopped, null); }
        }
    }

    private readonly Event _timeLimit;
    private bool _timeLimitHit;

    /// <summary>The tick <see cref="SetTimeLimit"/> stops the run at, or null without a time limit.</summary>
    public long? TimeLimitTick => _timeLimit.IsScheduled ? _timeLimit.Time : null;

    /// <summary>
    /// Stops <see cref="Run"/> when simulated time reaches <paramref name="limit"/> from time zero, at
    /// the first instruction boundary at or after it (reason <see cref="StopReason.TimeLimit"/>).
    /// The natural limit where cycle lengths vary with a clock tree.
    /// </summary>
    public void SetTimeLimit(TimeSpan limit)
    {
        Int128 ticks = (Int128)limit.Ticks * Scheduler.TicksPerSecond / TimeSpan.TicksPerSecond;
        // Never wrapped: a limit past the 64-bit tick counter would stop the run at once.
        if (ticks > long.MaxValue) throw new ArgumentOutOfRangeException(nameof(limit), $"{limit} is past the simulated time this board's ticks can count");
        Scheduler.Schedule(_timeLimit, Math.Max((long)ticks, Scheduler.Now));
    }

    private RunResult Result(StopReason reason, int? code)
    {
        _console?.Flush();
        return new RunResult(reason, code, Core.Cycles, Core.Instructions, reason == StopReason.Stuck ? StuckDetector.Verdict : Core.Fault);
    }

    /// <summary>
    /// SYS_HEAPINFO's answer: the heap from the end of the loaded image to 1 MiB below the top of the
    /// RAM region holding it, the stack in that top MiB (full descending from the top).
    /// </summary>
    private (uint, uint, uint, uint) DefaultHeapInfo(uint imageEnd)
    {
        // The RAM region holding the image's end, else the largest; the first of equals (a loop, not
        // OrderByDescending over bool and uint keys: two JIT'd sorters at every start-up).
        RegionSpec? ram = null;
        bool ramHolds = false;
        foreach (var r in Board.Memory)
        {
            if (r.Kind != RegionKind.Ram) continue;
            bool holds = r.Base <= imageEnd && imageEnd <= r.End;
            if (ram == null || (holds && !ramHolds) || (holds == ramHolds && r.Size > ram.Size)) { ram = r; ramHolds = holds; }
        }
        if (ram == null) return (0, 0, 0, 0);
        uint top = (uint)Math.Min(ram.End, 0xFFFF_FFF0UL);
        uint stackLimit = top - Math.Min(0x10_0000u, ram.Size / 4);
        uint heapBase = Math.Max(ram.Base, (imageEnd + 7) & ~7u);
        return (heapBase, stackLimit, top, stackLimit);
    }

    /// <summary>Builds a board entry's device from its type's declaration; a serial port's output is captured.</summary>
    private IBusDevice CreateDevice(PeripheralSpec p)
    {
        var dev = p.Type.Create(new DeviceContext
        {
            Name = p.Name,
            Scheduler = Scheduler,
            Clock = _clocks[p.Clock.Name],
            Parameters = p.Parameters,
            Bus = Bus,
            Warn = Warn,
            RequestSystemReset = RequestSystemReset,
            RequestIdle = onWake => Core.Sleep(onWake),
            RequestWake = () => (Core as ArmCpu)?.Wake(),
            ClockControls = p.Type.ClockControls.ToDictionary(c => c.Name, c => _clockControls[(p.Name, c.Name)]),
            WaitStates = p.WaitStates,
            ResolvePath = (parameter, path) => Path.GetFullPath(Path.Combine(ParameterDirectory(p.Name, parameter), path)),
        });
        if (dev is ISerialPort port)
        {
            var buffer = new MemoryStream();
            _uartOutput[p.Name] = buffer;
            string name = p.Name;
            port.TxSink = b =>
            {
                buffer.WriteByte(b);
                if (Scheduler.Cycles > ConsoleMutedThrough && string.Equals(name, ConsoleUart, StringComparison.OrdinalIgnoreCase))
                {
                    if (_console != null)
                    {
                        _console.WriteByte(b);
                        if (b == (byte)'\n') _console.Flush();
                    }
                    ConsoleOutput?.Invoke(b);
                }
            };
        }
        return dev;
    }

    /// <summary>The directory of the board file that set a peripheral's parameter (the current directory for --set).</summary>
    private string ParameterDirectory(string peripheral, string parameter)
    {
        string key = $"peripherals.{peripheral}.parameters.{parameter}";
        string? origin = Board.OriginOf(key) ?? Board.OriginOf(key + ".0")
            ?? Board.Origins.FirstOrDefault(kv => kv.Key.StartsWith(key + ".", StringComparison.OrdinalIgnoreCase)).Value;
        return origin == null || origin == BoardLoader.SetSource ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(origin)) ?? ".";
    }

    /// <summary>
    /// A peripheral's output line by its board name (<c>timer0</c>, <c>TIMINTC</c>), as its type
    /// declares it: for the wiring and for the tools that watch the lines (tracers, the latency probe).
    /// </summary>
    public IrqLine InterruptOutput(string component, string output) =>
        Board.Peripheral(component) is { } spec
            ? spec.Type.Output(_devices[spec.Name], output)
            : throw new ArgumentException($"no peripheral named '{component}'");

    /// <summary>A derived clock follows its source and its control: frequency = source × ratio, from the tick of the change.</summary>
    private void WireClock(ClockTreeSpec t)
    {
        var domain = _clocks[t.Name];
        var source = _clocks[t.Source];
        var control = _clockControls[(t.ControlComponent, t.ControlName)];
        void Update(long tick) => domain.SetFrequency(source.FrequencyHz * control.Num / control.Den, tick);
        control.Changed += (_, tick) => Update(tick);
        source.Changed += (_, tick) => Update(tick);
    }

    private void WirePins()
    {
        foreach (var c in Board.Pins)
        {
            var line = InterruptOutput(c.SourceComponent, c.SourceOutput);
            var target = Board.Peripheral(c.TargetComponent)!;
            target.Type.ConnectInput(_devices[target.Name], c.TargetInput, line);
            _wiredInputs[target.Name + "." + c.TargetInput] = c.ToString();
        }
    }

    /// <summary>
    /// Drives an input pin from the host, as an external driver would (<c>--pin P0_5=0</c>): PIN is
    /// <c>component.INPUT</c> or an input name that only one component has. A pin the board already
    /// wires cannot be driven too.
    /// </summary>
    public void DrivePin(string pin, bool level)
    {
        var (component, input) = FindInputPin(pin);
        string key = component + "." + input;
        if (_wiredInputs.TryGetValue(key, out var wire))
            throw new ArgumentException($"pin {key} is already driven by the board's wiring ({wire})");
        if (!_hostPins.TryGetValue(key, out var line))
        {
            line = new IrqLine("host." + key);
            // Set the level before connecting, so that the pin takes it without a spurious edge.
            line.Set(level);
            var spec = Board.Peripheral(component)!;
            spec.Type.ConnectInput(_devices[spec.Name], input, line);
            _hostPins[key] = line;
        }
        line.Set(level);
    }

    private (string Component, string Input) FindInputPin(string pin)
    {
        int dot = pin.IndexOf('.');
        if (dot > 0)
        {
            string comp = pin[..dot], input = pin[(dot + 1)..];
            var spec = Board.Peripheral(comp) ?? throw new ArgumentException($"pin {pin}: no peripheral named '{comp}'");
            if (!spec.Inputs.Contains(input)) throw new ArgumentException($"pin {pin}: {spec.Type.Name} '{spec.Name}' has no input pin '{input}'");
            return (spec.Name, input);
        }
        var owners = Board.Peripherals.Where(p => p.Inputs.Contains(pin)).ToList();
        return owners.Count switch
        {
            1 => (owners[0].Name, pin),
            0 => throw new ArgumentException($"no input pin named '{pin}' on this board"),
            _ => throw new ArgumentException($"pin '{pin}' is ambiguous: {string.Join(", ", owners.Select(o => o.Name + "." + pin))}"),
        };
    }

    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    /// <summary>Where device warnings go (stderr by default); each distinct message is reported once.</summary>
    private void Warn(string message)
    {
        if (!_warned.Add(message)) return;
        (Options.Warnings ?? Console.Error).WriteLine($"socsim: warning: {message}");
        Warnings.Add(message);
    }

    /// <summary>Every distinct warning a device reported so far.</summary>
    public List<string> Warnings { get; } = new();

    private bool _resetRequested;
    private string? _resetReason;

    private void RequestSystemReset(string reason)
    {
        _resetRequested = true;
        _resetReason = reason;
        Core.RequestStop();
    }

    /// <summary>The reasons of the system resets devices requested (a watchdog timeout), in order.</summary>
    public List<(long Cycle, string Reason)> SystemResets { get; } = new();

    private void Wire()
    {
        foreach (var c in Board.Interrupts)
        {
            var line = InterruptOutput(c.SourceComponent, c.SourceOutput);
            if (c.TargetsCpu) Board.Cpu.Type.ConnectInput(Core, c.TargetInput, line);
            else
            {
                var target = Board.Peripheral(c.TargetComponent)!;
                target.Type.ConnectInput(_devices[target.Name], c.TargetLine!.Value, line);
            }
        }
    }

    public void Dispose()
    {
        Core.Dispose();
        Bus.Dispose();
        foreach (var d in _devices.Values) (d as IDisposable)?.Dispose();
        foreach (var r in _regions) r.Dispose();
    }
}
