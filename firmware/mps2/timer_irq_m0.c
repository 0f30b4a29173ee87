/* timer_irq_m0: timer_irq_m3.c for the Cortex-M0 on MPS2 AN383 (boards/mps2-an383.json; also the M0+ override), built
 * -mcpu=cortex-m0 (ARMv6-M): the same CMSDK timer 0 every 1 ms on NVIC line 8, five ticks printed on UART0. The M0's
 * DWT has no CYCCNT, so main waits for the last character with SysTick (CLKSOURCE = 1: the core clock, ARMv6-M
 * B3.3) instead of mps2.c's flush0, and exits through semihosting itself (main does not return). */
#include "mps2.h"

#define T0_BASE       0x40000000u
#define T0_CTRL       REG32(T0_BASE + 0x00)   /* bit 0 enable, bit 3 interrupt enable */
#define T0_RELOAD     REG32(T0_BASE + 0x08)
#define T0_VALUE      REG32(T0_BASE + 0x04)
#define T0_INTCLEAR   REG32(T0_BASE + 0x0C)
#define IRQ_TIMER0    8
#define TICKS         5

#define U0_STATE      REG32(0x40004004u)      /* bit 0 TXFULL */
#define SYST_CSR      REG32(0xE000E010u)
#define SYST_RVR      REG32(0xE000E014u)
#define SYST_CVR      REG32(0xE000E018u)
#define FRAME_CYCLES  (10u * 16u)             /* one character at mps2.c's BAUDDIV of 16 */

volatile uint32_t ticks;

void timer0_isr(void)
{
    T0_INTCLEAR = 1;
    ticks++;
}

int main(void)
{
    puts0("timer_irq_m0: CMSDK timer0 @0x40000000, NVIC line 8, period 1000 us\n");
    T0_RELOAD = 25000u - 1u;             /* 1 ms: the counter reloads after RELOAD + 1 cycles */
    T0_VALUE = 25000u - 1u;
    NVIC_ISER(0) = 1u << IRQ_TIMER0;
    T0_CTRL = 1u | 8u;

    uint32_t seen = 0;
    while (seen < TICKS) {
        __asm__ volatile("wfi");
        while (seen < ticks) {
            puts0("tick ");
            put_dec(++seen);
            putc0('\n');
        }
    }
    T0_CTRL = 0;
    puts0("timer_irq_m0 done: ");
    put_dec(seen);
    puts0(" ticks\n");

    while (U0_STATE & 1u) { }
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5u;                       /* ENABLE, CLKSOURCE = core clock, no interrupt */
    uint32_t t0 = SYST_CVR;
    while (((t0 - SYST_CVR) & 0x00FFFFFFu) < FRAME_CYCLES) { }
    register uint32_t r0 __asm__("r0") = 0x18;      /* SYS_EXIT */
    register uint32_t r1 __asm__("r1") = 0x20026u;  /* ADP_Stopped_ApplicationExit */
    __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;) { }
}

MPS2_VECTORS(IRQ_TIMER0, [16 + IRQ_TIMER0] = timer0_isr);
