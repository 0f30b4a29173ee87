namespace SocSim.CortexM;

/// <summary>
/// The FPU's cycles, from the Cortex-M4 TRM's FPU instruction table (DDI 0439B 7.2.3, table 7-1), on zero-wait
/// memory (the core adds the accesses' wait states): VABS, VADD, VSUB, VMUL, VNMUL, VNEG, VCMP{E}, every VCVT,
/// VMOV immediate/register/one core register/scalar, VMRS and VMSR 1; VMOV of two core registers to or from two
/// S registers or a D register 2; VLDR/VSTR .32 2, .64 3; VLDM/VSTM/VPUSH/VPOP 1 + N (N words: .64 counts two
/// per register); VMLA/VMLS/VNMLA/VNMLS and the fused VFMA/VFMS/VFNMA/VFNMS 3; VDIV and VSQRT 14. Chosen where
/// the TRM is silent: VDIV/VSQRT hold the pipeline for all 14 cycles (the TRM lets later integer instructions
/// overlap them; not modelled), FP loads and stores do not pipeline with neighbouring loads and stores, and the
/// lazy preservation's 17 writes cost one cycle each (plus wait states) on the instruction that triggers it.
/// </summary>
public static partial class CortexMTiming
{
    public const int VldrSingle = 2, VldrDouble = 3, VmovCore = 1, VmovCore2 = 2, VmulAccumulate = 3, VdivVsqrt = 14;
}
