using System.Globalization;
using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Devices;

namespace SocSim.Boards;

/// <summary>Turns the bound strings into a <see cref="Board"/>, checking every value and cross-reference.</summary>
internal sealed class BoardResolver(BoardLoader.Origins origins, IReadOnlyList<BoardLoader.Source> sources)
{
    public const string AddressExpectation = "expected an integer or a hex string like \"0x1000\"";
    public const string SizeExpectation = "expected an integer, a hex string like \"0x1000\" or a size like \"64KiB\", \"64MiB\", \"1GiB\"";
    /// <summary>Region bases and sizes must be word aligned.</summary>
    public const uint RegionAlignment = 4;

    private BoardException Error(string configKey, string problem) =>
        new(origins.Of(configKey), BoardLoader.ToPath(configKey), problem);

    public Board Resolve(BoardJson j)
    {
        var (clocks, tree, ticksPerSecond) = ResolveClocks(j.Clocks!, j.ClockTree ?? [], j.Peripherals ?? []);
        ClockSpec FindClock(string key, string? name)
        {
            var c = clocks.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
            return c ?? throw Error(key, $"clock \"{name}\" is not defined (defined clocks: {string.Join(", ", clocks.Select(c => c.Name))})");
        }

        string cpuType = j.Cpu!.Type!;
        var core = CoreCatalog.Default.Find(cpuType)
            ?? throw Error("cpu:type", $"unknown CPU type \"{cpuType}\" (known: {string.Join(", ", CoreCatalog.Default.Names)})");
        var cpu = new CpuSpec(core, FindClock("cpu:clock", j.Cpu.Clock), ResolveParameters("cpu:", core.Parameters, j.Cpu.Parameters));

        var regions = j.Memory!.Select(kv => ResolveRegion(kv.Key, kv.Value)).OrderBy(r => r.Base).ToList();
        var peripherals = (j.Peripherals ?? []).Select(kv => ResolvePeripheral(kv.Key, kv.Value, FindClock))
            .OrderBy(p => p.Base).ToList();
        CheckNames(regions, peripherals);
        CheckOverlaps(regions, peripherals);
        var interrupts = ResolveInterrupts(j.Interrupts ?? [], peripherals, core);
        var pins = ResolvePins(j.Pins ?? [], peripherals);

        bool semihosting = false;
        if (j.Semihosting != null) semihosting = ParseBool("semihosting", j.Semihosting);

        return new Board(
            j.Description ?? "",
            cpu,
            clocks,
            regions,
            peripherals,
            interrupts,
            pins,
            tree,
            semihosting,
            ticksPerSecond,
            sources.Select(s => s.Name).ToList(),
            origins.ByPath(),
            ResolveDefaultFirmware(j.DefaultFirmware));
    }

    // ---------------------------------------------------------------- clocks

    /// <summary>
    /// With a clock tree, 64-bit ticks must still cover long runs: the time base is capped so that
    /// 2^63 ticks last at least this many seconds (about 11.6 days); a reachable frequency that would
    /// push it further runs with its edges rounded up to whole ticks (no drift).
    /// </summary>
    public const long MinimumSecondsOfTime = 1_000_000;

    private (List<ClockSpec>, List<ClockTreeSpec>, long) ResolveClocks(Dictionary<string, string> clocks,
        Dictionary<string, ClockTreeJson> treeJson, Dictionary<string, PeripheralJson> peripheralsJson)
    {
        var (fixedClocks, fixedTps) = ResolveFixedClocks(clocks);
        if (treeJson.Count == 0) return (fixedClocks, [], fixedTps);

        // Each derived clock: its initial frequency (the control's reset ratio) and the frequencies it can reach.
        var initial = fixedClocks.ToDictionary(c => c.Name, c => c.FrequencyHz, StringComparer.OrdinalIgnoreCase);
        var reachable = fixedClocks.ToDictionary(c => c.Name, c => (IReadOnlyList<long>)[c.FrequencyHz], StringComparer.OrdinalIgnoreCase);
        var specs = new Dictionary<string, ClockTreeSpec>(StringComparer.OrdinalIgnoreCase);
        var visiting = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var resolvedOrder = new List<string>();   // sources before the clocks derived from them
        void Resolve(string name)
        {
            if (specs.ContainsKey(name)) return;
            string k = "clockTree:" + name;
            if (initial.ContainsKey(name) && !specs.ContainsKey(name) && fixedClocks.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)))
                throw Error(k, $"\"{name}\" is also a fixed clock (clocks.{name}); a clock is either fixed or derived");
            if (!visiting.Add(name)) throw Error(k + ":source", $"clock \"{name}\" is derived from itself (a loop in the clock tree)");
            var t = treeJson.First(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
            string source = t.Source ?? "";
            if (treeJson.Keys.Any(n => string.Equals(n, source, StringComparison.OrdinalIgnoreCase))) Resolve(treeJson.Keys.First(n => string.Equals(n, source, StringComparison.OrdinalIgnoreCase)));
            else if (!initial.ContainsKey(source))
                throw Error(k + ":source", $"source clock \"{source}\" is not defined (clocks: {string.Join(", ", initial.Keys.Concat(treeJson.Keys).Distinct())})");
            string control = t.Control ?? "";
            int dot = control.IndexOf('.');
            if (dot <= 0 || dot == control.Length - 1)
                throw Error(k + ":control", $"expected a control like \"scb.PLL\" (peripheral.control), got \"{control}\"");
            string comp = control[..dot], ctl = control[(dot + 1)..];
            var pj = peripheralsJson.FirstOrDefault(kv => string.Equals(kv.Key, comp, StringComparison.OrdinalIgnoreCase));
            if (pj.Value == null)
                throw Error(k + ":control", $"no peripheral named \"{comp}\" (peripherals: {string.Join(", ", peripheralsJson.Keys)})");
            var type = PeripheralCatalog.Find(pj.Value.Type ?? "")
                ?? throw Error("peripherals:" + pj.Key + ":type", $"unknown peripheral type \"{pj.Value.Type}\" (known: {string.Join(", ", PeripheralCatalog.Names)})");
            var decl = type.ClockControls.FirstOrDefault(c => c.Name == ctl)
                ?? throw Error(k + ":control", type.ClockControls.Count == 0
                    ? $"{type.Name} \"{pj.Key}\" has no clock controls"
                    : $"{type.Name} \"{pj.Key}\" has no clock control \"{ctl}\" (controls: {string.Join(", ", type.ClockControls.Select(c => c.Name))})");
            long src0 = initial[source];
            if (src0 * decl.Reset.Num % decl.Reset.Den != 0)
                throw Error(k, $"{source} ({src0} Hz) times the reset ratio {decl.Reset.Num}/{decl.Reset.Den} of {control} is not a whole number of Hz");
            initial[name] = src0 * decl.Reset.Num / decl.Reset.Den;
            var reach = new List<long> { initial[name] };
            foreach (long f in reachable[source])
                foreach (var (num, den) in decl.Ratios)
                    if (f * num % den == 0 && !reach.Contains(f * num / den)) reach.Add(f * num / den);
            reachable[name] = reach;
            resolvedOrder.Add(name);
            specs[name] = new ClockTreeSpec(name, initial.Keys.First(n => string.Equals(n, source, StringComparison.OrdinalIgnoreCase)), pj.Key, ctl, reach);
            visiting.Remove(name);
        }
        foreach (var name in treeJson.Keys.OrderBy(n => n, StringComparer.Ordinal)) Resolve(name);

        var tree = specs.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        long tps = TimeBase.TicksPerSecond(
            fixedClocks.Select(c => c.FrequencyHz).Concat(tree.Select(t => initial[t.Name])),
            // Most likely first: sources before derived clocks, each control's ratios in declared order.
            resolvedOrder.SelectMany(n => specs[n].ReachableHz).Distinct(),
            long.MaxValue / MinimumSecondsOfTime);
        var all = fixedClocks.Select(c => new ClockSpec(c.Name, c.FrequencyHz, tps / c.FrequencyHz))
            .Concat(tree.Select(t => new ClockSpec(t.Name, initial[t.Name], tps / initial[t.Name])))
            .OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        return (all, tree, tps);
    }

    private (List<ClockSpec>, long) ResolveFixedClocks(Dictionary<string, string> clocks)
    {
        var names = BoardLoader.SortedKeys(clocks);
        var hz = new long[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            string key = "clocks:" + names[i], value = clocks[names[i]];
            long f = ParseInteger(key, value, "expected a frequency in Hz (an integer)", allowHex: false);
            if (f <= 0) throw Error(key, $"clock frequency must be positive, got {value}");
            hz[i] = f;
        }
        long tps;
        try { tps = TimeBase.TicksPerSecond(hz); }
        catch (OverflowException)
        {
            throw Error("clocks", $"the global time base (least common multiple of {string.Join(", ", names.Select((n, i) => $"{n}={hz[i]}"))} Hz) does not fit in 64 bits; choose frequencies with more common factors");
        }
        var specs = new List<ClockSpec>(names.Length);
        for (int i = 0; i < names.Length; i++) specs.Add(new ClockSpec(names[i], hz[i], tps / hz[i]));
        return (specs, tps);
    }

    // ---------------------------------------------------------------- memory

    private RegionSpec ResolveRegion(string name, RegionJson r)
    {
        string k = "memory:" + name + ":";
        uint b = ParseAddress(k + "base", r.Base!);
        uint size = ParseSize(k + "size", r.Size!);
        if (size == 0) throw Error(k + "size", "size must be non-zero");
        if ((ulong)b + size > 0x1_0000_0000UL)
            throw Error(k + "size", $"region 0x{b:X8}+0x{size:X} extends past 4 GiB (ends at 0x{(ulong)b + size - 1:X9})");
        if (b % RegionAlignment != 0)
            throw Error(k + "base", $"base 0x{b:X8} is not word aligned (regions must start on a multiple of {RegionAlignment})");
        if (size % RegionAlignment != 0)
            throw Error(k + "size", $"size 0x{size:X} is not a multiple of {RegionAlignment} bytes");
        var kind = r.Kind switch
        {
            "RAM" => RegionKind.Ram,
            "ROM" => RegionKind.Rom,
            _ => throw Error(k + "kind", $"expected \"RAM\" or \"ROM\", got \"{r.Kind}\""),
        };
        int width = (int)ParseInteger(k + "busWidth", r.BusWidth!, "expected a bus width of 8, 16 or 32", allowHex: false);
        if (width is not (8 or 16 or 32)) throw Error(k + "busWidth", $"expected a bus width of 8, 16 or 32, got {r.BusWidth}");
        var ws = ParseWaitStates(k + "waitStates", r.WaitStates!);
        string? init = null;
        if (r.Init != null)
        {
            string key = k + "init";
            if (r.Init.Length == 0) throw Error(key, "expected a file path, got an empty string");
            // Relative to the board file that supplied the key (the current directory for --set).
            string dir = sources.First(s => s.Name == origins.Of(key)).Directory;
            init = Path.GetFullPath(Path.Combine(dir, r.Init));
            if (!File.Exists(init)) throw Error(key, $"init file \"{r.Init}\" not found (looked for {init})");
            long len = new FileInfo(init).Length;
            if (len > size) throw Error(key, $"init file \"{r.Init}\" is {len} bytes, larger than the region ({size} bytes)");
        }
        return new RegionSpec(name, b, size, kind, width, ws, init);
    }

    private WaitStates ParseWaitStates(string k, WaitStatesJson w)
    {
        int One(string name, string v)
        {
            long n = ParseInteger(k + ":" + name, v, "expected a number of wait states (a non-negative integer)", allowHex: false);
            if (n < 0) throw Error(k + ":" + name, $"wait states must not be negative, got {v}");
            if (n > 1000) throw Error(k + ":" + name, $"{v} wait states is implausible (at most 1000)");
            return (int)n;
        }
        return new WaitStates(One("readN", w.ReadN!), One("readS", w.ReadS!), One("writeN", w.WriteN!), One("writeS", w.WriteS!));
    }

    // ---------------------------------------------------------------- peripherals

    private PeripheralSpec ResolvePeripheral(string name, PeripheralJson p, Func<string, string?, ClockSpec> findClock)
    {
        string k = "peripherals:" + name + ":";
        var type = PeripheralCatalog.Find(p.Type!)
            ?? throw Error(k + "type", $"unknown peripheral type \"{p.Type}\" (known: {string.Join(", ", PeripheralCatalog.Names)})");
        var clock0 = findClock(k + "clock", p.Clock);
        if (!type.HasWindow)
        {
            if (p.Base != null) throw Error(k + "base", $"{type.Name} is a part on pins only, with no register window: remove base");
            if (p.WaitStates != null) throw Error(k + "waitStates", $"{type.Name} is a part on pins only, with no register window: remove waitStates");
            return new PeripheralSpec(name, type, 0, clock0, new WaitStates(0, 0, 0, 0), ResolveParameters(k, type.Parameters, p.Parameters));
        }
        if (p.Base == null) throw Error(k + "base", $"missing required key 'base': {type.Name} has a 0x{type.WindowSize:X}-byte register window");
        if (p.WaitStates == null) throw Error(k + "waitStates", $"missing required key 'waitStates': {type.Name} has a 0x{type.WindowSize:X}-byte register window");
        uint b = ParseAddress(k + "base", p.Base);
        // Each type declares the alignment its window needs (a PrimeCell's 4 KiB).
        if (b % type.Alignment != 0)
            throw Error(k + "base", $"base 0x{b:X8} is not {BoardPrinter.Size(type.Alignment)} aligned (peripheral bases must be multiples of 0x{type.Alignment:X})");
        if ((ulong)b + type.WindowSize > 0x1_0000_0000UL)
            throw Error(k + "base", $"the {type.WindowSize:X}-byte window at 0x{b:X8} extends past 4 GiB");
        var ws = ParseWaitStates(k + "waitStates", p.WaitStates);
        return new PeripheralSpec(name, type, b, clock0, ws, ResolveParameters(k, type.Parameters, p.Parameters));
    }

    /// <summary>Every declared parameter of a device or core (<paramref name="k"/> its key prefix), the board's value or the default.</summary>
    /// <remarks>
    /// A <see cref="SortedList{TKey, TValue}"/> (ordinal order, as a SortedDictionary would give): its code over
    /// reference types is precompiled, where SortedDictionary's tree of key-value pairs was about 25 JIT
    /// compilations in every start-up.
    /// </remarks>
    private SortedList<string, object> ResolveParameters(string k, IReadOnlyList<DeviceParameter> declared, Dictionary<string, string>? given)
    {
        var parameters = new SortedList<string, object>(declared.Count, StringComparer.Ordinal);
        foreach (var param in declared)
        {
            string pk = k + "parameters:" + param.Name;
            if (param.Type is ParameterType.StringList or ParameterType.StringMap)
            {
                parameters[param.Name] = ResolveCollection(pk, param);
                continue;
            }
            string? v = null;
            if (given != null)
                foreach (var kv in given)
                    if (kv.Key == param.Name) { v = kv.Value; break; }
            parameters[param.Name] = v == null ? param.Default : param.Type switch
            {
                ParameterType.Boolean => ParseBool(pk, v),
                ParameterType.Integer => ParseInteger(pk, v, AddressExpectation, allowHex: true),
                _ => v,
            };
        }
        return parameters;
    }

    // A list or map parameter: the binder flattens JSON arrays to keys "sources:0", "sources:1"...,
    // so its elements are read from the layered keys (the loader checked their shape).
    private object ResolveCollection(string key, DeviceParameter param)
    {
        var items = origins.ChildValues(key);
        if (items.Count == 0) return param.Default;
        if (param.Type == ParameterType.StringMap)
            return new SortedDictionary<string, string>(items.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
        var list = items.Select(kv => (Index: int.Parse(kv.Key, CultureInfo.InvariantCulture), kv.Value)).OrderBy(e => e.Index).ToList();
        for (int i = 0; i < list.Count; i++)
            if (list[i].Index != i) throw Error(key, $"list element {i} is missing (an override replaces a list element by element)");
        return list.Select(e => e.Value).ToList();
    }

    // Regions and peripherals share one namespace: both become named bus mappings, and "cpu" names
    // the CPU in interrupt wiring.
    private void CheckNames(List<RegionSpec> regions, List<PeripheralSpec> peripherals)
    {
        foreach (var p in peripherals)
        {
            if (string.Equals(p.Name, "cpu", StringComparison.OrdinalIgnoreCase))
                throw Error("peripherals:" + p.Name, "the name \"cpu\" is reserved for the CPU");
            var r = regions.FirstOrDefault(r => string.Equals(r.Name, p.Name, StringComparison.OrdinalIgnoreCase));
            if (r != null)
                throw Error("peripherals:" + p.Name, $"name \"{p.Name}\" is also a memory region (memory.{r.Name}, from {origins.Of("memory:" + r.Name)}); names must be unique");
        }
    }

    private void CheckOverlaps(List<RegionSpec> regions, List<PeripheralSpec> peripherals)
    {
        var all = new List<Window>(regions.Count + peripherals.Count);
        foreach (var r in regions) all.Add(new Window("memory:" + r.Name, r.Base, r.End));
        foreach (var p in peripherals)
            if (p.Type.HasWindow) all.Add(new Window("peripherals:" + p.Name, p.Base, p.End));
        // By base, then key: the keys differ, so the order is total and the sort's instability does not show.
        all.Sort(static (x, y) => x.Base != y.Base ? x.Base.CompareTo(y.Base) : string.CompareOrdinal(x.Key, y.Key));
        // Sorted by base, a window overlaps an earlier one exactly when it starts below the highest end so far;
        // only then are the earlier ones searched (for the first, which the error names).
        ulong highestEnd = 0;
        for (int i = 0; i < all.Count; i++)
        {
            var b = all[i];
            bool overlaps = b.Base < highestEnd;
            highestEnd = Math.Max(highestEnd, b.End);
            if (!overlaps) continue;
            for (int j = 0; j < i; j++)
            {
                var a = all[j];
                if (b.Base < a.End && a.Base < b.End)
                    throw Error(b.Key, $"0x{b.Base:X8}-0x{b.End - 1:X8} overlaps {BoardLoader.ToPath(a.Key)} " +
                        $"(0x{a.Base:X8}-0x{a.End - 1:X8}, from {origins.Of(a.Key)})");
            }
        }
    }

    // A class, not a tuple: generic code over a value type (List, LINQ, the sort) is compiled at run time at every
    // start (ReadyToRun cannot precompile the framework's generics over the application's value types), code over a
    // class is shared and precompiled (bench/README.md, 2026-12-07, start23).
    private sealed class Window(string key, uint @base, ulong end)
    {
        public string Key { get; } = key;
        public uint Base { get; } = @base;
        public ulong End { get; } = end;
    }

    // ---------------------------------------------------------------- interrupts

    private List<InterruptConnection> ResolveInterrupts(Dictionary<string, InterruptTargetJson> wiring, List<PeripheralSpec> peripherals, CoreType core)
    {
        PeripheralSpec? Find(string name) =>
            peripherals.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        var controllers = peripherals.Where(p => p.Type.IsInterruptController).Select(p => p.Name).ToList();
        var list = new List<InterruptConnection>();
        foreach (var target in BoardLoader.SortedKeys(wiring))
        {
            var inputs = wiring[target];
            string tk = "interrupts:" + target;
            bool isCpu = target == "cpu";
            var tp = isCpu ? null : Find(target);
            if (!isCpu && tp == null)
                throw Error(tk, $"interrupt target \"{target}\" does not exist (targets are \"cpu\"{string.Concat(controllers.Select(c => $", \"{c}\""))})");
            if (tp != null && !tp.Type.IsInterruptController)
                throw Error(tk, $"\"{target}\" ({tp.Type.Name}) has no interrupt inputs (targets are \"cpu\"{string.Concat(controllers.Select(c => $", \"{c}\""))})");
            // By the input's rank, then its name (the names differ: a total order, as OrderBy/ThenBy gave).
            int Rank(string input) => isCpu ? CpuInputOrder(core, input) : LineOrder(input);
            var ordered = BoardLoader.SortedKeys(inputs, (x, y) => Rank(x) != Rank(y) ? Rank(x).CompareTo(Rank(y)) : string.CompareOrdinal(x, y));
            for (int i = 0; i < ordered.Length; i++)
            {
                string input = ordered[i], source = inputs[input];
                string ik = tk + ":" + input;
                int? line = null;
                if (isCpu)
                {
                    if (core.FindInput(input) == null)
                        throw Error(ik, $"the CPU has no input \"{input}\" (inputs: {string.Join(", ", core.Inputs.Select(i => i.Name))})");
                }
                else
                {
                    int max = tp!.Type.InputCount - 1;
                    if (!int.TryParse(input, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                        throw Error(ik, $"expected an input number 0..{max} of {tp.Type.Name} \"{tp.Name}\", got \"{input}\"");
                    if (n > max)
                        throw Error(ik, $"input {n} out of range: {tp.Type.Name} \"{tp.Name}\" has inputs 0..{max}");
                    line = n;
                }
                int dot = source.IndexOf('.');
                if (dot <= 0 || dot == source.Length - 1 || source.IndexOf('.', dot + 1) >= 0)
                    throw Error(ik, $"expected a source like \"timer0.TIMINTC\" (peripheral.output), got \"{source}\"");
                string sc = source[..dot], so = source[(dot + 1)..];
                var sp = Find(sc) ?? throw Error(ik, $"interrupt source \"{source}\": no peripheral named \"{sc}\" (peripherals: {string.Join(", ", peripherals.Select(p => p.Name))})");
                if (!sp.Outputs.Contains(so))
                    throw Error(ik, $"interrupt source \"{source}\": {sp.Type.Name} has no output \"{so}\" (outputs: {string.Join(", ", sp.Outputs)})");
                if (sp == tp)
                    throw Error(ik, $"\"{source}\" would drive an input of its own controller");
                list.Add(new InterruptConnection(sp.Name, so, isCpu ? "cpu" : tp!.Name, input, line));
            }
        }
        return list;
    }

    private string? ResolveDefaultFirmware(string? name)
    {
        if (name == null) return null;
        if (name.Length == 0 || name.Contains('/') || name.Contains('\\') || !name.EndsWith(".elf", StringComparison.Ordinal))
            throw Error("defaultFirmware", $"expected the file name of a bundled ELF like \"lpc2106_demo.elf\", got \"{name}\"");
        return name;
    }

    // ---------------------------------------------------------------- pins

    private List<PinConnection> ResolvePins(Dictionary<string, InterruptTargetJson> wiring, List<PeripheralSpec> peripherals)
    {
        PeripheralSpec? Find(string name) =>
            peripherals.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        var list = new List<PinConnection>();
        foreach (var target in BoardLoader.SortedKeys(wiring))
        {
            var inputs = wiring[target];
            string tk = "pins:" + target;
            var tp = Find(target) ?? throw Error(tk, $"pin target \"{target}\" is not a peripheral (peripherals: {string.Join(", ", peripherals.Select(p => p.Name))})");
            foreach (var input in BoardLoader.SortedKeys(inputs))
            {
                string source = inputs[input];
                string ik = tk + ":" + input;
                // The entry's own pins count too (an RTL block's inputs are ports of its module).
                var inputsOfTarget = tp.Inputs;
                if (!inputsOfTarget.Contains(input))
                    throw Error(ik, inputsOfTarget.Count == 0
                        ? $"{tp.Type.Name} \"{tp.Name}\" has no input pins"
                        : $"{tp.Type.Name} \"{tp.Name}\" has no input pin \"{input}\" (inputs: {string.Join(", ", inputsOfTarget)})");
                int dot = source.IndexOf('.');
                if (dot <= 0 || dot == source.Length - 1 || source.IndexOf('.', dot + 1) >= 0)
                    throw Error(ik, $"expected a source like \"uart0.TXD\" (peripheral.output), got \"{source}\"");
                string sc = source[..dot], so = source[(dot + 1)..];
                var sp = Find(sc) ?? throw Error(ik, $"pin source \"{source}\": no peripheral named \"{sc}\" (peripherals: {string.Join(", ", peripherals.Select(p => p.Name))})");
                if (!sp.Outputs.Contains(so))
                    throw Error(ik, $"pin source \"{source}\": {sp.Type.Name} has no output \"{so}\" (outputs: {string.Join(", ", sp.Outputs)})");
                if (sp == tp && so == input)
                    throw Error(ik, $"\"{source}\" would drive itself");
                list.Add(new PinConnection(sp.Name, so, tp.Name, input));
            }
        }
        return list;
    }

    private static int CpuInputOrder(CoreType core, string s)
    {
        int i = core.Inputs.Select(x => x.Name).ToList().IndexOf(s);
        return i < 0 ? int.MaxValue : i;
    }

    private static int LineOrder(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : int.MaxValue;

    // ---------------------------------------------------------------- numbers

    private bool ParseBool(string key, string v) =>
        string.Equals(v, "true", StringComparison.OrdinalIgnoreCase) ? true
        : string.Equals(v, "false", StringComparison.OrdinalIgnoreCase) ? false
        : throw Error(key, $"expected true or false, got \"{v}\"");

    private uint ParseAddress(string key, string v)
    {
        long n = ParseInteger(key, v, AddressExpectation, allowHex: true);
        if (n < 0) throw Error(key, $"address must not be negative, got {v}");
        if (n > uint.MaxValue) throw Error(key, $"address {v} does not fit in 32 bits");
        return (uint)n;
    }

    private uint ParseSize(string key, string v)
    {
        long mult = 1;
        string digits = v;
        foreach (var (suffix, m) in new[] { ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30) })
            if (v.EndsWith(suffix, StringComparison.Ordinal))
            {
                mult = m;
                digits = v[..^suffix.Length];
                // "64 MiB" is accepted; "0x40MiB" and "MiB" are not.
                digits = digits.TrimEnd(' ');
                if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) throw Error(key, $"{SizeExpectation}, got \"{v}\"");
                break;
            }
        long n = ParseInteger(key, digits, SizeExpectation, allowHex: mult == 1);
        if (n < 0) throw Error(key, $"size must not be negative, got {v}");
        if (n > (1L << 32) / mult) throw Error(key, $"size {v} is larger than 4 GiB");
        n *= mult;
        if (n > uint.MaxValue) throw Error(key, n == 1L << 32 ? $"size {v}: a region of the whole 4 GiB space is not supported" : $"size {v} is larger than 4 GiB");
        return (uint)n;
    }

    /// <summary>Decimal (optionally negative, so that negatives get their own message) or 0x-prefixed hex.</summary>
    private long ParseInteger(string key, string v, string expectation, bool allowHex)
    {
        if (allowHex && (v.StartsWith("0x", StringComparison.Ordinal) || v.StartsWith("0X", StringComparison.Ordinal)))
        {
            string h = v[2..];
            if (h.Length > 0 && h.Length <= 16 && h.All(char.IsAsciiHexDigit)
                && ulong.TryParse(h, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong u) && u <= long.MaxValue)
                return (long)u;
            throw Error(key, $"{expectation}, got \"{v}\"");
        }
        string d = v.StartsWith('-') ? v[1..] : v;
        if (d.Length > 0 && d.Length <= 18 && d.All(char.IsAsciiDigit))
            return long.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        throw Error(key, $"{expectation}, got \"{v}\"");
    }
}
