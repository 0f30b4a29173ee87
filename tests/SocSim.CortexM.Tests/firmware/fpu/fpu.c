/* FPv4-SP firmware for mps2-an386 (Cortex-M4F), built by FpuFirmwareTests with
 * arm-none-eabi-gcc -mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16 and run on SocSim and on
 * qemu-system-arm -M mps2-an386: a float computation in Thread mode while timer 0 interrupts it, the handler
 * computing in floats too (so the lazily preserved FP state of the interrupted loop must come back intact),
 * then every result printed as hex on UART0; the end is a semihosting SYS_EXIT (BKPT 0xAB). */
#include "../common/mps2_uart.h"

#define TIMER0_CTRL REG(0x40000000)
#define TIMER0_VALUE REG(0x40000004)
#define TIMER0_RELOAD REG(0x40000008)
#define TIMER0_INTCLEAR REG(0x4000000C)
#define NVIC_ISER0 REG(0xE000E100)
#define CPACR REG(0xE000ED88)
#define FPCCR REG(0xE000EF34)
#define TICKS 20

static uint32_t bits(float f) { union { float f; uint32_t u; } x = { f }; return x.u; }

volatile uint32_t ticks, first_lspact = 0xFFFFFFFF, isr_exc_return, isr_control;
volatile float isr_acc = 1.0f;

/* The handler's FP work, apart so that no FP instruction comes before the handler's read of FPCCR. */
__attribute__((noinline)) static void isr_work(void)
{
    float x = isr_acc;
    x = x * 1.0001f + __builtin_sqrtf((float)ticks) / 3.0f;
    isr_acc = x;
}

void timer0_handler(void)
{
    uint32_t lr;
    __asm volatile ("mov %0, lr" : "=r"(lr));
    TIMER0_INTCLEAR = 1;
    uint32_t lspact = FPCCR & 1;      /* before this handler's first FP instruction: the preservation is pending */
    isr_work();
    if (ticks == 0) {
        first_lspact = lspact;
        isr_exc_return = lr;
        uint32_t c;
        __asm volatile ("mrs %0, control" : "=r"(c));
        isr_control = c;
    }
    if (++ticks == TICKS) TIMER0_CTRL = 0;
}

static uint32_t fpscr(void) { uint32_t v; __asm volatile ("vmrs %0, fpscr" : "=r"(v)); return v; }
static void set_fpscr(uint32_t v) { __asm volatile ("vmsr fpscr, %0" : : "r"(v)); }

int main(void)
{
    uart_init();
    puts_("fpu test\n");
    volatile float seed = 1.0f;
    float a = seed, b = 0.5f, c = 3.0f, d = 0.0f;    /* FP in use (CONTROL.FPCA) before the first interrupt */
    TIMER0_RELOAD = 20000;
    TIMER0_VALUE = 20000;
    TIMER0_CTRL = 1 | 8;
    NVIC_ISER0 = 1u << 8;

    int n = 0;
    for (int i = 0; i < 6000; i++) {
        a = a * 1.0000123f + b * 1e-4f;
        b = __builtin_fmaf(b, 0.999f, c * 1e-3f);
        c = c / 1.0001f + __builtin_sqrtf(a) * 1e-6f;
        d -= (float)i / (a + 7.0f);
        n += (int)(c * 1000.0f);
    }
    while (ticks < TICKS) { }
    uint32_t control;
    __asm volatile ("mrs %0, control" : "=r"(control));
    hex("a", bits(a));
    hex("b", bits(b));
    hex("c", bits(c));
    hex("d", bits(d));
    hex("n", (uint32_t)n);
    hex("isr", bits(isr_acc));
    hex("lspact", first_lspact);
    hex("excret", isr_exc_return);
    hex("isrctl", isr_control);
    hex("control", control);

    /* The rounding modes, flush-to-zero and the cumulative flags. */
    volatile float one = 1.0f, three = 3.0f, tiny = 1e-38f, big = 3e38f;
    for (uint32_t mode = 0; mode < 4; mode++) {
        set_fpscr(mode << 22);
        float q = one / three;
        float m = -one / three;
        hex("q", bits(q));
        hex("m", bits(m));
        hex("fpscr", fpscr());
    }
    set_fpscr(1u << 24);              /* FZ */
    float t = tiny * 0.5f;
    hex("ftz", bits(t));
    hex("fpscr", fpscr());
    set_fpscr(0);
    float o = big * 10.0f;
    hex("ovf", bits(o));
    hex("fpscr", fpscr());
    set_fpscr(0);
    volatile __fp16 h = (__fp16)(three / 7.0f);
    hex("half", *(volatile uint16_t *)&h);
    float back = h;
    hex("back", bits(back));
    volatile int k = -7;
    hex("cvt", bits((float)k / 2.0f));
    hex("trunc", (uint32_t)(int)(three * -2.5f));
    puts_("done\n");
    semihost_exit(1000);
}

void default_handler(void) { puts_("fault\n"); for (;;) { } }

extern uint32_t __stack_top;
void reset_handler(void)
{
    CPACR |= 0xFu << 20;              /* CP10 and CP11 full access */
    __asm volatile ("dsb\n isb");
    main();
}

__attribute__((section(".vectors"), used)) static void (*const vectors[32])(void) = {
    (void (*)(void))&__stack_top, reset_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, 0, 0, 0, 0, default_handler, default_handler, 0, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, timer0_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler,
};
