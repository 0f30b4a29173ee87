using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;

namespace SocSim.Boards;

/// <summary>
/// The configuration providers a board is read through, with their child keys indexed. The stock
/// <see cref="ConfigurationProvider.GetChildKeys"/> scans every key of the file for each section it
/// is asked about, and binding and checking a board ask about every section: loading a board was
/// quadratic in its size (4,000 peripherals took 22 s). The index makes each question cost the
/// number of children.
/// </summary>
internal static class IndexedConfiguration
{
    public static IConfigurationBuilder AddIndexedJson(this IConfigurationBuilder b, Stream stream) =>
        b.Add(new JsonSource { Stream = stream });

    public static IConfigurationBuilder AddIndexedCommandLine(this IConfigurationBuilder b, string[] args) =>
        b.Add(new CommandLineSource { Args = args });

    public static IConfigurationBuilder AddIndexedMemory(this IConfigurationBuilder b, IEnumerable<KeyValuePair<string, string?>> data) =>
        b.Add(new MemorySource { InitialData = data });

    /// <summary>Each section's direct children (last key segment), distinct ignoring case; the root is "".</summary>
    private sealed class ChildIndex
    {
        private Dictionary<string, List<string>>? _children;

        public void Invalidate() => _children = null;

        public IEnumerable<string> Get(IDictionary<string, string?> data, IEnumerable<string> earlierKeys, string? parentPath)
        {
            _children ??= Build(data);
            var result = new List<string>(earlierKeys);
            if (_children.TryGetValue(parentPath ?? "", out var mine)) result.AddRange(mine);
            result.Sort(ConfigurationKeyComparer.Instance);
            return result;
        }

        private static Dictionary<string, List<string>> Build(IDictionary<string, string?> data)
        {
            var children = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            // A (parent, child) pair is the key prefix "parent:child" itself: the set holds the prefixes.
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var key in data.Keys)
            {
                // "a:b:c" makes "c" a child of "a:b", "b" of "a" and "a" of the root.
                for (string k = key; ;)
                {
                    int colon = k.LastIndexOf(':');
                    string parent = colon < 0 ? "" : k[..colon];
                    if (!seen.Add(k)) break; // the rest of the chain is indexed already
                    if (!children.TryGetValue(parent, out var list)) children[parent] = list = new List<string>();
                    list.Add(k[(colon + 1)..]);
                    if (colon < 0) break;
                    k = parent;
                }
            }
            return children;
        }
    }

    private sealed class JsonSource : JsonStreamConfigurationSource
    {
        public override IConfigurationProvider Build(IConfigurationBuilder builder) => new JsonProvider(this);
    }

    private sealed class JsonProvider(JsonStreamConfigurationSource source) : JsonStreamConfigurationProvider(source)
    {
        private readonly ChildIndex _index = new();
        public override void Load(Stream stream) { base.Load(stream); _index.Invalidate(); }
        public override void Set(string key, string? value) { base.Set(key, value); _index.Invalidate(); }
        public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath) => _index.Get(Data, earlierKeys, parentPath);
    }

    private sealed class CommandLineSource : IConfigurationSource
    {
        public required string[] Args { get; init; }
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new CommandLineProvider(Args);
    }

    private sealed class CommandLineProvider(string[] args) : CommandLineConfigurationProvider(args)
    {
        private readonly ChildIndex _index = new();
        public override void Load() { base.Load(); _index.Invalidate(); }
        public override void Set(string key, string? value) { base.Set(key, value); _index.Invalidate(); }
        public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath) => _index.Get(Data, earlierKeys, parentPath);
    }

    private sealed class MemorySource : IConfigurationSource
    {
        public required IEnumerable<KeyValuePair<string, string?>> InitialData { get; init; }
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new MemoryProvider(new MemoryConfigurationSource { InitialData = InitialData });
    }

    private sealed class MemoryProvider(MemoryConfigurationSource source) : MemoryConfigurationProvider(source)
    {
        private readonly ChildIndex _index = new();
        public override void Load() { base.Load(); _index.Invalidate(); }
        public override void Set(string key, string? value) { base.Set(key, value); _index.Invalidate(); }
        public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath) => _index.Get(Data, earlierKeys, parentPath);
    }
}
