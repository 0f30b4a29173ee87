using SocSim.Arm;
using SocSim.Peripherals;

namespace SocSim.Boards.Tests;

public class MachineResetTests
{
    [Fact]
    public void ResetMidPrintRestartsTheFirmwareWithoutHangingOnTheUart()
    {
        // Reset while hello still has characters in the UART FIFO: the UART's reset empties it, so the
        // restarted firmware's uart_init does not wait for BUSY forever, and hello runs to its end again.
        using var m = Machine.Create([Path.Combine(TestFiles.BoardsDir, "versatilepb.json")]);
        m.LoadElf(Path.Combine(TestFiles.RepoRoot, "firmware", "elf", "hello.elf"));
        var first = m.Run(40_000);
        Assert.Equal(StopReason.CycleLimit, first.Reason);
        Assert.True(m.Device<Pl011Uart>("uart0").TxFifoLevel > 0);
        string before = m.UartOutput("uart0");
        m.Reset();
        Assert.Equal(0, m.Device<Pl011Uart>("uart0").TxFifoLevel);
        Assert.Equal(CpuMode.Supervisor, m.Cpu.Mode);
        var second = m.Run(first.Cycles + 1_000_000);
        Assert.Equal(StopReason.Exit, second.Reason);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(before + "Hello from SocSim on Versatile/PB\n", m.UartOutput("uart0"));
    }
}

public class MachineFaultTests
{
    [Fact]
    public void AFaultedMachineStaysStoppedWhenRunAgain()
    {
        // undef.elf executes an undefined instruction on a board with no memory at the vectors.
        string fault = Path.Combine(TestFiles.RepoRoot, "tests", "assets", "fault");
        using var m = Machine.Create([Path.Combine(fault, "ram-at-8000.json")]);
        m.LoadElf(Path.Combine(fault, "undef.elf"));
        var first = m.Run(100_000);
        Assert.Equal(StopReason.Fault, first.Reason);
        var again = m.Run(200_000);
        Assert.Equal(StopReason.Fault, again.Reason);
        Assert.Equal(first.Cycles, again.Cycles);
        Assert.Equal(first.Instructions, again.Instructions);
    }
}
