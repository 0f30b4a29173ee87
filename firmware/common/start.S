/* Shared ARM-state startup for the bare-metal SocSim programs.
 *
 * The exception vectors live at 0x00000000 (SCTLR.V = 0 on the ARM926 QEMU
 * models; the ARM7TDMI has only low vectors). Each vector loads the PC from
 * the literal table that follows, so handlers may live anywhere in RAM.
 */
        .syntax unified
        .arm

        .equ MODE_USR, 0x10
        .equ MODE_FIQ, 0x11
        .equ MODE_IRQ, 0x12
        .equ MODE_SVC, 0x13
        .equ MODE_ABT, 0x17
        .equ MODE_UND, 0x1B
        .equ MODE_SYS, 0x1F
        .equ PSR_I,    0x80
        .equ PSR_F,    0x40

        .equ VIC_BASE,    0x10140000
        .equ VICVectAddr, 0x030

        .equ SYS_EXIT,          0x18
        .equ SYS_EXIT_EXTENDED, 0x20
        .equ ADP_Stopped_ApplicationExit, 0x20026

        .section .vectors, "ax"
        .global _vectors
_vectors:
        ldr     pc, [pc, #24]           /* 0x00 reset */
        ldr     pc, [pc, #24]           /* 0x04 undefined instruction */
        ldr     pc, [pc, #24]           /* 0x08 SWI */
        ldr     pc, [pc, #24]           /* 0x0C prefetch abort */
        ldr     pc, [pc, #24]           /* 0x10 data abort */
        ldr     pc, [pc, #24]           /* 0x14 reserved (26-bit address exception) */
        ldr     pc, [pc, #24]           /* 0x18 IRQ */
        ldr     pc, [pc, #24]           /* 0x1C FIQ */
        .word   reset_handler
        .word   undef_handler
        .word   swi_handler
        .word   pabt_handler
        .word   dabt_handler
        .word   reserved_handler
        .word   irq_handler
        .word   fiq_handler

        .text
        .global reset_handler
        .type   reset_handler, %function
reset_handler:
        /* One stack per exception mode, carved from the top of RAM
         * (see link.ld), with IRQ and FIQ masked throughout. */
        msr     cpsr_c, #(MODE_UND | PSR_I | PSR_F)
        ldr     sp, =__und_stack_top
        msr     cpsr_c, #(MODE_ABT | PSR_I | PSR_F)
        ldr     sp, =__abt_stack_top
        msr     cpsr_c, #(MODE_FIQ | PSR_I | PSR_F)
        ldr     sp, =__fiq_stack_top
        msr     cpsr_c, #(MODE_IRQ | PSR_I | PSR_F)
        ldr     sp, =__irq_stack_top
        msr     cpsr_c, #(MODE_SVC | PSR_I | PSR_F)
        ldr     sp, =__svc_stack_top

        /* Copy .data from its load address if the image was linked to be
         * copied (here LMA == VMA, so this is normally skipped). */
        ldr     r0, =__data_load
        ldr     r1, =__data_start
        ldr     r2, =__data_end
        cmp     r0, r1
        beq     2f
1:      cmp     r1, r2
        ldrlo   r3, [r0], #4
        strlo   r3, [r1], #4
        blo     1b
2:
        /* Zero .bss. */
        ldr     r1, =__bss_start
        ldr     r2, =__bss_end
        mov     r3, #0
3:      cmp     r1, r2
        strlo   r3, [r1], #4
        blo     3b

        /* main runs in System mode (privileged, User register bank), IRQ and
         * FIQ still masked: programs unmask IRQ once the VIC is set up. */
        msr     cpsr_c, #(MODE_SYS | PSR_I | PSR_F)
        ldr     sp, =__sys_stack_top

        /* ARMv4T has no BLX: call main through BX so it may be Thumb code. */
        ldr     r12, =main
        mov     lr, pc
        bx      r12
        b       semihost_exit           /* exit code = main's return value */
        .size   reset_handler, . - reset_handler

/* semihost_exit(int code): never returns.
 * code == 0: SYS_EXIT with r1 = ADP_Stopped_ApplicationExit.
 * code != 0: SYS_EXIT_EXTENDED with r1 -> {ADP_Stopped_ApplicationExit, code}. */
        .global semihost_exit
        .type   semihost_exit, %function
semihost_exit:
        cmp     r0, #0
        bne     1f
        mov     r0, #SYS_EXIT
        ldr     r1, =ADP_Stopped_ApplicationExit
        swi     0x123456
        b       2f
1:      ldr     r1, =exit_block
        str     r0, [r1, #4]
        mov     r0, #SYS_EXIT_EXTENDED
        swi     0x123456
        /* Only reached if no debugger/simulator handles semihosting. */
2:      b       2b
        .size   semihost_exit, . - semihost_exit

/* IRQ through the PL190 vectored interface (DDI0181 section 2.2.3):
 * reading VICVectAddr yields the ISR address of the highest-priority
 * pending source and masks lower priorities; writing VICVectAddr at the
 * end restores the priority hardware. Non-nested: the ISR runs in IRQ mode
 * with IRQs masked. */
        .type   irq_handler, %function
irq_handler:
        sub     lr, lr, #4
        stmfd   sp!, {r0-r3, r12, lr}
        ldr     r0, =irq_vector_count
        ldr     r1, [r0]
        add     r1, r1, #1
        str     r1, [r0]
        ldr     r0, =VIC_BASE
        ldr     r12, [r0, #VICVectAddr]
        mov     lr, pc
        bx      r12
        ldr     r0, =VIC_BASE
        str     r0, [r0, #VICVectAddr]  /* any value acknowledges */
        ldmfd   sp!, {r0-r3, r12, pc}^
        .size   irq_handler, . - irq_handler

/* Unexpected exceptions: report and exit with code 0x80 + vector index.
 * r0 = vector index, r1 = return address in lr of the exception mode,
 * r2 = SPSR. */
        .type   undef_handler, %function
undef_handler:
        mov     r0, #1
        b       unexpected
pabt_handler:
        mov     r0, #3
        b       unexpected
dabt_handler:
        mov     r0, #4
        b       unexpected
reserved_handler:
        mov     r0, #5
        b       unexpected
fiq_handler:
        mov     r0, #7
        b       unexpected
swi_handler:
        /* Semihosting SWIs are trapped before this vector; anything that
         * arrives here is a real SWI, or semihosting is not enabled. */
        mov     r0, #2
unexpected:
        mov     r1, lr
        mrs     r2, spsr
        ldr     sp, =__exc_stack_top
        ldr     r12, =unexpected_exception
        bx      r12                     /* C, does not return */

        .data
        .align  2
exit_block:
        .word   ADP_Stopped_ApplicationExit
        .word   0

        .bss
        .align  2
        .global irq_vector_count
irq_vector_count:
        .word   0
