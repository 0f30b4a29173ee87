/* irq_bench: an interrupt-heavy benchmark. SP804 timer 1 of the 0x101E2000
 * block interrupts every PERIOD_US microseconds (TIMCLK 1 MHz) through VIC
 * line 4, vectored slot 0; the ISR clears the timer, samples the free-running
 * timer of the 0x101E3000 block into a ring buffer and folds the tick number
 * into a checksum. Meanwhile main computes: a table-driven CRC-32, a shell
 * sort, 64-bit fixed-point products (long multiplies) and, every round, a
 * critical section (IRQ masked through CPSR) that drains the ring buffer.
 *
 * What is printed depends only on the computation, never on how many
 * interrupts arrived (that depends on timing). The exit code says whether the
 * interrupts seen are consistent: every IRQ entry was a timer tick, the ISR's
 * checksum matches the tick count, the count is not more than the elapsed
 * time allows, at least one arrived and every critical section ran. It does
 * not demand one tick per period: QEMU's SP804 (a host-timer ptimer) delivers
 * only a few dozen interrupts at this rate. SocSim delivers every one; the
 * ticks missing from elapsed / PERIOD_US are left in ticks_lost for a test.
 * SCALE sets the rounds (SCALE=80: irq_bench, about 58 M instructions). */
#include "board.h"
#include "uart.h"
#include "vic.h"

#ifndef SCALE
#define SCALE 1
#endif
#define PERIOD_US   10u
#define RING        64u
#define FREE_TIMER  TIMER23_BASE

static volatile uint32_t ticks, isr_sum, ring_head;
volatile uint32_t ticks_lost;   /* elapsed / PERIOD_US - ticks, read by SocSim's tests */
static volatile uint32_t ring[RING];

static uint32_t isr_step(uint32_t sum, uint32_t t)
{
    return (sum ^ t) * 0x9E3779B1u + (sum >> 7);
}

static void timer_isr(void)
{
    if (TIMER_MIS(TIMER01_BASE) & 1u) {
        TIMER_INTCLR(TIMER01_BASE) = 1;         /* any write clears (DDI0271 3.2.4) */
        uint32_t t = ticks + 1;
        ring[t & (RING - 1)] = TIMER_VALUE(FREE_TIMER);
        isr_sum = isr_step(isr_sum, t);
        ring_head = t;
        ticks = t;
    }
}

static uint32_t irq_save(void)
{
    uint32_t old, t;
    __asm__ volatile("mrs %0, cpsr\n\torr %1, %0, #0x80\n\tmsr cpsr_c, %1"
                     : "=r"(old), "=r"(t) : : "memory");
    return old;
}

static void irq_restore(uint32_t old)
{
    __asm__ volatile("msr cpsr_c, %0" : : "r"(old) : "memory");
}

static uint32_t lcg_state;

static uint32_t lcg(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state;
}

/* ---- CRC-32 (IEEE 802.3, reflected), table-driven ---- */
#define CRC_LEN 4096
static uint32_t crc_table[256];
static uint8_t crc_buf[CRC_LEN];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        crc_table[i] = c;
    }
}

static uint32_t kernel_crc(uint32_t round)
{
    lcg_state = 0xC0FFEEu + round;
    for (uint32_t i = 0; i < CRC_LEN; i++)
        crc_buf[i] = (uint8_t)(lcg() >> 24);
    uint32_t crc = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < CRC_LEN; i++)
        crc = crc_table[(crc ^ crc_buf[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

/* ---- shell sort ---- */
#define SORT_N 2048
static int32_t sort_data[SORT_N];

static uint32_t kernel_sort(uint32_t round)
{
    lcg_state = 0xBADC0DEu ^ round;
    for (int i = 0; i < SORT_N; i++)
        sort_data[i] = (int32_t)lcg();
    static const int gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
    for (unsigned g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        int gap = gaps[g];
        for (int i = gap; i < SORT_N; i++) {
            int32_t v = sort_data[i];
            int j = i;
            while (j >= gap && sort_data[j - gap] > v) {
                sort_data[j] = sort_data[j - gap];
                j -= gap;
            }
            sort_data[j] = v;
        }
    }
    uint32_t h = 0;
    int sorted = 1;
    for (int i = 0; i < SORT_N; i++) {
        if (i && sort_data[i - 1] > sort_data[i])
            sorted = 0;
        h = h * 31u + (uint32_t)sort_data[i];
    }
    return sorted ? h : ~0u;
}

/* ---- 64-bit products: Q16.16 fixed-point and unsigned 32x32->64 ---- */
static uint32_t kernel_mul64(uint32_t round)
{
    lcg_state = 0x5EEDu + round;
    int32_t x = 0x00010000;                    /* 1.0 in Q16.16 */
    uint64_t acc = 0;
    for (int i = 0; i < 4096; i++) {
        int32_t a = (int32_t)lcg() >> 12;
        x = (int32_t)(((int64_t)x * (0x00010000 + (a >> 4))) >> 16);   /* SMULL */
        if (x == 0)
            x = 0x00010000;
        uint32_t b = lcg();
        acc += (uint64_t)b * (uint32_t)x;       /* UMLAL */
    }
    return (uint32_t)acc ^ (uint32_t)(acc >> 32) ^ (uint32_t)x;
}

/* The critical section firmware typically runs: the ring buffer's samples
 * read with IRQ masked. Their values depend on timing; only how many were
 * drained is kept (it is not printed either). */
static uint32_t drained;

static void drain_ring(void)
{
    uint32_t old = irq_save();
    uint32_t head = ring_head, sum = 0;
    for (uint32_t i = 0; i < 8; i++)
        sum += ring[(head - i) & (RING - 1)];
    drained += (sum != 0xFFFFFFFFu) ? 1u : 0u;
    irq_restore(old);
}

int main(void)
{
    uart_init(UART0_BASE, 115200);
    puts0("irq_bench: SP804 @0x101E2000 every 10 us, VIC line 4; SCALE=");
    put_dec(SCALE);
    putc0('\n');
    crc_init();

    vic_init();
    TIMER_CONTROL(FREE_TIMER) = 0;
    TIMER_LOAD(FREE_TIMER) = 0xFFFFFFFFu;
    TIMER_CONTROL(TIMER01_BASE) = 0;        /* stop while programming */
    TIMER_INTCLR(TIMER01_BASE) = 1;
    /* Periodic mode reloads from TimerXLoad: PERIOD TIMCLK cycles between interrupts. */
    TIMER_LOAD(TIMER01_BASE) = PERIOD_US * (TIMCLK_HZ / 1000000u) - 1;
    vic_set_vector(0, IRQ_TIMER01, timer_isr);
    TIMER_CONTROL(FREE_TIMER) = TimerControl_TimerEn | TimerControl_TimerSize;
    TIMER_CONTROL(TIMER01_BASE) = TimerControl_TimerEn | TimerControl_Periodic |
                                  TimerControl_IntEnable | TimerControl_TimerSize |
                                  TimerControl_Prescale1;
    uint32_t t0 = TIMER_VALUE(FREE_TIMER);
    irq_enable();

    uint32_t crc = 0, sort = 0, mul = 0;
    for (uint32_t r = 0; r < SCALE; r++) {
        crc = (crc << 7 | crc >> 25) ^ kernel_crc(r);
        drain_ring();
        sort = (sort << 7 | sort >> 25) ^ kernel_sort(r);
        drain_ring();
        mul = (mul << 7 | mul >> 25) ^ kernel_mul64(r);
        drain_ring();
    }

    irq_disable();
    TIMER_CONTROL(TIMER01_BASE) = 0;
    uint32_t elapsed = t0 - TIMER_VALUE(FREE_TIMER);
    VICIntEnClear = 1u << IRQ_TIMER01;

    puts0("crc32  checksum ");
    put_hex(crc);
    puts0("\nsort   checksum ");
    put_hex(sort);
    puts0("\nmul64  checksum ");
    put_hex(mul);
    putc0('\n');

    uint32_t n = ticks, sum = 0;
    for (uint32_t t = 1; t <= n; t++)
        sum = isr_step(sum, t);
    ticks_lost = elapsed / PERIOD_US - n;
    int ok = n == irq_vector_count && sum == isr_sum && n <= elapsed / PERIOD_US + 1 &&
             n >= 1 && drained == 3u * SCALE;
    puts0(ok ? "irq_bench done: interrupts consistent\n" : "irq_bench done: interrupts NOT consistent\n");
    uart_flush(UART0_BASE);
    return ok ? 0 : 1;
}
