using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Peripherals.Stm32;
using static SocSim.Peripherals.Stm32.Stm32Rcc;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests.Stm32;

/// <summary>
/// A 72 MHz time base (one tick = 1/72 µs); the RCC on its 8 MHz HSI (9 ticks), the clock controls
/// recorded as they change.
/// </summary>
public sealed class Stm32RccTests
{
    private const long Tps = 72_000_000;
    private readonly Scheduler _s = new(Tps, 1);
    private readonly List<string> _warnings = new();
    private readonly Dictionary<string, ClockControl> _controls = new();
    private readonly List<string> _changes = new();
    private readonly Bus _bus;
    private readonly Stm32Rcc _rcc;

    public Stm32RccTests()
    {
        _bus = new Bus(_s);
        foreach (var d in Stm32Rcc.Type.ClockControls)
        {
            var k = new ClockControl(d.Name, d.Reset.Num, d.Reset.Den);
            k.Changed += (c, tick) => _changes.Add($"{c.Name}={c.Num}/{c.Den}@{tick}");
            _controls[d.Name] = k;
        }
        _rcc = (Stm32Rcc)Stm32Rcc.Type.Create(new DeviceContext
        {
            Name = "rcc",
            Scheduler = _s,
            Clock = ClockDomain.OnTimeBase("HSI", 8_000_000, Tps),
            Parameters = Stm32Rcc.Type.Parameters.ToDictionary(p => p.Name, p => p.Default),
            Bus = _bus,
            ClockControls = _controls,
            Warn = _warnings.Add,
        });
        _bus.AddDevice("rcc", 0x4002_1000, 0x400, _rcc, WaitStates.Zero);
    }

    private void At(long tick) { _s.Cycles = tick; _s.RunDue(); }
    private static long Us(long us) => us * Tps / 1_000_000;

    [Fact]
    public void ResetValues()
    {
        // RM0008 §7.3: CR 0x0000XX83 (HSICAL read 0), CFGR 0, CIR 0, AHBENR 0x14, CSR PORRSTF|PINRSTF after power-on.
        Assert.Equal(0x83u, R(_rcc, CR));
        Assert.Equal(0u, R(_rcc, CFGR));
        Assert.Equal(0u, R(_rcc, CIR));
        Assert.Equal(0x14u, R(_rcc, AHBENR));
        Assert.Equal(0u, R(_rcc, APB2ENR));
        Assert.Equal(0u, R(_rcc, APB1ENR));
        Assert.Equal(0x0C00_0000u, R(_rcc, CSR));
        Assert.Equal(8_000_000, _rcc.SysclkHz);
        Assert.Empty(_warnings);
    }

    /// <summary>
    /// libopencm3's rcc_clock_setup_pll for 72 MHz from the 8 MHz HSE: HSERDY 2 ms after HSEON
    /// (DS5319 Table 22), PLLRDY 200 µs after PLLON (Table 26), then SW = PLL switches SYSCLK to
    /// 8 MHz × 9 = 72 MHz, HCLK 72, PCLK1 36 (÷2, so the APB1 timers run at ×2 = 72), PCLK2 72.
    /// </summary>
    [Fact]
    public void PllSetUpTo72MHzWithTheStartUpDelays()
    {
        W(_rcc, CR, R(_rcc, CR) | HSEON);
        At(Us(2000) - 1);
        Assert.Equal(0u, R(_rcc, CR) & HSERDY);
        At(Us(2000));
        Assert.Equal(HSERDY, R(_rcc, CR) & HSERDY);
        // HPRE /1, PPRE1 /2 (100), PPRE2 /1; PLLSRC = HSE, PLLMUL = x9 (0111).
        W(_rcc, CFGR, (4u << 8) | PLLSRC | (7u << 18));
        Assert.Equal(4_000_000, _rcc.Pclk1Hz);    // still on the HSI: 8 MHz / 2
        W(_rcc, CR, R(_rcc, CR) | PLLON);
        long on = _s.Now;
        At(on + Us(200) - 1);
        Assert.Equal(0u, R(_rcc, CR) & PLLRDY);
        At(on + Us(200));
        Assert.Equal(PLLRDY, R(_rcc, CR) & PLLRDY);
        _changes.Clear();
        W(_rcc, CFGR, R(_rcc, CFGR) | 2);
        Assert.Equal(2u, (R(_rcc, CFGR) >> 2) & 3);
        Assert.Equal(72_000_000, _rcc.SysclkHz);
        Assert.Equal(72_000_000, _rcc.HclkHz);
        Assert.Equal(36_000_000, _rcc.Pclk1Hz);
        Assert.Equal(72_000_000, _rcc.Tim1ClkHz);
        Assert.Equal(72_000_000, _rcc.Pclk2Hz);
        Assert.Equal([$"SYSCLK=9/1@{_s.Now}"], _changes);
        Assert.Equal((2L, 1L), (_controls["TIM1X"].Num, _controls["TIM1X"].Den));
        Assert.Equal((1L, 2L), (_controls["APB1"].Num, _controls["APB1"].Den));
        Assert.Empty(_warnings);
    }

    /// <summary>
    /// §7.2 Figure 8, §7.3.2: the PLL's other inputs. PLLSRC = 0: HSI/2, x16 (1110 and 1111 both x16) = 64 MHz;
    /// PLLSRC = 1 with PLLXTPRE: HSE/2, x9 = 36 MHz; x2 (0000) from the undivided HSE = 16 MHz.
    /// </summary>
    [Theory]
    [InlineData(14u << 18, 64_000_000L)]
    [InlineData((15u << 18), 64_000_000L)]
    [InlineData((7u << 18) | (1u << 16) | (1u << 17), 36_000_000L)]
    [InlineData((0u << 18) | (1u << 16), 16_000_000L)]
    public void PllInputsAndMultipliers(uint cfgr, long sysclk)
    {
        W(_rcc, CR, R(_rcc, CR) | HSEON);
        At(Us(2000));
        W(_rcc, CFGR, cfgr | (4u << 8));           // APB1 /2 keeps PCLK1 within 36 MHz
        W(_rcc, CR, R(_rcc, CR) | PLLON);
        At(_s.Now + Us(200));
        W(_rcc, CFGR, R(_rcc, CFGR) | 2);
        Assert.Equal(2u, (R(_rcc, CFGR) >> 2) & 3);
        Assert.Equal(sysclk, _rcc.SysclkHz);
        Assert.Empty(_warnings);
    }

    /// <summary>§7.3.2: the switch happens when the selected source becomes ready; SWS shows the source in use.</summary>
    [Fact]
    public void SwitchWaitsForTheSourceToBeReady()
    {
        W(_rcc, CFGR, 1);                      // SW = HSE, HSE off
        Assert.Equal(0u, (R(_rcc, CFGR) >> 2) & 3);
        W(_rcc, CR, R(_rcc, CR) | HSEON);
        At(Us(2000));
        Assert.Equal(1u, (R(_rcc, CFGR) >> 2) & 3);
        Assert.Equal(8_000_000, _rcc.SysclkHz);
        // HSION can be cleared now (HSI no longer SYSCLK), HSEON not (§7.3.1).
        W(_rcc, CR, PLLON & 0);
        Assert.Equal(HSEON | HSERDY, R(_rcc, CR) & (HSEON | HSERDY | HSION | HSIRDY));
    }

    /// <summary>§7.3.2: PLLMUL, PLLSRC, PLLXTPRE "can be written only when PLL is disabled"; the PLL cannot be stopped while it is SYSCLK.</summary>
    [Fact]
    public void PllConfigurationIsLockedWhileThePllRuns()
    {
        W(_rcc, CFGR, 4u << 18);               // HSI/2 x 6 = 24 MHz
        W(_rcc, CR, R(_rcc, CR) | PLLON);
        At(Us(200));
        W(_rcc, CFGR, (15u << 18) | 2);        // x16 ignored, SW = PLL
        Assert.Equal(24_000_000, _rcc.SysclkHz);
        W(_rcc, CR, HSION);                    // PLLON kept: the PLL is SYSCLK
        Assert.Equal(PLLON | PLLRDY, R(_rcc, CR) & (PLLON | PLLRDY));
        Assert.Equal(("SYSCLK", 3L, 1L), ("SYSCLK", _controls["SYSCLK"].Num, _controls["SYSCLK"].Den));
    }

    [Fact]
    public void ThePllBeyond72MHzWarnsAndRunsAsProgrammed()
    {
        W(_rcc, CR, R(_rcc, CR) | HSEON);
        At(Us(2000));
        W(_rcc, CFGR, PLLSRC | (14u << 18) | (4u << 8)); // 8 MHz x 16 = 128 MHz
        W(_rcc, CR, R(_rcc, CR) | PLLON);
        At(_s.Now + Us(200));
        W(_rcc, CFGR, R(_rcc, CFGR) | 2);
        Assert.Equal(128_000_000, _rcc.SysclkHz);
        Assert.Contains(_warnings, w => w.Contains("128 MHz") && w.Contains("72 MHz"));
        Assert.Contains(_warnings, w => w.StartsWith("rcc: SYSCLK = 128 MHz"));
        Assert.Contains(_warnings, w => w.StartsWith("rcc: PCLK1 = 64 MHz"));
        Assert.All(_warnings, w => Assert.DoesNotContain('\n', w));
    }

    /// <summary>§7.3.3: a ready flag is set only when its interrupt is enabled; the flag drives the RCC interrupt; xxxRDYC clears it.</summary>
    [Fact]
    public void ReadyInterrupts()
    {
        W(_rcc, CIR, 1u << 11);                // HSERDYIE
        W(_rcc, CR, R(_rcc, CR) | HSEON);
        At(Us(2000));
        Assert.Equal((1u << 11) | (1u << 3), R(_rcc, CIR));
        Assert.True(_rcc.Interrupt.Level);
        W(_rcc, CIR, (1u << 11) | (1u << 19));
        Assert.Equal(1u << 11, R(_rcc, CIR));
        Assert.False(_rcc.Interrupt.Level);
        W(_rcc, CSR, LSION);                   // LSI without LSIRDYIE: LSIRDY but no flag
        At(_s.Now + Us(85));
        Assert.Equal(LSIRDY, R(_rcc, CSR) & LSIRDY);
        Assert.Equal(1u << 11, R(_rcc, CIR));
        W(_rcc, CSR, RMVF | LSION);
        Assert.Equal(LSION | LSIRDY, R(_rcc, CSR));
    }

    private sealed class Probe : IBusDevice
    {
        public uint Value = 0x1234;
        public int Resets;
        public uint Read(uint address, int size, AccessFlags flags, ref bool abort) => Value;
        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) => Value = value;
        public void Reset() { Resets++; Value = 0; }
    }

    /// <summary>
    /// A peripheral whose clock is off (APB2ENR.USART1EN = 0) ignores writes and reads 0, with one
    /// warning until it is enabled; APB1RSTR resets the peripheral at its address.
    /// </summary>
    [Fact]
    public void ClockEnablesGateAccessesAndResetsResetPeripherals()
    {
        var usart = new Probe();
        var tim2 = new Probe();
        _bus.AddDevice("usart1", 0x4001_3800, 0x400, usart, WaitStates.Zero);
        _bus.AddDevice("tim2", 0x4000_0000, 0x400, tim2, WaitStates.Zero);
        Assert.Equal(0u, _bus.Read32(0x4001_3800, AccessFlags.Privileged));
        _bus.Write32(0x4001_3804, 7, AccessFlags.Privileged | AccessFlags.Write);
        Assert.Equal(0x1234u, usart.Value);
        Assert.Equal(0u, _bus.Read32(0x4001_3800, AccessFlags.Privileged));
        Assert.Single(_warnings, w => w.Contains("USART1") && w.Contains("RCC_APB2ENR.USART1EN = 0"));
        W(_rcc, APB2ENR, 1u << 14);
        Assert.Equal(0x1234u, _bus.Read32(0x4001_3800, AccessFlags.Privileged));
        Assert.True(_rcc.IsClocked("USART1"));
        Assert.False(_rcc.IsClocked("TIM2"));
        W(_rcc, APB1ENR, 1);
        _bus.Write32(0x4000_0000, 5, AccessFlags.Privileged | AccessFlags.Write);
        W(_rcc, APB1RSTR, 1);
        Assert.Equal(1, tim2.Resets);
        Assert.Equal(0u, _bus.Read32(0x4000_0000, AccessFlags.Privileged)); // held in reset
        W(_rcc, APB1RSTR, 0);
        Assert.Equal(0u, tim2.Value);
        Assert.True(_rcc.IsClocked("TIM2"));
    }

    /// <summary>AHB ÷2 and APB2 ÷4 (PCLK2 = HCLK/4, the APB2 timers ×2), HPRE codes per Table §7.3.2.</summary>
    [Fact]
    public void Prescalers()
    {
        W(_rcc, CFGR, (8u << 4) | (5u << 11)); // HPRE 1000 = /2, PPRE2 101 = /4
        Assert.Equal(4_000_000, _rcc.HclkHz);
        Assert.Equal(1_000_000, _rcc.Pclk2Hz);
        Assert.Equal((2L, 1L), (_controls["TIM2X"].Num, _controls["TIM2X"].Den));
        W(_rcc, CFGR, 15u << 4);               // /512
        Assert.Equal(8_000_000 / 512, _rcc.HclkHz);
        Assert.Equal((1L, 8L), (_controls["SYSTICK"].Num, _controls["SYSTICK"].Den));
    }

    [Fact]
    public void ReservedOffsetsWarn()
    {
        Assert.Equal(0u, R(_rcc, 0x28));
        Assert.Equal("rcc: read of reserved RCC offset 0x28 ignored (RM0008 §7.3.11), reads 0", Assert.Single(_warnings));
    }
}

/// <summary>The value line's RCC (RM0041 §6): CFGR2.PREDIV1 divides the HSE for the PLL, PLLXTPRE mirrors its bit 0, 24 MHz limit.</summary>
public sealed class Stm32F100RccTests
{
    [Fact]
    public void Prediv1DividesTheHseAndTheLimitIs24MHz()
    {
        var s = new Scheduler(72_000_000, 1);
        var warnings = new List<string>();
        var p = Stm32Rcc.Type.Parameters.ToDictionary(x => x.Name, x => x.Default);
        p["part"] = "f100";
        var rcc = (Stm32Rcc)Stm32Rcc.Type.Create(new DeviceContext { Name = "rcc", Scheduler = s, Clock = ClockDomain.OnTimeBase("HSI", 8_000_000, 72_000_000), Parameters = p, Warn = warnings.Add });
        W(rcc, CFGR2, 3);                      // PREDIV1 = /4
        Assert.Equal(PLLXTPRE, R(rcc, CFGR) & PLLXTPRE);
        W(rcc, CFGR, R(rcc, CFGR) | PLLSRC | (4u << 18)); // HSE / 4 x 6 = 12 MHz (a read-modify-write: writing PLLXTPRE 0 would clear PREDIV1 bit 0)
        Assert.Equal(12_000_000, rcc.PllHz);
        Assert.Equal(3u, R(rcc, CFGR2));
        W(rcc, CFGR2, 0);
        W(rcc, CFGR, PLLSRC | (2u << 18));     // 8 MHz x 4 = 32 MHz: above the value line's 24
        W(rcc, CR, R(rcc, CR) | PLLON);
        Assert.Contains(warnings, w => w.Contains("32 MHz") && w.Contains("24 MHz") && w.Contains("DS6517"));
        var f103 = Stm32Rcc.Type.Parameters.ToDictionary(x => x.Name, x => x.Default);
        Assert.Equal(0u, R((Stm32Rcc)Stm32Rcc.Type.Create(new DeviceContext { Name = "r", Scheduler = s, Clock = ClockDomain.OnTimeBase("HSI", 8_000_000, 72_000_000), Parameters = f103, Warn = warnings.Add }), CFGR2));
        Assert.Contains(warnings, w => w == "r: read of reserved RCC offset 0x2C ignored (RM0008 §7.3.11), reads 0");
    }
}
