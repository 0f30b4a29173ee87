namespace SocSim.Arm;

/// <summary>Processor modes, encoded as CPSR[4:0] (ARM7TDMI TRM 2.7).</summary>
public enum CpuMode : uint
{
    User = 0x10,
    Fiq = 0x11,
    Irq = 0x12,
    Supervisor = 0x13,
    Abort = 0x17,
    Undefined = 0x1B,
    System = 0x1F,
}

/// <summary>Exception vectors (TRM 2.8), at 0x00000000 (no high vectors on the ARM7TDMI).</summary>
public static class Vectors
{
    public const uint Reset = 0x00;
    public const uint Undefined = 0x04;
    public const uint Swi = 0x08;
    public const uint PrefetchAbort = 0x0C;
    public const uint DataAbort = 0x10;
    public const uint Irq = 0x18;
    public const uint Fiq = 0x1C;
}

/// <summary>CPSR bit positions.</summary>
public static class Psr
{
    public const uint N = 1u << 31;
    public const uint Z = 1u << 30;
    public const uint C = 1u << 29;
    public const uint V = 1u << 28;
    public const uint I = 1u << 7;
    public const uint F = 1u << 6;
    public const uint T = 1u << 5;
    public const uint ModeMask = 0x1F;
}
