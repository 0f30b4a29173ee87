using SocSim.Core.Devices;

namespace SocSim.Peripherals;

/// <summary>
/// Which LPC2104/2105/2106 a device models (UM10275 §1.3): the original parts (no suffix and /00,
/// <c>legacy</c>) or the enhanced /01 parts (<c>01</c>), chosen by each device's <c>part</c> parameter.
/// </summary>
internal static class Lpc2106Part
{
    /// <summary>The <c>part</c> parameter's description, device by device: what the /01 part adds to it.</summary>
    public static string Describe(string adds) => $"legacy: the LPC2104/05/06 and /00 parts; 01: the /01 part, which adds {adds}";

    /// <summary>True for <c>01</c>, false for <c>legacy</c> (or no parameter); anything else is a one-line error.</summary>
    public static bool Is01(DeviceContext c)
    {
        string part = c.Parameters.TryGetValue("part", out var p) ? (string)p : "legacy";
        if (part != "legacy" && part != "01") throw new ArgumentException($"{c.Name}: part must be \"legacy\" or \"01\", not \"{part}\"");
        return part == "01";
    }
}
