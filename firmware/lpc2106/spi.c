/* lpc2106_spi: SPI0 (UM10275 chapter 12) as a polled master talking to a
 * Winbond W25Q80DV serial flash (boards/overrides/lpc2106-spiflash.json,
 * part "spiflash": CLK on P0.4, DO on P0.5, DI on P0.6, /CS on P0.10 as a
 * GPIO output; P0.7 is SSEL, held high, as the legacy part's master needs).
 *
 * Reset clocks: PCLK = 3686400 Hz; S0SPCCR = 8: SCK = 460800 Hz, mode 0.
 * 1. JEDEC ID (9Fh); with no flash (MISO floats high: FFFFFF) it says so and
 *    ends.
 * 2. Reads 16 bytes at 0x1000: "SOCSIM" and a count are a previous run's.
 * 3. Write Enable, Sector Erase (20h) of 0x1000-0x1FFF, polls Status
 *    Register-1 until BUSY clears, timing it with Timer0 (PCLK).
 * 4. Write Enable, Page Program (02h) of 16 bytes at 0x1000, polls again.
 * 5. Reads them back, prints them, compares, exits 0 (1 on a mismatch). */
#include "periph.h"
#include "lib.h"

#define PCLK_HZ   (FOSC_HZ / 4u)
#define CS_PIN    10u
#define AT        0x1000u

static uint8_t xfer(uint8_t b)
{
    S0SPDR = b;
    while (!(S0SPSR & SPSR_SPIF))       /* the SPSR read that sees SPIF ... */
        ;
    return (uint8_t)S0SPDR;             /* ... then the SPDR access clears it */
}

static void cs_low(void)  { IOCLR = 1u << CS_PIN; }
static void cs_high(void) { IOSET = 1u << CS_PIN; }

static void cmd_addr(uint8_t cmd, uint32_t addr)
{
    xfer(cmd);
    xfer((uint8_t)(addr >> 16));
    xfer((uint8_t)(addr >> 8));
    xfer((uint8_t)addr);
}

static void write_enable(void)
{
    cs_low();
    xfer(0x06);
    cs_high();
}

/* Polls Status Register-1 (05h) until BUSY (bit 0) clears; returns the polls. */
static uint32_t wait_ready(void)
{
    uint32_t polls = 0, sr;
    do {
        polls++;
        cs_low();
        xfer(0x05);
        sr = xfer(0xFF);
        cs_high();
    } while (sr & 1u);
    return polls;
}

static void read(uint32_t addr, uint8_t *buf, int n)
{
    cs_low();
    cmd_addr(0x03, addr);
    for (int i = 0; i < n; i++)
        buf[i] = xfer(0xFF);
    cs_high();
}

static void print_bytes(const uint8_t *buf, int n)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) {
        putc0(' ');
        putc0(hex[buf[i] >> 4]);
        putc0(hex[buf[i] & 15]);
    }
    putc0('\n');
}

static const char magic[6] = { 'S', 'O', 'C', 'S', 'I', 'M' };

int main(void)
{
    MEMMAP = MEMMAP_FLASH;
    uart0_init(PCLK_HZ, 115200u);
    IOPIN = 1u << CS_PIN;               /* the latch preset high (§8.6.3) ... */
    IODIR = 1u << CS_PIN;               /* ... before /CS becomes an output */
    PINSEL0 = (PINSEL0 & ~(PINSEL0_FIELD(4) | PINSEL0_FIELD(5) | PINSEL0_FIELD(6) | PINSEL0_FIELD(7)))
            | PINSEL0_FUNC(4, 1) | PINSEL0_FUNC(5, 1) | PINSEL0_FUNC(6, 1) | PINSEL0_FUNC(7, 1);
    S0SPCCR = 8u;
    S0SPCR = SPCR_MSTR;                 /* CPHA = CPOL = 0, MSB first, no interrupt */
    T0TCR = 2u;
    T0PR = 0u;
    T0TCR = 1u;                         /* Timer0 counts PCLK */
    puts0("lpc2106_spi: PCLK=");
    put_dec(PCLK_HZ);
    puts0(" S0SPCCR=");
    put_dec(S0SPCCR);
    puts0(" SCK=");
    put_dec(PCLK_HZ / S0SPCCR);
    puts0(" Hz\n");

    uint8_t id[3];
    cs_low();
    xfer(0x9F);
    for (int i = 0; i < 3; i++)
        id[i] = xfer(0xFF);
    cs_high();
    uint32_t jedec = (uint32_t)id[0] << 16 | (uint32_t)id[1] << 8 | id[2];
    puts0("JEDEC ID");
    print_bytes(id, 3);
    if (jedec == 0xFFFFFFu || jedec == 0u) {
        puts0("spi: no flash answers\n");
        uart0_flush();
        return 0;
    }

    uint8_t buf[16];
    read(AT, buf, 16);
    uint32_t count = 0;
    int found = 1;
    for (int i = 0; i < 6; i++)
        if (buf[i] != (uint8_t)magic[i])
            found = 0;
    if (found) {
        count = buf[6];
        puts0("flash: written by an earlier run, count ");
        put_dec(count);
        putc0('\n');
    } else {
        puts0("flash: blank, first byte ");
        put_hex(buf[0]);
        putc0('\n');
    }

    write_enable();
    cs_low();
    cmd_addr(0x20, AT);
    cs_high();
    uint32_t t0 = T0TC;
    uint32_t polls = wait_ready();
    uint32_t ticks = T0TC - t0;
    puts0("sector erase: ");
    put_dec(polls);
    puts0(" polls, ready after ");
    put_dec(ticks / (PCLK_HZ / 1000u));
    puts0(" ms\n");

    uint8_t out[16];
    for (int i = 0; i < 6; i++)
        out[i] = (uint8_t)magic[i];
    out[6] = (uint8_t)(count + 1u);
    for (int i = 7; i < 16; i++)
        out[i] = (uint8_t)(0xA0u + (uint32_t)i);
    write_enable();
    cs_low();
    cmd_addr(0x02, AT);
    for (int i = 0; i < 16; i++)
        xfer(out[i]);
    cs_high();
    t0 = T0TC;
    polls = wait_ready();
    ticks = T0TC - t0;
    puts0("page program: ready after ");
    put_dec(ticks * 1000u / (PCLK_HZ / 1000u));
    puts0(" us\n");

    read(AT, buf, 16);
    puts0("read back:");
    print_bytes(buf, 16);
    for (int i = 0; i < 16; i++)
        if (buf[i] != out[i]) {
            puts0("spi: verify failed\n");
            uart0_flush();
            lpc_exit(1);
        }
    puts0("spi done: verified\n");
    uart0_flush();
    return 0;
}
