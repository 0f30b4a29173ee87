using SocSim.Core;
using SocSim.Peripherals.Stm32;
using static SocSim.Peripherals.Stm32.Stm32AfioExti;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests.Stm32;

public sealed class Stm32AfioExtiTests
{
    private readonly List<string> _warnings = new();
    private readonly Stm32AfioExti _e;
    private readonly IrqLine _pa0 = new("PA0"), _pc0 = new("PC0"), _pb13 = new("PB13");

    public Stm32AfioExtiTests()
    {
        _e = new Stm32AfioExti("afio", _warnings.Add);
        Stm32AfioExti.Type.ConnectInput(_e, "PA0", _pa0);
        Stm32AfioExti.Type.ConnectInput(_e, "PC0", _pc0);
        Stm32AfioExti.Type.ConnectInput(_e, "PB13", _pb13);
    }

    /// <summary>§10.2.3: an enabled rising edge sets PR and the EXTI0 line; PR is written 1 to clear; EXTICR1 = 2 moves line 0 to PC0.</summary>
    [Fact]
    public void EdgesSetPendingOnTheSelectedPort()
    {
        W(_e, IMR, 1);
        W(_e, RTSR, 1);
        _pc0.Set(true);                        // port A selected: nothing
        Assert.Equal(0u, R(_e, PR));
        _pa0.Set(true);
        Assert.Equal(1u, R(_e, PR));
        Assert.True(_e.Output("EXTI0").Level);
        _pa0.Set(false);                       // falling, not selected
        W(_e, PR, 1);
        Assert.False(_e.Output("EXTI0").Level);
        W(_e, EXTICR1, 2);
        _pc0.Set(false);
        _pc0.Set(true);
        Assert.Equal(1u, R(_e, PR));
    }

    /// <summary>Lines 10-15 share EXTI15_10; FTSR selects falling edges; a masked line sets nothing; SWIER sets PR when IMR allows.</summary>
    [Fact]
    public void SharedLinesFallingEdgesAndSoftwareInterrupts()
    {
        W(_e, EXTICR4, 1u << 4);               // line 13 from port B
        W(_e, FTSR, 1u << 13);
        _pb13.Set(true);
        _pb13.Set(false);
        Assert.Equal(0u, R(_e, PR));           // masked
        W(_e, IMR, 1u << 13 | 1u << 16);
        _pb13.Set(true);
        _pb13.Set(false);
        Assert.True(_e.Output("EXTI15_10").Level);
        W(_e, SWIER, 1u << 16);
        Assert.True(_e.Output("PVD").Level);
        Assert.Equal(1u << 16, R(_e, SWIER));
        W(_e, PR, 0xFFFFFFFF);
        Assert.Equal(0u, R(_e, SWIER));
        Assert.False(_e.Output("EXTI15_10").Level);
    }

    [Fact]
    public void UnmodelledRemapsWarnOnceAndSwjCfgIsWriteOnly()
    {
        W(_e, MAPR, (2u << 24) | (1u << 2) | (1u << 1));
        Assert.Equal((1u << 2) | (1u << 1), R(_e, MAPR));
        W(_e, MAPR, (1u << 2) | (1u << 1));
        // USART1_REMAP is carried out (the pins move: Stm32RemapTests); I2C1's is not, named once.
        Assert.Equal("afio: AFIO_MAPR.I2C1_REMAP remaps the pins of a block this board does not model: no effect (RM0008 §9.3)", Assert.Single(_warnings));
    }
}

/// <summary>IWDG on a 40 kHz LSI, time base 40 kHz (1 tick per LSI cycle).</summary>
public sealed class Stm32IwdgTests
{
    private readonly Scheduler _s = new(40_000, 1);
    private readonly ClockDomain _lsi = new("LSI", 40_000, 1);
    private readonly List<string> _resets = new(), _warnings = new();
    private readonly Stm32Iwdg _w;

    public Stm32IwdgTests() => _w = new Stm32Iwdg("iwdg", _s, _lsi, _warnings.Add, _resets.Add);

    private void At(long tick) { _s.Cycles = tick; _s.RunDue(); }

    /// <summary>Table 96: PR = 0 (/4), RLR = 0xFFF: 4096 × 4 LSI cycles = 409.6 ms; a reload restarts it.</summary>
    [Fact]
    public void TimesOutAfterRlrPlusOneTicksUnlessReloaded()
    {
        Assert.Equal(0u, R(_w, Stm32Iwdg.PR));
        Assert.Equal(0xFFFu, R(_w, Stm32Iwdg.RLR));
        W(_w, Stm32Iwdg.KR, Stm32Iwdg.KeyStart);
        At(16383);
        Assert.Empty(_resets);
        W(_w, Stm32Iwdg.KR, Stm32Iwdg.KeyReload);
        At(16383 + 16383);
        Assert.Empty(_resets);
        At(16383 + 16384);
        Assert.Single(_resets);
    }

    /// <summary>§19.3.2: PR/RLR need the 0x5555 key and take effect at the next reload: PR = 3 (/32), RLR = 9: 10 × 32 = 320 cycles.</summary>
    [Fact]
    public void PrescalerAndReloadNeedTheKey()
    {
        W(_w, Stm32Iwdg.RLR, 9);
        Assert.Contains("without the 0x5555 key", Assert.Single(_warnings));
        W(_w, Stm32Iwdg.KR, Stm32Iwdg.KeyAccess);
        W(_w, Stm32Iwdg.PR, 3);
        W(_w, Stm32Iwdg.RLR, 9);
        W(_w, Stm32Iwdg.KR, Stm32Iwdg.KeyStart);
        At(160);
        Assert.Equal(4u, _w.Counter);
        At(319);
        Assert.Empty(_resets);
        At(320);
        Assert.Single(_resets);
    }
}

/// <summary>unmodelled_1k, every unmodelled STM32 block (issue 19: "naming each register it is asked for").</summary>
public sealed class Stm32UnmodelledTests
{
    /// <summary>A named register's first access warns once with its name; an offset the list does not name warns with its offset; reads are 0.</summary>
    [Fact]
    public void WarnsOncePerRegisterNamingIt()
    {
        var warnings = new List<string>();
        var spi = new Stm32Unmodelled(new SocSim.Peripherals.Unmodelled("spi1", "SPI1", warnings.Add,
            new Dictionary<string, string> { ["SPI_CR1"] = "0x00", ["SPI_CR2"] = "0x04" }));
        Assert.Equal(0u, R(spi, 0x400));                   // the 1 KiB window: 0x400 is offset 0 again
        Assert.Equal(0u, R(spi, 0x000));
        W(spi, 0x004, 1);
        Assert.Equal(0u, R(spi, 0x040));
        Assert.Equal(3, warnings.Count);
        Assert.Contains("SPI1 SPI_CR1 (offset 0x000)", warnings[0]);
        Assert.Contains("SPI1 SPI_CR2 (offset 0x004)", warnings[1]);
        Assert.Contains("offset 0x040", warnings[2]);
    }
}
