/* Polled UART0 (UM10114 "UART0") and the exception reporter. */
#include <stddef.h>
#include "lpc2106.h"
#include "lib.h"

uint32_t uart0_init(uint32_t pclk_hz, uint32_t baud)
{
    /* Pin connect block: hand P0.0/P0.1 to UART0, leave the other pins. */
    PINSEL0 = (PINSEL0 & ~(PINSEL0_FIELD(0) | PINSEL0_FIELD(1))) |
              PINSEL0_FUNC(0, PINSEL_TXD0) | PINSEL0_FUNC(1, PINSEL_RXD0);

    /* UART0 baud rate = PCLK / (16 * (256 * U0DLM + U0DLL)) (UM10114
     * "UART0", divisor latch registers), reached with U0LCR.DLAB = 1. */
    uint32_t div = (pclk_hz + 8u * baud) / (16u * baud);
    U0FCR = UFCR_FIFO_EN | UFCR_RX_RESET | UFCR_TX_RESET;
    U0LCR = ULCR_DLAB | ULCR_WLS_8;
    U0DLL = (uint8_t)div;
    U0DLM = (uint8_t)(div >> 8);
    U0LCR = ULCR_WLS_8;                 /* DLAB = 0, 8N1 */
    U0IER = 0;                          /* polled */
    return div;
}

void putc0(char c)
{
    while (!(U0LSR & ULSR_THRE))
        ;
    U0THR = (uint8_t)c;
}

void puts0(const char *s)
{
    while (*s)
        putc0(*s++);
}

void put_dec(uint32_t v)
{
    char buf[10];
    int i = 0;
    do {
        buf[i++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (i)
        putc0(buf[--i]);
}

void put_hex(uint32_t v)
{
    puts0("0x");
    for (int s = 28; s >= 0; s -= 4)
        putc0("0123456789abcdef"[(v >> s) & 0xFu]);
}

void uart0_flush(void)
{
    while (!(U0LSR & ULSR_TEMT))
        ;
}

/* Spurious or unassigned IRQ: VICDefVectAddr points here. An IRQ handler
 * in its own right (entered from `ldr pc, [pc, #-0xFF0]`). */
void __attribute__((interrupt("IRQ"))) lpc_default_isr(void)
{
    puts0("\n*** unexpected IRQ, VICIRQStatus=");
    put_hex(VICIRQStatus);
    putc0('\n');
    uart0_flush();
    lpc_exit(0x90);
}

static const char *const exception_names[8] = {
    "reset", "undefined instruction", "SWI", "prefetch abort",
    "data abort", "reserved", "IRQ", "FIQ",
};

/* From start.S with the exception mode's lr and SPSR; exits 0x80 + vector. */
void lpc_unexpected(uint32_t vector, uint32_t lr, uint32_t spsr) __attribute__((noreturn));
void lpc_unexpected(uint32_t vector, uint32_t lr, uint32_t spsr)
{
    puts0("\n*** unexpected ");
    puts0(exception_names[vector & 7u]);
    puts0(" exception, lr=");
    put_hex(lr);
    puts0(" spsr=");
    put_hex(spsr);
    putc0('\n');
    uart0_flush();
    lpc_exit((int)(0x80u + vector));
}

/* GCC may emit calls to these even in freestanding code. */
void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}
