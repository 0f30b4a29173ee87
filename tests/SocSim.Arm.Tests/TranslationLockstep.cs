using SocSim.Core;

namespace SocSim.Arm.Tests;

/// <summary>
/// Differential rig: two identical bare cores on RAM (64 KiB at 0, wait states as given, plus an
/// optional second region), one interpreting and one translating. The translating core runs; after
/// every translated block the interpreting one runs to the same cycle, and the whole core state
/// (every bank, SPSRs, CPSR, pipeline words, cycles, instructions) and RAM must be identical. Both
/// cores get the same scheduler events (a periodic event with its own seeded random stream that
/// raises and drops nIRQ/nFIQ), so interrupts arrive at the same cycles.
/// </summary>
internal sealed class TranslationLockstep : IDisposable
{
    public sealed class Side : IDisposable
    {
        public readonly Scheduler Scheduler = Scheduler.CycleBased();
        public readonly Bus Bus;
        public readonly MemoryRegion Ram;
        public readonly MemoryRegion? Ram2;
        public readonly ArmCpu Cpu;
        private readonly Random _events;
        private readonly Event? _tick;
        private readonly int _maxPeriod;
        public int IrqChanges;

        public Side(WaitStates waits, int eventSeed, int maxPeriod, bool interrupts, (uint Base, int Width, WaitStates Waits)? second, bool device = false, bool vector = false)
        {
            Bus = new Bus(Scheduler);
            if (device) Bus.AddDevice("irqdev", DeviceBase, 0x100, new IrqDevice(this), new WaitStates(1, 1, 1, 1));
            if (vector) Bus.AddDevice("vectors", VectorBase, 0x1000, new VectorDevice(this), new WaitStates(1, 1, 1, 1));
            Ram = new MemoryRegion("ram", 0, 0x1_0000, RegionKind.Ram, 32, waits);
            Bus.AddRegion(Ram);
            if (second is { } s2)
            {
                Ram2 = new MemoryRegion("ram2", s2.Base, 0x1_0000, RegionKind.Ram, s2.Width, s2.Waits);
                Bus.AddRegion(Ram2);
            }
            Cpu = new ArmCpu(Bus);
            _events = new Random(eventSeed);
            _maxPeriod = maxPeriod;
            if (maxPeriod > 0)
            {
                _tick = new Event("tick", EventPriority.Peripheral, t =>
                {
                    if (interrupts)
                    {
                        int r = _events.Next(8);
                        if (r == 0) { Cpu.SetIrq(!Cpu.IrqAsserted); IrqChanges++; }
                        else if (r == 1) Cpu.SetFiq(!Cpu.FiqAsserted);
                    }
                    Scheduler.Schedule(_tick!, t + 1 + _events.Next(_maxPeriod));
                });
                Scheduler.Schedule(_tick, Scheduler.Cycles + 1 + _events.Next(maxPeriod));
            }
        }

        public void Dispose()
        {
            Cpu.Dispose();
            Bus.Dispose();
            Ram.Dispose();
            Ram2?.Dispose();
        }
    }

    /// <summary>
    /// Base of the optional device: a read returns how many accesses it had (times a constant, so every
    /// byte varies); a write drives nIRQ with bit 0, except at offset 0x40, which schedules an event
    /// (value &amp; 0x3F) + 1 cycles later that drives nIRQ with bit 6; any access at offsets 0x80-0xFF aborts.
    /// </summary>
    public const uint DeviceBase = 0x2_0000;

    /// <summary>
    /// The start registers of the rigs that need nothing else: each mode's own stack, the SPSRs 0x1F, r0 a
    /// RAM buffer (0x4000), r1 the IRQ device (<see cref="DeviceBase"/>), the others r x 0x01010101.
    /// </summary>
    public static uint StandardRegs(CpuMode m, int r) => r switch
    {
        13 => 0x8000u + (uint)m * 0x100,
        15 => 0x1Fu,
        0 => 0x4000,
        1 => DeviceBase,
        _ => (uint)r * 0x01010101u,
    };

    private sealed class IrqDevice(Side side) : IBusDevice
    {
        private uint _accesses;

        public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
        {
            if ((address & 0x80) != 0) { abort = true; return 0; }
            return ++_accesses * 0x9E37_79B9u;
        }

        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
        {
            _accesses++;
            if ((address & 0x80) != 0) { abort = true; return; }
            if ((address & 0xFF) == 0x40)
            {
                bool level = (value & 0x40) != 0;
                side.Scheduler.Schedule(new Event("device", EventPriority.Peripheral, _ => side.Cpu.SetIrq(level)), side.Scheduler.Cycles + (value & 0x3F) + 1);
            }
            else side.Cpu.SetIrq((value & 1) != 0);
        }
    }

    /// <summary>
    /// Base of the optional vector device, where a PL190's VICVectAddr is (so the vector <c>LDR PC, [PC,
    /// #-0xFF0]</c> at 0x18 reads offset 0x030): a read of 0x030 returns a handler address, 0x2000 and
    /// 0x2100 in turn, and counts as in service; a read of 0x034 returns how many reads of 0x030 there
    /// were; a write of 0x030 ends the service and drops nIRQ.
    /// </summary>
    public const uint VectorBase = 0xFFFF_F000;

    private sealed class VectorDevice(Side side) : IBusDevice
    {
        private uint _reads;

        public uint Read(uint address, int size, AccessFlags flags, ref bool abort) => (address & 0xFFF) switch
        {
            0x030 => (_reads++ & 1) == 0 ? 0x2000u : 0x2100u,
            0x034 => _reads,
            _ => 0,
        };

        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
        {
            if ((address & 0xFFF) == 0x030) side.Cpu.SetIrq(false);
        }
    }

    public readonly Side Interp, Trans;
    public long Compares;
    public string? Failure;

    public TranslationLockstep(WaitStates? waits = null, int eventSeed = 1, int maxEventPeriod = 0, bool interrupts = false, int threshold = 0,
        (uint Base, int Width, WaitStates Waits)? second = null, bool device = false, bool vector = false)
    {
        var w = waits ?? new WaitStates(2, 0, 1, 0);
        Interp = new Side(w, eventSeed, maxEventPeriod, interrupts, second, device, vector);
        Trans = new Side(w, eventSeed, maxEventPeriod, interrupts, second, device, vector);
        Trans.Cpu.SetEngine(ExecutionEngine.Translate, threshold);
        Trans.Cpu.BlockExited = _ => Check("block exit");
    }

    /// <summary>Schedules the same action <paramref name="cycle"/> cycles from now on both sides (for the interpreting side it gets its own core).</summary>
    public void At(long cycle, Action<ArmCpu> action)
    {
        foreach (var s in new[] { Interp, Trans })
        {
            var cpu = s.Cpu;
            s.Scheduler.Schedule(new Event("at", EventPriority.Peripheral, _ => action(cpu)), s.Scheduler.Cycles + cycle);
        }
    }

    public void Write32(uint addr, params uint[] words)
    {
        foreach (var s in new[] { Interp, Trans })
        {
            uint a = addr;
            foreach (var v in words) { s.Bus.DebugWrite32(a, v); a += 4; }
        }
    }

    public void Write16(uint addr, params ushort[] halfwords)
    {
        foreach (var s in new[] { Interp, Trans })
        {
            uint a = addr;
            foreach (var h in halfwords) { s.Bus.DebugWrite8(a, (byte)h); s.Bus.DebugWrite8(a + 1, (byte)(h >> 8)); a += 2; }
        }
    }

    /// <summary>Same start on both: every mode's registers from <paramref name="regs"/> (SP per mode as given), CPSR, then the pipeline filled at pc.</summary>
    public void Start(uint pc, uint cpsr, Func<CpuMode, int, uint> regs)
    {
        // Drawn once, so both sides start from the same values.
        var table = new Dictionary<(CpuMode, int), uint>();
        foreach (var mode in new[] { CpuMode.Fiq, CpuMode.Irq, CpuMode.Supervisor, CpuMode.Abort, CpuMode.Undefined, CpuMode.System })
            for (int r = 0; r < 16; r++) table[(mode, r)] = regs(mode, r);
        regs = (m, r) => table[(m, r)];
        foreach (var s in new[] { Interp, Trans })
        {
            foreach (var mode in new[] { CpuMode.Fiq, CpuMode.Irq, CpuMode.Supervisor, CpuMode.Abort, CpuMode.Undefined, CpuMode.System })
            {
                s.Cpu.SetCpsr((uint)mode | Psr.I | Psr.F);
                for (int r = 0; r < 15; r++) s.Cpu.SetRegister(r, regs(mode, r));
                if (mode != CpuMode.System) s.Cpu.SetSpsr(mode, regs(mode, 15) & 0xF00000FF | 0x10);
            }
            s.Cpu.SetCpsr(cpsr);
            s.Cpu.SetRegister(15, pc);
        }
    }

    /// <summary>Runs the translating core to <paramref name="cycles"/> with the check at every block exit, then the interpreter to the same point; false on the first difference (see <see cref="Failure"/>).</summary>
    public bool Run(long cycles)
    {
        Trans.Cpu.Run(cycles);
        Check("end");
        return Failure == null;
    }

    private void Check(string where)
    {
        if (Failure != null) return;
        long target = Trans.Scheduler.Cycles;
        // The interpreter stops at the first instruction boundary at or after the translating core's
        // cycle: the same boundary when both executed the same instructions with the same timing.
        Interp.Cpu.Run(target);
        Compares++;
        string? diff = Compare();
        if (diff != null)
            Failure = $"{where} #{Compares}: {diff} (interpreter pc=0x{Interp.Cpu.Pc:X8} cycles={Interp.Scheduler.Cycles} instr={Interp.Cpu.Instructions}; " +
                      $"translator pc=0x{Trans.Cpu.Pc:X8} cycles={Trans.Scheduler.Cycles} instr={Trans.Cpu.Instructions})";
    }

    private static readonly CpuMode[] Modes = [CpuMode.User, CpuMode.Fiq, CpuMode.Irq, CpuMode.Supervisor, CpuMode.Abort, CpuMode.Undefined];

    private unsafe string? Compare()
    {
        ArmCpu a = Interp.Cpu, b = Trans.Cpu;
        if (Interp.Scheduler.Cycles != Trans.Scheduler.Cycles) return $"cycles {Interp.Scheduler.Cycles} != {Trans.Scheduler.Cycles}";
        if (a.Instructions != b.Instructions) return $"instructions {a.Instructions} != {b.Instructions}";
        if (a.Cpsr != b.Cpsr) return $"cpsr {a.Cpsr:X8} != {b.Cpsr:X8}";
        if (a.Pipeline != b.Pipeline) return $"pipeline {a.Pipeline} != {b.Pipeline}";
        if (a.StopRequested != b.StopRequested) return "stop flag";
        foreach (var m in Modes)
        {
            for (int r = 0; r < 16; r++)
                if (a.GetBankedRegister(m, r) != b.GetBankedRegister(m, r))
                    return $"{m} r{r} {a.GetBankedRegister(m, r):X8} != {b.GetBankedRegister(m, r):X8}";
            if (m != CpuMode.User && a.GetSpsr(m) != b.GetSpsr(m)) return $"spsr_{m} {a.GetSpsr(m):X8} != {b.GetSpsr(m):X8}";
        }
        if (!Interp.Ram.AsSpan().SequenceEqual(Trans.Ram.AsSpan()))
        {
            var x = Interp.Ram.AsSpan(); var y = Trans.Ram.AsSpan();
            int i = 0; while (x[i] == y[i]) i++;
            return $"ram differs at 0x{i:X4}: {x[i]:X2} != {y[i]:X2}";
        }
        if (Interp.Ram2 != null && !Interp.Ram2.AsSpan().SequenceEqual(Trans.Ram2!.AsSpan())) return "ram2 differs";
        return null;
    }

    public void Dispose()
    {
        Interp.Dispose();
        Trans.Dispose();
    }
}
