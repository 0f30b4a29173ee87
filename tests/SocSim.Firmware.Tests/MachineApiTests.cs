using SocSim.Core;

namespace SocSim.Firmware.Tests;

/// <summary>The run-until, memory, register, symbol and bus-cycle API on <see cref="Machine"/>.</summary>
public class MachineApiTests
{
    [Fact]
    public void RunUntil_Symbol_StopsBeforeItsFirstInstruction()
    {
        using var m = Repo.Load("timer_irq");
        var r = m.RunUntil("main");
        Assert.Equal(StopReason.Stopped, r.Reason);
        Assert.Equal(m.Symbol("main"), m.Cpu.Pc);
        Assert.Equal(m.Symbol("main"), m.ReadRegister(15));
        Assert.Equal(117, r.Cycles);
        Assert.Equal(33, r.Instructions);
    }

    [Fact]
    public void RunUntil_SameAddressAgain_ExecutesItFirstAndStopsAtTheNextPass()
    {
        using var m = Repo.Load("timer_irq");
        m.RunUntil("puts0");
        long first = m.Cycles;
        var r = m.RunUntil("puts0");
        Assert.Equal(StopReason.Stopped, r.Reason);
        Assert.True(m.Cycles > first);
        Assert.Equal(m.Symbol("puts0"), m.Cpu.Pc);
    }

    [Fact]
    public void RunUntil_AddressNeverReached_EndsWithTheFirmware()
    {
        using var m = Repo.Load("hello");
        var r = m.RunUntil(0x0300_0000u);
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(0, r.ExitCode);
    }

    [Fact]
    public void RunUntil_CycleLimitComesFirst()
    {
        using var m = Repo.Load("timer_irq");
        var r = m.RunUntil("semihost_exit", maxCycles: 1000);
        Assert.Equal(StopReason.CycleLimit, r.Reason);
        Assert.InRange(r.Cycles, 1000, 1010);
    }

    [Fact]
    public void RunUntil_SymbolPlusOffset_AndPredicate()
    {
        using var m = Repo.Load("timer_irq");
        Assert.Equal(m.Symbol("irq_handler") + 0x28, m.ResolveAddress("irq_handler+0x28"));
        Assert.Equal(0x1A4u, m.ResolveAddress("0x1a4"));
        Assert.Equal(420u, m.ResolveAddress("420"));
        m.RunUntil("irq_handler+0x28");
        Assert.Equal(m.Symbol("irq_handler") + 0x28, m.Cpu.Pc);

        var r = m.RunUntil(mm => mm.ReadWord("ticks") == 3);
        Assert.Equal(StopReason.Stopped, r.Reason);
        Assert.Equal(3u, m.ReadWord("ticks"));
    }

    [Fact]
    public void ResolveAddress_UnknownSymbol_Throws()
    {
        using var m = Repo.Load("hello");
        Assert.Throws<KeyNotFoundException>(() => m.ResolveAddress("no_such_symbol"));
        Assert.Throws<ArgumentException>(() => m.ResolveAddress("main+zz"));
    }

    [Fact]
    public void RunUntilCycle_AndRunFor()
    {
        using var m = Repo.Load("timer_irq");
        var r = m.RunUntilCycle(5000);
        Assert.Equal(StopReason.CycleLimit, r.Reason);
        Assert.InRange(m.Cycles, 5000, 5010);
        long c = m.Cycles;
        m.RunFor(1000);
        Assert.InRange(m.Cycles, c + 1000, c + 1010);
    }

    [Fact]
    public void Memory_ReadAndWrite_ChangeWhatTheFirmwareSees()
    {
        using var m = Repo.Load("timer_irq");
        m.RunUntil("main");
        uint ticks = m.Symbol("ticks");
        Assert.Equal(0u, m.ReadWord(ticks));
        m.WriteWord(ticks, 4);                       // the firmware now believes 4 ticks happened
        Assert.Equal(new byte[] { 4, 0, 0, 0 }, m.ReadMemory(ticks, 4));
        var r = m.Run(10_000_000);
        // Four ticks are printed at once; the count ends with fewer than five real interrupts.
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("tick 4\ntick 5\n", m.UartOutput("uart0"));
        Assert.Contains("IRQ vector entries >= 5: NO", m.UartOutput("uart0"));
        Assert.InRange(m.ReadWord("irq_vector_count"), 1u, 4u);
    }

    [Fact]
    public void Registers_ReadAndWrite()
    {
        using var m = Repo.Load("timer_irq");
        m.RunUntil("put_dec");
        uint arg = m.ReadRegister(0);
        Assert.Equal(1u, arg);                        // put_dec(seen) for "tick 1"
        m.WriteRegister(0, 42);
        m.RunUntilReturn();
        m.Run(10_000_000);
        Assert.Contains("tick 42\ntick 2\n", m.UartOutput("uart0"));
        Assert.Equal(0x1Fu, m.ReadRegister(16) & 0x1F); // main runs in System mode
        Assert.Throws<ArgumentOutOfRangeException>(() => m.ReadRegister(17));
    }

    [Fact]
    public void ReadString_ReadsRodata()
    {
        using var m = Repo.Load("hello");
        Assert.Equal(m.Symbol("main"), m.ResolveAddress("main"));
        var elf = m.Elf!;
        Assert.Contains(elf.Symbols, s => s.Name == "main");
    }

    [Fact]
    public void OnBusCycle_SeesEveryUartWrite_UntilDisposed()
    {
        using var m = Repo.Load("hello");
        int dataWrites = 0;
        using (m.OnBusCycle(c => { if (c.IsWrite && c.Address == 0x101F1000) dataWrites++; }))
            m.Run(10_000_000);
        Assert.Equal(m.UartOutput("uart0").Length, dataWrites);
        Assert.Null(m.Bus.Observer);
    }

    [Fact]
    public void CyclesToTime_UsesTheBoardCpuClock()
    {
        using var m = Repo.Load("hello", "cpu.clock=CPUCLK", "clocks.CPUCLK=25000000");
        Assert.Equal(25_000_000, m.CpuHz);
        Assert.Equal(TimeSpan.FromMilliseconds(2), m.CyclesToTime(50_000));
        Assert.Equal(25_000, m.TimeToCycles(TimeSpan.FromMilliseconds(1)));
    }
}
