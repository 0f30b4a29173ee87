@ Cycle figures of the Cortex-M3/M4 timing tables, one row each, measured by the firmware itself with DWT CYCCNT on
@ mps2-an385 (Cortex-M3) and mps2-an386 (Cortex-M4F). Assembled and run by
@ tests/SocSim.CortexM.Tests/RowCyclesFirmwareTests.cs, which derives each expected figure from the TRMs (Cortex-M3
@ TRM DDI 0337I table 18-1 and 18.3, Cortex-M4 TRM DDI 0439B tables 3-1 and 7-1; docs/cortex-m.md "Timing") and
@ reads the rows' names from the "@ row:" lines below, in order. Define DSP (".set DSP, 1") for the M4's rows and
@ FPU (".set FPU, 1" and ".fpu fpv4-sp-d16") for the M4F's FP rows.
@
@ Each row is measured between two reads of CYCCNT:  nop; ldr r5, [r7]; nop; <row>; nop; ldr r6, [r7]
@ so the delta is the first LDR's 2, two NOPs and the row (the NOPs keep the row's loads from pipelining with the
@ reads, and the row's first instruction from following a load); results[0] is the empty row (the overhead), and
@ results[k] - results[0] is row k's cycles. A row repeats its instruction where the repeats are independent
@ (N copies, N in the row's name), once where it branches, divides or needs operands set up before it.
@ Code runs from ZBT SSRAM1 at 0 (I-Code/D-Code); the operands and the stack in SSRAM2/3 at 0x20000000 (System bus);
@ the DWT on the private peripheral bus.
@ Label addresses come from ADR (PC-relative: the test loads the assembler's output, unlinked, at 0x100).
@ Registers: r7 = &CYCCNT, r8 = the next result, r9 = data, r10 = data + 32; r0-r4, r11, r12 are the rows'.

        .syntax unified
        .thumb

        .macro  begin
        nop
        ldr     r5, [r7]
        nop
        .endm

        .macro  end
        nop
        ldr     r6, [r7]
        sub.w   r6, r6, r5              @ (flags kept for the next row)
        str     r6, [r8], #4
        .endm

        @ N copies of one instruction
        .macro  rep4 insn:vararg
        \insn
        \insn
        \insn
        \insn
        .endm

        .text
        .global _start
_start:
        ldr     r0, =0xE000EDFC         @ DEMCR.TRCENA
        ldr     r1, =0x01000000
        str     r1, [r0]
        ldr     r0, =0xE0001000         @ DWT_CTRL.CYCCNTENA
        movs    r1, #1
        str     r1, [r0]
        adr.w   r0, svc_handler + 1     @ the SVCall vector (exception 11) in the table at 0
        movs    r1, #0x2C
        str     r0, [r1]
.ifdef FPU
        ldr     r0, =0xE000ED88         @ CPACR: CP10 and CP11 full access
        ldr     r1, [r0]
        orr     r1, r1, #(0xF << 20)
        str     r1, [r0]
        ldr     r0, =0xE000EF34         @ FPCCR: no automatic FP state preservation (the SVC row's frame stays 8 words)
        movs    r1, #0
        str     r1, [r0]
        dsb
        isb
.endif
        ldr     r7, =0xE0001004         @ CYCCNT
        ldr     r8, =results
        ldr     r9, =data
        ldr     r10, =data + 32
        str     r9, [r9]                @ data[0] = &data (the dependent load's address)
        nop

        @ row: empty
        begin
        end

        @ ---- move, add, subtract ----
        @ row: MOV Rd, Rm x4
        begin
        rep4    mov r2, r3
        end
        @ row: MOVW, MOVT x2
        begin
        movw    r0, #0x1234
        movt    r0, #0x5678
        movw    r0, #0x1234
        movt    r0, #0x5678
        end
        @ row: ADD Rd, Rn, Rm, LSL #3 x4
        begin
        rep4    add.w r0, r1, r2, lsl #3
        end
        @ row: ADDW, ADC, SUB, SBC x1
        begin
        addw    r0, r1, #0x123
        adc     r0, r1, #7
        sub     r0, r1, r2
        sbc     r0, r1, r2
        end
        @ row: RSB x4
        begin
        rep4    rsb r0, r1, #9
        end
        @ row: ADD PC, Rm (1+P, P=2)
        movs    r1, #2
        begin
        add     pc, r1
        nop
        nop
        end
        @ row: MOV PC, Rm (1+P, P=2)
        adr.w   r1, 1f
        begin
        mov     pc, r1
        nop
1:
        end

        @ ---- multiply, divide ----
        movs    r2, #7
        movs    r3, #5
        @ row: MUL x4
        begin
        rep4    mul r0, r2, r3
        end
        @ row: MLA x4
        begin
        rep4    mla r0, r2, r3, r0
        end
        @ row: MLS x4
        begin
        rep4    mls r0, r2, r3, r0
        end
        @ row: UMULL 3-bit operands
        begin
        umull   r0, r1, r2, r3
        end
        @ row: SMULL 3-bit operands
        begin
        smull   r0, r1, r2, r3
        end
        @ row: UMLAL 3-bit operands
        begin
        umlal   r0, r1, r2, r3
        end
        @ row: SMLAL 3-bit operands
        begin
        smlal   r0, r1, r2, r3
        end
        ldr     r4, =0x80000
        @ row: UMULL second operand 20 bits
        begin
        umull   r0, r1, r3, r4
        end
        mov     r4, #0xFFFFFFFF
        @ row: UMULL second operand 32 bits
        begin
        umull   r0, r1, r3, r4
        end
        @ row: UMLAL both operands 32 bits
        begin
        umlal   r0, r1, r4, r4
        end
        movs    r2, #1
        @ row: UDIV dividend below divisor
        begin
        udiv    r0, r2, r4
        end
        @ row: UDIV 0xFFFFFFFF / 1
        begin
        udiv    r0, r4, r2
        end
        movs    r1, #100
        movs    r2, #7
        @ row: UDIV 100 / 7
        begin
        udiv    r0, r1, r2
        end
        ldr     r1, =-1000
        movs    r2, #10
        @ row: SDIV -1000 / 10
        begin
        sdiv    r0, r1, r2
        end
        movs    r2, #0
        @ row: SDIV by zero
        begin
        sdiv    r0, r1, r2
        end

        @ ---- saturate, compare, logical, shift, count, extend, bit field, reverse ----
        @ row: SSAT, USAT x2
        begin
        ssat    r0, #8, r1
        usat    r0, #8, r1, lsl #2
        ssat    r0, #8, r1
        usat    r0, #8, r1, lsl #2
        end
        @ row: CMP, CMN, TST, TEQ x1
        begin
        cmp     r0, r1
        cmn.w   r0, #5
        tst     r0, #1
        teq     r0, r1
        end
        @ row: AND, EOR, ORR, ORN x1
        begin
        and     r0, r1, r2
        eor     r0, r1, #0xFF00
        orr     r0, r1
        orn     r0, r1, r2
        end
        @ row: BIC, MVN x2
        begin
        bic     r0, r1, #3
        mvn     r0, r1
        bic     r0, r1, #3
        mvn     r0, r1
        end
        @ row: LSL, LSR by register, ASR, ROR by register x1
        begin
        lsl     r0, r1, #3
        lsr.w   r0, r1, r2
        asrs    r0, r1, #1
        ror     r0, r1, r2
        end
        @ row: RRX x4
        begin
        rep4    rrx r0, r1
        end
        @ row: CLZ, RBIT x2
        begin
        clz     r0, r1
        rbit    r0, r1
        clz     r0, r1
        rbit    r0, r1
        end
        @ row: REV, REV16, REVSH, REV x1
        begin
        rev     r0, r1
        rev16   r0, r1
        revsh   r0, r1
        rev     r0, r1
        end
        @ row: SXTH, SXTB ROR, UXTH, UXTB x1
        begin
        sxth    r0, r1
        sxtb.w  r0, r1, ror #8
        uxth    r0, r1
        uxtb    r0, r1
        end
        @ row: UBFX, SBFX, BFC, BFI x1
        begin
        ubfx    r0, r1, #4, #8
        sbfx    r0, r1, #4, #8
        bfc     r0, #4, #8
        bfi     r0, r1, #4, #8
        end

        @ ---- loads and stores (18.3: a load pipelines behind a load unless its address uses the load's result) ----
        movs    r11, #4
        @ row: LDR x1
        begin
        ldr     r0, [r9, #4]
        end
        @ row: LDR x4 (pipelined)
        begin
        ldr     r0, [r9, #4]
        ldr     r1, [r9, #8]
        ldr     r2, [r9, #12]
        ldr     r3, [r9, #16]
        end
        @ row: LDRH, LDRB Rm, LDRSH, LDRSB (pipelined)
        begin
        ldrh    r0, [r9, #2]
        ldrb.w  r1, [r9, r11]
        ldrsh   r2, [r9, #6]
        ldrsb.w r3, [r9, #-1]
        end
        @ row: LDR literal x2 (pipelined)
        begin
        ldr     r0, =0x12345678
        ldr     r1, =0x9ABCDEF0
        end
        @ row: LDR then STR (pipelined)
        begin
        ldr     r0, [r9, #4]
        str     r0, [r9, #8]
        end
        @ row: LDR with the address from the previous LDR
        begin
        ldr     r0, [r9]
        ldr     r1, [r0, #4]
        end
        @ row: ADD then LDR from its result
        mov     r1, r9
        begin
        adds    r1, #0
        ldr     r0, [r1]
        end
        @ row: LDRT
        begin
        ldrt    r0, [r9, #4]
        end
        @ row: LDRD (1+N)
        begin
        ldrd    r0, r1, [r9, #8]
        end
        @ row: LDM 4 registers (1+N)
        begin
        ldm     r9, {r0-r3}
        end
        adr.w   r0, 1f + 1
        str     r0, [r9, #68]
        @ row: LDM {r4, pc} (1+N+P)
        add     r1, r9, #64
        begin
        ldm     r1, {r4, pc}
        nop
1:
        end
        adr.w   r0, 1f + 1
        str     r0, [r9, #64]
        @ row: LDR PC (2+P)
        begin
        ldr     pc, [r9, #64]
        nop
1:
        end
        @ row: STR x1
        begin
        str     r0, [r10]
        end
        @ row: STR x4 (nothing pipelines after a store)
        begin
        rep4    str r0, [r10, #4]
        end
        @ row: STR then LDR
        begin
        str     r0, [r10]
        ldr     r1, [r9, #4]
        end
        @ row: STRH, STRB Rm x1
        begin
        strh    r0, [r10, #2]
        strb    r0, [r10, r11]
        end
        @ row: STRT
        begin
        strt    r0, [r10]
        end
        @ row: STRD (1+N)
        begin
        strd    r0, r1, [r10, #8]
        end
        @ row: STM 4 registers (1+N)
        begin
        stm     r10, {r0-r3}
        end
        @ row: PUSH {r0, r1} (1+N)
        begin
        push    {r0, r1}
        end
        @ row: POP {r0, r1} (1+N)
        begin
        pop     {r0, r1}
        end
        @ row: PUSH {r0, r1, lr} (1+N)
        begin
        push    {r0, r1, lr}
        end
        add     sp, #12
        adr.w   r0, 1f + 1
        push    {r0}
        push    {r4}
        @ row: POP {r4, pc} (1+N+P)
        begin
        pop     {r4, pc}
        nop
1:
        end
        @ row: LDREX, STREX
        begin
        ldrex   r0, [r10]
        nop
        strex   r1, r0, [r10]
        end
        @ row: LDREXB, STREXB
        begin
        ldrexb  r0, [r10]
        nop
        strexb  r1, r0, [r10]
        end
        @ row: LDREXH, STREXH
        begin
        ldrexh  r0, [r10]
        nop
        strexh  r1, r0, [r10]
        end
        @ row: CLREX x4
        begin
        rep4    clrex
        end

        @ ---- branches ----
        @ row: B (1+P)
        begin
        b       1f
        nop
1:
        end
        @ row: B.W to a 32-bit instruction at a halfword address (P=2), then it
        begin
        b.w     1f
        .balign 4
        nop
1:      mov.w   r0, #1
        end
        cmp     r0, r0
        @ row: B<c> not taken x4
        begin
        rep4    bne 1f
1:
        end
        cmp     r0, r0
        @ row: B<c> taken (1+P)
        begin
        beq     1f
        nop
1:
        end
        @ row: BL (1+P)
        begin
        bl      1f
        nop
1:
        end
        adr.w   r1, 1f + 1
        @ row: BX (1+P, P=2)
        begin
        bx      r1
        nop
1:
        end
        adr.w   r1, 1f + 1
        @ row: BLX (1+P, P=2)
        begin
        blx     r1
        nop
1:
        end
        movs    r0, #1
        @ row: CBZ not taken x4
        begin
        rep4    cbz r0, 9f
        end
9:
        movs    r0, #0
        @ row: CBZ taken (1+P)
        begin
        cbz     r0, 1f
        nop
1:
        end
        movs    r1, #1
        @ row: TBB (2+P)
        begin
        tbb     [pc, r1]
        .byte   0, 1                    @ entry 1: to the end's NOP, right after the table
        end
        @ row: TBH (2+P)
        begin
        tbh     [pc, r1, lsl #1]
        .short  0, 2                    @ entry 1: to the end's NOP, right after the table
        end
        cmp     r0, r0                  @ (the MOVEQs execute)
        @ row: IT folded after a 16-bit instruction, MOVEQ
        begin
        it      eq
        moveq   r0, r1
        end
        @ row: ADD.W, IT after it (not folded), MOVEQ
        begin
        add.w   r0, r0, #0
        it      eq
        moveq   r0, r1
        end

        @ ---- state change, hints, barriers ----
        @ row: CPSID, CPSIE x2
        begin
        cpsid   i
        cpsie   i
        cpsid   i
        cpsie   i
        end
        @ row: MRS x4
        begin
        rep4    mrs r0, primask
        end
        movs    r0, #0
        @ row: MSR x4
        begin
        rep4    msr basepri, r0
        end
        @ row: NOP x4
        begin
        rep4    nop
        end
        @ row: YIELD x4
        begin
        rep4    yield
        end
        @ row: SEV, WFE with the event set
        begin
        sev
        wfe
        end
        @ row: DMB
        begin
        dmb
        end
        @ row: DSB
        begin
        dsb
        end
        @ row: ISB (1+P)
        begin
        isb
        end

.ifdef DSP
        @ ---- Cortex-M4 (DDI 0439B table 3-1): one cycle each ----
        movs    r2, #7
        movs    r3, #5
        @ row: SADD16, QADD, SHADD8, UQSUB8 x1
        begin
        sadd16  r0, r1, r2
        qadd    r0, r1, r2
        shadd8  r0, r1, r2
        uqsub8  r0, r1, r2
        end
        @ row: SMLAD, SMUAD, SMLALD, SMMUL x1
        begin
        smlad   r0, r1, r2, r3
        smuad   r0, r1, r2
        smlald  r0, r1, r2, r3
        smmul   r0, r2, r3
        end
        @ row: SMLABB, SMULBB, SMLALBB, SMULWB x1
        begin
        smlabb  r0, r1, r2, r3
        smulbb  r0, r1, r2
        smlalbb r0, r1, r2, r3
        smulwb  r0, r1, r2
        end
        @ row: SEL, PKHBT, SXTAB16, USAD8 x1
        begin
        sel     r0, r1, r2
        pkhbt   r0, r1, r2, lsl #8
        sxtab16 r0, r1, r2
        usad8   r0, r1, r2
        end
        @ row: SSAT16, USADA8, UXTB16, QDADD x1
        begin
        ssat16  r0, #8, r1
        usada8  r0, r1, r2, r3
        uxtb16  r0, r1
        qdadd   r0, r1, r2
        end
        mov     r4, #0xFFFFFFFF
        @ row: UMLAL, SMLAL both operands 32 bits x2
        begin
        umlal   r0, r1, r4, r4
        smlal   r0, r1, r4, r4
        umlal   r0, r1, r4, r4
        smlal   r0, r1, r4, r4
        end
.endif

.ifdef FPU
        @ ---- Cortex-M4F FPU (DDI 0439B table 7-1) ----
        @ row: VADD, VSUB, VMUL, VNMUL x1
        begin
        vadd.f32 s0, s1, s2
        vsub.f32 s3, s4, s5
        vmul.f32 s6, s7, s8
        vnmul.f32 s9, s10, s11
        end
        @ row: VABS, VNEG, VMOV, VCMP x1
        begin
        vabs.f32 s0, s1
        vneg.f32 s2, s3
        vmov.f32 s4, s5
        vcmp.f32 s0, s1
        end
        @ row: VMLA
        begin
        vmla.f32 s0, s1, s2
        end
        @ row: VFMA
        begin
        vfma.f32 s0, s1, s2
        end
        @ row: VNMLS
        begin
        vnmls.f32 s0, s1, s2
        end
        @ row: VDIV
        begin
        vdiv.f32 s0, s1, s2
        end
        @ row: VSQRT
        begin
        vsqrt.f32 s0, s1
        end
        @ row: VCVT x4
        begin
        vcvt.s32.f32 s0, s1
        vcvt.f32.u32 s2, s3
        vcvt.s16.f32 s4, s4, #4
        vcvtb.f16.f32 s5, s6
        end
        @ row: VMOV Sn, Rt; VMOV Rt, Sn; VMOV.F32 #imm x1
        begin
        vmov    s0, r1
        vmov    r1, s1
        vmov.f32 s2, #1.0
        end
        @ row: VMOV two core registers (2)
        begin
        vmov    s0, s1, r1, r2
        end
        @ row: VMRS, VMSR FPSCR
        begin
        vmrs    r1, fpscr
        vmsr    fpscr, r1
        end
        @ row: VLDR .32
        begin
        vldr    s0, [r9]
        end
        @ row: VLDR .64
        begin
        vldr    d1, [r9]
        end
        @ row: VSTR .32
        begin
        vstr    s0, [r10]
        end
        @ row: VLDM 4 singles (1+N)
        begin
        vldm    r9, {s0-s3}
        end
        @ row: VSTM 2 doubles (1+N)
        begin
        vstm    r10, {d0-d1}
        end
        @ row: VPUSH 3 singles (1+N)
        begin
        vpush   {s0-s2}
        end
        @ row: VPOP 3 singles (1+N)
        begin
        vpop    {s0-s2}
        end
.endif
        @ ---- exceptions (the return row is measured in the handler below) ----
        @ row: SVC (exception entry)
        begin
        svc     #0
        end
        bkpt    #0

        @ SVCall: the entry row ends at the handler's first instructions; the return row is measured around BX LR.
svc_handler:
        nop
        ldr     r6, [r7]
        sub.w   r6, r6, r5
        str     r6, [r8], #4
        @ row: exception return (BX LR)
        nop
        ldr     r5, [r7]
        nop
        bx      lr

        .ltorg

        .equ    results, 0x20000000
        .equ    data, 0x20000800
