using SocSim.Core.Devices;

namespace SocSim.Peripherals;

/// <summary>
/// The CMSDK APB dual timer (DDI 0479C 4.5): the SP804 dual-timer module inside the CMSDK, register for
/// register (TimerXLoad ... TimerXBGLoad, TimerITCR/ITOP), with the CMSDK's peripheral ID (PID0 0x23). The
/// model is <see cref="Sp804Timer"/>; both counters run on PCLK (TIMCLK = PCLK, TIMCLKEN tied high, as the
/// MPS2 images wire it).
/// </summary>
public sealed class CmsdkDualTimer : IDeviceModel
{
    private CmsdkDualTimer() { }

    /// <summary>PeriphID0-3 of the CMSDK dual timer.</summary>
    private static readonly byte[] PeriphId = [0x23, 0xB8, 0x1B, 0x00];

    public static DeviceType Type { get; } = DeviceType.Define<Sp804Timer>("cmsdk_dualtimer",
            "ARM CMSDK APB dual timer (DDI 0479C 4.5): the SP804 dual timer with the CMSDK's IDs, both counters on PCLK")
        .Window(PrimeCell.Window)
        .Output("TIMINT1", t => t.TimInt1, "Timer1 interrupt")
        .Output("TIMINT2", t => t.TimInt2, "Timer2 interrupt")
        .Output("TIMINTC", t => t.TimIntC, "combined interrupt")
        .Signals((t, s) =>
        {
            s.Line("TIMINT1", t.TimInt1);
            s.Line("TIMINT2", t.TimInt2);
            s.Line("TIMINTC", t.TimIntC);
        })
        .Build(c => new Sp804Timer(c.Name, c.Scheduler, c.Clock, periphId: PeriphId));
}
