using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using SocSim.Core;

using SocSim.Core.Devices;

namespace SocSim.Boards;

/// <summary>
/// Reads board files with Microsoft.Extensions.Configuration.Json, layers them (later files win, then
/// <c>--set</c> keys), binds them with Microsoft.Extensions.Configuration.Binder and validates and
/// resolves the result into a <see cref="Board"/>.
/// <para>
/// <c>--set</c> takes <c>key=value</c>; the key is a path whose segments are separated by '.' or ':'
/// (<c>memory.ram.waitStates.readN=2</c>, <c>peripherals:uart0:base=0x101F4000</c>). Names never contain
/// dots, so the two spellings are the same key. Keys are case-sensitive: <c>Base</c> is an unknown key.
/// Names (of clocks, regions, peripherals) are compared case-insensitively when layering, as the
/// configuration system does, so an override must not rely on case to add a second region.
/// </para>
/// </summary>
public static partial class BoardLoader
{
    public const string SetSource = "--set";

    /// <summary>Loads a single board file.</summary>
    public static Board Load(string file) => Load([file], []);

    public static Board Load(IReadOnlyList<string> files, IReadOnlyList<string> sets)
    {
        if (files.Count == 0) throw new BoardException("no board file given");
        var sources = new List<Source>();
        foreach (var f in files) sources.Add(ReadFile(f));
        if (sets.Count > 0) sources.Add(ReadSets(sets));

        var origins = new Origins(sources);
        foreach (var s in sources) CheckStructure(s, origins);

        var builder = new ConfigurationBuilder();
        foreach (var s in sources) s.AddTo(builder);
        IConfiguration merged = builder.Build();
        CheckRequired(merged, typeof(BoardJson), "", origins);

        BoardJson json;
        try
        {
            json = WithoutCollectionParameters(merged).Get<BoardJson>(o => o.ErrorOnUnknownConfiguration = true) ?? new BoardJson();
        }
        catch (InvalidOperationException e)
        {
            // The structural check above rejects every key the binder could refuse; this is a safety net.
            throw new BoardException(sources[^1].Name, "", e.Message);
        }
        var board = new BoardResolver(origins, sources).Resolve(json);
        return board with
        {
            Files = files.Select(Path.GetFullPath).ToList(),
            Sets = sets.ToList(),
            Configuration = merged.AsEnumerable()
                .Where(kv => kv.Value != null && !kv.Key.Equals("$schema", StringComparison.OrdinalIgnoreCase))
                .Select(kv => $"{kv.Key.Replace(':', '.')}={kv.Value}")
                .Order(StringComparer.Ordinal).ToList(),
        };
    }

    // List and map parameters (flattened to "peripherals:x:parameters:sources:0") do not bind to the
    // parameters' Dictionary<string, string>; the resolver reads them from the layered keys instead.
    private static IConfiguration WithoutCollectionParameters(IConfiguration merged)
    {
        static bool Nested(string key)
        {
            var seg = key.Split(':');
            return seg.Length >= 5 && seg[0].Equals("peripherals", StringComparison.OrdinalIgnoreCase) && seg[2].Equals("parameters", StringComparison.OrdinalIgnoreCase);
        }
        static bool Collection(IConfiguration c, string key) =>
            key.Split(':') is { Length: 4 } seg && seg[0].Equals("peripherals", StringComparison.OrdinalIgnoreCase)
            && seg[2].Equals("parameters", StringComparison.OrdinalIgnoreCase) && c.GetSection(key).GetChildren().Any();
        if (!merged.AsEnumerable().Any(kv => Nested(kv.Key))) return merged;
        var kept = merged.AsEnumerable().Where(kv => !Nested(kv.Key) && !Collection(merged, kv.Key));
        return new ConfigurationBuilder().AddIndexedMemory(kept).Build();
    }

    // ---------------------------------------------------------------- sources

    internal sealed class Source
    {
        public required string Name { get; init; }
        /// <summary>Directory relative paths (init files) are resolved against.</summary>
        public required string Directory { get; init; }
        public byte[]? Json { get; init; }
        /// <summary>For <c>--set</c>: arguments for the command-line provider, <c>--a:b:c=value</c>.</summary>
        public List<string>? Sets { get; init; }
        public IConfigurationRoot Root { get; set; } = null!;

        public void AddTo(IConfigurationBuilder b)
        {
            if (Json != null) b.AddIndexedJson(new MemoryStream(Json));
            else b.AddIndexedCommandLine(Sets!.ToArray());
        }
    }

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        // The same leniency as the configuration JSON provider.
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The largest board file read.</summary>
    public const long MaxBoardFileBytes = 16 << 20;

    private static Source ReadFile(string path)
    {
        byte[] bytes;
        try { bytes = HostInput.ReadAllBytes(path, MaxBoardFileBytes, "board file"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BoardException(path, "", $"cannot read board file: {HostInput.Reason(e)}");
        }
        // A UTF-8 byte order mark (Windows editors write one) is not JSON, but the file is.
        if (bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        // The configuration provider wraps System.Text.Json's error, whose "LineNumber" is zero-based;
        // parse first with the same leniency to report a one-based line and column.
        try
        {
            using var doc = JsonDocument.Parse(bytes, JsonOptions);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new BoardException(path, "", $"expected a JSON object at the top level, got {Describe(doc.RootElement.ValueKind)}");
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is long l ? $"line {l + 1}, column {(e.BytePositionInLine ?? 0) + 1}: " : "";
            string msg = e.Message;
            int cut = msg.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) msg = msg[..cut];
            throw new BoardException(path, "", $"JSON syntax error at {where}{msg}");
        }
        var src = new Source
        {
            Name = path,
            Directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".",
            Json = bytes,
        };
        try
        {
            var b = new ConfigurationBuilder();
            src.AddTo(b);
            src.Root = b.Build();
        }
        catch (FormatException e)
        {
            // The provider says "A duplicate key 'memory:ram' was found." (System.Text.Json itself allows duplicates).
            var m = Regex.Match(e.Message, "key '([^']*)'");
            if (m.Success) throw new BoardException(path, ToPath(m.Groups[1].Value), "duplicate key (keys that differ only in case are the same key)");
            throw new BoardException(path, "", e.Message);
        }
        return src;
    }

    private static string Describe(JsonValueKind k) => k switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => k.ToString(),
    };

    private static Source ReadSets(IReadOnlyList<string> sets)
    {
        var args = new List<string>();
        foreach (var s in sets)
        {
            int eq = s.IndexOf('=');
            if (eq <= 0) throw new BoardException(SetSource, "", $"expected key=value (e.g. memory.ram.waitStates.readN=2), got \"{s}\"");
            string key = s[..eq].Trim().Replace('.', ':');
            if (key.Split(':').Any(p => p.Length == 0))
                throw new BoardException(SetSource, ToPath(key), $"empty segment in key \"{s[..eq]}\"");
            // The command-line provider splits at the first '=', so values may contain '='; later wins.
            args.Add("--" + key + "=" + s[(eq + 1)..]);
        }
        var src = new Source { Name = SetSource, Directory = System.IO.Directory.GetCurrentDirectory(), Sets = args };
        var b = new ConfigurationBuilder();
        src.AddTo(b);
        src.Root = b.Build();
        return src;
    }

    internal static string ToPath(string configKey) => configKey.Replace(':', '.');

    /// <summary>
    /// A dictionary's keys in ordinal order, or in <paramref name="order"/> (which must be total: the sort is not
    /// stable). By an array, not LINQ's OrderBy over key-value pairs: generic code over a value type is compiled
    /// at run time at every start (bench/README.md, 2026-12-07, start23).
    /// </summary>
    internal static string[] SortedKeys<TValue>(Dictionary<string, TValue> d, Comparison<string>? order = null)
    {
        var keys = new string[d.Count];
        d.Keys.CopyTo(keys, 0);
        if (order != null) Array.Sort(keys, order);
        else Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }

    // ---------------------------------------------------------------- origins

    /// <summary>Which source supplied each key: the last one for a value, the first one for an object.</summary>
    internal sealed class Origins
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string?> _layered = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string> _objects = new(StringComparer.OrdinalIgnoreCase);
        private readonly string _first;

        public Origins(List<Source> sources)
        {
            _first = sources[0].Name;
            foreach (var s in sources)
            {
                var all = s.Root.AsEnumerable().ToList();
                // A key with children is an object, not a value.
                var parents = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var kv in all)
                    for (int i = kv.Key.LastIndexOf(':'); i > 0; i = kv.Key.LastIndexOf(':', i - 1))
                        if (!parents.Add(kv.Key[..i])) break;
                foreach (var kv in all)
                {
                    if (parents.Contains(kv.Key)) continue;
                    _values[kv.Key] = s.Name;
                    _layered[kv.Key] = kv.Value;
                    for (int i = kv.Key.LastIndexOf(':'); i > 0; i = kv.Key.LastIndexOf(':', i - 1))
                        _objects.TryAdd(kv.Key[..i], s.Name);
                    int last = kv.Key.LastIndexOf(':');
                    if (last > 0)
                    {
                        if (!_childValues.TryGetValue(kv.Key[..last], out var siblings)) _childValues[kv.Key[..last]] = siblings = new(StringComparer.OrdinalIgnoreCase);
                        siblings[kv.Key[(last + 1)..]] = kv.Value;
                    }
                }
            }
        }

        /// <summary>The layered values under each key, by their last segment (last source wins), in the order first given.</summary>
        private readonly Dictionary<string, OrderedDictionary<string, string?>> _childValues = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>The source to blame for the key at <paramref name="configKey"/> (colon-separated).</summary>
        public string Of(string configKey)
        {
            if (_values.TryGetValue(configKey, out var v)) return v;
            if (_objects.TryGetValue(configKey, out var o)) return o;
            // A missing key: blame whoever introduced its nearest existing parent.
            for (int i = configKey.LastIndexOf(':'); i > 0; i = configKey.LastIndexOf(':', i - 1))
                if (_objects.TryGetValue(configKey[..i], out var p) || _values.TryGetValue(configKey[..i], out p)) return p;
            return _first;
        }

        /// <summary>The layered values directly under a key (a list's elements "0", "1"..., a map's entries), keyed by the last segment.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> ChildValues(string configKey) =>
            _childValues.TryGetValue(configKey, out var values)
                ? values.Where(kv => kv.Value != null).Select(kv => KeyValuePair.Create(kv.Key, kv.Value!)).ToList()
                : [];

        /// <summary>The layered value of a key (last source wins).</summary>
        public string? ValueOf(string configKey) => _layered.TryGetValue(configKey, out var v) ? v : null;

        /// <remarks>
        /// In ordinal order of the paths, as a SortedDictionary would give, in a <see cref="SortedList{TKey, TValue}"/>
        /// filled in that order (each add appends): its code over reference types is precompiled, where
        /// SortedDictionary's tree of key-value pairs was about 25 JIT compilations in every start-up.
        /// </remarks>
        public IReadOnlyDictionary<string, string> ByPath()
        {
            var byPath = new Dictionary<string, string>(_values.Count, StringComparer.Ordinal);
            foreach (var kv in _values) byPath[ToPath(kv.Key)] = kv.Value;
            var d = new SortedList<string, string>(byPath.Count, StringComparer.Ordinal);
            foreach (var p in SortedKeys(byPath)) d.Add(p, byPath[p]);
            return d;
        }
    }

    // ---------------------------------------------------------------- structure

    private enum NodeKind { Value, Object, Map }

    private static NodeKind KindOf(Type t)
    {
        if (t == typeof(string)) return NodeKind.Value;
        if (typeof(IDictionary<string, string>).IsAssignableFrom(t) || (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>)))
            return NodeKind.Map;
        return NodeKind.Object;
    }

    private static Type MapValueType(Type t) =>
        t == typeof(InterruptTargetJson) ? typeof(string) : t.GetGenericArguments()[1];

    /// <summary>The JSON key of a property: its <see cref="ConfigurationKeyNameAttribute"/> or its camelCase name.</summary>
    internal static string KeyOf(PropertyInfo p) =>
        p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? char.ToLowerInvariant(p.Name[0]) + p.Name[1..];

    internal static IEnumerable<PropertyInfo> KeysOf(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite);

    /// <summary>A JSON object type's keys (<see cref="KeysOf"/>, <see cref="KeyOf"/>), found by reflection once per type: the checks ask for every object of a board.</summary>
    private static KeyedProperty[] KeyedPropertiesOf(Type t) =>
        KeyedProperties.GetOrAdd(t, static t => KeysOf(t).Select(p => new KeyedProperty(KeyOf(p), p)).ToArray());

    private sealed record KeyedProperty(string Key, PropertyInfo Property);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, KeyedProperty[]> KeyedProperties = new();

    /// <summary>
    /// Whether a map key matches its pattern: the patterns of <see cref="Names"/> and of map parameters by
    /// regexes compiled at build time (no regex parser or interpreter at every start-up), any other by <see cref="Regex"/>.
    /// </summary>
    private static bool NameMatches(string key, string pattern) => pattern switch
    {
        Names.Identifier => IdentifierName().IsMatch(key),
        Names.Pin => PinName().IsMatch(key),
        MapParameterKey => MapParameterName().IsMatch(key),
        _ => Regex.IsMatch(key, pattern),
    };

    private const string MapParameterKey = "^[A-Za-z_][A-Za-z0-9_]*$";

    [GeneratedRegex(Names.Identifier)]
    private static partial Regex IdentifierName();

    [GeneratedRegex(Names.Pin)]
    private static partial Regex PinName();

    [GeneratedRegex(MapParameterKey)]
    private static partial Regex MapParameterName();

    internal static bool IsOptional(PropertyInfo p) => p.GetCustomAttribute<OptionalKeyAttribute>() != null;

    /// <summary>Rejects unknown keys and values where objects belong (and the reverse), per source, case-sensitively.</summary>
    private static void CheckStructure(Source s, Origins origins)
    {
        foreach (var child in s.Root.GetChildren())
            CheckProperty(s, child, typeof(BoardJson), origins);
    }

    // A key inside an object: it must be one of the object's properties.
    private static void CheckProperty(Source s, IConfigurationSection section, Type objectType, Origins origins)
    {
        string key = section.Key;
        var props = KeyedPropertiesOf(objectType);
        var prop = Array.Find(props, p => p.Key == key);
        if (prop == null)
        {
            var near = Array.Find(props, p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase));
            string hint = near != null
                ? $"did you mean '{near.Key}'? keys are case-sensitive"
                : $"expected one of: {string.Join(", ", props.Select(p => p.Key))}";
            throw new BoardException(s.Name, ToPath(section.Path), $"unknown key '{Core.HostInput.Quote(key)}' ({hint})");
        }
        CheckValue(s, section, prop.Property.PropertyType, prop.Property, origins);
    }

    private static void CheckValue(Source s, IConfigurationSection section, Type type, PropertyInfo? prop, Origins origins)
    {
        string path = ToPath(section.Path);
        var children = section.GetChildren().ToList();
        switch (KindOf(type))
        {
            case NodeKind.Value:
                if (children.Count > 0)
                    throw new BoardException(s.Name, path, "expected a value, got an object or array");
                // The JSON provider turns both null and {} into a key without a value.
                if (section.Value == null)
                    throw new BoardException(s.Name, path, "expected a value, got null or an empty object");
                return;
            case NodeKind.Object:
                if (children.Count == 0 && section.Value != null)
                    throw new BoardException(s.Name, path, $"expected an object, got \"{section.Value}\"");
                foreach (var c in children) CheckProperty(s, c, type, origins);
                return;
            case NodeKind.Map:
                if (children.Count == 0 && section.Value != null)
                    throw new BoardException(s.Name, path, $"expected an object keyed by name, got \"{section.Value}\"");
                var mk = prop?.GetCustomAttribute<MapKeysAttribute>();
                bool pins = type == typeof(InterruptTargetJson);
                string pattern = mk?.Pattern ?? (pins ? Names.Pin : Names.Identifier);
                string what = mk?.Description ?? (pins ? Names.PinText : Names.IdentifierText);
                (string Name, IReadOnlyList<DeviceParameter> Parameters)? ptype = null;
                bool typeParameters = prop?.GetCustomAttribute<TypeParametersAttribute>() != null;
                if (typeParameters)
                {
                    // Parameters are checked against the type the layered board ends up with; an
                    // unknown type is reported later, on the type key itself. The cpu's are its core type's.
                    string owner = section.Path[..section.Path.LastIndexOf(':')];
                    string typeName = origins.ValueOf(owner + ":type") ?? "";
                    ptype = owner == "cpu"
                        ? CoreCatalog.Default.Find(typeName) is { } core ? (core.Name, core.Parameters) : null
                        : PeripheralCatalog.Find(typeName) is { } device ? (device.Name, device.Parameters) : null;
                }
                var vt = MapValueType(type);
                foreach (var c in children)
                {
                    if (!NameMatches(c.Key, pattern))
                    {
                        string arrayHint = c.Key.All(char.IsAsciiDigit) && pattern == Names.Identifier
                            ? " (arrays are not accepted here: use an object keyed by name)" : "";
                        throw new BoardException(s.Name, ToPath(c.Path), $"invalid name '{c.Key}': expected {what}{arrayHint}");
                    }
                    var declared = ptype?.Parameters.FirstOrDefault(p => p.Name == c.Key);
                    if (ptype is { } pt && declared == null)
                        throw new BoardException(s.Name, ToPath(c.Path), pt.Parameters.Count == 0
                            ? $"unknown parameter '{Core.HostInput.Quote(c.Key)}': type {pt.Name} takes no parameters"
                            : $"unknown parameter '{Core.HostInput.Quote(c.Key)}' for type {pt.Name} (expected one of: {string.Join(", ", pt.Parameters.Select(p => p.Name))})");
                    if (declared is { Type: ParameterType.StringList or ParameterType.StringMap } collection)
                        CheckCollection(s, c, collection.Type == ParameterType.StringList);
                    else CheckValue(s, c, vt, null, origins);
                }
                return;
        }
    }

    // A list parameter is a JSON array of strings, a map parameter an object of strings keyed by name.
    private static void CheckCollection(Source s, IConfigurationSection section, bool list)
    {
        string path = ToPath(section.Path);
        var children = section.GetChildren().ToList();
        if (children.Count == 0 && section.Value != null)
            throw new BoardException(s.Name, path, list ? $"expected an array of strings, got \"{section.Value}\"" : $"expected an object of strings keyed by name, got \"{section.Value}\"");
        foreach (var c in children)
        {
            if (list && !c.Key.All(char.IsAsciiDigit))
                throw new BoardException(s.Name, path, "expected an array of strings, got an object");
            if (!list && !NameMatches(c.Key, MapParameterKey))
                throw new BoardException(s.Name, ToPath(c.Path), $"invalid name '{c.Key}': expected a letter or '_' followed by letters, digits or '_'");
            if (c.GetChildren().Any() || c.Value == null)
                throw new BoardException(s.Name, ToPath(c.Path), "expected a string");
        }
    }

    /// <summary>Every key the schema does not mark optional must be present once the layers are merged.</summary>
    private static void CheckRequired(IConfiguration section, Type type, string configPath, Origins origins)
    {
        foreach (var (k, p) in KeyedPropertiesOf(type))
        {
            string childPath = configPath.Length == 0 ? k : configPath + ":" + k;
            var child = section.GetSection(k);
            bool exists = child.Value != null || child.GetChildren().Any();
            if (!exists)
            {
                if (IsOptional(p)) continue;
                // A file with no cpu or memory at its top is an override, meant to be layered on a whole board.
                string layer = configPath.Length == 0 ? "; a file without it is an override: layer it on a whole board (socsim: --board versatilepb --board FILE)" : "";
                throw new BoardException(origins.Of(configPath.Length == 0 ? childPath : configPath),
                    configPath.Length == 0 ? "" : ToPath(configPath), $"missing required key '{k}'{Expectation(p)}{layer}");
            }
            switch (KindOf(p.PropertyType))
            {
                case NodeKind.Object:
                    CheckRequired(child, p.PropertyType, childPath, origins);
                    break;
                case NodeKind.Map:
                    var vt = MapValueType(p.PropertyType);
                    if (KindOf(vt) == NodeKind.Object)
                        foreach (var c in child.GetChildren())
                            CheckRequired(c, vt, childPath + ":" + c.Key, origins);
                    break;
            }
        }
    }

    private static string Expectation(PropertyInfo p) => KindOf(p.PropertyType) switch
    {
        NodeKind.Object => " (an object)",
        NodeKind.Map => " (an object keyed by name)",
        _ => "",
    };
}
