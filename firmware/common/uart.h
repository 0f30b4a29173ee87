#ifndef UART_H
#define UART_H

#include <stdint.h>

void uart_init(uint32_t base, uint32_t baud);
void uart_putc(uint32_t base, char c);
void uart_flush(uint32_t base);

/* Convenience output on UART0 (bytes are sent as given, no \n -> \r\n). */
void putc0(char c);
void puts0(const char *s);
void put_dec(uint32_t v);
void put_sdec(int32_t v);
void put_hex(uint32_t v);    /* always 8 digits, with 0x prefix */

#endif
