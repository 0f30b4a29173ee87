using SocSim.Core;
using SocSim.Peripherals.Stm32;

namespace SocSim.Firmware.Tests;

/// <summary>
/// libopencm3's unmodified STM32F100 (VL Discovery) examples on boards/stm32f100.json: the value line's
/// RCC (CFGR2.PREDIV1, 24 MHz) and zero-wait-state flash (RM0041), the other blocks as on the F103.
/// </summary>
public sealed class Stm32F100FirmwareTests
{
    private static string Pack(params string[] parts) => Stm32Pack.Path(parts);
    private static Machine Load(string elf) => Stm32Pack.Load("stm32f100", elf);
    private static uint Reg(IBusDevice d, uint offset) => Stm32Pack.Reg(d, offset);

    /// <summary>
    /// miniblink on the 8 MHz HSI: gpio_set_mode writes CRL = 0x44444444 and CRH = 0x44444442 (PC8 a
    /// 2 MHz push-pull output, the pack's README), then gpio_toggle alternates PC8 through BSRR
    /// (0x00000100 / 0x01000000). The undriven floating input shows 1 (the GPIO model's pull-up choice);
    /// becoming an output with ODR = 0 drives it low, then each toggle flips it: low, high, low.
    /// </summary>
    [Fact]
    public void MiniblinkTogglesPc8()
    {
        using var m = Load("f100-vldiscovery-miniblink.elf");
        var gpioc = m.Device<Stm32Gpio>("gpioc");
        var levels = new List<bool>();
        gpioc.Pad(8).Subscribe(levels.Add);
        m.RunUntil(_ => levels.Count >= 3, maxCycles: 100_000_000);
        Assert.Equal([false, true, false], levels);
        Assert.Equal(0x4444_4444u, Reg(gpioc, Stm32Gpio.CRL));
        Assert.Equal(0x4444_4442u, Reg(gpioc, Stm32Gpio.CRH));
        Assert.Equal(8_000_000, m.Device<Stm32Rcc>("rcc").SysclkHz);
        Assert.Empty(m.Warnings);
    }

    /// <summary>
    /// What RM0041 (Rev 6) gives the value line's core: SYST_CALIB 9000 (§8.1.1: "a reference time base of
    /// 3 ms with the SysTick clock set to 3 MHz (max HCLK/8)"; RM0008's F103 figure is the same 9000, 1 ms at
    /// 9 MHz), NOREF and SKEW 0; 56 interrupt lines on the low and medium-density parts (§8.1: the F100RB is
    /// medium density), position 42 being CEC (not modelled: nothing drives it; the F103's USBWakeUp is
    /// not on the value line).
    /// </summary>
    [Fact]
    public void SysTickCalibrationAndInterruptLinesAreRm0041s()
    {
        using var m = Load("f100-vldiscovery-miniblink.elf");
        var cpu = (SocSim.CortexM.CortexMCpu)m.Core;
        Assert.Equal(9000u, Reg(cpu.Scs!, 0xE000E01C));
        Assert.Equal(56, cpu.InterruptLines);
    }

    /// <summary>
    /// usart at 24 MHz (HSE 8 MHz × 3, no wait states): BRR = 208 (RM0041: 24 MHz / 115200, rounded);
    /// the first characters are expected/vldiscovery-usart.derived.txt's.
    /// </summary>
    [Fact]
    public void UsartPrintsTheExpectedDigits()
    {
        const int chars = 10;
        using var m = Load("f100-vldiscovery-usart.elf");
        m.RunUntil(_ => m.UartOutput("usart1").Length >= chars, maxCycles: 200_000_000);
        string expected = File.ReadAllText(Pack("expected", "vldiscovery-usart.derived.txt"));
        Assert.Equal(expected[..chars], m.UartOutput("usart1")[..chars]);
        Assert.Equal(208u, Reg(m.Device<Stm32Usart>("usart1"), Stm32Usart.BRR));
        Assert.Equal(24_000_000, m.Device<Stm32Rcc>("rcc").SysclkHz);
        Assert.Empty(m.Warnings);
    }
}
