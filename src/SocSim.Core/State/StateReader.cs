using System.Text;

namespace SocSim.Core.State;

/// <summary>
/// Reads what <see cref="StateWriter"/> wrote. Every inconsistency (a section of another name, a
/// component that reads less or more than it wrote, the end of the data) is a <see cref="StateException"/>
/// naming the section.
/// </summary>
public sealed class StateReader
{
    private readonly MemoryStream _stream;
    private readonly BinaryReader _r;
    private readonly Stack<(string Name, long End)> _open = new();

    public StateReader(MemoryStream stream)
    {
        _stream = stream;
        _r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
    }

    private string Where => _open.Count > 0 ? $"section '{_open.Peek().Name}'" : "the state";

    private T Read<T>(Func<BinaryReader, T> read)
    {
        try
        {
            var v = read(_r);
            if (_open.Count > 0 && _stream.Position > _open.Peek().End) throw new EndOfStreamException();
            return v;
        }
        catch (EndOfStreamException) { throw new StateException($"{Where} ends early"); }
        catch (FormatException) { throw new StateException($"{Where} holds a malformed string"); }
    }

    public bool ReadBool() => Read(r => r.ReadBoolean());
    public byte ReadByte() => Read(r => r.ReadByte());
    public int ReadInt() => Read(r => r.ReadInt32());
    public uint ReadUInt() => Read(r => r.ReadUInt32());
    public long ReadLong() => Read(r => r.ReadInt64());
    public ulong ReadULong() => Read(r => r.ReadUInt64());
    public double ReadDouble() => Read(r => r.ReadDouble());
    public string ReadString() => Read(r => r.ReadString());
    public string? ReadNullableString() => ReadBool() ? ReadString() : null;

    /// <summary>A count that must lie in [0, <paramref name="max"/>] (a corrupted length never allocates gigabytes).</summary>
    public int ReadCount(int max = int.MaxValue)
    {
        int n = ReadInt();
        if (n < 0 || n > max) throw new StateException($"{Where} holds a count of {n}, expected 0 to {max}");
        return n;
    }

    public byte[] ReadBytes()
    {
        int n = ReadCount((int)Math.Min(int.MaxValue, _stream.Length - _stream.Position));
        return Read(r => r.ReadBytes(n));
    }

    public uint[] ReadUIntArray(int? expectedLength = null)
    {
        int n = ReadCount((int)Math.Min(int.MaxValue, (_stream.Length - _stream.Position) / 4));
        if (expectedLength is int e && n != e) throw new StateException($"{Where} holds {n} values where this machine has {e}");
        var a = new uint[n];
        for (int i = 0; i < n; i++) a[i] = ReadUInt();
        return a;
    }

    public void BeginSection(string name)
    {
        string found = ReadString();
        if (found != name) throw new StateException($"expected section '{name}', found '{found}'");
        long length = ReadLong();
        long end = _stream.Position + length;
        if (length < 0 || end > _stream.Length || (_open.Count > 0 && end > _open.Peek().End))
            throw new StateException($"section '{name}' ends early");
        _open.Push((name, end));
    }

    public void EndSection()
    {
        var (name, end) = _open.Pop();
        if (_stream.Position != end)
            throw new StateException(_stream.Position < end
                ? $"section '{name}' has {end - _stream.Position} bytes this machine does not read: it was saved by a different model"
                : $"section '{name}' was read {_stream.Position - end} bytes past its end: it was saved by a different model");
    }

    public void Section(string name, Action<StateReader> body)
    {
        BeginSection(name);
        body(this);
        EndSection();
    }

    /// <summary>The name of the next section, without consuming it.</summary>
    public string PeekSectionName()
    {
        long at = _stream.Position;
        string name = ReadString();
        _stream.Position = at;
        return name;
    }
}
