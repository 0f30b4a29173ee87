using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Signals;

namespace SocSim.Arm9;

/// <summary>
/// The ARM926EJ-S's traced signals in scope <c>cpu</c>: its AHB transfers as the bus sees them (HADDR, HWRITE,
/// HSIZE, <c>data</c> for HRDATA/HWDATA, <c>fetch</c> for an instruction fetch: the core's accesses after its
/// MMU, at physical addresses), the nIRQ/nFIQ inputs (DDI 0198E 9.1, the pin's level: low = asserted), and after
/// each instruction <c>pc</c> (the virtual address of the next instruction), r0-r14 of the current mode, cpsr and
/// mode. Cache line fills and TLB walks appear as the AHB transfers they make, and as the memory system's own
/// levels, each high over the core cycles it spans (edges at core cycles; a level that ends where the next one
/// starts stays high):
/// <list type="bullet">
/// <item><c>icache_fill</c>, <c>dcache_fill</c>: a line fill's WRAP8 burst, from its first HCLK edge to the
/// arrival of its last word (the core resumes at the critical word's, inside it).</item>
/// <item><c>dcache_wb</c>: a dirty line's write-back (its dirty halves' bursts) on the AHB, after the fill that
/// evicted it or for a clean operation.</item>
/// <item><c>tlb_walk</c>: a main-TLB miss's page-table walk, from the miss to the last descriptor's arrival
/// (including its wait for the write buffer to drain).</item>
/// <item><c>wb_full</c>: the core stalled on a buffered write because the write buffer is full (4 addresses or
/// 16 words), until its oldest entry has drained.</item>
/// </list>
/// The core reports them only while one of them is traced (one null test on each of those slow paths otherwise).
/// </summary>
internal sealed class Arm926CpuSignals : ICoreSignals
{
    private readonly Arm926Cpu _cpu;
    private readonly Scheduler _s;
    private readonly AhbBusSignals _bus;
    private readonly Signal _nirq, _nfiq, _pc, _cpsr, _mode;
    private readonly Signal _iFill, _dFill, _dWb, _tlbWalk, _wbFull;
    private readonly Signal[] _r = new Signal[15];

    public Arm926CpuSignals(Arm926Cpu cpu, SignalRegistry r)
    {
        _cpu = cpu;
        _s = cpu.Scheduler;
        const string c = "cpu";
        _bus = new AhbBusSignals(r, c);
        _nirq = r.Declare(c, "nIRQ", 1, initial: cpu.IrqAsserted ? 0UL : 1UL);
        _nfiq = r.Declare(c, "nFIQ", 1, initial: cpu.FiqAsserted ? 0UL : 1UL);
        _pc = r.Declare(c, "pc", 32, SignalKind.Reg, cpu.Pc);
        for (int i = 0; i < 15; i++) _r[i] = r.Declare(c, "r" + i, 32, SignalKind.Reg, cpu.GetRegister(i));
        _cpsr = r.Declare(c, "cpsr", 32, SignalKind.Reg, cpu.Cpsr);
        _mode = r.Declare(c, "mode", 5, SignalKind.Reg, cpu.Cpsr & 0x1F);
        _iFill = r.Declare(c, "icache_fill", 1);
        _dFill = r.Declare(c, "dcache_fill", 1);
        _dWb = r.Declare(c, "dcache_wb", 1);
        _tlbWalk = r.Declare(c, "tlb_walk", 1);
        _wbFull = r.Declare(c, "wb_full", 1);
    }

    /// <summary>Drives <paramref name="level"/> high over core cycles [<paramref name="from"/>, <paramref name="to"/>).</summary>
    private void Span(Signal level, long from, long to)
    {
        if (to <= from) return;
        level.Set(_s.TimeOfCycle(from), true);
        level.Set(_s.TimeOfCycle(to), false);
    }

    internal void LineFill(bool data, long from, long to) => Span(data ? _dFill : _iFill, from, to);
    internal void WriteBack(long from, long to) => Span(_dWb, from, to);
    internal void TlbWalk(long from, long to) => Span(_tlbWalk, from, to);
    internal void WriteBufferFull(long from, long to) => Span(_wbFull, from, to);

    public Signal? Input(string name) => name switch { "nIRQ" => _nirq, "nFIQ" => _nfiq, _ => null };

    public (bool Bus, bool Hook) Attach(long now)
    {
        AfterInstruction(now);
        bool bus = _bus.Enabled;
        bool hook = _r.Append(_pc).Append(_cpsr).Append(_mode).Any(x => x.Enabled);
        _cpu.MemoryTrace = new[] { _iFill, _dFill, _dWb, _tlbWalk, _wbFull }.Any(x => x.Enabled) ? this : null;
        return (bus, hook);
    }

    public void OnBusCycle(in BusCycle c) => _bus.OnBusCycle(c, _s);

    public void BeforeInstruction(long now, uint pc, uint opcode) => _pc.Set(now, pc);

    public void AfterInstruction(long now)
    {
        for (int i = 0; i < 15; i++) _r[i].Set(now, _cpu.GetRegister(i));
        _pc.Set(now, _cpu.Pc);
        _cpsr.Set(now, _cpu.Cpsr);
        _mode.Set(now, _cpu.Cpsr & 0x1F);
    }
}
