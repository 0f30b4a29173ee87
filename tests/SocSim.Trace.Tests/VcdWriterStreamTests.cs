using System.Text;
using SocSim.Core.Signals;
using SocSim.Trace.Vcd;

namespace SocSim.Trace.Tests;

/// <summary>
/// The writer formats the body as UTF-8 bytes: straight to the stream under a UTF-8 <see cref="StreamWriter"/>
/// (the CLI's), decoded into any other writer. Both give the same text, over many buffer flushes,
/// with every kind of value (1 bit, vectors up to 64 bits, texts with non-ASCII characters, late changes).
/// </summary>
public class VcdWriterStreamTests
{
    private static string Trace(Func<TextWriter> make, Func<TextWriter, string> read)
    {
        var reg = new SignalRegistry(600_000_000); // versatilepb's base: rounded 1 fs units (Int128 path)
        var bit = reg.Declare("cpu", "nMREQ", 1);
        var a = reg.Declare("cpu", "A", 32);
        var wide = reg.Declare("dma", "word", 64);
        var task = reg.DeclareText("rtos", "task", ["idle", "tâche é", "a b"]);
        var writer = make();
        var w = new VcdWriter(writer, reg, new VcdWriterOptions { Comment = "µ" });
        var rng = new Random(7);
        for (long t = 0; t < 40_000; t++)
        {
            bit.Set(t * 3, (t & 1) != 0);
            a.Set(t * 3, (ulong)rng.Next());
            if (t % 7 == 0) wide.Set(t * 3 + 1, (ulong)rng.NextInt64() | (1UL << 63));
            if (t % 11 == 0) task.Set(t * 3 + 2, (ulong)(t % 4)); // 3 is past the texts: written '?'
            if (t % 13 == 0) bit.Set(t * 3 - 2, true); // late: stamped at the last written time
        }
        w.Close(130_000);
        return read(writer);
    }

    [Fact]
    public void A_stream_writer_and_a_string_writer_receive_the_same_text()
    {
        var viaString = Trace(() => new StringWriter(), tw => tw.ToString()!);
        var stream = new MemoryStream();
        var viaStream = Trace(() => new StreamWriter(stream, new UTF8Encoding(false), 1 << 12) { NewLine = "\n" },
            tw => { tw.Flush(); return Encoding.UTF8.GetString(stream.ToArray()); });
        static string Body(string s) => s[s.IndexOf("$version", StringComparison.Ordinal)..];
        Assert.True(viaString.Length > 1 << 20, "the trace spans many buffers");
        Assert.Contains("stâche_é ", viaString);
        Assert.Contains("s? ", viaString);
        Assert.Equal(Body(viaString), Body(viaStream));
    }
}
