/* timer_irq_m3: the Cortex-M3 twin of firmware/src/timer_irq.c on MPS2 AN385 (boards/mps2-an385.json): CMSDK
 * APB timer 0 (DDI 0479C 4.4) at 0x40000000 reloads every 1 ms of the 25 MHz PCLK and interrupts on NVIC line 8;
 * its handler (timer0_isr) counts ticks; main prints each of five ticks on UART0 and exits through semihosting.
 * The firmware-test template's Cortex-M case (templates/content/socsim-firmware-test) runs it. */
#include "mps2.h"

#define T0_BASE       0x40000000u
#define T0_CTRL       REG32(T0_BASE + 0x00)   /* bit 0 enable, bit 3 interrupt enable */
#define T0_RELOAD     REG32(T0_BASE + 0x08)
#define T0_VALUE      REG32(T0_BASE + 0x04)
#define T0_INTCLEAR   REG32(T0_BASE + 0x0C)
#define IRQ_TIMER0    8
#define TICKS         5

volatile uint32_t ticks;

void timer0_isr(void)
{
    T0_INTCLEAR = 1;
    ticks++;
}

int main(void)
{
    puts0("timer_irq_m3: CMSDK timer0 @0x40000000, NVIC line 8, period 1000 us\n");
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
    puts0("timer_irq_m3 done: ");
    put_dec(seen);
    puts0(" ticks\n");
    return 0;
}

MPS2_VECTORS(IRQ_TIMER0, [16 + IRQ_TIMER0] = timer0_isr);
