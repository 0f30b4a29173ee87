using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Signals;

namespace SocSim.Arm9;

/// <summary>
/// The ARM926EJ-S's traced signals in scope <c>cpu</c>: its AHB transfers as the bus sees them (HADDR, HWRITE,
/// HSIZE, <c>data</c> for HRDATA/HWDATA, <c>fetch</c> for an instruction fetch: the core's accesses after its
/// MMU, at physical addresses), the nIRQ/nFIQ inputs (DDI 0198E 9.1, the pin's level: low = asserted), and after
/// each instruction <c>pc</c> (the virtual address of the next instruction), r0-r14 of the current mode, cpsr and
/// mode. Cache line fills and TLB walks appear as the AHB transfers they make.
/// </summary>
internal sealed class Arm926CpuSignals : ICoreSignals
{
    private readonly Arm926Cpu _cpu;
    private readonly Scheduler _s;
    private readonly AhbBusSignals _bus;
    private readonly Signal _nirq, _nfiq, _pc, _cpsr, _mode;
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
    }

    public Signal? Input(string name) => name switch { "nIRQ" => _nirq, "nFIQ" => _nfiq, _ => null };

    public (bool Bus, bool Hook) Attach(long now)
    {
        AfterInstruction(now);
        bool bus = _bus.Enabled;
        bool hook = _r.Append(_pc).Append(_cpsr).Append(_mode).Any(x => x.Enabled);
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
