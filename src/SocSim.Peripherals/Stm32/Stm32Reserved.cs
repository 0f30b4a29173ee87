namespace SocSim.Peripherals.Stm32;

/// <summary>The STM32F1 blocks' answer to an access at an offset their register map leaves reserved.</summary>
internal static class Stm32Reserved
{
    /// <summary>Warns "NAME: WHAT of reserved BLOCK offset 0xOO ignored[ NOTE], reads 0" and answers 0.</summary>
    public static uint Access(Action<string> warn, string name, string block, uint offset, string what, string note = "")
    {
        warn($"{name}: {what} of reserved {block} offset 0x{offset:X2} ignored{note}, reads 0");
        return 0;
    }
}
