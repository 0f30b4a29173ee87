using System.Text;
using SocSim.Core.Devices;
using SocSim.Core.Signals;

namespace SocSim.Core.Cores;

/// <summary>
/// A register of a core's debug view, in the order of GDB's <c>g</c> packet. <paramref name="Name"/>
/// is the name <c>--regs</c> and the traces print; <paramref name="GdbName"/> (default: the same) and
/// <paramref name="GdbType"/> go into the target description with <paramref name="GdbRegnum"/>, in
/// feature <paramref name="GdbFeature"/> (null: the core's main feature, <see cref="CoreType.GdbFeature"/>).
/// </summary>
public sealed record CoreRegister(string Name, int Bits, int GdbRegnum, string? GdbName = null, string? GdbType = null, string? GdbFeature = null);

/// <summary>
/// An input pin of the core a board's interrupt wiring may drive (<c>"cpu": {"nIRQ": ...}</c>).
/// <paramref name="Connect"/> gives the setter (true = asserted) for a built core, once, at wiring;
/// <paramref name="Level"/> reads whether it is asserted now (for the traces' initial values);
/// <paramref name="Vector"/> is what <see cref="ICore.ExceptionEntered"/> reports when the core takes this
/// input's interrupt (null: the core does not say; the ARM7TDMI's nIRQ/nFIQ enter 0x18/0x1C).
/// </summary>
public sealed record CoreInput(string Name, string Description, Func<ICore, Action<bool>> Connect, Func<ICore, bool> Level, uint? Vector = null);

/// <summary>What a core needs to be built from a board's <c>cpu</c> entry.</summary>
public sealed class CoreContext
{
    public required Scheduler Scheduler { get; init; }
    public required Bus Bus { get; init; }
    /// <summary>The clock domain the board's <c>cpu.clock</c> names.</summary>
    public required ClockDomain Clock { get; init; }
    /// <summary>The board's other clocks by name (a core's reference clock, such as a Cortex-M's STCLK); null when the board has none of that name.</summary>
    public Func<string, ClockDomain?> FindClock { get; init; } = _ => null;
    public ExecutionEngine Engine { get; init; } = ExecutionEngine.Translate;
    /// <summary>A translator's compile threshold (null: its default).</summary>
    public int? TranslationThreshold { get; init; }
    /// <summary>Whether a translator may compile on a worker thread.</summary>
    public bool TranslateInBackground { get; init; } = true;
    /// <summary>Instructions the core executes before a translator compiles anything (0: none; see MachineOptions.TranslationHoldOff).</summary>
    public long TranslationHoldOff { get; init; }
    /// <summary>The board's <c>cpu.parameters</c>, every parameter the core declares (defaults filled in).</summary>
    public IReadOnlyDictionary<string, object> Parameters { get; init; } = new Dictionary<string, object>();
    /// <summary>Asks the board for a system reset at the next instruction boundary (a core's own reset request, such as AIRCR.SYSRESETREQ).</summary>
    public Action<string>? RequestSystemReset { get; init; }

    /// <summary>Parameter <paramref name="name"/> (declared by the core, so always present on a board-built core; the declared default otherwise).</summary>
    public T Parameter<T>(string name, T fallback) => Parameters.TryGetValue(name, out var v) ? (T)v : fallback;
}

/// <summary>Options of a core's traced signals.</summary>
public sealed class CoreSignalOptions
{
    /// <summary>Also trace the core's clock pin (two changes per cycle).</summary>
    public bool ClockPin { get; init; }
}

/// <summary>
/// A core's traceable signals (its pins, pipeline and registers), declared in a registry in scope
/// <c>cpu</c> and driven by the tracer: bus cycles as the core's pins show them, and the pipeline
/// and registers around each instruction. Nothing is driven until the tracer attaches.
/// </summary>
public interface ICoreSignals : IBusObserver
{
    /// <summary>The signal following input pin <paramref name="name"/> (null when the core traces none for it).</summary>
    Signal? Input(string name);

    /// <summary>Tracing starts at <paramref name="now"/>: values that moved since declaration are set; returns which sources the enabled signals need.</summary>
    (bool Bus, bool Hook) Attach(long now);

    void BeforeInstruction(long now, uint pc, uint opcode);

    void AfterInstruction(long now);

    /// <summary>Tracing stops: whatever the core held back (to set its signals in time order) is set now.</summary>
    void Detach() { }
}

/// <summary>
/// The declaration of a core type: its type name, clock, input pins, register view (the GDB target
/// description), traced signals and constructor. Built with <see cref="Define{T}"/> in the core's own file.
/// </summary>
public sealed class CoreType
{
    private CoreType(string name, string description, Type modelType)
    {
        Name = name;
        Description = description;
        ModelType = modelType;
    }

    public string Name { get; }
    public string Description { get; }
    /// <summary>The CLR type of the model (for <c>board types</c> and error messages).</summary>
    public Type ModelType { get; }
    /// <summary>The core's clock pin (<c>MCLK</c>): one core cycle per period of the board clock <c>cpu.clock</c> names.</summary>
    public string ClockPin { get; private set; } = "CLK";
    public string ClockDescription { get; private set; } = "";
    public IReadOnlyList<CoreInput> Inputs => _inputs;
    /// <summary>The debug view's registers, in the order of GDB's <c>g</c> packet.</summary>
    public IReadOnlyList<CoreRegister> Registers => _registers;
    /// <summary>GDB's <c>&lt;architecture&gt;</c> (armv4t).</summary>
    public string GdbArchitecture { get; private set; } = "";
    /// <summary>The GDB feature holding the registers (org.gnu.gdb.arm.core).</summary>
    public string GdbFeature { get; private set; } = "";
    /// <summary>The target description GDB reads with <c>qXfer:features:read:target.xml</c>.</summary>
    public string GdbTargetXml => _xml ??= BuildTargetXml();
    /// <summary>Board-settable parameters (<c>cpu.parameters</c>), as devices declare theirs.</summary>
    public IReadOnlyList<DeviceParameter> Parameters => _parameters;
    /// <summary>
    /// An M-profile core (ARMv6-M, ARMv7-M): it starts as M-profile silicon does, SP and PC from the vector
    /// table at address 0 (a loader checks the table, and does not start it at the ELF's entry point), and runs
    /// only Thumb code built for an M-profile architecture. False: a core that starts at its reset vector or
    /// the ELF's entry and runs ARM-state code (A/R-profile and earlier).
    /// </summary>
    public bool MProfile { get; private set; }

    private readonly List<DeviceParameter> _parameters = new();
    private readonly List<CoreInput> _inputs = new();
    private readonly List<CoreRegister> _registers = new();
    private string? _xml;
    private Func<ICore, SignalRegistry, CoreSignalOptions, ICoreSignals>? _signals;
    private Func<CoreContext, ICore> _create = _ => throw new InvalidOperationException("no constructor declared");

    public CoreInput? FindInput(string name) => _inputs.FirstOrDefault(i => i.Name == name);

    public DeviceParameter? FindParameter(string name) => _parameters.FirstOrDefault(p => p.Name == name);

    /// <summary>The index of the register named <paramref name="name"/> (either name) in <see cref="Registers"/>, or -1.</summary>
    public int RegisterIndex(string name) => _registers.FindIndex(r => r.Name == name || r.GdbName == name);

    /// <summary>Builds the core for a board.</summary>
    public ICore Create(CoreContext context) => _create(context);

    /// <summary>Declares the core's traced signals in <paramref name="registry"/> (null when the core declares none).</summary>
    public ICoreSignals? DeclareSignals(ICore core, SignalRegistry registry, CoreSignalOptions options) => _signals?.Invoke(core, registry, options);

    /// <summary>Connects a line to input pin <paramref name="name"/>, picking up a level already asserted.</summary>
    public void ConnectInput(ICore core, string name, IrqLine line)
    {
        var input = FindInput(name) ?? throw new ArgumentException($"{Name} has no input {name} (inputs: {string.Join(", ", _inputs.Select(i => i.Name))})");
        var set = input.Connect(core);
        line.Subscribe(set);
        if (line.Level) set(true);
    }

    private string BuildTargetXml()
    {
        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n");
        sb.Append($"  <architecture>{GdbArchitecture}</architecture>\n");
        foreach (var feature in _registers.GroupBy(r => r.GdbFeature ?? GdbFeature))
        {
            sb.Append($"  <feature name=\"{feature.Key}\">\n");
            foreach (var r in feature)
            {
                sb.Append($"    <reg name=\"{r.GdbName ?? r.Name}\" bitsize=\"{r.Bits}\"");
                if (r.GdbType != null) sb.Append($" type=\"{r.GdbType}\"");
                sb.Append($" regnum=\"{r.GdbRegnum}\"/>\n");
            }
            sb.Append("  </feature>\n");
        }
        sb.Append("</target>\n");
        return sb.ToString();
    }

    /// <summary>Starts the declaration of a core model of type <typeparamref name="T"/>.</summary>
    public static Builder<T> Define<T>(string name, string description) where T : class, ICore => new(new CoreType(name, description, typeof(T)));

    /// <summary>Fluent declaration; <see cref="Build"/> ends it.</summary>
    public sealed class Builder<T> where T : class, ICore
    {
        private readonly CoreType _t;
        internal Builder(CoreType t) => _t = t;

        public Builder<T> Clock(string pin, string description)
        {
            _t.ClockPin = pin;
            _t.ClockDescription = description;
            return this;
        }

        public Builder<T> Input(string name, Func<T, Action<bool>> connect, Func<T, bool> level, string description, uint? vector = null)
        {
            _t._inputs.Add(new CoreInput(name, description, c => connect((T)c), c => level((T)c), vector));
            return this;
        }

        /// <summary>GDB's architecture name and the feature its registers make up.</summary>
        public Builder<T> Gdb(string architecture, string feature)
        {
            _t.GdbArchitecture = architecture;
            _t.GdbFeature = feature;
            return this;
        }

        public Builder<T> Register(string name, int bits, int gdbRegnum, string? gdbName = null, string? gdbType = null, string? gdbFeature = null)
        {
            _t._registers.Add(new CoreRegister(name, bits, gdbRegnum, gdbName, gdbType, gdbFeature));
            return this;
        }

        /// <summary>A board-settable integer parameter (<c>cpu.parameters.NAME</c>).</summary>
        public Builder<T> Parameter(string name, long defaultValue, string description)
        {
            _t._parameters.Add(new DeviceParameter(name, ParameterType.Integer, defaultValue, description));
            return this;
        }

        /// <summary>Declares an M-profile core (<see cref="CoreType.MProfile"/>).</summary>
        public Builder<T> MProfile()
        {
            _t.MProfile = true;
            return this;
        }

        public Builder<T> Signals(Func<T, SignalRegistry, CoreSignalOptions, ICoreSignals> declare)
        {
            _t._signals = (c, r, o) => declare((T)c, r, o);
            return this;
        }

        public CoreType Build(Func<CoreContext, T> create)
        {
            if (_t._registers.Count == 0) throw new InvalidOperationException($"core type {_t.Name} declares no registers");
            if (_t.GdbArchitecture.Length == 0) throw new InvalidOperationException($"core type {_t.Name} declares no GDB architecture");
            _t._create = create;
            return _t;
        }
    }
}
