/*
 * TIM2 -> TIM3 chaining (RM0008 §15.3.19 "Using one timer as prescaler for another timer") and a
 * synchronous USART2 frame (§27.3.10), on the STM32F103 at SYSCLK 72 MHz (HSE 8 MHz x 9), APB1 36 MHz
 * (so TIMxCLK = 72 MHz, RCC's x2), APB2 72 MHz.
 * - TIM2: PSC 71, ARR 999, CR2.MMS = update: a TRGO pulse at each update event (every 1 ms); channel 1
 *   in PWM mode 1 with CCR1 250 on PA0.
 * - TIM3: external clock mode 1 on ITR1 (= TIM2's TRGO, RM0008 "TIMx internal trigger connection"),
 *   ARR 9: it counts TIM2's update events and overflows every 10; its update interrupt (IRQ 29) toggles
 *   PC13. After TOGGLES toggles TIM2 stops.
 * - USART2 in synchronous mode (CLKEN, LBCL; CPOL = CPHA = 0) sends 0xA5 on PA2 with its clock on PA4,
 *   BRR 72: 72 PCLK1 cycles a bit.
 * USART1 (115200 8N1 on PA9) prints what happened, then the core stops at a BKPT.
 */
#include <stdint.h>

#define REG(a) (*(volatile uint32_t *)(a))
#define RCC_CR      REG(0x40021000)
#define RCC_CFGR    REG(0x40021004)
#define RCC_APB2ENR REG(0x40021018)
#define RCC_APB1ENR REG(0x4002101C)
#define FLASH_ACR   REG(0x40022000)
#define GPIOA_CRL   REG(0x40010800)
#define GPIOA_CRH   REG(0x40010804)
#define GPIOC_CRH   REG(0x40011004)
#define GPIOC_ODR   REG(0x4001100C)
#define TIM2        0x40000000u
#define TIM3        0x40000400u
#define TIM_CR1(t)   REG((t) + 0x00)
#define TIM_CR2(t)   REG((t) + 0x04)
#define TIM_SMCR(t)  REG((t) + 0x08)
#define TIM_DIER(t)  REG((t) + 0x0C)
#define TIM_SR(t)    REG((t) + 0x10)
#define TIM_EGR(t)   REG((t) + 0x14)
#define TIM_CCMR1(t) REG((t) + 0x18)
#define TIM_CCER(t)  REG((t) + 0x20)
#define TIM_CNT(t)   REG((t) + 0x24)
#define TIM_PSC(t)   REG((t) + 0x28)
#define TIM_ARR(t)   REG((t) + 0x2C)
#define TIM_CCR1(t)  REG((t) + 0x34)
#define USART1      0x40013800u
#define USART2      0x40004400u
#define USART_SR(u)  REG((u) + 0x00)
#define USART_DR(u)  REG((u) + 0x04)
#define USART_BRR(u) REG((u) + 0x08)
#define USART_CR1(u) REG((u) + 0x0C)
#define USART_CR2(u) REG((u) + 0x10)
#define NVIC_ISER0  REG(0xE000E100)

#define TOGGLES 6

volatile uint32_t toggles;

void tim3_isr(void)
{
    TIM_SR(TIM3) = 0;                                  /* UIF */
    GPIOC_ODR ^= 1u << 13;
    if (++toggles == TOGGLES) TIM_CR1(TIM2) = 0;
}

static void putc1(char c)
{
    while (!(USART_SR(USART1) & (1u << 7))) { }        /* TXE */
    USART_DR(USART1) = (uint8_t)c;
}

static void puts1(const char *s) { while (*s) putc1(*s++); }

static void putu(uint32_t v)
{
    char b[11];
    int i = 0;
    do { b[i++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (i) putc1(b[--i]);
}

int main(void)
{
    RCC_CR |= 1u << 16;                                /* HSEON */
    while (!(RCC_CR & (1u << 17))) { }
    FLASH_ACR = 2u | (1u << 4);                        /* LATENCY 2 for 72 MHz, prefetch on */
    RCC_CFGR = (7u << 18) | (1u << 16) | (4u << 8);    /* PLL = HSE x 9, APB1 = HCLK / 2 */
    RCC_CR |= 1u << 24;                                /* PLLON */
    while (!(RCC_CR & (1u << 25))) { }
    RCC_CFGR |= 2u;                                    /* SW = PLL */
    while (((RCC_CFGR >> 2) & 3u) != 2u) { }
    RCC_APB2ENR |= (1u << 14) | (1u << 4) | (1u << 2); /* USART1EN, IOPCEN, IOPAEN */
    RCC_APB1ENR |= (1u << 17) | (1u << 1) | 1u;        /* USART2EN, TIM3EN, TIM2EN */

    GPIOA_CRH = (GPIOA_CRH & ~(15u << 4)) | (0xBu << 4);          /* PA9 USART1_TX: AF push-pull */
    GPIOA_CRL = (GPIOA_CRL & ~((15u << 0) | (15u << 8) | (15u << 16)))
              | (0xBu << 0) | (0xBu << 8) | (0xBu << 16);        /* PA0 TIM2_CH1, PA2 USART2_TX, PA4 USART2_CK */
    GPIOC_CRH = (GPIOC_CRH & ~(15u << 20)) | (0x2u << 20);        /* PC13: output push-pull, 2 MHz */
    USART_BRR(USART1) = 625;                           /* 72 MHz / 115200 */
    USART_CR1(USART1) = (1u << 13) | (1u << 3);        /* UE, TE */
    puts1("timer_chain\r\n");

    TIM_PSC(TIM2) = 71;
    TIM_ARR(TIM2) = 999;
    TIM_CCR1(TIM2) = 250;
    TIM_CCMR1(TIM2) = 6u << 4;                         /* OC1M = PWM mode 1 */
    TIM_CCER(TIM2) = 1u;                               /* CC1E */
    TIM_CR2(TIM2) = 2u << 4;                           /* MMS = update */
    TIM_EGR(TIM2) = 1u;                                /* UG: PSC now (TIM3 is not yet counting) */

    TIM_ARR(TIM3) = 9;
    TIM_SMCR(TIM3) = (1u << 4) | 7u;                   /* TS = ITR1 (TIM2), SMS = external clock mode 1 */
    TIM_EGR(TIM3) = 1u;
    TIM_SR(TIM3) = 0;
    TIM_DIER(TIM3) = 1u;                               /* UIE */
    NVIC_ISER0 = 1u << 29;                             /* TIM3 */
    TIM_CR1(TIM3) = 1u;
    TIM_CR1(TIM2) = 1u;
    while (toggles < TOGGLES) __asm volatile ("wfi");

    puts1("tim3 updates "); putu(toggles);
    puts1(" tim3 cnt "); putu(TIM_CNT(TIM3));
    puts1(" tim2 cnt "); putu(TIM_CNT(TIM2)); puts1("\r\n");

    USART_BRR(USART2) = 72;                            /* 72 PCLK1 cycles a bit */
    USART_CR2(USART2) = (1u << 11) | (1u << 8);        /* CLKEN, LBCL */
    USART_CR1(USART2) = (1u << 13) | (1u << 3);        /* UE, TE: an idle frame first */
    USART_DR(USART2) = 0xA5;
    while (!(USART_SR(USART2) & (1u << 6))) { }        /* TC */
    puts1("sync sent\r\n");
    while (!(USART_SR(USART1) & (1u << 6))) { }
    __asm volatile ("bkpt 0");
    for (;;) { }
}

extern uint32_t _data, _edata, _data_load, _bss, _ebss, _stack_top;

void reset_handler(void)
{
    for (uint32_t *s = &_data_load, *d = &_data; d < &_edata; ) *d++ = *s++;
    for (uint32_t *d = &_bss; d < &_ebss; ) *d++ = 0;
    main();
}

/* The vector table up to TIM3 (IRQ 29 = exception 45). */
__attribute__((section(".vectors"), used))
static void *const vectors[16 + 30] = { &_stack_top, reset_handler, [16 + 29] = tim3_isr };
