/* timer_irq: SP804 timer 1 of the 0x101E2000 block, periodic 1 ms at
 * TIMCLK 1 MHz, interrupting through VIC line 4 on vectored slot 0.
 * The ISR clears the timer interrupt and counts ticks; main prints one
 * line per tick. Output depends only on the tick count, not on time. */
#include "board.h"
#include "uart.h"
#include "vic.h"

#define TICKS       5
#define PERIOD_US   1000u

static volatile uint32_t ticks;

static void timer0_isr(void)
{
    if (TIMER_MIS(TIMER01_BASE) & 1u) {
        TIMER_INTCLR(TIMER01_BASE) = 1;     /* any write clears (DDI0271 3.2.4) */
        ticks++;
    }
}

int main(void)
{
    uart_init(UART0_BASE, 115200);
    puts0("timer_irq: SP804 @0x101E2000, VIC line 4, period 1000 us\n");

    vic_init();
    TIMER_CONTROL(TIMER01_BASE) = 0;        /* stop while programming */
    TIMER_INTCLR(TIMER01_BASE) = 1;
    /* Periodic mode reloads from TimerXLoad: count PERIOD-1 .. 0 gives
     * exactly PERIOD TIMCLK cycles between interrupts. */
    TIMER_LOAD(TIMER01_BASE) = PERIOD_US * (TIMCLK_HZ / 1000000u) - 1;
    vic_set_vector(0, IRQ_TIMER01, timer0_isr);
    TIMER_CONTROL(TIMER01_BASE) = TimerControl_TimerEn | TimerControl_Periodic |
                                  TimerControl_IntEnable | TimerControl_TimerSize |
                                  TimerControl_Prescale1;
    irq_enable();

    uint32_t seen = 0;
    while (seen < TICKS) {
        uint32_t now = ticks;
        /* Report every tick even if two arrive while we print. */
        while (seen < now && seen < TICKS) {
            seen++;
            puts0("tick ");
            put_dec(seen);
            putc0('\n');
        }
    }

    TIMER_CONTROL(TIMER01_BASE) = 0;
    irq_disable();
    VICIntEnClear = 1u << IRQ_TIMER01;
    puts0("timer_irq done: ");
    put_dec(TICKS);
    puts0(" ticks, IRQ vector entries >= ");
    put_dec(TICKS);
    puts0(irq_vector_count >= TICKS ? ": yes\n" : ": NO\n");
    uart_flush(UART0_BASE);
    return irq_vector_count >= TICKS ? 0 : 1;
}
