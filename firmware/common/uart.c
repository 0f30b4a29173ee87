/* Polled PL011 output (ARM DDI0183). */
#include "board.h"
#include "uart.h"

void uart_init(uint32_t base, uint32_t baud)
{
    /* DDI0183 3.3.8: disable the UART before reprogramming it, and wait
     * for the end of any character in progress. */
    UARTCR(base) = 0;
    while (UARTFR(base) & UARTFR_BUSY)
        ;
    /* Baud divisor = UARTCLK / (16 * baud) as 16.6 fixed point, rounded:
     * 24 MHz / (16 * 115200) = 13.0208 -> IBRD 13, FBRD 1. */
    uint32_t div64 = (4u * UARTCLK_HZ + baud / 2) / baud;  /* = 64 * divisor */
    UARTIBRD(base) = div64 >> 6;
    UARTFBRD(base) = div64 & 0x3F;
    /* The LCR_H write latches IBRD/FBRD (3.3.7): 8 data bits, no parity,
     * 1 stop bit, FIFOs enabled. */
    UARTLCR_H(base) = UARTLCR_H_WLEN8 | UARTLCR_H_FEN;
    UARTIMSC(base) = 0;
    UARTICR(base) = UARTINT_ALL;
    UARTCR(base) = UARTCR_UARTEN | UARTCR_TXE | UARTCR_RXE;
}

void uart_putc(uint32_t base, char c)
{
    while (UARTFR(base) & UARTFR_TXFF)
        ;
    UARTDR(base) = (uint8_t)c;
}

void uart_flush(uint32_t base)
{
    while (UARTFR(base) & UARTFR_BUSY)
        ;
}

void putc0(char c)
{
    uart_putc(UART0_BASE, c);
}

void puts0(const char *s)
{
    while (*s)
        uart_putc(UART0_BASE, *s++);
}

void put_dec(uint32_t v)
{
    char buf[11];
    int i = 0;
    do {
        buf[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i)
        putc0(buf[--i]);
}

void put_sdec(int32_t v)
{
    if (v < 0) {
        putc0('-');
        put_dec(0u - (uint32_t)v);
    } else {
        put_dec((uint32_t)v);
    }
}

void put_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    puts0("0x");
    for (int s = 28; s >= 0; s -= 4)
        putc0(digits[(v >> s) & 0xF]);
}
