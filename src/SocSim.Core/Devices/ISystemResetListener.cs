namespace SocSim.Core.Devices;

/// <summary>
/// A device that records why the system was reset (a reset controller's flags, such as the STM32's RCC_CSR):
/// the machine tells it the reason of each system reset just before it resets the devices.
/// </summary>
public interface ISystemResetListener
{
    /// <summary>A system reset for <paramref name="reason"/> (one of <see cref="SystemResetReasons"/>, or a device's own words) is about to happen.</summary>
    void BeforeSystemReset(string reason);
}

/// <summary>The reasons cores give for the system resets they request.</summary>
public static class SystemResetReasons
{
    /// <summary>A write of AIRCR with SYSRESETREQ and the VECTKEY (ARMv7-M B3.2.6, ARMv6-M B3.2.6): a software reset.</summary>
    public const string SysResetReq = "AIRCR.SYSRESETREQ";
}
