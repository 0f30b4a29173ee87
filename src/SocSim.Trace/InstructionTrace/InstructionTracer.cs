using System.Globalization;
using System.Text;
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
/// Other cores print the same columns through their <see cref="ICoreTraceView"/>: on a Cortex-M MODE is thr
/// (privileged Thread), usr (unprivileged Thread) or hnd (Handler), S is always T, OPCODE is 4 hex digits or 8
/// (a 32-bit instruction, first halfword first, as objdump prints it), the status register is "xpsr", an instruction
/// skipped in an IT block shows "(condition failed)", and an exception entry in a step of its own gets a line
/// "&lt;exception N entry, return to ADDRESS&gt;". The ARM926EJ-S prints as the ARM7TDMI.
/// The data accesses come from a bus observer, which also turns off the fetch fast path.
/// </summary>
public sealed class InstructionTracer : IExecutionHook, IBusObserver, IDisposable
{
    private readonly TextWriter _out;
    private readonly bool _ownsWriter;
    private readonly uint[] _regs = new uint[15];
    private readonly ICoreTraceView? _view;
    private readonly StringBuilder _line = new();
    private readonly StringBuilder _mem = new();
    private long _startCycle;
    private long _lastInstructions;
    private uint _pc, _opcode, _cpsr;
    private UInt128 _excState;
    private bool _thumb, _condFailed, _pending, _wide;
    private string _mode = "";
    private string _text = "";

    /// <param name="cpu">The core about to be traced: its registers and cycle now are the starting point
    /// (needed for the first line when tracing starts at a stop, e.g. after a run-until).</param>
    public InstructionTracer(TextWriter output, ICore? cpu = null, bool ownsWriter = false)
    {
        _out = output;
        _ownsWriter = ownsWriter;
        _lastInstructions = -1;
        if (cpu != null)
        {
            _view = Profiling.Profiler.ViewOf(cpu);
            Capture(cpu, _view);
            _lastInstructions = cpu.Instructions;
        }
    }

    /// <summary>Lines written.</summary>
    public long Lines { get; private set; }

    public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
    {
        var view = _view ?? Profiling.Profiler.ViewOf(cpu);
        Capture(cpu, view);
        _pc = pc;
        _opcode = opcode;
        _thumb = view.Thumb;
        _wide = view.InstructionSize(pc, opcode) == 4;
        _condFailed = !view.ConditionPasses(pc, opcode);
        _text = view.Disassemble(pc, opcode).Replace('\t', ' ');
        _pending = true;
        _mem.Clear();
        return false;
    }

    private void Capture(ICore cpu, ICoreTraceView view)
    {
        for (int i = 0; i < 15; i++) _regs[i] = view.GetRegister(i);
        _cpsr = view.Status;
        _mode = view.ModeName;
        _excState = view.ExceptionState;
        _startCycle = cpu.Scheduler.Cycles;
    }

    public void AfterInstruction(ICore cpu)
    {
        var view = _view ?? Profiling.Profiler.ViewOf(cpu);
        long cycles = cpu.Scheduler.Cycles - _startCycle;
        _line.Clear();
        var ci = CultureInfo.InvariantCulture;
        bool executed = cpu.Instructions != _lastInstructions;
        _lastInstructions = cpu.Instructions;
        var step = view.Classify(_excState, executed);
        if (_pending && executed)
        {
            _line.Append(ci, $"{_startCycle,10} +{cycles,-2} {_mode}:{(_thumb ? 'T' : 'A')} {_pc:x8} ");
            _line.Append(!_thumb || _wide ? $"{_opcode:x8} " : $"    {_opcode:x4} ");
            _line.Append(_text.PadRight(32));
            if (_condFailed) _line.Append(" (condition failed)");
            else
            {
                AppendChanges(cpu, view, _pc + (_wide ? 4u : _thumb ? 2u : 4u));
                if (_mem.Length > 0) _line.Append(_mem);
            }
        }
        else if (executed)
        {
            // The tracer was installed while the core was stopped before this instruction.
            _line.Append(ci, $"{_startCycle,10} +{cycles,-2} {view.ModeName}:{(view.Thumb ? 'T' : 'A')} -------- -------- <instruction begun before the trace>");
        }
        else if (step.Entered != null)
        {
            // An exception entry in place of an instruction (an IRQ/FIQ on ARM cores, any interrupt on a Cortex-M).
            _line.Append(ci, $"{_startCycle,10} +{cycles,-2} {view.ModeName}:{(view.Thumb ? 'T' : 'A')} -------- -------- ");
            _line.Append($"<{step.Label} entry, return to {step.ReturnAddress:x8}>".PadRight(32));
            AppendChanges(cpu, view, uint.MaxValue);
        }
        if (_line.Length > 0)
        {
            _out.WriteLine(_line.ToString().TrimEnd());
            Lines++;
        }
        _pending = false;
        _mem.Clear();
        Capture(cpu, view);
    }

    private void AppendChanges(ICore cpu, ICoreTraceView view, uint sequentialNext)
    {
        for (int i = 0; i < 15; i++)
        {
            uint v = view.GetRegister(i);
            if (v != _regs[i]) _line.Append(' ').Append(RegisterNames[i]).Append('=').Append(v.ToString("x8", CultureInfo.InvariantCulture));
        }
        if (cpu.Pc != sequentialNext) _line.Append(" pc=").Append(cpu.Pc.ToString("x8", CultureInfo.InvariantCulture));
        if (view.Status != _cpsr) _line.Append(' ').Append(view.StatusName).Append('=').Append(view.Status.ToString("x8", CultureInfo.InvariantCulture));
    }

    // objdump's names, as the disassembly prints them.
    private static readonly string[] RegisterNames = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "sl", "fp", "ip", "sp", "lr"];

    public void OnBusCycle(in BusCycle c)
    {
        if (!_pending || c.IsOpcodeFetch || (c.Kind != CycleKind.N && c.Kind != CycleKind.S)) return;
        _mem.Append(' ').Append(c.IsWrite ? 'W' : 'R').Append((char)('0' + c.Size)).Append(' ')
            .Append(c.Address.ToString("x8", CultureInfo.InvariantCulture)).Append('=')
            .Append(c.Data.ToString(c.Size == 1 ? "x2" : c.Size == 2 ? "x4" : "x8", CultureInfo.InvariantCulture));
        if (c.Abort) _mem.Append("!abort");
    }


    public void Dispose()
    {
        _out.Flush();
        if (_ownsWriter) _out.Dispose();
    }
}
