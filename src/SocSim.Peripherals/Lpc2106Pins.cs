using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The 32 pads of port 0 of the NXP LPC2106: the GPIO block (IOPIN, IOSET, IODIR, IOCLR at
/// 0xE0028000, LPC2104/2105/2106 user manual, chapter "GPIO") and the pin connect block (PINSEL0,
/// PINSEL1 at 0xE002C000, chapter "Pin Connect Block") as one device, with a 32 KiB window at
/// 0xE0028000: the GPIO registers at offset 0x0000, the pin connect block's at 0x4000.
/// </summary>
/// <remarks>
/// <para><b>Why one device.</b> The two blocks occupy two adjacent 16 KiB APB slots, but both decide
/// the level of the same 32 pads: the pin connect block is the multiplexer in front of each pad, and
/// chooses between the GPIO output latch (with its IODIR enable) and a peripheral's function. Split in
/// two, neither device could compute a pad's level, and IOPIN (which reads the pads "regardless of pin
/// direction and mode") would need the other block's state. One window spanning both slots keeps the
/// register addresses exact (0xE0028000 is 32 KiB aligned) and the pads in one place.</para>
/// <para><b>The level of pad P0.n</b> (recomputed whenever one of its inputs changes; nothing ticks):</para>
/// <list type="bullet">
/// <item>PINSEL selects GPIO (00): the output latch bit when IODIR bit n is 1, else the external level.</item>
/// <item>PINSEL selects a function that is an output on that pin (TxD0, MAT0.0, PWM1...): the level
/// the peripheral drives on the function's input line of this device (<c>TXD0</c>, <c>MAT0_0</c>...), or
/// the function's idle level while nothing is connected (TxD, RTS1, DTR1, TDO: 1; MAT, PWM: 0, their
/// reset level).</item>
/// <item>PINSEL selects an input function (RxD0, CAP0.0, EINT0...): the external level; the function's
/// output line of this device (<c>RXD0</c>, <c>CAP0_0</c>...) follows the pad. A function not selected
/// on any pad shows 1 to its peripheral.</item>
/// <item>The external level is the host's drive (<see cref="DrivePad"/>, <c>--pin</c>), else the line the
/// board wires to input <c>P0_n</c>, else 1. The LPC2106 has no configurable pull-ups (there is no
/// PINMODE register); an undriven CMOS input floats, which a two-valued model cannot show, so we choose
/// 1: a board pull-up, the idle (mark) level of a UART's RxD and the inactive level of the active-low
/// modem inputs and of EINTn in their reset low-level-sensitive mode (EXTMODE = EXTPOLAR = 0), so an
/// unconnected pin never shows a start bit or an interrupt. The same 1 is what an unselected input
/// function sees, so that selecting a function on an undriven pad makes no edge.</item>
/// <item>P0.2 and P0.3 (SCL, SDA) are open-drain pads (data sheet, pin description: open-drain for I²C
/// compliance): whatever drives them from inside only pulls low, and a 1 releases the pad to its
/// external level, in GPIO mode too.</item>
/// <item>The bidirectional functions SCL, SDA (I²C) and SCK, MISO, MOSI (SPI, master or slave) are
/// modelled as a wired AND on every pad: the peripheral's drive line (input <c>SCL</c>...) at 0 pulls
/// the pad low, at 1 (its idle level) releases it, and the peripheral reads the pad back on output
/// <c>SCL</c>.... A push-pull SPI master driving 1 therefore gives the same level as on the chip
/// unless something outside pulls the line low, which is a conflict on the chip too.</item>
/// <item>When the chip drives a pad and something outside drives it too, the chip's level wins
/// (a short circuit on a real board; not reported).</item>
/// </list>
/// <para><b>Registers.</b> Reset values as in the manual: IODIR = 0 (all inputs), IOSET = 0,
/// PINSEL0 = PINSEL1 = 0 (all GPIO); IOPIN reads the pads (32 bits, whatever drives them).</para>
/// <list type="bullet">
/// <item>IOSET/IOCLR set/clear bits of the output latch only for pins that are GPIO outputs: "If any
/// pin is configured as an input or a secondary function, writing 1 to the corresponding bit in the
/// IOSET has no effect" (UM10275 §8.6.4; IOCLR likewise, §8.6.5). Reading IOSET returns the latch. IOCLR
/// is write-only: a read returns 0 and warns.</item>
/// <item>Writing IOPIN "stores the value in the port output register" (UM10275 §8.6.3), every bit,
/// whatever PINSEL and IODIR say: it is how a latch bit is preset before its pin becomes an output.</item>
/// <item>A PINSEL field the chip reserves (11 on every pin; 01 and 10 on P0.22–P0.26, 10 on
/// P0.27–P0.31): <see cref="DeviceContext.Warn"/> names the pin and the value, the register keeps the
/// written bits (it reads back), and the pin behaves as GPIO (the manual gives no behaviour).</item>
/// <item>Accesses are 32-bit; a byte or halfword access follows the APB convention of the other
/// models (no byte lanes, <see cref="PrimeCell.NarrowRead"/>). Other offsets of the window are reserved:
/// a warning, reads 0, writes ignored.</item>
/// </list>
/// <para><b>Pin functions</b> (PINSEL field 01/10; 11 is reserved everywhere): the LPC2104/2105/2106
/// data sheet's pin names, P0.0/TxD0/PWM1 ... P0.16/EINT0/MAT0.2, the first name after the port pin
/// being PINSEL 01 and the second 10. P0.17–P0.21 have one function each (01: CAP1.2, CAP1.3,
/// MAT1.2, MAT1.3, PWM5); 10 is reserved there (UM10275 Table 57, which lists no JTAG function on
/// them). The JTAG port is 01 on P0.27–P0.31 (TRST, TMS, TCK, TDI, TDO, Table 57). The
/// trace port on P0.22–P0.31 (enabled by RTCK low at reset) and the primary JTAG port (DBGSEL high)
/// are not selected through PINSEL and are not modelled: the board runs with DBGSEL low and RTCK high,
/// so P0.22–P0.26 have no function but GPIO. The ISP entry by P0.14 low at reset is the boot ROM's,
/// not modelled. Each function is on one pad (a function on two would drive both and, as an input,
/// follow the lower-numbered pad that selects it). Functions whose peripheral is not modelled (I²C, SPI, PWM,
/// JTAG) route their pins all the same.</para>
/// <para><b>Timing.</b> The pads are combinational: a pad changes at the tick its driver changed,
/// <see cref="Scheduler.EventTime"/>: a register write's access tick (<see cref="Scheduler.Now"/>),
/// or the due tick of the event whose callback changed a peripheral's line. <see cref="PadChanged"/>
/// reports each edge with that tick, and the tracer stamps the <c>P0_n</c> signals the same way. The
/// device has no events of its own, so a register access has nothing to catch up; a peripheral line
/// whose change is due but not yet dispatched when IOPIN is read (the CPU is mid-instruction) is
/// that peripheral's catch-up to make.</para>
/// <para><b>Fast GPIO (parameter <c>part</c> = <c>01</c>: the LPC2106/01 only, UM10275 §8.1).</b> A second
/// register set, FIODIR (0x3FFFC000), FIOMASK (+0x10), FIOPIN (+0x14), FIOSET (+0x18) and FIOCLR (+0x1C)
/// on the ARM local bus (Table 61), which this device maps itself on the board's bus (a 16 KiB window at
/// 0x3FFFC000, below the SRAM). SCS.GPIO0M (system control block, Table 14, input <c>GPIO0M</c>) selects
/// which set drives the GPIO pins: "these two port control branches are mutually exclusive and operate
/// independently" (§8.6), so each set keeps its own direction and output registers, both always readable
/// and writable, and the pads follow the selected set's (a write to the other set changes no pad). IOPIN and
/// FIOPIN both read the pads. FIOMASK (reset 0) hides its 1 bits from FIOPIN reads (they read 0) and
/// protects them from FIOPIN, FIOSET and FIOCLR writes (§8.6.2). FIOSET/FIOCLR act only on pins that are
/// fast-GPIO outputs, as IOSET/IOCLR (§8.6.4, §8.6.5, which cover both sets); FIOSET reads the output
/// register; FIOCLR is write-only (reads 0, warned). Every fast register is byte, halfword and word
/// accessible (§8.6, Tables 64-75); a narrow write touches only its own bytes (FIOPIN1 = 0xA5 changes
/// P0.8-P0.15 only, §8.7.2). Table 66 prints FIO0MASKL at 0x3FFFC001, a misprint for 0x3FFFC010 (every
/// other L register is at its word's address): it is at 0x3FFFC010 here. Other offsets of the window:
/// a warning, reads 0. <b>Timing:</b> the manual gives no cycle count, only that the registers are on the
/// local bus "for the fastest possible read and write timing" (§8.6); we choose the SRAM's: zero wait
/// states, so an STR to FIOSET costs its 2 cycles (2N) where an STR to IOSET costs 2 plus the APB's wait
/// states (boards/lpc2106.json: 2). On the legacy part nothing is mapped at 0x3FFFC000 (an access
/// aborts, as it did before) and the <c>GPIO0M</c> input is ignored.</para>
/// <para><b>SSP (part 01, UM10275 §13.5).</b> "Because the SSP and SPI peripherals share the same physical pins",
/// PINSEL's 01 on P0.4-P0.7 selects SCK, MISO, MOSI, SSEL of whichever of the two PCONP enables: while input
/// <c>SSP</c> (PCONP.PCSSP) is 1 the pins route the functions <c>SSP_SCK</c>, <c>SSP_MISO</c>, <c>SSP_MOSI</c>,
/// <c>SSP_SSEL</c> (bidirectional, wired AND, like the SPI's) and the SPI's see 1. On the legacy part the input is
/// ignored, and a checkpoint holds no SSP function levels (its layout is unchanged).</para>
/// </remarks>
public sealed class Lpc2106Pins : IBusDevice, IDeviceModel, IStateful
{
    // Register offsets in the window (user manual, GPIO and Pin Connect Block register maps).
    public const uint IOPIN = 0x0000;
    public const uint IOSET = 0x0004;
    public const uint IODIR = 0x0008;
    public const uint IOCLR = 0x000C;
    public const uint PINSEL0 = 0x4000;
    public const uint PINSEL1 = 0x4004;

    // Fast GPIO registers (part 01), offsets from FastBase (UM10275 Table 61).
    public const uint FastBase = 0x3FFFC000, FastWindowSize = 0x4000;
    public const uint FIODIR = 0x00, FIOMASK = 0x10, FIOPIN = 0x14, FIOSET = 0x18, FIOCLR = 0x1C;

    /// <summary>The window: GPIO (APB slot 0xE0028000) and the pin connect block (0xE002C000).</summary>
    public const uint WindowSize = 0x8000;
    public const int PadCount = 32;
    /// <summary>The level of a pad nothing drives (see the class remarks).</summary>
    public const bool UndrivenLevel = true;
    /// <summary>P0.2 (SCL) and P0.3 (SDA) are open-drain pads.</summary>
    public const uint OpenDrainPads = (1u << 2) | (1u << 3);

    private enum Dir : byte { In, Out, Bidir }

    /// <summary>A pin function: its manual name with '.' as '_', direction, idle drive level (outputs) and what it is.</summary>
    private readonly record struct Function(string Name, Dir Dir, bool Idle, string What);

    private static readonly Function[] Functions =
    [
        new("TXD0", Dir.Out, true, "UART0 transmit data"),
        new("RXD0", Dir.In, true, "UART0 receive data"),
        new("TXD1", Dir.Out, true, "UART1 transmit data"),
        new("RXD1", Dir.In, true, "UART1 receive data"),
        new("RTS1", Dir.Out, true, "UART1 request to send (active low)"),
        new("CTS1", Dir.In, true, "UART1 clear to send (active low)"),
        new("DSR1", Dir.In, true, "UART1 data set ready (active low)"),
        new("DTR1", Dir.Out, true, "UART1 data terminal ready (active low)"),
        new("DCD1", Dir.In, true, "UART1 data carrier detect (active low)"),
        new("RI1", Dir.In, true, "UART1 ring indicator (active low)"),
        new("CAP0_0", Dir.In, true, "Timer0 capture 0"),
        new("CAP0_1", Dir.In, true, "Timer0 capture 1"),
        new("CAP0_2", Dir.In, true, "Timer0 capture 2"),
        new("MAT0_0", Dir.Out, false, "Timer0 external match 0"),
        new("MAT0_1", Dir.Out, false, "Timer0 external match 1"),
        new("MAT0_2", Dir.Out, false, "Timer0 external match 2"),
        new("CAP1_0", Dir.In, true, "Timer1 capture 0"),
        new("CAP1_1", Dir.In, true, "Timer1 capture 1"),
        new("CAP1_2", Dir.In, true, "Timer1 capture 2"),
        new("CAP1_3", Dir.In, true, "Timer1 capture 3"),
        new("MAT1_0", Dir.Out, false, "Timer1 external match 0"),
        new("MAT1_1", Dir.Out, false, "Timer1 external match 1"),
        new("MAT1_2", Dir.Out, false, "Timer1 external match 2"),
        new("MAT1_3", Dir.Out, false, "Timer1 external match 3"),
        new("PWM1", Dir.Out, false, "PWM output 1"),
        new("PWM2", Dir.Out, false, "PWM output 2"),
        new("PWM3", Dir.Out, false, "PWM output 3"),
        new("PWM4", Dir.Out, false, "PWM output 4"),
        new("PWM5", Dir.Out, false, "PWM output 5"),
        new("PWM6", Dir.Out, false, "PWM output 6"),
        new("EINT0", Dir.In, true, "external interrupt 0"),
        new("EINT1", Dir.In, true, "external interrupt 1"),
        new("EINT2", Dir.In, true, "external interrupt 2"),
        new("SCL", Dir.Bidir, true, "I2C clock (open drain)"),
        new("SDA", Dir.Bidir, true, "I2C data (open drain)"),
        new("SCK", Dir.Bidir, true, "SPI clock"),
        new("MISO", Dir.Bidir, true, "SPI master in, slave out"),
        new("MOSI", Dir.Bidir, true, "SPI master out, slave in"),
        new("SSEL", Dir.In, true, "SPI slave select (active low)"),
        new("TRST", Dir.In, true, "JTAG test reset"),
        new("TMS", Dir.In, true, "JTAG test mode select"),
        new("TCK", Dir.In, true, "JTAG test clock"),
        new("TDI", Dir.In, true, "JTAG test data in"),
        new("TDO", Dir.Out, true, "JTAG test data out"),
        // The /01 part's SSP on the SPI's pins (UM10275 §13.5), routed instead of the SPI while input SSP is 1.
        new("SSP_SCK", Dir.Bidir, true, "SSP clock (part 01, PCONP.PCSSP = 1)"),
        new("SSP_MISO", Dir.Bidir, true, "SSP master in, slave out (part 01, PCONP.PCSSP = 1)"),
        new("SSP_MOSI", Dir.Bidir, true, "SSP master out, slave in (part 01, PCONP.PCSSP = 1)"),
        new("SSP_SSEL", Dir.Bidir, true, "SSP slave select, active low, driven by an SSP master (part 01, PCONP.PCSSP = 1)"),
    ];

    /// <summary>The first SSP function; the four follow in the order of their SPI twins <see cref="SspTwins"/>.</summary>
    private static readonly int FirstSsp = FunctionIndex("SSP_SCK");
    private static readonly string[] SspTwins = ["SCK", "MISO", "MOSI", "SSEL"];

    /// <summary>Per function, the SSP function PCONP.PCSSP routes in its place (-1: none).</summary>
    private static readonly int[] SspAlt = BuildSspAlt();

    // The tables below are built by loops, not LINQ over value types: every board's catalog runs this
    // declaration at start-up, and each generic instantiation over a struct is a JIT compilation there.
    private static int[] BuildSspAlt()
    {
        var alt = new int[Functions.Length];
        for (int f = 0; f < alt.Length; f++) alt[f] = Array.IndexOf(SspTwins, Functions[f].Name) is int i and >= 0 ? FirstSsp + i : -1;
        return alt;
    }

    /// <summary>Per pin, the functions PINSEL selects with 01 and 10 (null: reserved); 11 is reserved on every pin.</summary>
    private static readonly string?[][] PinFunctions =
    [
        ["TXD0", "PWM1"], ["RXD0", "PWM3"], ["SCL", "CAP0_0"], ["SDA", "MAT0_0"],
        ["SCK", "CAP0_1"], ["MISO", "MAT0_1"], ["MOSI", "CAP0_2"], ["SSEL", "PWM2"],
        ["TXD1", "PWM4"], ["RXD1", "PWM6"], ["RTS1", "CAP1_0"], ["CTS1", "CAP1_1"],
        ["DSR1", "MAT1_0"], ["DTR1", "MAT1_1"], ["DCD1", "EINT1"], ["RI1", "EINT2"],
        ["EINT0", "MAT0_2"], ["CAP1_2", null], ["CAP1_3", null], ["MAT1_2", null],
        ["MAT1_3", null], ["PWM5", null], [null, null], [null, null],
        [null, null], [null, null], [null, null], ["TRST", null],
        ["TMS", null], ["TCK", null], ["TDI", null], ["TDO", null],
    ];

    private const sbyte Gpio = -1, Reserved = -2;

    /// <summary>[pin·4 + PINSEL field] → function index, <see cref="Gpio"/> or <see cref="Reserved"/>.</summary>
    private static readonly sbyte[] Select = BuildSelect();
    /// <summary>Per function, the pins that can select it, lowest first.</summary>
    private static readonly int[][] FunctionPins = BuildFunctionPins();

    private static int FunctionIndex(string name)
    {
        for (int i = 0; i < Functions.Length; i++)
            if (Functions[i].Name == name) return i;
        return -1;
    }

    private static sbyte[] BuildSelect()
    {
        var t = new sbyte[PadCount * 4];
        for (int n = 0; n < PadCount; n++)
        {
            t[n * 4] = Gpio;
            for (int sel = 1; sel <= 3; sel++)
            {
                string? f = sel <= 2 ? PinFunctions[n][sel - 1] : null;
                t[n * 4 + sel] = f == null ? Reserved : (sbyte)FunctionIndex(f);
            }
        }
        return t;
    }

    private static int[][] BuildFunctionPins()
    {
        var pins = new int[Functions.Length][];
        for (int f = 0; f < Functions.Length; f++)
        {
            int g = f >= FirstSsp ? FunctionIndex(SspTwins[f - FirstSsp]) : f; // an SSP function sits on its SPI twin's pins
            var list = new List<int>();
            for (int n = 0; n < PadCount; n++)
                if (Select[n * 4 + 1] == g || Select[n * 4 + 2] == g) list.Add(n);
            pins[f] = list.ToArray();
        }
        return pins;
    }

    private static string Field(int n) => n < 16 ? $"PINSEL0[{2 * n + 1}:{2 * n}]" : $"PINSEL1[{2 * (n - 16) + 1}:{2 * (n - 16)}]";

    private static string WhereSelected(int f)
    {
        var pins = FunctionPins[f];
        var where = new string[pins.Length];
        for (int i = 0; i < pins.Length; i++)
        {
            int n = pins[i];
            where[i] = $"P0.{n} with {Field(n)} = {(Select[n * 4 + 1] == f || Select[n * 4 + 1] == Array.IndexOf(SspAlt, f) ? "01" : "10")}";
        }
        return string.Join(" or ", where) + (f >= FirstSsp ? " and PCONP.PCSSP = 1" : "");
    }

    /// <summary>
    /// LPC2106 port 0: GPIO and pin connect block in one 32 KiB window (0xE0028000). Outputs: the
    /// 32 pad levels and every input function as its peripheral sees it; inputs: each pad's external
    /// driver and every output function a peripheral drives. Traced: the pads and the registers.
    /// </summary>
    public static DeviceType Type { get; } = Declare();

    private static DeviceType Declare()
    {
        var b = DeviceType.Define<Lpc2106Pins>("lpc2106_pins",
                "NXP LPC2106 port 0: GPIO (IOPIN/IOSET/IODIR/IOCLR at +0x0) and pin connect block (PINSEL0/1 at +0x4000)")
            .Window(WindowSize)
            .Parameter("part", "legacy", Lpc2106Part.Describe("the fast GPIO registers at 0x3FFFC000, selected by SCS.GPIO0M (UM10275 §8.1, Table 61)"))
            .Input("GPIO0M", (d, line) => d.ConnectGpio0m(line), "SCS.GPIO0M from the system control block: 1 selects the fast GPIO registers for the pins (part 01; unwired or legacy part: 0)")
            .Input("SSP", (d, line) => d.ConnectSsp(line), "PCONP.PCSSP from the system control block: 1 routes the SPI pins' functions to the SSP_ lines (part 01, UM10275 §13.5; unwired or legacy part: 0)");
        for (int n = 0; n < PadCount; n++)
        {
            int pad = n;
            b.Output($"P0_{pad}", d => d._pads[pad], $"level of pad P0.{pad} (1 when nothing drives it)", resetHigh: true);
        }
        for (int f = 0; f < Functions.Length; f++)
        {
            int fn = f;
            var F = Functions[f];
            if (F.Dir != Dir.Out)
                b.Output(F.Name, d => d._fnSeen[fn]!, $"{F.What}: the pad's level when selected ({WhereSelected(fn)}), else 1", resetHigh: true);
        }
        for (int e = 0; e < 3; e++)
        {
            int n = e;
            b.Output($"EINT{n}_SEL", d => d._eintSelected[n], $"1 while PINSEL selects EINT{n} on a pin ({WhereSelected(FunctionIndex("EINT" + n))}): the EXTINT flag is set only then (UM10275 Table 10)");
        }
        for (int n = 0; n < PadCount; n++)
        {
            int pad = n;
            b.Input($"P0_{pad}", (d, line) => d.ConnectPad(pad, line), $"external driver of pad P0.{pad} (board wiring; --pin overrides)");
        }
        for (int f = 0; f < Functions.Length; f++)
        {
            int fn = f;
            var F = Functions[f];
            if (F.Dir != Dir.In)
                b.Input(F.Name, (d, line) => d.ConnectFunction(fn, line),
                    $"{F.What}, driven onto the pad when selected ({WhereSelected(fn)}){(F.Dir == Dir.Bidir ? "; 0 pulls low, 1 releases" : "")}; {(F.Idle ? 1 : 0)} while unconnected");
        }
        return b.Signals((d, s) =>
            {
                for (int n = 0; n < PadCount; n++) s.Line($"P0_{n}", d._pads[n]);
                d._traceIodir = s.Driven("IODIR", 32, d._dir);
                d._traceIoset = s.Driven("IOSET", 32, d._latch);
                d._tracePinsel0 = s.Driven("PINSEL0", 32, d._pinsel0);
                d._tracePinsel1 = s.Driven("PINSEL1", 32, d._pinsel1);
            })
            .Build(c => new Lpc2106Pins(c.Name, c.Scheduler, c.Warn, Lpc2106Part.Is01(c), c.Bus));
    }

    private readonly Scheduler _s;
    private readonly Action<string> _warn;
    private readonly IrqLine[] _pads = new IrqLine[PadCount];
    /// <summary>Per input or bidirectional function, the level its peripheral sees.</summary>
    private readonly IrqLine?[] _fnSeen = new IrqLine?[Functions.Length];
    /// <summary>Per output or bidirectional function, the line its peripheral drives (null: idle level).</summary>
    private readonly IrqLine?[] _fnDrive = new IrqLine?[Functions.Length];
    private readonly IrqLine?[] _padDriver = new IrqLine?[PadCount];
    private readonly IrqLine[] _eintSelected = new IrqLine[3];
    private uint _hostDriven, _hostLevel;
    private uint _latch, _dir, _pinsel0, _pinsel1;
    private Action<long, ulong>? _traceIodir, _traceIoset, _tracePinsel0, _tracePinsel1;
    // Fast GPIO (part 01): its own direction and output registers, the mask, and SCS.GPIO0M.
    private readonly bool _part01;
    private uint _fdir, _flatch, _fmask;
    private IrqLine? _gpio0m, _ssp;


    /// <param name="part01">The LPC2106/01: the fast GPIO registers exist, mapped at <see cref="FastBase"/> on <paramref name="bus"/> when one is given.</param>
    public Lpc2106Pins(string name, Scheduler scheduler, Action<string>? warn = null, bool part01 = false, Bus? bus = null)
    {
        Name = name;
        _s = scheduler;
        _warn = warn ?? (_ => { });
        _part01 = part01;
        if (part01) bus?.AddDevice(name + ".fio", FastBase, FastWindowSize, Fast, WaitStates.Zero);
        for (int n = 0; n < PadCount; n++)
        {
            int pad = n;
            _pads[n] = new IrqLine($"{name}.P0_{n}");
            _pads[n].Subscribe(level => PadChanged?.Invoke(pad, level, _s.EventTime));
        }
        for (int f = 0; f < Functions.Length; f++)
            if (Functions[f].Dir != Dir.Out) _fnSeen[f] = new IrqLine($"{name}.{Functions[f].Name}");
        for (int e = 0; e < 3; e++) _eintSelected[e] = new IrqLine($"{name}.EINT{e}_SEL");
        Update();
    }

    public string Name { get; }

    /// <summary>Raised on every pad edge: pad number, new level and the tick of the change (<see cref="Scheduler.EventTime"/>).</summary>
    public event Action<int, bool, long>? PadChanged;

    /// <summary>The line carrying the level of pad P0.<paramref name="n"/>.</summary>
    public IrqLine Pad(int n) => _pads[n];

    /// <summary>Every pad's level, bit n = P0.n (what IOPIN reads).</summary>
    public uint PadLevels
    {
        get
        {
            uint v = 0;
            for (int n = 0; n < PadCount; n++) if (_pads[n].Level) v |= 1u << n;
            return v;
        }
    }

    /// <summary>The line on which a peripheral sees input function <paramref name="name"/> (RXD0, CAP0_0, EINT1, SCL...).</summary>
    public IrqLine FunctionInput(string name)
    {
        int f = FunctionIndex(name);
        return f >= 0 && _fnSeen[f] != null ? _fnSeen[f]! : throw new ArgumentException($"{Name}: {name} is not an input function of port 0");
    }

    /// <summary>Pad number of <c>P0_5</c> or <c>P0.5</c> (for <c>--pin</c>), or -1.</summary>
    public static int PadNumber(string name)
    {
        if (name.Length < 4 || !name.StartsWith("P0", StringComparison.OrdinalIgnoreCase) || (name[2] != '_' && name[2] != '.')) return -1;
        return int.TryParse(name.AsSpan(3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n < PadCount ? n : -1;
    }

    /// <summary>
    /// Drives pad P0.<paramref name="n"/> from outside, as a signal generator on the pin would (the
    /// <c>--pin P0_5=0</c> option, the Machine API). It overrides the board's wiring of that pad until
    /// <see cref="ReleasePad"/>; it changes the pad's level only while the chip does not drive the pad.
    /// </summary>
    public void DrivePad(int n, bool level)
    {
        CheckPad(n);
        _hostDriven |= 1u << n;
        if (level) _hostLevel |= 1u << n; else _hostLevel &= ~(1u << n);
        Update();
    }

    /// <summary>Stops driving the pad from the host: the board's wire (or the undriven level) applies again.</summary>
    public void ReleasePad(int n)
    {
        CheckPad(n);
        _hostDriven &= ~(1u << n);
        _hostLevel &= ~(1u << n);
        Update();
    }

    private static void CheckPad(int n)
    {
        if ((uint)n >= PadCount) throw new ArgumentOutOfRangeException(nameof(n), $"port 0 has pads P0.0 to P0.31, not {n}");
    }

    /// <summary>Connects the external driver of pad P0.<paramref name="n"/> (the board's wiring: another pad, an RTL output...).</summary>
    public void ConnectPad(int n, IrqLine driver)
    {
        CheckPad(n);
        if (_padDriver[n] != null) throw new InvalidOperationException($"{Name}: pad P0_{n} is already driven by {_padDriver[n]!.Name}; it cannot also be driven by {driver.Name}");
        _padDriver[n] = driver;
        driver.Subscribe(_ => Update());
        Update();
    }

    /// <summary>Connects the line a peripheral drives for output (or bidirectional) function <paramref name="name"/> (TXD0, MAT0_0...).</summary>
    public void ConnectFunction(string name, IrqLine driver)
    {
        int f = FunctionIndex(name);
        if (f < 0 || Functions[f].Dir == Dir.In) throw new ArgumentException($"{Name}: {name} is not an output function of port 0");
        ConnectFunction(f, driver);
    }

    private void ConnectFunction(int f, IrqLine driver)
    {
        if (_fnDrive[f] != null) throw new InvalidOperationException($"{Name}: {Functions[f].Name} is already driven by {_fnDrive[f]!.Name}; it cannot also be driven by {driver.Name}");
        _fnDrive[f] = driver;
        driver.Subscribe(_ => Update());
        Update();
    }

    private void ConnectGpio0m(IrqLine line)
    {
        if (_gpio0m != null) throw new InvalidOperationException($"{Name}: GPIO0M is already driven by {_gpio0m.Name}; it cannot also be driven by {line.Name}");
        _gpio0m = line;
        line.Subscribe(_ => Update());
        Update();
    }

    private void ConnectSsp(IrqLine line)
    {
        if (_ssp != null) throw new InvalidOperationException($"{Name}: SSP is already driven by {_ssp.Name}; it cannot also be driven by {line.Name}");
        _ssp = line;
        line.Subscribe(_ => Update());
        Update();
    }

    /// <summary>PCONP.PCSSP as this port sees it: the SPI's pins carry the SSP (part 01 only, UM10275 §13.5).</summary>
    public bool SspSelected => _part01 && (_ssp?.Level ?? false);

    /// <summary>SCS.GPIO0M as this port sees it: the fast registers drive the pins (part 01 only).</summary>
    public bool FastSelected => _part01 && (_gpio0m?.Level ?? false);

    /// <summary>The GPIO direction register in effect (FIODIR when SCS.GPIO0M selects the fast set, else IODIR).</summary>
    private uint DirInEffect => FastSelected ? _fdir : _dir;
    private uint LatchInEffect => FastSelected ? _flatch : _latch;

    /// <summary>nRESET: IODIR, IOSET, PINSEL0 and PINSEL1 to 0 (every pin a GPIO input), and on part 01 FIODIR, FIOSET and FIOMASK to 0 (Table 61). External drivers stay.</summary>
    public void Reset()
    {
        _fdir = _flatch = _fmask = 0;
        SetLatch(0);
        SetDir(0);
        SetPinsel(0, 0);
        SetPinsel(1, 0);
        Update();
    }

    /// <summary>
    /// IOSET/IOPIN's output latch, IODIR, PINSEL0/1, the pads the host drives (<see cref="DrivePad"/>,
    /// <c>--pin</c>) and their levels, and the levels of the pads and of the input functions (lines
    /// this block drives). The external drivers' lines are restored by their owners; this block
    /// latches none of their levels (it reads them when it updates).
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_latch);
        w.Write(_dir);
        w.Write(_pinsel0);
        w.Write(_pinsel1);
        w.Write(_hostDriven);
        w.Write(_hostLevel);
        w.Write(PadLevels);
        ulong seen = 0; // input functions in table order (fewer than 64)
        for (int f = 0, bit = 0; f < SavedFunctions; f++)
            if (_fnSeen[f] is { } l) { if (l.Level) seen |= 1UL << bit; bit++; }
        w.Write(seen);
        if (!_part01) return; // the legacy part's state is as it always was
        w.Write(_fdir); w.Write(_flatch); w.Write(_fmask);
    }

    public void LoadState(StateReader r)
    {
        _latch = r.ReadUInt();
        _dir = r.ReadUInt();
        _pinsel0 = r.ReadUInt();
        _pinsel1 = r.ReadUInt();
        _hostDriven = r.ReadUInt();
        _hostLevel = r.ReadUInt();
        uint pads = r.ReadUInt();
        for (int n = 0; n < PadCount; n++) _pads[n].Restore((pads & (1u << n)) != 0);
        ulong seen = r.ReadULong();
        for (int f = 0, bit = 0; f < SavedFunctions; f++)
            if (_fnSeen[f] is { } l) { l.Restore((seen & (1UL << bit)) != 0); bit++; }
        for (int e = 0; e < 3; e++) _eintSelected[e].Restore(IsSelected(FirstEint + e));
        if (!_part01) return;
        _fdir = r.ReadUInt(); _flatch = r.ReadUInt(); _fmask = r.ReadUInt();
    }

    /// <summary>The functions whose seen levels a checkpoint holds: the SSP's only on part 01 (the legacy layout is unchanged).</summary>
    private int SavedFunctions => _part01 ? Functions.Length : FirstSsp;

    private bool External(int n)
    {
        uint bit = 1u << n;
        if ((_hostDriven & bit) != 0) return (_hostLevel & bit) != 0;
        return _padDriver[n] is { } line ? line.Level : UndrivenLevel;
    }

    private int FieldOf(int n) => (int)((n < 16 ? _pinsel0 >> (2 * n) : _pinsel1 >> (2 * (n - 16))) & 3);

    /// <summary>The function pad n routes, or <see cref="Gpio"/> (also for a reserved selection).</summary>
    private int FunctionOf(int n)
    {
        int f = Select[n * 4 + FieldOf(n)];
        if (f == Reserved) return Gpio;
        return f >= 0 && SspAlt[f] >= 0 && SspSelected ? SspAlt[f] : f;
    }

    private bool DriveOf(int f) => _fnDrive[f] is { } line ? line.Level : Functions[f].Idle;

    private bool PadLevel(int n)
    {
        bool ext = External(n);
        int f = FunctionOf(n);
        bool drives, level, wiredAnd = (OpenDrainPads & (1u << n)) != 0;
        if (f == Gpio)
        {
            drives = (DirInEffect & (1u << n)) != 0;
            level = (LatchInEffect & (1u << n)) != 0;
        }
        else
        {
            drives = Functions[f].Dir != Dir.In;
            wiredAnd |= Functions[f].Dir == Dir.Bidir;
            level = DriveOf(f);
        }
        if (!drives) return ext;
        return wiredAnd ? level && ext : level;
    }

    /// <summary>
    /// Recomputes every pad, then every input function. A pad line's listeners may drive another of
    /// this device's inputs (a pad wired to a pad) and so re-enter; each level is computed from the
    /// present state at the moment it is set, so the outer pass never sets a stale value.
    /// </summary>
    private void Update()
    {
        for (int n = 0; n < PadCount; n++) _pads[n].Set(PadLevel(n));
        for (int f = 0; f < Functions.Length; f++)
        {
            var seen = _fnSeen[f];
            if (seen == null) continue;
            bool level = UndrivenLevel;
            foreach (int n in FunctionPins[f])
                if (FunctionOf(n) == f) { level = _pads[n].Level; break; }
            seen.Set(level);
        }
        for (int e = 0; e < 3; e++) _eintSelected[e].Set(IsSelected(FirstEint + e));
    }

    private static readonly int FirstEint = FunctionIndex("EINT0");

    private bool IsSelected(int f)
    {
        foreach (int n in FunctionPins[f])
            if (FunctionOf(n) == f) return true;
        return false;
    }

    /// <summary>The pins IOSET and IOCLR (with <paramref name="dir"/> = IODIR) or FIOSET and FIOCLR (FIODIR) act on: GPIO (PINSEL 00, or reserved) and output, UM10275 §8.6.4, §8.6.5.</summary>
    private uint GpioOutputs(uint dir)
    {
        uint v = 0;
        for (int n = 0; n < PadCount; n++)
            if (FunctionOf(n) == Gpio && (dir & (1u << n)) != 0) v |= 1u << n;
        return v;
    }

    private void SetLatch(uint v)
    {
        if (v == _latch) return;
        _latch = v;
        _traceIoset?.Invoke(_s.EventTime, v);
    }

    private void SetDir(uint v)
    {
        if (v == _dir) return;
        _dir = v;
        _traceIodir?.Invoke(_s.EventTime, v);
    }

    private void SetPinsel(int reg, uint v)
    {
        if (reg == 0)
        {
            if (v == _pinsel0) return;
            _pinsel0 = v;
            _tracePinsel0?.Invoke(_s.EventTime, v);
        }
        else
        {
            if (v == _pinsel1) return;
            _pinsel1 = v;
            _tracePinsel1?.Invoke(_s.EventTime, v);
        }
        for (int i = 0; i < 16; i++)
        {
            int n = reg * 16 + i;
            int field = (int)((v >> (2 * i)) & 3);
            if (Select[n * 4 + field] == Reserved)
                _warn($"{Name}: PINSEL{reg} selects reserved function {(field >> 1)}{field & 1} on P0.{n} ({Field(n)}); the pin behaves as GPIO");
        }
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = address & (WindowSize - 4);
        uint v;
        switch (off)
        {
            case IOPIN: v = PadLevels; break;
            case IOSET: v = _latch; break;
            case IODIR: v = _dir; break;
            case IOCLR:
                _warn(Name + ": read of write-only register IOCLR (offset 0x000C) returns 0");
                v = 0;
                break;
            case PINSEL0: v = _pinsel0; break;
            case PINSEL1: v = _pinsel1; break;
            default:
                _warn($"{Name}: read of reserved offset 0x{off:X4}");
                v = 0;
                break;
        }
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = address & (WindowSize - 4);
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case IOPIN: SetLatch(value); break;
            case IOSET: SetLatch(_latch | (value & GpioOutputs(_dir))); break;
            case IODIR: SetDir(value); break;
            case IOCLR: SetLatch(_latch & ~(value & GpioOutputs(_dir))); break;
            case PINSEL0: SetPinsel(0, value); break;
            case PINSEL1: SetPinsel(1, value); break;
            default:
                _warn($"{Name}: write to reserved offset 0x{off:X4} ignored");
                return;
        }
        Update();
    }

    // ---- fast GPIO (part 01, UM10275 §8.6, Table 61) ----

    private FastGpio? _fast;
    private FastGpio Fast => _fast ??= new FastGpio(this);

    private uint FastRead(uint address, int size)
    {
        uint off = address & (FastWindowSize - 4);
        uint v;
        switch (off)
        {
            case FIODIR: v = _fdir; break;
            case FIOMASK: v = _fmask; break;
            case FIOPIN: v = PadLevels & ~_fmask; break;
            case FIOSET: v = _flatch; break;
            case FIOCLR:
                _warn(Name + ": read of write-only register FIOCLR (0x3FFFC01C) returns 0");
                v = 0;
                break;
            default:
                _warn($"{Name}: read of reserved fast GPIO address 0x{FastBase + off:X8}");
                v = 0;
                break;
        }
        return PrimeCell.NarrowRead(v, address, size);
    }

    private void FastWrite(uint address, int size, uint value)
    {
        uint off = address & (FastWindowSize - 4);
        // The bytes written (byte, halfword and word access, Tables 64-75): the rest of the register keeps its bits.
        uint lanes = PrimeCell.NarrowWrite(0xFFFFFFFF, address, size);
        value = PrimeCell.NarrowWrite(value, address, size);
        uint writable = lanes & ~_fmask;
        switch (off)
        {
            case FIODIR: _fdir = (_fdir & ~lanes) | value; break;
            case FIOMASK: _fmask = (_fmask & ~lanes) | value; break;
            case FIOPIN: _flatch = (_flatch & ~writable) | (value & writable); break;
            case FIOSET: _flatch |= value & writable & GpioOutputs(_fdir); break;
            case FIOCLR: _flatch &= ~(value & writable & GpioOutputs(_fdir)); break;
            default:
                _warn($"{Name}: write to reserved fast GPIO address 0x{FastBase + off:X8} ignored");
                return;
        }
        Update();
    }

    /// <summary>The fast GPIO registers' window on the local bus (see the class remarks).</summary>
    private sealed class FastGpio(Lpc2106Pins pins) : IBusDevice
    {
        public string Name => pins.Name + ".fio";
        public void Reset() { } // the port's reset clears the fast registers
        public uint Read(uint address, int size, AccessFlags flags, ref bool abort) => pins.FastRead(address, size);
        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) => pins.FastWrite(address, size, value);
    }
}
