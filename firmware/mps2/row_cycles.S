@ Cycle figures of the Cortex-M3/M4 timing table's row groups, measured by the firmware itself with DWT CYCCNT
@ on mps2-an385 (Cortex-M3) and mps2-an386 (Cortex-M4F). Assembled and run by
@ tests/SocSim.CortexM.Tests/RowCyclesFirmwareTests.cs, which derives each expected figure from the TRMs
@ (Cortex-M3 TRM DDI 0337I table 18-1, Cortex-M4 TRM DDI 0439B tables 3-1 and 7-1; docs/cortex-m.md "Timing").
@ Define FPU (".set FPU, 1" and ".fpu fpv4-sp-d16") for the M4F's FP group.
@
@ Each group is measured between two reads of CYCCNT:  nop; ldr r5, [r7]; nop; <group>; nop; ldr r6, [r7]
@ so the delta is the first LDR's 2, two NOPs and the group (the NOPs keep the group's loads from pipelining
@ with the reads); results[0] is the empty group (4), and results[k] - results[0] is group k's cycles.
@ Code runs from ZBT SSRAM1 at 0 (I-Code); the operands in SSRAM2/3 at 0x20000000 (System bus); the DWT on
@ the private peripheral bus: the data's wait states add, the fetches never wait for them.

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
        subs    r6, r6, r5
        str     r6, [r8], #4
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
.ifdef FPU
        ldr     r0, =0xE000ED88         @ CPACR: CP10 and CP11 full access
        ldr     r1, [r0]
        orr     r1, r1, #(0xF << 20)
        str     r1, [r0]
        dsb
        isb
.endif
        ldr     r7, =0xE0001004         @ CYCCNT
        ldr     r8, =results
        ldr     r9, =data
        ldr     r10, =data + 32
        nop

        @ 0: empty
        begin
        end

        @ 1: data processing
        begin
        adds    r0, r1
        add.w   r0, r0, r1, lsl #2
        mov     r2, r3
        eor     r0, r1
        end

        @ 2: multiply (MUL, MLA, UMULL with 3-bit operands)
        movs    r2, #7
        movs    r3, #5
        begin
        mul     r0, r2, r3
        mla     r0, r2, r3, r0
        umull   r0, r4, r2, r3
        end

        @ 3: divide, minimum (dividend < divisor)
        mov     r1, #0xFFFFFFFF
        movs    r2, #1
        begin
        udiv    r0, r2, r1
        end

        @ 4: divide, maximum (0xFFFFFFFF / 1)
        begin
        udiv    r0, r1, r2
        end

        @ 5: load and store single (the STR pipelines behind the LDR)
        begin
        ldr     r0, [r9]
        str     r0, [r9, #4]
        end

        @ 6: LDM and STM of four registers
        begin
        ldm     r9, {r0-r3}
        stm     r10, {r0-r3}
        end

        @ 7: branch taken (to the next instruction)
        begin
        b       1f
1:
        end

        @ 8: branch not taken
        cmp     r0, r0
        begin
        bne     1f
1:
        end

        @ 9: IT (folded after a 16-bit instruction) and its conditional instruction
        cmp     r0, r0
        begin
        it      eq
        addeq   r0, #1
        end

        @ 10: barriers
        begin
        dmb
        dsb
        isb
        end

.ifdef FPU
        @ 11: FP (VADD, VMUL, VDIV, VLDR)
        begin
        vadd.f32 s0, s1, s2
        vmul.f32 s3, s4, s5
        vdiv.f32 s6, s7, s8
        vldr    s9, [r9]
        end
.endif
        bkpt    #0

        .ltorg

        .equ    results, 0x20000000
        .equ    data, 0x20000100
