/* Small runtime shared by the LPC2106 programs: polled UART0 output,
 * IRQ masking, exit, and the unexpected-exception reporter. */
#ifndef LPC2106_LIB_H
#define LPC2106_LIB_H

#include <stdint.h>

/* PINSEL0 P0.0 = TxD0, P0.1 = RxD0; 8 data bits, no parity, 1 stop bit,
 * FIFOs on; divisor = PCLK / (16 * baud), rounded. Returns the divisor. */
uint32_t uart0_init(uint32_t pclk_hz, uint32_t baud);
void putc0(char c);                 /* waits for U0LSR.THRE; '\n' is sent as is */
void puts0(const char *s);
void put_dec(uint32_t v);
void put_hex(uint32_t v);           /* 0x + 8 digits */
void uart0_flush(void);             /* waits for U0LSR.TEMT: the last stop bit is out */

static inline void irq_enable(void)
{
    uint32_t psr;
    __asm__ volatile("mrs %0, cpsr\n\tbic %0, %0, #0x80\n\tmsr cpsr_c, %0" : "=r"(psr) :: "memory");
}

static inline void irq_disable(void)
{
    uint32_t psr;
    __asm__ volatile("mrs %0, cpsr\n\torr %0, %0, #0x80\n\tmsr cpsr_c, %0" : "=r"(psr) :: "memory");
}

/* start.S: semihosting exit (SYS_EXIT / SYS_EXIT_EXTENDED), or, built with
 * LPC_SEMIHOSTING=0 or on a chip without a debugger, idle forever. */
void lpc_exit(int code) __attribute__((noreturn));

/* VICDefVectAddr target: reports a non-vectored IRQ, exits with 0x90. */
void lpc_default_isr(void) __attribute__((interrupt("IRQ")));

#endif
