namespace SocSim.Cli;

/// <summary>The default board and the bundled demo, copied beside the binary at build time.</summary>
internal static class Defaults
{
    public static string Board => Path.Combine(AppContext.BaseDirectory, "boards", "versatilepb.json");
    public static string BoardSchema => Path.Combine(AppContext.BaseDirectory, "boards", "board.schema.json");
    public static string DemoElf => Path.Combine(AppContext.BaseDirectory, "firmware", "timer_irq.elf");
    public static string Firmware(string fileName) => Path.Combine(AppContext.BaseDirectory, "firmware", fileName);
    public static string BenchElf => Path.Combine(AppContext.BaseDirectory, "firmware", "bench.elf");

    /// <summary>Exit statuses of `socsim run` other than the firmware's own exit code.</summary>
    public const int ExitUsage = 2;
    public const int ExitCycleLimit = 124;
    public const int ExitFault = 125;
    public const int ExitStopped = 126;
}
