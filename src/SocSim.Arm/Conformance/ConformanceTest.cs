using System.Buffers.Binary;

namespace SocSim.Arm.Conformance;

/// <summary>One bus transaction of the SingleStepTests ARM7TDMI data (see shared/conformance/README.md).</summary>
public readonly record struct Transaction(uint Kind, uint Size, uint Address, uint Data, uint Access)
{
    public const uint KindFetch = 0, KindRead = 1, KindWrite = 2;
    public const uint AccessSeq = 1, AccessCode = 2, AccessLock = 8;

    public override string ToString() =>
        $"{(Kind == KindFetch ? "fetch" : Kind == KindRead ? "read " : "write")} size={Size} addr={Address:x8} data={Data:x8} access={Access}";
}

/// <summary>One single-instruction test: 39-word initial and final states, transactions, opcodes.</summary>
public sealed class ConformanceTest
{
    public required string File { get; init; }
    public required int Index { get; init; }
    public required uint[] Initial { get; init; }
    public required uint[] Final { get; init; }
    public required Transaction[] Transactions { get; init; }
    public required uint[] Opcodes { get; init; }
    public required uint BaseAddress { get; init; }

    public string Id => $"{File}#{Index}";

    public const int StateWords = 39;
    private const uint Magic = 0xD33DBAE0;

    public static IReadOnlyList<ConformanceTest> ReadFile(string path)
    {
        var name = Path.GetFileName(path);
        var d = System.IO.File.ReadAllBytes(path);
        if (d.Length < 8 || BinaryPrimitives.ReadUInt32LittleEndian(d) != Magic)
            throw new InvalidDataException($"{path}: not a conformance test file (magic 0x{Magic:X8} expected)");
        int count = BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(4));
        var tests = new List<ConformanceTest>(count);
        int off = 8;
        for (int i = 0; i < count; i++)
        {
            int recordSize = BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(off));
            int p = off + 4, end = off + recordSize;
            uint[]? initial = null, final = null, opcodes = null;
            Transaction[]? txs = null;
            uint baseAddr = 0;
            while (p < end)
            {
                int blockSize = BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(p));
                int tag = BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(p + 4));
                var body = d.AsSpan(p + 8, blockSize - 8);
                switch (tag)
                {
                    case 1: initial = Words(body, StateWords); break;
                    case 2: final = Words(body, StateWords); break;
                    case 3:
                        int n = BinaryPrimitives.ReadInt32LittleEndian(body);
                        txs = new Transaction[n];
                        for (int k = 0; k < n; k++)
                        {
                            var w = Words(body.Slice(4 + 24 * k), 6);
                            // w[4] is the cycle number, unreliable in this version of the data.
                            txs[k] = new Transaction(w[0], w[1], w[2], w[3], w[5]);
                        }
                        break;
                    case 4:
                        var o = Words(body, 6);
                        opcodes = o[..5];
                        baseAddr = o[5];
                        break;
                    default: throw new InvalidDataException($"{path}: test {i}: unknown block tag {tag}");
                }
                p += blockSize;
            }
            if (initial == null || final == null || txs == null || opcodes == null)
                throw new InvalidDataException($"{path}: test {i}: missing block");
            tests.Add(new ConformanceTest { File = name, Index = i, Initial = initial, Final = final, Transactions = txs, Opcodes = opcodes, BaseAddress = baseAddr });
            off += recordSize;
        }
        return tests;
    }

    private static uint[] Words(ReadOnlySpan<byte> b, int n)
    {
        var w = new uint[n];
        for (int i = 0; i < n; i++) w[i] = BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(4 * i));
        return w;
    }
}
