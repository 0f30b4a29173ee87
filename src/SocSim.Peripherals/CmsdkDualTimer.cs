namespace SocSim.Peripherals;

/// <summary>
/// The CMSDK APB dual timer (DDI 0479C 4.5): the SP804 dual-timer module inside the CMSDK, register for
/// register (TimerXLoad ... TimerXBGLoad, TimerITCR/ITOP), with the CMSDK's peripheral ID (PID0 0x23). The
/// model is <see cref="Sp804Timer"/>; both counters run on PCLK (TIMCLK = PCLK, TIMCLKEN tied high, as the
/// MPS2 images wire it).
/// </summary>
public sealed class CmsdkDualTimer : SocSim.Core.Devices.IDeviceModel
{
    private CmsdkDualTimer() { }

    public static SocSim.Core.Devices.DeviceType Type { get; } = Sp804Timer.Declare("cmsdk_dualtimer",
        "ARM CMSDK APB dual timer (DDI 0479C 4.5): the SP804 dual timer with the CMSDK's IDs, both counters on PCLK", [0x23, 0xB8, 0x1B, 0x00]);
}
