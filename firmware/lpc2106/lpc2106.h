/* NXP LPC2104/2105/2106 registers used by the SocSim LPC2106 firmware.
 * Names, addresses and bits as in the "LPC2104/2105/2106 User Manual"
 * (UM10114). Comments name the manual's chapters and register tables
 * ("SCB" = chapter "System control block"); chapter numbers differ between
 * the 2003 Philips edition and UM10114, so they are not given.
 * All registers are read and written as 32-bit words except the UART's,
 * which are 8 bits wide at word-aligned offsets. */
#ifndef LPC2106_H
#define LPC2106_H

#include <stdint.h>

#define REG32(a) (*(volatile uint32_t *)(a))
#define REG8(a)  (*(volatile uint8_t *)(a))

/* Memory map (UM10114 "Memory addressing", figure "System memory map"):
 * 128 KiB flash at 0 (the top 8 KiB is the boot block), 64 KiB SRAM on the
 * local bus. */
#define FLASH_BASE  0x00000000u
#define FLASH_SIZE  0x00020000u
#define SRAM_BASE   0x40000000u
#define SRAM_SIZE   0x00010000u

/* Board clock: the crystal of the Olimex LPC-P2106, and of boards/lpc2106.json. */
#define FOSC_HZ     14745600u

/* ---- System control block, 0xE01FC000 (UM10114 "System control block",
 * table "Summary of system control registers") ---- */
#define SCB_BASE    0xE01FC000u
#define MAMCR       REG32(SCB_BASE + 0x000)  /* MAM: 0 off, 1 partial, 2 full */
#define MAMTIM      REG32(SCB_BASE + 0x004)  /* MAM: flash fetch time, 1..7 CCLK */
#define MEMMAP      REG32(SCB_BASE + 0x040)  /* SCB: 0 boot loader, 1 user flash, 2 user RAM */
#define PLLCON      REG32(SCB_BASE + 0x080)  /* SCB PLL: PLLE (bit 0), PLLC (bit 1) */
#define PLLCFG      REG32(SCB_BASE + 0x084)  /* SCB PLL: MSEL bits 4:0 = M-1, PSEL bits 6:5 */
#define PLLSTAT     REG32(SCB_BASE + 0x088)  /* SCB PLL: active settings + PLOCK */
#define PLLFEED     REG32(SCB_BASE + 0x08C)  /* SCB PLL: 0xAA, 0x55 applies PLLCON/PLLCFG */
#define PCON        REG32(SCB_BASE + 0x0C0)  /* SCB power control: IDL (0), PD (1) */
#define PCONP       REG32(SCB_BASE + 0x0C4)  /* SCB power control: peripheral power */
#define VPBDIV      REG32(SCB_BASE + 0x100)  /* SCB VPB divider: 0 CCLK/4, 1 /1, 2 /2 */
#define EXTINT      REG32(SCB_BASE + 0x140)  /* SCB external interrupts: flags */

#define MAMCR_OFF       0u
#define MAMCR_PARTIAL   1u
#define MAMCR_FULL      2u

#define MEMMAP_BOOT     0u
#define MEMMAP_FLASH    1u
#define MEMMAP_RAM      2u

#define PLLCON_PLLE     (1u << 0)
#define PLLCON_PLLC     (1u << 1)
#define PLLCFG_MSEL(m)  (((m) - 1u) & 0x1Fu)          /* M = MSEL + 1, 1..32 */
#define PLLCFG_PSEL_1   (0u << 5)                     /* P = 1, 2, 4, 8 */
#define PLLCFG_PSEL_2   (1u << 5)
#define PLLCFG_PSEL_4   (2u << 5)
#define PLLCFG_PSEL_8   (3u << 5)
#define PLLSTAT_MSEL_MASK  0x1Fu
#define PLLSTAT_PSEL_SHIFT 5
#define PLLSTAT_PLLE    (1u << 8)
#define PLLSTAT_PLLC    (1u << 9)
#define PLLSTAT_PLOCK   (1u << 10)
#define PLLFEED_1       0xAAu
#define PLLFEED_2       0x55u

#define PCON_IDL        (1u << 0)
#define PCON_PD         (1u << 1)

#define VPBDIV_DIV4     0u
#define VPBDIV_DIV1     1u
#define VPBDIV_DIV2     2u

/* ---- VPB peripherals: one 16 KiB slot each from 0xE0000000 (UM10114
 * "Memory addressing", "VPB peripheral map") ---- */
#define TIMER0_BASE 0xE0004000u
#define TIMER1_BASE 0xE0008000u
#define UART0_BASE  0xE000C000u
#define UART1_BASE  0xE0010000u
#define GPIO_BASE   0xE0028000u
#define PINSEL_BASE 0xE002C000u

/* ---- UART0 (UM10114 "UART0", table "UART0 register map") ---- */
#define U0RBR   REG8(UART0_BASE + 0x00)   /* DLAB=0, read */
#define U0THR   REG8(UART0_BASE + 0x00)   /* DLAB=0, write */
#define U0DLL   REG8(UART0_BASE + 0x00)   /* DLAB=1 */
#define U0IER   REG8(UART0_BASE + 0x04)   /* DLAB=0 */
#define U0DLM   REG8(UART0_BASE + 0x04)   /* DLAB=1 */
#define U0IIR   REG8(UART0_BASE + 0x08)   /* read */
#define U0FCR   REG8(UART0_BASE + 0x08)   /* write */
#define U0LCR   REG8(UART0_BASE + 0x0C)
#define U0LSR   REG8(UART0_BASE + 0x14)
#define U0SCR   REG8(UART0_BASE + 0x1C)

#define UFCR_FIFO_EN    (1u << 0)
#define UFCR_RX_RESET   (1u << 1)
#define UFCR_TX_RESET   (1u << 2)
#define ULCR_WLS_8      3u            /* word length select: 8 bits */
#define ULCR_DLAB       (1u << 7)
#define ULSR_RDR        (1u << 0)
#define ULSR_THRE       (1u << 5)     /* U0THR (the TX FIFO) is empty */
#define ULSR_TEMT       (1u << 6)     /* U0THR and U0TSR are both empty */

/* ---- Timer0 (UM10114 "Timer0 and Timer1", register map) ---- */
#define T0IR    REG32(TIMER0_BASE + 0x00)
#define T0TCR   REG32(TIMER0_BASE + 0x04)
#define T0TC    REG32(TIMER0_BASE + 0x08)
#define T0PR    REG32(TIMER0_BASE + 0x0C)
#define T0PC    REG32(TIMER0_BASE + 0x10)
#define T0MCR   REG32(TIMER0_BASE + 0x14)
#define T0MR0   REG32(TIMER0_BASE + 0x18)
#define T0MR1   REG32(TIMER0_BASE + 0x1C)
#define T0MR2   REG32(TIMER0_BASE + 0x20)
#define T0MR3   REG32(TIMER0_BASE + 0x24)
#define T0CCR   REG32(TIMER0_BASE + 0x28)
#define T0CR0   REG32(TIMER0_BASE + 0x2C)
#define T0EMR   REG32(TIMER0_BASE + 0x3C)

#define TIR_MR0         (1u << 0)     /* write 1 to clear */
#define TTCR_ENABLE     (1u << 0)
#define TTCR_RESET      (1u << 1)
#define TMCR_MR0I       (1u << 0)     /* interrupt on MR0 */
#define TMCR_MR0R       (1u << 1)     /* reset TC on MR0 */
#define TMCR_MR0S       (1u << 2)     /* stop TC and PC on MR0 */
#define TEMR_EM0        (1u << 0)     /* MAT0.0 level */
#define TEMR_EMC0_TOGGLE (3u << 4)    /* toggle MAT0.0 on MR0 */

/* ---- GPIO (UM10114 "GPIO", register map) ---- */
#define IOPIN   REG32(GPIO_BASE + 0x00)   /* pin levels (read) */
#define IOSET   REG32(GPIO_BASE + 0x04)   /* write 1: output high */
#define IODIR   REG32(GPIO_BASE + 0x08)   /* 1 = output */
#define IOCLR   REG32(GPIO_BASE + 0x0C)   /* write 1: output low */

/* ---- Pin connect block (UM10114 "Pin connect block"): two bits per pin,
 * PINSEL0 for P0.0-P0.15, PINSEL1 for P0.16-P0.31 ---- */
#define PINSEL0 REG32(PINSEL_BASE + 0x00)
#define PINSEL1 REG32(PINSEL_BASE + 0x04)
#define PINSEL0_FIELD(pin)      (3u << (2u * (pin)))
#define PINSEL0_FUNC(pin, f)    ((uint32_t)(f) << (2u * (pin)))
/* Functions used here (table "Pin function select register 0"):
 * P0.0 01 = TxD0, P0.1 01 = RxD0, P0.3 10 = MAT0.0; 00 = GPIO everywhere. */
#define PINSEL_GPIO     0u
#define PINSEL_TXD0     1u   /* on P0.0 */
#define PINSEL_RXD0     1u   /* on P0.1 */
#define PINSEL_MAT0_0   2u   /* on P0.3 */

/* ---- Vectored interrupt controller, 0xFFFFF000 (UM10114 "Vectored
 * interrupt controller"; an ARM PL190) ---- */
#define VIC_BASE        0xFFFFF000u
#define VICIRQStatus    REG32(VIC_BASE + 0x000)
#define VICFIQStatus    REG32(VIC_BASE + 0x004)
#define VICRawIntr      REG32(VIC_BASE + 0x008)
#define VICIntSelect    REG32(VIC_BASE + 0x00C)   /* 1 = FIQ */
#define VICIntEnable    REG32(VIC_BASE + 0x010)   /* write 1 to enable */
#define VICIntEnClear   REG32(VIC_BASE + 0x014)   /* write 1 to disable */
#define VICSoftInt      REG32(VIC_BASE + 0x018)
#define VICSoftIntClear REG32(VIC_BASE + 0x01C)
#define VICProtection   REG32(VIC_BASE + 0x020)
#define VICVectAddr     REG32(VIC_BASE + 0x030)   /* read: ISR address; write: end of ISR */
#define VICDefVectAddr  REG32(VIC_BASE + 0x034)
#define VICVectAddrN(n) REG32(VIC_BASE + 0x100 + 4u * (n))
#define VICVectCntlN(n) REG32(VIC_BASE + 0x200 + 4u * (n))
#define VICVectCntl_ENABLE (1u << 5)              /* bits 4:0 = channel */

/* VIC channels (UM10114 VIC, table "Connection of interrupt sources to
 * the Vectored Interrupt Controller"; data sheet table "Interrupt sources"). */
#define VIC_WDT     0
#define VIC_TIMER0  4
#define VIC_TIMER1  5
#define VIC_UART0   6
#define VIC_UART1   7
#define VIC_PLL     12
#define VIC_EINT0   14

#endif
