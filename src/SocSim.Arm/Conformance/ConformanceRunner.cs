using SocSim.Core;

namespace SocSim.Arm.Conformance;

public sealed record ConformanceResult(ConformanceTest Test, bool Passed, IReadOnlyList<string> Differences);

/// <summary>
/// Runs single-instruction tests on a real <see cref="ArmCpu"/> over a bus whose every address is
/// served by the test's memory model (README "How a test runs"), recording the bus transactions.
/// One CPU and bus are reused for all tests.
/// </summary>
public sealed class ConformanceRunner : IDisposable
{
    private readonly Scheduler _s = Scheduler.CycleBased();
    private readonly Bus _bus;
    private readonly ArmCpu _cpu;
    private readonly TestMemory _mem = new();
    private readonly Recorder _rec = new();

    public ConformanceRunner()
    {
        _bus = new Bus(_s) { DefaultDevice = _mem, UnmappedAborts = false };
        _cpu = new ArmCpu(_bus);
        _bus.Subscribe(_rec);
    }

    public ConformanceResult Run(ConformanceTest t)
    {
        _mem.Test = t;
        _rec.Transactions.Clear();
        var i = t.Initial;
        _cpu.LoadState(i.AsSpan(0, 16), i.AsSpan(16, 7), i.AsSpan(23, 2), i.AsSpan(25, 2), i.AsSpan(27, 2), i.AsSpan(29, 2),
            i[31], i.AsSpan(32, 5), i[37], i[38], nextFetchSequential: false);
        _bus.Aborted = false;
        _cpu.Step();

        var diffs = new List<string>();
        var actual = SaveState(_cpu);
        for (int k = 0; k < ConformanceTest.StateWords; k++)
            if (actual[k] != t.Final[k])
                diffs.Add($"{StateName(k)}: expected {t.Final[k]:x8}, got {actual[k]:x8}");
        var got = _rec.Transactions;
        int n = Math.Max(got.Count, t.Transactions.Length);
        for (int k = 0; k < n; k++)
        {
            var e = k < t.Transactions.Length ? t.Transactions[k] : (Transaction?)null;
            var a = k < got.Count ? got[k] : (Transaction?)null;
            if (e != a)
                diffs.Add($"transaction {k}: expected {(e?.ToString() ?? "none")}, got {(a?.ToString() ?? "none")}");
        }
        return new ConformanceResult(t, diffs.Count == 0, diffs);
    }

    /// <summary>The 39-word state layout of the test data, read back from the core.</summary>
    public static uint[] SaveState(ArmCpu cpu)
    {
        var s = new uint[ConformanceTest.StateWords];
        for (int k = 0; k < 15; k++) s[k] = cpu.GetBankedRegister(CpuMode.User, k);
        s[15] = cpu.GetRegister(15);
        for (int k = 0; k < 7; k++) s[16 + k] = cpu.GetBankedRegister(CpuMode.Fiq, 8 + k);
        CpuMode[] modes = { CpuMode.Supervisor, CpuMode.Abort, CpuMode.Irq, CpuMode.Undefined };
        for (int m = 0; m < 4; m++)
        {
            s[23 + 2 * m] = cpu.GetBankedRegister(modes[m], 13);
            s[24 + 2 * m] = cpu.GetBankedRegister(modes[m], 14);
        }
        s[31] = cpu.Cpsr;
        s[32] = cpu.GetSpsr(CpuMode.Fiq);
        for (int m = 0; m < 4; m++) s[33 + m] = cpu.GetSpsr(modes[m]);
        (s[37], s[38]) = cpu.Pipeline;
        return s;
    }

    public static string StateName(int k) => k switch
    {
        < 16 => $"r{k}",
        < 23 => $"r{k - 8}_fiq",
        23 => "r13_svc", 24 => "r14_svc", 25 => "r13_abt", 26 => "r14_abt",
        27 => "r13_irq", 28 => "r14_irq", 29 => "r13_und", 30 => "r14_und",
        31 => "cpsr", 32 => "spsr_fiq", 33 => "spsr_svc", 34 => "spsr_abt", 35 => "spsr_irq", 36 => "spsr_und",
        37 => "pipeline[0]", _ => "pipeline[1]",
    };

    public void Dispose()
    {
        _cpu.Dispose();
        _bus.Dispose();
    }

    private sealed class TestMemory : IBusDevice
    {
        public ConformanceTest? Test;

        public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
        {
            var t = Test;
            if (t == null) return 0;
            uint kind = (flags & AccessFlags.Code) != 0 ? Transaction.KindFetch : Transaction.KindRead;
            // The recorded transactions are what the memory answered; they take precedence.
            foreach (var tx in t.Transactions)
                if (tx.Kind == kind && tx.Address == address && tx.Size == (uint)size)
                    return tx.Data;
            if (kind == Transaction.KindFetch)
            {
                uint off = address - t.BaseAddress;
                return off % 4 == 0 && off / 4 < 4 ? t.Opcodes[off / 4] : t.Opcodes[4];
            }
            return t.Opcodes[4];
        }

        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) { }
    }

    private sealed class Recorder : IBusObserver
    {
        public readonly List<Transaction> Transactions = new();

        public void OnBusCycle(in BusCycle c)
        {
            if (c.Kind is CycleKind.I or CycleKind.C) return;
            uint kind = c.IsOpcodeFetch ? Transaction.KindFetch : c.IsWrite ? Transaction.KindWrite : Transaction.KindRead;
            uint access = (c.Kind == CycleKind.S ? Transaction.AccessSeq : 0) | (c.IsOpcodeFetch ? Transaction.AccessCode : 0) | (c.IsLocked ? Transaction.AccessLock : 0);
            Transactions.Add(new Transaction(kind, c.Size, c.Address, c.Data, access));
        }
    }
}
