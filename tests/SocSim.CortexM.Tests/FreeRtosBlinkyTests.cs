using System.Text;
using SocSim.Boards.Elf;
using SocSim.Core;
using SocSim.Tests;
using Xunit.Abstractions;

namespace SocSim.CortexM.Tests;

/// <summary>
/// FreeRTOS's own MPS2 AN385 blinky demo (shared/cortex-m/freertos-mps2, unmodified) on the core with the
/// System Control Space, 4 MB of code RAM at 0, 4 MB of RAM at 0x20000000 (zeroed, both PT_LOAD segments
/// loaded, as QEMU's -kernel does) and a CMSDK UART0 data/state stub: its first 11 lines (the software timer line included) equal QEMU's capture.
/// Not the board (issue 18 section 4): a harness proving the ISA, SVC/PendSV/SysTick and MSP/PSP switching.
/// </summary>
public sealed class FreeRtosBlinkyTests(ITestOutputHelper output)
{
    private sealed class UartStub : IBusDevice
    {
        public readonly StringBuilder Text = new();
        public uint Read(uint address, int size, AccessFlags flags, ref bool abort) => 0;   // STATE: TX never full
        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
        {
            if ((address & 0xFFF) == 0) Text.Append((char)(value & 0xFF));
        }
    }

    [Fact]
    public void BlinkyPrintsWhatQemuPrints()
    {
        string dir = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "cortex-m", "freertos-mps2"));
        var s = Scheduler.CycleBased(25_000_000);
        using var bus = new Bus(s);
        using var code = new MemoryRegion("code", 0, 0x40_0000, RegionKind.Ram, 32, WaitStates.Zero);
        using var ram = new MemoryRegion("ram", 0x2000_0000, 0x40_0000, RegionKind.Ram, 32, WaitStates.Zero);
        bus.AddRegion(code);
        bus.AddRegion(ram);
        var uart = new UartStub();
        bus.AddDevice("uart0", 0x4000_4000, 0x1000, uart, WaitStates.Zero);
        var cpu = new CortexMCpu(bus);
        bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, new SystemControlSpace(cpu), WaitStates.Zero);
        ElfLoader.Load(ElfFile.Parse(Path.Combine(dir, "elf", "RTOSDemo-blinky.elf")), bus);
        cpu.Reset();

        const int lines = 11;      // 9 task lines, the software timer line (2 s), a task line
        const long limit = 60_000_000;       // 2.4 s: task lines every 200 ms, the timer line every 2 s
        while (s.Cycles < limit && cpu.State is CoreState.Running or CoreState.Sleeping && CountLines(uart.Text) < lines)
        {
            s.RunDue();
            cpu.RunTo(Math.Min(limit, s.NextEventCycle));
        }
        string got = uart.Text.ToString();
        output.WriteLine($"{cpu.Instructions:N0} instructions, {cpu.Cycles:N0} cycles, state {cpu.State} {cpu.Fault}\n{got}");
        Assert.True(cpu.State is CoreState.Running or CoreState.Sleeping, $"{cpu.State}: {cpu.Fault}");
        Assert.False(cpu.HandlerMode && cpu.Ipsr == CortexMCpu.ExcHardFault, $"HardFault: CFSR 0x{cpu.Cfsr:X8} HFSR 0x{cpu.Hfsr:X8}");
        string expected = string.Join("", File.ReadAllText(Path.Combine(dir, "expected-blinky.txt")).Split('\n').Take(lines).Select(l => l + "\n"));
        Assert.Equal(expected, got);
    }

    private static int CountLines(StringBuilder sb)
    {
        int n = 0;
        for (int i = 0; i < sb.Length; i++) if (sb[i] == '\n') n++;
        return n;
    }
}
