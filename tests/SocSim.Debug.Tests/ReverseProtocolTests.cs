namespace SocSim.Debug.Tests;

/// <summary>The reverse packets (bs, bc) and their qSupported features, packet by packet against the stub in this process.</summary>
public sealed class ReverseProtocolTests
{
    private const int Timeout = Deadline.Ms;

    private static InProcessStub RamStub(long historyBytes = GdbServerOptions.DefaultHistoryBytes) =>
        new(elf: Paths.Elf("rdimon.elf"), board: Paths.RamBoard, historyBytes: historyBytes);

    [Fact(Timeout = Timeout)]
    public async Task StepBack_UndoesSteps_AndStopsAtTheStartOfTheHistory()
    {
        await Task.Yield();
        using var stub = RamStub();
        Assert.Contains(";ReverseStep+;ReverseContinue+", stub.Exchange("qSupported:swbreak+"));
        // Nothing before the first instruction.
        Assert.Equal("T05replaylog:begin;thread:1;", stub.Exchange("bs"));
        string g0 = stub.Exchange("g");
        long c0 = stub.Machine.Scheduler.Cycles;
        var after = new List<(string G, long Cycles)>();
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal("T05thread:1;", stub.Exchange("s"));
            after.Add((stub.Exchange("g"), stub.Machine.Scheduler.Cycles));
        }
        Assert.Equal(5, stub.Machine.Cpu.Instructions);
        for (int i = 3; i >= 0; i--)
        {
            Assert.Equal("T05thread:1;", stub.Exchange("bs"));
            Assert.Equal(after[i].G, stub.Exchange("g"));
            Assert.Equal(after[i].Cycles, stub.Machine.Scheduler.Cycles);
        }
        Assert.Equal("T05thread:1;", stub.Exchange("bs"));
        Assert.Equal(g0, stub.Exchange("g"));
        Assert.Equal(c0, stub.Machine.Scheduler.Cycles);
        Assert.Equal(0, stub.Machine.Cpu.Instructions);
        Assert.Equal("T05replaylog:begin;thread:1;", stub.Exchange("bs"));
    }

    [Fact(Timeout = Timeout)]
    public async Task ContinueBack_FindsTheLastBreakpointHit_OrTheStartOfTheHistory()
    {
        await Task.Yield();
        using var stub = RamStub();
        uint main = stub.Machine.Symbol("main");
        Assert.Equal("OK", stub.Exchange($"Z0,{main:x},4"));
        Assert.Equal("T05thread:1;", stub.Exchange("c"));
        long atMain = stub.Machine.Scheduler.Cycles;
        string gMain = stub.Exchange("g");
        for (int i = 0; i < 20; i++) Assert.Equal("T05thread:1;", stub.Exchange("s"));
        Assert.Equal("T05thread:1;", stub.Exchange("bc"));
        Assert.Equal(atMain, stub.Machine.Scheduler.Cycles);
        Assert.Equal(gMain, stub.Exchange("g"));
        // No hit before the first one: back to the start.
        Assert.Equal("T05replaylog:begin;thread:1;", stub.Exchange("bc"));
        Assert.Equal(0, stub.Machine.Cpu.Instructions);
        // Forward again: the same breakpoint, the same state.
        Assert.Equal("T05thread:1;", stub.Exchange("c"));
        Assert.Equal(atMain, stub.Machine.Scheduler.Cycles);
        Assert.Equal(gMain, stub.Exchange("g"));
    }

    [Fact(Timeout = Timeout)]
    public async Task ChangingTheState_DropsTheHistoryAfterIt()
    {
        await Task.Yield();
        using var stub = RamStub();
        for (int i = 0; i < 3; i++) stub.Exchange("s");
        // r0 := 0x12345678 at instruction 3: going back and forth again keeps the new value.
        Assert.Equal("OK", stub.Exchange("P0=78563412"));
        stub.Exchange("s");
        Assert.Equal("T05thread:1;", stub.Exchange("bs"));
        Assert.Equal(0x12345678u, stub.Machine.Cpu.GetRegister(0));
        // Before the change, the run as it was.
        Assert.Equal("T05thread:1;", stub.Exchange("bs"));
        Assert.Equal(2, stub.Machine.Cpu.Instructions);
    }

    [Fact(Timeout = Timeout)]
    public async Task OverTheBudget_TheOldestCheckpointsGo_AndTheHistoryStartsLater()
    {
        await Task.Yield();
        // One byte: only the newest checkpoint stays.
        using var stub = RamStub(historyBytes: 1);
        for (int i = 0; i < 3; i++) stub.Exchange("s");
        // A change at instruction 3 takes a checkpoint there, and the one at the start goes.
        Assert.Equal("OK", stub.Exchange("P0=00000000"));
        Assert.Contains("history: 1 checkpoints", Monitor(stub, "history"));
        stub.Exchange("s");
        Assert.Equal("T05thread:1;", stub.Exchange("bs"));
        Assert.Equal(3, stub.Machine.Cpu.Instructions);
        Assert.Equal("T05replaylog:begin;thread:1;", stub.Exchange("bs"));
        Assert.Equal(3, stub.Machine.Cpu.Instructions);
        Assert.Equal("T05replaylog:begin;thread:1;", stub.Exchange("bc"));
        Assert.Equal(3, stub.Machine.Cpu.Instructions);
    }

    private static string Monitor(InProcessStub stub, string command)
    {
        var reply = stub.Exchange("qRcmd," + Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(command)).ToLowerInvariant());
        return System.Text.Encoding.UTF8.GetString(Convert.FromHexString(reply));
    }

    [Fact(Timeout = Timeout)]
    public async Task HistoryOff_NoReverseFeatures_AndReversePacketsGetAnError()
    {
        await Task.Yield();
        using var stub = RamStub(historyBytes: 0);
        Assert.DoesNotContain("Reverse", stub.Exchange("qSupported:swbreak+"));
        Assert.Equal("E01", stub.Exchange("bs"));
        Assert.Equal("E01", stub.Exchange("bc"));
        Assert.Equal("S05", stub.Exchange("?"));
    }
}
