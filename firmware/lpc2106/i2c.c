/* lpc2106_i2c: the I2C interface (UM10275 chapter 11) as a polled master
 * talking to the board's 24C02 EEPROM on SCL P0.2 / SDA P0.3
 * (boards/lpc2106.json, part "eeprom").
 *
 * Reset clocks: PCLK = 3686400 Hz; I2SCLH = I2SCLL = 19: 97 kHz (§11.8.8).
 * 1. Reads 8 bytes at EEPROM address 0x10 (random read: SLA+W, word address,
 *    repeated START, SLA+R, sequential read). "SOCSIM" and a count there are
 *    a previous run's: it prints the count, else "blank".
 * 2. Writes "SOCSIM", count + 1, 0x5A as one 8-byte page at 0x10, then polls
 *    for the acknowledge while the EEPROM's write cycle runs and prints the
 *    number of polls.
 * 3. Reads the page back, compares, exits 0 (1 on a mismatch or a status
 *    the sequence does not expect). */
#include "periph.h"
#include "lib.h"

#define PCLK_HZ   (FOSC_HZ / 4u)
#define EEPROM    0xA0u             /* 1010 000 R/W */
#define PAGE_AT   0x10u

static uint32_t wait_si(void)
{
    while (!(I2CONSET & I2C_SI))
        ;
    return I2STAT;
}

static void fail(const char *what, uint32_t stat)
{
    puts0("i2c: ");
    puts0(what);
    puts0(" status ");
    put_hex(stat);
    putc0('\n');
    uart0_flush();
    lpc_exit(1);
}

static void expect(uint32_t got, uint32_t want, const char *what)
{
    if (got != want)
        fail(what, got);
}

/* START (or repeated START) and SLA+R/W; returns the status after SLA. */
static uint32_t start(uint32_t sla, uint32_t want_start)
{
    I2CONSET = I2C_STA;
    if (want_start == 0x10u)
        I2CONCLR = I2C_SI;
    expect(wait_si(), want_start, "START");
    I2DAT = sla;
    I2CONCLR = I2C_STA | I2C_SI;
    return wait_si();
}

static void send(uint32_t b)
{
    I2DAT = b;
    I2CONCLR = I2C_SI;
    expect(wait_si(), 0x28u, "data");
}

static void stop(void)
{
    I2CONSET = I2C_STO;
    I2CONCLR = I2C_SI;
    while (I2CONSET & I2C_STO)
        ;
}

static void read_page(uint8_t *buf)
{
    expect(start(EEPROM, 0x08u), 0x18u, "SLA+W");
    send(PAGE_AT);
    expect(start(EEPROM | 1u, 0x10u), 0x40u, "SLA+R");
    for (int i = 0; i < 8; i++) {
        if (i < 7)
            I2CONSET = I2C_AA;      /* ACK: more bytes wanted */
        else
            I2CONCLR = I2C_AA;      /* NOT ACK the last */
        I2CONCLR = I2C_SI;
        expect(wait_si(), i < 7 ? 0x50u : 0x58u, "read");
        buf[i] = (uint8_t)I2DAT;
    }
    stop();
}

static const char magic[6] = { 'S', 'O', 'C', 'S', 'I', 'M' };

int main(void)
{
    MEMMAP = MEMMAP_FLASH;
    uart0_init(PCLK_HZ, 115200u);
    PINSEL0 = (PINSEL0 & ~(PINSEL0_FIELD(2) | PINSEL0_FIELD(3))) | PINSEL0_FUNC(2, 1) | PINSEL0_FUNC(3, 1);
    I2SCLH = 19u;
    I2SCLL = 19u;
    I2CONCLR = I2C_AA | I2C_SI | I2C_STA | I2C_I2EN;
    I2CONSET = I2C_I2EN;
    puts0("lpc2106_i2c: PCLK=");
    put_dec(PCLK_HZ);
    puts0(" SCL=");
    put_dec(PCLK_HZ / (I2SCLH + I2SCLL));
    puts0(" Hz\n");

    uint8_t page[8];
    read_page(page);
    uint32_t boots = 0;
    int found = 1;
    for (int i = 0; i < 6; i++)
        if (page[i] != (uint8_t)magic[i])
            found = 0;
    if (found) {
        boots = page[6];
        puts0("eeprom: written by an earlier run, count ");
        put_dec(boots);
        putc0('\n');
    } else {
        puts0("eeprom: blank, first byte ");
        put_hex(page[0]);
        putc0('\n');
    }

    uint8_t out[8];
    for (int i = 0; i < 6; i++)
        out[i] = (uint8_t)magic[i];
    out[6] = (uint8_t)(boots + 1u);
    out[7] = 0x5Au;
    expect(start(EEPROM, 0x08u), 0x18u, "SLA+W");
    send(PAGE_AT);
    for (int i = 0; i < 8; i++)
        send(out[i]);
    stop();

    /* Acknowledge polling: the 24C02 answers nothing during its write cycle. */
    uint32_t polls = 0;
    for (;;) {
        polls++;
        uint32_t s = start(EEPROM, 0x08u);
        if (s == 0x18u)
            break;
        expect(s, 0x20u, "poll");
        stop();
    }
    stop();
    puts0("eeprom: wrote count ");
    put_dec(out[6]);
    puts0(", write cycle over after ");
    put_dec(polls);
    puts0(" polls\n");

    read_page(page);
    for (int i = 0; i < 8; i++)
        if (page[i] != out[i])
            fail("verify", i);
    puts0("i2c done: verified\n");
    uart0_flush();
    return 0;
}
