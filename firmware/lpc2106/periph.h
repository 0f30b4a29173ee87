/* LPC2106 PWM, RTC, I2C and SPI registers (UM10275 Rev. 02, chapters 11,
 * 12, 15, 16), used by the lpc2106_pwm/rtc/i2c/spi programs. */
#ifndef LPC2106_PERIPH_H
#define LPC2106_PERIPH_H

#include "lpc2106.h"

#define PWM_BASE    0xE0014000u
#define I2C_BASE    0xE001C000u
#define SPI_BASE    0xE0020000u
#define RTC_BASE    0xE0024000u

#define VIC_PWM     8
#define VIC_I2C     9
#define VIC_SPI     10
#define VIC_RTC     13

/* ---- PWM (chapter 15, Table 164) ---- */
#define PWMIR   REG32(PWM_BASE + 0x00)
#define PWMTCR  REG32(PWM_BASE + 0x04)
#define PWMTC   REG32(PWM_BASE + 0x08)
#define PWMPR   REG32(PWM_BASE + 0x0C)
#define PWMMCR  REG32(PWM_BASE + 0x14)
#define PWMMR0  REG32(PWM_BASE + 0x18)
#define PWMMR1  REG32(PWM_BASE + 0x1C)
#define PWMMR2  REG32(PWM_BASE + 0x20)
#define PWMMR3  REG32(PWM_BASE + 0x24)
#define PWMMR4  REG32(PWM_BASE + 0x40)
#define PWMMR5  REG32(PWM_BASE + 0x44)
#define PWMMR6  REG32(PWM_BASE + 0x48)
#define PWMPCR  REG32(PWM_BASE + 0x4C)
#define PWMLER  REG32(PWM_BASE + 0x50)

#define PWMTCR_CE       (1u << 0)     /* counter enable */
#define PWMTCR_RESET    (1u << 1)
#define PWMTCR_PWMEN    (1u << 3)     /* PWM mode: shadow latches, counter resets to 1 */
#define PWMMCR_MR0I     (1u << 0)
#define PWMMCR_MR0R     (1u << 1)
#define PWMPCR_SEL(n)   (1u << (n))       /* double edge, n = 2..6 */
#define PWMPCR_ENA(n)   (1u << ((n) + 8)) /* output enable, n = 1..6 */
#define PWMLER_EN(n)    (1u << (n))
#define PWMIR_MR0       (1u << 0)

/* ---- RTC (chapter 16, Table 171) ---- */
#define RTC_ILR     REG32(RTC_BASE + 0x00)
#define RTC_CTC     REG32(RTC_BASE + 0x04)
#define RTC_CCR     REG32(RTC_BASE + 0x08)
#define RTC_CIIR    REG32(RTC_BASE + 0x0C)
#define RTC_AMR     REG32(RTC_BASE + 0x10)
#define RTC_CTIME0  REG32(RTC_BASE + 0x14)
#define RTC_CTIME1  REG32(RTC_BASE + 0x18)
#define RTC_CTIME2  REG32(RTC_BASE + 0x1C)
#define RTC_SEC     REG32(RTC_BASE + 0x20)
#define RTC_MIN     REG32(RTC_BASE + 0x24)
#define RTC_HOUR    REG32(RTC_BASE + 0x28)
#define RTC_DOM     REG32(RTC_BASE + 0x2C)
#define RTC_DOW     REG32(RTC_BASE + 0x30)
#define RTC_DOY     REG32(RTC_BASE + 0x34)
#define RTC_MONTH   REG32(RTC_BASE + 0x38)
#define RTC_YEAR    REG32(RTC_BASE + 0x3C)
#define RTC_ALSEC   REG32(RTC_BASE + 0x60)
#define RTC_ALMIN   REG32(RTC_BASE + 0x64)
#define RTC_ALHOUR  REG32(RTC_BASE + 0x68)
#define RTC_ALDOM   REG32(RTC_BASE + 0x6C)
#define RTC_ALDOW   REG32(RTC_BASE + 0x70)
#define RTC_ALDOY   REG32(RTC_BASE + 0x74)
#define RTC_ALMON   REG32(RTC_BASE + 0x78)
#define RTC_ALYEAR  REG32(RTC_BASE + 0x7C)
#define RTC_PREINT  REG32(RTC_BASE + 0x80)
#define RTC_PREFRAC REG32(RTC_BASE + 0x84)

#define RTC_ILR_CIF     (1u << 0)
#define RTC_ILR_ALF     (1u << 1)
#define RTC_CCR_CLKEN   (1u << 0)
#define RTC_CCR_CTCRST  (1u << 1)
#define RTC_CIIR_IMSEC  (1u << 0)
#define RTC_AMR_SEC     (1u << 0)

/* ---- I2C (chapter 11, Table 117) ---- */
#define I2CONSET    REG32(I2C_BASE + 0x00)
#define I2STAT      REG32(I2C_BASE + 0x04)
#define I2DAT       REG32(I2C_BASE + 0x08)
#define I2ADR       REG32(I2C_BASE + 0x0C)
#define I2SCLH      REG32(I2C_BASE + 0x10)
#define I2SCLL      REG32(I2C_BASE + 0x14)
#define I2CONCLR    REG32(I2C_BASE + 0x18)

#define I2C_AA      (1u << 2)
#define I2C_SI      (1u << 3)
#define I2C_STO     (1u << 4)
#define I2C_STA     (1u << 5)
#define I2C_I2EN    (1u << 6)

/* ---- SPI (chapter 12, Table 202) ---- */
#define S0SPCR      REG32(SPI_BASE + 0x00)
#define S0SPSR      REG32(SPI_BASE + 0x04)
#define S0SPDR      REG32(SPI_BASE + 0x08)
#define S0SPCCR     REG32(SPI_BASE + 0x0C)
#define S0SPINT     REG32(SPI_BASE + 0x1C)

#define SPCR_CPHA   (1u << 3)
#define SPCR_CPOL   (1u << 4)
#define SPCR_MSTR   (1u << 5)
#define SPCR_LSBF   (1u << 6)
#define SPCR_SPIE   (1u << 7)
#define SPSR_ABRT   (1u << 3)
#define SPSR_MODF   (1u << 4)
#define SPSR_ROVR   (1u << 5)
#define SPSR_WCOL   (1u << 6)
#define SPSR_SPIF   (1u << 7)

#endif
