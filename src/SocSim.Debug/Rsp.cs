using System.Globalization;
using System.Text;

namespace SocSim.Debug;

/// <summary>
/// GDB Remote Serial Protocol encoding helpers: the modulo-256 checksum, hex payloads and the
/// binary escape ('}' then the byte XOR 0x20) that X packets and qXfer replies use.
/// </summary>
public static class Rsp
{
    public static byte Checksum(ReadOnlySpan<byte> payload)
    {
        byte sum = 0;
        foreach (var b in payload) sum += b;
        return sum;
    }

    /// <summary>'$' payload '#' two hex digits of the checksum.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[payload.Length + 4];
        frame[0] = (byte)'$';
        payload.CopyTo(frame.AsSpan(1));
        frame[payload.Length + 1] = (byte)'#';
        byte sum = Checksum(payload);
        frame[payload.Length + 2] = HexDigit(sum >> 4);
        frame[payload.Length + 3] = HexDigit(sum & 15);
        return frame;
    }

    public static byte HexDigit(int v) => (byte)"0123456789abcdef"[v & 15];

    public static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    public static string ToHex(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length * 2);
        foreach (var b in bytes) sb.Append((char)HexDigit(b >> 4)).Append((char)HexDigit(b & 15));
        return sb.ToString();
    }

    /// <summary>A register value as GDB's g/p packets carry it: target (little-endian) byte order.</summary>
    public static string ToHexLittleEndian(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return ToHex(b);
    }

    /// <summary>Decodes an even-length hex string; null when it is not one.</summary>
    public static byte[]? FromHex(ReadOnlySpan<char> hex)
    {
        if (hex.Length % 2 != 0) return null;
        var bytes = new byte[hex.Length / 2];
        for (int i = 0; i < bytes.Length; i++)
        {
            int hi = HexValue((byte)hex[2 * i]), lo = HexValue((byte)hex[2 * i + 1]);
            if (hi < 0 || lo < 0 || hex[2 * i] > 127 || hex[2 * i + 1] > 127) return null;
            bytes[i] = (byte)(hi << 4 | lo);
        }
        return bytes;
    }

    /// <summary>Little-endian 4-byte hex (8 digits) to a register value.</summary>
    public static bool TryParseLittleEndian(ReadOnlySpan<char> hex, out uint value)
    {
        value = 0;
        if (hex.Length != 8 || FromHex(hex) is not { } b) return false;
        value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b);
        return true;
    }

    /// <summary>A big-endian hex number as packets write addresses and lengths (1 to 16 digits).</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        if (text.Length is 0 or > 16) return false;
        return ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>"ADDR,LEN" with a 32-bit address and a length that fits an int.</summary>
    public static bool TryParseAddressLength(ReadOnlySpan<char> text, out uint address, out int length)
    {
        address = 0;
        length = 0;
        int comma = text.IndexOf(',');
        if (comma < 0 || !TryParseNumber(text[..comma], out var a) || !TryParseNumber(text[(comma + 1)..], out var l)) return false;
        // A range past the end of the 32-bit address space is refused (E01), never wrapped to address 0.
        if (a > uint.MaxValue || l > int.MaxValue || a + l > 1UL << 32) return false;
        address = (uint)a;
        length = (int)l;
        return true;
    }

    /// <summary>Escapes '#', '$', '}' and '*' for a binary reply.</summary>
    public static byte[] Escape(ReadOnlySpan<byte> data)
    {
        var o = new List<byte>(data.Length + 8);
        foreach (var b in data)
        {
            if (b is (byte)'#' or (byte)'$' or (byte)'}' or (byte)'*') { o.Add((byte)'}'); o.Add((byte)(b ^ 0x20)); }
            else o.Add(b);
        }
        return o.ToArray();
    }

    /// <summary>Undoes <see cref="Escape"/>; null when the data ends inside an escape.</summary>
    public static byte[]? Unescape(ReadOnlySpan<byte> data)
    {
        var o = new List<byte>(data.Length);
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] != (byte)'}') { o.Add(data[i]); continue; }
            if (++i == data.Length) return null;
            o.Add((byte)(data[i] ^ 0x20));
        }
        return o.ToArray();
    }
}
