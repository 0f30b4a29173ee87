using SocSim.Arm;

namespace SocSim.Arm9.Tests;

/// <summary>
/// The ARMv5 MMU (ARM ARM B4, DDI 0198E chapter 3): every descriptor type, every fault the
/// translation can raise with its FSR and FAR, domains, AP with S and R, FCSE, the TLB's invalidate
/// and lockdown, the abort vectors (low and high).
/// </summary>
public sealed class MmuTests
{
    private const uint Data = 0xCAFE_BABE, Other = 0x1234_5678;
    private const uint DataPa = 0x9000, OtherPa = 0xA000;

    private static Rig Setup(uint control = Cr.M | Cr.C | Cr.I, uint dacr = 1)
    {
        var r = new Rig();
        r.M.Write32(DataPa, Data);
        r.M.Write32(OtherPa, Other);
        r.MapRamFlat();
        r.EnableMmu(control, dacr);
        return r;
    }

    private static uint Load(Rig r, uint va)
    {
        r.Cpu.SetRegister(4, va);
        r.Run(Enc.Ldr(3, 4));
        return r.Cpu.GetRegister(3);
    }

    /// <summary>A load at <paramref name="va"/> that must abort: the core is in Abort mode at the data abort vector, LR = the load's address + 8.</summary>
    private static void AssertDataAbort(Rig r, uint va, uint fsr, uint vectorBase = 0, uint? far = null)
    {
        r.Cpu.SetRegister(4, va);
        uint before = r.Cpu.Pc;
        r.Cpu.SetRegister(3, 0x5555_5555);
        r.Run(Enc.Ldr(3, 4));
        Assert.Equal(CpuMode.Abort, r.Mode);
        Assert.Equal(vectorBase + 0x10, r.Cpu.Pc);
        Assert.Equal(fsr, r.Cpu.DataFsr);
        Assert.Equal(far ?? va, r.Cpu.Far);
        Assert.Equal(0x5555_5555u, r.Cpu.GetRegister(3));
        _ = before;
    }

    [Fact]
    public void Cp15IdentifiesTheArm926()
    {
        using var r = new Rig();
        r.Run(Enc.Mrc(0, 0, 0, 0), Enc.Mrc(1, 0, 0, 1), Enc.Mrc(2, 1, 0), Enc.Mrc(3, 0, 0, 2));
        Assert.Equal(0x4106_9265u, r.Cpu.GetRegister(0));
        Assert.Equal(0x1D15_2192u, r.Cpu.GetRegister(1));   // WB, format C, Harvard, 16 KiB D / 32 KiB I, 4-way, 32-byte lines
        Assert.Equal(0x0005_0078u, r.Cpu.GetRegister(2));   // reset: MMU, caches, alignment off; SBO bits
        Assert.Equal(0u, r.Cpu.GetRegister(3));             // TCM status: none
    }

    [Fact]
    public void Cp15FromUserModeIsUndefined()
    {
        using var r = new Rig();
        r.Cpu.SetCpsr(0x10);
        r.Run(Enc.Mrc(0, 0, 0, 0));
        Assert.Equal(CpuMode.Undefined, r.Mode);
        Assert.Equal(4u, r.Cpu.Pc);
    }

    [Fact]
    public void SectionTranslates_AndWalksOnceThroughTheTlb()
    {
        using var r = Setup();
        r.L1(0x8000_0000, Rig.Section(0));
        r.Run(Enc.Nop);   // the code's own page is in the TLB
        long misses = r.Cpu.TlbMisses;
        Assert.Equal(Data, Load(r, 0x8000_0000 + DataPa));
        Assert.Equal(misses + 1, r.Cpu.TlbMisses);
        Assert.Equal(Data, Load(r, 0x8000_0000 + DataPa));
        Assert.Equal(misses + 1, r.Cpu.TlbMisses);
        // Another 4 KiB index of the same section is another set (boards/README.md: the set is MVA[16:12]).
        Assert.Equal(Other, Load(r, 0x8000_0000 + OtherPa));
        Assert.Equal(misses + 2, r.Cpu.TlbMisses);
        Assert.Contains(r.Cpu.TlbEntries(), e => e.Kind == "section" && e.Mva == 0x8000_0000 && e.Size == 0x10_0000);
    }

    [Fact]
    public void CoarseTable_SmallAndLargePages()
    {
        using var r = Setup();
        r.L1(0x9000_0000, Rig.Coarse | 0x11);
        r.M.Write32(Rig.Coarse + 5 * 4, DataPa | 0xFF0 | 0x2);                          // small page, AP 3 x4
        for (int i = 0x10; i < 0x20; i++) r.M.Write32(Rig.Coarse + (uint)i * 4, 0x0000_0000 | 0xFF0 | 0x1);   // large page at PA 0
        Assert.Equal(Data, Load(r, 0x9000_5000));
        Assert.Equal(Other, Load(r, 0x9001_0000 + OtherPa));
        Assert.Contains(r.Cpu.TlbEntries(), e => e.Kind == "small" && e.Mva == 0x9000_5000);
        Assert.Contains(r.Cpu.TlbEntries(), e => e.Kind == "large" && e.Mva == 0x9001_0000 && e.Size == 0x1_0000);
    }

    [Fact]
    public void FineTable_TinyPage()
    {
        using var r = Setup();
        r.L1(0xA000_0000, Rig.Fine | 0x13);
        r.M.Write32(Rig.Fine + 1 * 4, DataPa | 0x30 | 0x3);                             // tiny page, AP 3
        Assert.Equal(Data, Load(r, 0xA000_0400));
        Assert.Contains(r.Cpu.TlbEntries(), e => e.Kind == "tiny" && e.Size == 0x400);
    }

    [Fact]
    public void TranslationFaults_SectionAndPage()
    {
        using var r = Setup();
        AssertDataAbort(r, 0xB000_0000, FaultStatus.TranslationSection);
        using var p = Setup();
        p.L1(0x9000_0000, Rig.Coarse | 0x11 | 2 << 5);
        p.Run(Enc.MovImm(0, 0x0D), Enc.Mcr(0, 3, 0));   // domains 0 and 2 client
        AssertDataAbort(p, 0x9000_6000, 0x20 | FaultStatus.TranslationPage);
    }

    [Fact]
    public void TinyPageDescriptorInACoarseTableIsATranslationFault()
    {
        using var r = Setup();
        r.L1(0x9000_0000, Rig.Coarse | 0x11);
        r.M.Write32(Rig.Coarse + 7 * 4, DataPa | 0x30 | 0x3);
        AssertDataAbort(r, 0x9000_7000, FaultStatus.TranslationPage);
    }

    [Fact]
    public void DomainFaults_NoAccessAndReserved()
    {
        using var r = Setup();
        r.L1(0x8000_0000, Rig.Section(0, domain: 3));
        AssertDataAbort(r, 0x8000_9000, 0x30 | FaultStatus.DomainSection);
        using var p = Setup(dacr: 1 | 2u << 4);   // domain 2 reserved (0b10): no access
        p.L1(0x9000_0000, Rig.Coarse | 0x11 | 2 << 5);
        p.M.Write32(Rig.Coarse + 5 * 4, DataPa | 0xFF0 | 0x2);
        AssertDataAbort(p, 0x9000_5000, 0x20 | FaultStatus.DomainPage);
    }

    [Fact]
    public void ManagerDomainIgnoresAp()
    {
        using var r = Setup(dacr: 1 | 3u << 6);
        r.L1(0x8000_0000, Rig.Section(0, ap: 0, domain: 3));
        Assert.Equal(Data, Load(r, 0x8000_9000));
    }

    [Fact]
    public void PermissionFaults_UserOnPrivilegedSection()
    {
        using var r = Setup();
        r.L1(0x8000_0000, Rig.Section(0, ap: 1));
        Assert.Equal(Data, Load(r, 0x8000_9000));
        r.Cpu.SetCpsr(0x10 | Psr.I | Psr.F);
        AssertDataAbort(r, 0x8000_9000, FaultStatus.PermissionSection);
    }

    [Fact]
    public void ApZero_FollowsSAndR()
    {
        // S: privileged read-only; R: read-only for everybody; neither: no access (ARM ARM table B4-1).
        using var s = Setup(Cr.M | Cr.S);
        s.L1(0x8000_0000, Rig.Section(0, ap: 0));
        Assert.Equal(Data, Load(s, 0x8000_9000));
        s.Cpu.SetRegister(4, 0x8000_9000);
        s.Run(Enc.Str(3, 4));
        Assert.Equal(FaultStatus.PermissionSection, s.Cpu.DataFsr);
        Assert.Equal(CpuMode.Abort, s.Mode);

        using var rr = Setup(Cr.M | Cr.R);
        rr.L1(0x8000_0000, Rig.Section(0, ap: 0));
        rr.Cpu.SetCpsr(0x10 | Psr.I | Psr.F);
        Assert.Equal(Data, Load(rr, 0x8000_9000));

        using var none = Setup(Cr.M);
        none.L1(0x8000_0000, Rig.Section(0, ap: 0));
        AssertDataAbort(none, 0x8000_9000, FaultStatus.PermissionSection);
    }

    [Fact]
    public void SmallPageSubpagesHaveTheirOwnAp()
    {
        using var r = Setup();
        r.L1(0x9000_0000, Rig.Coarse | 0x11);
        r.M.Write32(Rig.Coarse + 5 * 4, DataPa | 3 << 4 | 2 << 6 | 3 << 8 | 3 << 10 | 0x2);   // subpage 1: user read-only
        r.Cpu.SetCpsr(0x10 | Psr.I | Psr.F);
        Assert.Equal(Data, Load(r, 0x9000_5000));
        Assert.Equal(0u, Load(r, 0x9000_5400));
        r.Cpu.SetRegister(4, 0x9000_5400);
        r.Run(Enc.Str(3, 4));
        Assert.Equal(FaultStatus.PermissionPage, r.Cpu.DataFsr);
        Assert.Equal(0x9000_5400u, r.Cpu.Far);
    }

    [Fact]
    public void AlignmentFaultWithCrA()
    {
        using var r = Setup(Cr.M | Cr.A);
        r.L1(0x8000_0000, Rig.Section(0));
        AssertDataAbort(r, 0x8000_9002, FaultStatus.Alignment);
        using var off = Setup(Cr.M);
        off.L1(0x8000_0000, Rig.Section(0));
        // Without A an unaligned LDR rotates the aligned word (ARM ARM A4.1.23).
        Assert.Equal(0xBABE_CAFEu, Load(off, 0x8000_9002));
    }

    [Fact]
    public void HighVectors()
    {
        using var r = Setup(Cr.M | Cr.V);
        r.L1(0xFFF0_0000, Rig.Section(0));
        AssertDataAbort(r, 0xB000_0000, FaultStatus.TranslationSection, 0xFFFF_0000);
    }

    [Fact]
    public void PrefetchAbort_WritesIfsrNotFar()
    {
        using var r = Setup();
        r.Cpu.SetRegister(5, 0xB000_0000);
        r.Run(0xE12F_FF15);   // BX r5
        r.Cpu.Step();
        Assert.Equal(CpuMode.Abort, r.Mode);
        Assert.Equal(0x0Cu, r.Cpu.Pc);
        Assert.Equal(0xB000_0004u, r.Cpu.GetRegister(14));
        Assert.Equal(FaultStatus.TranslationSection, r.Cpu.PrefetchFsr);
        Assert.Equal(0u, r.Cpu.Far);
    }

    [Fact]
    public void Bkpt_IsAPrefetchAbort()
    {
        using var r = new Rig();
        r.Run(0xE120_0070);
        Assert.Equal(CpuMode.Abort, r.Mode);
        Assert.Equal(0x0Cu, r.Cpu.Pc);
        Assert.Equal(Rig.CodeBase + 4, r.Cpu.GetRegister(14));
    }

    [Fact]
    public void FcseRelocatesTheFirst32MiB()
    {
        using var r = Setup();
        r.L1(0x0200_0000, Rig.Section(0));
        r.L1(0x0010_0000, Rig.Section(0));
        Assert.Equal(Data, Load(r, 0x0010_0000 + DataPa));
        r.Run(Enc.MovImm(0, 0x01) | 0x400 /* ROR #8: 0x01000000 */, Enc.AddReg(0, 0, 0), Enc.Mcr(0, 13, 0));
        AssertDataAbort(r, 0x0010_0000, FaultStatus.TranslationSection, far: 0x0210_0000);
    }

    /// <summary>
    /// DDI 0198D 2.3.13 ("Performing a fast context switch"): the two instructions after the MCR that writes the
    /// FCSE PID were fetched with the old PID, the third with the new one. Code at VA 0x10000 is PA 0x10000 with
    /// PID 0 and PA 0x20000 with PID 1 (a small page at MVA 0x02010000), each copy marking its registers with
    /// its own value; a branch in the delay discards the prefetched instruction, and data uses the new PID at once.
    /// </summary>
    [Theory]
    [InlineData("sequential")]
    [InlineData("branch")]
    [InlineData("load")]
    [InlineData("interrupt")]
    public void AnFcsePidWriteRelocatesFetchesFromTheThirdInstructionOn(string a1)
    {
        using var r = Setup();
        const uint code = 0x1_0000, copy = 0x2_0000;
        r.L1(0x0200_0000, Rig.Coarse | 0x11);
        r.M.Write32(Rig.Coarse + 0x10 * 4, copy | 0xFF0 | 0x2);           // MVA 0x02010000: PA 0x20000, AP 3, uncached
        r.M.Write32(Rig.Coarse, 0xFF0 | 0x2);                             // MVA 0x02000000: PA 0 (the vectors, with PID 1)
        uint First(uint mark) => a1 switch
        {
            "branch" => Enc.B(2),                                         // to +0x10
            "load" => Enc.Ldr(5, 6),
            _ => Enc.MovImm(1, (int)mark),
        };
        uint[] Body(uint mark) => [First(mark), Enc.MovImm(2, (int)mark), Enc.MovImm(3, (int)mark), Enc.MovImm(4, (int)mark)];
        r.M.Write32(code, [Enc.MovImm(0, 0x02) | 0x400 /* ROR #8: PID 1 */, Enc.Mcr(0, 13, 0), .. Body(1)]);
        r.M.Write32(copy + 8, Body(2));
        r.M.Write32(code + 0x100, Data);
        r.M.Write32(copy + 0x100, Other);
        foreach (int n in new[] { 1, 2, 3, 4, 5 }) r.Cpu.SetRegister(n, 0);
        r.Cpu.SetRegister(6, code + 0x100);
        r.Cpu.SetRegister(15, code);
        r.Cpu.Step();
        r.Cpu.Step();                                                     // the MCR
        if (a1 == "interrupt")
        {
            // IRQ taken before A1: the pipeline refills from the vector, and the return fetches A1 and A2 anew, with PID 1.
            r.Cpu.SetCpsr(r.Cpu.Cpsr & ~Psr.I);
            r.M.Write32(0x18, 0xE25E_F004);                               // SUBS pc, lr, #4
            r.Cpu.SetIrq(true);
            r.Cpu.Step();
            Assert.Equal(CpuMode.Irq, r.Mode);
            r.Cpu.SetIrq(false);
            r.Cpu.Step();
            Assert.Equal(code + 8, r.Cpu.Pc);
        }
        for (int i = 0; i < 8 && r.Cpu.Pc != code + 0x18; i++) r.Cpu.Step();
        Assert.Equal(code + 0x18, r.Cpu.Pc);
        uint[] got = [r.Cpu.GetRegister(1), r.Cpu.GetRegister(2), r.Cpu.GetRegister(3), r.Cpu.GetRegister(4)];
        switch (a1)
        {
            case "sequential": Assert.Equal([1u, 1u, 2u, 2u], got); break;           // A1, A2 old; A3 new
            case "branch": Assert.Equal([0u, 0u, 2u, 2u], got); break;               // A2 discarded; the target fetched with PID 1
            case "load":
                Assert.Equal([0u, 1u, 2u, 2u], got);
                Assert.Equal(Other, r.Cpu.GetRegister(5));                           // A1's load: MVA 0x02010100
                break;
            case "interrupt": Assert.Equal([2u, 2u, 2u, 2u], got); break;
        }
    }

    [Fact]
    public void ContextIdAndFcsePid_ResetReadWriteAndWhatEachAffects()
    {
        // DDI 0198D 2.3.13: c13 op2 0 is the FCSE PID (bits 31:25, reset 0), op2 1 the context ID (32 bits,
        // reset 0, for trace tools: it relocates nothing). Relocation applies only with the MMU on, and the
        // TLB's invalidate-by-entry takes its operand as the MVA (no relocation).
        using var r = Setup();
        r.L1(0x0200_0000, Rig.Section(0));
        r.L1(0x0010_0000, Rig.Section(0));
        r.Run(Enc.Mrc(0, 13, 0, 0), Enc.Mrc(1, 13, 0, 1));
        Assert.Equal(0u, r.Cpu.GetRegister(0));
        Assert.Equal(0u, r.Cpu.GetRegister(1));

        r.Cpu.SetRegister(2, 0xFFFF_FFFF);
        r.Run(Enc.Mcr(2, 13, 0, 1), Enc.Mrc(0, 13, 0, 0), Enc.Mrc(1, 13, 0, 1));
        Assert.Equal(0u, r.Cpu.GetRegister(0));                         // the PID is a register of its own
        Assert.Equal(0xFFFF_FFFFu, r.Cpu.GetRegister(1));
        Assert.Equal(Data, Load(r, 0x0010_0000 + DataPa));              // no relocation from the context ID

        r.Cpu.SetRegister(2, 0x0300_00FF);                              // PID 1 and SBZ bits
        r.Run(Enc.Mcr(2, 13, 0, 0), Enc.Mrc(0, 13, 0, 0), Enc.Mrc(1, 13, 0, 1));
        Assert.Equal(0x0200_0000u, r.Cpu.GetRegister(0));
        Assert.Equal(0xFFFF_FFFFu, r.Cpu.GetRegister(1));               // the context ID keeps its value
        // VA 0x00105000 is MVA 0x02105000 now: a small page there, cached in the TLB by a load.
        r.L1(0x0210_0000, Rig.Coarse | 0x11);
        r.M.Write32(Rig.Coarse + 5 * 4, DataPa | 0xFF0 | 0x2);
        Assert.Equal(Data, Load(r, 0x0010_5000));
        r.M.Write32(Rig.Coarse + 5 * 4, OtherPa | 0xFF0 | 0x2);
        r.Cpu.SetRegister(0, 0x0010_5000);                              // the VA: not the entry's MVA, nothing goes
        r.Run(Enc.Mcr(0, 8, 7, 1));
        Assert.Equal(Data, Load(r, 0x0010_5000));
        r.Cpu.SetRegister(0, 0x0210_5000);                              // the MVA: the entry goes
        r.Run(Enc.Mcr(0, 8, 7, 1));
        Assert.Equal(Other, Load(r, 0x0010_5000));

        // MMU off: no relocation. A load from 0x01800000 (no RAM there) aborts with FAR = the VA itself.
        r.Cpu.SetRegister(2, Cr.Sbo);
        r.Run(Enc.Mcr(2, 1, 0));
        Assert.Equal(Data, Load(r, DataPa));
        AssertDataAbort(r, 0x0180_0000, FaultStatus.ExternalSection, far: 0x0180_0000);
        r.Run(Enc.Mrc(0, 13, 0, 0));
        Assert.Equal(0x0200_0000u, r.Cpu.GetRegister(0));              // the PID is kept, only unused
    }

    [Fact]
    public void TlbKeepsAStaleEntryUntilInvalidated()
    {
        using var r = Setup();
        r.L1(0x9000_0000, Rig.Coarse | 0x11);
        r.M.Write32(Rig.Coarse + 5 * 4, DataPa | 0xFF0 | 0x2);
        Assert.Equal(Data, Load(r, 0x9000_5000));
        r.M.Write32(Rig.Coarse + 5 * 4, OtherPa | 0xFF0 | 0x2);
        Assert.Equal(Data, Load(r, 0x9000_5000));
        r.Cpu.SetRegister(0, 0x9000_5000);
        r.Run(Enc.Mcr(0, 8, 7, 1));
        Assert.Equal(Other, Load(r, 0x9000_5000));
    }

    [Fact]
    public void LockdownEntriesSurviveInvalidateAll()
    {
        using var r = Setup();
        r.L1(0x9000_0000, Rig.Coarse | 0x11);
        r.M.Write32(Rig.Coarse + 5 * 4, DataPa | 0xFF0 | 0x2);
        r.Run(Enc.MovImm(0, 1), Enc.Mcr(0, 10, 0));         // P = 1, victim 0
        Assert.Equal(Data, Load(r, 0x9000_5000));
        r.Run(Enc.MovImm(0, 0), Enc.Mcr(0, 10, 0));
        Assert.Contains(r.Cpu.TlbEntries(), e => e.Index == 64 && e.Mva == 0x9000_5000);
        r.M.Write32(Rig.Coarse + 5 * 4, OtherPa | 0xFF0 | 0x2);
        r.Run(Enc.Mcr(0, 8, 7, 0));
        Assert.Equal(Data, Load(r, 0x9000_5000));
        r.Cpu.SetRegister(0, 0x9000_5000);
        r.Run(Enc.Mcr(0, 8, 7, 1));
        Assert.Equal(Other, Load(r, 0x9000_5000));
    }

    /// <summary>
    /// External aborts (the AHB answers ERROR; nothing is behind 0x40000000 here): on the first- and
    /// second-level walk (0b1100; 0b1110 with the first-level descriptor's domain), and on the access
    /// itself, 0b1000 through a section and 0b1010 through a page, with the mapping's domain, whether the
    /// access was single or a cache line fill (DDI 0198E's fault-status table: no linefetch codes); with
    /// the MMU off the section code and domain 0 (chosen, boards/README.md).
    /// </summary>
    [Fact]
    public void ExternalAbortOnTheWalkAndOnTheAccess()
    {
        using var r = Setup();
        // A TTB with nothing behind it: the code's page is still in the TLB (a TTB write does not
        // invalidate it), the load's walk reads the first-level table and the bus answers ERROR.
        r.Cpu.SetRegister(0, 0x4000_0000);
        r.Run(Enc.Mcr(0, 2, 0));
        AssertDataAbort(r, 0x8000_0000, FaultStatus.ExternalTranslationL1);

        using var w = Setup(dacr: 1 | 1u << 4);
        w.L1(0x9000_0000, 0x4000_0000 | 0x11 | 2 << 5);   // a coarse table outside RAM, domain 2
        AssertDataAbort(w, 0x9000_5000, 0x20 | FaultStatus.ExternalTranslationL2);

        foreach (bool cached in new[] { false, true })
        {
            using var a = Setup(dacr: 1 | 1u << 6);      // domains 0 and 3 client
            a.L1(0x8000_0000, Rig.Section(0x4000_0000, domain: 3, c: cached, b: cached));
            AssertDataAbort(a, 0x8000_0000, 0x30 | FaultStatus.ExternalSection);

            using var p = Setup(dacr: 1 | 1u << 4);
            p.L1(0x9000_0000, Rig.Coarse | 0x11 | 2 << 5);
            p.M.Write32(Rig.Coarse + 5 * 4, 0x4000_0000 | 0xFF0 | (cached ? 0xCu : 0) | 0x2);   // small page, AP 3
            AssertDataAbort(p, 0x9000_5000, 0x20 | FaultStatus.ExternalPage);

            // A fetch from there: a prefetch abort with the same IFSR, FAR untouched.
            using var f = Setup(dacr: 1 | 1u << 6);
            f.L1(0x8000_0000, Rig.Section(0x4000_0000, domain: 3, c: cached, b: cached));
            f.Cpu.SetRegister(5, 0x8000_0000);
            f.Run(0xE12F_FF15);   // BX r5
            f.Cpu.Step();
            Assert.Equal(CpuMode.Abort, f.Mode);
            Assert.Equal(0x0Cu, f.Cpu.Pc);
            Assert.Equal(0x30 | FaultStatus.ExternalSection, f.Cpu.PrefetchFsr);
            Assert.Equal(0u, f.Cpu.Far);
        }

        using var off = new Rig();
        AssertDataAbort(off, 0x4000_0000, FaultStatus.ExternalSection);
    }

    [Fact]
    public void WaitForInterruptSleepsUntilAnInterruptRequest()
    {
        using var r = new Rig();
        r.Run(Enc.Mcr(0, 7, 0, 4));
        Assert.True(r.Cpu.Sleeping);
        r.Cpu.SetIrq(true);
        r.M.Scheduler.NextEventCycle = long.MaxValue;
        r.Cpu.Run(r.M.Scheduler.Cycles + 10);
        Assert.False(r.Cpu.Sleeping);
    }
}

/// <summary>What a debugger sees: virtual addresses translated without time, TLB fill or fault.</summary>
public sealed class DebugTranslateTests
{
    [Fact]
    public void WalksLikeTheCore_WithoutTouchingTheTlb()
    {
        using var r = new Rig();
        r.MapRamFlat();
        r.L1(0x9000_0000, Rig.Coarse | 0x11);
        r.M.Write32(Rig.Coarse + 5 * 4, 0x9000 | 0xFF0 | 0x2);
        Assert.True(r.Cpu.DebugTranslate(0x9000_5123, out uint pa));
        Assert.Equal(0x9000_5123u, pa);   // MMU off: flat
        r.EnableMmu();
        long misses = r.Cpu.TlbMisses;
        Assert.True(r.Cpu.DebugTranslate(0x9000_5123, out pa));
        Assert.Equal(0x9123u, pa);
        Assert.False(r.Cpu.DebugTranslate(0x9000_6000, out _));
        Assert.False(r.Cpu.DebugTranslate(0xB000_0000, out _));
        Assert.Equal(misses, r.Cpu.TlbMisses);
        Assert.Empty(r.Cpu.DescribeTlb());
        r.Run(Enc.Nop);
        Assert.Contains(r.Cpu.DescribeTlb(), l => l.Contains("section va 0x00000000"));
    }
}
