using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals.Stm32;

/// <summary>
/// STM32F10x reset and clock control (RM0008 §7, low-, medium-, high- and XL-density devices; not the
/// connectivity line's §8) at 0x40021000: the HSI, HSE, PLL and LSI oscillators with their ready flags,
/// the SYSCLK switch, the AHB/APB1/APB2 prescalers, the peripheral clock enables and resets and the
/// reset flags. The device's own clock is the HSI (8 MHz); the board's clock tree derives SYSCLK, HCLK,
/// PCLK1, PCLK2, the timer clocks and the SysTick external clock from its controls.
/// </summary>
/// <remarks>
/// Choices where RM0008 leaves room (each is tested):
/// <list type="bullet">
/// <item>Start-up times, from the STM32F103x8/B data sheet (DS5319 Rev 17): HSE 2 ms (§5.3.6 Table 22,
/// t<sub>SU(HSE)</sub> typical for an 8 MHz crystal), HSI 2 µs (§5.3.7 Table 24, t<sub>su(HSI)</sub>
/// max), LSI 85 µs (Table 25, t<sub>su(LSI)</sub> max), PLL lock 200 µs (§5.3.8 Table 26, t<sub>LOCK</sub>
/// max). Each is a parameter. A ready flag rises that long after its ON bit is set; it falls at once
/// when the ON bit is cleared (RM0008 says 6 oscillator cycles; the difference is not visible to code
/// that waits for the flag to rise).</item>
/// <item>The PLL's lock time counts from PLLON, whatever its source is doing (the data sheet gives no
/// figure for a source that starts later).</item>
/// <item>The switch (CFGR.SW): SWS follows SW as soon as the selected source is ready (§7.3.2: "the
/// switch occurs when the clock source will be ready"); SYSCLK changes at that tick. A source in use
/// as SYSCLK (or as the PLL's input while the PLL is SYSCLK) cannot be stopped: the ON bit stays 1 as
/// §7.3.1 says.</item>
/// <item>PLLSRC, PLLXTPRE and PLLMUL are kept while the PLL is on ("can be written only when PLL is
/// disabled"); PLLMUL 1111 is ×16 as 1110.</item>
/// <item>Limits (data sheet §5.3.1 Table 9): SYSCLK and HCLK at most 72 MHz, PCLK1 at most 36 MHz,
/// PCLK2 at most 72 MHz. Beyond: one warning naming the registers, and the chip runs as programmed.</item>
/// <item>Clock enables (AHBENR, APB2ENR, APB1ENR): an access to a peripheral whose enable bit is 0
/// reads 0 and writes nothing (the peripheral's registers are not clocked), warned once per
/// peripheral until its clock is enabled again. Its counters keep their state (no clock, no change is
/// the chip's behaviour too, but the lazily counted devices are not stopped: a warning says so once).</item>
/// <item>Reset registers (APB2RSTR, APB1RSTR): writing 1 to a bit resets the peripheral mapped at its
/// address (its <see cref="IBusDevice.Reset"/>) at once; while the bit stays 1 the peripheral stays
/// reset (its accesses are refused as if its clock were off).</item>
/// <item>CSR's reset flags: PORRSTF and PINRSTF after power-on (the simulator's start), cleared by RMVF;
/// <see cref="NoteReset"/> sets the flag of a later reset's cause (IWDGRSTF from the watchdog's line, SFTRSTF
/// when the machine reports the core's AIRCR.SYSRESETREQ, <see cref="BeforeSystemReset"/>); a system reset
/// keeps them ("reset flags by power reset only").</item>
/// <item>The clock security system (CSSON) and the MCO output are registers only; an HSE never fails.</item>
/// </list>
/// </remarks>
public sealed class Stm32Rcc : IBusDevice, IDeviceModel, IStateful, ISystemResetListener
{
    public const uint CR = 0x00, CFGR = 0x04, CIR = 0x08, APB2RSTR = 0x0C, APB1RSTR = 0x10;
    public const uint AHBENR = 0x14, APB2ENR = 0x18, APB1ENR = 0x1C, BDCR = 0x20, CSR = 0x24, CFGR2 = 0x2C;

    public const uint HSION = 1u << 0, HSIRDY = 1u << 1, HSEON = 1u << 16, HSERDY = 1u << 17, HSEBYP = 1u << 18;
    public const uint CSSON = 1u << 19, PLLON = 1u << 24, PLLRDY = 1u << 25;
    public const uint PLLSRC = 1u << 16, PLLXTPRE = 1u << 17;
    public const uint LSION = 1u << 0, LSIRDY = 1u << 1, RMVF = 1u << 24;
    public const uint PINRSTF = 1u << 26, PORRSTF = 1u << 27, SFTRSTF = 1u << 28, IWDGRSTF = 1u << 29, WWDGRSTF = 1u << 30;
    /// <summary>CR after reset: HSION, HSIRDY, HSITRIM = 16 (RM0008 §7.3.1: 0x0000 XX83; HSICAL reads 0x00 here).</summary>
    public const uint CrReset = 0x83;
    /// <summary>AHBENR after reset: SRAMEN and FLITFEN (§7.3.6).</summary>
    public const uint AhbenrReset = 0x14;

    /// <summary>The data sheet's limits (DS5319 Table 9).</summary>
    public const long MaxSysclkHz = 72_000_000, MaxPclk1Hz = 36_000_000;

    private static readonly int[] AhbDivisors = [1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 8, 16, 64, 128, 256, 512];
    private static readonly int[] ApbDivisors = [1, 1, 1, 1, 2, 4, 8, 16];

    /// <summary>SYSCLK / HSI for the clocks firmware most often runs at (72, 24, 8, 48, 36, 64 and 16 MHz from an 8 MHz HSI), for the board's time base.</summary>
    private static readonly (long, long)[] SysclkRatios = [(9, 1), (3, 1), (1, 1), (6, 1), (9, 2), (8, 1), (2, 1)];
    private static readonly (long, long)[] AhbRatios = DistinctDivisors(AhbDivisors);

    /// <summary>
    /// (1, d) for each distinct divisor, in order, by loops: LINQ over tuples here (Distinct, Select, ToArray) was
    /// about 40 JIT compilations in every start-up, which declares every device type.
    /// </summary>
    private static (long, long)[] DistinctDivisors(int[] divisors)
    {
        int count = 0;
        for (int i = 0; i < divisors.Length; i++)
            if (Array.IndexOf(divisors, divisors[i]) == i) count++;
        var ratios = new (long, long)[count];
        for (int i = 0, n = 0; i < divisors.Length; i++)
            if (Array.IndexOf(divisors, divisors[i]) == i) ratios[n++] = (1, divisors[i]);
        return ratios;
    }
    private static readonly (long, long)[] ApbRatios = [(1, 2), (1, 1), (1, 4), (1, 8), (1, 16)];
    private static readonly (long, long)[] TimerRatios = [(1, 1), (2, 1)];
    private static readonly (long, long)[] SysTickRatios = [(1, 8)];

    /// <summary>One clock-gated peripheral (RM0008 Table 3's memory map, §7.3.6-7.3.8's enable bits).</summary>
    private readonly record struct Gate(uint Base, uint Size, int Register, int Bit, string Name);
    private const int Ahb = 0, Apb2 = 1, Apb1 = 2;
    private static readonly Gate[] Gates =
    [
        new(0x4000_0000, 0x400, Apb1, 0, "TIM2"), new(0x4000_0400, 0x400, Apb1, 1, "TIM3"), new(0x4000_0800, 0x400, Apb1, 2, "TIM4"),
        new(0x4000_0C00, 0x400, Apb1, 3, "TIM5"), new(0x4000_1000, 0x400, Apb1, 4, "TIM6"), new(0x4000_1400, 0x400, Apb1, 5, "TIM7"),
        new(0x4000_2C00, 0x400, Apb1, 11, "WWDG"), new(0x4000_3800, 0x400, Apb1, 14, "SPI2"), new(0x4000_3C00, 0x400, Apb1, 15, "SPI3"),
        new(0x4000_4400, 0x400, Apb1, 17, "USART2"), new(0x4000_4800, 0x400, Apb1, 18, "USART3"), new(0x4000_4C00, 0x400, Apb1, 19, "UART4"),
        new(0x4000_5000, 0x400, Apb1, 20, "UART5"), new(0x4000_5400, 0x400, Apb1, 21, "I2C1"), new(0x4000_5800, 0x400, Apb1, 22, "I2C2"),
        new(0x4000_5C00, 0x400, Apb1, 23, "USB"), new(0x4000_6400, 0x400, Apb1, 25, "CAN"), new(0x4000_6C00, 0x400, Apb1, 27, "BKP"),
        new(0x4000_7000, 0x400, Apb1, 28, "PWR"), new(0x4000_7400, 0x400, Apb1, 29, "DAC"),
        new(0x4001_0000, 0x400, Apb2, 0, "AFIO"), new(0x4001_0800, 0x400, Apb2, 2, "GPIOA"), new(0x4001_0C00, 0x400, Apb2, 3, "GPIOB"),
        new(0x4001_1000, 0x400, Apb2, 4, "GPIOC"), new(0x4001_1400, 0x400, Apb2, 5, "GPIOD"), new(0x4001_1800, 0x400, Apb2, 6, "GPIOE"),
        new(0x4001_2400, 0x400, Apb2, 9, "ADC1"), new(0x4001_2800, 0x400, Apb2, 10, "ADC2"), new(0x4001_2C00, 0x400, Apb2, 11, "TIM1"),
        new(0x4001_3000, 0x400, Apb2, 12, "SPI1"), new(0x4001_3800, 0x400, Apb2, 14, "USART1"),
        new(0x4002_0000, 0x400, Ahb, 0, "DMA1"), new(0x4002_3000, 0x400, Ahb, 6, "CRC"),
    ];

    public static DeviceType Type { get; } = Declare();

    private static DeviceType Declare()
    {
        var b = DeviceType.Define<Stm32Rcc>("stm32f1_rcc",
            "STM32F10x reset and clock control (RM0008 §7): HSI/HSE/PLL/LSI, SYSCLK switch, AHB/APB prescalers, clock enables and resets, reset flags")
        .Window(0x400)
        .Parameter("hseHz", 8_000_000L, "the HSE crystal's frequency (the board's: 4-16 MHz, DS5319 Table 22)")
        .Parameter("part", "f103", "f103: the STM32F101/102/103 (RM0008 §7, 72 MHz); f100: the value line (RM0041 §6: CFGR2.PREDIV1 divides the HSE for the PLL, 24 MHz)")
        .Parameter("hseStartupMicroseconds", 2000L, "HSEON to HSERDY (DS5319 Table 22 t_SU(HSE): 2 ms)")
        .Parameter("hsiStartupMicroseconds", 2L, "HSION to HSIRDY (DS5319 Table 24 t_su(HSI): 2 us max)")
        .Parameter("lsiStartupMicroseconds", 85L, "LSION to LSIRDY (DS5319 Table 25 t_su(LSI): 85 us max)")
        .Parameter("pllLockMicroseconds", 200L, "PLLON to PLLRDY (DS5319 Table 26 t_LOCK: 200 us max)")
        .ClockControl("SYSCLK", "SYSCLK / HSI: the source CFGR.SWS selects (HSI, HSE or the PLL)", SysclkRatios, (1, 1))
        .ClockControl("AHB", "HCLK = SYSCLK / the AHB prescaler (CFGR.HPRE)", AhbRatios, (1, 1))
        .ClockControl("APB1", "PCLK1 = HCLK / the APB1 prescaler (CFGR.PPRE1)", ApbRatios, (1, 1))
        .ClockControl("APB2", "PCLK2 = HCLK / the APB2 prescaler (CFGR.PPRE2)", ApbRatios, (1, 1))
        .ClockControl("TIM1X", "TIMxCLK of TIM2-7 = PCLK1 x 1, or x 2 when the APB1 prescaler is not 1 (§7.2)", TimerRatios, (1, 1))
        .ClockControl("TIM2X", "TIMxCLK of TIM1/TIM8 = PCLK2 x 1, or x 2 when the APB2 prescaler is not 1 (§7.2)", TimerRatios, (1, 1))
        .ClockControl("SYSTICK", "the SysTick external clock = HCLK / 8 (§7.2, Figure 8)", SysTickRatios, (1, 8))
        .Output("INT", r => r.Interrupt, "the RCC global interrupt: CIR's ready flags (NVIC line 5)")
        .Input("IWDGRST", (r, l) => l.Subscribe(level => { if (level) r.NoteReset(IWDGRSTF); }),
            "the independent watchdog's reset: sets CSR.IWDGRSTF (§7.3.10), which the system reset keeps")
        .Signals((r, sig) =>
        {
            sig.Line("INT", r.Interrupt);
            sig.Sampled("SYSCLK_Hz", 32, () => (ulong)r.SysclkHz, 0);
            sig.Sampled("HCLK_Hz", 32, () => (ulong)r.HclkHz, 0);
            sig.Sampled("PCLK1_Hz", 32, () => (ulong)r.Pclk1Hz, 0);
            sig.Sampled("PCLK2_Hz", 32, () => (ulong)r.Pclk2Hz, 0);
        });
        ClockEnableOutputs(b);
        return b.Build(c => new Stm32Rcc(c));
    }

    private static void ClockEnableOutputs(DeviceType.Builder<Stm32Rcc> b)
    {
        for (int i = 0; i < Gates.Length; i++)
        {
            int n = i;
            b.Output(Gates[n].Name + "EN", r => r._clockEnables[n],
                n == 0 ? "high while the peripheral's clock runs: its RCC enable bit set and its reset bit clear (wire to the peripheral's CLKEN input)" : "");
        }
    }

    private readonly string _name;
    private readonly Scheduler _s;
    private readonly Action<string> _warn;
    private readonly ClockDomain _hsi;
    private readonly ClockControl _sysclk, _ahb, _apb1, _apb2, _tim1x, _tim2x;
    private readonly Bus? _bus;
    private readonly long _hseHz;
    private readonly long _hseTicks, _hsiTicks, _lsiTicks, _pllTicks;
    private readonly Event _hseEvent, _hsiEvent, _lsiEvent, _pllEvent;

    private uint _cr, _cfgr, _cir, _apb2rstr, _apb1rstr, _ahbenr, _apb2enr, _apb1enr, _bdcr, _csr, _cfgr2;
    private readonly bool _f100;
    private readonly long _maxSysclkHz, _maxPclk1Hz;
    // Peripherals (bit = index into Gates) whose refused access was already reported.
    private ulong _gateWarned;
    // One line per gated peripheral: its clock runs (enable set, reset clear).
    private readonly IrqLine[] _clockEnables;

    public Stm32Rcc(DeviceContext c)
    {
        _name = c.Name;
        _s = c.Scheduler;
        _warn = c.Warn;
        _hsi = c.Clock;
        _hseHz = c.Parameter<long>("hseHz");
        string part = c.Parameters.TryGetValue("part", out var p) ? (string)p : "f103";
        if (part != "f103" && part != "f100") throw new ArgumentException($"{c.Name}: part must be \"f103\" or \"f100\", not \"{part}\"");
        _f100 = part == "f100";
        // DS5319 Table 9 (F103: 72 MHz, APB1 36 MHz); the F100 data sheet (DS6517 Table 9): 24 MHz for both.
        _maxSysclkHz = _f100 ? 24_000_000 : MaxSysclkHz;
        _maxPclk1Hz = _f100 ? 24_000_000 : MaxPclk1Hz;
        if (_hseHz <= 0) throw new ArgumentException($"{c.Name}: hseHz must be positive, not {_hseHz}");
        _sysclk = Control(c, "SYSCLK", 1, 1);
        _ahb = Control(c, "AHB", 1, 1);
        _apb1 = Control(c, "APB1", 1, 1);
        _apb2 = Control(c, "APB2", 1, 1);
        _tim1x = Control(c, "TIM1X", 1, 1);
        _tim2x = Control(c, "TIM2X", 1, 1);
        _hseTicks = Micro(c, "hseStartupMicroseconds");
        _hsiTicks = Micro(c, "hsiStartupMicroseconds");
        _lsiTicks = Micro(c, "lsiStartupMicroseconds");
        _pllTicks = Micro(c, "pllLockMicroseconds");
        _hseEvent = _s.CreateEvent(c.Name + ".hseReady", EventPriority.Peripheral, _ => Ready(HSERDY, 3));
        _hsiEvent = _s.CreateEvent(c.Name + ".hsiReady", EventPriority.Peripheral, _ => Ready(HSIRDY, 2));
        _pllEvent = _s.CreateEvent(c.Name + ".pllReady", EventPriority.Peripheral, _ => Ready(PLLRDY, 4));
        _lsiEvent = _s.CreateEvent(c.Name + ".lsiReady", EventPriority.Peripheral, _ => { _csr |= LSIRDY; Flag(0); });
        Interrupt = new IrqLine(c.Name + ".INT");
        _clockEnables = Gates.Select(g => new IrqLine($"{c.Name}.{g.Name}EN")).ToArray();
        _bus = c.Bus;
        if (_bus != null) _bus.DeviceAccessFilter = OnDeviceAccess;
        _csr = PORRSTF | PINRSTF;
        Reset();
    }

    private static ClockControl Control(DeviceContext c, string name, long num, long den) =>
        c.ClockControls.TryGetValue(name, out var k) ? k : new ClockControl(name, num, den);

    private long Micro(DeviceContext c, string parameter)
    {
        long us = c.Parameter<long>(parameter);
        if (us < 0) throw new ArgumentException($"{c.Name}: {parameter} must not be negative, not {us}");
        return (long)((Int128)us * _s.TicksPerSecond / 1_000_000);
    }

    public string Name => _name;
    public IrqLine Interrupt { get; }
    public long HsiHz => _hsi.FrequencyHz;
    public long HseHz => _hseHz;

    /// <summary>The SYSCLK the switch status selects (CFGR.SWS), in Hz.</summary>
    public long SysclkHz => ((_cfgr >> 2) & 3) switch { 1 => _hseHz, 2 => PllHz, _ => HsiHz };
    public long HclkHz => SysclkHz / AhbDivisors[(_cfgr >> 4) & 15];
    public long Pclk1Hz => HclkHz / ApbDivisors[(_cfgr >> 8) & 7];
    public long Pclk2Hz => HclkHz / ApbDivisors[(_cfgr >> 11) & 7];
    /// <summary>The clock of TIM2-TIM7: PCLK1, doubled when the APB1 prescaler is not 1 (§7.2).</summary>
    public long Tim1ClkHz => Pclk1Hz * (ApbDivisors[(_cfgr >> 8) & 7] == 1 ? 1 : 2);
    /// <summary>The PLL's output: HSI/2 or HSE (/2 with PLLXTPRE) times PLLMUL (§7.2, Figure 8).</summary>
    public long PllHz => PllInputHz * PllMul;
    private long PllInputHz => (_cfgr & PLLSRC) == 0 ? HsiHz / 2 : _hseHz / Prediv1;
    /// <summary>The HSE divider before the PLL: PLLXTPRE (÷1 or ÷2) on the F103; CFGR2.PREDIV1 + 1 on the F100, whose bit 0 PLLXTPRE mirrors (RM0041 §6.3.12).</summary>
    private long Prediv1 => _f100 ? (_cfgr2 & 15) + 1 : (_cfgr & PLLXTPRE) != 0 ? 2 : 1;
    private long PllMul => Math.Min(16, ((_cfgr >> 18) & 15) + 2);

    public void Reset()
    {
        _s.Cancel(_hseEvent); _s.Cancel(_hsiEvent); _s.Cancel(_pllEvent); _s.Cancel(_lsiEvent);
        _cr = CrReset;
        _cfgr = _cir = _apb2rstr = _apb1rstr = _apb2enr = _apb1enr = _bdcr = _cfgr2 = 0;
        _ahbenr = AhbenrReset;
        _csr &= 0xFF00_0000 & ~RMVF;
        _gateWarned = 0;
        Interrupt.Set(false);
        Enabled();
        ApplyClocks(_s.EventTime);
    }

    /// <summary>Sets CSR's flag for the cause of a system reset (IWDGRSTF, SFTRSTF...), as the chip does before its reset.</summary>
    public void NoteReset(uint flag) => _csr |= flag & 0xFC00_0000;

    /// <summary>A software reset (the core's AIRCR.SYSRESETREQ) sets SFTRSTF (§7.3.10); other causes set their flags through their lines (IWDGRST).</summary>
    public void BeforeSystemReset(string reason)
    {
        if (reason == SystemResetReasons.SysResetReq) NoteReset(SFTRSTF);
    }

    public void SaveState(StateWriter w)
    {
        foreach (uint v in new[] { _cr, _cfgr, _cir, _apb2rstr, _apb1rstr, _ahbenr, _apb2enr, _apb1enr, _bdcr, _csr, _cfgr2 }) w.Write(v);
        w.Write(Interrupt.Level);
    }

    /// <summary>Restores the registers silently; the clock controls and the ready events are the machine's (restored with the clocks and the scheduler).</summary>
    public void LoadState(StateReader r)
    {
        _cr = r.ReadUInt(); _cfgr = r.ReadUInt(); _cir = r.ReadUInt(); _apb2rstr = r.ReadUInt(); _apb1rstr = r.ReadUInt();
        _ahbenr = r.ReadUInt(); _apb2enr = r.ReadUInt(); _apb1enr = r.ReadUInt(); _bdcr = r.ReadUInt(); _csr = r.ReadUInt(); _cfgr2 = r.ReadUInt();
        Interrupt.Restore(r.ReadBool());
        for (int i = 0; i < Gates.Length; i++) _clockEnables[i].Restore(Clocked(Gates[i]));
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0x3FC;
        uint v = off switch
        {
            CR => _cr,
            CFGR => _cfgr,
            CIR => _cir,
            APB2RSTR => _apb2rstr,
            APB1RSTR => _apb1rstr,
            AHBENR => _ahbenr,
            APB2ENR => _apb2enr,
            APB1ENR => _apb1enr,
            BDCR => _bdcr,
            CSR => _csr,
            CFGR2 when _f100 => _cfgr2,
            _ => Reserved(off, "read"),
        };
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0x3FC;
        value = PrimeCell.NarrowWrite(value, address, size);
        long now = _s.Now;
        switch (off)
        {
            case CR: WriteCr(value, now); break;
            case CFGR: WriteCfgr(value, now); break;
            case CIR:
                _cir = (_cir & ~0x1F00u) | (value & 0x1F00);       // the ready interrupt enables
                _cir &= ~((value >> 16) & 0x9F);                     // LSIRDYC..PLLRDYC, CSSC clear their flags
                UpdateInterrupt();
                break;
            case APB2RSTR: _apb2rstr = value & 0x0038_FFFD; ResetPeripherals(Apb2, value); Enabled(); break;
            case APB1RSTR: _apb1rstr = value & 0x3EFE_CBFF; ResetPeripherals(Apb1, value); Enabled(); break;
            case AHBENR: _ahbenr = value & 0x0557; Enabled(); break;
            case APB2ENR: _apb2enr = value & 0x0038_FFFD; Enabled(); break;
            case APB1ENR: _apb1enr = value & 0x3EFE_CBFF; Enabled(); break;
            case BDCR:
                _bdcr = value & 0x0001_8305;
                if ((value & 1) != 0) _warn($"{_name}: BDCR.LSEON: the LSE oscillator is not modelled (LSERDY stays 0)");
                break;
            case CSR:
                if ((value & RMVF) != 0) _csr &= 0x00FF_FFFF;
                bool lsiOn = (value & LSION) != 0;
                if (lsiOn && (_csr & LSION) == 0) { _csr |= LSION; _s.Schedule(_lsiEvent, now + _lsiTicks); }
                else if (!lsiOn) { _csr &= ~(LSION | LSIRDY); _s.Cancel(_lsiEvent); }
                break;
            case CFGR2 when _f100:
                // PREDIV1 is written only while the PLL is off, like the PLL's CFGR bits; PLLXTPRE mirrors its bit 0.
                if ((_cr & PLLON) == 0)
                {
                    _cfgr2 = value & 15;
                    _cfgr = (_cfgr & ~PLLXTPRE) | ((_cfgr2 & 1) << 17);
                }
                break;
            default: Reserved(off, "write"); break;
        }
    }

    private uint Reserved(uint off, string what) => Stm32Reserved.Access(_warn, _name, "RCC", off, what, " (RM0008 §7.3.11)");

    /// <summary>The LSI is ready (CSR.LSIRDY): the IWDG's clock runs.</summary>
    public bool LsiReady => (_csr & LSIRDY) != 0;

    // ---- oscillators and the switch ----

    private int Sws => (int)((_cfgr >> 2) & 3);
    private bool HsiInUse => Sws == 0 || (Sws == 2 && (_cfgr & PLLSRC) == 0);
    private bool HseInUse => Sws == 1 || (Sws == 2 && (_cfgr & PLLSRC) != 0);

    private void WriteCr(uint value, long now)
    {
        // §7.3.1: HSION, HSEON and PLLON cannot be cleared while their clock is SYSCLK (or the PLL's input).
        if (HsiInUse) value |= HSION;
        if (HseInUse) value |= HSEON;
        if (Sws == 2) value |= PLLON;
        uint old = _cr;
        // HSEBYP is writable only while the HSE is off.
        uint byp = (old & HSEON) == 0 ? value & HSEBYP : old & HSEBYP;
        _cr = (old & (HSIRDY | HSERDY | PLLRDY | 0xFF00)) | (value & (HSION | HSEON | CSSON | PLLON | 0xF8)) | byp;
        Oscillator(old, HSION, HSIRDY, _hsiEvent, _hsiTicks, now);
        Oscillator(old, HSEON, HSERDY, _hseEvent, _hseTicks, now);
        Oscillator(old, PLLON, PLLRDY, _pllEvent, _pllTicks, now);
        if ((_cr & ~old & PLLON) != 0) CheckPll();
        UpdateSwitch(now);
    }

    private void Oscillator(uint old, uint on, uint ready, Event e, long startup, long now)
    {
        if ((_cr & ~old & on) != 0) _s.Schedule(e, now + startup);
        else if ((old & ~_cr & on) != 0) { _s.Cancel(e); _cr &= ~ready; }
    }

    private void Ready(uint readyBit, int cirFlag)
    {
        _cr |= readyBit;
        Flag(cirFlag);
        UpdateSwitch(_s.EventTime);
    }

    /// <summary>Sets CIR flag <paramref name="n"/> (LSIRDYF=0 .. PLLRDYF=4) when its interrupt is enabled (§7.3.3).</summary>
    private void Flag(int n)
    {
        if ((_cir & (1u << (n + 8))) != 0) _cir |= 1u << n;
        UpdateInterrupt();
    }

    private void UpdateInterrupt() => Interrupt.Set((_cir & (_cir >> 8) & 0x1F) != 0 || (_cir & 0x80) != 0);

    private void WriteCfgr(uint value, long now)
    {
        const uint pllBits = PLLSRC | PLLXTPRE | (15u << 18);
        if ((_cr & PLLON) != 0) value = (value & ~pllBits) | (_cfgr & pllBits);
        _cfgr = (_cfgr & 0xC) | (value & 0x077F_FFF3);
        if (_f100) _cfgr2 = (_cfgr2 & ~1u) | ((_cfgr >> 17) & 1);
        UpdateSwitch(now);
        ApplyClocks(now);
    }

    private bool SourceReady(int sw) => sw switch
    {
        0 => (_cr & HSIRDY) != 0,
        1 => (_cr & HSERDY) != 0,
        2 => (_cr & PLLRDY) != 0,
        _ => false, // 11: not allowed; the switch stays where it is
    };

    private void UpdateSwitch(long tick)
    {
        int sw = (int)(_cfgr & 3);
        if (sw != Sws && SourceReady(sw))
        {
            _cfgr = (_cfgr & ~0xCu) | ((uint)sw << 2);
            ApplyClocks(tick);
        }
    }

    private void ApplyClocks(long tick)
    {
        long hsi = HsiHz;
        long g = TimeBase.Gcd(SysclkHz, hsi);
        _sysclk.Set(SysclkHz / g, hsi / g, tick);
        _ahb.Set(1, AhbDivisors[(_cfgr >> 4) & 15], tick);
        int p1 = ApbDivisors[(_cfgr >> 8) & 7], p2 = ApbDivisors[(_cfgr >> 11) & 7];
        _apb1.Set(1, p1, tick);
        _apb2.Set(1, p2, tick);
        _tim1x.Set(p1 == 1 ? 1 : 2, 1, tick);
        _tim2x.Set(p2 == 1 ? 1 : 2, 1, tick);
        CheckLimits();
    }

    private void CheckPll()
    {
        if (PllHz > _maxSysclkHz)
            _warn($"{_name}: the PLL is set to {Mhz(PllInputHz)} MHz x {PllMul} = {Mhz(PllHz)} MHz (CFGR = 0x{_cfgr:X8}), above the data sheet's {Mhz(_maxSysclkHz)} MHz ({Sheet}); running as programmed");
    }

    private void CheckLimits()
    {
        string setting = $"CFGR = 0x{_cfgr:X8}";
        if (SysclkHz > _maxSysclkHz) _warn($"{_name}: SYSCLK = {Mhz(SysclkHz)} MHz ({setting}) is above the data sheet's {Mhz(_maxSysclkHz)} MHz ({Sheet}); running as programmed");
        if (Pclk1Hz > _maxPclk1Hz) _warn($"{_name}: PCLK1 = {Mhz(Pclk1Hz)} MHz ({setting}) is above the data sheet's {Mhz(_maxPclk1Hz)} MHz for APB1 ({Sheet}); running as programmed");
    }

    private string Sheet => _f100 ? "DS6517 Table 9" : "DS5319 Table 9";

    private static string Mhz(long hz) => (hz / 1e6).ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);

    // ---- clock enables and resets ----

    private uint EnableRegister(int register) => register switch { Ahb => _ahbenr, Apb2 => _apb2enr, _ => _apb1enr };
    private uint ResetRegister(int register) => register switch { Apb2 => _apb2rstr, Apb1 => _apb1rstr, _ => 0 };

    /// <summary>Whether peripheral <paramref name="name"/> (as in RM0008's enable bits: "USART1", "GPIOC") has its clock on and is out of reset.</summary>
    public bool IsClocked(string name)
    {
        int i = Array.FindIndex(Gates, g => g.Name == name);
        if (i < 0) throw new ArgumentException($"{_name}: no clock-gated peripheral named {name}");
        return Clocked(Gates[i]);
    }

    private bool Clocked(in Gate g) => (EnableRegister(g.Register) >> g.Bit & 1) != 0 && (ResetRegister(g.Register) >> g.Bit & 1) == 0;

    /// <summary>The enables or resets changed: each peripheral's clock line follows (its counters stop or resume at this tick).</summary>
    private void Enabled()
    {
        for (int i = 0; i < Gates.Length; i++)
        {
            bool on = Clocked(Gates[i]);
            if (on) _gateWarned &= ~(1UL << i);
            _clockEnables[i].Set(on);
        }
    }

    private void ResetPeripherals(int register, uint value)
    {
        foreach (var g in Gates)
            if (g.Register == register && (value >> g.Bit & 1) != 0 && _bus?.FindMapping(g.Base) is { Region: null } m && m.Device != this)
                m.Device.Reset();
    }

    /// <summary>Every CPU access to a device: refuses one to a peripheral whose RCC clock is off (or held in reset).</summary>
    private bool OnDeviceAccess(uint address, bool write)
    {
        if (address < 0x4000_0000 || address >= 0x4002_4000) return true;
        for (int i = 0; i < Gates.Length; i++)
        {
            ref readonly Gate g = ref Gates[i];
            if (address - g.Base >= g.Size) continue;
            if (Clocked(g)) return true;
            if ((_gateWarned & (1UL << i)) == 0)
            {
                _gateWarned |= 1UL << i;
                _warn($"{_name}: {(write ? "write to" : "read of")} {g.Name} at 0x{address:X8} while its RCC clock is off ({RegisterName(g.Register)}.{g.Name}EN = 0): the access does nothing, reads 0");
            }
            return false;
        }
        return true;
    }

    private static string RegisterName(int register) => register switch { Ahb => "RCC_AHBENR", Apb2 => "RCC_APB2ENR", _ => "RCC_APB1ENR" };
}
