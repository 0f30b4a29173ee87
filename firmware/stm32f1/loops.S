@ The loop timed by flash_cycles.c, once in flash and once in SRAM (the same instructions at the same
@ offsets from an 8-byte boundary). uint32_t NAME(uint32_t n, volatile uint32_t *cyccnt): n iterations
@ between two reads of DWT_CYCCNT; returns the second read minus the first (the cycles from the start of
@ the first LDR to the start of the second, PM0056 / ARMv7-M C1.8.8).
@ Layout (offsets from the 8-byte-aligned entry): 0-4 three NOPs, 6 LDR (first read, NAME_start),
@ 8 the loop: three 32-bit ADDs (8, 12, 16), SUBS at 20, BNE at 22 (the loop is two 8-byte flash lines,
@ 8-15 and 16-23), 24 NOP, 26 LDR (second read, NAME_end). Each LDR shares its word with the NOP before
@ it, which takes any wait for that word's fetch: CYCCNT counts at the LDR's execution, after its fetch,
@ while SocSim's measures and traces start an instruction before its fetch wait; with no wait on the LDRs
@ the two agree (Stm32FlashCycleTests).
    .syntax unified
    .thumb

    .macro TIMED_LOOP name
    .balign 8
    .global \name, \name\()_start, \name\()_end, \name\()_loop
    .type \name, %function
    .thumb_func
\name:
    nop
    nop
    nop
\name\()_start:
    ldr r2, [r1]
\name\()_loop:
1:
    add.w r3, r3, #1
    add.w r12, r12, #1
    add.w r3, r3, #2
    subs r0, #1
    bne 1b
    nop
\name\()_end:
    ldr r3, [r1]
    subs r0, r3, r2
    bx lr
    .size \name, . - \name
    .endm

    .section .text.flash_loop, "ax", %progbits
    TIMED_LOOP flash_loop

    .section .ramfunc.sram_loop, "ax", %progbits
    TIMED_LOOP sram_loop
