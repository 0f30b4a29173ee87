using SocSim.Tests;

namespace SocSim.Rtl.Tests;

/// <summary>firmware/elf/rtl/rtl_gpio.elf on versatilepb + boards/rtl/gpio.json (pulp-platform apb_gpio as RTL, pads 0-3 looped to 4-7).</summary>
public class RtlGpioFirmwareTests
{
    [Fact]
    public void Writes_and_reads_pads_and_takes_a_pad_interrupt()
    {
        using var m = Machine.Create([RtlTestBoards.Default, Path.Combine(RepoPaths.Root, "boards", "rtl", "gpio.json")]);
        m.LoadElf(Path.Combine(RepoPaths.Root, "firmware", "elf", "rtl", "rtl_gpio.elf"));
        var dev = m.Device<RtlPeripheral>("rtlgpio");
        var r = m.Run(5_000_000);
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "rtl_gpio: apb_gpio RTL @0x10102000, VIC line 22, pads 0-3 looped to 4-7\n" +
            "0123456789abcdef\n" +
            "pad 4 rising-edge interrupt: INTSTATUS=0x10\n" +
            "rtl_gpio done: pads ok\n", m.UartOutput("uart0"));
        Assert.True(dev.Output("OUT0").Level);
    }
}
