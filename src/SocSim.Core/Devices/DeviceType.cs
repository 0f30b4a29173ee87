namespace SocSim.Core.Devices;

/// <summary>
/// Implemented by every device model: the model's own file declares, once, what the device is.
/// The board catalog discovers implementations by reflection; the machine's wiring, the VCD tracer,
/// <c>socsim board show</c> and the peripheral part of <c>boards/board.schema.json</c> are derived
/// from the declaration and never written again elsewhere.
/// </summary>
public interface IDeviceModel
{
    static abstract DeviceType Type { get; }
}

/// <summary>
/// What a parameter holds: <see cref="bool"/>, <see cref="long"/>, <see cref="string"/>, a JSON array of
/// strings (<see cref="IReadOnlyList{T}"/> of string) or a JSON object of strings keyed by name
/// (<see cref="IReadOnlyDictionary{TKey, TValue}"/> of string to string).
/// </summary>
public enum ParameterType { Boolean, Integer, String, StringList, StringMap }

/// <summary>A board-settable parameter of a device type. Parameters are optional; <see cref="Default"/> applies when absent.</summary>
public sealed record DeviceParameter(string Name, ParameterType Type, object Default, string Description);

/// <summary>
/// Outputs and input pins that one board entry declares through its parameters, on top of those its
/// type declares (an RTL block's lines are ports of the module the entry names).
/// </summary>
public sealed record InstancePorts(IReadOnlyList<string> Outputs, IReadOnlyList<string> Inputs)
{
    public static readonly InstancePorts None = new([], []);
}

/// <summary>
/// A line the device drives (an interrupt request, an output pin). <paramref name="ResetHigh"/>: the
/// line is high after reset with nothing connected (a serial line at its mark level, an undriven pad
/// with its pull-up, an active-low pin released); every other output is deasserted (low) after reset.
/// </summary>
public sealed record DeviceOutput(string Name, string Description, Func<IBusDevice, IrqLine> Line, bool ResetHigh = false);

/// <summary>A named line the device listens to (an input pin), connected by the board's wiring.</summary>
public sealed record DeviceInput(string Name, string Description, Action<IBusDevice, IrqLine> Connect);

/// <summary>What a device needs to be built from a board entry.</summary>
public sealed class DeviceContext
{
    public required string Name { get; init; }
    public required Scheduler Scheduler { get; init; }
    /// <summary>The clock domain the board entry names (UARTCLK, TIMCLK, PCLK...).</summary>
    public required ClockDomain Clock { get; init; }
    /// <summary>The wait states the board entry gives the device's bus mapping (what each access costs the CPU).</summary>
    public WaitStates WaitStates { get; init; } = WaitStates.Zero;
    /// <summary>Every declared parameter, with the board's value or the declared default.</summary>
    public required IReadOnlyDictionary<string, object> Parameters { get; init; }
    /// <summary>The system bus, for devices that control memory (a flash accelerator, a remap of the vectors).</summary>
    public Bus? Bus { get; init; }

    public T Parameter<T>(string name) => (T)Parameters[name];

    /// <summary>
    /// Reports something the firmware did that the chip tolerates but a user should hear of (an
    /// access to a reserved register, a setting outside the data sheet's limits): one line, no
    /// trailing newline, e.g. <c>uart0: write to reserved offset 0x02C ignored</c>. The machine
    /// prints it on stderr once per distinct message.
    /// </summary>
    public Action<string> Warn { get; init; } = _ => { };

    /// <summary>
    /// Asks for a reset of the whole SoC (a watchdog timeout, a software reset), carried out at the
    /// next instruction boundary; the argument says why.
    /// </summary>
    public Action<string> RequestSystemReset { get; init; } = _ => { };

    /// <summary>
    /// Halts the core after the current instruction until an interrupt request reaches it (IRQ or
    /// FIQ, whether the CPSR masks it or not), then calls the given action (a power-control register
    /// clearing its idle bit). Peripherals keep running.
    /// </summary>
    public Action<Action> RequestIdle { get; init; } = _ => { };

    /// <summary>
    /// Ends an idle state the device asked for without an interrupt request (a power controller
    /// whose wake-up resumes execution on its own): the core runs the idle's wake action and goes on.
    /// Nothing when the core is awake.
    /// </summary>
    public Action RequestWake { get; init; } = () => { };

    /// <summary>
    /// Makes a file path given in parameter <c>name</c> absolute: relative to the directory of the
    /// board file that set the parameter (the current directory for <c>--set</c>).
    /// </summary>
    public Func<string, string, string> ResolvePath { get; init; } = (_, path) => Path.GetFullPath(path);

    /// <summary>Clock controls this device's type declares, by name (see <see cref="DeviceType.Builder{T}.ClockControl"/>).</summary>
    public IReadOnlyDictionary<string, ClockControl> ClockControls { get; init; } = new Dictionary<string, ClockControl>();
}

/// <summary>
/// A ratio a device sets in the board's clock tree (a PLL's multiplier, a peripheral-clock divider):
/// the clocks the board derives from it change frequency at the tick the device gives. A control the
/// board's clock tree does not use still records its ratio.
/// </summary>
public sealed class ClockControl
{
    public ClockControl(string name, long num, long den)
    {
        Name = name;
        Num = num;
        Den = den;
    }

    public string Name { get; }
    public long Num { get; private set; }
    public long Den { get; private set; }

    /// <summary>Raised after the ratio changed, with the tick of the change.</summary>
    public event Action<ClockControl, long>? Changed;

    /// <summary>Sets the ratio output/input = <paramref name="num"/>/<paramref name="den"/> from tick <paramref name="atTick"/> on (0/1 stops the output).</summary>
    public void Set(long num, long den, long atTick)
    {
        if (den <= 0 || num < 0) throw new ArgumentOutOfRangeException(nameof(den));
        if (num * Den == Num * den && (num == 0) == (Num == 0)) return;
        Num = num;
        Den = den;
        Changed?.Invoke(this, atTick);
    }

    /// <summary>Sets the ratio without telling the clock tree: a checkpoint being loaded restores the clocks itself.</summary>
    public void Restore(long num, long den)
    {
        Num = num;
        Den = den;
    }
}

/// <summary>A clock control a device type declares: its name, the ratios it can produce and its reset ratio.</summary>
public sealed record ClockControlDeclaration(string Name, string Description, IReadOnlyList<(long Num, long Den)> Ratios, (long Num, long Den) Reset);

/// <summary>
/// What a tracer offers a device to declare its traceable signals with. Every signal lies in the
/// scope named after the device's board name. Nothing here costs anything until a tracer is attached.
/// </summary>
public interface ISignalBinder
{
    /// <summary>The tick a change being made now happens at (<see cref="Scheduler.EventTime"/>).</summary>
    long EventTime { get; }

    /// <summary>A 1-bit signal that follows <paramref name="line"/>, stamped at the scheduler's event time.</summary>
    void Line(string name, IrqLine line);

    /// <summary>
    /// A value computed lazily by the model (a counter, a FIFO level), sampled after each instruction
    /// and stamped at the last edge of a clock of <paramref name="edgePeriodTicks"/> (0: at the sample time).
    /// </summary>
    void Sampled(string name, int width, Func<ulong> sample, long edgePeriodTicks);

    /// <summary>
    /// As <see cref="Sampled(string, int, Func{ulong}, long)"/>, stamped at the last edge of
    /// <paramref name="clock"/> at or before the sample time: for a clock whose frequency changes at
    /// run time (PCLK after VPBDIV or the PLL), whose edges are not multiples of one period.
    /// </summary>
    void Sampled(string name, int width, Func<ulong> sample, ClockDomain clock) =>
        Sampled(name, width, sample, clock.IsExact ? clock.PeriodTicks : 0);

    /// <summary>
    /// A signal the model drives itself through the returned setter <c>(tick, value)</c>, e.g. a serial
    /// line bit by bit. The setter does nothing while no tracer is attached.
    /// </summary>
    Action<long, ulong> Driven(string name, int width, ulong initial);

    /// <summary>
    /// Called with the present tick when tracing starts (a VCD opened, or its window reached, or a
    /// resumed checkpoint traced from its resume point): a model that drives a signal itself draws
    /// what is already under way then (the rest of a frame on the line).
    /// </summary>
    void WhenAttached(Action<long> onAttach) { }

    /// <summary>
    /// As <see cref="Driven(string, int, ulong)"/>, in scope <paramref name="subScope"/> (dot-separated)
    /// under the device's own: the internals of an RTL block, <c>uartx.apb_uart_sv.uart_tx_i.CS</c>.
    /// </summary>
    Action<long, ulong> Driven(string subScope, string name, int width, ulong initial) =>
        Driven(subScope.Length == 0 ? name : subScope + "." + name, width, initial);

    /// <summary>
    /// Whether the run's signal selection (<c>--signals</c> globs) could enable a signal whose name in
    /// the device's scope starts with <paramref name="namePrefix"/>: lets a device skip costly signals
    /// (an RTL model built with tracing) nobody asked for. True when there is no selection.
    /// </summary>
    bool MaySelect(string namePrefix) => true;

    /// <summary>Calls <paramref name="flush"/> when the tracer detaches, before its sink closes: for a device that holds changes back to put them in time order.</summary>
    void BeforeDetach(Action flush) { }
}

/// <summary>
/// The declaration of a device type: its type name, register window, parameters, outputs, inputs
/// (numbered interrupt-controller inputs and named pins), traceable signals and constructor.
/// Built with <see cref="Define{T}"/> in the device's own file.
/// </summary>
public sealed class DeviceType
{
    private DeviceType(string name, string description, Type modelType)
    {
        Name = name;
        Description = description;
        ModelType = modelType;
    }

    public string Name { get; }
    public string Description { get; }
    /// <summary>The CLR type of the model (for <c>board types</c> and error messages).</summary>
    public Type ModelType { get; }
    /// <summary>Bytes of address space the device decodes; 0 for a part on pins only (<see cref="Builder{T}.PinsOnly"/>).</summary>
    public uint WindowSize { get; private set; }
    /// <summary>Whether the device has a register window: a board entry then needs a base and wait states.</summary>
    public bool HasWindow => WindowSize > 0;
    /// <summary>The alignment a board base address must have.</summary>
    public uint Alignment { get; private set; }
    /// <summary>Width of the device's data bus in bits.</summary>
    public int BusWidth { get; private set; } = 32;
    public IReadOnlyList<DeviceParameter> Parameters => _parameters;
    public IReadOnlyList<DeviceOutput> OutputLines => _outputs;
    public IReadOnlyList<string> Outputs => _outputs.Select(o => o.Name).ToList();
    public IReadOnlyList<DeviceInput> InputPins => _inputs;
    /// <summary>Ratios in the board's clock tree that the device sets (a PLL, a divider).</summary>
    public IReadOnlyList<ClockControlDeclaration> ClockControls => _clockControls;
    /// <summary>Numbered inputs (an interrupt controller's sources); 0 for none.</summary>
    public int InputCount { get; private set; }
    public string InputCountDescription { get; private set; } = "";
    public bool IsInterruptController => InputCount > 0;

    private readonly List<DeviceParameter> _parameters = new();
    private readonly List<DeviceOutput> _outputs = new();
    private readonly List<DeviceInput> _inputs = new();
    private readonly List<ClockControlDeclaration> _clockControls = new();
    private Action<IBusDevice, int, IrqLine>? _connectNumbered;
    private Action<IBusDevice, ISignalBinder>? _signals;
    private Func<IReadOnlyDictionary<string, object>, InstancePorts>? _instancePorts;
    private Func<IBusDevice, string, IrqLine?>? _instanceOutput;
    private Func<IBusDevice, string, IrqLine, bool>? _instanceInput;
    private Func<DeviceContext, IBusDevice> _create = _ => throw new InvalidOperationException("no constructor declared");

    public DeviceParameter? FindParameter(string name) => _parameters.FirstOrDefault(p => p.Name == name);
    public DeviceOutput? FindOutput(string name) => _outputs.FirstOrDefault(o => o.Name == name);
    public DeviceInput? FindInput(string name) => _inputs.FirstOrDefault(i => i.Name == name);

    /// <summary>Whether board entries of this type declare lines of their own through their parameters.</summary>
    public bool HasInstancePorts => _instancePorts != null;

    /// <summary>The output names of a board entry with these parameters: the type's, then the entry's own.</summary>
    public IReadOnlyList<string> OutputsOf(IReadOnlyDictionary<string, object> parameters) =>
        _instancePorts == null ? Outputs : Outputs.Concat(_instancePorts(parameters).Outputs).ToList();

    /// <summary>The input pin names of a board entry with these parameters: the type's, then the entry's own.</summary>
    public IReadOnlyList<string> InputsOf(IReadOnlyDictionary<string, object> parameters) =>
        _instancePorts == null ? _inputs.Select(i => i.Name).ToList() : _inputs.Select(i => i.Name).Concat(_instancePorts(parameters).Inputs).ToList();

    /// <summary>Builds the device for a board entry.</summary>
    public IBusDevice Create(DeviceContext context) => _create(context);

    /// <summary>The line a built device drives for output <paramref name="name"/>.</summary>
    public IrqLine Output(IBusDevice device, string name) =>
        FindOutput(name)?.Line(device) ?? _instanceOutput?.Invoke(device, name)
        ?? throw new ArgumentException($"{Name} has no output {name} (outputs: {string.Join(", ", Outputs)})");

    /// <summary>Connects a line to numbered input <paramref name="n"/> (an interrupt controller's source).</summary>
    public void ConnectInput(IBusDevice device, int n, IrqLine line)
    {
        if (_connectNumbered == null || n < 0 || n >= InputCount)
            throw new ArgumentException($"{Name} has no input {n}");
        _connectNumbered(device, n, line);
    }

    /// <summary>Connects a line to the named input pin.</summary>
    public void ConnectInput(IBusDevice device, string name, IrqLine line)
    {
        if (FindInput(name) is { } pin) pin.Connect(device, line);
        else if (_instanceInput == null || !_instanceInput(device, name, line)) throw new ArgumentException($"{Name} has no input {name}");
    }

    /// <summary>Declares the device's traceable signals to a tracer.</summary>
    public void DeclareSignals(IBusDevice device, ISignalBinder binder) => _signals?.Invoke(device, binder);

    /// <summary>Starts the declaration of a model of type <typeparamref name="T"/>.</summary>
    public static Builder<T> Define<T>(string name, string description) where T : class, IBusDevice => new(new DeviceType(name, description, typeof(T)));

    /// <summary>Fluent declaration; <see cref="Build"/> ends it.</summary>
    public sealed class Builder<T> where T : class, IBusDevice
    {
        private readonly DeviceType _t;
        private bool _pinsOnly;
        internal Builder(DeviceType t) => _t = t;

        /// <summary>The register window in bytes; the base must be aligned to <paramref name="alignment"/> (default: the window).</summary>
        public Builder<T> Window(uint size, uint? alignment = null)
        {
            _t.WindowSize = size;
            _t.Alignment = alignment ?? size;
            return this;
        }

        /// <summary>A part on pins only (a board's EEPROM, SPI flash): no register window, no base in a board file.</summary>
        public Builder<T> PinsOnly()
        {
            _t.WindowSize = 0;
            _t.Alignment = 1;
            _pinsOnly = true;
            return this;
        }

        public Builder<T> BusWidth(int bits)
        {
            _t.BusWidth = bits;
            return this;
        }

        public Builder<T> Parameter(string name, bool defaultValue, string description) => Add(name, ParameterType.Boolean, defaultValue, description);
        public Builder<T> Parameter(string name, long defaultValue, string description) => Add(name, ParameterType.Integer, defaultValue, description);
        public Builder<T> Parameter(string name, string defaultValue, string description) => Add(name, ParameterType.String, defaultValue, description);

        private Builder<T> Add(string name, ParameterType type, object value, string description)
        {
            _t._parameters.Add(new DeviceParameter(name, type, value, description));
            return this;
        }

        public Builder<T> Output(string name, Func<T, IrqLine> line, string description = "", bool resetHigh = false)
        {
            _t._outputs.Add(new DeviceOutput(name, description, d => line((T)d), resetHigh));
            return this;
        }

        public Builder<T> Input(string name, Action<T, IrqLine> connect, string description = "")
        {
            _t._inputs.Add(new DeviceInput(name, description, (d, l) => connect((T)d, l)));
            return this;
        }

        /// <summary>Numbered inputs 0..count-1, as an interrupt controller's sources.</summary>
        public Builder<T> NumberedInputs(int count, Action<T, int, IrqLine> connect, string description = "")
        {
            _t.InputCount = count;
            _t.InputCountDescription = description;
            _t._connectNumbered = (d, n, l) => connect((T)d, n, l);
            return this;
        }

        /// <summary>A ratio of the board's clock tree the device sets: name, reachable ratios (most likely first) and reset ratio.</summary>
        public Builder<T> ClockControl(string name, string description, IReadOnlyList<(long Num, long Den)> ratios, (long Num, long Den) reset)
        {
            _t._clockControls.Add(new ClockControlDeclaration(name, description, ratios, reset));
            return this;
        }

        public Builder<T> Parameter(string name, IReadOnlyList<string> defaultValue, string description) => Add(name, ParameterType.StringList, defaultValue, description);
        public Builder<T> Parameter(string name, IReadOnlyDictionary<string, string> defaultValue, string description) => Add(name, ParameterType.StringMap, defaultValue, description);

        /// <summary>
        /// Lines each board entry declares through its parameters: <paramref name="ports"/> names them
        /// from the entry's parameters (for board validation, before anything is built);
        /// <paramref name="output"/> gives a built device's output line by name (null: no such output),
        /// <paramref name="connect"/> connects a line to its input pin (false: no such pin).
        /// </summary>
        public Builder<T> InstancePorts(Func<IReadOnlyDictionary<string, object>, InstancePorts> ports, Func<T, string, IrqLine?> output, Func<T, string, IrqLine, bool> connect)
        {
            _t._instancePorts = ports;
            _t._instanceOutput = (d, n) => output((T)d, n);
            _t._instanceInput = (d, n, l) => connect((T)d, n, l);
            return this;
        }

        public Builder<T> Signals(Action<T, ISignalBinder> declare)
        {
            _t._signals = (d, b) => declare((T)d, b);
            return this;
        }

        public DeviceType Build(Func<DeviceContext, T> create)
        {
            if (_t.WindowSize == 0 && !_pinsOnly) throw new InvalidOperationException($"device type {_t.Name} declares no register window (Window, or PinsOnly for a part on pins)");
            _t._create = create;
            return _t;
        }
    }
}

/// <summary>
/// A device that sends and receives bytes on a serial line the host can join: the machine captures
/// what it transmits and connects the console to the one marked <c>"console": true</c>.
/// </summary>
public interface ISerialPort
{
    string Name { get; }
    /// <summary>Receives each transmitted byte at the end of its frame.</summary>
    Action<byte>? TxSink { get; set; }
    /// <summary>Bytes arriving on the receive line, one frame each at the programmed baud rate.</summary>
    void EnqueueHostInput(ReadOnlySpan<byte> data);
}
