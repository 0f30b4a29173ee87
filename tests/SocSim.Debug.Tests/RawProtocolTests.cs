using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace SocSim.Debug.Tests;

/// <summary>The stub in this process, driven packet by packet over a loopback socket, including input a real GDB never sends.</summary>
public sealed class RawProtocolTests
{
    private const int Timeout = Deadline.Ms;

    private static uint Reg(string g, int index) => BinaryPrimitives.ReadUInt32LittleEndian(Convert.FromHexString(g.Substring(index * 8, 8)));

    private static string Le(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return Convert.ToHexString(b).ToLowerInvariant();
    }

    [Fact(Timeout = Timeout)]
    public async Task ListensOnLoopbackOnly_AndAnswersQSupported()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        Assert.Equal(IPAddress.Loopback, stub.Endpoint.Address);
        var reply = stub.Exchange("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;xmlRegisters=arm");
        Assert.Contains("PacketSize=4000", reply);
        Assert.Contains("qXfer:features:read+", reply);
        Assert.Equal("S05", stub.Exchange("?"));
        Assert.Equal("0", stub.Exchange("qAttached"));
    }

    [Fact(Timeout = Timeout)]
    public async Task BadChecksum_IsNackedAndTheResendIsAnswered()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        stub.SendRaw("$?#00");
        Assert.Equal('-', stub.ReadByte());
        stub.SendRaw("$?#zz");
        Assert.Equal('-', stub.ReadByte());
        Assert.Equal("S05", stub.Exchange("?"));
    }

    [Fact(Timeout = Timeout)]
    public async Task RejectedReply_IsResent()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        stub.SendPacket("qAttached");
        Assert.Equal('+', stub.ReadByte());
        Assert.Equal("0", stub.ReadPacket(ack: false));
        stub.SendRaw("-");
        Assert.Equal("0", stub.ReadPacket());
        Assert.Equal("S05", stub.Exchange("?"));
    }

    [Fact(Timeout = Timeout)]
    public async Task GarbageBetweenPackets_AndUnknownPackets()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        stub.SendRaw("hello\r\n#12");
        Assert.Equal("", stub.Exchange("qThisDoesNotExist"));
        Assert.Equal("", stub.Exchange("vFlashErase:0,4"));
        Assert.Equal("", stub.Exchange("!"));
        Assert.Equal("", stub.Exchange("Z9,0,4"));
        Assert.Equal("", stub.Exchange(""));
        // A packet cut short by a new '$' is dropped; the new one counts.
        stub.SendRaw("$m0,4$");
        stub.SendRaw(Encoding.ASCII.GetBytes("?#3f"));
        Assert.Equal('+', stub.ReadByte());
        Assert.Equal("S05", stub.ReadPacket());
    }

    [Theory(Timeout = Timeout)]
    [InlineData("mzz,4")]
    [InlineData("m10")]
    [InlineData("m100000000,4")]
    [InlineData("M0,4:0102")]
    [InlineData("M0,2:zzzz")]
    [InlineData("X0,4:ab")]
    [InlineData("Xnothing")]
    [InlineData("G1234")]
    [InlineData("pzz")]
    [InlineData("P1=12")]
    [InlineData("Pf")]
    [InlineData("Z0,zz,4")]
    [InlineData("Z0,100,7")]
    [InlineData("Z2,100,0")]
    [InlineData("Z0,100")]
    [InlineData("qXfer:features:read:target.xml:zz")]
    [InlineData("qRcmd,6")]
    [InlineData("cxyz")]
    [InlineData("vCont;q")]
    public async Task MalformedPackets_GetAnError_AndTheStubGoesOn(string packet)
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        Assert.StartsWith("E", stub.Exchange(packet));
        Assert.Equal("S05", stub.Exchange("?"));
        Assert.Equal(0, stub.Machine.Cpu.Instructions);
    }

    [Fact(Timeout = Timeout)]
    public async Task OverLongPacket_IsRefused_AndTheStubGoesOn()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        var huge = "M0,20000:" + new string('a', 200_000);
        Assert.Equal("E01", stub.Exchange(huge));
        // A start with no end, then a good packet.
        stub.SendRaw("$" + new string('x', 50_000) + "$?#3f");
        Assert.Equal('+', stub.ReadByte());
        Assert.Equal("S05", stub.ReadPacket());
    }

    [Fact(Timeout = Timeout)]
    public async Task Registers_ReadAndWrite()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        var cpu = stub.Machine.Cpu;
        var g = stub.Exchange("g");
        Assert.Equal(17 * 8, g.Length);
        Assert.Equal(cpu.Pc, Reg(g, 15));
        Assert.Equal(cpu.Cpsr, Reg(g, 16));
        Assert.Equal(Le(cpu.Cpsr), stub.Exchange("p19"));
        Assert.Equal(Le(cpu.Pc), stub.Exchange("pf"));
        Assert.Equal("E00", stub.Exchange("p10"));

        Assert.Equal("OK", stub.Exchange("P3=" + Le(0xCAFEF00D)));
        Assert.Equal(0xCAFEF00Du, cpu.GetRegister(3));
        long cycles = stub.Machine.Scheduler.Cycles;
        uint main = stub.Machine.Symbol("main");
        Assert.Equal("OK", stub.Exchange("Pf=" + Le(main)));
        Assert.Equal(main, cpu.Pc);
        Assert.Equal(cycles, stub.Machine.Scheduler.Cycles);   // time stands still while GDB holds the core

        var regs = Enumerable.Range(0, 17).Select(i => (uint)(0x100 + i)).ToArray();
        regs[15] = main;
        regs[16] = 0x6000_00D3;   // SVC, IRQ/FIQ masked, Z and C
        Assert.Equal("OK", stub.Exchange("G" + string.Concat(regs.Select(Le))));
        Assert.Equal(0x10Bu, cpu.GetRegister(11));
        Assert.Equal(0x6000_00D3u, cpu.Cpsr);
        Assert.Equal(string.Concat(regs.Select(Le)), stub.Exchange("g"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Memory_ReadWriteAndBinaryWrite()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        uint counter = stub.Machine.Symbol("counter");
        Assert.Equal("00000000", stub.Exchange($"m{counter:x},4"));
        Assert.Equal("OK", stub.Exchange($"M{counter:x},4:78563412"));
        Assert.Equal(0x12345678u, stub.Machine.Bus.DebugRead32(counter));
        // X with the bytes that must be escaped: '#', '$', '}', '*'.
        byte[] data = [0x23, 0x24, 0x7D, 0x2A];
        var packet = new List<byte>(Encoding.ASCII.GetBytes($"X{counter:x},4:"));
        packet.AddRange(Rsp.Escape(data));
        stub.Client.Send(Rsp.Frame(packet.ToArray()));
        Assert.Equal('+', stub.ReadByte());
        Assert.Equal("OK", stub.ReadPacket());
        Assert.Equal("23247d2a", stub.Exchange($"m{counter:x},4"));
        Assert.Equal("OK", stub.Exchange($"X{counter:x},0:"));
        // Code reads back as the ELF holds it.
        uint main = stub.Machine.Symbol("main");
        Assert.Equal(Le(stub.Machine.Bus.DebugRead32(main)), stub.Exchange($"m{main:x},4"));
        // Outside RAM and ROM writes fail, reads return zeros.
        Assert.StartsWith("E", stub.Exchange("Mf0000000,1:00"));
    }

    [Fact(Timeout = Timeout)]
    public async Task TargetDescription_ReadInChunks()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        var xml = new StringBuilder();
        for (int offset = 0; ; offset += 100)
        {
            var r = stub.Exchange($"qXfer:features:read:target.xml:{offset:x},64");
            Assert.True(r[0] is 'm' or 'l', r);
            xml.Append(r[1..]);
            if (r[0] == 'l') break;
        }
        Assert.Equal(SocSim.Arm.ArmCpu.Type.GdbTargetXml, xml.ToString());
        Assert.Contains("org.gnu.gdb.arm.core", xml.ToString());
        Assert.Contains("<reg name=\"cpsr\" bitsize=\"32\" regnum=\"25\"/>", xml.ToString());
        Assert.Equal("E00", stub.Exchange("qXfer:features:read:other.xml:0,100"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Step_AdvancesTimeByExactlyOneInstruction()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        using var reference = Machine.Create([Paths.Board]);
        reference.LoadElf(Paths.DemoElf);
        for (int i = 0; i < 50; i++)
        {
            long before = stub.Machine.Scheduler.Cycles;
            Assert.Equal("T05thread:1;", stub.Exchange(i % 2 == 0 ? "s" : "vCont;s:1"));
            reference.Cpu.Step();
            Assert.Equal(reference.Scheduler.Cycles, stub.Machine.Scheduler.Cycles);
            Assert.Equal(reference.Cpu.Pc, stub.Machine.Cpu.Pc);
            Assert.True(stub.Machine.Scheduler.Cycles > before);
        }
        Assert.Equal(50, stub.Machine.Cpu.Instructions);
        var mon = Encoding.ASCII.GetString(Convert.FromHexString(stub.Exchange("qRcmd," + Convert.ToHexString("cycles"u8))));
        Assert.StartsWith($"cycles={reference.Scheduler.Cycles} instructions=50 ", mon);
        // Stopped: time does not move however long GDB waits.
        long now = stub.Machine.Scheduler.Cycles;
        Thread.Sleep(200);
        Assert.Equal("T05thread:1;", stub.Exchange("?"));
        Assert.Equal(now, stub.Machine.Scheduler.Cycles);
    }

    [Fact(Timeout = Timeout)]
    public async Task Breakpoints_ArmAndThumb_AndContinueToExit()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        uint add = stub.Machine.Symbol("add"), thumb = stub.Machine.Symbol("thumb_twice") & ~1u;
        Assert.Equal("OK", stub.Exchange($"Z0,{add:x},4"));
        Assert.Equal("OK", stub.Exchange($"Z1,{thumb:x},2"));
        Assert.Equal("T05thread:1;", stub.Exchange("c"));
        Assert.Equal(add, stub.Machine.Cpu.Pc);
        Assert.False(stub.Machine.Cpu.Thumb);
        // Resuming from a breakpoint runs its instruction; the next call stops again.
        Assert.Equal("T05thread:1;", stub.Exchange("vCont;c"));
        Assert.Equal(add, stub.Machine.Cpu.Pc);
        Assert.Equal("OK", stub.Exchange($"z0,{add:x},4"));
        Assert.Equal("T05thread:1;", stub.Exchange("c"));
        Assert.Equal(thumb, stub.Machine.Cpu.Pc);
        Assert.True(stub.Machine.Cpu.Thumb);
        Assert.NotEqual(0u, uint.Parse(stub.Exchange("p19")[..2], System.Globalization.NumberStyles.HexNumber) & 0x20);
        Assert.Equal("OK", stub.Exchange($"z1,{thumb:x},2"));
        Assert.Equal("W00", stub.Exchange("c"));
        var r = stub.Result();
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("gdbdemo: done", stub.ConsoleText);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(2, "watch", true)]
    [InlineData(3, "rwatch", false)]
    [InlineData(4, "awatch", false)]
    public async Task Watchpoints_ReportTheAddressHit(int type, string name, bool write)
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        uint counter = stub.Machine.Symbol("counter");
        // From main on: the startup code's clearing of .bss writes counter too.
        Assert.Equal("OK", stub.Exchange($"Z0,{stub.Machine.Symbol("main"):x},4"));
        Assert.Equal("T05thread:1;", stub.Exchange("c"));
        Assert.Equal("OK", stub.Exchange($"z0,{stub.Machine.Symbol("main"):x},4"));
        Assert.Equal("OK", stub.Exchange($"Z{type},{counter:x},4"));
        Assert.Equal($"T05{name}:{counter:x8};thread:1;", stub.Exchange("c"));
        if (write) Assert.Equal(1u, stub.Machine.Bus.DebugRead32(counter));   // the store completed
        Assert.Equal("OK", stub.Exchange($"z{type},{counter:x},4"));
        Assert.Equal("W00", stub.Exchange("c"));
    }

    /// <summary>Waits (on the test's thread, reading the core's cycle count) until the target has run past <paramref name="cycles"/>.</summary>
    private static void WaitUntilRunning(InProcessStub stub, long cycles)
    {
        while (Volatile.Read(ref stub.Machine.Scheduler.Cycles) <= cycles) Thread.Sleep(5);
    }

    /// <summary>`b .` in RAM: a target that runs until interrupted.</summary>
    private static void SpinForever(InProcessStub stub)
    {
        uint spin = 0x0010_0000;
        Assert.Equal("OK", stub.Exchange($"M{spin:x},4:feffffea"));
        Assert.Equal("OK", stub.Exchange($"Pf={Le(spin)}"));
    }

    [Fact(Timeout = Timeout)]
    public async Task CtrlC_InterruptsARunningTarget()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        SpinForever(stub);
        stub.SendPacket("c");
        Assert.Equal('+', stub.ReadByte());
        // Interrupted once it has run past a few slices (what happened, however fast the host).
        WaitUntilRunning(stub, 20_000);
        stub.SendRaw([0x03]);
        Assert.Equal("T02thread:1;", stub.ReadPacket());
        Assert.Equal(0x0010_0000u, stub.Machine.Cpu.Pc);
        long cycles = stub.Machine.Scheduler.Cycles;
        Assert.True(cycles > 20_000);
        Assert.Equal("T02thread:1;", stub.Exchange("?"));
        Assert.Equal(cycles, stub.Machine.Scheduler.Cycles);
    }

    [Fact(Timeout = Timeout)]
    public async Task HostCtrlC_WhileRunning_TellsTheClientAndStops()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        SpinForever(stub);
        stub.SendPacket("c");
        Assert.Equal('+', stub.ReadByte());
        WaitUntilRunning(stub, 20_000);
        stub.CancelHost();
        Assert.Equal("X02", stub.ReadPacket());
        Assert.Equal(StopReason.Stopped, stub.Result().Reason);
        Assert.True(stub.WaitClosed());
    }

    [Fact(Timeout = Timeout)]
    public async Task ClientDisconnectingMidRun_StopsTheRun()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        SpinForever(stub);
        stub.SendPacket("c");
        Assert.Equal('+', stub.ReadByte());
        stub.Client.Close();
        Assert.Equal(StopReason.Stopped, stub.Result().Reason);
    }

    [Fact(Timeout = Timeout)]
    public async Task ClientDisconnectingMidRun_WithKeepRunning_RunsToTheEnd()
    {
        await Task.Yield();
        using var stub = new InProcessStub(keepRunning: true);
        uint add = stub.Machine.Symbol("add");
        Assert.Equal("OK", stub.Exchange($"Z0,{add:x},4"));
        Assert.Equal("T05thread:1;", stub.Exchange("c"));
        stub.Client.Close();
        var r = stub.Result();
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(0, r.ExitCode);
    }

    [Fact(Timeout = Timeout)]
    public async Task Kill_StopsAndDetach_RunsOn()
    {
        await Task.Yield();
        using (var stub = new InProcessStub())
        {
            stub.SendPacket("k");
            Assert.Equal('+', stub.ReadByte());
            Assert.True(stub.WaitClosed());
            Assert.Equal(StopReason.Stopped, stub.Result().Reason);
            Assert.Equal(0, stub.Machine.Cpu.Instructions);
        }
        using (var stub = new InProcessStub())
        {
            Assert.Equal("OK", stub.Exchange($"Z0,{stub.Machine.Symbol("add"):x},4"));
            Assert.Equal("OK", stub.Exchange("D"));
            var r = stub.Result();
            Assert.Equal(StopReason.Exit, r.Reason);
            Assert.Equal(0, r.ExitCode);
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task NoAckMode()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        Assert.Equal("OK", stub.Exchange("QStartNoAckMode"));
        stub.SendPacket("?");
        Assert.Equal('$', stub.PeekByte());   // no '+' any more
        Assert.Equal("S05", stub.ReadPacket(ack: false));
        stub.SendRaw("$?#00");                // nor a '-': the bad packet is dropped
        stub.SendPacket("qAttached");
        Assert.Equal('$', stub.PeekByte());
        Assert.Equal("0", stub.ReadPacket(ack: false));
    }

    [Fact(Timeout = Timeout)]
    public async Task MonitorReset_ReturnsToTheEntry()
    {
        await Task.Yield();
        using var stub = new InProcessStub();
        uint entry = stub.Machine.Cpu.Pc;
        // Before the UART is started: peripherals are not reset (a UART disabled with a character
        // still in its FIFO stays busy, and uart_init would wait for it forever).
        for (int i = 0; i < 20; i++) Assert.Equal("T05thread:1;", stub.Exchange("s"));
        Assert.NotEqual(entry, stub.Machine.Cpu.Pc);
        Assert.Equal("OK", stub.Exchange($"Z0,{stub.Machine.Symbol("add"):x},4"));
        long cycles = stub.Machine.Scheduler.Cycles;
        var text = Encoding.ASCII.GetString(Convert.FromHexString(stub.Exchange("qRcmd," + Convert.ToHexString("reset"u8))));
        Assert.StartsWith("reset:", text);
        Assert.Equal(entry, stub.Machine.Cpu.Pc);
        Assert.Equal(cycles, stub.Machine.Scheduler.Cycles);
        var unknown = Encoding.ASCII.GetString(Convert.FromHexString(stub.Exchange("qRcmd," + Convert.ToHexString("frobnicate"u8))));
        Assert.Contains("unknown monitor command", unknown);
        Assert.Equal("T05thread:1;", stub.Exchange("c"));
        Assert.Equal(stub.Machine.Symbol("add"), stub.Machine.Cpu.Pc);
    }

    [Fact(Timeout = Timeout)]
    public async Task CycleLimit_StopsWithSigxcpu()
    {
        await Task.Yield();
        using var stub = new InProcessStub(maxCycles: 5_000);
        Assert.Equal("T18thread:1;", stub.Exchange("c"));
        Assert.True(stub.Machine.Scheduler.Cycles >= 5_000);
        Assert.Equal("T18thread:1;", stub.Exchange("c"));
        stub.SendPacket("k");
        Assert.Equal(StopReason.CycleLimit, stub.Result().Reason);
    }
}
