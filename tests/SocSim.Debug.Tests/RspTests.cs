using System.Text;

namespace SocSim.Debug.Tests;

public sealed class RspTests
{
    [Theory]
    [InlineData("?", "$?#3f")]
    [InlineData("g", "$g#67")]
    [InlineData("", "$#00")]
    [InlineData("OK", "$OK#9a")]
    public void Frame_AppendsTheModulo256Checksum(string payload, string frame) =>
        Assert.Equal(frame, Encoding.ASCII.GetString(Rsp.Frame(Encoding.ASCII.GetBytes(payload))));

    [Fact]
    public void Escape_RoundTripsEveryByte()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var escaped = Rsp.Escape(all);
        Assert.DoesNotContain((byte)'#', escaped);
        Assert.DoesNotContain((byte)'$', escaped);
        Assert.DoesNotContain((byte)'*', escaped);
        Assert.Equal(all, Rsp.Unescape(escaped));
        Assert.Null(Rsp.Unescape("ab}"u8));
    }

    [Fact]
    public void Hex_ParsesStrictly()
    {
        Assert.Equal(new byte[] { 0x12, 0xAB }, Rsp.FromHex("12aB"));
        Assert.Null(Rsp.FromHex("123"));
        Assert.Null(Rsp.FromHex("zz"));
        Assert.True(Rsp.TryParseLittleEndian("78563412", out var v));
        Assert.Equal(0x12345678u, v);
        Assert.False(Rsp.TryParseLittleEndian("785634", out _));
        Assert.True(Rsp.TryParseAddressLength("8000,10", out var a, out var l));
        Assert.Equal((0x8000u, 16), (a, l));
        Assert.False(Rsp.TryParseAddressLength("100000000,1", out _, out _));
        Assert.False(Rsp.TryParseAddressLength("-1,1", out _, out _));
        Assert.False(Rsp.TryParseAddressLength("10", out _, out _));
        // The last bytes of the address space, but no further: `m ffffffff,8` must not wrap to address 0.
        Assert.True(Rsp.TryParseAddressLength("fffffff8,8", out _, out _));
        Assert.True(Rsp.TryParseAddressLength("ffffffff,1", out _, out _));
        Assert.False(Rsp.TryParseAddressLength("ffffffff,8", out _, out _));
        Assert.False(Rsp.TryParseAddressLength("fffffffc,5", out _, out _));
    }
}
