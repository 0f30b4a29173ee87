using System.Reflection;
using System.Reflection.Emit;
using SocSim.Core;

namespace SocSim.Arm.Translation;

/// <summary>
/// Translation of code in memory whose timing has state (a flash accelerator such as the LPC2106 MAM,
/// <see cref="ITimedMemory"/>): the region's opcode fetches and its data reads from that memory call
/// the controller's own timing method with the block's local cycle count as "now", in the order and
/// at the cycle the interpreter makes them (TRM 6.2-6.4: the fetch of word k+2 in cycle 1 of
/// instruction k, before its data access; a branch's refill N then S after its own fetch).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The controller is called through <c>ArmCpu._timedMemory</c> cast to its sealed class: a
/// direct call, no interface dispatch. One controller per core (a second one's region stays
/// interpreted).</item>
/// <item>An exit before an instruction (an access that leaves the fast path: the interpreter then
/// executes the whole instruction) happens after that instruction's fetch advanced the model. Every
/// instruction that can take such an exit (the loads and stores) marks the model's state before its
/// fetch, and the exit rolls it back, so the interpreter's fetch finds the state it would have found.
/// Budget exits come before the fetch; exits after a store or a refill leave it made.</item>
/// <item>Only the region's own bytes are translated (from <see cref="ITimedMemory.DirectFrom"/>: the
/// LPC2106's vectors remapped by MEMMAP stay interpreted); data reads below it leave for the
/// interpreter. A remap drops every translation (the controller announces it on the bus).</item>
/// <item>A controller that also offers <see cref="ITimedCodeFetch"/> times the fetches there through
/// <see cref="ITimedCodeFetch.FetchClocksAt"/> (the offset in the region is known at compile time, so
/// its decoding and the fetch's place in its line fold away); data reads stay on
/// <see cref="ITimedMemory.Clocks"/>.</item>
/// <item>Settings (MAMCR, MAMTIM) are read by the model at every call, never compiled in: they change
/// only through device writes (made by the region through the bus, or by the interpreter).</item>
/// <item>LDM (and Thumb LDMIA/POP) from the controller's direct bytes reads them in the region, each
/// word timed by the model as the interpreter's bus read times it (first N, the rest S, the data latch
/// of the LPC2106 MAM, §4.3.2); a range that leaves them (the remapped vectors, past the flash's end)
/// leaves for the interpreter. Stores to the region leave for the interpreter.</item>
/// </list>
/// </remarks>
public sealed unsafe partial class BlockTranslator
{
    private static readonly FieldInfo FTimed = Field("_timedMemory");

    /// <summary>
    /// The region page of <paramref name="start"/> when its controller offers its timing: the raw bytes of
    /// the page (the bus's page table has none for it). Refused below the controller's direct bytes, for
    /// a controller class that is not sealed, and for a second controller on the same core.
    /// </summary>
    private bool TryTimedPage(uint start, out byte* page, out ITimedMemory? timed)
    {
        page = null;
        timed = _bus.TimedMemoryAt(start);
        if (timed == null || !timed.GetType().IsSealed) return false;
        var region = timed.Region;
        uint pageBase = start & ~Bus.PageMask;
        if (start < timed.DirectFrom || pageBase < region.Base || (ulong)pageBase + Bus.PageMask + 1 > region.End) return false;
        if (_cpu._timedMemory != null && !ReferenceEquals(_cpu._timedMemory, timed)) return false;
        _cpu._timedMemory = timed;
        page = region.Data + (pageBase - region.Base);
        return true;
    }

    private sealed partial class Emitter
    {
        private ITimedMemory? _timed;
        private MethodInfo? _mClocks, _mMark, _mRollback, _mFetchClocks;
        private Type? _timedType;
        private uint _directFrom, _timedEnd;
        private uint _markedAt = uint.MaxValue;    // the instruction whose fetch marked the model's state

        /// <summary>Compiles the page's fetches and its data reads with <paramref name="timed"/>'s model.</summary>
        public void UseTiming(ITimedMemory timed)
        {
            _timed = timed;
            _timedType = timed.GetType();
            _timedLocal = _il.DeclareLocal(_timedType);
            // The sealed class's own methods implementing the contract: called directly.
            var map = _timedType.GetInterfaceMap(typeof(ITimedMemory));
            MethodInfo Impl(string name) => map.TargetMethods[Array.FindIndex(map.InterfaceMethods, m => m.Name == name)];
            _mClocks = Impl(nameof(ITimedMemory.Clocks));
            _mMark = Impl(nameof(ITimedMemory.Mark));
            _mRollback = Impl(nameof(ITimedMemory.Rollback));
            _mFetchClocks = null;
            if (timed is ITimedCodeFetch)
            {
                var fetchMap = _timedType.GetInterfaceMap(typeof(ITimedCodeFetch));
                _mFetchClocks = fetchMap.TargetMethods[Array.FindIndex(fetchMap.InterfaceMethods, m => m.Name == nameof(ITimedCodeFetch.FetchClocksAt))];
            }
            _directFrom = timed.DirectFrom;
            _timedEnd = (uint)Math.Min(timed.Region.End, uint.MaxValue);
        }

        /// <summary>The controller typed by its class, cast once at the region's entry (one cast, not one per fetch and read).</summary>
        private LocalBuilder? _timedLocal;

        /// <summary>Pushes the controller, typed by its class.</summary>
        private void LdTimed() => Ld(_timedLocal!);

        /// <summary>At the region's entry: the core's controller into its typed local.</summary>
        private void LoadTimed()
        {
            if (_timedLocal == null) return;
            _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, FTimed); _il.Emit(OpCodes.Castclass, _timedType!); St(_timedLocal);
        }

        /// <summary>_cyc += Clocks(address, size, flags, _cyc); the flags are on the stack after the address when <paramref name="flags"/> is negative.</summary>
        private void EmitClocks(Action address, int size, int flags, Action? dynamicFlags = null)
        {
            Ld(_cyc);
            LdTimed();
            address();
            Ldc(size);
            if (dynamicFlags != null) dynamicFlags(); else Ldc(flags);
            Ld(_cyc);
            Call(_mClocks!);
            Emit(OpCodes.Conv_I8); Emit(OpCodes.Add); St(_cyc);
        }

        /// <summary>
        /// _cyc += the clocks of an opcode fetch at <paramref name="address"/> (in the region's own bytes):
        /// <see cref="ITimedCodeFetch.FetchClocksAt"/> at its offset in the region (a constant, so the
        /// controller's inlined fast path folds on the fetch's place in its line) when the controller offers it, else
        /// <see cref="ITimedMemory.Clocks"/> with the code flags. <paramref name="seq"/> null: the kind is in _fseq.
        /// </summary>
        private void EmitFetchClocks(uint address, bool? seq)
        {
            int size = (int)_step;
            if (_mFetchClocks == null)
            {
                if (seq is { } s) EmitClocks(() => Ldc(address), size, (int)(s ? AccessFlags.Code | AccessFlags.Seq : AccessFlags.Code));
                else EmitClocks(() => Ldc(address), size, 0, () => { Ld(_fseq); Ldc((int)AccessFlags.Code); Emit(OpCodes.Or); });
                return;
            }
            Ld(_cyc);
            LdTimed();
            Ldc(address - _timed!.Region.Base);
            Ldc(size);
            if (seq is { } sq) Ldc(sq ? 1 : 0); else Ld(_fseq);
            Ld(_cyc);
            Call(_mFetchClocks);
            Emit(OpCodes.Conv_I8); Emit(OpCodes.Add); St(_cyc);
        }

        /// <summary>
        /// Cycle 1: the fetch of word k+2 at R15, timed by the model. An instruction that may leave for the
        /// interpreter before it completes (a load or store) first marks the model's state.
        /// </summary>
        private void TimedFetch()
        {
            uint at = _pc - 2 * _step;
            if (MayLeaveBefore(WordAt(at)))
            {
                LdTimed(); Call(_mMark!);
                _markedAt = at;
            }
            EmitFetchClocks(_pc, _seq switch { Seq.S => true, Seq.N => false, _ => null });
            _seq = Seq.S;
        }

        /// <summary>
        /// Whether the instruction has an access that may leave the fast path (an exit before it):
        /// ARM single and halfword transfers, LDM/STM (and, harmlessly, multiplies and SWP); Thumb
        /// formats 6-12, PUSH/POP, LDMIA/STMIA (and, harmlessly, the ALU formats 4-5 beside them).
        /// </summary>
        private bool MayLeaveBefore(uint op)
        {
            if (_thumb)
            {
                uint f = op >> 12;
                return f is 4 or 5 or 6 or 7 or 8 or 9 or 0xB or 0xC;
            }
            uint c = (op >> 25) & 7;
            return c is 2 or 3 or 4 || (c == 0 && (op & 0x90) == 0x90);
        }

        /// <summary>
        /// An exit before the instruction in timed code: its fetch must have marked the state (see
        /// <see cref="RollbackTiming"/>). An instruction <see cref="MayLeaveBefore"/> did not foresee makes
        /// the region unusable (<see cref="TimingUnsound"/>: the code stays interpreted).
        /// </summary>
        private void RequireTimingMark()
        {
            if (_timed != null && _markedAt != _pc - 2 * _step) TimingUnsound = true;
        }

        /// <summary>The region has an exit before an instruction whose fetch did not mark the model: it must not run.</summary>
        public bool TimingUnsound { get; private set; }

        /// <summary>At an exit before an instruction: undo what its fetch did to the model (the interpreter fetches again).</summary>
        private void RollbackTiming()
        {
            if (_timed == null) return;
            LdTimed(); Call(_mRollback!);
        }

        /// <summary>A chained branch's refill: N fetch of the target, S fetch of the next word (TRM 6.3), timed by the model when the code is timed.</summary>
        private void RefillFetches(uint target)
        {
            if (_timed == null) { AddCycles(_costN + _costS); return; }
            EmitFetchClocks(target, false);
            EmitFetchClocks(target + _step, true);
        }

        /// <summary>Timed code chains only to its controller's own bytes.</summary>
        private bool TimedChainAllowed(uint target) => _timed == null || target >= _directFrom;

        /// <summary>
        /// _p = the page of a read at _addr: the bus's fast path, else the controller's region from its
        /// direct bytes up (the raw bytes; the cost comes from the model, see <see cref="TimedAccess"/>),
        /// else the device path (<see cref="DeviceAccess"/>).
        /// </summary>
        private void TimedPageCheck(int k, int size, int abortBase)
        {
            var ok = _il.DefineLabel();
            TimedReadPage(_addr, _p);
            Ld(_p); _il.Emit(OpCodes.Brtrue, ok);
            DeviceAccess(read: true, k, size, abortBase);
            _il.MarkLabel(ok);
        }

        /// <summary>
        /// <paramref name="page"/> = the page of a read at <paramref name="address"/>: the bus's fast path,
        /// else the controller's raw bytes when the address is in its direct bytes, else null.
        /// </summary>
        private void TimedReadPage(LocalBuilder address, LocalBuilder page)
        {
            var done = _il.DefineLabel();
            LdPtr(_bus.ReadPageTable); Ld(address); Call(MPage); St(page);
            Ld(page); _il.Emit(OpCodes.Brtrue, done);
            Ld(address); Ldc(_directFrom); Emit(OpCodes.Sub); Ldc(_timedEnd - _directFrom); _il.Emit(OpCodes.Bge_Un, done);
            var region = _timed!.Region;
            LdPtr(region.Data); Ld(address); Ldc(region.Base); Emit(OpCodes.Sub); Ldc(~Bus.PageMask); Emit(OpCodes.And); Emit(OpCodes.Conv_U); Emit(OpCodes.Add); St(page);
            _il.MarkLabel(done);
        }

        /// <summary>
        /// The clocks of one data read at <paramref name="address"/>: the model's for the controller's
        /// region (the interpreter's flags: N, or S within LDM), else the bus's cost table.
        /// </summary>
        private void TimedAccess(int log2Size, bool seq, LocalBuilder address)
        {
            var table = _il.DefineLabel(); var done = _il.DefineLabel();
            Ld(address); Ldc(_directFrom); Emit(OpCodes.Sub); Ldc(_timedEnd - _directFrom); _il.Emit(OpCodes.Bge_Un, table);
            EmitClocks(() => Ld(address), 1 << log2Size, seq ? (int)AccessFlags.Seq : 0);
            _il.Emit(OpCodes.Br, done);
            _il.MarkLabel(table);
            int kind = (seq ? 4 : 0) | log2Size;
            Ld(_cyc); LdPtr(_bus.PageTimingTable); LdPtr(_bus.CostTable); Ld(address); Ldc(kind); Call(MCost); Emit(OpCodes.Add); St(_cyc);
            _il.MarkLabel(done);
        }
    }
}
