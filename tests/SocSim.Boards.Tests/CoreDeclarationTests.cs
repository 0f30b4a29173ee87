using System.Text.Json.Nodes;
using SocSim.Arm;
using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Signals;
using SocSim.Core.State;

namespace SocSim.Boards.Tests;

/// <summary>
/// A core is a component: its declaration (<see cref="CoreType"/>) gives the catalog, the board schema's
/// cpu.type, `board types`, the wiring of its inputs, GDB's target description, its traced signals and
/// `--regs`; the machine builds whatever core the board names. A fake second core, declared here,
/// goes through all of it.
/// </summary>
public sealed class CoreDeclarationTests
{
    private static string Board(string name) => Path.Combine(TestFiles.BoardsDir, name + ".json");

    /// <summary>
    /// A core that executes nothing: each run slice moves time to the next event or the limit, one
    /// "instruction" per cycle. Enough to show that nothing outside a core's project assumes an ARM7TDMI.
    /// </summary>
    public sealed class IdleCore(Scheduler scheduler) : ICore, ICoreModel
    {
        public static CoreType Type { get; } = CoreType.Define<IdleCore>("idle-test-core", "a core that only lets time pass (test)")
            .Clock("CLK", "one cycle per period")
            .Input("nIRQ", c => level => c.Irq = level, c => c.Irq, "interrupt request")
            .Input("nFIQ", c => level => c.Fiq = level, c => c.Fiq, "fast interrupt request")
            .Gdb("idle", "org.socsim.idle")
            .Register("a0", 32, 0, gdbType: "uint32")
            .Register("pc", 32, 7, gdbType: "code_ptr")
            .Build(c => new IdleCore(c.Scheduler));

        public bool Irq, Fiq;
        private uint _a0, _pc;
        private bool _stop;

        public Scheduler Scheduler { get; } = scheduler;
        public long Cycles => Scheduler.Cycles;
        public long Instructions { get; private set; }
        public uint Pc => _pc;
        public bool StopRequested => _stop;
        public bool Sleeping => false;
        public string? Fault => null;
        public IExecutionHook? Hook { get; set; }
        public event Action<uint>? ExceptionEntered { add { } remove { } }

        public bool Run(long cycleLimit)
        {
            _stop = false;
            while (!_stop && Scheduler.Cycles < cycleLimit)
            {
                long end = Math.Min(Scheduler.NextEventCycle, cycleLimit);
                Instructions += end - Scheduler.Cycles;
                Scheduler.AdvanceCyclesTo(end);
                Scheduler.RunDue();
            }
            return _stop;
        }

        public void Step() { Scheduler.Cycles++; Instructions++; }
        public void Reset() => _pc = 0;
        public void ResetTo(uint entry) => _pc = entry;
        public void RequestStop() { _stop = true; Scheduler.NextEventCycle = 0; }
        public void Sleep(Action? onWake = null) { }
        public uint ReadRegister(int index) => index == 0 ? _a0 : _pc;
        public void WriteRegister(int index, uint value) { if (index == 0) _a0 = value; else _pc = value; }
        public void WriteRegisters(ReadOnlySpan<uint> values) { _a0 = values[0]; _pc = values[1]; }
        public void DebugMemoryWritten(uint address, int length) { }
        public void SaveState(StateWriter w) { w.Write(_a0); w.Write(_pc); }
        public void LoadState(StateReader r) { _a0 = r.ReadUInt(); _pc = r.ReadUInt(); }
        public void Dispose() { }
    }

    private static readonly CoreCatalog WithIdle = CoreCatalog.Discover([typeof(ArmCpu).Assembly, typeof(IdleCore).Assembly]);

    [Fact]
    public void TheCatalogFindsTheCoresDeclarations()
    {
        Assert.Equal(["arm7tdmi", "arm926ejs", "cortex-m0", "cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m4f"], CoreCatalog.Default.Names);
        var arm = CoreCatalog.Default.Find("arm7tdmi")!;
        Assert.Same(ArmCpu.Type, arm);
        Assert.Equal("arm7tdmi", arm.Name);
        Assert.Equal(typeof(ArmCpu), arm.ModelType);
        Assert.Equal(["nIRQ", "nFIQ"], arm.Inputs.Select(i => i.Name));
        Assert.Equal("MCLK", arm.ClockPin);
    }

    [Fact]
    public void AFakeSecondCore_ShowsUpInTheCatalog_TheSchemaAndBoardTypes()
    {
        Assert.Equal(["arm7tdmi", "idle-test-core"], WithIdle.Names);
        Assert.Same(IdleCore.Type, WithIdle.Find("idle-test-core"));

        string schema = BoardSchema.Update(File.ReadAllText(Board("board.schema")), WithIdle);
        var cpuType = JsonNode.Parse(schema)!["properties"]!["cpu"]!["properties"]!["type"]!;
        Assert.Equal(["arm7tdmi", "idle-test-core"], cpuType["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Contains("idle-test-core: a core that only lets time pass (test)", cpuType["description"]!.GetValue<string>());

        string types = BoardPrinter.PrintTypes(WithIdle, PeripheralCatalog.All);
        Assert.Contains("cpu idle-test-core: a core that only lets time pass (test)\n  clock CLK: one cycle per period\n  input nIRQ: interrupt request\n  input nFIQ: fast interrupt request\n  registers a0 pc (GDB idle, org.socsim.idle)\n", types);
    }

    [Fact]
    public void BoardTypes_ListsEachCoreAsItsDeclarationGivesIt()
    {
        string types = BoardPrinter.PrintTypes(CoreCatalog.Default, PeripheralCatalog.All);
        var t = ArmCpu.Type;
        string expected = $"cpu arm7tdmi: {t.Description}\n  clock MCLK: {t.ClockDescription}\n"
            + string.Concat(t.Inputs.Select(i => $"  input {i.Name}: {i.Description}\n"))
            + "  registers r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 r10 r11 r12 r13 r14 r15 cpsr (GDB armv4t, org.gnu.gdb.arm.core)\n";
        Assert.StartsWith(expected, types);
        // The peripheral types follow, as before.
        Assert.Contains("\n" + PeripheralCatalog.All[0].Name + ": ", types);
    }

    [Fact]
    public void TheSchemasCpuType_IsTheCatalogs()
    {
        string committed = File.ReadAllText(Board("board.schema"));
        var cpuType = JsonNode.Parse(committed)!["properties"]!["cpu"]!["properties"]!["type"]!;
        Assert.Equal(CoreCatalog.Default.Names, cpuType["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void GdbTargetDescription_ComesFromTheDeclaration()
    {
        // Byte for byte what the stub sent before cores declared themselves.
        const string Arm7 = """
            <?xml version="1.0"?>
            <!DOCTYPE target SYSTEM "gdb-target.dtd">
            <target version="1.0">
              <architecture>armv4t</architecture>
              <feature name="org.gnu.gdb.arm.core">
                <reg name="r0" bitsize="32" type="uint32" regnum="0"/>
                <reg name="r1" bitsize="32" type="uint32" regnum="1"/>
                <reg name="r2" bitsize="32" type="uint32" regnum="2"/>
                <reg name="r3" bitsize="32" type="uint32" regnum="3"/>
                <reg name="r4" bitsize="32" type="uint32" regnum="4"/>
                <reg name="r5" bitsize="32" type="uint32" regnum="5"/>
                <reg name="r6" bitsize="32" type="uint32" regnum="6"/>
                <reg name="r7" bitsize="32" type="uint32" regnum="7"/>
                <reg name="r8" bitsize="32" type="uint32" regnum="8"/>
                <reg name="r9" bitsize="32" type="uint32" regnum="9"/>
                <reg name="r10" bitsize="32" type="uint32" regnum="10"/>
                <reg name="r11" bitsize="32" type="uint32" regnum="11"/>
                <reg name="r12" bitsize="32" type="uint32" regnum="12"/>
                <reg name="sp" bitsize="32" type="data_ptr" regnum="13"/>
                <reg name="lr" bitsize="32" regnum="14"/>
                <reg name="pc" bitsize="32" type="code_ptr" regnum="15"/>
                <reg name="cpsr" bitsize="32" regnum="25"/>
              </feature>
            </target>

            """;
        Assert.Equal(Arm7, ArmCpu.Type.GdbTargetXml);
        Assert.Contains("<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\" regnum=\"7\"/>", IdleCore.Type.GdbTargetXml);
        Assert.Contains("<architecture>idle</architecture>", IdleCore.Type.GdbTargetXml);
    }

    [Fact]
    public void Regs_NamesTheDeclarationsRegisters()
    {
        using var m = Machine.Create([Board("versatilepb")]);
        m.LoadElf(Path.Combine(TestFiles.RepoRoot, "firmware", "elf", "hello.elf"));
        m.Run(5000);
        var fields = m.RegisterLine().Split(' ');
        Assert.Equal(ArmCpu.Type.Registers.Select(r => r.Name), fields.Select(f => f[..f.IndexOf('=')]));
        Assert.Equal($"r15={m.Cpu.Pc:x8}", fields[15]);
        Assert.Equal($"cpsr={m.Cpu.Cpsr:x8}", fields[16]);
        for (int i = 0; i < 15; i++) Assert.Equal($"r{i}={m.Cpu.GetRegister(i):x8}", fields[i]);
    }

    [Fact]
    public void TheMachineBuildsTheCoreTheBoardNames()
    {
        var board = BoardLoader.Load([Board("versatilepb")], []);
        using (var arm = Machine.Create(board))
            Assert.IsType<ArmCpu>(arm.Core);

        // The same board with the fake core: built by its declaration, its inputs wired, its registers shown.
        var idleBoard = board with { Cpu = new CpuSpec(IdleCore.Type, board.Cpu.Clock, board.Cpu.Parameters), Semihosting = false };
        using var m = Machine.Create(idleBoard);
        var core = Assert.IsType<IdleCore>(m.Core);
        var r = m.Run(12_345);
        Assert.Equal(StopReason.CycleLimit, r.Reason);
        Assert.Equal(12_345, r.Cycles);
        Assert.Equal(12_345, r.Instructions);
        m.WriteRegister(0, 0xCAFE);
        Assert.Equal("a0=0000cafe pc=00000000", m.RegisterLine());
        Assert.Throws<ArgumentOutOfRangeException>(() => m.ReadRegister(2));
        Assert.Throws<InvalidOperationException>(() => m.Cpu);

        // Its inputs are what the board's wiring drives: the VIC's nIRQ reaches it.
        Assert.False(core.Irq);
        m.InterruptOutput("vic", "IRQ").Set(true);
        Assert.True(core.Irq);
        Assert.False(core.Fiq);
    }

    [Fact]
    public void ABoardNamingAnUnknownCore_IsOneLineListingTheKnownCores()
    {
        var e = Assert.Throws<BoardException>(() => BoardLoader.Load([Board("versatilepb")], ["cpu.type=cortex-m9"]));
        Assert.Equal("cpu.type", e.KeyPath);
        Assert.Equal($"unknown CPU type \"cortex-m9\" (known: {string.Join(", ", CoreCatalog.Default.Names)})", e.Problem);
        Assert.DoesNotContain('\n', e.Message);
    }
}
