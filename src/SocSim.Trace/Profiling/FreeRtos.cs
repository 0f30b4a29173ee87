using System.Text;
using SocSim.Boards.Elf;

namespace SocSim.Trace.Profiling;

/// <summary>
/// FreeRTOS's tasks as a kernel-aware debugger finds them: <c>pxCurrentTCB</c> (the running task's TCB) and
/// <c>xSchedulerRunning</c> from the ELF's symbols, and in each TCB (tasks.c, <c>tskTaskControlBlock</c>, the
/// layout of every FreeRTOS since V7 on a 32-bit port without MPU wrappers, SMP or list-integrity bytes):
/// pxTopOfStack at 0, xStateListItem at 4 (20 bytes: xItemValue, pxNext, pxPrevious, pvOwner at +12,
/// pxContainer), xEventListItem at 24, uxPriority at 44, pxStack at 48 and pcTaskName at 52. The layout is
/// checked on every TCB read: xStateListItem.pvOwner (offset 16) points back to the TCB itself, and the name is
/// printable text; a TCB that fails says so instead of naming a task from the wrong bytes.
/// </summary>
public sealed class FreeRtos
{
    public const int TopOfStackOffset = 0, StateListOwnerOffset = 16, PriorityOffset = 44, StackOffset = 48, NameOffset = 52;
    /// <summary>configMAX_TASK_NAME_LEN is at most this here (the demos use 12 and 16); names stop at their NUL.</summary>
    public const int MaxNameLength = 32;
    /// <summary>tskSTACK_FILL_BYTE: a new task's stack is filled with it when the configuration asks (tasks.c).</summary>
    public const uint StackFillWord = 0xA5A5_A5A5;

    private readonly Func<uint, uint> _read32;

    private FreeRtos(uint currentTcb, uint? schedulerRunning, Func<uint, uint> read32)
    {
        CurrentTcbAddress = currentTcb;
        SchedulerRunningAddress = schedulerRunning;
        _read32 = read32;
    }

    /// <summary>Address of <c>pxCurrentTCB</c>.</summary>
    public uint CurrentTcbAddress { get; }
    /// <summary>Address of <c>xSchedulerRunning</c> (a static of tasks.c: in the symbol table unless stripped).</summary>
    public uint? SchedulerRunningAddress { get; }

    /// <summary>FreeRTOS in <paramref name="elf"/>, or null when it has no <c>pxCurrentTCB</c>.</summary>
    public static FreeRtos? Find(ElfFile? elf, Func<uint, uint> read32)
    {
        var tcb = elf?.FindSymbol("pxCurrentTCB");
        if (tcb == null || tcb.Type is not (ElfSymbolType.Object or ElfSymbolType.NoType)) return null;
        return new FreeRtos(tcb.Address, elf!.FindSymbol("xSchedulerRunning")?.Address, read32);
    }

    /// <summary>The running task's TCB (0 before the first task is created).</summary>
    public uint CurrentTcb => _read32(CurrentTcbAddress);

    /// <summary>Whether the scheduler has started (true when the symbol is missing: then any TCB counts).</summary>
    public bool SchedulerRunning => SchedulerRunningAddress is not { } a || _read32(a) != 0;

    public uint TopOfStack(uint tcb) => _read32(tcb + TopOfStackOffset);
    public uint StackBase(uint tcb) => _read32(tcb + StackOffset);

    /// <summary>The task's name, or a one-line reason the bytes at <paramref name="tcb"/> are not a TCB of this layout.</summary>
    public string Name(uint tcb, out bool valid)
    {
        valid = false;
        if (_read32(tcb + StateListOwnerOffset) != tcb) return $"[TCB 0x{tcb:x8}: xStateListItem.pvOwner is not the TCB]";
        var sb = new StringBuilder();
        for (int i = 0; i < MaxNameLength; i += 4)
        {
            uint w = _read32(tcb + NameOffset + (uint)i);
            for (int b = 0; b < 4; b++)
            {
                char c = (char)((w >> (8 * b)) & 0xFF);
                if (c == 0) { valid = sb.Length > 0; return valid ? sb.ToString() : $"[TCB 0x{tcb:x8}: empty name]"; }
                if (c < 0x20 || c > 0x7E) return $"[TCB 0x{tcb:x8}: name is not text]";
                sb.Append(c);
            }
        }
        valid = true;
        return sb.ToString();
    }

    /// <summary>
    /// Bytes at the bottom of the task's stack still holding the fill pattern (what uxTaskGetStackHighWaterMark
    /// counts, in bytes), or null when the stack was not filled (its lowest word is not the pattern).
    /// </summary>
    public long? UntouchedStackBytes(uint tcb, uint limit)
    {
        uint a = StackBase(tcb);
        if (_read32(a) != StackFillWord) return null;
        long n = 0;
        while (a < limit && _read32(a) == StackFillWord) { a += 4; n += 4; }
        return n;
    }
}
