/* lpc2106_pwm: the PWM (UM10275 chapter 15) on three pins, with its
 * interrupt and a duty change through the shadow latches.
 *
 * Reset clocks: CCLK = FOSC = 14.7456 MHz, PCLK = CCLK / 4 = 3.6864 MHz.
 * PWMPR = 0, PWMMR0 = 384: the PWM rate is PCLK / 384 = 9600 Hz (PWM mode
 * counts 1..MR0, Table 166).
 * - PWM2 on P0.7 (PINSEL0 10), single edge: high for MR2 = 96 counts (25 %).
 * - PWM4 on P0.8 (PINSEL0 10), double edge (PWMSEL4): set by MR3 = 128,
 *   reset by MR4 = 320 (Table 162).
 * - PWM5 on P0.21 (PINSEL1 01), single edge, MR5 = 192 (50 %).
 * Match 0 interrupts on VIC channel 8; after the 4th cycle the ISR writes
 * MR2 = 288 and PWMLER bit 2: 75 % from the next Match 0 (§15.5.9). After
 * 8 cycles main stops the counter and exits 0. */
#include "periph.h"
#include "lib.h"

#define PCLK_HZ   (FOSC_HZ / 4u)
#define RATE      384u
#define DUTY2_A   96u
#define DUTY2_B   288u

/* Read by the test (arm-none-eabi-nm): the MR2 of the first cycles. */
volatile uint32_t pwm_mr2_first = DUTY2_A;
volatile uint32_t pwm_cycles;

static void __attribute__((interrupt("IRQ"))) pwm_isr(void)
{
    PWMIR = PWMIR_MR0;                      /* write 1 to clear (Table 165) */
    uint32_t n = ++pwm_cycles;
    if (n == 4) {
        PWMMR2 = DUTY2_B;                   /* held in the shadow register */
        PWMLER = PWMLER_EN(2);              /* released at the next Match 0 */
    }
    VICVectAddr = 0;
}

int main(void)
{
    MEMMAP = MEMMAP_FLASH;
    uart0_init(PCLK_HZ, 115200u);
    puts0("lpc2106_pwm: PCLK=");
    put_dec(PCLK_HZ);
    puts0(" Hz, rate ");
    put_dec(PCLK_HZ / RATE);
    puts0(" Hz\n");

    /* P0.7 = PWM2 and P0.8 = PWM4 (PINSEL0 10), P0.21 = PWM5 (PINSEL1 01). */
    PINSEL0 = (PINSEL0 & ~(PINSEL0_FIELD(7) | PINSEL0_FIELD(8))) | PINSEL0_FUNC(7, 2) | PINSEL0_FUNC(8, 2);
    PINSEL1 = (PINSEL1 & ~(3u << 10)) | (1u << 10);

    /* MR0 first, in timer mode, where a write reaches the match register
     * (Table 166: the rate must be set before PWM mode is enabled). */
    PWMTCR = PWMTCR_RESET;
    PWMPR = 0;
    PWMMR0 = RATE;
    PWMMR2 = pwm_mr2_first;
    PWMMR3 = 128u;
    PWMMR4 = 320u;
    PWMMR5 = 192u;
    PWMMCR = PWMMCR_MR0I | PWMMCR_MR0R;
    PWMPCR = PWMPCR_SEL(4) | PWMPCR_ENA(2) | PWMPCR_ENA(4) | PWMPCR_ENA(5);
    PWMLER = PWMLER_EN(0) | PWMLER_EN(2) | PWMLER_EN(3) | PWMLER_EN(4) | PWMLER_EN(5);

    VICIntSelect &= ~(1u << VIC_PWM);
    VICDefVectAddr = (uint32_t)lpc_default_isr;
    VICVectAddrN(0) = (uint32_t)pwm_isr;
    VICVectCntlN(0) = VICVectCntl_ENABLE | VIC_PWM;
    VICIntEnable = 1u << VIC_PWM;
    irq_enable();

    PWMTCR = PWMTCR_CE | PWMTCR_PWMEN;
    while (pwm_cycles < 8u)
        ;
    PWMTCR = 0;
    VICIntEnClear = 1u << VIC_PWM;

    puts0("pwm: MR0=");
    put_dec(PWMMR0);
    puts0(" MR2=");
    put_dec(PWMMR2);
    puts0(" MR3=");
    put_dec(PWMMR3);
    puts0(" MR4=");
    put_dec(PWMMR4);
    puts0(" MR5=");
    put_dec(PWMMR5);
    puts0(" PCR=");
    put_hex(PWMPCR);
    puts0("\npwm done: ");
    put_dec(pwm_cycles);
    puts0(" cycles\n");
    uart0_flush();
    return 0;
}
