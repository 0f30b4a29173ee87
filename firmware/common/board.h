/* Versatile/PB memory map and PrimeCell register offsets as SocSim's default
 * board (and qemu-system-arm -M versatilepb) expose them. */
#ifndef BOARD_H
#define BOARD_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define RAM_BASE        0x00000000u
#define RAM_SIZE        (64u * 1024u * 1024u)

/* PL190 VIC, ARM DDI0181 section 3.2. */
#define VIC_BASE        0x10140000u
#define VICIRQStatus    REG32(VIC_BASE + 0x000)
#define VICFIQStatus    REG32(VIC_BASE + 0x004)
#define VICRawIntr      REG32(VIC_BASE + 0x008)
#define VICIntSelect    REG32(VIC_BASE + 0x00C)
#define VICIntEnable    REG32(VIC_BASE + 0x010)
#define VICIntEnClear   REG32(VIC_BASE + 0x014)
#define VICSoftInt      REG32(VIC_BASE + 0x018)
#define VICSoftIntClear REG32(VIC_BASE + 0x01C)
#define VICProtection   REG32(VIC_BASE + 0x020)
#define VICVectAddr     REG32(VIC_BASE + 0x030)
#define VICDefVectAddr  REG32(VIC_BASE + 0x034)
#define VICVectAddrN(n) REG32(VIC_BASE + 0x100 + 4u * (n))
#define VICVectCntlN(n) REG32(VIC_BASE + 0x200 + 4u * (n))
#define VICVectCntl_E   (1u << 5)

/* VIC source lines on Versatile/PB. */
#define IRQ_TIMER01     4
#define IRQ_TIMER23     5
#define IRQ_UART0       12
#define IRQ_UART1       13
#define IRQ_UART2       14

/* SP804 dual timer, ARM DDI0271 section 3.2; timer 2 at +0x20. TIMCLK = 1 MHz. */
#define TIMER01_BASE    0x101E2000u
#define TIMER23_BASE    0x101E3000u
#define TIMER_LOAD(b)    REG32((b) + 0x00)
#define TIMER_VALUE(b)   REG32((b) + 0x04)
#define TIMER_CONTROL(b) REG32((b) + 0x08)
#define TIMER_INTCLR(b)  REG32((b) + 0x0C)
#define TIMER_RIS(b)     REG32((b) + 0x10)
#define TIMER_MIS(b)     REG32((b) + 0x14)
#define TIMER_BGLOAD(b)  REG32((b) + 0x18)
#define TimerControl_OneShot   (1u << 0)
#define TimerControl_TimerSize (1u << 1) /* 1 = 32-bit counter */
#define TimerControl_Prescale1 (0u << 2)
#define TimerControl_IntEnable (1u << 5)
#define TimerControl_Periodic  (1u << 6)
#define TimerControl_TimerEn   (1u << 7)
#define TIMCLK_HZ       1000000u

/* PL011 UART, ARM DDI0183 section 3.2. UARTCLK = 24 MHz. */
#define UART0_BASE      0x101F1000u
#define UART1_BASE      0x101F2000u
#define UART2_BASE      0x101F3000u
#define UARTDR(b)       REG32((b) + 0x00)
#define UARTRSR(b)      REG32((b) + 0x04)
#define UARTFR(b)       REG32((b) + 0x18)
#define UARTIBRD(b)     REG32((b) + 0x24)
#define UARTFBRD(b)     REG32((b) + 0x28)
#define UARTLCR_H(b)    REG32((b) + 0x2C)
#define UARTCR(b)       REG32((b) + 0x30)
#define UARTIFLS(b)     REG32((b) + 0x34)
#define UARTIMSC(b)     REG32((b) + 0x38)
#define UARTRIS(b)      REG32((b) + 0x3C)
#define UARTMIS(b)      REG32((b) + 0x40)
#define UARTICR(b)      REG32((b) + 0x44)
#define UARTFR_BUSY     (1u << 3)
#define UARTFR_RXFE     (1u << 4)
#define UARTFR_TXFF     (1u << 5)
#define UARTFR_TXFE     (1u << 7)
#define UARTLCR_H_FEN   (1u << 4)
#define UARTLCR_H_WLEN8 (3u << 5)
#define UARTCR_UARTEN   (1u << 0)
#define UARTCR_TXE      (1u << 8)
#define UARTCR_RXE      (1u << 9)
#define UARTINT_RX      (1u << 4)  /* RXIM/RXRIS/RXMIS/RXIC */
#define UARTINT_TX      (1u << 5)
#define UARTINT_RT      (1u << 6)  /* receive timeout */
#define UARTINT_ALL     0x7FFu
#define UARTCLK_HZ      24000000u

#endif
