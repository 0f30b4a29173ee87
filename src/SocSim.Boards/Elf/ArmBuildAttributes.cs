namespace SocSim.Boards.Elf;

/// <summary>
/// What an ARM ELF's <c>.ARM.attributes</c> section (ARM IHI 0045 "Addenda to the ARM ABI", 2.2-2.5) says
/// about the architecture it was built for: <c>Tag_CPU_arch</c> (6) and <c>Tag_CPU_arch_profile</c> (7).
/// </summary>
public sealed record ArmBuildAttributes(int? CpuArch, char? Profile)
{
    public const uint ShtArmAttributes = 0x7000_0003;
    private const int TagFile = 1, TagCpuArch = 6, TagCpuArchProfile = 7, TagCompatibility = 32;

    /// <summary>Tag_CPU_arch's names (IHI 0045 table 2.x).</summary>
    private static readonly string[] ArchNames =
        ["pre-v4", "v4", "v4T", "v5T", "v5TE", "v5TEJ", "v6", "v6KZ", "v6T2", "v6K", "v7", "v6-M", "v6S-M", "v7E-M", "v8-A", "v8-R", "v8-M.baseline", "v8-M.mainline", "v8.1-A", "v8.2-A", "v8.3-A", "v8.1-M.mainline", "v9"];

    /// <summary>Built for an M-profile architecture (ARMv6-M, v7-M, v7E-M, v8-M): the profile tag says 'M', or the architecture is one only M-profile has.</summary>
    public bool IsMProfile => Profile == 'M' || CpuArch is 11 or 12 or 13 or 16 or 17 or 21;

    /// <summary>"v7 (profile M)", "v4T": the architecture as the tags give it.</summary>
    public string Describe() =>
        (CpuArch is int a ? "ARM" + (a < ArchNames.Length ? ArchNames[a] : $"(Tag_CPU_arch {a})") : "an unnamed architecture")
        + (Profile is char p and not '\0' ? $", profile {p}" : "");

    /// <summary>Reads the "aeabi" subsection's file-scope tags; null when the section is not in the format the ABI gives.</summary>
    public static ArmBuildAttributes? Parse(ReadOnlySpan<byte> s)
    {
        if (s.Length < 1 || s[0] != (byte)'A') return null;
        int pos = 1;
        while (pos + 4 <= s.Length)
        {
            int len = (int)BitConverter.ToUInt32(s[pos..]);
            if (len < 5 || pos + len > s.Length) return null;
            var sub = s.Slice(pos + 4, len - 4);
            pos += len;
            int nul = sub.IndexOf((byte)0);
            if (nul < 0 || !sub[..nul].SequenceEqual("aeabi"u8)) continue;
            var body = sub[(nul + 1)..];
            // Sub-subsections: a tag (1 = the whole file), a length counting itself, the attributes.
            if (body.Length < 5 || body[0] != TagFile) return null;
            int blen = (int)BitConverter.ToUInt32(body[1..]);
            if (blen < 5 || blen > body.Length) return null;
            return ParseFileTags(body[5..blen]);
        }
        return null;
    }

    private static ArmBuildAttributes? ParseFileTags(ReadOnlySpan<byte> a)
    {
        int? arch = null;
        char? profile = null;
        int pos = 0;
        while (pos < a.Length)
        {
            if (!Uleb(a, ref pos, out ulong tag)) return null;
            bool text = tag is 4 or 5 or 67 || (tag > TagCompatibility && (tag & 1) == 1);
            if (tag == TagCompatibility)
            {
                if (!Uleb(a, ref pos, out _)) return null;
                text = true;
            }
            if (text)
            {
                int nul = a[pos..].IndexOf((byte)0);
                if (nul < 0) return null;
                pos += nul + 1;
                continue;
            }
            if (!Uleb(a, ref pos, out ulong v)) return null;
            if (tag == TagCpuArch) arch = (int)v;
            else if (tag == TagCpuArchProfile) profile = (char)v;
        }
        return new ArmBuildAttributes(arch, profile);
    }

    private static bool Uleb(ReadOnlySpan<byte> a, ref int pos, out ulong value)
    {
        value = 0;
        for (int shift = 0; pos < a.Length && shift < 64; shift += 7)
        {
            byte b = a[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return true;
        }
        return false;
    }
}
