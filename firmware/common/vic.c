/* PL190 VIC set-up (ARM DDI0181) and CPSR helpers. */
#include "board.h"
#include "semihost.h"
#include "uart.h"
#include "vic.h"

static void vic_default_isr(void)
{
    puts0("*** spurious/non-vectored IRQ, VICIRQStatus=");
    put_hex(VICIRQStatus);
    putc0('\n');
    uart_flush(UART0_BASE);
    semihost_exit(0x90);
}

void vic_init(void)
{
    VICIntEnClear = 0xFFFFFFFFu;
    VICSoftIntClear = 0xFFFFFFFFu;
    VICIntSelect = 0;               /* all sources are IRQ, none FIQ */
    VICProtection = 0;
    for (unsigned i = 0; i < 16; i++) {
        VICVectCntlN(i) = 0;
        VICVectAddrN(i) = 0;
    }
    VICDefVectAddr = (uint32_t)(uintptr_t)vic_default_isr;
    /* Unstack any priority level left over from before reset. */
    for (unsigned i = 0; i < 16; i++)
        VICVectAddr = 0;
}

void vic_set_vector(unsigned slot, unsigned line, isr_t isr)
{
    VICVectAddrN(slot) = (uint32_t)(uintptr_t)isr;
    VICVectCntlN(slot) = VICVectCntl_E | (line & 0x1F);
    VICIntEnable = 1u << line;
}

void irq_enable(void)
{
    uint32_t t;
    __asm__ volatile("mrs %0, cpsr\n\tbic %0, %0, #0x80\n\tmsr cpsr_c, %0"
                     : "=r"(t) : : "memory");
}

void irq_disable(void)
{
    uint32_t t;
    __asm__ volatile("mrs %0, cpsr\n\torr %0, %0, #0x80\n\tmsr cpsr_c, %0"
                     : "=r"(t) : : "memory");
}
