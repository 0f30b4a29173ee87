using SocSim.Boards;
using SocSim.Boards.Elf;
using SocSim.Core.Cores;
using SocSim.Tests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The Cortex-M core as a board component (issue 18 section 1): the four core types in the catalog, their
/// inputs and priority-bits parameter, GDB's M-profile target description, <c>--regs</c>, checkpoints, and
/// firmware started as QEMU's -kernel starts M-profile firmware (SP and PC from the vector table at 0), with
/// the one-line errors for firmware the core cannot run. On a bare board (code and RAM, and RAM where the
/// APB devices are: the demo's UART polling reads STATE = 0, never full).
/// </summary>
public sealed class CoreComponentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("socsim-cm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static string DemoElf(string name) =>
        Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "cortex-m", "freertos-mps2", "elf", name));

    private string BareBoard(string core = "cortex-m3", string codeBase = "0x00000000")
    {
        string path = Path.Combine(_dir, core + codeBase + ".json");
        File.WriteAllText(path, $$"""
            {
              "cpu": { "type": "{{core}}", "clock": "HCLK" },
              "clocks": { "HCLK": 25000000 },
              "memory": {
                "code": { "base": "{{codeBase}}", "size": "4MiB", "kind": "RAM", "busWidth": 32, "waitStates": { "readN": 0, "readS": 0, "writeN": 0, "writeS": 0 } },
                "ram":  { "base": "0x20000000", "size": "4MiB", "kind": "RAM", "busWidth": 32, "waitStates": { "readN": 0, "readS": 0, "writeN": 0, "writeS": 0 } },
                "apb":  { "base": "0x40000000", "size": "64KiB", "kind": "RAM", "busWidth": 32, "waitStates": { "readN": 0, "readS": 0, "writeN": 0, "writeS": 0 } }
              }
            }
            """);
        return path;
    }

    [Fact]
    public void TheCatalogDeclaresFiveCortexMCores()
    {
        foreach (var name in new[] { "cortex-m0", "cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m4f" })
        {
            var t = CoreCatalog.Default.Find(name)!;
            Assert.True(t.MProfile);
            Assert.Equal(typeof(CortexMCpu), t.ModelType);
            // irq0..irq111 on ARMv7-M, irq0..irq31 on ARMv6-M (B3.4.1 of DDI 0419); cpu.parameters.interrupts of them exist.
            bool v6m = name.StartsWith("cortex-m0", StringComparison.Ordinal);
            int lines = v6m ? 32 : 112;
            Assert.Equal(["NMI", .. Enumerable.Range(0, lines).Select(i => "irq" + i)], t.Inputs.Select(i => i.Name));
            // The Cortex-M0 and M0+ declare their multiplier option (DDI 0432C / DDI 0484C table 3-1).
            Assert.Equal(v6m ? ["priorityBits", "sysTickCalib", "multiplyCycles", "interrupts"] : ["priorityBits", "sysTickCalib", "interrupts"],
                t.Parameters.Select(p => p.Name));
        }
        Assert.Equal(8L, CoreCatalog.Default.Find("cortex-m3")!.Parameters[0].Default);
        Assert.Equal(2L, CoreCatalog.Default.Find("cortex-m0")!.Parameters[0].Default);
        Assert.Contains("the DSP extension", CoreCatalog.Default.Find("cortex-m4")!.Description);
        Assert.Contains("FPv4-SP", CoreCatalog.Default.Find("cortex-m4f")!.Description);
        Assert.False(CoreCatalog.Default.Find("arm7tdmi")!.MProfile);
    }

    [Fact]
    public void GdbTargetDescription_IsTheMProfileOne()
    {
        string xml = CortexMCoreTypes.M3.GdbTargetXml;
        Assert.Contains("<architecture>armv7</architecture>", xml);
        Assert.Contains("<feature name=\"org.gnu.gdb.arm.m-profile\">", xml);
        Assert.Contains("<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\" regnum=\"15\"/>", xml);
        Assert.Contains("<reg name=\"xpsr\" bitsize=\"32\" regnum=\"25\"/>\n  </feature>\n  <feature name=\"org.gnu.gdb.arm.m-system\">", xml);
        Assert.Contains("<reg name=\"msp\" bitsize=\"32\" type=\"data_ptr\" regnum=\"26\"/>", xml);
        Assert.Contains("<reg name=\"control\" bitsize=\"32\" type=\"uint32\" regnum=\"31\"/>", xml);
        // ARMv6-M has no BASEPRI or FAULTMASK.
        string m0 = CortexMCoreTypes.M0.GdbTargetXml;
        Assert.Contains("<architecture>armv6-m</architecture>", m0);
        Assert.DoesNotContain("basepri", m0);
        Assert.Contains("<reg name=\"control\" bitsize=\"32\" type=\"uint32\" regnum=\"29\"/>", m0);
    }

    [Fact]
    public void FirmwareStartsFromTheVectorTable_AndRegsShowTheMProfileView()
    {
        using var m = Machine.Create([BareBoard()]);
        var cpu = Assert.IsType<CortexMCpu>(m.Core);
        m.LoadElf(DemoElf("RTOSDemo-blinky.elf"));
        // SP and PC from words 0 and 1 (0x20400000, Reset_Handler 0x3119), not from the ELF's entry alone.
        Assert.Equal(0x2040_0000u, cpu.Msp);
        Assert.Equal(0x3118u, m.Core.Pc);
        Assert.StartsWith("r0=00000000 ", m.RegisterLine());
        Assert.Contains(" r13=20400000 r14=ffffffff r15=00003118 xpsr=01000000 msp=20400000 psp=00000000 primask=00000000 basepri=00000000 faultmask=00000000 control=00000000", m.RegisterLine());
        var r = m.Run(2_000_000);
        Assert.True(r.Reason == StopReason.CycleLimit, $"{r.Reason}: {r.Fault}");
        Assert.InRange(r.Cycles, 2_000_000, 2_000_040);   // the run ends at the first instruction boundary at or after the limit
        Assert.Equal(m.Scheduler.Cycles, m.Core.Cycles);
        // The debug view writes what it shows.
        int basepri = CortexMCoreTypes.M3.RegisterIndex("basepri");
        m.WriteRegister(basepri, 0x40);
        Assert.Equal(0x40u, cpu.Basepri);
    }

    [Fact]
    public void PriorityBits_IsABoardParameter()
    {
        using (var m = Machine.Create([BareBoard()], ["cpu.parameters.priorityBits=3"]))
            Assert.Equal(3, ((CortexMCpu)m.Core).PriorityBits);
        using (var m = Machine.Create([BareBoard()]))
            Assert.Equal(8, ((CortexMCpu)m.Core).PriorityBits);
        var e = Assert.Throws<BoardException>(() => Machine.Create([BareBoard()], ["cpu.parameters.priorityBit=3"]));
        Assert.Contains("unknown parameter 'priorityBit' for type cortex-m3 (expected one of: priorityBits, sysTickCalib, interrupts)", e.Message);
        var range = Assert.Throws<ArgumentException>(() => Machine.Create([BareBoard()], ["cpu.parameters.priorityBits=9"]));
        Assert.Equal("cpu.parameters.priorityBits: 9 priority bits; this core implements 3 to 8", range.Message);
        range = Assert.Throws<ArgumentException>(() => Machine.Create([BareBoard("cortex-m0")], ["cpu.parameters.priorityBits=3"]));
        Assert.Equal("cpu.parameters.priorityBits: 3 priority bits; this core implements exactly 2", range.Message);
        range = Assert.Throws<ArgumentException>(() => Machine.Create([BareBoard("cortex-m0")], ["cpu.parameters.interrupts=33"]));
        Assert.Equal("cpu.parameters.interrupts: 33 external interrupts; this core implements 1 to 32", range.Message);
        using (var m = Machine.Create([BareBoard()], ["cpu.parameters.interrupts=60"]))
            Assert.Equal(60, ((CortexMCpu)m.Core).InterruptLines);
    }

    [Fact]
    public void Checkpoint_ResumesToTheSameState()
    {
        string elf = DemoElf("RTOSDemo-blinky.elf");
        using var a = Machine.Create([BareBoard()]);
        a.LoadElf(elf);
        a.Run(3_000_000);
        var state = new MemoryStream();
        a.SaveState(state);
        a.Run(6_000_000);

        using var b = Machine.Create([BareBoard()]);
        b.LoadElf(elf);
        state.Position = 0;
        b.LoadState(state);
        b.Run(6_000_000);
        Assert.Equal(a.RegisterLine(), b.RegisterLine());
        Assert.Equal(a.Core.Instructions, b.Core.Instructions);
        Assert.Equal(a.Scheduler.Now, b.Scheduler.Now);
    }

    /// <summary>
    /// The DWT and ITM are the core's on every ARMv7-M board (ARMv7-M B3.1, the private peripheral bus), not
    /// board devices: DWT_CYCCNT counts the core's cycles once DEMCR.TRCENA and CTRL.CYCCNTENA are set, and a
    /// checkpoint carries it. ARMv6-M has neither (the M0's 0xE0001000 is not mapped).
    /// </summary>
    [Fact]
    public void TheDwtIsTheCoresOnEveryBoard_CyccntCountsCyclesAcrossACheckpoint()
    {
        const uint Demcr = 0xE000EDFC, DwtCtrl = 0xE0001000, Cyccnt = 0xE0001004;
        string elf = DemoElf("RTOSDemo-blinky.elf");
        using var a = Machine.Create([BareBoard()]);
        a.LoadElf(elf);
        a.Bus.Write32(Demcr, 1u << 24, SocSim.Core.AccessFlags.Write);      // TRCENA
        a.Bus.Write32(DwtCtrl, 1, SocSim.Core.AccessFlags.Write);           // CYCCNTENA
        long start = a.Core.Cycles;
        a.Run(1_000_000);
        Assert.Equal((uint)(a.Core.Cycles - start), a.Bus.Read32(Cyccnt, SocSim.Core.AccessFlags.None));
        var state = new MemoryStream();
        a.SaveState(state);
        a.Run(2_000_000);

        using var b = Machine.Create([BareBoard()]);
        b.LoadElf(elf);
        state.Position = 0;
        b.LoadState(state);
        b.Run(2_000_000);
        Assert.Equal(a.Bus.Read32(Cyccnt, SocSim.Core.AccessFlags.None), b.Bus.Read32(Cyccnt, SocSim.Core.AccessFlags.None));
        Assert.Equal((uint)(b.Core.Cycles - start), b.Bus.Read32(Cyccnt, SocSim.Core.AccessFlags.None));

        using var m0 = Machine.Create([BareBoard("cortex-m0")]);
        var m0Cpu = Assert.IsType<CortexMCpu>(m0.Core);
        Assert.NotNull(m0Cpu.Dwt);          // ARMv6-M's DWT: PCSR and two comparators, no CYCCNT (M0DebugTests)
        Assert.Null(m0Cpu.Itm);
        Assert.Equal(0x2000_0000u, m0.Bus.Read32(0xE000_1000, SocSim.Core.AccessFlags.None));
    }

    [Fact]
    public void AnInterruptLine_SetsItsInterruptPending_AndAgainAtReturnWhileHigh()
    {
        using var m = Machine.Create([BareBoard()]);
        var cpu = (CortexMCpu)m.Core;
        cpu.SetInterruptLine(5, true);
        Assert.True(cpu.IsPending(16 + 5));
        cpu.ClearPending(16 + 5);
        cpu.SetInterruptLine(5, true);           // no new edge: stays clear
        Assert.False(cpu.IsPending(16 + 5));
        cpu.ExceptionDeactivated(16 + 5);        // the handler returned with the line still high
        Assert.True(cpu.IsPending(16 + 5));
        cpu.SetInterruptLine(5, false);
        cpu.ClearPending(16 + 5);
        cpu.ExceptionDeactivated(16 + 5);
        Assert.False(cpu.IsPending(16 + 5));
    }

    [Fact]
    public void ArmStateFirmware_OnACortexMBoard_IsOneLine()
    {
        using var m = Machine.Create([BareBoard()]);
        string hello = Path.Combine(RepoPaths.Root, "firmware", "elf", "hello.elf");
        var e = Assert.Throws<ElfException>(() => m.LoadElf(hello));
        Assert.Equal($"{hello}: built for ARMv4T (its .ARM.attributes), not an M-profile architecture: cortex-m3 executes only Thumb code for ARMv6-M/ARMv7-M (build with -mcpu=cortex-m3 -mthumb)", e.Message);
    }

    [Fact]
    public void CortexMFirmware_OnAnArm7Board_IsOneLine()
    {
        using var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", "versatilepb.json")]);
        string elf = DemoElf("RTOSDemo-blinky.elf");
        var e = Assert.Throws<ElfException>(() => m.LoadElf(elf));
        Assert.Equal($"{elf}: built for ARMv7, profile M (its .ARM.attributes), an M-profile architecture that arm7tdmi cannot run: use a board with a Cortex-M core (mps2-an385)", e.Message);
    }

    [Fact]
    public void AVectorTableOutsideMemory_IsOneLine()
    {
        using var m = Machine.Create([BareBoard(codeBase: "0x10000000")]);
        string image = Path.Combine(_dir, "image.bin");
        File.WriteAllBytes(image, new byte[16]);
        var e = Assert.Throws<ArgumentException>(() => m.LoadRaw(image, 0x1000_0000));
        Assert.Equal($"{image}: the vector table at 0x00000000 is outside memory: cortex-m3 reads its initial SP and reset vector there, and no memory region of the board covers 0x00000000-0x00000007", e.Message);
    }

    [Fact]
    public void AResetVectorWithoutTheThumbBit_IsOneLine()
    {
        using var m = Machine.Create([BareBoard()]);
        string image = Path.Combine(_dir, "vectors.bin");
        File.WriteAllBytes(image, [0x00, 0x00, 0x40, 0x20, 0x00, 0x01, 0x00, 0x00]);
        var e = Assert.Throws<ArgumentException>(() => m.LoadRaw(image, 0));
        Assert.Equal($"{image}: the reset vector (word 1 of the vector table at 0x00000000) is 0x00000100, without the Thumb bit: cortex-m3 would take a HardFault (INVSTATE) at its first instruction (a vector is a Thumb function's address + 1)", e.Message);
    }
}
