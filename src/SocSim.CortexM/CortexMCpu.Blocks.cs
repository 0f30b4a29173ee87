using System.Runtime.CompilerServices;
using SocSim.Core;

namespace SocSim.CortexM;

/// <summary>
/// The block engine (<see cref="ExecutionEngine.Translate"/> on Cortex-M boards): straight-line runs of
/// Thumb-2 instructions decoded once into a <see cref="ThumbBlock"/> and executed back to back, without the
/// interpreter's per-step work that cannot change the result there: the fetch through the page table, the
/// decode cache's lookup, and the checks for pending exceptions, sleep-on-exit, late arrival, XN regions,
/// DWT PC watchpoints and the MPU, which are made once at the block's entry and again only after each
/// instruction (one combined test). Every instruction is executed by the interpreter's own
/// <see cref="Execute"/>, timed by its prefetch model (<see cref="FetchStall"/>) and accounted by the same
/// step tail (<see cref="FinishStep"/>), so registers, memory, cycles and statistics are the interpreter's
/// by construction; the lockstep tests in tests/SocSim.CortexM.Tests (BlockEngineTests) check it.
/// <para>A block runs only from a page on the bus's fast fetch path (RAM/ROM, no memory controller, no bus
/// observer: a tracer that watches the bus leaves everything to the interpreter) and stops before an
/// instruction when: the scheduler's next event or the run's limit is reached (as the interpreter's loop
/// checks), an exception became pending or anything else the interpreter's <see cref="Step"/> checks first
/// is set, the PC left the block (a taken branch, an exception entry), or the instruction's encoding in
/// memory is no longer the decoded one (self-modifying code: the interpreter steps it, and the block is
/// decoded again at its next entry). The fetch page's state the interpreter's fetch would leave
/// (<c>_fetchPage</c>, its costs) is set as the fetch would set it, since a later refill reads it.</para>
/// </summary>
public sealed unsafe partial class CortexMCpu
{
    /// <summary>Instructions a block holds at most (a block also ends after any instruction that may branch).</summary>
    public const int MaxBlockInstructions = 32;
    private const int BlockCacheSize = 1 << 16;    // direct mapped by PC: 128 KiB of code without a collision

    private ThumbBlock?[]? _blocks;     // null: the interpreter alone
    private long _blockInstructions;

    /// <summary>The engine: <see cref="ExecutionEngine.Translate"/> runs pre-decoded blocks (identical results), else the interpreter alone.</summary>
    public ExecutionEngine Engine => _blocks != null ? ExecutionEngine.Translate : ExecutionEngine.Interpret;

    /// <summary>Blocks decoded (again after a collision in the cache, a flush or a change of their code).</summary>
    public long BlocksBuilt { get; private set; }

    /// <summary>Instructions executed inside blocks (the rest were stepped by the interpreter).</summary>
    public long BlockInstructions => _blockInstructions;

    /// <summary>Of <see cref="BlockInstructions"/>, those run by a specialised path (<see cref="Specialise"/>); the rest by <see cref="ExecuteOne"/>.</summary>
    public long SpecialisedInstructions => _blockInstructions - _blockGeneric;
    private long _blockGeneric;

    /// <summary>Why <see cref="RunBlock"/> stopped running blocks, or a block stopped before its last instruction
    /// (<see cref="BlockStops"/>). Counted only where it happens, never per instruction.</summary>
    public enum BlockStop
    {
        /// <summary>Before a block: something <see cref="Step"/> tests first is set (a pending exception, sleep, ...): the interpreter steps.</summary>
        StepChecks,
        /// <summary>Before a block: no block can start at the PC (a page off the fast fetch path, an XN region).</summary>
        NoBlock,
        /// <summary>An instruction's encoding in memory changed (self-modifying code).</summary>
        CodeChanged,
        /// <summary>The run's limit or the scheduler's next event was reached (mid-block or between blocks).</summary>
        Clock,
        /// <summary>Mid-block: the PC left the straight line (an exception entry, a branch not at the block's end).</summary>
        PcLeft,
        /// <summary>Mid-block: an instruction set something <see cref="Step"/> tests first (an exception pended, ...).</summary>
        PendingAfter,
        /// <summary>The bus's mapping changed, or a debugger hook is set (between blocks).</summary>
        MappingOrHook,
    }

    private readonly long[] _blockStops = new long[Enum.GetValues<BlockStop>().Length];
    private readonly long[] _blockGenericByOp = new long[256];
    private long _blockGenericInIt, _blockRefused, _blockRuns, _blockChains;

    /// <summary>How often running blocks stopped for <paramref name="why"/> (the shares bench/README.md reports).</summary>
    public long BlockStops(BlockStop why) => _blockStops[(int)why];

    /// <summary>Instructions of blocks run by <see cref="ExecuteOne"/> whose decoded operation is <paramref name="op"/>
    /// and that were not in an IT block (those: <see cref="BlockGenericInIt"/>; one its specialised path refused
    /// at execution: counted here too, and in <see cref="BlockRefused"/>).</summary>
    public long BlockGeneric(Op op) => _blockGenericByOp[(int)op];

    /// <summary>Instructions of blocks run by <see cref="ExecuteOne"/> because they were inside an IT block.</summary>
    public long BlockGenericInIt => _blockGenericInIt;

    /// <summary>Instructions with a specialised path that refused them at execution: a load/store address off the direct path (a device, a
    /// bit-band alias, unaligned, a watchpoint), or a BX/POP loading an exception return.</summary>
    public long BlockRefused => _blockRefused;

    /// <summary>Blocks entered (from the run loop or chained from the block before).</summary>
    public long BlockRuns => _blockRuns;

    /// <summary>Of <see cref="BlockRuns"/>, those entered from the block before without returning to the run loop.</summary>
    public long BlockChains => _blockChains;

    /// <summary>Selects the engine (boards: the <c>--engine</c> option, <see cref="Core.Cores.CoreContext.Engine"/>).</summary>
    public void SetEngine(ExecutionEngine engine)
    {
        if (engine == ExecutionEngine.Translate)
        {
            if (_blocks == null) { _blocks = new ThumbBlock?[BlockCacheSize]; _bus.MappingChanged += FlushBlocks; }
        }
        else if (_blocks != null) { _bus.MappingChanged -= FlushBlocks; _blocks = null; }
    }

    /// <summary>Drops every block (the bus's mapping changed: their page pointers and costs are stale).</summary>
    private void FlushBlocks()
    {
        if (_blocks != null) Array.Clear(_blocks);
        _blockGeneration++;     // and every link to them
    }

    private int _blockGeneration;

    /// <summary>Whether anything that <see cref="Step"/> tests before fetching is set (then it steps).</summary>
    private bool StepChecksNeeded
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get =>
        _pending != 0 || State != CoreState.Running || _resetRequested || _sleepOnExitReturn != 0 || _lateWindowStart >= 0
        || !_t || _watchPc || _mpuOn;
    }

    /// <summary>
    /// Runs blocks from the PC, one after the other, while the clock stays below <paramref name="limit"/> and the
    /// scheduler's next event. Returns false when no instruction ran (no block here: the caller steps).
    /// </summary>
    /// <remarks>With <paramref name="entered"/> (a probe watching exception entries), every instruction is checked as
    /// <see cref="ObservedStep"/> checks a step: an entry it made (a fault) is reported before the block ends.
    /// A block that ended (its last instruction, or a branch out of it) chains to the block at the new PC when
    /// the interpreter's loop would run one there (<see cref="RunTo"/>, <see cref="RunObserved"/>: below the
    /// limit and the next event, nothing <see cref="Step"/> checks first, no hook).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool RunBlock(long limit, Action<uint>? entered = null)
    {
        var s = _s;
        bool ran = false;
        ThumbBlock? prev = null;
        while (true)
        {
            if (StepChecksNeeded) { _blockStops[(int)BlockStop.StepChecks]++; return ran; }
            uint pc = _pc;
            int idx = (int)((pc >> 1) & (BlockCacheSize - 1));
            // A block chained to follows the link its predecessor keeps to it (no lookup in the cache), while the
            // bus's mapping is the one it was decoded on (its generation) and its code was not seen changed.
            ThumbBlock? b = prev == null ? null : prev.Link0 is { } l0 && l0.Start == pc ? l0 : prev.Link1 is { } l1 && l1.Start == pc ? l1 : null;
            if (b == null || b.Stale || b.Generation != _blockGeneration)
            {
                b = _blocks![idx];
                if (b == null || b.Start != pc)
                {
                    b = BuildBlock(pc);
                    _blocks[idx] = b;
                    BlocksBuilt++;
                }
                if (prev != null) { if (prev.Link0 == null || prev.Link0.Start == pc) prev.Link0 = b; else prev.Link1 = b; }
            }
            if (b.Count == 0) { _blockStops[(int)BlockStop.NoBlock]++; return ran; }
            _blockRuns++;
            if (prev != null) _blockChains++;
            byte* page = b.Page;
            var entries = b.Entries;
            // As the interpreter's fetch leaves it (a refill after a taken branch reads these); only a refill
            // (a block's last instruction) or an exception entry changes them, and either ends the run of the block.
            if (_fetchPageBase != b.PageBase) { _fetchPage = page; _fetchPageBase = b.PageBase; _fetchCostN = b.CostN; _fetchCostS = b.CostS; }
            int k = 0;
            while (true)
            {
                ref BlockEntry e = ref entries[k];
                uint raw = *(ushort*)(page + e.Offset);
                if (e.Inst.Size == 4) raw = raw << 16 | *(ushort*)(page + e.Offset + 2);
                if (raw != e.Raw)
                {
                    // Self-modifying code: decoded again at the next entry.
                    b.Stale = true;
                    if (_blocks![idx] == b) _blocks[idx] = null;
                    _blockStops[(int)BlockStop.CodeChanged]++;
                    return ran || k != 0;
                }
                long t0 = s.Cycles;
                _accesses = 0;
                _stepExc = 0;
                if (e.Op != BlockOp.Generic && _it == 0)
                {
                    if (RunSpecialised(ref e.Inst, e.Op, e.SetFlags, pc, t0, b.CostS))
                    {
                        // Nothing the interpreter checks between steps can have changed (no device access, no
                        // exception, no branch): only the clock is tested.
                        ran = true;
                        if (++k == entries.Length) break;
                        pc += e.Inst.Size;
                        if (s.Cycles >= limit || s.Cycles >= s.NextEventCycle) { _blockStops[(int)BlockStop.Clock]++; return true; }
                        continue;
                    }
                    _blockRefused++;
                }
                if (_it != 0) _blockGenericInIt++; else _blockGenericByOp[(int)e.Inst.Op]++;
                _faultPc = pc;
                UInt128 activeBefore = _active;
                uint ipsrBefore = _ipsr;
                s.Cycles += _stepStall = BlockFetchStall(pc, e.Inst.Size, _cycles, b.CostS);
                int cycles = ExecuteOne(ref e.Inst, pc);
                _instructions++;
                _blockInstructions++;
                _blockGeneric++;
                FinishStep(t0, cycles, true, e.Lsu);
                ran = true;
                if (entered != null && _ipsr != ipsrBefore && (_active & ~activeBefore & Bit((int)_ipsr)) != 0) entered(_ipsr);
                if (++k == entries.Length) break;
                pc += e.Inst.Size;
                if (_pc != pc || s.Cycles >= limit || s.Cycles >= s.NextEventCycle || StepChecksNeeded)
                {
                    _blockStops[(int)(_pc != pc ? BlockStop.PcLeft : s.Cycles >= limit || s.Cycles >= s.NextEventCycle ? BlockStop.Clock : BlockStop.PendingAfter)]++;
                    return true;
                }
                // A store may have remapped the bus (a memory controller's register): the block's page is stale.
                if (b.Generation != _blockGeneration) { _blockStops[(int)BlockStop.MappingOrHook]++; return true; }
            }
            // The block ended: on to the next, as the caller's loop would go on.
            if (s.Cycles >= limit || s.Cycles >= s.NextEventCycle) { _blockStops[(int)BlockStop.Clock]++; return true; }
            if (_hook != null || b.Generation != _blockGeneration) { _blockStops[(int)BlockStop.MappingOrHook]++; return true; }
            prev = b;
        }
    }

    /// <summary>Decodes the straight-line run at <paramref name="pc"/> (a block of no instructions where the interpreter must step).</summary>
    private ThumbBlock BuildBlock(uint pc)
    {
        var empty = new ThumbBlock(pc, 0) { Generation = _blockGeneration };
        if (((0xE4u >> (int)(pc >> 29)) & 1) != 0) return empty;       // XN region: the interpreter faults
        if (!_bus.TryGetFetchPage(pc, 4, out var page, out int costN, out int costS)) return empty;
        var insts = new List<ThumbInst>();
        var offsets = new List<uint>();
        var raws = new List<uint>();
        uint pageBase = pc & ~Bus.PageMask;
        uint a = pc;
        while (insts.Count < MaxBlockInstructions)
        {
            uint off = a & Bus.PageMask;
            if (a - pageBase > Bus.PageMask || off > Bus.PageMask - 1) break;
            uint hw1 = *(ushort*)(page + off);
            bool is32 = ThumbDecoder.Is32Bit(hw1);
            if (is32 && off + 2 > Bus.PageMask - 1) break;         // its second halfword is on the next page
            uint raw = is32 ? hw1 << 16 | *(ushort*)(page + off + 2) : hw1;
            var inst = ThumbDecoder.Decode(raw, is32, Profile);
            insts.Add(inst);
            offsets.Add(off);
            raws.Add(raw);
            a += inst.Size;
            if (EndsBlock(in inst)) break;
        }
        if (insts.Count == 0) return empty;
        var b = new ThumbBlock(pc, insts.Count)
        {
            Page = page, PageBase = pageBase, CostN = costN, CostS = costS, Generation = _blockGeneration,
        };
        for (int i = 0; i < insts.Count; i++)
        {
            ref var e = ref b.Entries[i];
            e.Inst = insts[i];
            e.Offset = offsets[i];
            e.Raw = raws[i];
            e.Lsu = insts[i].Op is >= Op.Ldr and <= Op.Strexh or >= Op.Vldr and <= Op.Vstm;
            e.Op = Specialise(insts[i]);
            e.SetFlags = insts[i].S != SetFlags.Never;     // outside an IT block (the only place a specialised path runs)
        }
        return b;
    }

    /// <summary>Whether the instruction may leave the straight line (the block ends after it; the PC check after each instruction catches any other way out).</summary>
    private static bool EndsBlock(in ThumbInst i) => i.Op switch
    {
        >= Op.B and <= Op.Tbh => true,
        Op.Undefined or Op.VUndefined or Op.Udf or Op.Svc or Op.Bkpt or Op.Wfi or Op.Wfe or Op.Isb or Op.Msr or Op.Cps or Op.Coprocessor => true,
        Op.Ldm or Op.Stm => (i.List & 0x8000) != 0 || i.Rn == 15,
        _ => i.Rd == 15,
    };

    /// <summary>A straight-line run of decoded instructions on one fast fetch page.</summary>
    private sealed class ThumbBlock(uint start, int count)
    {
        public readonly uint Start = start;
        public readonly int Count = count;
        public readonly BlockEntry[] Entries = new BlockEntry[count];
        public byte* Page;
        public uint PageBase;
        public int CostN, CostS;
        /// <summary>The bus mapping's generation it was decoded on (<see cref="FlushBlocks"/> counts them).</summary>
        public int Generation;
        /// <summary>An instruction's encoding changed under it: never run again.</summary>
        public bool Stale;
        /// <summary>The blocks it was last seen to chain to (a taken branch's target and the fall-through, or a return's).</summary>
        public ThumbBlock? Link0, Link1;
    }

    /// <summary>One instruction of a block: decoded, its offset in the page and its encoding (first halfword high for
    /// 32-bit ones, checked before each execution), whether it is a load/store (the DWT's LSU count), its path.</summary>
    private struct BlockEntry
    {
        public ThumbInst Inst;
        public uint Offset, Raw;
        public bool Lsu, SetFlags;
        public BlockOp Op;
    }
}
