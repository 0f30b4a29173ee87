/* LPC2106 startup: exception vectors at 0 in flash, stacks in the 64 KiB
 * SRAM at 0x40000000, .data copied from flash, .bss cleared, then main in
 * System mode. See lpc2106.ld for the memory layout.
 *
 * The chip starts at 0 in ARM state. On silicon the boot block's boot loader
 * runs first and jumps to user flash only if the words at 0x00-0x1C sum to
 * 0 (UM10114 "Flash memory system and programming", criterion for valid
 * user code); the word at 0x14, the vector the ARM7 reserves, holds that
 * checksum. `make` checks the sum of the built image. SocSim starts the core
 * at 0 directly, as if the boot loader had found valid code. */
        .syntax unified
        .arm

        .equ MODE_FIQ, 0x11
        .equ MODE_IRQ, 0x12
        .equ MODE_SVC, 0x13
        .equ MODE_ABT, 0x17
        .equ MODE_UND, 0x1B
        .equ MODE_SYS, 0x1F
        .equ PSR_I,    0x80
        .equ PSR_F,    0x40

        /* Encodings of the vector instructions below, for the checksum. */
        .equ LDR_PC_PC_24,      0xE59FF018      /* ldr pc, [pc, #24] */
        .equ LDR_PC_VICVECT,    0xE51FFFF0      /* ldr pc, [pc, #-0xFF0] */

        .section .vectors, "ax"
        .global _vectors
_vectors:
        ldr     pc, [pc, #24]           /* 0x00 reset */
        ldr     pc, [pc, #24]           /* 0x04 undefined instruction */
        ldr     pc, [pc, #24]           /* 0x08 SWI */
        ldr     pc, [pc, #24]           /* 0x0C prefetch abort */
        ldr     pc, [pc, #24]           /* 0x10 data abort */
        /* 0x14: two's complement of the sum of the other seven words. */
        .word   (-(6 * LDR_PC_PC_24 + LDR_PC_VICVECT)) & 0xFFFFFFFF
        /* 0x18 IRQ: the PC is 0x20 here, 0x20 - 0xFF0 = 0xFFFFF030, VICVectAddr,
         * which holds the address of the highest-priority vectored ISR (or
         * VICDefVectAddr): the VIC dispatches in one instruction (UM10114
         * VIC, "Vector address register"). Each ISR is a complete IRQ
         * handler: it returns with SUBS PC, LR, #4 and writes VICVectAddr. */
        ldr     pc, [pc, #-0xFF0]
        ldr     pc, [pc, #24]           /* 0x1C FIQ */
        .word   reset_handler           /* 0x20 */
        .word   undef_handler
        .word   swi_handler
        .word   pabt_handler
        .word   dabt_handler
        .word   0                       /* 0x34: unused (0x14 holds no ldr) */
        .word   0                       /* 0x38: unused (IRQ reads the VIC) */
        .word   fiq_handler             /* 0x3C */

        .text
        .global reset_handler
        .type   reset_handler, %function
reset_handler:
        /* One stack per mode that runs code here, IRQ and FIQ masked. The
         * undefined/abort/FIQ handlers only report and exit, on their own
         * small stack set up when they run. */
        msr     cpsr_c, #(MODE_IRQ | PSR_I | PSR_F)
        ldr     sp, =__irq_stack_top
        msr     cpsr_c, #(MODE_SVC | PSR_I | PSR_F)
        ldr     sp, =__svc_stack_top

        /* Copy .data from its load address in flash to SRAM. */
        ldr     r0, =__data_load
        ldr     r1, =__data_start
        ldr     r2, =__data_end
1:      cmp     r1, r2
        ldrlo   r3, [r0], #4
        strlo   r3, [r1], #4
        blo     1b

        /* Zero .bss. */
        ldr     r1, =__bss_start
        ldr     r2, =__bss_end
        mov     r3, #0
2:      cmp     r1, r2
        strlo   r3, [r1], #4
        blo     2b

        /* main in System mode (privileged, the User bank), IRQ/FIQ still
         * masked: main unmasks IRQ once the VIC is programmed. */
        msr     cpsr_c, #(MODE_SYS | PSR_I | PSR_F)
        ldr     sp, =__sys_stack_top
        ldr     r12, =main
        mov     lr, pc
        bx      r12
        b       lpc_exit                /* exit code = main's return value */
        .size   reset_handler, . - reset_handler

/* lpc_exit(int code): never returns.
 * With LPC_SEMIHOSTING (the default): ARM semihosting SWI 0x123456, code 0
 * as SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit (0x20026), other
 * codes as SYS_EXIT_EXTENDED (0x20) with r1 -> {0x20026, code}. Where no
 * debugger or simulator catches it (a chip on its own) the SWI takes the
 * SWI vector, whose handler idles forever as below.
 * With LPC_SEMIHOSTING=0: mask IRQ/FIQ and idle forever: PCON.IDL stops the
 * CPU clock until an interrupt (UM10114 SCB, "Power control"), none of which
 * can arrive, so the core stays stopped. */
        .global lpc_exit
        .type   lpc_exit, %function
lpc_exit:
#if LPC_SEMIHOSTING
        cmp     r0, #0
        ldreq   r1, =0x20026
        moveq   r0, #0x18
        beq     1f
        ldr     r1, =exit_block
        str     r0, [r1, #4]
        mov     r0, #0x20
1:      swi     0x123456
#endif
        .global lpc_idle_forever
lpc_idle_forever:
        msr     cpsr_c, #(MODE_SYS | PSR_I | PSR_F)
        ldr     r0, =0xE01FC0C0         /* PCON */
        mov     r1, #1                  /* IDL */
2:      str     r1, [r0]
        b       2b
        .size   lpc_exit, . - lpc_exit

/* Unexpected exceptions: report on UART0 and exit with 0x80 + vector index
 * (r0 = index, r1 = the mode's lr, r2 = SPSR). A SWI that reaches its vector
 * is the semihosting exit on a chip without a debugger: idle, silently. */
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
fiq_handler:
        mov     r0, #7
        b       unexpected
swi_handler:
        b       lpc_idle_forever
unexpected:
        mov     r1, lr
        mrs     r2, spsr
        ldr     sp, =__exc_stack_top
        ldr     r12, =lpc_unexpected
        bx      r12                     /* C, does not return */

        .data
        .align  2
exit_block:
        .word   0x20026
        .word   0
