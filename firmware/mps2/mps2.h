/* Start, console and exit of the freestanding Cortex-M3 programs on MPS2 AN385 (the _m3.c programs of firmware/mps2): each
 * program defines main and its vector table (MPS2_VECTORS); mps2.c has the rest. */
#ifndef MPS2_H
#define MPS2_H
#include <stdint.h>

#define REG32(a)      (*(volatile uint32_t *)(a))

#define NVIC_ISER(n)  REG32(0xE000E100u + 4u * (n))
#define NVIC_ICER(n)  REG32(0xE000E180u + 4u * (n))

void putc0(char c);
void puts0(const char *s);
void put_hex2(uint32_t v);
void put_dec(uint32_t v);
/* Waits until UART0 has sent its last character (the CMSDK UART has no transmit-complete flag). */
void flush0(void);

void reset_handler(void) __attribute__((noreturn));
void fault_handler(void);      /* any exception the program does not handle: exit with an error */

/* ARMv7-M B1.5.3: SP, then exceptions 1-15, then external interrupts 0..LAST (exception 16 + n); HANDLERS are
 * designated initialisers such as [16 + 8] = timer0_isr. */
extern uint32_t __stack_top[];
/* The handlers named after the range default override it: intended (GCC's -Woverride-init, from -Wextra). */
#pragma GCC diagnostic ignored "-Woverride-init"
#define MPS2_VECTORS(LAST, ...) \
    __attribute__((section(".vectors"), used)) \
    static void (*const vectors[16 + (LAST) + 1])(void) = { \
        [0] = (void (*)(void))__stack_top, [1] = reset_handler, \
        [2 ... 16 + (LAST)] = fault_handler, __VA_ARGS__ }

#endif
