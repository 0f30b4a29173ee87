namespace SocSim.Core.Cores;

/// <summary>
/// A core's floating-point registers as <c>--regs</c> and the VCD's <c>cpu</c> scope show them, after the integer
/// registers of its declaration: 32-bit registers (the single-precision S registers, then the FP status register),
/// listed only while the core has an FPU. GDB reaches them through its own feature (the stub's
/// <c>org.gnu.gdb.arm.vfp</c> view), whose 64-bit D registers the 32-bit debug view of <see cref="ICore"/> cannot hold.
/// </summary>
public interface IFloatRegisterView
{
    /// <summary>The registers' names ("s0".."s31", "fpscr"); empty when the core has no FPU.</summary>
    IReadOnlyList<string> FloatRegisterNames { get; }

    /// <summary>Register <paramref name="index"/> of <see cref="FloatRegisterNames"/>.</summary>
    uint ReadFloatRegister(int index);
}
