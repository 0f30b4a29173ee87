/* Minimal startup for the semihosting test firmware: SVC mode (as after
 * reset), a stack below 1 MiB, call main, exit with its return value
 * through SYS_EXIT_EXTENDED. No vectors: every call is semihosting. */
        .syntax unified
        .arm
        .section .text.start, "ax"
        .global _start
_start:
        ldr     sp, =0x00100000
        bl      main
        /* SYS_EXIT_EXTENDED, r1 -> {ADP_Stopped_ApplicationExit, code} */
        ldr     r2, =0x20026
        push    {r0}
        push    {r2}
        mov     r1, sp
        mov     r0, #0x20
        svc     0x123456
1:      b       1b
