using SocSim.Tests;
using Xunit.Abstractions;

namespace SocSim.Arm.Tests;

public sealed class DisassemblerTests(ITestOutputHelper output)
{
    /// <summary>
    /// Every ARM7 ELF under firmware/ (the ISA coverage images and any firmware added later) must
    /// disassemble exactly as arm-none-eabi-objdump -d prints it.
    /// </summary>
    [Fact]
    public void MatchesObjdumpOnEveryFirmwareElf()
    {
        string firmware = Path.Combine(RepoPaths.Root, "firmware");
        // firmware/coremark holds a Cortex-M3 (Thumb-2) build: the Cortex-M disassembler's objdump test checks it.
        string[] elfs = Directory.GetFiles(firmware, "*.elf", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(firmware, f).StartsWith("coremark" + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToArray();
        Array.Sort(elfs, StringComparer.Ordinal);
        Assert.NotEmpty(elfs);

        var result = new DisassemblerObjdump.Result();
        foreach (string elf in elfs)
            DisassemblerObjdump.Compare(elf, result);

        output.WriteLine($"{elfs.Length} ELF files: {result.Describe()}");
        Assert.True(result.MismatchCount == 0, result.Describe());
        // The ISA coverage images alone hold tens of thousands of instructions of each state.
        Assert.True(result.Arm > 1000 && result.Thumb > 1000 && result.ThumbBl > 10, result.Describe());
    }

    /// <summary>
    /// Bonus coverage: compiler-generated code from the ARMv4T multilibs (ARM and Thumb) of
    /// Debian's newlib and libgcc, when the toolchain packages are installed.
    /// </summary>
    [Fact]
    public void MatchesObjdumpOnToolchainArmv4tLibraries()
    {
        var libraries = new List<string>();
        foreach (string multilib in new[] { "", "thumb/nofp/" })
        {
            foreach (string name in new[] { "libc.a", "libm.a" })
                libraries.Add($"/usr/lib/arm-none-eabi/newlib/{multilib}{name}");
            if (Directory.Exists("/usr/lib/gcc/arm-none-eabi"))
            {
                foreach (string version in Directory.GetDirectories("/usr/lib/gcc/arm-none-eabi"))
                    libraries.Add(Path.Combine(version, multilib, "libgcc.a"));
            }
        }
        var result = new DisassemblerObjdump.Result();
        var found = libraries.Where(File.Exists).ToList();
        Assert.True(found.Count >= 4,
            "Debian's ARMv4T newlib and libgcc are not installed (found: " + string.Join(", ", found) +
            "): apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi (./test.sh does)");
        foreach (string library in found)
            DisassemblerObjdump.Compare(library, result);
        output.WriteLine($"{string.Join(", ", found)}: {result.Describe()}");
        Assert.True(result.Arm > 10_000 && result.Thumb > 10_000, result.Describe());
        Assert.True(result.MismatchCount == 0, result.Describe());
    }

    [Theory]
    // Shifter operand edge cases: LSL #0 is no shift, LSR/ASR #0 mean #32, ROR #0 is RRX.
    [InlineData(0xe0810002u, "add\tr0, r1, r2")]
    [InlineData(0xe0810022u, "add\tr0, r1, r2, lsr #32")]
    [InlineData(0xe0810042u, "add\tr0, r1, r2, asr #32")]
    [InlineData(0xe0810062u, "add\tr0, r1, r2, rrx")]
    [InlineData(0xe0810f62u, "add\tr0, r1, r2, ror #30")]
    [InlineData(0xe0810312u, "add\tr0, r1, r2, lsl r3")]
    // MOV with a shift prints as the shift instruction; MOV r0, r0 is objdump's nop.
    [InlineData(0xe1a00101u, "lsl\tr0, r1, #2")]
    [InlineData(0xe1b00021u, "lsrs\tr0, r1, #32")]
    [InlineData(0xe1a00061u, "rrx\tr0, r1")]
    [InlineData(0xe1a00271u, "ror\tr0, r1, r2")]
    [InlineData(0xe1a00000u, "nop")]
    [InlineData(0x01a00000u, "moveq\tr0, r0")]
    // Immediates: signed decimal, or "#imm8, rot" when the rotation is not the canonical one.
    [InlineData(0xe3e004ffu, "mvn\tr0, #-16777216")]
    [InlineData(0xe27fff01u, "rsbs\tpc, pc, #1, 30")]
    [InlineData(0xe330f001u, "teq\tr0, #1")]
    // PC-relative and other addressing modes.
    [InlineData(0xe59f000cu, "ldr\tr0, [pc, #12]")]
    [InlineData(0xe51f000cu, "ldr\tr0, [pc, #-12]")]
    [InlineData(0xe5110000u, "ldr\tr0, [r1, #-0]")]
    [InlineData(0xe4910000u, "ldr\tr0, [r1], #0")]
    [InlineData(0xe7310182u, "ldr\tr0, [r1, -r2, lsl #3]!")]
    [InlineData(0xe4f10004u, "ldrbt\tr0, [r1], #4")]
    [InlineData(0xe15100b6u, "ldrh\tr0, [r1, #-6]")]
    [InlineData(0xe01100d2u, "ldrsb\tr0, [r1], -r2")]
    // Stack aliases.
    [InlineData(0xe52d4004u, "push\t{r4}")]
    [InlineData(0xe49d4004u, "pop\t{r4}")]
    [InlineData(0xe92d4010u, "push\t{r4, lr}")]
    [InlineData(0xe92d0010u, "stmfd\tsp!, {r4}")]
    [InlineData(0xe8bd0010u, "ldmfd\tsp!, {r4}")]
    [InlineData(0xe8d00002u, "ldm\tr0, {r1}^")]
    [InlineData(0xe8a00006u, "stmia\tr0!, {r1, r2}")]
    // Status registers, SWI, coprocessors, undefined.
    [InlineData(0xe10f0000u, "mrs\tr0, CPSR")]
    [InlineData(0xe129f000u, "msr\tCPSR_fc, r0")]
    [InlineData(0xe328f20fu, "msr\tCPSR_f, #-268435456")]
    [InlineData(0xef000012u, "svc\t0x00000012")]
    [InlineData(0xee010f10u, "mcr\t15, 0, r0, cr1, cr0, {0}")]
    [InlineData(0xee32fef3u, "mrc\t14, 1, APSR_nzcv, cr2, cr3, {7}")]
    [InlineData(0xed354304u, "ldc\t3, cr4, [r5, #-16]!")]
    [InlineData(0xecc54305u, "stcl\t3, cr4, [r5], {5}")]
    [InlineData(0xe7f000f0u, "udf\t#0")]
    [InlineData(0xe6000010u, "<UNDEFINED> instruction: 0xe6000010")]
    // objdump quirks found by comparing random encodings.
    [InlineData(0xe1100001u, "tst\tr0, r1")]                        // S clear: still a comparison
    [InlineData(0xe1200000u, "<UNDEFINED> instruction: 0xe1200000")] // ... but TEQ without S is not
    [InlineData(0xe1a10000u, "<UNDEFINED> instruction: 0xe1a10000")] // MOV with Rn != 0
    [InlineData(0xe1e10000u, "mvn\tr0, r0")]                        // MVN with Rn != 0 is fine
    [InlineData(0x212ffd72u, "msrcs\tCPSR_fsxc, r2, ror sp")]       // MSR takes any shifter operand
    [InlineData(0x9168f997u, "msrls\tSPSR_f, r7")]                  // ... but drops a 1xx1 shift
    [InlineData(0x31a08ab3u, "lsrcc\tr8, r3")]                      // likewise the MOV aliases
    [InlineData(0xe13542f8u, "teq\tr5, r8")]                        // and TEQ
    [InlineData(0x216df0b4u, "strhcs\tpc, [sp, #-4]!")]             // halfword wins over MSR
    [InlineData(0xe1ff00b4u, "ldrh\tr0, [pc, #4]")]                 // PC-relative: writeback not shown
    [InlineData(0xe5bf0004u, "ldr\tr0, [pc, #4]!")]                 // ... only for halfwords
    [InlineData(0xec150300u, "ldc\t3, cr0, [r5], {-0}")]            // unindexed, U clear, option 0
    [InlineData(0xec150307u, "ldc\t3, cr0, [r5], {7}")]
    [InlineData(0x7df30e00u, "ldclvc\t14, cr0, [r3]")]              // zero offset hides writeback
    [InlineData(0xfa000000u, "<UNDEFINED> instruction: 0xfa000000")] // NV space (BLX imm is ARMv5)
    public void ArmSpelling(uint opcode, string expected)
    {
        Assert.Equal(expected, Disassembler.Arm(opcode, 0x8000));
    }

    [Theory]
    [InlineData(0xeaffffdeu, 0x8080u, "b\t8000")]
    [InlineData(0x0bffffdcu, 0x8088u, "bleq\t8000")]
    [InlineData(0xebffffffu, 0x0u, "bl\t4")]
    [InlineData(0xeafffffdu, 0x0u, "b\tfffffffc")]   // wraps below address 0
    public void ArmBranchTargets(uint opcode, uint address, string expected)
    {
        Assert.Equal(expected, Disassembler.Arm(opcode, address));
    }

    [Theory]
    [InlineData((ushort)0x0008, 0x0u, "movs\tr0, r1")]
    [InlineData((ushort)0x0808, 0x0u, "lsrs\tr0, r1, #32")]
    [InlineData((ushort)0x1008, 0x0u, "asrs\tr0, r1, #32")]
    [InlineData((ushort)0x1c08, 0x0u, "adds\tr0, r1, #0")]
    [InlineData((ushort)0x4240, 0x0u, "negs\tr0, r0")]
    [InlineData((ushort)0x4348, 0x0u, "muls\tr0, r1")]
    [InlineData((ushort)0x46c0, 0x0u, "nop")]
    [InlineData((ushort)0x4687, 0x0u, "mov\tpc, r0")]
    [InlineData((ushort)0x4748, 0x0u, "bx\tr9")]
    [InlineData((ushort)0x4801, 0x8112u, "ldr\tr0, [pc, #4]")]
    [InlineData((ushort)0xa001, 0x8110u, "add\tr0, pc, #4")]
    [InlineData((ushort)0x6800, 0x0u, "ldr\tr0, [r0, #0]")]
    [InlineData((ushort)0xb082, 0x0u, "sub\tsp, #8")]
    [InlineData((ushort)0xb500, 0x0u, "push\t{lr}")]
    [InlineData((ushort)0xbd00, 0x0u, "pop\t{pc}")]
    [InlineData((ushort)0xc801, 0x0u, "ldmia\tr0, {r0}")]
    [InlineData((ushort)0xc802, 0x0u, "ldmia\tr0!, {r1}")]
    [InlineData((ushort)0xc003, 0x0u, "stmia\tr0!, {r0, r1}")]
    [InlineData((ushort)0xd0fe, 0x812eu, "beq.n\t812e")]
    [InlineData((ushort)0xd480, 0x8138u, "bmi.n\t803c")]
    [InlineData((ushort)0xe7fe, 0x812cu, "b.n\t812c")]
    [InlineData((ushort)0xe400, 0x8134u, "b.n\t7938")]
    [InlineData((ushort)0xdf01, 0x0u, "svc\t1")]
    [InlineData((ushort)0xdeff, 0x0u, "udf\t#255")]
    [InlineData((ushort)0x4701, 0x0u, "bx\tr0")]                       // SBZ bits ignored ...
    [InlineData((ushort)0x4704, 0x0u, "bxns\tr0")]                     // ... except bit 2 (ARMv8-M)
    // ARMv5T+ forms, undefined on the ARM7TDMI, spelled as objdump does.
    [InlineData((ushort)0x4780, 0x0u, "blx\tr0")]
    [InlineData((ushort)0x4781, 0x0u, "<UNDEFINED> instruction: 0x4781")]
    [InlineData((ushort)0xbf00, 0x0u, "nop")]                          // the linker's nop for weak calls
    [InlineData((ushort)0xbf60, 0x0u, "nop\t{6}")]
    [InlineData((ushort)0xbe00, 0x0u, "bkpt\t0x0000")]
    [InlineData((ushort)0xb672, 0x0u, "cpsid\ti")]
    [InlineData((ushort)0xb2c0, 0x0u, "uxtb\tr0, r0")]
    [InlineData((ushort)0xbb7f, 0x100u, "cbnz\tr7, 162")]
    [InlineData((ushort)0xbf08, 0x0u, "<UNDEFINED> instruction: 0xbf08")] // IT: not decoded
    public void ThumbSpelling(ushort opcode, uint address, string expected)
    {
        Assert.Equal(expected, Disassembler.Thumb(opcode, address));
    }

    [Theory]
    [InlineData((ushort)0xf000, (ushort)0xf800, 0x80f4u, "bl\t80f8")]
    [InlineData((ushort)0xf7ff, (ushort)0xfffe, 0x8160u, "bl\t8160")]            // -4: sign-extended prefix
    [InlineData((ushort)0xf400, (ushort)0xf800, 0x8164u, "bl\tffc08168")]        // -4 MiB, wraps
    [InlineData((ushort)0xf3ff, (ushort)0xffff, 0x8168u, "bl\t40816a")]          // +4 MiB - 2
    [InlineData((ushort)0xf000, (ushort)0xe800, 0x0102u, "blx\t104")]          // BLX: word-aligned target
    [InlineData((ushort)0xf000, (ushort)0xe801, 0x0100u, "<UNDEFINED> instruction: 0xf000e801")]
    public void ThumbBlTargets(ushort first, ushort second, uint address, string expected)
    {
        Assert.Equal(expected, Disassembler.ThumbBl(first, second, address));
    }

    [Fact]
    public void LoneBlHalvesShowTheirOffsetPart()
    {
        Assert.Equal("bl.prefix\t#-4096", Disassembler.Thumb(0xf7ff, 0));
        Assert.Equal("bl.suffix\t#4094", Disassembler.Thumb(0xffff, 0));
    }

    [Fact]
    public void NormaliseStripsSymbolsAndComments()
    {
        Assert.Equal("b 8000", DisassemblerObjdump.Normalise("b\t8000 <main+0x10>"));
        Assert.Equal("ldr r0, [pc, #4]", DisassemblerObjdump.Normalise("ldr\tr0, [pc, #4]\t@ (8118 <_start+0x118>)"));
        Assert.Equal("<UNDEFINED> instruction: 0xe6000010",
            DisassemblerObjdump.Normalise("\t\t@ <UNDEFINED> instruction: 0xe6000010"));
    }
}
