using SocSim.Boards.Elf;
using SocSim.Core;
using SocSim.Core.Cores;

namespace SocSim.Trace.Profiling;

/// <summary>
/// Exact per-function cycle and instruction profile, as an <see cref="IExecutionHook"/>.
/// <para>
/// Exclusive cost: every CPU cycle is charged to exactly one name, so the exclusive cycles add up
/// to the cycles of the run. An instruction's cycles (from the end of the previous step to the end
/// of this one) go to the function containing its address (<see cref="CodeMap"/>). An IRQ/FIQ entry,
/// which the core performs in place of an instruction (TRM 2.8), goes to the pseudo-function
/// "[irq]"/"[fiq]". Cycles before the first instruction (the pipeline refill at reset or load) go to
/// "[reset]", and any cycles that pass between steps without an instruction (a debugger refilling
/// the pipeline) to "[other]". An SWI, undefined instruction or abort is part of the instruction
/// that caused it.
/// </para>
/// <para>
/// Inclusive cost comes from a shadow call stack inferred from control flow, since the core has no
/// notion of calls. Before each instruction whose address is not the previous one's successor:
/// (1) if it is the return address of a frame on the stack, that frame and those above it return;
/// (2) else, if LR holds the previous instruction's successor (BL, Thumb BL,
/// <c>mov lr, pc; bx rN</c>), it is a call of the function containing the target; (3) else a jump to a
/// function's first instruction from another function replaces the top frame (a tail call, or an
/// interworking veneer's branch), and a jump at the top of an exception frame calls a handler.
/// An IRQ/FIQ entry pushes an "[irq]"/"[fiq]" frame that returns when the interrupted instruction
/// is about to execute; an SWI, undefined-instruction or abort entry pushes "[swi]", "[undef]",
/// "[pabt]" or "[dabt]" the same way. On a Cortex-M (<see cref="ICoreTraceView"/> names each core's exceptions)
/// an exception entry, whether in a step of its own or inside an SVC, a faulting instruction or a tail-chain, pushes
/// "[SysTick]", "[PendSV]", "[SVCall]", "[irq N]"... returning to the stacked return address, and an EXC_RETURN pops
/// that frame whatever it returns to (a context switch resumes another address); cycles asleep in WFI/WFE go to
/// "[sleep]". A function's inclusive cost counts the cycles while it is
/// on the stack (once, however deep it recurses) or executing.
/// Limits: calls through code that sets LR some other way, returns to an address other than the one
/// the call left in LR (longjmp) and stack switching are seen only approximately; a function that
/// loops back to its own first instruction is not a call. Exclusive figures do not depend on this.
/// </para>
/// </summary>
public sealed partial class Profiler : IExecutionHook
{
    private const uint NoReturn = 0xFFFF_FFFF;

    private struct Frame
    {
        public int Func;
        public int Node;
        public uint Return;
        public bool Exception;
        public uint SavedPrevNext;
        public long EntryCycle;
        public long EntryInstructions;
    }

    private readonly Scheduler _s;
    private readonly ICoreTraceView _view;
    private readonly CodeMap _map;
    private readonly long _startCycle;
    private readonly long _startInstructions;
    private readonly int _reset, _other, _sleep;

    private Frame[] _stack = new Frame[64];
    private int _depth;
    private long[] _exclCycles = new long[64], _exclInstr = new long[64], _inclCycles = new long[64], _inclInstr = new long[64], _calls = new long[64];
    private int[] _active = new int[64];

    // Collapsed stacks: a trie of (parent node, function) with exclusive cycles per node.
    private readonly Dictionary<(int Parent, int Func), int> _nodes = new();
    private readonly List<int> _nodeParent = new(), _nodeFunc = new();
    private readonly List<long> _nodeCycles = new();

    private long _last;
    private long _lastInstructions;
    private uint _prevNext = NoReturn;
    private int _curFunc = -1;
    private UInt128 _excBefore;
    private bool _handlerCalled;
    private long _slept;

    /// <summary>
    /// Profiles <paramref name="cpu"/> from now on. With <paramref name="fromReset"/> the cycles already
    /// elapsed (the refill after a reset or ELF load, cycle 0 being the load) are charged to "[reset]",
    /// so the profile covers the whole run; otherwise it starts at the present cycle. The core must offer the
    /// tools' view (<see cref="ICoreTraceView"/>).
    /// </summary>
    /// <param name="rtos">FreeRTOS's tasks in the firmware: the profile is then per task (<see cref="Profiler"/>'s RTOS part).</param>
    /// <param name="coreType">The core's declaration: its register named <c>psp</c> (M-profile) is where an exception entered from a task stacked its frame (stack left).</param>
    public Profiler(ICore cpu, ElfFile? elf, bool fromReset = true, FreeRtos? rtos = null, CoreType? coreType = null)
    {
        _core = cpu;
        _psp = coreType?.RegisterIndex("psp") ?? -1;
        _s = cpu.Scheduler;
        _view = ViewOf(cpu);
        _map = new CodeMap(elf);
        _reset = _map.Pseudo("[reset]");
        _other = _map.Pseudo("[other]");
        _sleep = _map.Pseudo("[sleep]");
        _excBefore = _view.ExceptionState;
        _slept = _view.SleepCycles;
        _startCycle = fromReset ? 0 : _s.Cycles;
        _last = _startCycle;
        _startInstructions = cpu.Instructions;
        _lastInstructions = cpu.Instructions;
        if (rtos != null) InitRtos(rtos);
    }

    public CodeMap Map => _map;

    internal static ICoreTraceView ViewOf(ICore core) =>
        core as ICoreTraceView ?? throw new ArgumentException($"core {core.GetType().Name} offers no view for the instruction-level tools");

    public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
    {
        long now = _s.Cycles;
        if (now != _last)
        {
            Gap(cpu, now);
            _last = now;
        }
        if (_rtos != null) RtosBefore(cpu, now);
        if (pc != _prevNext && _prevNext != NoReturn) Transfer(cpu, pc);
        _curFunc = _map.At(pc);
        if (_handlerCalled)
        {
            // The handler the vector named: a call from the exception frame.
            _handlerCalled = false;
            if (_map.IsEntry(_curFunc, pc)) Push(_curFunc, NoReturn, false, now, cpu.Instructions);
        }
        _prevNext = pc + (uint)_view.InstructionSize(pc, opcode);
        _excBefore = _view.ExceptionState;
        return false;
    }

    /// <summary>Cycles that passed with no step: asleep (where the core counts it), before the first instruction, or otherwise.</summary>
    private void Gap(ICore cpu, long now)
    {
        long slept = _view.SleepCycles - _slept;
        _slept += slept;
        if (slept > 0) Account(_sleep, Math.Min(slept, now - _last), 0);
        long rest = now - _last - Math.Min(slept, now - _last);
        if (rest > 0) Account(cpu.Instructions == _startInstructions ? _reset : _other, rest, 0);
    }

    public void AfterInstruction(ICore cpu)
    {
        long now = _s.Cycles;
        long instructions = cpu.Instructions;
        bool executed = instructions != _lastInstructions;
        // A core asleep before an exception entry woke it (WFI): those cycles are the sleep's.
        long slept = _view.SleepCycles - _slept;
        if (slept > 0)
        {
            _slept += slept;
            slept = Math.Min(slept, now - _last);
            Account(_sleep, slept, 0);
            _last += slept;
        }
        long delta = now - _last;
        var step = _view.Classify(_excBefore, executed);
        _excBefore = _view.ExceptionState;
        _lastInstructions = instructions;
        if (executed)
        {
            _last = now;
            // No BeforeInstruction seen: the profiler was installed while that instruction was stopped before.
            Account(_curFunc >= 0 ? _curFunc : _other, delta, 1);
            if (step.Returned) ExceptionReturned(instructions);
            if (step.Entered != null)
            {
                if (_rtos != null) EnterIsr(now, instructions);
                Push(_map.Pseudo(step.Entered), step.ReturnAddress, true, now, instructions);
                _prevNext = NoReturn;
                _handlerCalled = step.HandlerCalled;
            }
            _curFunc = -1;
            return;
        }
        if (step.Returned) ExceptionReturned(instructions);
        if (step.Entered == null)
        {
            // A step that neither executed nor entered an exception (a halt, a watchpoint): its cycles stay where they were.
            Account(_curFunc >= 0 ? _curFunc : _other, delta, 0);
            _last = now;
            _curFunc = -1;
            return;
        }
        // An exception entry in place of an instruction (an interrupt): no instruction counted.
        int pseudo = _map.Pseudo(step.Entered);
        if (_rtos != null) EnterIsr(_last, instructions);
        Push(pseudo, step.ReturnAddress, true, _last, instructions);
        Account(pseudo, delta, 0);
        _last = now;
        _curFunc = -1;
        // The vector's first instruction is where the frame starts, not a transfer to analyse.
        _prevNext = NoReturn;
        _handlerCalled = step.HandlerCalled;
    }

    /// <summary>The core returned from the exception of the topmost exception frame (EXC_RETURN): it and the frames above it return.</summary>
    private void ExceptionReturned(long instructions)
    {
        for (int i = _depth - 1; i >= 0; i--)
        {
            if (!_stack[i].Exception) continue;
            uint saved = _stack[i].SavedPrevNext;
            PopTo(i, instructions);
            // Analysed at the next instruction as the interrupted code's own transfer (an interrupt taken just after a branch).
            _prevNext = saved;
            return;
        }
    }

    private void Transfer(ICore cpu, uint pc)
    {
        for (int i = _depth - 1; i >= 0; i--)
        {
            if (_stack[i].Return != pc) continue;
            var f = _stack[i];
            PopTo(i, cpu.Instructions);
            // An interrupt taken just after a branch: the branch's own transfer is analysed now.
            if (f.Exception && f.SavedPrevNext != NoReturn && f.SavedPrevNext != pc)
            {
                _prevNext = f.SavedPrevNext;
                Transfer(cpu, pc);
            }
            return;
        }
        int func = _map.At(pc);
        uint lr = _view.GetRegister(14) & ~1u;
        if (lr == _prevNext)
        {
            // A linked branch is a call even into the middle of a function (libgcc's
            // __aeabi_idivmod calls a label inside __divsi3).
            Push(func, lr, false, _s.Cycles, cpu.Instructions);
            return;
        }
        if (!_map.IsEntry(func, pc)) return;
        if (_depth == 0 || _stack[_depth - 1].Exception)
        {
            Push(func, NoReturn, false, _s.Cycles, cpu.Instructions);
            return;
        }
        ref var top = ref _stack[_depth - 1];
        if (top.Func == func) return;
        uint ret = top.Return;
        PopTo(_depth - 1, cpu.Instructions);
        Push(func, ret, false, _s.Cycles, cpu.Instructions);
    }

    private void Push(int func, uint ret, bool exception, long cycle, long instructions)
    {
        Grow();
        if (_depth == _stack.Length) Array.Resize(ref _stack, _depth * 2);
        int parent = _depth > 0 ? _stack[_depth - 1].Node : -1;
        _stack[_depth++] = new Frame
        {
            Func = func,
            Node = Node(parent, func),
            Return = ret,
            Exception = exception,
            SavedPrevNext = _prevNext,
            EntryCycle = cycle,
            EntryInstructions = instructions,
        };
        _active[func]++;
        _calls[func]++;
    }

    private void PopTo(int index, long instructions)
    {
        long now = _s.Cycles;
        while (_depth > index)
        {
            ref var f = ref _stack[--_depth];
            if (--_active[f.Func] == 0)
            {
                _inclCycles[f.Func] += now - f.EntryCycle;
                _inclInstr[f.Func] += instructions - f.EntryInstructions;
            }
        }
    }

    private void Account(int func, long cycles, long instructions)
    {
        Grow();
        _exclCycles[func] += cycles;
        _exclInstr[func] += instructions;
        // Code running outside any frame of its own (a vector, a fall-through) is inclusive of itself.
        if (_active[func] == 0)
        {
            _inclCycles[func] += cycles;
            _inclInstr[func] += instructions;
        }
        int top = _depth > 0 ? _stack[_depth - 1].Node : -1;
        int node = _depth > 0 && _stack[_depth - 1].Func == func ? top : Node(top, func);
        _nodeCycles[node] += cycles;
    }

    private int Node(int parent, int func)
    {
        if (_nodes.TryGetValue((parent, func), out int n)) return n;
        n = _nodeCycles.Count;
        _nodes[(parent, func)] = n;
        _nodeParent.Add(parent);
        _nodeFunc.Add(func);
        _nodeCycles.Add(0);
        return n;
    }

    private void Grow()
    {
        int n = _map.Count;
        if (n <= _exclCycles.Length) return;
        int size = Math.Max(n, _exclCycles.Length * 2);
        Array.Resize(ref _exclCycles, size);
        Array.Resize(ref _exclInstr, size);
        Array.Resize(ref _inclCycles, size);
        Array.Resize(ref _inclInstr, size);
        Array.Resize(ref _calls, size);
        Array.Resize(ref _active, size);
    }

    /// <summary>
    /// The profile so far. Frames still on the stack count up to now; cycles since the last step
    /// (none after a normal stop) are charged to "[other]" so the total is always exact.
    /// </summary>
    public Profile Snapshot(ICore cpu)
    {
        long now = _s.Cycles;
        if (now != _last)
        {
            Gap(cpu, now);
            _last = now;
        }
        Grow();
        var incl = (long[])_inclCycles.Clone();
        var inclInstr = (long[])_inclInstr.Clone();
        // Frames still on a stack: the running one's up to now, a suspended task's up to its suspension.
        foreach (var (stack, depth, until, untilInstructions) in OpenStacks(now, cpu.Instructions))
        {
            var seen = new HashSet<int>();
            for (int i = 0; i < depth; i++)
            {
                ref var f = ref stack[i];
                if (!seen.Add(f.Func)) continue;
                incl[f.Func] += until - f.EntryCycle;
                inclInstr[f.Func] += untilInstructions - f.EntryInstructions;
            }
        }
        var functions = new List<FunctionProfile>();
        for (int id = 0; id < _map.Count; id++)
        {
            if (_exclCycles[id] == 0 && incl[id] == 0 && _calls[id] == 0) continue;
            uint e = _map.Entry(id);
            functions.Add(new FunctionProfile(_map.Name(id), e == CodeMap.NoEntry ? null : e, _calls[id],
                _exclCycles[id], incl[id], _exclInstr[id], inclInstr[id]));
        }
        var stacks = new List<StackSample>();
        for (int n = 0; n < _nodeCycles.Count; n++)
        {
            if (_nodeCycles[n] == 0) continue;
            var names = new List<string>();
            for (int k = n; k >= 0; k = _nodeParent[k]) names.Add(_map.Name(_nodeFunc[k]));
            names.Reverse();
            stacks.Add(new StackSample(names, _nodeCycles[n]));
        }
        return new Profile(functions, stacks, now - _startCycle, cpu.Instructions - _startInstructions, Tasks(now));
    }
}
