@ Cycle figures of the Cortex-M0 and M0+ timing tables (Cortex-M0 TRM DDI 0432C table 3-1, Cortex-M0+ TRM DDI 0484C
@ table 3-1), one row each, measured by the firmware itself on mps2-an383 (cortex-m0, and cortex-m0plus with
@ boards/overrides/mps2-an383-m0plus.json). ARMv6-M has no DWT CYCCNT: SysTick counts down at the core clock
@ (CSR.CLKSOURCE = 1) from 0xFFFFFF and its current value register (SYST_CVR) stands in, so a row's cycles are the
@ first read minus the second. Assembled and run by tests/SocSim.CortexM.Tests/RowCyclesFirmwareTests.cs, which
@ reads the rows' names from the "@ row:" lines below, in order, and derives each figure from the tables.
@
@ Each row is measured between two reads of SYST_CVR:  nop; ldr r5, [r7]; nop; <row>; nop; ldr r4, [r7]
@ results[0] is the empty row (the overhead: the first LDR's 2 and two NOPs), results[k] - results[0] row k's.
@ Code runs from ZBT SSRAM1 at 0; the operands and the stack in SSRAM2/3 at 0x20000000. Label addresses come from
@ ADR (PC-relative: the test loads the assembler's output, unlinked, at 0x100), so ADR's targets are word-aligned.
@ Registers: r7 = &SYST_CVR, r6 = data, r11 = the next result (not in an exception frame); r0-r4 and r8 are the
@ rows'. The end's SUBS sets the flags: a conditional row sets them itself.

        .syntax unified
        .thumb

        .macro  begin
        nop
        ldr     r5, [r7]
        nop
        .endm

        .macro  end
        nop
        ldr     r4, [r7]
        subs    r4, r5, r4
        mov     r5, r11
        stm     r5!, {r4}
        mov     r11, r5
        .endm

        .macro  rep4 insn:vararg
        \insn
        \insn
        \insn
        \insn
        .endm

        .text
        .global _start
_start:
        ldr     r0, =0xE000E010         @ SYST_CSR
        ldr     r1, =0x00FFFFFF
        str     r1, [r0, #4]            @ SYST_RVR
        str     r1, [r0, #8]            @ SYST_CVR: cleared, reloads from RVR
        movs    r1, #5                  @ ENABLE | CLKSOURCE (the core clock); no TICKINT
        str     r1, [r0]
        adr     r0, svc_handler         @ the SVCall vector (exception 11) in the table at 0
        adds    r0, #1
        movs    r1, #0x2C
        str     r0, [r1]
        ldr     r7, =0xE000E018         @ SYST_CVR
        ldr     r0, =results
        mov     r11, r0
        ldr     r6, =data
        nop

        @ row: empty
        begin
        end

        @ ---- data processing: 1 each ----
        @ row: MOVS, MOV high, ADDS, ADCS
        begin
        movs    r0, #1
        mov     r8, r1
        adds    r0, r1, r2
        adcs    r0, r1
        end
        @ row: ADD SP, SUB SP, RSBS, SBCS
        begin
        add     sp, #8
        sub     sp, #8
        rsbs    r0, r1, #0
        sbcs    r0, r1
        end
        @ row: CMP, CMN, TST, ANDS
        begin
        cmp     r0, #3
        cmn     r0, r1
        tst     r0, r1
        ands    r0, r1
        end
        @ row: EORS, ORRS, BICS, MVNS
        begin
        eors    r0, r1
        orrs    r0, r1
        bics    r0, r1
        mvns    r0, r1
        end
        @ row: LSLS, LSRS, ASRS, RORS by register
        begin
        lsls    r0, r1, #3
        lsrs    r0, r1
        asrs    r0, r1, #1
        rors    r0, r1
        end
        @ row: SXTH, SXTB, UXTH, UXTB
        begin
        sxth    r0, r1
        sxtb    r0, r1
        uxth    r0, r1
        uxtb    r0, r1
        end
        @ row: REV, REV16, REVSH, REV
        begin
        rev     r0, r1
        rev16   r0, r1
        revsh   r0, r1
        rev     r0, r1
        end
        movs    r1, #7
        @ row: MULS x4
        begin
        rep4    muls r0, r1
        end

        @ ---- loads and stores: 2 each, never pipelined; LDM/STM/PUSH/POP 1 + N ----
        @ row: LDR x1
        begin
        ldr     r0, [r6, #4]
        end
        @ row: LDR x4
        begin
        ldr     r0, [r6, #4]
        ldr     r1, [r6, #8]
        ldr     r2, [r6, #12]
        ldr     r3, [r6, #16]
        end
        movs    r3, #2
        @ row: LDRH, LDRB, LDRSH Rm, LDRSB Rm
        begin
        ldrh    r0, [r6, #2]
        ldrb    r1, [r6, #3]
        ldrsh   r2, [r6, r3]
        ldrsb   r0, [r6, r3]
        end
        @ row: LDR literal x2
        begin
        ldr     r0, =0x12345678
        ldr     r1, =0x9ABCDEF0
        end
        @ row: LDR SP-relative x2
        begin
        ldr     r0, [sp, #4]
        ldr     r1, [sp, #8]
        end
        @ row: STR, STRH, STRB, STR SP-relative
        begin
        str     r0, [r6, #32]
        strh    r0, [r6, #36]
        strb    r0, [r6, #30]
        str     r0, [sp, #4]
        end
        mov     r0, r6
        @ row: LDM 3 registers (1+N)
        begin
        ldm     r0!, {r1, r2, r3}
        end
        mov     r0, r6
        adds    r0, #32
        @ row: STM 2 registers (1+N)
        begin
        stm     r0!, {r1, r2}
        end
        @ row: PUSH {r4, lr} (1+N)
        begin
        push    {r4, lr}
        end
        @ row: POP {r0, r1} (1+N)
        begin
        pop     {r0, r1}
        end
        adr     r0, 1f
        adds    r0, #1
        push    {r0}
        push    {r1}
        @ row: POP {r0, pc} (4+N)
        begin
        pop     {r0, pc}
        .balign 4
1:
        end

        @ ---- branches ----
        cmp     r0, r0
        @ row: B<c> not taken x4
        begin
        rep4    bne 1f
1:
        end
        cmp     r0, r0
        @ row: B<c> taken
        begin
        beq     1f
        nop
1:
        end
        @ row: B
        begin
        b       1f
        nop
1:
        end
        @ row: BL
        begin
        bl      1f
        nop
1:
        end
        adr     r1, 1f
        adds    r1, #1
        @ row: BX
        begin
        bx      r1
        .balign 4
1:
        end
        adr     r1, 1f
        adds    r1, #1
        @ row: BLX
        begin
        blx     r1
        .balign 4
1:
        end
        adr     r1, 1f
        @ row: MOV PC, Rm
        begin
        mov     pc, r1
        .balign 4
1:
        end
        movs    r1, #2
        @ row: ADD PC, Rm
        begin
        add     pc, r1
        nop
        nop
        end

        @ ---- state change, hints, barriers ----
        @ row: CPSID, CPSIE x2
        begin
        cpsid   i
        cpsie   i
        cpsid   i
        cpsie   i
        end
        @ row: MRS
        begin
        mrs     r0, primask
        end
        movs    r0, #0
        @ row: MSR
        begin
        msr     primask, r0
        end
        @ row: NOP, YIELD, SEV
        begin
        .inst.n 0xbf00                  @ NOP (the hint: GAS writes MOV r8, r8 for "nop" on ARMv6-M)
        yield
        sev
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
        @ row: ISB
        begin
        isb
        end

        @ ---- exceptions (the return row is measured in the handler below) ----
        @ row: SVC (exception entry)
        begin
        svc     #0
        end
        bkpt    #0

        @ SVCall: the entry row ends at the handler's first instructions; the return row is measured around BX LR.
        .balign 4
svc_handler:
        nop
        ldr     r4, [r7]
        subs    r4, r5, r4
        mov     r5, r11
        stm     r5!, {r4}
        mov     r11, r5
        @ row: exception return (BX LR)
        nop
        ldr     r5, [r7]
        nop
        bx      lr

        .ltorg

        .equ    results, 0x20000000
        .equ    data, 0x20000800
