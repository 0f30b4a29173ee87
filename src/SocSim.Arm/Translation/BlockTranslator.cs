using System.Diagnostics;
using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;
using SocSim.Core;

namespace SocSim.Arm.Translation;

/// <summary>
/// A translated region: runs from the instruction <c>entry</c> selects (0: the region's start) to one
/// of its exits and leaves the core exactly as the interpreter would. It checks <c>limit</c> (the run
/// loop's next event or end) before every instruction, so every instruction it executes starts before
/// the limit and it leaves at the first boundary at or past it, as the interpreter's loop does.
/// The region's method is static with the core as its first argument; the delegate is closed over
/// the translator's core, so a call passes the core in the first argument register directly (an open
/// delegate over a static method goes through a shuffle thunk that moves every argument down one
/// register: 0.6% of FreeRTOS's main thread in a profile, 21 M region entries in 10 simulated seconds).
/// </summary>
public delegate void BlockCode(long limit, int entry);

/// <summary>
/// The code of one region and the memory it was compiled from: runs of its page (offsets and the
/// bytes they held), compared at an entry whenever something may have written them since the last
/// comparison (<see cref="Unchanged"/>), which makes self-modifying code, loaders and debuggers safe
/// without tracking every write; a store into the region while it runs ends it after that store.
/// </summary>
internal sealed unsafe class Region
{
    public required BlockCode Code;
    /// <summary>Whether the code ran once: the JIT compiles a DynamicMethod at its first call.</summary>
    public bool Jitted;
    /// <summary>Whether the run loop may enter it: at once, or once the background JIT compiled it.</summary>
    public volatile bool Ready;
    public byte* Page;
    /// <summary>Its first instruction's key (address | Thumb bit), IL size and basic blocks: for SOCSIM_TDEBUG's per-region lines.</summary>
    public uint Key;
    public int ILSize, Blocks;
    public int[] Offsets = [];
    public byte[][] Bytes = [];
    public int Length;

    /// <summary>The address of the page the code is in.</summary>
    public uint PageBase;

    /// <summary>
    /// The instruction starts its code reaches only by being entered there: no chained branch, fall-through
    /// or resume inside the region leads to them. The run loop may call an address watch's action
    /// for such an address before entering there, as the interpreter would before that instruction.
    /// </summary>
    public uint[] EntryOnly = [];

    /// <summary>Whether <paramref name="address"/> is one of <see cref="EntryOnly"/>.</summary>
    public bool IsEntryOnly(uint address)
    {
        foreach (uint a in EntryOnly)
            if (a == address) return true;
        return false;
    }

    /// <summary>Whether <paramref name="address"/> is one of the words the region was compiled from (every instruction it can execute is).</summary>
    public bool Covers(uint address)
    {
        if ((address & ~Bus.PageMask) != PageBase) return false;
        int offset = (int)(address & Bus.PageMask);
        for (int i = 0; i < Offsets.Length; i++)
            if (offset >= Offsets[i] && offset < Offsets[i] + Bytes[i].Length) return true;
        return false;
    }

    /// <summary>
    /// Whether its bytes are a memory controller's own (translated with the controller's timing model:
    /// the LPC2106 flash behind the MAM, BlockTranslator.Timing.cs). The bus has no write page for them:
    /// a store reaches them only through the controller's Write, and a loader, debugger or semihosting
    /// only through Bus.DebugWrite8, both counted in <see cref="Bus.UntrackedWrites"/>; a checkpoint's
    /// memory is restored between runs of the core. So such a region is compared with memory once per
    /// run of the core (<see cref="BlockTranslator.Epoch"/>) and again only after that count moved.
    /// </summary>
    public bool BehindController;
    private int _seenEpoch = -1, _seenWrites, _seenCodeWrites;

    /// <summary>
    /// Whether memory still holds the bytes the region was compiled from (<see cref="MemoryMatches"/>),
    /// compared only when it may have changed: for a region <see cref="BehindController"/>, once per epoch
    /// and untracked write; for a RAM region, once more whenever the core's count of what may have written
    /// code (<paramref name="codeWrites"/>, ArmCpu._codeWrites: a store into the host bytes of any RAM
    /// region's code, a call from a region into the core, a step, an event) moved too. Since 8 December
    /// 2026 (issue 21; the comparison was made at every entry, 1.7 M times on bench.elf).
    /// </summary>
    public bool Unchanged(int epoch, int untrackedWrites, int codeWrites)
    {
        if (epoch == _seenEpoch && untrackedWrites == _seenWrites && (BehindController || codeWrites == _seenCodeWrites)) return true;
        if (!MemoryMatches()) return false;
        _seenEpoch = epoch;
        _seenWrites = untrackedWrites;
        _seenCodeWrites = codeWrites;
        return true;
    }

    /// <summary>
    /// A one-entry cache of where the run loop went after this region's exit: the entry for
    /// <see cref="NextKey"/>, valid while the translator's <see cref="BlockTranslator.Flushes"/> is
    /// <see cref="NextFlushes"/> (ArmCpu.RunTranslated checks everything else at every entry).
    /// </summary>
    public BlockEntry? Next;
    public uint NextKey;
    public int NextFlushes = -1;

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
/// and are written back to the native register file at every exit; the condition flags live in one
/// local each, packed into CPSR at the exits; opcode fetch costs are compile-time constants of the page (TRM 6.2: every fetch
/// after the first is S unless a store made the next one N); data accesses take the bus's page-table
/// fast path with the bus's own cost table. Before every instruction the cycle count is compared with
/// the run loop's limit (see InstructionCheck), so no instruction starts at or after the boundary where
/// the interpreter's loop would stop.
/// A single load or store whose address has no page (a device register, ROM write, unmapped space)
/// is made by the region through the bus (ArmCpu.RegionDevice: the device's own catch-up, its wait
/// states, an abort) and the region goes on unless the access raised something; an LDM/STM there, or
/// memory behind a controller, is executed by the interpreter from the region's exit, and the region
/// goes on after it when nothing was raised (see EmitResumes), else it ends there. An instruction it does not translate (SWI, coprocessor and undefined, SWP, LDM/STM
/// with S but no R15 loaded (User bank), LDRT/STRT, TST/TEQ/CMP/CMN and halfword loads to R15, MRS to
/// R15, R15 operands of multiplies) ends the region: the interpreter executes it there. PSR transfers,
/// long multiplies, computed branches and exception returns are emitted (BlockTranslator.System.cs);
/// a mode or mask change ends the region after it, through the interpreter's own code.
/// </summary>
public sealed unsafe partial class BlockTranslator
{
    private const int CacheBits = 16;
    /// <summary>
    /// Instructions per region. The JIT's time grows faster than the method (about 480 bytes of IL per
    /// instruction; SOCSIM_TDEBUG prints each region's instructions, basic blocks, IL bytes and JIT time):
    /// on irq_bench.elf 64 gave 15 regions, 367 instructions, 174 KB of IL, 1235 ms of background JIT;
    /// 32 gave 15 regions, 279 instructions, 135 KB, 874 ms; 16: 19 regions, 229 instructions, 109 KB,
    /// 426 ms (loaded machine, wall ms). Whole-process CPU s (user+sys) over 2-3 interleaved runs each,
    /// 64 / 32 / 16: irq_bench 1.61-1.72 / 1.43-1.51 / 1.60-1.67; FreeRTOS LPC2106 2 s 3.92-4.15 / 3.48-3.59
    /// / 3.56-3.88; bench.elf 0.83-0.86 / 0.77-0.85 / 0.78-1.05 (bench/README.md, 7 December 2026).
    /// </summary>
    private const int MaxInstructions = 32;
    private readonly BlockEntry?[] _cache = new BlockEntry?[1 << CacheBits];
    private readonly ArmCpu _cpu;
    private readonly Bus _bus;

    /// <param name="threshold">Times the run loop must reach a block start before it is translated (0: at once).</param>
    /// <param name="background">
    /// Whether the JIT compiles a new region on a worker thread while the interpreter goes on (the
    /// region is entered once it is compiled); never with threshold 0, whose translation happens at
    /// the first reach. Results are the same either way (both engines are exact); only how much runs
    /// translated, and so the speed, depends on when the compilation ends.
    /// </param>
    /// <param name="holdOff">Instructions the core executes before anything is translated (see <see cref="HoldOff"/>).</param>
    public BlockTranslator(ArmCpu cpu, int threshold, bool background = true, long holdOff = 0)
    {
        _cpu = cpu;
        _bus = cpu.Bus;
        Threshold = threshold;
        Background = background && threshold > 0;
        HoldOff = Math.Max(0, holdOff);
        _bus.MappingChanged += Flush;
        if (Background) _jitQueue = Task.Run(WarmUp);
    }

    /// <summary>
    /// Instructions the core executes (its <see cref="ArmCpu.Instructions"/>, counted from its creation) before
    /// any region is translated: a block hot earlier is counted and translated at its first reach after that.
    /// A run shorter than this makes no region: `socsim run hello.elf` (40 K instructions, two loops hot)
    /// compiled two regions it never entered (bench/README.md, 2026-12-08, cfg24). The warm-up
    /// (<see cref="WarmUp"/>) still starts with the translator: deferred, it made long runs wait for it.
    /// Results are the same either way: both engines are exact.
    /// </summary>
    public long HoldOff { get; }

    /// <summary>
    /// The hold-off `socsim run` and `resume` use: 200 K instructions, about 2 ms of the interpreter, less
    /// than the background JIT spends on one region (2-20 ms), so a run that short is done before translating
    /// it could pay back. A larger one made long runs slower: every block hot by then reaches the JIT's queue
    /// at once, and the interpreter runs while the queue drains (bench.elf's host_s 0.219 -> 0.236 at 500 K;
    /// bench/README.md, 2026-12-08, cfg24).
    /// </summary>
    public const long ShortRunInstructions = 200_000;

    /// <summary>
    /// Emits and JIT-compiles two small regions (ARM and Thumb loops with a load and a store) from a
    /// scratch page on the worker thread, never run: the first region a program makes hot then does
    /// not pay, on the simulation's thread, for Reflection.Emit's start-up and the JIT of the
    /// emitter's own code (about 20 ms), so short runs start as fast as with the interpreter.
    /// </summary>
    private void WarmUp()
    {
        byte* page = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(Bus.PageMask + 1);
        try
        {
            uint[] arm = [0xE2811001, 0xE5913000, 0xE0833002, 0xE2522001, 0xE5813004, 0x1AFFFFF9, 0xE12FFF1E];
            ushort[] thumb = [0x3101, 0x680B, 0x189B, 0x3A01, 0x604B, 0xD1F9, 0x4770];
            for (int i = 0; i < arm.Length; i++) ((uint*)page)[i] = arm[i];
            for (int i = 0; i < thumb.Length; i++) ((ushort*)(page + 0x800))[i] = thumb[i];
            foreach (var (start, isThumb) in new[] { (0x1000u, false), (0x1800u, true) })
            {
                var em = new Emitter(_bus, start, isThumb, page, 1, 1);
                if (em.Emit(MaxInstructions) > 0) em.Finish(_cpu)(0, -1);
            }
        }
        catch (Exception) { /* only a warm-up: the real compilations report their own errors */ }
        finally { System.Runtime.InteropServices.NativeMemory.Free(page); }
    }

    /// <summary>
    /// Default compile threshold: how often the interpreter must have executed an instruction before a
    /// region is translated from it. A region of up to 64 instructions (32 since 7 December) costs about 1 ms to emit on the
    /// simulation's thread and 2-20 ms in the JIT, which runs on a worker thread (see
    /// <see cref="Background"/>; <see cref="CompileTicks"/> measures both), so the simulation does not
    /// wait for it: the threshold only keeps code that runs rarely from being compiled at all. At 2000
    /// bench.elf runs 98% translated (20000: 95%) and the JIT's work stays at 15-20 regions; a run
    /// shorter than 2000 executions of any instruction emits nothing.
    /// </summary>
    public const int DefaultThreshold = 2000;

    private static readonly bool Debugging = Environment.GetEnvironmentVariable("SOCSIM_TDEBUG") != null;

    public int Threshold { get; }
    public bool Background { get; }
    public long BlocksCompiled { get; private set; }
    public long InstructionsCompiled { get; private set; }
    private long _compileTicks, _backgroundTicks;
    /// <summary>Time spent emitting IL and in the JIT (on the worker thread too), in <see cref="Stopwatch"/> ticks.</summary>
    public long CompileTicks => _compileTicks + Interlocked.Read(ref _backgroundTicks);
    private Task _jitQueue = Task.CompletedTask;
    /// <summary>Instructions executed inside translated blocks.</summary>
    public long TranslatedInstructions;
    /// <summary>Instructions the interpreter executed for a region that reached an access off the fast path.</summary>
    public long SteppedAtExits;
    /// <summary>What the interpreter executed under this engine, per kind of instruction (see <see cref="FallbackClass"/>).</summary>
    public FallbackCounts Fallback { get; } = new();
    public long BlockRuns;
    /// <summary>IRQ and FIQ entries the run loop made at a boundary without a hook (ArmCpu.SampleInterrupts): not interpreted instructions.</summary>
    public long InterruptEntries;
    /// <summary>Refills at regions' branch exits timed by the code controller's own fetch model instead of the bus's slow path (ArmCpu.RefillFromRegion).</summary>
    public long FastRefills;
    /// <summary>Times a region went on after the interpreter executed an access off the fast path.</summary>
    public long Resumes;
    /// <summary>Times a region went on after an MSR of the CPSR's control field instead of returning to the run loop (ArmCpu.ResumeAfterMsr).</summary>
    public long MsrResumes;
    /// <summary>Translations dropped because the code under them changed, and cache entries replaced by another block start.</summary>
    public long Invalidations, Evictions;

    public double CompileMicrosecondsPerBlock => BlocksCompiled == 0 ? 0 : CompileTicks * 1e6 / Stopwatch.Frequency / BlocksCompiled;

    /// <summary>Drops every translation (memory map or bus observer changed).</summary>
    public void Flush()
    {
        Array.Clear(_cache);
        Flushes++;
        Epoch++;
    }

    /// <summary>Counts the core's runs (ArmCpu.RunTranslated) and flushes: see <see cref="Region.BehindController"/>.</summary>
    internal int Epoch;
    /// <summary>Region entries the run loop found through the exited region's one-entry cache (<see cref="Region.Next"/>) instead of <see cref="Lookup"/>.</summary>
    public long NextEntryHits;

    /// <summary>Times <see cref="Flush"/> ran: a region's device access that remapped memory leaves the region.</summary>
    internal int Flushes;
    /// <summary>Loads and stores regions made to devices themselves (no page: device registers, ROM writes, unmapped space), and those after which the region left (the access raised an interrupt, scheduled an event before the limit, aborted, ...).</summary>
    public long DeviceAccesses, DeviceExits;

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
        if (_cpu.Instructions < HoldOff) return null;
        Compile(e);
        return e.Region != null ? e : null;
    }

    /// <summary>The first run of a region, timed: the JIT compiles the IL here, which is most of the compile time.</summary>
    internal void RunFirst(BlockEntry e, long limit)
    {
        long t0 = Stopwatch.GetTimestamp();
        var r = e.Region!;
        r.Code(limit, e.Entry);
        r.Jitted = true;
        _compileTicks += Stopwatch.GetTimestamp() - t0;
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
        ITimedMemory? timed = null;
        if (!_bus.IsTranslatable(start) || !_bus.TryGetFetchPage(start, thumb ? 2 : 4, out byte* page, out int costN, out int costS))
        {
            // Memory whose timing has state: translated with its controller's model, if it offers it.
            if (!TryTimedPage(start, out page, out timed))
            {
                if (Debugging) Console.Error.WriteLine($"untranslatable 0x{e.Key:X8}: page");
                e.Untranslatable = true;
                return;
            }
            costN = costS = 0;
        }
        var em = new Emitter(_bus, start, thumb, page, costN, costS);
        if (timed != null) em.UseTiming(timed);
        int n = em.Emit(MaxInstructions);
        if (n == 0 || em.TimingUnsound)
        {
            if (Debugging) Console.Error.WriteLine(em.TimingUnsound ? $"untranslatable 0x{e.Key:X8}: an exit without a timing mark" : $"untranslatable 0x{e.Key:X8}: first instruction {em.WordAt(start):X8}");
            e.Untranslatable = true;
            return;
        }
        var code = em.Finish(_cpu);
        if (Debugging) Console.Error.WriteLine($"emit 0x{e.Key:X8}: {em.Total} instructions, IL {em.ILSize} bytes ({em.Shape}), {(Stopwatch.GetTimestamp() - t0) * 1e3 / Stopwatch.Frequency:F2} ms");
        var runs = em.Runs();
        var region = new Region
        {
            Code = code,
            Page = page,
            BehindController = timed != null,
            PageBase = start & ~Bus.PageMask,
            Key = e.Key,
            ILSize = em.ILSize,
            Blocks = em.Blocks,
            Length = em.Total,
            Offsets = runs.Select(r => r.Offset).ToArray(),
            EntryOnly = em.EntryOnlySites(),
            Bytes = runs.Select(r => new ReadOnlySpan<byte>(page + r.Offset, r.Length).ToArray()).ToArray(),
        };
        if (timed == null) WidenCodeSpan(region);
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
        _compileTicks += Stopwatch.GetTimestamp() - t0;
        if (Background) QueueJit(region);
        else region.Ready = true;
    }

    /// <summary>
    /// Adds a RAM region's code bytes to the host span whose stores regions count (ArmCpu._codeWrites): from
    /// then on a store there makes every RAM region compare its memory at its next entry. Only grows.
    /// </summary>
    private void WidenCodeSpan(Region region)
    {
        if (region.Offsets.Length == 0) return;
        byte* lo = region.Page + region.Offsets[0];
        byte* hi = region.Page + region.Offsets[^1] + region.Bytes[^1].Length;
        if (_cpu._codeHi == null) { _cpu._codeLo = lo; _cpu._codeHi = hi; return; }
        if (lo < _cpu._codeLo) _cpu._codeLo = lo;
        if (hi > _cpu._codeHi) _cpu._codeHi = hi;
    }

    /// <summary>
    /// Has the JIT compile the region on a worker thread, one region at a time: a call with entry -1
    /// returns at once, before touching the core. The region is marked ready after it.
    /// </summary>
    private void QueueJit(Region region)
    {
        _jitQueue = _jitQueue.ContinueWith(_ =>
        {
            long t0 = Stopwatch.GetTimestamp();
            long cpu0 = Debugging ? ThreadCpuNanoseconds() : 0;
            try { region.Code(0, -1); }
            catch (InvalidProgramException) { /* rethrown on the core's thread at its first call */ }
            Interlocked.Add(ref _backgroundTicks, Stopwatch.GetTimestamp() - t0);
            if (Debugging) Console.Error.WriteLine($"jit 0x{region.Key:X8}: {region.Length} instructions, {region.Blocks} blocks, IL {region.ILSize} bytes, thread CPU {(ThreadCpuNanoseconds() - cpu0) / 1e6:F2} ms, {(Stopwatch.GetTimestamp() - t0) * 1e3 / Stopwatch.Frequency:F2} ms");
            region.Jitted = true;
            region.Ready = true;
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>
    /// The calling thread's CPU time in ns (Linux: the first field of /proc/thread-self/schedstat, time
    /// on the CPU; elsewhere 0), for SOCSIM_TDEBUG's JIT lines: unlike their wall ms, it does not grow
    /// with the machine's load (on a 2-core machine at load 17, the wall ms were 4-5x these).
    /// </summary>
    private static long ThreadCpuNanoseconds()
    {
        try
        {
            string stat = File.ReadAllText("/proc/thread-self/schedstat");
            return long.Parse(stat.AsSpan(0, stat.IndexOf(' ')));
        }
        catch (Exception) { return 0; }
    }

    // ------------------------------------------------------------------------------------------

    private static readonly FieldInfo FR = Field("_r"), FCpsr = Field("_cpsr"), FS = Field("_s"), FInstr = Field("_instructions"),
        FOp0 = Field("_op0"), FOp1 = Field("_op1"), FFetchSeq = Field("_fetchSeq"),
        FCodeWrites = Field("_codeWrites"), FCodeLo = Field("_codeLo"), FCodeHi = Field("_codeHi");
    private static readonly FieldInfo FCycles = typeof(Scheduler).GetField(nameof(Scheduler.Cycles))!;
    private static readonly MethodInfo MRefill = typeof(ArmCpu).GetMethod("RefillFromRegion", BindingFlags.NonPublic | BindingFlags.Instance)!;
    private static readonly MethodInfo MStepFromRegion = typeof(ArmCpu).GetMethod("StepFromRegion", BindingFlags.NonPublic | BindingFlags.Instance)!;

    private static FieldInfo Field(string name) =>
        typeof(ArmCpu).GetField(name, BindingFlags.NonPublic | BindingFlags.Instance) ?? throw new MissingFieldException(nameof(ArmCpu), name);

    private static MethodInfo Op(string name) =>
        typeof(TranslationOps).GetMethod(name, BindingFlags.Public | BindingFlags.Static) ?? throw new MissingMethodException(nameof(TranslationOps), name);

    private static readonly MethodInfo MAddC = Op("AddC"), MSubC = Op("SubC"), MMulCarry = Op("MulCarry"), MMulCycles = Op("MulCycles"), MShiftImmV = Op("ShiftImmV"), MShiftImmC = Op("ShiftImmC"), MShiftRegV = Op("ShiftRegV"),
        MShiftRegC = Op("ShiftRegC"), MRor = Op("Ror"), MPage = Op("Page"), MCost = Op("Cost"), MLd32 = Op("Ld32"), MLd16 = Op("Ld16"),
        MLd8 = Op("Ld8"), MSt32 = Op("St32"), MSt16 = Op("St16"), MSt8 = Op("St8"), MOverlaps = Op("Overlaps");

    /// <summary>What the next opcode fetch is at a point of the block: known S, known N, or in the local <c>fseq</c>.</summary>
    private enum Seq { S, N, Dynamic }

    /// <summary>Emits one block. Instruction k is at start + k*step; word k+2 is fetched during instruction k.</summary>
    private sealed partial class Emitter
    {
        private readonly Bus _bus;
        private readonly uint _start;
        private readonly bool _thumb;
        private readonly byte* _page;
        private readonly int _costN, _costS;
        private readonly uint _step;
        private readonly DynamicMethod _dm;
        private readonly ILGenerator _il;
        private readonly LocalBuilder[] _reg = new LocalBuilder[15];
        private uint _used;      // registers the block reads or writes (loaded in the prologue)
        private readonly LocalBuilder _cpsr, _cyc, _fseq, _a, _b, _c, _v, _addr, _p, _p2;
        /// <summary>
        /// The condition flags, one local each (0 or 1): set and tested without packing, so the JIT keeps
        /// them in registers and drops a flag that nothing reads before it is set again. <c>_cpsr</c>
        /// holds the other bits; both are packed into the core's CPSR at every exit.
        /// </summary>
        private readonly LocalBuilder _fn, _fz, _fc, _fv, _t1, _t2, _t3, _wide;
        /// <summary>Which resume point the step tail goes on at after the interpreter executed an access off the fast path (-1: none).</summary>
        private readonly LocalBuilder _resume;
        /// <summary>What the shared exit tail does after writing the boundary back (AfterReturn, AfterStep, AfterCall + helper index).</summary>
        private readonly LocalBuilder _after;
        /// <summary>Set when the current instruction's access took the device path (<c>DeviceAccess</c>), with the access's start cycle and address: its end (<c>DeviceEnd</c>) completes it.</summary>
        private readonly LocalBuilder _dev, _devCyc, _devAddr;
        /// <summary>
        /// Where a region goes on after the interpreter executed an instruction whose access left the fast
        /// path (a device): instruction K+1 of the block at Base, once its label is known.
        /// </summary>
        private readonly List<(uint Base, int K, Label? Target, Seq Seq)> _resumes = new();
        private readonly List<Action> _exits = new();
        private uint _written;   // registers the block writes (written back at every exit)
        private Seq _seq;
        /// <summary>A store's host address (its first and last word's for STM): the code-write check (CodeWriteCheck).</summary>
        private readonly LocalBuilder _host, _host2;
        private readonly LocalBuilder _mAddr, _cyc0, _spanLo, _spanHi, _icnt, _xPc, _xOp0, _xOp1, _xArg;
        private readonly Label _setup, _entry, _exitTail, _refillTail, _budgetTail, _stepTail, _computedTail;
        /// <summary>Whether the region has a computed branch (its exits go through <c>_computedTail</c>).</summary>
        private bool _hasComputed;
        private uint _base;                  // the basic block being emitted starts here
        private readonly uint _pageEnd;
        private int _total;                  // instructions emitted in the region
        private int _maxTotal;
        /// <summary>Every emitted instruction start: its label, the fetch kind known there, its index in its basic block, whether it is in the entry block.</summary>
        private readonly Dictionary<uint, Site> _sites = new();
        private readonly Queue<(uint Base, Label Label)> _queue = new();
        private readonly Dictionary<uint, Label> _queued = new();
        /// <summary>Instruction starts the code reaches from inside: chained branch targets and every instruction after a block's first (straight line, fall-into, resumes).</summary>
        private readonly HashSet<uint> _inner = new();
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
            _dm = new DynamicMethod($"blk_{(thumb ? "T" : "A")}_{start:X8}", typeof(void), [typeof(ArmCpu), typeof(long), typeof(int)], typeof(ArmCpu), skipVisibility: true);
            _il = _dm.GetILGenerator();
            for (int i = 0; i < 15; i++) _reg[i] = _il.DeclareLocal(typeof(uint));
            _cpsr = _il.DeclareLocal(typeof(uint));
            _fn = _il.DeclareLocal(typeof(uint));
            _fz = _il.DeclareLocal(typeof(uint));
            _fc = _il.DeclareLocal(typeof(uint));
            _fv = _il.DeclareLocal(typeof(uint));
            _t1 = _il.DeclareLocal(typeof(uint));
            _t2 = _il.DeclareLocal(typeof(uint));
            _t3 = _il.DeclareLocal(typeof(uint));
            _wide = _il.DeclareLocal(typeof(ulong));
            _resume = _il.DeclareLocal(typeof(int));
            _after = _il.DeclareLocal(typeof(int));
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
            _xArg = _il.DeclareLocal(typeof(uint));
            _mAddr = _il.DeclareLocal(typeof(uint));
            _host = _il.DeclareLocal(typeof(byte*));
            _host2 = _il.DeclareLocal(typeof(byte*));
            _dev = _il.DeclareLocal(typeof(int));
            _devCyc = _il.DeclareLocal(typeof(long));
            _devAddr = _il.DeclareLocal(typeof(uint));
            _setup = _il.DefineLabel();
            _entry = _il.DefineLabel();
            _exitTail = _il.DefineLabel();
            _refillTail = _il.DefineLabel();
            _budgetTail = _il.DefineLabel();
            _stepTail = _il.DefineLabel();
            _computedTail = _il.DefineLabel();
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
        private void Ldc(uint v) => Ldc(unchecked((int)v));

        /// <summary>A 64-bit constant, as a 32-bit one widened when it fits (fewer IL bytes).</summary>
        private void LdcL(long v)
        {
            if (v is >= int.MinValue and <= int.MaxValue) { Ldc((int)v); _il.Emit(OpCodes.Conv_I8); }
            else _il.Emit(OpCodes.Ldc_I8, v);
        }

        /// <summary>The shortest encoding of the constant (fewer IL bytes for the JIT to import).</summary>
        private void Ldc(int v)
        {
            switch (v)
            {
                case -1: _il.Emit(OpCodes.Ldc_I4_M1); return;
                case 0: _il.Emit(OpCodes.Ldc_I4_0); return;
                case 1: _il.Emit(OpCodes.Ldc_I4_1); return;
                case 2: _il.Emit(OpCodes.Ldc_I4_2); return;
                case 3: _il.Emit(OpCodes.Ldc_I4_3); return;
                case 4: _il.Emit(OpCodes.Ldc_I4_4); return;
                case 5: _il.Emit(OpCodes.Ldc_I4_5); return;
                case 6: _il.Emit(OpCodes.Ldc_I4_6); return;
                case 7: _il.Emit(OpCodes.Ldc_I4_7); return;
                case 8: _il.Emit(OpCodes.Ldc_I4_8); return;
            }
            if (v is >= sbyte.MinValue and <= sbyte.MaxValue) _il.Emit(OpCodes.Ldc_I4_S, (sbyte)v);
            else _il.Emit(OpCodes.Ldc_I4, v);
        }
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
            Ld(_cyc); LdcL(k); Emit(OpCodes.Add); St(_cyc);
        }

        /// <summary>Cycle 1 of every instruction: the opcode fetch, S or N as the previous cycle announced.</summary>
        private void Fetch()
        {
            if (_timed != null) { TimedFetch(); return; }
            switch (_seq)
            {
                case Seq.S: AddCycles(_costS); break;
                case Seq.N: AddCycles(_costN); break;
                default:
                    Ld(_cyc); Ld(_fseq);
                    var n = _il.DefineLabel(); var done = _il.DefineLabel();
                    _il.Emit(OpCodes.Brfalse, n);
                    LdcL((long)_costS); _il.Emit(OpCodes.Br, done);
                    _il.MarkLabel(n); LdcL((long)_costN);
                    _il.MarkLabel(done);
                    Emit(OpCodes.Add); St(_cyc);
                    break;
            }
            _seq = Seq.S;
        }

        /// <summary>Pushes the condition's truth (0 or 1) from the flag locals (ARM ARM A3.2.1).</summary>
        private void CondTest(uint cond)
        {
            void Not() { Ldc(1); Emit(OpCodes.Xor); }
            void Hi() { Ld(_fc); Ld(_fz); Not(); Emit(OpCodes.And); }
            void Ge() { Ld(_fn); Ld(_fv); Emit(OpCodes.Ceq); }
            void Gt() { Ld(_fz); Not(); Ge(); Emit(OpCodes.And); }
            switch (cond)
            {
                case 0x0: Ld(_fz); break;
                case 0x1: Ld(_fz); Not(); break;
                case 0x2: Ld(_fc); break;
                case 0x3: Ld(_fc); Not(); break;
                case 0x4: Ld(_fn); break;
                case 0x5: Ld(_fn); Not(); break;
                case 0x6: Ld(_fv); break;
                case 0x7: Ld(_fv); Not(); break;
                case 0x8: Hi(); break;
                case 0x9: Hi(); Not(); break;
                case 0xA: Ge(); break;
                case 0xB: Ld(_fn); Ld(_fv); Emit(OpCodes.Xor); break;
                case 0xC: Gt(); break;
                case 0xD: Gt(); Not(); break;
                default: Ldc(1); break;
            }
        }

        /// <summary>N and Z of the value on the stack.</summary>
        private void SetNZ()
        {
            St(_t1);
            Ld(_t1); Ldc(31); Emit(OpCodes.Shr_Un); St(_fn);
            Ld(_t1); Ldc(0); Emit(OpCodes.Ceq); St(_fz);
        }

        /// <summary>Flags of a logical operation: stack (result, shifter carry); V unchanged.</summary>
        private void SetLogic()
        {
            St(_fc);
            SetNZ();
        }

        /// <summary>Flags of x + y + cin or x - y - !cin (x + ~y + cin): stack (x, y, cin) (ARM ARM A4.1.3, A4.1.106).</summary>
        private void SetArith(bool sub)
        {
            St(_t3); St(_t2); St(_t1);
            Ld(_t1); Emit(OpCodes.Conv_U8); Ld(_t2); if (sub) Emit(OpCodes.Not); Emit(OpCodes.Conv_U8); Emit(OpCodes.Add);
            Ld(_t3); Emit(OpCodes.Conv_U8); Emit(OpCodes.Add); St(_wide);
            Ld(_wide); Ldc(32); Emit(OpCodes.Shr_Un); Emit(OpCodes.Conv_U4); St(_fc);
            // V: the operands' signs agree (add) or differ (sub), and the result's differs from x's.
            Ld(_t1); Ld(_t2); Emit(OpCodes.Xor); if (!sub) Emit(OpCodes.Not);
            Ld(_wide); Emit(OpCodes.Conv_U4); St(_t3);
            Ld(_t1); Ld(_t3); Emit(OpCodes.Xor); Emit(OpCodes.And); Ldc(31); Emit(OpCodes.Shr_Un); St(_fv);
            Ld(_t3); SetNZ();
        }

        /// <summary>Flags of MUL/MLA/MULS: stack (result, rm, rs, acc, accumulates); C from the Booth multiplier, V unchanged.</summary>
        private void SetMul()
        {
            Ld(_fc); Call(MMulCarry); St(_fc);
            SetNZ();
        }

        /// <summary>Pushes the CPSR with the flag locals packed in.</summary>
        private void LdPackedCpsr()
        {
            Ld(_cpsr); Ldc(0x0FFF_FFFF); Emit(OpCodes.And);
            Ld(_fn); Ldc(31); Emit(OpCodes.Shl); Emit(OpCodes.Or);
            Ld(_fz); Ldc(30); Emit(OpCodes.Shl); Emit(OpCodes.Or);
            Ld(_fc); Ldc(29); Emit(OpCodes.Shl); Emit(OpCodes.Or);
            Ld(_fv); Ldc(28); Emit(OpCodes.Shl); Emit(OpCodes.Or);
        }

        /// <summary>The CPSR on the stack into the locals (<c>_cpsr</c> and the flags).</summary>
        private void StUnpackedCpsr()
        {
            St(_cpsr);
            Ld(_cpsr); Ldc(31); Emit(OpCodes.Shr_Un); St(_fn);
            Ld(_cpsr); Ldc(30); Emit(OpCodes.Shr_Un); Ldc(1); Emit(OpCodes.And); St(_fz);
            Ld(_cpsr); Ldc(29); Emit(OpCodes.Shr_Un); Ldc(1); Emit(OpCodes.And); St(_fc);
            Ld(_cpsr); Ldc(28); Emit(OpCodes.Shr_Un); Ldc(1); Emit(OpCodes.And); St(_fv);
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
            DeferExit(label, k, seq, beforeInstruction, wordsInMemory: true);
        }

        /// <summary>
        /// The exit stub at <paramref name="label"/>: the boundary before instruction k into the locals, then
        /// the shared tail. With <paramref name="wordsInMemory"/> (no store since the region's entry can
        /// have changed the words there: any store into the region's words ends it at once) the tail reads
        /// the pipeline words from the page, as at the limit; otherwise they are constants here (an exit
        /// right after a store or a device access). <paramref name="step"/>: the interpreter then executes
        /// instruction k, and the region may go on at resume point <paramref name="resume"/> (-1: none).
        /// </summary>
        private void DeferExit(Label label, int k, Seq seq, bool beforeInstruction, bool step = false, int resume = -1, bool wordsInMemory = false)
        {
            uint next = Addr(k), w0 = Word(k), w1 = Word(k + 1);
            _exits.Add(() =>
            {
                _il.MarkLabel(label);
                CountExit(step ? (resume >= 0 ? ExitKind.StepAccess : ExitKind.StepInstruction) : wordsInMemory ? ExitKind.End : ExitKind.AfterAccess);
                if (step) { Ldc(resume); St(_resume); Ldc(AfterStep); St(_after); }
                // Before the instruction: the cycles of the boundary, its fetch not made.
                if (beforeInstruction) { Ld(_cyc0); St(_cyc); RollbackTiming(); }
                Ldc(next); St(_xPc);
                if (seq != Seq.Dynamic) { Ldc(seq == Seq.S ? 1 : 0); St(_fseq); }
                if (wordsInMemory) { _il.Emit(OpCodes.Br, _budgetTail); return; }
                Ldc(w0); St(_xOp0);
                Ldc(w1); St(_xOp1);
                _il.Emit(OpCodes.Br, _exitTail);
            });
        }

        /// <summary>What the shared exit tail does after the write-back (<c>_after</c>): return, step the instruction at the boundary, or call helper <c>_after - AfterCall</c> of <see cref="DeferExitThenCall"/>.</summary>
        private const int AfterReturn = 0, AfterStep = 1, AfterCall = 2;

        /// <summary>Registers written anywhere in the region back into the core (their locals hold the loaded or new value).</summary>
        private void WriteBackRegisters()
        {
            var il = _il;
            for (int i = 0; i < 15; i++)
            {
                if ((_written & (1u << i)) == 0) continue;
                il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FR); Ldc(4 * i); Emit(OpCodes.Add); Ld(_reg[i]); il.Emit(OpCodes.Stind_I4);
            }
            il.Emit(OpCodes.Ldarg_0); LdPackedCpsr(); il.Emit(OpCodes.Stfld, FCpsr);
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
        /// After the interpreter executed an access off the fast path (StepFromRegion said the region may
        /// go on: no interrupt or abort, no event due before the limit, same state and mode), the region
        /// goes on with the next instruction, as the run loop would enter it there: the core's state is
        /// loaded again, and it goes on only if R15, the pipeline words and the next fetch's kind are what
        /// the code there was compiled for, and (with block bounds) the rest of the block fits.
        /// </summary>
        private void EmitResumes(Label ret)
        {
            var il = _il;
            if (_resumes.Count == 0) { il.Emit(OpCodes.Br, ret); return; }
            // The core's state into the locals once for every resume point (nothing is written back if
            // a check below fails: the method returns).
            LoadState();
            Ldc(AfterReturn); St(_after);
            var stubs = new Label[_resumes.Count];
            for (int i = 0; i < stubs.Length; i++) stubs[i] = il.DefineLabel();
            Ld(_resume); il.Emit(OpCodes.Switch, stubs);
            il.Emit(OpCodes.Br, ret);
            for (int i = 0; i < stubs.Length; i++)
            {
                il.MarkLabel(stubs[i]);
                var (b, k, target, seq) = _resumes[i];
                if (target is not { } t) { il.Emit(OpCodes.Br, ret); continue; }
                uint next = b + (uint)(k + 1) * _step;
                il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FR); Ldc(60); Emit(OpCodes.Add); il.Emit(OpCodes.Ldind_U4); Ldc(next + 2 * _step); il.Emit(OpCodes.Bne_Un, ret);
                il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FOp0); Ldc(WordAt(next)); il.Emit(OpCodes.Bne_Un, ret);
                il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FOp1); Ldc(WordAt(next + _step)); il.Emit(OpCodes.Bne_Un, ret);
                if (seq != Seq.Dynamic) { il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FFetchSeq); Ldc(seq == Seq.S ? 1 : 0); il.Emit(OpCodes.Bne_Un, ret); }
                LdcL(-(long)(next / _step)); St(_icnt);
                il.Emit(OpCodes.Br, t);
            }
        }

        /// <summary>Everything back into the core (<see cref="WriteBack"/>) and the boundary in _xPc, _xOp0, _xOp1 and _fseq: R15, the pipeline words, the next fetch's kind.</summary>
        private void WriteBackBoundary()
        {
            var il = _il;
            WriteBack();
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FR); Ldc(60); Emit(OpCodes.Add); Ld(_xPc); Ldc(2 * _step); Emit(OpCodes.Add); il.Emit(OpCodes.Stind_I4);
            il.Emit(OpCodes.Ldarg_0); Ld(_xOp0); il.Emit(OpCodes.Stfld, FOp0);
            il.Emit(OpCodes.Ldarg_0); Ld(_xOp1); il.Emit(OpCodes.Stfld, FOp1);
            il.Emit(OpCodes.Ldarg_0); Ld(_fseq); il.Emit(OpCodes.Stfld, FFetchSeq);
        }

        /// <summary>
        /// The two exit paths every exit of the region shares (one copy keeps the method small for the
        /// JIT): to an instruction boundary, whose values are in _xPc, _xOp0, _xOp1 and _fseq, then what
        /// _after says (return, step the instruction there, call a helper); and through the interpreter's
        /// Refill to the branch target in _v.
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
            WriteBackBoundary();
            var ret = il.DefineLabel();
            var calls = new Label[_callHelpers.Count];
            for (int i = 0; i < calls.Length; i++) calls[i] = il.DefineLabel();
            Ld(_after); il.Emit(OpCodes.Switch, [ret, _stepTail, .. calls]);
            il.MarkLabel(ret);
            il.Emit(OpCodes.Ret);
            // An access off the fast path: the state of the boundary before the instruction, which the
            // interpreter then executes, as the run loop would at that boundary (its limit not reached,
            // no interrupt pending, no hook); the region ends there (the device may have raised an
            // interrupt, scheduled an event, aborted), or goes on at its resume point.
            il.MarkLabel(_stepTail);
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldarg_1); Ld(_resume); Ldc(-1); Emit(OpCodes.Cgt); il.Emit(OpCodes.Call, MStepFromRegion);
            il.Emit(OpCodes.Brfalse, ret);
            var resumes = il.DefineLabel();
            il.MarkLabel(resumes);
            EmitResumes(ret);
            // The helpers of DeferExitThenCall: helper(_xArg, _v) on the core. After an MSR the region goes
            // on at its resume point (_resume, the instruction after it) when ArmCpu.ResumeAfterMsr allows.
            for (int i = 0; i < calls.Length; i++)
            {
                il.MarkLabel(calls[i]);
                il.Emit(OpCodes.Ldarg_0); Ld(_xArg); Ld(_v); il.Emit(OpCodes.Call, _callHelpers[i]);
                CountCodeWrite();
                if (_callHelpers[i] == MMsr)
                {
                    il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldarg_1); Ld(_cpsr); il.Emit(OpCodes.Call, MResumeAfterMsr);
                    il.Emit(OpCodes.Brtrue, resumes);
                }
                il.Emit(OpCodes.Ret);
            }
            if (_hasComputed)
            {
                il.MarkLabel(_computedTail);
                CountExit(ExitKind.Computed);
                if (Debugging) { il.Emit(OpCodes.Ldarg_0); Ld(_v); Ld(_cpsr); Ldc(_start | (_thumb ? 1u : 0u)); Call(MCountComputedTarget); }
            }
            il.MarkLabel(_refillTail);
            WriteBack();
            il.Emit(OpCodes.Ldarg_0); Ld(_v); il.Emit(OpCodes.Call, MRefill);
            il.Emit(OpCodes.Ret);
        }

        /// <remarks>
        /// Since 7 December 2026 (issue 21) every region checks the limit before every instruction (it
        /// checked once per basic block against the block's worst case, and a block that did not fit left
        /// at its head for the run loop to step the interpreter up to the event: `limit` fallbacks, 2.8 per
        /// interrupt on irq_bench.elf); now the region runs to the first boundary at or past the limit, the
        /// interpreter loop's own decision (`while (Cycles &lt; end)`), so it leaves exactly where the
        /// interpreter would handle the event. Code behind the LPC2106 MAM measured block bounds (at its
        /// model's bound, 7 clocks a fetch) slower than per-instruction checks (10.4 s CPU against 13.9 s on
        /// FreeRTOS's demo, 10 s).
        /// </remarks>
        /// <summary>
        /// Before instruction k: leave when the cycle count reached the run loop's limit. The hot path is
        /// one comparison; the exit's boundary is set in a stub after the body.
        /// </summary>
        private void InstructionCheck(int k)
        {
            var stub = _il.DefineLabel();
            uint a = Addr(k);
            Ld(_cyc); _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Bge, stub);
            _exits.Add(() => { _il.MarkLabel(stub); CountExit(ExitKind.Limit); Ldc(a); St(_xPc); _il.Emit(OpCodes.Br, _budgetTail); });
        }

        /// <summary>
        /// A branch to the target on the stack, k instructions done including the branch: written back and
        /// refilled through the interpreter's Refill (N then S fetch through the bus). A computed branch (BX,
        /// LDR PC, LDM/POP with PC, MOV/ADD PC, a Thumb BL suffix without its prefix) goes there through the
        /// computed-branch tail (EmitExitTails, its SOCSIM_TDEBUG count); a constant target outside the region
        /// (<paramref name="computed"/> false, <see cref="EmitBranch"/>) straight.
        /// </summary>
        private void EmitRefillExit(int k, bool computed = true)
        {
            St(_v);
            Ldc(Addr(k)); St(_xPc);
            if (computed)
            {
                _hasComputed = true;
                _il.Emit(OpCodes.Br, _computedTail);
                return;
            }
            CountExit(ExitKind.BranchOut);
            _il.Emit(OpCodes.Br, _refillTail);
        }

        /// <summary>
        /// A branch to a constant target: chained to the target's code in this region when it lies in
        /// the region's page (the refill's N and S fetches of its first two words cost the page's
        /// constants, TRM 6.3), else an exit through the interpreter's Refill.
        /// </summary>
        private void EmitBranch(int k, uint target)
        {
            if (TryChain(target, k, refill: true)) return;
            Ldc(target);
            EmitRefillExit(k, computed: false);
        }

        /// <summary>
        /// Jumps to the region's code for <paramref name="target"/>, reached with the next fetch S (after a
        /// refill or a branch not taken) once <paramref name="done"/> instructions of the current basic
        /// block executed; emits the target's basic block later if it is new. False when it cannot (another
        /// page, the region full): the caller exits instead.
        /// </summary>
        private bool TryChain(uint target, int done, bool refill)
        {
            if ((target & ~Bus.PageMask) != (_start & ~Bus.PageMask) || (target & (_step - 1)) != 0 || !TimedChainAllowed(target)) return false;
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
            _inner.Add(target);
            if (refill) RefillFetches(target);
            long skip = ((long)Addr(done) - target) / _step;
            if (skip != 0) { Ld(_icnt); LdcL(skip); Emit(OpCodes.Add); St(_icnt); }
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
            RequireTimingMark();
            // The cycles of the boundary before instruction k: its fetch is not made. Once the
            // interpreter executed it, the region may go on with instruction k+1 (see EmitResumes).
            _resumes.Add((_base, k, null, Seq.Dynamic));
            DeferExit(label, k, _seqAtStart, beforeInstruction: true, step: true, resume: _resumes.Count - 1, wordsInMemory: true);
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
            // Entry -1: return at once (the background JIT's call, which compiles the method).
            var run = il.DefineLabel();
            il.Emit(OpCodes.Ldarg_2); il.Emit(OpCodes.Ldc_I4_M1); il.Emit(OpCodes.Bne_Un, run);
            il.Emit(OpCodes.Ret);
            il.MarkLabel(run);
            // The prologue is emitted last (it needs the registers used) and jumped to first.
            il.Emit(OpCodes.Br, _setup);
            int n = EmitBlock(_start, _entry, Seq.Dynamic);
            if (n == 0) return 0;
            while (_queue.Count > 0)
            {
                var (b, label) = _queue.Dequeue();
                EmitBlock(b, label, Seq.S);
            }
            int body = il.ILOffset;
            for (int i = 0; i < _exits.Count; i++) _exits[i]();
            int exits = il.ILOffset;
            EmitExitTails();
            int tails = il.ILOffset;
            CollectEntries();
            EmitPrologue();
            Shape = $"body {body}, {_exits.Count} exits {exits - body}, tails {tails - exits}, prologue {il.ILOffset - tails}";
            return n;
        }

        public int Total => _total;
        /// <summary>Where the IL goes (SOCSIM_TDEBUG): instruction bodies, exit stubs, shared tails, prologue.</summary>
        public string Shape { get; private set; } = "";
        /// <summary>Basic blocks emitted.</summary>
        public int Blocks { get; private set; }
        public int ILSize => _il.ILOffset;

        /// <summary>One basic block from <paramref name="b"/>; returns its instruction count.</summary>
        private int EmitBlock(uint b, Label entry, Seq seq)
        {
            Blocks++;
            _base = b;
            _seq = seq;
            _blPrefixAt = -1;
            var starts = new List<(Label Label, Seq Seq)>();
            int firstResume = _resumes.Count;
            void Resolve(Site? fallInto)
            {
                // A resume point after instruction k goes on at instruction k+1 of this block, or where it falls into another.
                for (int i = firstResume; i < _resumes.Count; i++)
                {
                    var (rb, rk, _, _) = _resumes[i];
                    if (rk + 1 < starts.Count) _resumes[i] = (rb, rk, starts[rk + 1].Label, starts[rk + 1].Seq);
                    else if (rk + 1 == starts.Count && fallInto is { } f) _resumes[i] = (rb, rk, f.Label, f.Seq);
                }
            }
            for (int k = 0; ; k++)
            {
                uint a = Addr(k);
                if (k > 0) _inner.Add(a);
                if (k > 0 && _sites.TryGetValue(a, out var there) && FallInto(there)) { MarkWords(b, k); Resolve(there); return k; }
                var label = k == 0 ? entry : _il.DefineLabel();
                _il.MarkLabel(label);
                // A BL suffix right after its prefix is compiled with the prefix's LR as a constant: not an
                // entry for other paths.
                bool foldedSuffix = _thumb && k > 0 && _blPrefixAt == k - 1 && (Word(k) >> 11) == 31;
                // Instruction k, its fetch (word k+2) and the word after it must lie in the page. (Not an
                // entry then: a run entering there would do nothing.)
                if ((ulong)Addr(k + 2) + _step > _pageEnd || _total >= _maxTotal) { EmitExit(k, _seq); MarkWords(b, k); Resolve(null); return k; }
                if (!foldedSuffix) _sites.TryAdd(a, new Site(label, _seq, k, b == _start));
                starts.Add((label, _seq));
                InstructionCheck(k);
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
                    DeferExit(toStep, k, _seq, beforeInstruction: false, step: true, wordsInMemory: true);
                    MarkWords(b, k);
                    Resolve(null);
                    return k;
                }
                _total++;
                if (r == Result.End) { MarkWords(b, k + 1); Resolve(null); return k + 1; }
                // _fseq holds the next fetch's kind at every boundary (exits and Dynamic fetches read it).
                if (_seq == Seq.S && _seqAtStart != Seq.S) { Ldc(1); St(_fseq); }
                else if (_seq == Seq.N && _seqAtStart != Seq.N) { Ldc(0); St(_fseq); }
            }
        }

        /// <summary>The registers the region uses, CPSR, cycles and the next fetch's kind from the core into the locals.</summary>
        private void LoadState()
        {
            var il = _il;
            for (int i = 0; i < 15; i++)
            {
                if ((_used & (1u << i)) == 0) continue;
                il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FR); Ldc(4 * i); Emit(OpCodes.Add); il.Emit(OpCodes.Ldind_U4); St(_reg[i]);
            }
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FCpsr); StUnpackedCpsr();
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FS); il.Emit(OpCodes.Ldfld, FCycles); St(_cyc);
            il.Emit(OpCodes.Ldarg_0); il.Emit(OpCodes.Ldfld, FFetchSeq); St(_fseq);
        }

        /// <summary>Registers into locals, CPSR, cycles, the first fetch's kind from the core; the span of the compiled words for the store check.</summary>
        private void EmitPrologue()
        {
            var il = _il;
            il.MarkLabel(_setup);
            LoadState();
            LoadTimed();
            Ldc(_lo); St(_spanLo);
            Ldc(_hi); St(_spanHi);
            // Entry i > 0 at its site: the instruction count is relative to the entry's address.
            LdcL(-(long)(_start / _step)); St(_icnt);
            var stubs = new Label[_entrySites.Count];
            for (int i = 0; i < stubs.Length; i++) stubs[i] = il.DefineLabel();
            il.Emit(OpCodes.Ldarg_2);
            il.Emit(OpCodes.Switch, stubs);
            il.Emit(OpCodes.Br, _entry);
            for (int i = 0; i < stubs.Length; i++)
            {
                il.MarkLabel(stubs[i]);
                LdcL(-(long)(_entrySites[i].Address / _step)); St(_icnt);
                il.Emit(OpCodes.Br, _entryLabels[i].Label);
            }
        }

        private readonly List<(uint Address, int Seq)> _entrySites = new();
        private readonly List<Site> _entryLabels = new();

        /// <summary>The region's entries: its start, then every instruction that can start a run (address, required fetch kind or -1).</summary>
        public List<(uint Address, int Seq)> EntrySites => _entrySites;

        /// <summary>The region's <see cref="Region.EntryOnly"/> addresses: emitted instruction starts never reached from inside.</summary>
        public uint[] EntryOnlySites()
        {
            var list = new List<uint>();
            foreach (var a in _sites.Keys)
                if (!_inner.Contains(a)) list.Add(a);
            list.Sort();
            return list.ToArray();
        }

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

        /// <summary>The region's delegate, closed over <paramref name="cpu"/> (its first argument).</summary>
        public BlockCode Finish(ArmCpu cpu) => (BlockCode)_dm.CreateDelegate(typeof(BlockCode), cpu);

        private enum Result { No, Ok, End }
    }
}
