using System.Buffers.Binary;
using System.Text;

namespace SocSim.Boards.Linux;

/// <summary>A flattened device tree that is not one (bad magic, truncated, a block outside the blob).</summary>
public sealed class DeviceTreeException(string message) : Exception(message);

/// <summary>
/// A flattened device tree (devicetree specification v0.4, chapter 5 "Flattened Devicetree (DTB)
/// Format"), read into a tree of nodes and written back: the header, the memory reservation block,
/// the structure block (FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END) and the strings block.
/// Enough for a boot loader: find or add a node, set a property. No NuGet package reads or writes the
/// format, and it is small; written here.
/// </summary>
public sealed class FlattenedDeviceTree
{
    public const uint Magic = 0xD00DFEED;
    private const uint BeginNode = 1, EndNode = 2, Prop = 3, Nop = 4, End = 9;
    private const int HeaderSize = 40;

    /// <summary>One node: its name (unit address included), its properties in order, its children.</summary>
    public sealed class Node(string name)
    {
        public string Name { get; } = name;
        public List<KeyValuePair<string, byte[]>> Properties { get; } = new();
        public List<Node> Children { get; } = new();

        public byte[]? Property(string name) => Properties.FirstOrDefault(p => p.Key == name).Value;

        public void SetProperty(string name, byte[] value)
        {
            int i = Properties.FindIndex(p => p.Key == name);
            if (i >= 0) Properties[i] = new(name, value);
            else Properties.Add(new(name, value));
        }

        public void SetString(string name, string value) => SetProperty(name, Encoding.UTF8.GetBytes(value + "\0"));

        /// <summary>Big-endian 32-bit cells, as <c>&lt;a b c&gt;</c> in a .dts.</summary>
        public void SetCells(string name, params uint[] cells)
        {
            var b = new byte[cells.Length * 4];
            for (int i = 0; i < cells.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(i * 4), cells[i]);
            SetProperty(name, b);
        }

        public Node? Child(string name) => Children.FirstOrDefault(c => c.Name == name);

        public Node GetOrAddChild(string name)
        {
            if (Child(name) is { } c) return c;
            var n = new Node(name);
            Children.Add(n);
            return n;
        }
    }

    private FlattenedDeviceTree(Node root, List<(ulong Address, ulong Size)> reserved, uint bootCpu)
    {
        Root = root;
        Reserved = reserved;
        BootCpuId = bootCpu;
    }

    public Node Root { get; }
    public List<(ulong Address, ulong Size)> Reserved { get; }
    public uint BootCpuId { get; }

    /// <summary>Reads a blob; <paramref name="name"/> names it in the one-line error.</summary>
    public static FlattenedDeviceTree Parse(ReadOnlySpan<byte> blob, string name)
    {
        if (blob.Length < HeaderSize)
            throw new DeviceTreeException($"{name}: not a device tree blob ({blob.Length} bytes, shorter than the {HeaderSize}-byte header)");
        uint magic = U32(blob, 0);
        if (magic != Magic)
            throw new DeviceTreeException($"{name}: not a device tree blob (magic 0x{magic:X8}, expected 0x{Magic:X8})");
        uint total = U32(blob, 4), offStruct = U32(blob, 8), offStrings = U32(blob, 12), offRsv = U32(blob, 16);
        uint version = U32(blob, 20), lastComp = U32(blob, 24), bootCpu = U32(blob, 28), sizeStrings = U32(blob, 32), sizeStruct = U32(blob, 36);
        if (total > blob.Length)
            throw new DeviceTreeException($"{name}: truncated device tree blob (header says {total} bytes, the file has {blob.Length})");
        if (lastComp > 17 || version < 16)
            throw new DeviceTreeException($"{name}: device tree blob version {version} (compatible with {lastComp}); versions 16 and 17 are read");
        if (version < 17) sizeStruct = total - offStruct;
        if ((ulong)offStruct + sizeStruct > total || (ulong)offStrings + sizeStrings > total || offRsv + 16UL > total || offStruct < HeaderSize)
            throw new DeviceTreeException($"{name}: malformed device tree blob (a block lies outside its {total} bytes)");
        var reserved = new List<(ulong, ulong)>();
        for (uint o = offRsv; ; o += 16)
        {
            if (o + 16UL > total) throw new DeviceTreeException($"{name}: malformed device tree blob (memory reservation block not terminated)");
            ulong a = BinaryPrimitives.ReadUInt64BigEndian(blob[(int)o..]), s = BinaryPrimitives.ReadUInt64BigEndian(blob[(int)(o + 8)..]);
            if (a == 0 && s == 0) break;
            reserved.Add((a, s));
        }
        var structure = blob.Slice((int)offStruct, (int)sizeStruct);
        var strings = blob.Slice((int)offStrings, (int)sizeStrings);
        int pos = 0;
        var stack = new Stack<Node>();
        Node? root = null;
        while (true)
        {
            if (pos + 4 > structure.Length) throw Malformed(name, "the structure block ends without FDT_END");
            uint token = U32(structure, pos);
            pos += 4;
            switch (token)
            {
                case BeginNode:
                {
                    int nul = structure[pos..].IndexOf((byte)0);
                    if (nul < 0) throw Malformed(name, "a node name is not terminated");
                    var node = new Node(Encoding.UTF8.GetString(structure.Slice(pos, nul)));
                    pos = Align4(pos + nul + 1);
                    if (stack.Count == 0)
                    {
                        if (root != null) throw Malformed(name, "two root nodes");
                        root = node;
                    }
                    else stack.Peek().Children.Add(node);
                    stack.Push(node);
                    break;
                }
                case EndNode:
                    if (stack.Count == 0) throw Malformed(name, "FDT_END_NODE without a node");
                    stack.Pop();
                    break;
                case Prop:
                {
                    if (stack.Count == 0 || pos + 8 > structure.Length) throw Malformed(name, "a property outside a node");
                    int len = (int)U32(structure, pos), nameOff = (int)U32(structure, pos + 4);
                    pos += 8;
                    if (len < 0 || pos + len > structure.Length) throw Malformed(name, "a property runs past the structure block");
                    if (nameOff < 0 || nameOff >= strings.Length) throw Malformed(name, "a property name lies outside the strings block");
                    int nul = strings[nameOff..].IndexOf((byte)0);
                    if (nul < 0) throw Malformed(name, "a property name is not terminated");
                    stack.Peek().Properties.Add(new(Encoding.UTF8.GetString(strings.Slice(nameOff, nul)), structure.Slice(pos, len).ToArray()));
                    pos = Align4(pos + len);
                    break;
                }
                case Nop: break;
                case End:
                    if (root == null || stack.Count != 0) throw Malformed(name, "FDT_END inside a node");
                    return new FlattenedDeviceTree(root, reserved, bootCpu);
                default:
                    throw Malformed(name, $"unknown token 0x{token:X8} at structure offset 0x{pos - 4:X}");
            }
        }
    }

    private static DeviceTreeException Malformed(string name, string what) => new($"{name}: malformed device tree blob ({what})");

    /// <summary>Finds a node by absolute path ("/chosen", "/amba/uart@101f1000").</summary>
    public Node? Find(string path)
    {
        var n = Root;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            if ((n = n.Child(part)) == null) return null;
        return n;
    }

    /// <summary>
    /// The blob, version 17: header, memory reservation block, structure block, strings block, then
    /// free space up to <paramref name="minimumSize"/> bytes (totalsize counts it, as the format allows).
    /// </summary>
    public byte[] ToBlob(int minimumSize = 0)
    {
        var strings = new MemoryStream();
        var offsets = new Dictionary<string, int>(StringComparer.Ordinal);
        var structure = new MemoryStream();
        void Word(uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); structure.Write(b); }
        void Pad() { while (structure.Length % 4 != 0) structure.WriteByte(0); }
        void Emit(Node n)
        {
            Word(BeginNode);
            structure.Write(Encoding.UTF8.GetBytes(n.Name));
            structure.WriteByte(0);
            Pad();
            foreach (var (key, value) in n.Properties)
            {
                if (!offsets.TryGetValue(key, out int off))
                {
                    off = (int)strings.Length;
                    offsets[key] = off;
                    strings.Write(Encoding.UTF8.GetBytes(key));
                    strings.WriteByte(0);
                }
                Word(Prop);
                Word((uint)value.Length);
                Word((uint)off);
                structure.Write(value);
                Pad();
            }
            foreach (var c in n.Children) Emit(c);
            Word(EndNode);
        }
        Emit(Root);
        Word(End);
        int offRsv = HeaderSize; // 8-byte aligned
        int offStruct = offRsv + 16 * (Reserved.Count + 1);
        int offStrings = offStruct + (int)structure.Length;
        int total = Math.Max(offStrings + (int)strings.Length, minimumSize);
        var blob = new byte[total];
        var h = blob.AsSpan();
        uint[] header = [Magic, (uint)total, (uint)offStruct, (uint)offStrings, (uint)offRsv, 17, 16, BootCpuId, (uint)strings.Length, (uint)structure.Length];
        for (int i = 0; i < header.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(h[(i * 4)..], header[i]);
        for (int i = 0; i < Reserved.Count; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(h[(offRsv + 16 * i)..], Reserved[i].Address);
            BinaryPrimitives.WriteUInt64BigEndian(h[(offRsv + 16 * i + 8)..], Reserved[i].Size);
        }
        structure.GetBuffer().AsSpan(0, (int)structure.Length).CopyTo(h[offStruct..]);
        strings.GetBuffer().AsSpan(0, (int)strings.Length).CopyTo(h[offStrings..]);
        return blob;
    }

    private static uint U32(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt32BigEndian(b[offset..]);
    private static int Align4(int v) => (v + 3) & ~3;
}
