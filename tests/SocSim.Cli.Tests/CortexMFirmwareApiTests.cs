using SocSim.Trace.Timing;

namespace SocSim.Cli.Tests;

/// <summary>
/// The firmware-test API as the template (templates/content/socsim-firmware-test) uses it, on a Cortex-M board
/// (issue 18 section 4): FreeRTOS's MPS2 blinky on mps2-an385 with QEMU's UART model, its output, a handler's
/// cycles from its first instruction to its return (RunUntil, RunUntilReturn through EXC_RETURN), and a
/// measure probe over the same run.
/// </summary>
public sealed class CortexMFirmwareApiTests
{
    private static string Shared(params string[] parts) => Path.GetFullPath(Path.Combine([Socsim.RepoRoot, "..", "shared", .. parts]));

    private static uint Reg(Machine m, string name) => m.ReadRegister(m.Board.Cpu.Type.RegisterIndex(name));

    private static Machine Load()
    {
        var m = Machine.Create([Path.Combine(Socsim.RepoRoot, "boards", "mps2-an385.json"), Path.Combine(Socsim.RepoRoot, "boards", "overrides", "mps2-qemu-uart.json")]);
        m.LoadElf(Shared("cortex-m", "freertos-mps2", "elf", "RTOSDemo-blinky.elf"));
        return m;
    }

    [Fact]
    public void PrintsWhatQemuPrinted()
    {
        using var m = Load();
        var r = m.Run(maxCycles: 25_000_000 / 2);     // half a simulated second at 25 MHz
        Assert.Equal(StopReason.CycleLimit, r.Reason);
        // QEMU's capture (shared/cortex-m/freertos-mps2/expected-blinky.txt): two 200 ms task lines by 0.5 s.
        string qemu = File.ReadAllText(Shared("cortex-m", "freertos-mps2", "expected-blinky.txt"));
        string uart = m.UartOutput("uart0");
        Assert.Equal(2, uart.Count(c => c == '\n'));
        Assert.StartsWith(uart, qemu);
    }

    [Fact]
    public void TheTickHandlerRunsToItsReturn()
    {
        using var m = Load();
        uint handler = m.Symbol("xPortSysTickHandler") & ~1u;
        var body = new MeasureProbe("tick", handler, handler + 0x2a);   // to its last instruction, pop {r3, pc}
        m.AddHook(body);
        Assert.Equal(StopReason.Stopped, m.RunUntil("xPortSysTickHandler", maxCycles: 100_000).Reason);
        uint lr = Reg(m, "lr"), psp = Reg(m, "psp");
        Assert.Equal(0xFFFFFFFDu, lr);                   // from a task: Thread mode on PSP
        uint returnTo = m.ReadWord(psp + 24) & ~1u;      // the stacked PC
        long start = m.Cycles;
        Assert.Equal(StopReason.Stopped, m.RunUntilReturn(maxCycles: 200_000).Reason);
        Assert.Equal(returnTo, m.Core.Pc);
        Assert.Equal(0u, Reg(m, "xpsr") & 0x1FF);   // back in Thread mode
        // The body the probe measured, then POP {r3, pc} with EXC_RETURN: 1 + N + 10 = 13 with N = 2
        // (docs/cortex-m.md "Exception timing"), no tail-chain on this first tick.
        Assert.Single(body.Passes);
        Assert.Equal(body.Passes[0] + 13, m.Cycles - start);
    }
}
