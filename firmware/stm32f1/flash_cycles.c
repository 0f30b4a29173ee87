/*
 * The STM32F103's flash cycle table (RM0008 §3.3.3), measured by the chip itself with DWT CYCCNT:
 * the loop of loops.S run from flash at FLASH_ACR.LATENCY 0, 1 and 2, each with the prefetch buffer
 * off and on, at the highest SYSCLK each latency allows (24, 48, 72 MHz: HSE 8 MHz x 3, 6, 9), and
 * the same loop copied to SRAM at 72 MHz. Each configuration is timed for 1 and for 101 iterations;
 * the table is printed on USART1 (115200 8N1, PA9) at 72 MHz, then the core stops at a BKPT.
 */
#include <stdint.h>

#define REG(a) (*(volatile uint32_t *)(a))
#define RCC_CR      REG(0x40021000)
#define RCC_CFGR    REG(0x40021004)
#define RCC_APB2ENR REG(0x40021018)
#define FLASH_ACR   REG(0x40022000)
#define GPIOA_CRH   REG(0x40010804)
#define USART1_SR   REG(0x40013800)
#define USART1_DR   REG(0x40013804)
#define USART1_BRR  REG(0x40013808)
#define USART1_CR1  REG(0x4001380C)
#define DEMCR       REG(0xE000EDFC)
#define DWT_CTRL    REG(0xE0001000)
#define DWT_CYCCNT  (&REG(0xE0001004))

uint32_t flash_loop(uint32_t n, volatile uint32_t *cyccnt);
uint32_t sram_loop(uint32_t n, volatile uint32_t *cyccnt);

/* SYSCLK = HSE x mul (PLL), or the HSI when mul is 0; FLASH_ACR is written while SYSCLK is the
 * 8 MHz HSI, where RM0008 §3.3.3 allows switching the prefetch buffer. APB1 = HCLK / 2 (<= 36 MHz). */
static void clock(uint32_t mul, uint32_t acr)
{
    RCC_CFGR &= ~3u;                                   /* SW = HSI */
    while (RCC_CFGR & (3u << 2)) { }
    FLASH_ACR = acr;
    RCC_CR &= ~(1u << 24);                             /* PLLON = 0 */
    while (RCC_CR & (1u << 25)) { }
    RCC_CFGR = (RCC_CFGR & ~((15u << 18) | (7u << 8))) | ((mul - 2) << 18) | (1u << 16) | (4u << 8);
    RCC_CR |= 1u << 24;
    while (!(RCC_CR & (1u << 25))) { }
    RCC_CFGR = (RCC_CFGR & ~3u) | 2u;                  /* SW = PLL */
    while (((RCC_CFGR >> 2) & 3u) != 2u) { }
}

static void putc1(char c)
{
    while (!(USART1_SR & (1u << 7))) { }               /* TXE */
    USART1_DR = (uint8_t)c;
}

static void puts1(const char *s) { while (*s) putc1(*s++); }

static void putu(uint32_t v)
{
    char b[11];
    int i = 0;
    do { b[i++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (i) putc1(b[--i]);
}

struct row { const char *where; uint32_t mul, latency, prefetch, t1, t101; };

static struct row rows[] = {
    { "flash", 3, 0, 0, 0, 0 }, { "flash", 3, 0, 1, 0, 0 },
    { "flash", 6, 1, 0, 0, 0 }, { "flash", 6, 1, 1, 0, 0 },
    { "flash", 9, 2, 0, 0, 0 }, { "flash", 9, 2, 1, 0, 0 },
    { "sram",  9, 2, 1, 0, 0 },
};

int main(void)
{
    RCC_CR |= 1u << 16;                                /* HSEON */
    while (!(RCC_CR & (1u << 17))) { }
    DEMCR |= 1u << 24;                                 /* TRCENA */
    DWT_CTRL |= 1u;                                    /* CYCCNTENA */
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++)
    {
        struct row *r = &rows[i];
        clock(r->mul, r->latency | (r->prefetch << 4));
        uint32_t (*loop)(uint32_t, volatile uint32_t *) = r->where[0] == 'f' ? flash_loop : sram_loop;
        r->t1 = loop(1, DWT_CYCCNT);
        r->t101 = loop(101, DWT_CYCCNT);
    }
    clock(9, 2 | (1u << 4));
    RCC_APB2ENR |= (1u << 14) | (1u << 2);             /* USART1EN, IOPAEN */
    GPIOA_CRH = (GPIOA_CRH & ~(15u << 4)) | (0xBu << 4); /* PA9: alternate push-pull, 50 MHz */
    USART1_BRR = 625;                                  /* 72 MHz / 115200 */
    USART1_CR1 = (1u << 13) | (1u << 3);               /* UE, TE */
    puts1("where LATENCY PRFTBE SYSCLK_MHz t1 t101\r\n");
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++)
    {
        struct row *r = &rows[i];
        puts1(r->where); putc1(' '); putu(r->latency); putc1(' '); putu(r->prefetch); putc1(' ');
        putu(8 * r->mul); putc1(' '); putu(r->t1); putc1(' '); putu(r->t101); puts1("\r\n");
    }
    while (!(USART1_SR & (1u << 6))) { }               /* TC: the last byte is on the wire */
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

__attribute__((section(".vectors"), used))
static void *const vectors[2] = { &_stack_top, reset_handler };
