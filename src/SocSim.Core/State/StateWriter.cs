using System.Text;

namespace SocSim.Core.State;

/// <summary>
/// Writes a checkpoint's payload: little-endian values and named, length-prefixed sections. A section
/// per component lets the reader check that each component reads exactly what it wrote.
/// </summary>
public sealed class StateWriter
{
    private readonly MemoryStream _stream;
    private readonly BinaryWriter _w;
    private readonly Stack<long> _open = new();

    public StateWriter(MemoryStream stream)
    {
        _stream = stream;
        _w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
    }

    public void Write(bool v) => _w.Write(v);
    public void Write(byte v) => _w.Write(v);
    public void Write(int v) => _w.Write(v);
    public void Write(uint v) => _w.Write(v);
    public void Write(long v) => _w.Write(v);
    public void Write(ulong v) => _w.Write(v);
    public void Write(double v) => _w.Write(v);
    public void Write(string v) => _w.Write(v);
    public void WriteNullable(string? v)
    {
        _w.Write(v != null);
        if (v != null) _w.Write(v);
    }

    /// <summary>A length-prefixed block of bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        _w.Write(bytes.Length);
        _w.Write(bytes);
    }

    public void Write(uint[] values)
    {
        _w.Write(values.Length);
        foreach (var v in values) _w.Write(v);
    }

    /// <summary>Opens a section; <see cref="EndSection"/> closes it and writes its length.</summary>
    public void BeginSection(string name)
    {
        _w.Write(name);
        _open.Push(_stream.Position);
        _w.Write(0L);
    }

    public void EndSection()
    {
        long lengthAt = _open.Pop();
        long end = _stream.Position;
        _stream.Position = lengthAt;
        _w.Write(end - lengthAt - 8);
        _stream.Position = end;
    }

    /// <summary>Writes <paramref name="body"/> as the section <paramref name="name"/>.</summary>
    public void Section(string name, Action<StateWriter> body)
    {
        BeginSection(name);
        body(this);
        EndSection();
    }
}
