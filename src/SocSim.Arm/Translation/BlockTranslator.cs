using System.Diagnostics;
using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;
using SocSim.Core;

namespace SocSim.Arm.Translation;

/// <summary>
/// A translated region: runs from the instruction <c>entry</c> selects (0: the region's start) to one
/// of its exits and leaves the core exactly as the interpreter would. It stops at the first
/// instruction boundary where the cycle count reached <c>limit</c> (the run loop's next event or end),
/// as the interpreter's loop does.
/// </summary>
public delegate void BlockCode(ArmCpu cpu, long limit, int entry);

/// <summary>
/// The code of one region and the memory it was compiled from: runs of its page (offsets and the
/// bytes they held), compared at every entry, which makes self-modifying code, loaders and debuggers
/// safe without write tracking; a store into the region while it runs ends it after that store.
/// </summary>
internal sealed unsafe class Region
{
    public required BlockCode Code;
    /// <summary>Whether the code ran once: the JIT compiles a DynamicMethod at its first call.</summary>
    public bool Jitted;
    public byte* Page;
    public int[] Offsets = [];
    public byte[][] Bytes = [];
    public int Length;

    public bool MemoryMatches()
    {
        var offsets = Offsets;
        var bytes = Bytes;
        for (int i = 0; i < offsets.Length; i++)
            if (!new ReadOnlySpan<byte>(Page + offsets[i], bytes[i].Length).SequenceEqual(bytes[i])) return false;
        return true;
    }
}

/// <summary>
/// One entry of the translation cache: an instruction address (| Thumb bit), how often the run loop
/// reached it, and once hot (or once inside a compiled region) the region and the entry into it, with
/// what the run loop checks before entering there: the two pipeline words the code was compiled for
/// and the kind of the next fetch when the code knows it.
/// </summary>
internal sealed class BlockEntry
{
    public uint Key;
    public int Count;
    public bool Untranslatable;
    public Region? Region;
    public int Entry;
    public uint Word0, Word1;
    /// <summary>-1: any; else the core's next fetch must be sequential (1) or not (0).</summary>
    public int Seq = -1;

    public bool Matches(uint op0, uint op1) => op0 == Word0 && op1 == Word1;
}

/// <summary>
/// Translates hot ARM and Thumb code into IL (<see cref="DynamicMethod"/>), compiled by the .NET JIT,
/// one region per method: the basic block at a hot instruction and the blocks its constant branches
/// reach in the same page, branches between them chained (direct jumps). Registers live in IL locals
/// and are written back to the native register file at every exit; the condition flags live in a
/// local CPSR copy; opcode fetch costs are compile-time constants of the page (TRM 6.2: every fetch
/// after the first is S unless a store made the next one N); data accesses take the bus's page-table
/// fast path with the bus's own cost table. Before every instruction the cycle count is compared with
/// the run loop's limit, so a region stops at the boundary where the interpreter's loop would.
/// An access that would leave the fast path (a device, ROM write, unmapped space) and an instruction
/// it does not translate (PSR transfers, SWI, coprocessor, SWP, long multiplies, LDM/STM with S,
/// LDRT/STRT, ALU and single-load writes to R15) end the region: the interpreter executes that
/// instruction from the region's exit (so devices, aborts, mode changes and the events they schedule
/// are handled by the reference code).
/// </summary>
public sealed unsafe class BlockTranslator
{
    private const int CacheBits = 16;
    private const int MaxInstructions = 64;    // per region (the JIT's time grows faster than the method)
    private readonly BlockEntry?[] _cache = new BlockEntry?[1 << CacheBits];
    private readonly ArmCpu _cpu;
    private readonly Bus _bus;

    /// <param name="threshold">Times the run loop must reach a block start before it is translated (0: at once).</param>
    public BlockTranslator(ArmCpu cpu, int threshold)
    {
        _cpu = cpu;
        _bus = cpu.Bus;
        Threshold = threshold;
        _bus.MappingChanged += Flush;
    }

    /// <summary>
    /// Default compile threshold: how often the interpreter must have executed an instruction before a
    /// region is translated from it. A region of up to 64 instructions costs about 2-20 ms to emit and
    /// JIT (see <see cref="CompileTicks"/>; the first one also pays Reflection.Emit's start-up), the
    /// time the interpreter takes for roughly 0.2-1 million instructions: at 20000 a 10-instruction
    /// loop has run about 200000 instructions interpreted when it is compiled, so a short run loses
    /// at most about what it spent interpreting (and nothing is emitted in runs shorter than that).
    /// </summary>
    public const int DefaultThreshold = 20000;

    private static readonly bool Debugging = Environment.GetEnvironmentVariable("SOCSIM_TDEBUG") != null;

    public int Threshold { get; }
    public long BlocksCompiled { get; private set; }
    public long InstructionsCompiled { get; private set; }
    public long CompileTicks { get; private set; }
    /// <summary>Instructions executed inside translated blocks.</summary>
    public long TranslatedInstructions;
    /// <summary>Instructions the interpreter executed for a region that reached an access off the fast path.</summary>
    public long SteppedAtExits;
    public long BlockRuns;
    /// <summary>Translations dropped because the code under them changed, and cache entries replaced by another block start.</summary>
    public long Invalidations, Evictions;

    public double CompileMicrosecondsPerBlock => BlocksCompiled == 0 ? 0 : CompileTicks * 1e6 / Stopwatch.Frequency / BlocksCompiled;

    /// <summary>Drops every translation (memory map or bus observer changed).</summary>
    public void Flush() => Array.Clear(_cache);

    private int IndexOf(uint key) => (int)((key ^ (key >> CacheBits)) >> 1) & ((1 << CacheBits) - 1);

    /// <summary>The translated code for the core's next instruction, translating a region from there when it turns hot; null if none.</summary>
    internal BlockEntry? Lookup(uint key)
    {
        int index = IndexOf(key);
        var e = _cache[index];
        if (e == null || e.Key != key)
        {
            if (e != null) Evictions++;
            e = new BlockEntry { Key = key };
            _cache[index] = e;
        }
        if (e.Region != null) return e;
        if (e.Untranslatable || ++e.Count <= Threshold) return null;
        Compile(e);
        return e.Region != null ? e : null;
    }

    /// <summary>The first run of a region, timed: the JIT compiles the IL here, which is most of the compile time.</summary>
    internal void RunFirst(BlockEntry e, ArmCpu cpu, long limit)
    {
        long t0 = Stopwatch.GetTimestamp();
        var r = e.Region!;
        r.Code(cpu, limit, e.Entry);
        r.Jitted = true;
        CompileTicks += Stopwatch.GetTimestamp() - t0;
        if (Debugging) Console.Error.WriteLine($"jit 0x{e.Key:X8}: {r.Length} instructions, {(Stopwatch.GetTimestamp() - t0) * 1e3 / Stopwatch.Frequency:F2} ms");
    }

    /// <summary>Code under the entry changed since it was compiled: forget the translation here, count again.</summary>
    internal void Invalidate(BlockEntry e)
    {
        Invalidations++;
        if (Debugging && Invalidations < 5)
        {
            var r = e.Region!;
            for (int j = 0; j < r.Offsets.Length; j++)
            {
                var now = new ReadOnlySpan<byte>(r.Page + r.Offsets[j], r.Bytes[j].Length);
                int i = 0; while (i < now.Length && now[i] == r.Bytes[j][i]) i++;
                if (i < now.Length) Console.Error.WriteLine($"invalidate 0x{e.Key:X8} at page offset 0x{r.Offsets[j] + i:X3}: {now[i]:X2} was {r.Bytes[j][i]:X2}");
            }
        }
        e.Region = null;
        e.Count = 0;
    }

    private void Compile(BlockEntry e)
    {
        long t0 = Stopwatch.GetTimestamp();
        bool thumb = (e.Key & 1) != 0;
        uint start = e.Key & ~1u;
        if (!_bus.IsTranslatable(start) || !_bus.TryGetFetchPage(start, thumb ? 2 : 4, out byte* page, out int costN, out int costS))
        {
            e.Untranslatable = true;
            return;
        }
        var em = new Emitter(_bus, start, thumb, page, costN, costS);
        int n = em.Emit(MaxInstructions);
        if (n == 0)
        {
            e.Untranslatable = true;
            return;
        }
        var code = em.Finish();
        if (Debugging) Console.Error.WriteLine($"emit 0x{e.Key:X8}: {em.Total} instructions, IL {em.ILSize} bytes, {(Stopwatch.GetTimestamp() - t0) * 1e3 / Stopwatch.Frequency:F2} ms");
        var runs = em.Runs();
        var region = new Region
        {
            Code = code,
            Page = page,
            Length = em.Total,
            Offsets = runs.Select(r => r.Offset).ToArray(),
            Bytes = runs.Select(r => new ReadOnlySpan<byte>(page + r.Offset, r.Length).ToArray()).ToArray(),
        };
        uint step = thumb ? 2u : 4u;
        e.Region = region;
        e.Entry = 0;
        e.Seq = -1;
        e.Word0 = em.WordAt(start);
        e.Word1 = em.WordAt(start + step);
        // Every other instruction of the region is an entry too (a run loop stopped by an event inside the
        // region comes back there): no second translation of the same code.
        var sites = em.EntrySites;
        for (int i = 1; i < sites.Count; i++)
        {
            var (addr, seq) = sites[i];
            uint key = addr | (thumb ? 1u : 0u);
            int index = IndexOf(key);
            var old = _cache[index];
            if (old != null && old.Region != null) continue;
            if (old != null && old.Key != key) Evictions++;
            _cache[index] = new BlockEntry
            {
                Key = key, Region = region, Entry = i, Seq = seq,
                Word0 = em.WordAt(addr), Word1 = em.WordAt(addr + step),
            };
        }
        BlocksCompiled++;
        InstructionsCompiled += em.Total;
        CompileTicks += Stopwatch.GetTimestamp() - t0;
    }

    // ------------------------------------------------------------------------------------------

    private static readonly FieldInfo FR = Field("_r"), FCpsr = Field("_cpsr"), FS = Field("_s"), FInstr = Field("_instructions"),
        FOp0 = Field("_op0"), FOp1 = Field("_op1"), FFetchSeq = Field("_fetchSeq");
    private static readonly FieldInfo FCycles = typeof(Scheduler).GetField(nameof(Scheduler.Cycles))!;
    private static readonly MethodInfo MRefill = typeof(ArmCpu).GetMethod("Refill", BindingFlags.NonPublic | BindingFlags.Instance)!;
    private static readonly MethodInfo MStepFromRegion = typeof(ArmCpu).GetMethod("StepFromRegion", BindingFlags.NonPublic | BindingFlags.Instance)!;

    private static FieldInfo Field(string name) =>
        typeof(ArmCpu).GetField(name, BindingFlags.NonPublic | BindingFlags.Instance) ?? throw new MissingFieldException(nameof(ArmCpu), name);

    private static MethodInfo Op(string name) =>
        typeof(TranslationOps).GetMethod(name, BindingFlags.Public | BindingFlags.Static) ?? throw new MissingMethodException(nameof(TranslationOps), name);

    private static readonly MethodInfo MAddC = Op("AddC"), MSubC = Op("SubC"), MFlagsAdd = Op("FlagsAdd"), MFlagsSub = Op("FlagsSub"),
        MFlagsLogic = Op("FlagsLogic"), MFlagsNZ = Op("FlagsNZ"), MFlagsMul = Op("FlagsMul"), MMulCycles = Op("MulCycles"),
        MCarry = Op("CarryOf"), MShiftImmV = Op("ShiftImmV"), MShiftImmC = Op("ShiftImmC"), MShiftRegV = Op("ShiftRegV"),
        MShiftRegC = Op("ShiftRegC"), MRor = Op("Ror"), MPage = Op("Page"), MCost = Op("Cost"), MLd32 = Op("Ld32"), MLd16 = Op("Ld16"),
        MLd8 = Op("Ld8"), MSt32 = Op("St32"), MSt16 = Op("St16"), MSt8 = Op("St8"), MOverlaps = Op("Overlaps");

    /// <summary>What the next opcode fetch is at a point of the block: known S, known N, or in the local <c>fseq</c>.</summary>
    private enum Seq { S, N, Dynamic }

    /// <summary>Emits one block. Instruction k is at start + k*step; word k+2 is fetched during instruction k.</summary>
    private sealed class Emitter
    {
        private readonly Bus _bus;
        private readonly uint _start;
        private readonly bool _thumb;
        private readonly byte* _page;
        private readonly int _costN, _costS;
        private readonly uint _step;
        private readonly int _maxAccess;
        private readonly DynamicMethod _dm;
        private readonly ILGenerator _il;
        private readonly LocalBuilder[] _reg = new LocalBuilder[15];
        private uint _used;      // registers the block reads or writes (loaded in the prologue)
        private readonly LocalBuilder _cpsr, _cyc, _fseq, _a, _b, _c, _v, _addr, _p, _p2;
        private readonly List<Action> _exits = new();
        private uint _written;   // registers the block writes (written back at every exit)
        private Seq _seq;
        public long Worst;
        private readonly LocalBuilder _mAddr, _cyc0, _spanLo, _spanHi, _icnt, _xPc, _xOp0, _xOp1;
        private readonly Label _setup, _entry, _exitTail, _refillTail, _budgetTail, _stepTail;
        private uint _base;                  // the basic block being emitted starts here
        private readonly uint _pageEnd;
        private int _total;                  // instructions emitted in the region
        private int _maxTotal;
        /// <summary>Every emitted instruction start: its label, the fetch kind known there, its index in its basic block, whether it is in the entry block.</summary>
        private readonly Dictionary<uint, Site> _sites = new();
        private readonly Queue<(uint Base, Label Label)> _queue = new();
        private readonly Dictionary<uint, Label> _queued = new();
        private readonly bool[] _marked;     // page slots (words / halfwords) whose memory the region's code depends on
        private uint _lo = uint.MaxValue, _hi;
        private readonly record struct Site(Label Label, Seq Seq, int Index, bool Entry);

        public Emitter(Bus bus, uint start, bool thumb, byte* page, int costN, int costS)
        {
            _bus = bus;
            _start = start;
            _thumb = thumb;
            _page = page;
            _costN = costN;
            _costS = costS;
            _step = thumb ? 2u : 4u;
            _maxAccess = bus.MaxAccessCost;
            _dm = new DynamicMethod($"blk_{(thumb ? "T" : "A")}_{start:X8}", typeof(void), [typeof(ArmCpu), typeof(long), typeof(int)], typeof(ArmCpu), skipVisibility: true);
            _il = _dm.GetILGenerator();
            for (int i = 0; i < 15; i++) _reg[i] = _il.DeclareLocal(typeof(uint));
            _cpsr = _il.DeclareLocal(typeof(uint));
            _cyc = _il.DeclareLocal(typeof(long));
            _fseq = _il.DeclareLocal(typeof(int));
            _a = _il.DeclareLocal(typeof(uint));
            _b = _il.DeclareLocal(typeof(uint));
            _c = _il.DeclareLocal(typeof(uint));
            _v = _il.DeclareLocal(typeof(uint));
            _addr = _il.DeclareLocal(typeof(uint));
            _p = _il.DeclareLocal(typeof(byte*));
            _p2 = _il.DeclareLocal(typeof(byte*));
            _cyc0 = _il.DeclareLocal(typeof(long));
            _spanLo = _il.DeclareLocal(typeof(uint));
            _spanHi = _il.DeclareLocal(typeof(uint));
            _icnt = _il.DeclareLocal(typeof(long));
            _xPc = _il.DeclareLocal(typeof(uint));
            _xOp0 = _il.DeclareLocal(typeof(uint));
            _xOp1 = _il.DeclareLocal(typeof(uint));
            _mAddr = _il.DeclareLocal(typeof(uint));
            _setup = _il.DefineLabel();
            _entry = _il.DefineLabel();
            _exitTail = _il.DefineLabel();
            _refillTail = _il.DefineLabel();
            _budgetTail = _il.DefineLabel();
            _stepTail = _il.DefineLabel();
            _base = start;
            _pageEnd = (start & ~Bus.PageMask) + Bus.PageMask + 1;
            _marked = new bool[(Bus.PageMask + 1) / _step];
        }

        /// <summary>The word (ARM) or halfword (Thumb) at address <paramref name="a"/> of the region's page.</summary>
        public uint WordAt(uint a) => _thumb ? *(ushort*)(_page + (a & Bus.PageMask)) : *(uint*)(_page + (a & Bus.PageMask));

        public uint Word(int k) => WordAt(Addr(k));

        private uint Addr(int k) => _base + (uint)k * _step;

        /// <summary>Contiguous runs (page offset, length in bytes) of the memory the region was compiled from, compared at every entry.</summary>
        public List<(int Offset, int Length)> Runs()
        {
            var runs = new List<(int, int)>();
            for (int i = 0; i < _marked.Length; i++)
            {
                if (!_marked[i]) continue;
                int j = i;
                while (j < _marked.Length && _marked[j]) j++;
                runs.Add((i * (int)_step, (j - i) * (int)_step));
                i = j;
            }
            return runs;
        }

        /// <summary>Records that the code of the basic block at <paramref name="b"/> depends on its words 0 .. n+1 (instructions and the two prefetched words of its last boundary).</summary>
        private void MarkWords(uint b, int n)
        {
            uint end = Math.Min(b + (uint)(n + 2) * _step, _pageEnd);
            _lo = Math.Min(_lo, b);
            _hi = Math.Max(_hi, end);
            // Entry words too: the exit at the run loop's limit reads the pipeline words from memory.
            for (uint a = b; a < end; a += _step) _marked[(a & Bus.PageMask) / _step] = true;
        }

        // ---- IL shorthands ----
        private void Ldc(uint v) => _il.Emit(OpCodes.Ldc_I4, unchecked((int)v));
        private void Ldc(int v) => _il.Emit(OpCodes.Ldc_I4, v);
        private void LdPtr(void* p) { _il.Emit(OpCodes.Ldc_I8, (long)p); _il.Emit(OpCodes.Conv_U); }
        private void Ld(LocalBuilder l) => _il.Emit(OpCodes.Ldloc, l);
        private void St(LocalBuilder l) => _il.Emit(OpCodes.Stloc, l);
        private void Call(MethodInfo m) => _il.Emit(OpCodes.Call, m);
        private void Emit(OpCode o) => _il.Emit(o);

        /// <summary>Pushes register n; R15 reads as <paramref name="pcValue"/> (a compile-time constant).</summary>
        private LocalBuilder Reg(uint n) => Reg((int)n);

        private LocalBuilder Reg(int n)
        {
            _used |= 1u << n;
            return _reg[n];
        }

        private void LdReg(int n, uint pcValue)
        {
            if (n == 15) Ldc(pcValue);
            else Ld(Reg(n));
        }

        private void StReg(int n)
        {
            Debug.Assert(n != 15);
            _written |= 1u << n;
            St(Reg(n));
        }

        private void AddCycles(long k)
        {
            if (k == 0) return;
            Ld(_cyc); _il.Emit(OpCodes.Ldc_I8, k); Emit(OpCodes.Add); St(_cyc);
        }

        /// <summary>Cycle 1 of every instruction: the opcode fetch, S or N as the previous cycle announced.</summary>
        private void Fetch()
        {
            switch (_seq)
            {
                case Seq.S: AddCycles(_costS); break;
                case Seq.N: AddCycles(_costN); break;
                default:
                    Ld(_cyc); Ld(_fseq);
                    var n = _il.DefineLabel(); var done = _il.DefineLabel();
                    _il.Emit(OpCodes.Brfalse, n);
                    _il.Emit(OpCodes.Ldc_I8, (long)_costS); _il.Emit(OpCodes.Br, done);
                    _il.MarkLabel(n); _il.Emit(OpCodes.Ldc_I8, (long)_costN);
                    _il.MarkLabel(done);
                    Emit(OpCodes.Add); St(_cyc);
                    break;
            }
            _seq = Seq.S;
            Worst += Math.Max(_costN, _costS);
        }

        /// <summary>Pushes the condition's truth for the local CPSR (CondTable bit for NZCV).</summary>
        private void CondTest(uint cond)
        {
            ushort mask = 0;
            for (int f = 0; f < 16; f++)
                if (ArmCpu.ConditionPassed(cond, (uint)f << 28)) mask |= (ushort)(1 << f);
            Ldc((int)mask); Ld(_cpsr); Ldc(28); Emit(OpCodes.Shr_Un); Emit(OpCodes.Shr_Un); Ldc(1); Emit(OpCodes.And);
        }

        /// <summary>
        /// Leaves for the boundary before instruction k (the interpreter continues there). The exit code
        /// is emitted after the region's body (it writes back every register the region writes, known
        /// only then); here only a branch to it.
        /// </summary>
        private void EmitExit(int k, Seq seq, bool beforeInstruction = false)
        {
            var label = _il.DefineLabel();
            _il.Emit(OpCodes.Br, label);
            DeferExit(label, k, seq, beforeInstruction);
        }

        private void DeferExit(Label label, int k, Seq seq, bool beforeInstruction, bool step = false)
        {
            uint next = Addr(k), w0 = Word(k), w1 = Word(k + 1);
            _exits.Add(() =>
            {
                _il.MarkLabel(label);
                // Before the instruction: the cycles of the boundary, its fetch not made.
                if (beforeInstruction) { Ld(_cyc0); St(_cyc); }
                Ldc(next); St(_xPc);
                Ldc(w0); St(_xOp0);
                Ldc(w1); St(_xOp1);
                if (seq != Seq.Dynamic) { Ldc(seq == Seq.S ? 1 : 0); St(_fseq); }
                _il.Emit(OpCodes.Br, step ? _stepTail : _exitTail);
            });
        }

        /// <summary>Registers written anywhere in the region back into the core (their locals hold the loaded or new value).</summary>
        private void WriteBackRegisters()
        {
            var il = _il;
            for (int i = 0; i < 15; i++)
            {
                if ((_written & (1u << i)) == 0) continue;
                il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FR); Ldc(4 * i); Emit(OpCodes.Add); Ld(_reg[i]); il.Emit(OpCodes.Stind_I4);
            }
            il.Emit(OpCodes.Ldarg_0); Ld(_cpsr); il.Emit(OpCodes.Stfld, FCpsr);
        }

        /// <summary>
        /// Registers, CPSR, cycles (_cyc) and instruction count back into the core. The count is _icnt
        /// plus the boundary's address in _xPc counted in instructions: _icnt starts at minus the entry's
        /// and every chained jump adds the distance it skips.
        /// </summary>
        private void WriteBack()
        {
            var il = _il;
            WriteBackRegisters();
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FS); Ld(_cyc); il.Emit(OpCodes.Stfld, FCycles);
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Dup); il.Emit(OpCodes.Ldfld, FInstr);
            Ld(_xPc); Ldc(_thumb ? 1 : 2); Emit(OpCodes.Shr_Un); Emit(OpCodes.Conv_U8); Emit(OpCodes.Add); Ld(_icnt); Emit(OpCodes.Add); il.Emit(OpCodes.Stfld, FInstr);
        }

        /// <summary>
        /// The two exit paths every exit of the region shares (one copy keeps the method small for the
        /// JIT): to an instruction boundary, whose values are in _xPc, _xOp0, _xOp1 and _fseq; and
        /// through the interpreter's Refill to the branch target in _v.
        /// </summary>
        private void EmitExitTails()
        {
            var il = _il;
            // The limit reached before the instruction at _xPc: the pipeline words are the region's
            // words there, which memory holds while the region runs (a store into them ends it).
            il.MarkLabel(_budgetTail);
            LdPtr(_page); Ld(_xPc); Ldc(Bus.PageMask); Emit(OpCodes.And); Emit(OpCodes.Conv_U); Emit(OpCodes.Add); il.Emit(_thumb ? OpCodes.Ldind_U2 : OpCodes.Ldind_U4); St(_xOp0);
            LdPtr(_page); Ld(_xPc); Ldc(_step); Emit(OpCodes.Add); Ldc(Bus.PageMask); Emit(OpCodes.And); Emit(OpCodes.Conv_U); Emit(OpCodes.Add); il.Emit(_thumb ? OpCodes.Ldind_U2 : OpCodes.Ldind_U4); St(_xOp1);
            il.MarkLabel(_exitTail);
            WriteBack();
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FR); Ldc(60); Emit(OpCodes.Add); Ld(_xPc); Ldc(2 * _step); Emit(OpCodes.Add); il.Emit(OpCodes.Stind_I4);
            il.Emit(OpCodes.Ldarg_0); Ld(_xOp0); il.Emit(OpCodes.Stfld, FOp0);
            il.Emit(OpCodes.Ldarg_0); Ld(_xOp1); il.Emit(OpCodes.Stfld, FOp1);
            il.Emit(OpCodes.Ldarg_0); Ld(_fseq); il.Emit(OpCodes.Stfld, FFetchSeq);
            il.Emit(OpCodes.Ret);
            // An access off the fast path: the state of the boundary before the instruction, which the
            // interpreter then executes, as the run loop would at that boundary (its limit not reached,
            // no interrupt pending, no hook); the region ends there (the device may have raised an
            // interrupt, scheduled an event, aborted).
            il.MarkLabel(_stepTail);
            WriteBack();
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FR); Ldc(60); Emit(OpCodes.Add); Ld(_xPc); Ldc(2 * _step); Emit(OpCodes.Add); il.Emit(OpCodes.Stind_I4);
            il.Emit(OpCodes.Ldarg_0); Ld(_xOp0); il.Emit(OpCodes.Stfld, FOp0);
            il.Emit(OpCodes.Ldarg_0); Ld(_xOp1); il.Emit(OpCodes.Stfld, FOp1);
            il.Emit(OpCodes.Ldarg_0); Ld(_fseq); il.Emit(OpCodes.Stfld, FFetchSeq);
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Call, MStepFromRegion);
            il.Emit(OpCodes.Ret);
            il.MarkLabel(_refillTail);
            WriteBack();
            il.Emit(OpCodes.Ldarg_0); Ld(_v); il.Emit(OpCodes.Call, MRefill);
            il.Emit(OpCodes.Ret);
        }

        /// <summary>Before instruction k: leave when the cycle count reached the run loop's limit (_fseq holds the next fetch's kind at every boundary).</summary>
        private void BudgetCheck(int k)
        {
            Ldc(Addr(k)); St(_xPc);
            Ld(_cyc); _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Bge, _budgetTail);
        }

        /// <summary>A branch: write back (k instructions done, including the branch) and refill the pipeline from the target on the stack via the interpreter's Refill (N then S fetch through the bus).</summary>
        private void EmitRefillExit(int k)
        {
            St(_v);
            Ldc(Addr(k)); St(_xPc);
            _il.Emit(OpCodes.Br, _refillTail);
            Worst += 2 * _maxAccess;
        }

        /// <summary>
        /// A branch to a constant target: chained to the target's code in this region when it lies in
        /// the region's page (the refill's N and S fetches of its first two words cost the page's
        /// constants, TRM 6.3), else an exit through the interpreter's Refill.
        /// </summary>
        private void EmitBranch(int k, uint target)
        {
            Worst += 2 * _maxAccess;
            if (TryChain(target, k, refill: true)) return;
            Ldc(target);
            EmitRefillExit(k);
        }

        /// <summary>
        /// Jumps to the region's code for <paramref name="target"/>, reached with the next fetch S (after a
        /// refill or a branch not taken) once <paramref name="done"/> instructions of the current basic
        /// block executed; emits the target's basic block later if it is new. False when it cannot (another
        /// page, the region full): the caller exits instead.
        /// </summary>
        private bool TryChain(uint target, int done, bool refill)
        {
            if ((target & ~Bus.PageMask) != (_start & ~Bus.PageMask) || (target & (_step - 1)) != 0) return false;
            Label label;
            if (_sites.TryGetValue(target, out var site))
            {
                if (site.Seq == Seq.N) return false;
                label = site.Label;
            }
            else if (!_queued.TryGetValue(target, out label))
            {
                if (_total >= _maxTotal || (ulong)target + 3 * _step > _pageEnd) return false;
                label = _il.DefineLabel();
                _queued[target] = label;
                _queue.Enqueue((target, label));
            }
            if (refill) AddCycles(_costN + _costS);
            long skip = ((long)Addr(done) - target) / _step;
            if (skip != 0) { Ld(_icnt); _il.Emit(OpCodes.Ldc_I8, skip); Emit(OpCodes.Add); St(_icnt); }
            // The next fetch is S (the branch's own fetch was the last access, or the refill's).
            if (_seqAtStart != Seq.S) { Ldc(1); St(_fseq); }
            _il.Emit(OpCodes.Br, label);
            return true;
        }

        /// <summary>The straight-line path reaches an instruction already emitted: jump to it when the fetch kind known there agrees.</summary>
        private bool FallInto(Site site)
        {
            if (site.Seq != Seq.Dynamic && site.Seq != _seq) return false;
            _il.Emit(OpCodes.Br, site.Label);
            return true;
        }

        /// <summary>Branches to an exit before instruction k when the page pointer on the stack is null (the access leaves the fast path).</summary>
        private void BailIfNull(int k)
        {
            var label = _il.DefineLabel();
            _il.Emit(OpCodes.Brfalse, label);
            // The cycles of the boundary before instruction k: its fetch is not made.
            DeferExit(label, k, _seqAtStart, beforeInstruction: true, step: true);
        }

        private Seq _seqAtStart;
        private uint _pc;      // R15 during cycle 1 of the current instruction (address + 8 / + 4)
        private int _blPrefixAt = -1;   // index of a Thumb BL prefix just emitted in this basic block
        private uint _blPrefixLr;

        /// <summary>
        /// Emits the region: the basic block at the entry, then the blocks its constant branches reach in
        /// the same page (each emitted once, branches between them chained), up to <paramref name="max"/>
        /// instructions in all. Returns how many instructions the entry block has (0: nothing to run).
        /// </summary>
        public int Emit(int max)
        {
            var il = _il;
            _maxTotal = max;
            // The prologue is emitted last (it needs the registers used) and jumped to first.
            il.Emit(OpCodes.Br, _setup);
            int n = EmitBlock(_start, _entry, Seq.Dynamic);
            if (n == 0) return 0;
            while (_queue.Count > 0)
            {
                var (b, label) = _queue.Dequeue();
                EmitBlock(b, label, Seq.S);
            }
            for (int i = 0; i < _exits.Count; i++) _exits[i]();
            EmitExitTails();
            CollectEntries();
            EmitPrologue();
            return n;
        }

        public int Total => _total;
        public int ILSize => _il.ILOffset;

        /// <summary>One basic block from <paramref name="b"/>; returns its instruction count.</summary>
        private int EmitBlock(uint b, Label entry, Seq seq)
        {
            _base = b;
            _seq = seq;
            _blPrefixAt = -1;
            for (int k = 0; ; k++)
            {
                uint a = Addr(k);
                if (k > 0 && _sites.TryGetValue(a, out var there) && FallInto(there)) { MarkWords(b, k); return k; }
                var label = k == 0 ? entry : _il.DefineLabel();
                _il.MarkLabel(label);
                // A BL suffix right after its prefix is compiled with the prefix's LR as a constant: not an
                // entry for other paths.
                bool foldedSuffix = _thumb && k > 0 && _blPrefixAt == k - 1 && (Word(k) >> 11) == 31;
                if (!foldedSuffix) _sites.TryAdd(a, new Site(label, _seq, k, b == _start));
                // Instruction k, its fetch (word k+2) and the word after it must lie in the page.
                if ((ulong)Addr(k + 2) + _step > _pageEnd || _total >= _maxTotal) { EmitExit(k, _seq); MarkWords(b, k); return k; }
                BudgetCheck(k);
                _seqAtStart = _seq;
                _pc = a + 2 * _step;
                Ld(_cyc); St(_cyc0);
                uint op = Word(k);
                var r = _thumb ? EmitThumb(op, k) : EmitArm(op, k);
                if (r == Result.No)
                {
                    if (k == 0 && b == _start) return 0;
                    // An instruction left to the interpreter: it executes it from the region's exit, as
                    // the run loop would at this boundary, and the region ends there.
                    var toStep = _il.DefineLabel();
                    _il.Emit(OpCodes.Br, toStep);
                    DeferExit(toStep, k, _seq, beforeInstruction: false, step: true);
                    MarkWords(b, k);
                    return k;
                }
                _total++;
                if (r == Result.End) { MarkWords(b, k + 1); return k + 1; }
                // _fseq holds the next fetch's kind at every boundary (exits and Dynamic fetches read it).
                if (_seq == Seq.S && _seqAtStart != Seq.S) { Ldc(1); St(_fseq); }
                else if (_seq == Seq.N && _seqAtStart != Seq.N) { Ldc(0); St(_fseq); }
            }
        }

        /// <summary>Registers into locals, CPSR, cycles, the first fetch's kind from the core; the span of the compiled words for the store check.</summary>
        private void EmitPrologue()
        {
            var il = _il;
            il.MarkLabel(_setup);
            for (int i = 0; i < 15; i++)
            {
                if ((_used & (1u << i)) == 0) continue;
                il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FR); Ldc(4 * i); Emit(OpCodes.Add); il.Emit(OpCodes.Ldind_U4); St(_reg[i]);
            }
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FCpsr); St(_cpsr);
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FS); il.Emit(OpCodes.Ldfld, FCycles); St(_cyc);
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FFetchSeq); St(_fseq);
            Ldc(_lo); St(_spanLo);
            Ldc(_hi); St(_spanHi);
            // Entry i > 0 at its site: the instruction count is relative to the entry's address.
            il.Emit(OpCodes.Ldc_I8, -(long)(_start / _step)); St(_icnt);
            var stubs = new Label[_entrySites.Count];
            for (int i = 0; i < stubs.Length; i++) stubs[i] = il.DefineLabel();
            il.Emit(OpCodes.Ldarg_2);
            il.Emit(OpCodes.Switch, stubs);
            il.Emit(OpCodes.Br, _entry);
            for (int i = 0; i < stubs.Length; i++)
            {
                il.MarkLabel(stubs[i]);
                var site = _entryLabels[i];
                il.Emit(OpCodes.Ldc_I8, -(long)(_entrySites[i].Address / _step)); St(_icnt);
                il.Emit(OpCodes.Br, site.Label);
            }
        }

        private readonly List<(uint Address, int Seq)> _entrySites = new();
        private readonly List<Site> _entryLabels = new();

        /// <summary>The region's entries: its start, then every instruction that can start a run (address, required fetch kind or -1).</summary>
        public List<(uint Address, int Seq)> EntrySites => _entrySites;

        private void CollectEntries()
        {
            _entrySites.Add((_start, -1));
            _entryLabels.Add(_sites[_start]);
            foreach (var (a, site) in _sites)
            {
                if (a == _start) continue;
                // Its two words are checked against the pipeline at entry, the rest of the region's
                // words against memory.
                _entrySites.Add((a, site.Seq == Seq.Dynamic ? -1 : site.Seq == Seq.S ? 1 : 0));
                _entryLabels.Add(site);
            }
        }

        public BlockCode Finish() => (BlockCode)_dm.CreateDelegate(typeof(BlockCode));

        private enum Result { No, Ok, End }

        // ================================ ARM ================================

        private Result EmitArm(uint op, int k)
        {
            uint cond = op >> 28;
            if (cond == 0xF) return Result.No;
            uint hi = (op >> 20) & 0xFF, lo = (op >> 4) & 0xF;
            switch (hi >> 5)
            {
                case 0:
                    if (lo == 0b1001)
                    {
                        // MUL/MLA; R15 as an operand or destination is left to the interpreter.
                        if ((hi & 0xFC) == 0x00 && ((op >> 16) & 15) != 15 && ((op >> 12) & 15) != 15 && ((op >> 8) & 15) != 15 && (op & 15) != 15)
                            return Conditional(cond, k, () => ArmMultiply(op));
                        return Result.No;
                    }
                    if ((lo & 0b1001) == 0b1001) return ArmHalfword(op, k, cond);
                    if ((hi & 0x19) == 0x10)
                    {
                        if (hi == 0x12 && lo == 0b0001) return ArmBx(op, k, cond);
                        return Result.No;
                    }
                    return ArmDataProc(op, k, cond);
                case 1:
                    if ((hi & 0x1B) == 0x12 || (hi & 0x1B) == 0x10) return Result.No;
                    return ArmDataProc(op, k, cond);
                case 2: return ArmSingle(op, k, cond);
                case 3: return (lo & 1) != 0 ? Result.No : ArmSingle(op, k, cond);
                case 4: return ArmBlock(op, k, cond);
                case 5: return ArmBranch(op, k, cond);
                default: return Result.No;
            }
        }

        /// <summary>
        /// A non-branch instruction under a condition: the fetch happens either way (a failed condition
        /// costs 1S, TRM 6.3), the body only when it passes. A body that is a store makes the next fetch
        /// N on one path only: the local <c>fseq</c> then carries it.
        /// </summary>
        private Result Conditional(uint cond, int k, Func<bool> body)
        {
            Fetch();
            if (cond == 0xE) { body(); return Result.Ok; }
            var skip = _il.DefineLabel();
            CondTest(cond);
            _il.Emit(OpCodes.Brfalse, skip);
            body();
            Seq after = _seq;
            if (after == Seq.S) { _il.MarkLabel(skip); return Result.Ok; }
            // The body left the next fetch N: record it in fseq on both paths.
            Ldc(0); St(_fseq);
            var done = _il.DefineLabel();
            _il.Emit(OpCodes.Br, done);
            _il.MarkLabel(skip);
            Ldc(1); St(_fseq);
            _il.MarkLabel(done);
            _seq = Seq.Dynamic;
            return Result.Ok;
        }

        /// <summary>Operand 2 of a data-processing instruction onto the stack; its shifter carry into <c>_c</c> when <paramref name="carry"/>.</summary>
        private void ArmOperand2(uint op, bool carry, uint pcForRm)
        {
            if ((op & (1u << 25)) != 0)
            {
                int rot = (int)((op >> 7) & 0x1E);
                uint imm = BitOperations.RotateRight(op & 0xFF, rot);
                if (carry)
                {
                    if (rot == 0) { Ld(_cpsr); Call(MCarry); } else Ldc(imm >> 31);
                    St(_c);
                }
                Ldc(imm);
                return;
            }
            int type = (int)((op >> 5) & 3);
            int rm = (int)(op & 15);
            if ((op & 0x10) == 0)
            {
                int amount = (int)((op >> 7) & 31);
                if (carry) { LdReg(rm, pcForRm); Ldc(type); Ldc(amount); Ld(_cpsr); Call(MShiftImmC); St(_c); }
                if (type == 0 && amount == 0) { LdReg(rm, pcForRm); return; }
                LdReg(rm, pcForRm); Ldc(type); Ldc(amount); Ld(_cpsr); Call(MShiftImmV);
                return;
            }
            // Register-specified shift: amount = Rs[7:0], read while the fetch happens (TRM 4.5.5).
            int rs = (int)((op >> 8) & 15);
            LdReg(rs, _pc); Ldc(0xFF); Emit(OpCodes.And); St(_b);
            if (carry) { LdReg(rm, pcForRm); Ldc(type); Ld(_b); Ld(_cpsr); Call(MShiftRegC); St(_c); }
            LdReg(rm, pcForRm); Ldc(type); Ld(_b); Call(MShiftRegV);
        }

        private Result ArmDataProc(uint op, int k, uint cond)
        {
            int rd = (int)((op >> 12) & 15), rn = (int)((op >> 16) & 15);
            uint opc = (op >> 21) & 15;
            bool s = (op & (1u << 20)) != 0;
            bool regShift = (op & (1u << 25)) == 0 && (op & 0x10) != 0;
            bool writes = opc < 8 || opc >= 12;
            if (rd == 15) return Result.No;   // ALU writes to R15 (branches, exception returns) stay with the interpreter
            if (!writes && !s) return Result.No;
            bool logical = opc is 0 or 1 or 8 or 9 or 12 or 13 or 14 or 15;
            // R15 as Rn/Rm: address + 8, or + 12 with a register-specified shift (read after the fetch).
            uint pcv = regShift ? _pc + 4 : _pc;
            return Conditional(cond, k, () =>
            {
                ArmOperand2(op, s && logical, pcv);
                St(_a);   // operand 2
                if (regShift) AddCycles(1);
                if (regShift) Worst += 1;
                if (opc != 13 && opc != 15) { LdReg(rn, pcv); St(_b); }
                EmitAlu(opc, s, rd, writes);
                return true;
            });
        }

        /// <summary>ALU on _b (Rn) and _a (operand 2), shifter carry in _c; result to Rd when it writes, flags when S.</summary>
        private void EmitAlu(uint opc, bool s, int rd, bool writes)
        {
            switch (opc)
            {
                case 0x0: case 0x8: Ld(_b); Ld(_a); Emit(OpCodes.And); break;
                case 0x1: case 0x9: Ld(_b); Ld(_a); Emit(OpCodes.Xor); break;
                case 0xC: Ld(_b); Ld(_a); Emit(OpCodes.Or); break;
                case 0xD: Ld(_a); break;
                case 0xE: Ld(_b); Ld(_a); Emit(OpCodes.Not); Emit(OpCodes.And); break;
                case 0xF: Ld(_a); Emit(OpCodes.Not); break;
                default:
                    {
                        // Arithmetic: (x, y, carry-in) for Add or Sub.
                        bool sub = opc is 0x2 or 0x3 or 0x6 or 0x7 or 0xA;
                        bool rev = opc is 0x3 or 0x7;
                        var x = rev ? _a : _b; var y = rev ? _b : _a;
                        void Cin()
                        {
                            if (opc is 0x5 or 0x6 or 0x7) { Ld(_cpsr); Call(MCarry); }
                            else Ldc(sub ? 1 : 0);
                        }
                        Ld(x); Ld(y); Cin(); Call(sub ? MSubC : MAddC);
                        St(_v);
                        if (s) { Ld(_cpsr); Ld(x); Ld(y); Cin(); Call(sub ? MFlagsSub : MFlagsAdd); St(_cpsr); }
                        if (writes) { Ld(_v); StReg(rd); }
                        return;
                    }
            }
            St(_v);
            if (s) { Ld(_cpsr); Ld(_v); Ld(_c); Call(MFlagsLogic); St(_cpsr); }
            if (writes) { Ld(_v); StReg(rd); }
        }

        private bool ArmMultiply(uint op)
        {
            int rd = (int)((op >> 16) & 15), rn = (int)((op >> 12) & 15), rs = (int)((op >> 8) & 15), rm = (int)(op & 15);
            bool acc = (op & (1u << 21)) != 0, s = (op & (1u << 20)) != 0;
            // (Checked by the caller's decode: R15 operands are unpredictable; we refuse them below.)
            LdReg(rs, 0); St(_b);
            LdReg(rm, 0); St(_a);
            if (acc) { LdReg(rn, 0); St(_c); }
            Ld(_cyc); Ld(_b); Call(MMulCycles); if (acc) { Ldc(1); Emit(OpCodes.Add); } Emit(OpCodes.Conv_I8); Emit(OpCodes.Add); St(_cyc);
            Worst += acc ? 5 : 4;
            Ld(_a); Ld(_b); Emit(OpCodes.Mul); if (acc) { Ld(_c); Emit(OpCodes.Add); } St(_v);
            if (s)
            {
                Ld(_cpsr); Ld(_v); Ld(_a); Ld(_b); if (acc) Ld(_c); else Ldc(0); Ldc(acc ? 1 : 0); Call(MFlagsMul); St(_cpsr);
            }
            Ld(_v); StReg(rd);
            return true;
        }

        /// <summary>
        /// A conditional branch: when <paramref name="cond"/> fails, goes on with instruction k+1 (chained
        /// when it is in the region, else an exit there with a sequential fetch); the code emitted next
        /// is the taken path.
        /// </summary>
        private void ElseFallThrough(uint cond, int k)
        {
            var taken = _il.DefineLabel();
            CondTest(cond);
            _il.Emit(OpCodes.Brtrue, taken);
            if (!TryChain(Addr(k + 1), k + 1, refill: false)) EmitExit(k + 1, Seq.S);
            _il.MarkLabel(taken);
        }

        private Result ArmBranch(uint op, int k, uint cond)
        {
            uint target = _pc + (uint)(((int)(op << 8)) >> 6);
            bool link = (op & (1u << 24)) != 0;
            Fetch();
            if (cond != 0xE) ElseFallThrough(cond, k);
            if (link) { Ldc(_pc - 4); StReg(14); }
            EmitBranch(k + 1, target);
            return Result.End;
        }

        private Result ArmBx(uint op, int k, uint cond)
        {
            int rm = (int)(op & 15);
            if (rm == 15) return Result.No;
            Fetch();
            if (cond != 0xE) ElseFallThrough(cond, k);
            // Bit 0 selects Thumb state (TRM 4.3); Refill clears it from the address in Thumb state.
            Ld(Reg(rm)); St(_a);
            Ld(_cpsr); Ld(_a); Ldc(1); Emit(OpCodes.And); Ldc(5); Emit(OpCodes.Shl); Emit(OpCodes.Or); St(_cpsr);
            Ld(_a); Ldc(~1u); Emit(OpCodes.And);
            EmitRefillExit(k + 1);
            return Result.End;
        }

        /// <summary>LDR/STR/LDRB/STRB with immediate or shifted-register offset (TRM 4.9), not T forms, no R15 writes.</summary>
        private Result ArmSingle(uint op, int k, uint cond)
        {
            int rn = (int)((op >> 16) & 15), rd = (int)((op >> 12) & 15);
            bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0, b = (op & (1u << 22)) != 0;
            bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
            bool writeback = !pre || w;
            if (!pre && w) return Result.No;                 // LDRT/STRT: User-mode access
            if (writeback && rn == 15) return Result.No;
            if (load && rd == 15) return Result.No;
            bool reg = (op & (1u << 25)) != 0;
            if (reg && (op & 15) == 15) return Result.No;
            return Conditional(cond, k, () =>
            {
                // Offset into _a, base into _b, address into _addr, new base into _c.
                if (reg) { Ld(Reg(op & 15)); Ldc((int)((op >> 5) & 3)); Ldc((int)((op >> 7) & 31)); Ld(_cpsr); Call(MShiftImmV); }
                else Ldc(op & 0xFFF);
                St(_a);
                LdReg(rn, _pc); St(_b);
                Ld(_b); Ld(_a); Emit(up ? OpCodes.Add : OpCodes.Sub); St(_c);
                Ld(pre ? _c : _b); St(_addr);
                if (load)
                {
                    PageCheck(read: true, k);
                    Access(read: true, b ? 0 : 2, seq: false);
                    Ld(_p); Ld(_addr); Call(b ? MLd8 : MLd32);
                    if (!b) { Ld(_addr); Ldc(3); Emit(OpCodes.And); Ldc(3); Emit(OpCodes.Shl); Call(MRor); }
                    St(_v);
                    AddCycles(1); Worst += 1;                      // the I cycle of every load (TRM 6.4)
                    if (writeback) { Ld(_c); StReg(rn); }
                    Ld(_v); StReg(rd);
                }
                else
                {
                    PageCheck(read: false, k);
                    Access(read: false, b ? 0 : 2, seq: false);
                    Ld(_p); Ld(_addr); LdReg(rd, _pc + 4); Call(b ? MSt8 : MSt32);
                    if (writeback) { Ld(_c); StReg(rn); }
                    StoreEnd(k, b ? 1u : 4u);
                }
                return true;
            });
        }

        /// <summary>LDRH/STRH/LDRSB/LDRSH (TRM 4.10), the same shape as LDR/STR.</summary>
        private Result ArmHalfword(uint op, int k, uint cond)
        {
            int rn = (int)((op >> 16) & 15), rd = (int)((op >> 12) & 15);
            bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0;
            bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
            bool immForm = (op & (1u << 22)) != 0;
            uint sh = (op >> 5) & 3;
            bool writeback = !pre || w;
            if (writeback && rn == 15) return Result.No;
            if (load && rd == 15) return Result.No;
            if (!immForm && (op & 15) == 15) return Result.No;
            return Conditional(cond, k, () =>
            {
                if (immForm) Ldc(((op >> 4) & 0xF0) | (op & 0xF)); else Ld(Reg(op & 15));
                St(_a);
                LdReg(rn, _pc); St(_b);
                Ld(_b); Ld(_a); Emit(up ? OpCodes.Add : OpCodes.Sub); St(_c);
                Ld(pre ? _c : _b); St(_addr);
                if (load)
                {
                    PageCheck(read: true, k);
                    EmitHalfLoad(sh == 1 ? 2 : sh == 2 ? -1 : -3);
                    AddCycles(1); Worst += 1;
                    if (writeback) { Ld(_c); StReg(rn); }
                    Ld(_v); StReg(rd);
                }
                else
                {
                    PageCheck(read: false, k);
                    Access(read: false, 1, seq: false);
                    Ld(_p); Ld(_addr); LdReg(rd, _pc + 4); Call(MSt16);
                    if (writeback) { Ld(_c); StReg(rn); }
                    StoreEnd(k, 2);
                }
                return true;
            });
        }

        /// <summary>
        /// Load of kind 2 (LDRH: odd address rotates by 8), -1 (LDRSB), -3 (ARM LDRSH: odd address is a
        /// signed byte access), -2 (Thumb LDSH: odd address sign-extends the addressed byte of the halfword
        /// access) into _v, with its cost; _p holds the page.
        /// </summary>
        private void EmitHalfLoad(int kind)
        {
            switch (kind)
            {
                case 2:
                    Access(true, 1, false);
                    Ld(_p); Ld(_addr); Call(MLd16); Ld(_addr); Ldc(1); Emit(OpCodes.And); Ldc(3); Emit(OpCodes.Shl); Call(MRor); St(_v);
                    break;
                case -1:
                    Access(true, 0, false);
                    Ld(_p); Ld(_addr); Call(MLd8); Emit(OpCodes.Conv_I1); St(_v);
                    break;
                case -3:
                    {
                        var odd = _il.DefineLabel(); var done = _il.DefineLabel();
                        Ld(_addr); Ldc(1); Emit(OpCodes.And); _il.Emit(OpCodes.Brtrue, odd);
                        Access(true, 1, false);
                        Ld(_p); Ld(_addr); Call(MLd16); Emit(OpCodes.Conv_I2); St(_v);
                        _il.Emit(OpCodes.Br, done);
                        _il.MarkLabel(odd);
                        Access(true, 0, false, countWorst: false);
                        Ld(_p); Ld(_addr); Call(MLd8); Emit(OpCodes.Conv_I1); St(_v);
                        _il.MarkLabel(done);
                        break;
                    }
                default:
                    {
                        Access(true, 1, false);
                        var odd = _il.DefineLabel(); var done = _il.DefineLabel();
                        Ld(_addr); Ldc(1); Emit(OpCodes.And); _il.Emit(OpCodes.Brtrue, odd);
                        Ld(_p); Ld(_addr); Call(MLd16); Emit(OpCodes.Conv_I2); St(_v);
                        _il.Emit(OpCodes.Br, done);
                        _il.MarkLabel(odd);
                        Ld(_p); Ld(_addr); Call(MLd16); Ldc(8); Emit(OpCodes.Shr_Un); Emit(OpCodes.Conv_I1); St(_v);
                        _il.MarkLabel(done);
                        break;
                    }
            }
        }

        /// <summary>_p = the fast-path page of _addr; exit before instruction k when there is none.</summary>
        private void PageCheck(bool read, int k)
        {
            LdPtr(read ? _bus.ReadPageTable : _bus.WritePageTable); Ld(_addr); Call(MPage); St(_p);
            Ld(_p); BailIfNull(k);
        }

        /// <summary>Adds the clocks of one data access at _addr (kind = log2 size, seq, write) from the bus's cost table.</summary>
        private void Access(bool read, int log2Size, bool seq, bool countWorst = true, LocalBuilder? address = null)
        {
            int kind = (read ? 0 : 8) | (seq ? 4 : 0) | log2Size;
            Ld(_cyc); LdPtr(_bus.PageTimingTable); LdPtr(_bus.CostTable); Ld(address ?? _addr); Ldc(kind); Call(MCost); Emit(OpCodes.Add); St(_cyc);
            if (countWorst) Worst += _maxAccess;
        }

        /// <summary>
        /// After a store: the next fetch is N (the write was the last access, TRM 6.5). A store into the
        /// words this block compiled (its instructions and the two prefetched words) ends the block after
        /// this instruction: the words already fetched stay in the pipeline, as on the chip; the
        /// interpreter fetches the rest from the changed memory.
        /// </summary>
        private void StoreEnd(int k, uint size, LocalBuilder? address = null)
        {
            _seq = Seq.N;
            Ld(address ?? _addr); Ldc(size); Ld(_spanLo); Ld(_spanHi); Call(MOverlaps);
            var label = _il.DefineLabel();
            _il.Emit(OpCodes.Brtrue, label);
            DeferExit(label, k + 1, Seq.N, beforeInstruction: false);
        }

        /// <summary>LDM/STM without S (TRM 4.11); an LDM that loads R15 ends the block with the refill.</summary>
        private Result ArmBlock(uint op, int k, uint cond)
        {
            int rn = (int)((op >> 16) & 15);
            bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0, s = (op & (1u << 22)) != 0;
            bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
            uint list = op & 0xFFFF;
            if (s || rn == 15 || list == 0) return Result.No;
            if (load && (list & 0x8000) != 0 && cond != 0xE) return Result.No;
            int count = BitOperations.PopCount(list);
            uint bytes = (uint)count * 4;
            bool loadsPc = load && (list & 0x8000) != 0;
            if (loadsPc)
            {
                Fetch();
                EmitMultiple(rn, list, up, pre, w, load, k, bytes);
                return Result.End;
            }
            return Conditional(cond, k, () => { EmitMultiple(rn, list, up, pre, w, load, k, bytes); return true; });
        }

        /// <summary>
        /// The transfers of LDM/STM/PUSH/POP in the interpreter's order: the lowest register at the lowest
        /// address, the first access N and the rest S, the base written back at the end of the first
        /// transfer (so a stored base that is not first in the list is stored as its new value).
        /// </summary>
        private void EmitMultiple(int rn, uint list, bool up, bool pre, bool w, bool load, int k, uint bytes)
        {
            // Start address into _addr, new base into _c.
            LdReg(rn, 0); St(_b);
            if (up) { Ld(_b); if (pre) { Ldc(4); Emit(OpCodes.Add); } St(_addr); Ld(_b); Ldc(bytes); Emit(OpCodes.Add); St(_c); }
            else { Ld(_b); Ldc(bytes); Emit(OpCodes.Sub); if (!pre) { Ldc(4); Emit(OpCodes.Add); } St(_addr); Ld(_b); Ldc(bytes); Emit(OpCodes.Sub); St(_c); }
            // Both ends of the (at most 64-byte) range on the fast path: every word in it is then.
            LdPtr(load ? _bus.ReadPageTable : _bus.WritePageTable); Ld(_addr); Call(MPage); St(_p);
            Ld(_p); BailIfNull(k);
            LdPtr(load ? _bus.ReadPageTable : _bus.WritePageTable); Ld(_addr); Ldc(bytes - 4); Emit(OpCodes.Add); Call(MPage); St(_p2);
            Ld(_p2); BailIfNull(k);
            bool first = true;
            int off = 0;
            var a = _mAddr;
            for (int i = 0; i < 16; i++)
            {
                if ((list & (1u << i)) == 0) continue;
                Ld(_addr); Ldc(off); Emit(OpCodes.Add); St(a);
                // The page of this word: _p or _p2 (compare page numbers).
                LdPtr(load ? _bus.ReadPageTable : _bus.WritePageTable); Ld(a); Call(MPage); St(_p);
                Access(load, 2, seq: !first, address: a);
                if (load)
                {
                    Ld(_p); Ld(a); Call(MLd32); St(_v);
                    if (first && w) { Ld(_c); StReg(rn); }
                    if (i == 15) { /* kept in _v until the refill */ }
                    else { Ld(_v); StReg(i); }
                }
                else
                {
                    Ld(_p); Ld(a); LdReg(i, _pc + 4); Call(MSt32);
                    if (first && w) { Ld(_c); StReg(rn); }
                }
                first = false;
                off += 4;
            }
            if (load)
            {
                AddCycles(1); Worst += 1;
                if ((list & 0x8000) != 0) { Ld(_v); EmitRefillExit(k + 1); }
            }
            else
            {
                _seq = Seq.N;
                Ld(_addr); Ldc(bytes); Ld(_spanLo); Ld(_spanHi); Call(MOverlaps);
                var label = _il.DefineLabel();
                _il.Emit(OpCodes.Brtrue, label);
                DeferExit(label, k + 1, Seq.N, beforeInstruction: false);
            }
        }

        // ================================ Thumb ================================

        private Result EmitThumb(uint op, int k)
        {
            uint pc = _pc;   // R15 = address + 4
            switch (op >> 11)
            {
                case 0: case 1: case 2:
                    {
                        // Format 1: MOVS Rd, Rs, <shift> #imm5.
                        int type = (int)((op >> 11) & 3), amount = (int)((op >> 6) & 31), rs = (int)((op >> 3) & 7), rd = (int)(op & 7);
                        Fetch();
                        Ld(Reg(rs)); Ldc(type); Ldc(amount); Ld(_cpsr); Call(MShiftImmC); St(_c);
                        Ld(Reg(rs)); Ldc(type); Ldc(amount); Ld(_cpsr); Call(MShiftImmV); St(_v);
                        Ld(_cpsr); Ld(_v); Ld(_c); Call(MFlagsLogic); St(_cpsr);
                        Ld(_v); StReg(rd);
                        return Result.Ok;
                    }
                case 3:
                    {
                        int rs = (int)((op >> 3) & 7), rn = (int)((op >> 6) & 7), rd = (int)(op & 7);
                        bool sub = (op & 0x0200) != 0;
                        Fetch();
                        Ld(Reg(rs)); St(_b);
                        if ((op & 0x0400) != 0) Ldc(rn); else Ld(Reg(rn));
                        St(_a);
                        Ld(_b); Ld(_a); Ldc(sub ? 1 : 0); Call(sub ? MSubC : MAddC); St(_v);
                        Ld(_cpsr); Ld(_b); Ld(_a); Ldc(sub ? 1 : 0); Call(sub ? MFlagsSub : MFlagsAdd); St(_cpsr);
                        Ld(_v); StReg(rd);
                        return Result.Ok;
                    }
                case 4: case 5: case 6: case 7:
                    {
                        int rd = (int)((op >> 8) & 7);
                        uint imm = op & 0xFF;
                        Fetch();
                        switch ((op >> 11) & 3)
                        {
                            case 0: Ldc(imm); StReg(rd); Ld(_cpsr); Ldc(imm); Call(MFlagsNZ); St(_cpsr); break;
                            case 1: Ld(_cpsr); Ld(Reg(rd)); Ldc(imm); Ldc(1); Call(MFlagsSub); St(_cpsr); break;
                            case 2:
                                Ld(Reg(rd)); St(_b);
                                Ld(_cpsr); Ld(_b); Ldc(imm); Ldc(0); Call(MFlagsAdd); St(_cpsr);
                                Ld(_b); Ldc(imm); Emit(OpCodes.Add); StReg(rd);
                                break;
                            default:
                                Ld(Reg(rd)); St(_b);
                                Ld(_cpsr); Ld(_b); Ldc(imm); Ldc(1); Call(MFlagsSub); St(_cpsr);
                                Ld(_b); Ldc(imm); Emit(OpCodes.Sub); StReg(rd);
                                break;
                        }
                        return Result.Ok;
                    }
                case 8:
                    if ((op & 0x0400) == 0) return ThumbAlu(op);
                    if (((op >> 8) & 3) == 3) return ThumbBx(op, k);
                    return ThumbHiReg(op, k);
                case 9:
                    {
                        // LDR Rd, [PC, #imm8*4]: a constant address, bit 1 of the PC forced to 0.
                        uint addr = (pc & ~2u) + ((op & 0xFF) << 2);
                        Fetch();
                        Ldc(addr); St(_addr);
                        ThumbLoad((int)((op >> 8) & 7), 4, k);
                        return Result.Ok;
                    }
                case 10: case 11:
                    {
                        int rd = (int)(op & 7);
                        Fetch();
                        Ld(Reg((op >> 3) & 7)); Ld(Reg((op >> 6) & 7)); Emit(OpCodes.Add); St(_addr);
                        if ((op & 0x0200) == 0)
                        {
                            bool b = (op & 0x0400) != 0;
                            if ((op & 0x0800) != 0) ThumbLoad(rd, b ? 1 : 4, k); else ThumbStore(rd, b ? 1 : 4, k);
                        }
                        else
                        {
                            switch ((op >> 10) & 3)
                            {
                                case 0: ThumbStore(rd, 2, k); break;
                                case 1: ThumbLoad(rd, -1, k); break;
                                case 2: ThumbLoad(rd, 2, k); break;
                                default: ThumbLoad(rd, -2, k); break;
                            }
                        }
                        return Result.Ok;
                    }
                case 12: case 13: case 14: case 15:
                    {
                        bool b = (op & 0x1000) != 0;
                        uint off = (op >> 6) & 31;
                        Fetch();
                        Ld(Reg((op >> 3) & 7)); Ldc(b ? off : off << 2); Emit(OpCodes.Add); St(_addr);
                        if ((op & 0x0800) != 0) ThumbLoad((int)(op & 7), b ? 1 : 4, k); else ThumbStore((int)(op & 7), b ? 1 : 4, k);
                        return Result.Ok;
                    }
                case 16: case 17:
                    Fetch();
                    Ld(Reg((op >> 3) & 7)); Ldc(((op >> 6) & 31) << 1); Emit(OpCodes.Add); St(_addr);
                    if ((op & 0x0800) != 0) ThumbLoad((int)(op & 7), 2, k); else ThumbStore((int)(op & 7), 2, k);
                    return Result.Ok;
                case 18: case 19:
                    Fetch();
                    Ld(Reg(13)); Ldc((op & 0xFF) << 2); Emit(OpCodes.Add); St(_addr);
                    if ((op & 0x0800) != 0) ThumbLoad((int)((op >> 8) & 7), 4, k); else ThumbStore((int)((op >> 8) & 7), 4, k);
                    return Result.Ok;
                case 20: case 21:
                    Fetch();
                    if ((op & 0x0800) != 0) Ld(Reg(13)); else Ldc(pc & ~2u);
                    Ldc((op & 0xFF) << 2); Emit(OpCodes.Add); StReg((int)((op >> 8) & 7));
                    return Result.Ok;
                case 22: case 23:
                    {
                        uint sub = (op >> 8) & 0xF;
                        if (sub == 0)
                        {
                            Fetch();
                            Ld(Reg(13)); Ldc((op & 0x7F) << 2); Emit((op & 0x80) != 0 ? OpCodes.Sub : OpCodes.Add); StReg(13);
                            return Result.Ok;
                        }
                        if ((sub & 0b0110) != 0b0100) return Result.No;
                        uint list = op & 0xFF;
                        if ((sub & 0b1000) != 0)
                        {
                            // POP = LDMIA SP!; with PC it ends the block (bit 0 of the PC ignored by Refill in Thumb state).
                            if ((op & 0x0100) != 0) list |= 1u << 15;
                            if (list == 0) return Result.No;
                            Fetch();
                            EmitMultiple(13, list, up: true, pre: false, w: (list & (1u << 13)) == 0, load: true, k, (uint)BitOperations.PopCount(list) * 4);
                            return (list & 0x8000) != 0 ? Result.End : Result.Ok;
                        }
                        if ((op & 0x0100) != 0) list |= 1u << 14;
                        if (list == 0) return Result.No;
                        Fetch();
                        EmitMultiple(13, list, up: false, pre: true, w: true, load: false, k, (uint)BitOperations.PopCount(list) * 4);
                        return Result.Ok;
                    }
                case 24: case 25:
                    {
                        int rb = (int)((op >> 8) & 7);
                        uint list = op & 0xFF;
                        if (list == 0) return Result.No;
                        bool load = (op & 0x0800) != 0;
                        Fetch();
                        // LDMIA: a base in the list is loaded and not written back.
                        bool w = !load || (list & (1u << rb)) == 0;
                        EmitMultiple(rb, list, up: true, pre: false, w, load, k, (uint)BitOperations.PopCount(list) * 4);
                        return Result.Ok;
                    }
                case 26: case 27:
                    {
                        uint cond = (op >> 8) & 0xF;
                        if (cond >= 0xE) return Result.No;
                        uint target = pc + (uint)((int)(op << 24) >> 23);
                        Fetch();
                        ElseFallThrough(cond, k);
                        EmitBranch(k + 1, target);
                        return Result.End;
                    }
                case 28:
                    Fetch();
                    EmitBranch(k + 1, pc + (uint)((int)(op << 21) >> 20));
                    return Result.End;
                case 30:
                    // BL prefix: LR = PC + (offset << 12), one S cycle (TRM 5.19).
                    Fetch();
                    _blPrefixLr = pc + (uint)((int)(op << 21) >> 9);
                    Ldc(_blPrefixLr); StReg(14);
                    _blPrefixAt = k;
                    return Result.Ok;
                case 31:
                    {
                        // BL suffix: PC = LR + (offset << 1), LR = next instruction | 1.
                        Fetch();
                        if (_blPrefixAt == k - 1 && k > 0)
                        {
                            // The prefix is the previous instruction of this block: the target is a constant.
                            Ldc((pc - 2) | 1); StReg(14);
                            EmitBranch(k + 1, _blPrefixLr + ((op & 0x7FF) << 1));
                            return Result.End;
                        }
                        Ld(Reg(14)); Ldc((op & 0x7FF) << 1); Emit(OpCodes.Add); St(_a);
                        Ldc((pc - 2) | 1); StReg(14);
                        Ld(_a);
                        EmitRefillExit(k + 1);
                        return Result.End;
                    }
                default:
                    return Result.No;
            }
        }

        private Result ThumbAlu(uint op)
        {
            int rd = (int)(op & 7), rs = (int)((op >> 3) & 7);
            uint opc = (op >> 6) & 0xF;
            Fetch();
            Ld(Reg(rd)); St(_a);
            Ld(Reg(rs)); St(_b);
            switch (opc)
            {
                case 0x0: Ld(_a); Ld(_b); Emit(OpCodes.And); St(_v); NZ(); Ld(_v); StReg(rd); break;
                case 0x1: Ld(_a); Ld(_b); Emit(OpCodes.Xor); St(_v); NZ(); Ld(_v); StReg(rd); break;
                case 0x2: case 0x3: case 0x4: case 0x7:
                    {
                        int type = opc == 2 ? 0 : opc == 3 ? 1 : opc == 4 ? 2 : 3;
                        AddCycles(1); Worst += 1;
                        Ld(_b); Ldc(0xFF); Emit(OpCodes.And); St(_b);
                        Ld(_a); Ldc(type); Ld(_b); Ld(_cpsr); Call(MShiftRegC); St(_c);
                        Ld(_a); Ldc(type); Ld(_b); Call(MShiftRegV); St(_v);
                        Ld(_cpsr); Ld(_v); Ld(_c); Call(MFlagsLogic); St(_cpsr);
                        Ld(_v); StReg(rd);
                        break;
                    }
                case 0x5: case 0x6:
                    {
                        bool sub = opc == 6;
                        Ld(_cpsr); Call(MCarry); St(_c);
                        Ld(_a); Ld(_b); Ld(_c); Call(sub ? MSubC : MAddC); St(_v);
                        Ld(_cpsr); Ld(_a); Ld(_b); Ld(_c); Call(sub ? MFlagsSub : MFlagsAdd); St(_cpsr);
                        Ld(_v); StReg(rd);
                        break;
                    }
                case 0x8: Ld(_a); Ld(_b); Emit(OpCodes.And); St(_v); NZ(); break;
                case 0x9:
                    Ldc(0); Ld(_b); Ldc(1); Call(MSubC); St(_v);
                    Ld(_cpsr); Ldc(0); Ld(_b); Ldc(1); Call(MFlagsSub); St(_cpsr);
                    Ld(_v); StReg(rd);
                    break;
                case 0xA: Ld(_cpsr); Ld(_a); Ld(_b); Ldc(1); Call(MFlagsSub); St(_cpsr); break;
                case 0xB: Ld(_cpsr); Ld(_a); Ld(_b); Ldc(0); Call(MFlagsAdd); St(_cpsr); break;
                case 0xC: Ld(_a); Ld(_b); Emit(OpCodes.Or); St(_v); NZ(); Ld(_v); StReg(rd); break;
                case 0xD:
                    // MUL Rd, Rs = MULS Rd, Rs, Rd: Rd is the multiplier (early termination on its bits).
                    Ld(_cyc); Ld(_a); Call(MMulCycles); Emit(OpCodes.Conv_I8); Emit(OpCodes.Add); St(_cyc);
                    Worst += 4;
                    Ld(_a); Ld(_b); Emit(OpCodes.Mul); St(_v);
                    Ld(_cpsr); Ld(_v); Ld(_b); Ld(_a); Ldc(0); Ldc(0); Call(MFlagsMul); St(_cpsr);
                    Ld(_v); StReg(rd);
                    break;
                case 0xE: Ld(_a); Ld(_b); Emit(OpCodes.Not); Emit(OpCodes.And); St(_v); NZ(); Ld(_v); StReg(rd); break;
                default: Ld(_b); Emit(OpCodes.Not); St(_v); NZ(); Ld(_v); StReg(rd); break;
            }
            return Result.Ok;
        }

        private void NZ() { Ld(_cpsr); Ld(_v); Call(MFlagsNZ); St(_cpsr); }

        private Result ThumbHiReg(uint op, int k)
        {
            int rd = (int)((op & 7) | ((op >> 4) & 8));
            int rs = (int)((op >> 3) & 15);
            uint opc = (op >> 8) & 3;
            Fetch();
            LdReg(rs, _pc); St(_b);
            LdReg(rd, _pc); St(_a);
            if (opc == 1) { Ld(_cpsr); Ld(_a); Ld(_b); Ldc(1); Call(MFlagsSub); St(_cpsr); return Result.Ok; }
            if (opc == 0) { Ld(_a); Ld(_b); Emit(OpCodes.Add); } else Ld(_b);
            if (rd == 15) { EmitRefillExit(k + 1); return Result.End; }
            StReg(rd);
            return Result.Ok;
        }

        private Result ThumbBx(uint op, int k)
        {
            int rs = (int)((op >> 3) & 15);
            Fetch();
            LdReg(rs, _pc); St(_a);
            // Bit 0 clear: to ARM state (TRM 5.5).
            var thumb = _il.DefineLabel();
            Ld(_a); Ldc(1); Emit(OpCodes.And); _il.Emit(OpCodes.Brtrue, thumb);
            Ld(_cpsr); Ldc(~Psr.T); Emit(OpCodes.And); St(_cpsr);
            _il.MarkLabel(thumb);
            Ld(_a);
            EmitRefillExit(k + 1);
            return Result.End;
        }

        /// <summary>Thumb load from _addr into a low register (kind as the interpreter's ThumbLoad): data N + 1 I.</summary>
        private void ThumbLoad(int rd, int kind, int k)
        {
            PageCheck(read: true, k);
            switch (kind)
            {
                case 4:
                    Access(true, 2, false);
                    Ld(_p); Ld(_addr); Call(MLd32); Ld(_addr); Ldc(3); Emit(OpCodes.And); Ldc(3); Emit(OpCodes.Shl); Call(MRor); St(_v);
                    break;
                case 1:
                    Access(true, 0, false);
                    Ld(_p); Ld(_addr); Call(MLd8); St(_v);
                    break;
                default:
                    EmitHalfLoad(kind);
                    break;
            }
            AddCycles(1); Worst += 1;
            Ld(_v); StReg(rd);
        }

        private void ThumbStore(int rd, int size, int k)
        {
            PageCheck(read: false, k);
            Access(false, size == 4 ? 2 : size == 2 ? 1 : 0, false);
            Ld(_p); Ld(_addr); Ld(Reg(rd)); Call(size == 4 ? MSt32 : size == 2 ? MSt16 : MSt8);
            StoreEnd(k, (uint)size);
        }
    }
}
