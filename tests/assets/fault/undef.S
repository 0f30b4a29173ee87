/* A program that executes an undefined instruction at once. Linked at
 * 0x8000; run on a board with no memory at 0, the undefined-instruction
 * vector (0x04) cannot be fetched and SocSim must stop with a fault. */
        .syntax unified
        .arm
        .text
        .global _start
_start:
        mov     r0, #1
        .word   0xe7f000f0      /* permanently undefined (ARM ARM A3.16.5) */
        mov     r0, #2
1:      b       1b
