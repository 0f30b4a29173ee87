using System.Text;
using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>CoreDebug DEMCR, the DWT (counters, comparators as watchpoints), the ITM's stimulus ports and the semihosting hook.</summary>
public sealed class DebugBlockTests
{
    private sealed class Blocks : IDisposable
    {
        public readonly TestCore T;
        public readonly SystemControlSpace Scs;
        public readonly DataWatchpointTrace Dwt;
        public readonly InstrumentationTrace Itm;

        public Blocks(string thread, WaitStates? slow = null)
        {
            T = new TestCore(slow: slow);
            Scs = new SystemControlSpace(T.Cpu);
            Dwt = new DataWatchpointTrace(T.Cpu);
            Itm = new InstrumentationTrace(T.Cpu);
            T.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, Scs, WaitStates.Zero);
            T.Bus.AddDevice("dwt", DataWatchpointTrace.Base, DataWatchpointTrace.Size, Dwt, WaitStates.Zero);
            T.Bus.AddDevice("itm", InstrumentationTrace.Base, InstrumentationTrace.Size, Itm, WaitStates.Zero);
            T.Load(thread).Reset();
        }

        public uint Read(uint a) => T.Bus.Read32(a, AccessFlags.None);

        public void Run(long limit)
        {
            while (T.Scheduler.Cycles < limit && T.Cpu.State is CoreState.Running or CoreState.Sleeping)
            {
                T.Scheduler.RunDue();
                T.Cpu.RunTo(Math.Min(limit, T.Scheduler.NextEventCycle));
            }
        }

        public void Dispose() => T.Dispose();
    }

    // Firmware that enables tracing (DEMCR.TRCENA) and the DWT's counters, as CMSIS code does.
    private const string EnableDwt =
        "ldr r0, =0xE000EDFC\nldr r1, =0x01000000\nstr r1, [r0]\n" +
        "ldr r0, =0xE0001000\nldr r1, =0x003F0001\nstr r1, [r0]\n";

    [Fact]
    public void FirmwareMeasuresInstructionsWithCyccnt()
    {
        using var b = new Blocks(EnableDwt + "ldr r2, [r0, #4]\nnop\nnop\nnop\nmuls r3, r3\nldr r4, [r0, #4]\nsubs r5, r4, r2\nb .\n.ltorg");
        for (int i = 0; i < 13; i++) b.T.Cpu.Step();
        // CYCCNT as each LDR starts: between them the first LDR (2), three NOPs and MULS (1 each) = 6.
        Assert.Equal(6u, b.T.Cpu.GetRegister(5));
    }

    [Fact]
    public void CyccntHoldsWithoutTrcenaOrItsEnable()
    {
        using var b = new Blocks("nop\nnop\nnop\nnop\nb .");
        b.T.Bus.Write32(DataWatchpointTrace.Base, 1, AccessFlags.None);          // CYCCNTENA, but TRCENA clear
        b.Run(20);
        Assert.Equal(0u, b.Read(DataWatchpointTrace.Base + 4));
        b.T.Cpu.Demcr = CortexMCpu.DemcrTrcena;
        long c0 = b.T.Cpu.Cycles;
        b.Run(50);
        long counted = b.T.Cpu.Cycles - c0;
        Assert.True(counted >= 28);
        Assert.Equal((uint)counted, b.Read(DataWatchpointTrace.Base + 4));
        b.T.Bus.Write32(DataWatchpointTrace.Base, 0, AccessFlags.None);
        b.Run(80);
        Assert.Equal((uint)counted, b.Read(DataWatchpointTrace.Base + 4));
        Assert.Equal(4u << 28, b.Read(DataWatchpointTrace.Base));               // NUMCOMP
    }

    [Fact]
    public void TheProfilingCountersAddUpToCyccnt()
    {
        // Loads and stores on slow memory, a divide, branches, an interrupt taken and returned, a WFI sleep.
        using var b = new Blocks(EnableDwt +
            "ldr r6, =0x20000000\nmovs r7, #40\n1: ldr r1, [r6]\nstr r7, [r6, #4]\nudiv r2, r7, r7\nsubs r7, #1\nbne 1b\n" +
            "wfi\nldm r6, {r1, r2, r3}\nb .\n.ltorg", slow: new WaitStates(2, 2, 2, 2));
        b.T.Handler(16, "ldr r0, [sp]\nbx lr");
        b.T.Cpu.SetInterruptEnabled(0, true);
        var e = b.T.Scheduler.CreateEvent("irq", EventPriority.Peripheral, _ => b.T.Cpu.SetPending(16));
        b.T.Scheduler.Schedule(e, 900);
        b.Run(2000);
        var c = b.T.Cpu;
        Assert.True(c.SleepCycles > 0 && c.ExceptionCycles > 0 && c.LsuCycles > 0 && c.CpiCycles > 0);
        uint cyc = b.Read(DataWatchpointTrace.Base + 4);
        // C1.8.1: CYCCNT = instructions + CPICNT + EXCCNT + SLEEPCNT + LSUCNT - FOLDCNT (the 8-bit counters modulo 256).
        // The counters start within the 6th instruction (the CTRL store), which they all count.
        long instructionsSinceEnable = c.Instructions - 5;
        uint sum = (uint)instructionsSinceEnable + b.Read(DataWatchpointTrace.Base + 8) + b.Read(DataWatchpointTrace.Base + 12)
                   + b.Read(DataWatchpointTrace.Base + 16) + b.Read(DataWatchpointTrace.Base + 20) - b.Read(DataWatchpointTrace.Base + 24);
        Assert.Equal(cyc & 0xFF, sum & 0xFF);
        Assert.Equal(c.Cycles, c.Instructions + c.CpiCycles + c.ExceptionCycles + c.SleepCycles + c.LsuCycles - c.FoldedInstructions);
    }

    [Fact]
    public void ADataWatchpointReportsTheWriteAndHaltsAfterIt()
    {
        using var b = new Blocks("ldr r0, =0x6000\nmovs r1, #5\nldr r2, [r0]\nstr r1, [r0, #8]\nmovs r3, #1\nb .\n.ltorg");
        var hits = new List<(int, uint)>();
        b.T.Cpu.DebugEvent += (n, a) => hits.Add((n, a));
        b.T.Cpu.HaltOnDebugEvent = true;
        b.T.Bus.Write32(DataWatchpointTrace.Base + 0x30, 0x6008, AccessFlags.None);     // COMP1
        b.T.Bus.Write32(DataWatchpointTrace.Base + 0x34, 2, AccessFlags.None);          // MASK1: a word
        b.T.Bus.Write32(DataWatchpointTrace.Base + 0x38, 6, AccessFlags.None);          // FUNCTION1: data write
        b.Run(100);
        Assert.Equal(CoreState.Halted, b.T.Cpu.State);
        Assert.Equal([(1, 0x6008u)], hits);                                            // the read of 0x6000 did not match
        Assert.Equal(TestCore.Code + 10, b.T.Cpu.PC);                                  // after the STR (LDR r0,= assembles as MOV.W)
        Assert.Equal(1u << 24 | 6, b.Read(DataWatchpointTrace.Base + 0x38));            // MATCHED, cleared by the read
        Assert.Equal(6u, b.Read(DataWatchpointTrace.Base + 0x38));
        b.T.Cpu.Resume();
        b.T.Cpu.Step();
        Assert.Equal(1u, b.T.Cpu.GetRegister(3));
    }

    [Fact]
    public void APcComparatorHaltsBeforeTheInstructionAndResumesIntoIt()
    {
        using var b = new Blocks("movs r0, #1\nmovs r1, #2\nmovs r2, #3\nb .");
        b.T.Cpu.HaltOnDebugEvent = true;
        b.T.Cpu.SetComparator(0, TestCore.Code + 2, 0, 4);
        b.Run(50);
        Assert.Equal(CoreState.Halted, b.T.Cpu.State);
        Assert.Equal(TestCore.Code + 2, b.T.Cpu.PC);
        Assert.Equal(0u, b.T.Cpu.GetRegister(1));
        b.T.Cpu.Resume();
        b.T.Cpu.Step();
        Assert.Equal(2u, b.T.Cpu.GetRegister(1));
    }

    [Fact]
    public void AWatchpointWithMonEnTakesDebugMonitor()
    {
        using var b = new Blocks("ldr r0, =0x6000\nmovs r1, #5\nstr r1, [r0]\nnop\nb .\n.ltorg");
        b.T.Cpu.Demcr = CortexMCpu.DemcrMonEn;
        b.T.Cpu.SetComparator(0, 0x6000, 0, 7);
        for (int i = 0; i < 4; i++) b.T.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcDebugMonitor, b.T.Cpu.Ipsr);
    }

    [Fact]
    public void ItmPort0CarriesTextOnceUnlockedAndEnabled()
    {
        const string send = "ldr r0, =0xE0000000\nmovs r1, #'H'\nstrb r1, [r0]\nmovs r1, #'i'\nstrb r1, [r0]\n";
        using var b = new Blocks(
            send +                                                                        // before setup: lost
            "ldr r2, =0xE0000E00\nmovs r3, #1\nstr r3, [r2]\n" +                           // TER while locked: ignored
            "ldr r2, =0xE0000FB0\nldr r3, =0xC5ACCE55\nstr r3, [r2]\n" +                  // LAR unlock
            "ldr r2, =0xE0000E80\nmovs r3, #1\nstr r3, [r2]\n" +                           // TCR.ITMENA
            "ldr r2, =0xE0000E00\nstr r3, [r2]\n" +                                        // TER port 0
            "ldr r4, [r0]\n" + send + "b .\n.ltorg");
        var text = new StringBuilder();
        b.Itm.Stimulus += (port, v, size) => { Assert.Equal(0, port); Assert.Equal(1, size); text.Append((char)v); };
        b.T.Cpu.Demcr = CortexMCpu.DemcrTrcena;
        b.Run(200);
        Assert.Equal("Hi", text.ToString());
        Assert.Equal(1u, b.T.Cpu.GetRegister(4));                                       // FIFOREADY
        Assert.Equal(1u, b.Itm.Ter);
        b.T.Cpu.Demcr = 0;                                                              // TRCENA off: the ITM is off
        Assert.Equal(0u, b.Read(InstrumentationTrace.Base));
    }

    [Fact]
    public void Bkpt0xABCallsTheSemihostingHostAndGoesOn()
    {
        using var b = new Blocks("movs r0, #4\nldr r1, =msg\nbkpt 0xab\nmovs r5, #1\nbkpt 0\n.ltorg\nmsg: .asciz \"ok\\n\"");
        var calls = new List<uint>();
        b.T.Cpu.Semihosting = cpu => { calls.Add(cpu.GetRegister(0)); cpu.SetRegister(0, 0); return true; };
        b.Run(100);
        Assert.Equal([4u], calls);
        Assert.Equal(1u, b.T.Cpu.GetRegister(5));
        Assert.Equal(CoreState.Halted, b.T.Cpu.State);
        using var plain = new Blocks("bkpt 0xab\nmovs r5, #1");
        plain.Run(100);
        Assert.Equal(CoreState.Halted, plain.T.Cpu.State);                             // no host: a plain BKPT
        Assert.Equal(TestCore.Code, plain.T.Cpu.PC);
    }
}
