using System.Text;

namespace SocSim.Debug;

/// <summary>
/// The target description GDB reads with qXfer:features:read:target.xml. The org.gnu.gdb.arm.core
/// feature is the classic ARM numbering: r0-r12, sp, lr, pc as 0-15 and cpsr as 25 (16-24 were the
/// FPA registers an ARM7TDMI does not have). The g packet carries them in that order, cpsr last.
/// </summary>
public static class ArmTargetDescription
{
    public const int CpsrRegnum = 25;

    public static string Xml { get; } = Build();

    public static byte[] Bytes { get; } = Encoding.ASCII.GetBytes(Xml);

    private static string Build()
    {
        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n");
        sb.Append("  <architecture>armv4t</architecture>\n");
        sb.Append("  <feature name=\"org.gnu.gdb.arm.core\">\n");
        for (int i = 0; i < 13; i++) sb.Append($"    <reg name=\"r{i}\" bitsize=\"32\" type=\"uint32\" regnum=\"{i}\"/>\n");
        sb.Append("    <reg name=\"sp\" bitsize=\"32\" type=\"data_ptr\" regnum=\"13\"/>\n");
        sb.Append("    <reg name=\"lr\" bitsize=\"32\" regnum=\"14\"/>\n");
        sb.Append("    <reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\" regnum=\"15\"/>\n");
        sb.Append($"    <reg name=\"cpsr\" bitsize=\"32\" regnum=\"{CpsrRegnum}\"/>\n");
        sb.Append("  </feature>\n</target>\n");
        return sb.ToString();
    }
}
