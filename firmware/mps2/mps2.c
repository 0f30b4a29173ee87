/* The shared part of the _m3.c programs of firmware/mps2 (mps2.h): the console on CMSDK APB UART0 (DDI 0479C 4.3) and the
 * start and exit through semihosting (BKPT 0xAB; run with --semihosting). */
#include "mps2.h"

#define U0_BASE       0x40004000u
#define U0_DATA       REG32(U0_BASE + 0x00)
#define U0_STATE      REG32(U0_BASE + 0x04)   /* bit 0 TXFULL */
#define U0_CTRL       REG32(U0_BASE + 0x08)   /* bit 0 TXEN */
#define U0_BAUDDIV    REG32(U0_BASE + 0x10)
#define U0_BAUDDIV_MIN 16u

#define DEMCR         REG32(0xE000EDFCu)
#define DWT_CTRL      REG32(0xE0001000u)
#define DWT_CYCCNT    REG32(0xE0001004u)

void putc0(char c)
{
    while (U0_STATE & 1u) { }
    U0_DATA = (uint8_t)c;
}

void puts0(const char *s)
{
    while (*s) putc0(*s++);
}

void put_hex2(uint32_t v)
{
    putc0("0123456789abcdef"[(v >> 4) & 15]);
    putc0("0123456789abcdef"[v & 15]);
}

void put_dec(uint32_t v)
{
    char b[10];
    int n = 0;
    do { b[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) putc0(b[--n]);
}

/* After TXFULL clears, the last character still takes a frame (10 bits of BAUDDIV cycles) to leave the shift
 * register; DWT CYCCNT times it. */
void flush0(void)
{
    while (U0_STATE & 1u) { }
    DEMCR |= 1u << 24;                   /* TRCENA */
    DWT_CTRL |= 1u;                      /* CYCCNTENA */
    uint32_t t0 = DWT_CYCCNT;
    while (DWT_CYCCNT - t0 < 10u * U0_BAUDDIV_MIN) { }
}

static void __attribute__((noreturn)) semihost_exit(uint32_t reason)
{
    register uint32_t r0 __asm__("r0") = 0x18;   /* SYS_EXIT (angel_SWIreason_ReportException) */
    register uint32_t r1 __asm__("r1") = reason;
    __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;) { }
}

void fault_handler(void)
{
    semihost_exit(0x20023);              /* ADP_Stopped_RunTimeErrorUnknown */
}

int main(void);
extern uint32_t __bss_start[], __bss_end[];

void reset_handler(void)
{
    for (uint32_t *p = __bss_start; p < __bss_end; p++) *p = 0;
    U0_BAUDDIV = U0_BAUDDIV_MIN;
    U0_CTRL = 1;
    int r = main();
    flush0();
    semihost_exit(r == 0 ? 0x20026u : 0x20023u);   /* ADP_Stopped_ApplicationExit, or an error */
}
