using SocSim.Core.Cores;

namespace SocSim.Trace.Profiling;

/// <summary>
/// RTOS awareness (FreeRTOS, <see cref="FreeRtos"/>): the shadow call stack is kept per context, so no stack mixes
/// tasks. The contexts are the start-up code (before the scheduler runs), one per task (its TCB and name, read
/// when the task starts running), and the interrupts. An exception entered from a task or the start-up code
/// suspends that context and runs in the interrupt context, whose stacks start at the exception's frame
/// ("[SysTick];xPortSysTickHandler;..."); when the core is back in Thread mode (ARM: User or System mode) the
/// interrupt context's frames return and the context of the task that <c>pxCurrentTCB</c> names resumes: the
/// interrupted one, or another (a context switch). A task's stacks start at its frame "[task NAME]", whose
/// inclusive cycles are the task's own: the time a context is suspended is left out of its frames' inclusive
/// cycles. Thread code that finds <c>pxCurrentTCB</c> changed without an exception (the ARM7 port starting its
/// first task from Supervisor mode) switches too.
/// </summary>
public sealed partial class Profiler
{
    private sealed class Context(string name, uint tcb, bool isTask)
    {
        public string Name { get; } = name;
        public uint Tcb { get; } = tcb;
        public bool IsTask { get; } = isTask;
        public Frame[] Stack = new Frame[16];
        public int Depth;
        public int[] Active = [];
        public uint PrevNext = NoReturn;
        public bool Fresh = isTask;
        public long SuspendedAt, SuspendedInstructions, ResumedAt;
        public long RunCycles, IsrCycles, SwitchesIn, SwitchCycles;
        public uint MinSp = uint.MaxValue;
        public uint StackBase;
    }

    private FreeRtos? _rtos;
    private Context _ctx = null!, _isr = null!, _interrupted = null!, _startup = null!;
    private readonly Dictionary<(uint Tcb, string Name), Context> _tasks = new();
    private long _isrEntry;
    private readonly ICore _core;
    // The index of the M-profile's process stack pointer among the core's registers (-1: an ARM core).
    private readonly int _psp;

    private void InitRtos(FreeRtos rtos)
    {
        _rtos = rtos;
        _ctx = _startup = new Context("[startup]", 0, false) { ResumedAt = _last };
        _isr = new Context("[interrupts]", 0, false);
        _interrupted = _ctx;
    }

    private void RtosBefore(ICore cpu, long now)
    {
        if (_ctx == _isr)
        {
            if (_view.InException) return;
            LeaveIsr(now, cpu.Instructions);
        }
        else if (!_view.InException)
        {
            uint tcb = _rtos!.SchedulerRunning ? _rtos.CurrentTcb : 0;
            if (tcb != _ctx.Tcb && TaskContext() is { } task && task != _ctx)
            {
                task.SwitchesIn++;
                SwapTo(task, now, cpu.Instructions);
            }
        }
        if (_ctx.IsTask)
        {
            uint sp = _view.GetRegister(13);
            if (sp < _ctx.MinSp) _ctx.MinSp = sp;
        }
    }

    /// <summary>An exception was entered at <paramref name="cycle"/>: from a task or the start-up code, the interrupt context takes over.</summary>
    private void EnterIsr(long cycle, long instructions)
    {
        if (_ctx == _isr) return;
        if (_ctx.IsTask && _psp >= 0)
        {
            // M-profile: the entry stacked the frame (8 words, 26 with the FP state, aligned) on the task's stack,
            // the PSP when EXC_RETURN (now in LR) says the interrupted code ran on it (bit 2).
            uint excReturn = _view.GetRegister(14);
            if ((excReturn & 0xFF00_0000) == 0xFF00_0000 && (excReturn & 4) != 0)
            {
                uint psp = _core.ReadRegister(_psp);
                if (psp < _ctx.MinSp) _ctx.MinSp = psp;
            }
        }
        _interrupted = _ctx;
        _isrEntry = cycle;
        SwapTo(_isr, cycle, instructions);
    }

    /// <summary>The core is back in Thread mode: the interrupts' frames return, and the task pxCurrentTCB names resumes.</summary>
    private void LeaveIsr(long now, long instructions)
    {
        PopTo(0, instructions);
        var target = TaskContext() ?? _interrupted;
        _interrupted.IsrCycles += now - _isrEntry;
        if (_interrupted.IsTask)
        {
            // The context the interrupt saved lies below pxTopOfStack: the deepest the stack went at that moment. On a
            // switch on either core; on the ARM7 also without one, as the port's IRQ wrappers (portSAVE_CONTEXT) save
            // the whole context on the task's stack on every interrupt. Without a save the value is the one of the
            // last save, already counted.
            uint top = _rtos!.TopOfStack(_interrupted.Tcb);
            if (top < _interrupted.MinSp) _interrupted.MinSp = top;
        }
        if (target != _interrupted)
        {
            target.SwitchesIn++;
            target.SwitchCycles += now - _isrEntry;
        }
        SwapTo(target, now, instructions);
    }

    /// <summary>The context of the task pxCurrentTCB names, created when first seen (null before the scheduler runs).</summary>
    private Context? TaskContext()
    {
        var rtos = _rtos!;
        if (!rtos.SchedulerRunning) return null;
        uint tcb = rtos.CurrentTcb;
        if (tcb == 0) return null;
        string name = rtos.Name(tcb, out _);
        if (_tasks.TryGetValue((tcb, name), out var c)) return c;
        // Tasks that share a name (the LPC2106 demo's three "LEDx") stay apart: "LEDx", "LEDx#2", "LEDx#3" in the order they first ran.
        int same = _tasks.Keys.Count(k => k.Name == name);
        c = new Context(same == 0 ? name : $"{name}#{same + 1}", tcb, true) { StackBase = rtos.StackBase(tcb) };
        _tasks[(tcb, name)] = c;
        return c;
    }

    private void SwapTo(Context next, long now, long instructions)
    {
        var cur = _ctx;
        cur.Stack = _stack;
        cur.Depth = _depth;
        cur.Active = _active;
        cur.PrevNext = _prevNext;
        cur.SuspendedAt = now;
        cur.SuspendedInstructions = instructions;
        cur.RunCycles += now - cur.ResumedAt;
        _ctx = next;
        _stack = next.Stack;
        _depth = next.Depth;
        _active = next.Active;
        if (_active.Length < _exclCycles.Length) Array.Resize(ref _active, _exclCycles.Length);
        // The suspension is no part of the resumed frames' inclusive time.
        long d = now - next.SuspendedAt, di = instructions - next.SuspendedInstructions;
        for (int i = 0; i < _depth; i++)
        {
            _stack[i].EntryCycle += d;
            _stack[i].EntryInstructions += di;
        }
        _prevNext = next.PrevNext;
        next.ResumedAt = now;
        if (next.Fresh)
        {
            // A task's first run: its root frame, and its function (at its first instruction) is called from it.
            next.Fresh = false;
            Push(_map.Pseudo($"[task {next.Name}]"), NoReturn, false, now, instructions);
            _prevNext = NoReturn;
            _handlerCalled = true;
        }
    }

    /// <summary>Every context's open frames, with the time they count to (now for the running one, the suspension for others).</summary>
    private IEnumerable<(Frame[] Stack, int Depth, long Until, long UntilInstructions)> OpenStacks(long now, long instructions)
    {
        yield return (_stack, _depth, now, instructions);
        if (_rtos == null) yield break;
        foreach (var c in _tasks.Values.Append(_startup).Append(_isr))
            if (c != _ctx) yield return (c.Stack, c.Depth, c.SuspendedAt, c.SuspendedInstructions);
    }

    private List<TaskProfile> Tasks(long now)
    {
        var list = new List<TaskProfile>();
        if (_rtos == null) return list;
        foreach (var c in _tasks.Values)
        {
            long run = c.RunCycles + (c == _ctx ? now - c.ResumedAt : 0);
            // Negative: the stack pointer went below pxStack (an overflow).
            long? free = c.MinSp == uint.MaxValue ? null : (long)c.MinSp - c.StackBase;
            list.Add(new TaskProfile(c.Name, c.Tcb, run, c.IsrCycles, c.SwitchesIn, c.SwitchCycles, free,
                _rtos.UntouchedStackBytes(c.Tcb, c.MinSp == uint.MaxValue ? c.StackBase + 0x10000 : c.MinSp)));
        }
        return list;
    }
}
