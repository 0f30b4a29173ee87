/* Minimal freestanding runtime: exception reporting and the few libc
 * routines GCC may emit calls to. */
#include <stddef.h>
#include <stdint.h>
#include "board.h"
#include "semihost.h"
#include "uart.h"

static const char *const exception_names[8] = {
    "reset", "undefined instruction", "SWI", "prefetch abort",
    "data abort", "reserved", "IRQ", "FIQ",
};

/* Called from start.S with the exception mode's lr and SPSR. Uses polled
 * UART0 directly, so it works whatever state the program left it in. */
void unexpected_exception(uint32_t vector, uint32_t lr, uint32_t spsr)
    __attribute__((noreturn));
void unexpected_exception(uint32_t vector, uint32_t lr, uint32_t spsr)
{
    UARTCR(UART0_BASE) |= UARTCR_UARTEN | UARTCR_TXE;
    puts0("\n*** unexpected ");
    puts0(exception_names[vector & 7]);
    puts0(" exception, lr=");
    put_hex(lr);
    puts0(" spsr=");
    put_hex(spsr);
    putc0('\n');
    uart_flush(UART0_BASE);
    if (vector == 2) {
        /* A SWI reached the vector, so semihosting is not available and
         * cannot be used to exit either. */
        for (;;)
            ;
    }
    semihost_exit((int)(0x80 + vector));
}

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
