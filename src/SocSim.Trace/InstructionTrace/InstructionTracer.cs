using System.Globalization;
using System.Text;
using SocSim.Arm;
using SocSim.Core;
using SocSim.Core.Cores;

namespace SocSim.Trace.InstructionTrace;

/// <summary>
/// Writes one line per executed instruction:
/// <code>
///   CYCLE +N MODE:S PC       OPCODE   DISASSEMBLY                      EFFECTS
///     1234 +3 sys:A 000001a4 e5801000 str r1, [r0]                     W4 101f1000=00000041
///     1240 +1 sys:A 000001a8 15801000 strne r1, [r0]                   (condition failed)
///     1244 +1 sys:T 000001ac     2001 movs r0, #1                      r0=00000001 cpsr=20000030
///     1300 +3 irq:A -------- -------- &lt;IRQ entry, return to 000001b0&gt;  lr=000001b4 cpsr=600000d2
/// </code>
/// CYCLE is the CPU cycle the instruction starts at and +N the cycles it took; MODE the processor mode
/// (usr fiq irq svc abt und sys) and S the state it executed in (A ARM, T Thumb); OPCODE 8 hex digits
/// in ARM state, 4 in Thumb state. EFFECTS lists the registers of the current mode whose value
/// changed (r0-r14, "pc" when the next instruction is not the following one, "cpsr" when the
/// CPSR changed) with their new values, then every data access in bus order: R or W, size in bytes,
/// address=value. A condition-failed instruction shows "(condition failed)" and nothing else.
/// An IRQ/FIQ entry, which replaces an instruction, gets a line of its own.
/// The data accesses come from a bus observer, which also turns off the fetch fast path.
/// </summary>
public sealed class InstructionTracer : IExecutionHook, IBusObserver, IDisposable
{
    private readonly TextWriter _out;
    private readonly bool _ownsWriter;
    private readonly uint[] _regs = new uint[15];
    private readonly StringBuilder _line = new();
    private readonly StringBuilder _mem = new();
    private long _startCycle;
    private long _lastInstructions;
    private uint _pc, _opcode, _cpsr;
    private bool _thumb, _condFailed, _pending;
    private string _text = "";

    /// <param name="cpu">The core about to be traced: its registers and cycle now are the starting point
    /// (needed for the first line when tracing starts at a stop, e.g. after a run-until).</param>
    public InstructionTracer(TextWriter output, ArmCpu? cpu = null, bool ownsWriter = false)
    {
        _out = output;
        _ownsWriter = ownsWriter;
        _lastInstructions = -1;
        if (cpu != null)
        {
            Capture(cpu);
            _lastInstructions = cpu.Instructions;
        }
    }

    /// <summary>Lines written.</summary>
    public long Lines { get; private set; }

    public bool BeforeInstruction(ICore core, uint pc, uint opcode)
    {
        var cpu = (ArmCpu)core;
        Capture(cpu);
        _pc = pc;
        _opcode = opcode;
        _thumb = cpu.Thumb;
        _condFailed = !ConditionPasses(opcode, _thumb, _cpsr);
        _text = (_thumb ? ThumbText(cpu, opcode, pc) : Disassembler.Arm(opcode, pc)).Replace('\t', ' ');
        _pending = true;
        _mem.Clear();
        return false;
    }

    private static bool ConditionPasses(uint opcode, bool thumb, uint cpsr)
    {
        if (!thumb) return (opcode >> 28) == 0xE || ArmCpu.ConditionPassed(opcode >> 28, cpsr);
        // Thumb format 16: conditional branch (condition 1110 is undefined, 1111 is SWI).
        if ((opcode & 0xF000) == 0xD000 && ((opcode >> 8) & 0xF) < 0xE) return ArmCpu.ConditionPassed((opcode >> 8) & 0xF, cpsr);
        return true;
    }

    private static string ThumbText(ArmCpu cpu, uint opcode, uint pc)
    {
        // BL is two instructions; the first half names the target with the second half still in the pipeline.
        if ((opcode & 0xF800) == 0xF000 && (cpu.Pipeline.Fetch & 0xF800) == 0xF800)
            return Disassembler.ThumbBl((ushort)opcode, (ushort)cpu.Pipeline.Fetch, pc);
        if ((opcode & 0xF800) == 0xF800) return "(bl, second half)";
        return Disassembler.Thumb((ushort)opcode, pc);
    }

    private void Capture(ArmCpu cpu)
    {
        for (int i = 0; i < 15; i++) _regs[i] = cpu.GetRegister(i);
        _cpsr = cpu.Cpsr;
        _startCycle = cpu.Scheduler.Cycles;
    }

    public void AfterInstruction(ICore core)
    {
        var cpu = (ArmCpu)core;
        long cycles = cpu.Scheduler.Cycles - _startCycle;
        _line.Clear();
        var ci = CultureInfo.InvariantCulture;
        bool executed = cpu.Instructions != _lastInstructions;
        _lastInstructions = cpu.Instructions;
        if (_pending && executed)
        {
            _line.Append(ci, $"{_startCycle,10} +{cycles,-2} {ModeName(_cpsr)}:{(_thumb ? 'T' : 'A')} {_pc:x8} ");
            _line.Append(_thumb ? $"    {_opcode:x4} " : $"{_opcode:x8} ");
            _line.Append(_text.PadRight(32));
            if (_condFailed) _line.Append(" (condition failed)");
            else
            {
                AppendChanges(cpu, _pc + (_thumb ? 2u : 4u));
                if (_mem.Length > 0) _line.Append(_mem);
            }
        }
        else if (executed)
        {
            // The tracer was installed while the core was stopped before this instruction.
            _line.Append(ci, $"{_startCycle,10} +{cycles,-2} {ModeName(cpu.Cpsr)}:{(cpu.Thumb ? 'T' : 'A')} -------- -------- <instruction begun before the trace>");
        }
        else
        {
            // An IRQ/FIQ entry in place of an instruction (no BeforeInstruction).
            string kind = cpu.Mode == CpuMode.Fiq ? "FIQ" : "IRQ";
            _line.Append(ci, $"{_startCycle,10} +{cycles,-2} {ModeName(cpu.Cpsr)}:A -------- -------- ");
            _line.Append($"<{kind} entry, return to {cpu.GetRegister(14) - 4:x8}>".PadRight(32));
            AppendChanges(cpu, uint.MaxValue);
        }
        _out.WriteLine(_line.ToString().TrimEnd());
        Lines++;
        _pending = false;
        _mem.Clear();
        Capture(cpu);
    }

    private void AppendChanges(ArmCpu cpu, uint sequentialNext)
    {
        for (int i = 0; i < 15; i++)
        {
            uint v = cpu.GetRegister(i);
            if (v != _regs[i]) _line.Append(' ').Append(Disassembler.RegisterName(i)).Append('=').Append(v.ToString("x8", CultureInfo.InvariantCulture));
        }
        if (cpu.Pc != sequentialNext) _line.Append(" pc=").Append(cpu.Pc.ToString("x8", CultureInfo.InvariantCulture));
        if (cpu.Cpsr != _cpsr) _line.Append(" cpsr=").Append(cpu.Cpsr.ToString("x8", CultureInfo.InvariantCulture));
    }

    public void OnBusCycle(in BusCycle c)
    {
        if (!_pending || c.IsOpcodeFetch || (c.Kind != CycleKind.N && c.Kind != CycleKind.S)) return;
        _mem.Append(' ').Append(c.IsWrite ? 'W' : 'R').Append((char)('0' + c.Size)).Append(' ')
            .Append(c.Address.ToString("x8", CultureInfo.InvariantCulture)).Append('=')
            .Append(c.Data.ToString(c.Size == 1 ? "x2" : c.Size == 2 ? "x4" : "x8", CultureInfo.InvariantCulture));
        if (c.Abort) _mem.Append("!abort");
    }

    public static string ModeName(uint cpsr) => (cpsr & Psr.ModeMask) switch
    {
        0x10 => "usr", 0x11 => "fiq", 0x12 => "irq", 0x13 => "svc", 0x17 => "abt", 0x1B => "und", 0x1F => "sys", _ => "???",
    };

    public void Dispose()
    {
        _out.Flush();
        if (_ownsWriter) _out.Dispose();
    }
}
