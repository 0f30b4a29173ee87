/* lpc2106_i2cslave: the I2C interface (UM10275 chapter 11) as a polled
 * slave, then as a master contending with another master, on the board of
 * boards/overrides/lpc2106-i2cmaster.json (a scripted I2C master part on
 * SCL P0.2 / SDA P0.3 beside the 24C02 EEPROM). Every status the firmware
 * sees is printed, a transfer a line.
 *
 * Reset clocks: PCLK = 3686400 Hz; I2SCLH = I2SCLL = 19 (about 97 kHz).
 * Own address 0x21, general call on (I2ADR = 0x43, §11.8.5).
 * 1. Slave receiver (Table 131): the master writes 3 bytes: 60 80 80 80 A0.
 * 2. Slave transmitter (Table 132): the master reads 6 bytes; the firmware
 *    has 4 (the count received, then the bytes) and loads the last with
 *    AA = 0: A8 B8 B8 B8 C8 (the master acknowledged the last byte and reads
 *    1s after it); AA is set again in C8.
 * 3. AA handling: the master writes 3 bytes; AA is cleared after the
 *    second, so the third is not acknowledged: 60 80 80 88; AA set again.
 * 4. General call: 70 90 A0.
 * 5. Arbitration: the firmware starts a write to the EEPROM (SLA 0xA0) as
 *    the other master addresses us (0x42): it loses in the first bit and is
 *    addressed (0x68, §11.7.5), receives the byte, and retries its START
 *    when the bus is free (STA in 0xA0): 08 68 80 A0 08 18 28.
 * 6. Arbitration lost in SLA+W to an address above the other master's
 *    (0xA2 against 0xA0): 0x38, STA retries after the other STOP, 0x51 has
 *    no device: 08 38 08 20.
 * Exits 0 (1 on a status it does not expect); without the master part on
 * the board it says that no master comes and exits 0, as lpc2106_spi does
 * without its flash. */
#include "periph.h"
#include "lib.h"

#define PCLK_HZ    (FOSC_HZ / 4u)
#define OWN        0x21u

static void put_byte(uint32_t v)
{
    static const char hex[] = "0123456789ABCDEF";
    putc0(hex[(v >> 4) & 15u]);
    putc0(hex[v & 15u]);
}

/* Waits for SI, bounded: no master on the board ends the program. */
static uint32_t wait_si(void)
{
    for (uint32_t n = 0; !(I2CONSET & I2C_SI); n++)
        if (n == 200000u) {
            puts0("\ni2c: no master on the bus\n");
            uart0_flush();
            lpc_exit(0);
        }
    return I2STAT;
}

static uint8_t rx[8];
static uint32_t nrx;
static uint8_t tx[8];
static uint32_t ntx, itx;

/* One slave transfer, from the own address (or general call) to its end,
 * printed as the status codes seen; with nack_after > 0, AA is cleared once
 * that many bytes are in, so the next is not acknowledged. Returns the last
 * status. */
static uint32_t slave_transfer(uint32_t nack_after)
{
    uint32_t s;
    nrx = 0;
    puts0("slave:");
    do {
        s = wait_si();
        putc0(' ');
        put_byte(s);
        switch (s) {
        case 0x60u: case 0x70u:             /* own SLA+W / general call, ACK returned */
        case 0x68u: case 0x78u:             /* the same after arbitration lost */
            nrx = 0;
            I2CONSET = I2C_AA;
            break;
        case 0x80u: case 0x90u:             /* data received, ACK returned */
            rx[nrx++] = (uint8_t)I2DAT;
            if (nrx == nack_after)
                I2CONCLR = I2C_AA;          /* step 3: NOT ACK the next byte */
            else
                I2CONSET = I2C_AA;
            break;
        case 0x88u: case 0x98u:             /* data received, NOT ACK returned */
            rx[nrx++] = (uint8_t)I2DAT;
            I2CONSET = I2C_AA;              /* own address recognised again */
            break;
        case 0xA0u:                         /* STOP or repeated START while addressed */
            I2CONSET = I2C_AA;
            break;
        case 0xA8u: case 0xB0u:             /* own SLA+R: load the first byte */
        case 0xB8u:                         /* byte sent, ACK received: the next */
            if (s != 0xB8u)
                itx = 0;
            I2DAT = tx[itx];
            if (++itx == ntx)
                I2CONCLR = I2C_AA;          /* last byte: AA = 0 */
            else
                I2CONSET = I2C_AA;
            break;
        case 0xC0u: case 0xC8u:             /* byte sent, NOT ACK / last byte ACKed */
            I2CONSET = I2C_AA;
            break;
        default:
            puts0(" unexpected\n");
            uart0_flush();
            lpc_exit(1);
        }
        I2CONCLR = I2C_SI;
    } while (s != 0xA0u && s != 0xC0u && s != 0xC8u && s != 0x88u && s != 0x98u);
    if (nrx) {
        puts0(", bytes");
        for (uint32_t i = 0; i < nrx; i++) {
            putc0(' ');
            put_byte(rx[i]);
        }
    }
    putc0('\n');
    return s;
}

/* A master write of one byte to sla that another master contends for;
 * prints every status; returns when the STOP is sent or no one answered. */
static void contended_write(uint32_t sla, uint32_t byte)
{
    uint32_t s;
    nrx = 0;
    puts0("master:");
    I2CONSET = I2C_STA;
    for (;;) {
        s = wait_si();
        putc0(' ');
        put_byte(s);
        switch (s) {
        case 0x08u:                         /* START sent: SLA+W */
            I2DAT = sla;
            I2CONCLR = I2C_STA;
            break;
        case 0x18u:                         /* SLA+W ACKed: the byte */
            I2DAT = byte;
            break;
        case 0x28u: case 0x20u: case 0x30u: /* done, or no one answered: STOP */
            I2CONSET = I2C_STO;
            break;
        case 0x38u:                         /* arbitration lost: START again when free */
            I2CONSET = I2C_STA;
            break;
        case 0x68u:                         /* lost, and addressed as slave */
            I2CONSET = I2C_AA;
            break;
        case 0x80u:
            rx[nrx++] = (uint8_t)I2DAT;
            I2CONSET = I2C_AA;
            break;
        case 0xA0u:                         /* the other master's STOP: our START now */
            I2CONSET = I2C_STA | I2C_AA;
            break;
        default:
            puts0(" unexpected\n");
            uart0_flush();
            lpc_exit(1);
        }
        I2CONCLR = I2C_SI;
        if (s == 0x28u || s == 0x20u || s == 0x30u)
            break;
    }
    while (I2CONSET & I2C_STO)
        ;
    if (nrx) {
        puts0(", as slave got");
        for (uint32_t i = 0; i < nrx; i++) {
            putc0(' ');
            put_byte(rx[i]);
        }
    }
    putc0('\n');
}

int main(void)
{
    MEMMAP = MEMMAP_FLASH;
    uart0_init(PCLK_HZ, 115200u);
    PINSEL0 = (PINSEL0 & ~(PINSEL0_FIELD(2) | PINSEL0_FIELD(3))) | PINSEL0_FUNC(2, 1) | PINSEL0_FUNC(3, 1);
    I2SCLH = 19u;
    I2SCLL = 19u;
    I2CONCLR = I2C_AA | I2C_SI | I2C_STA | I2C_I2EN;
    I2ADR = (OWN << 1) | 1u;                /* GC: general call recognised */
    I2CONSET = I2C_I2EN | I2C_AA;
    puts0("lpc2106_i2cslave: own address 0x21, general call on\n");

    slave_transfer(0);                      /* 1. slave receiver */
    ntx = 0;
    tx[ntx++] = (uint8_t)nrx;
    for (uint32_t i = 0; i < nrx; i++)
        tx[ntx++] = rx[i];
    slave_transfer(0);                      /* 2. slave transmitter, AA = 0 on the last */
    slave_transfer(2);                      /* 3. NOT ACK after AA cleared */
    slave_transfer(0);                      /* 4. general call */

    contended_write(0xA0u, 0x00u);          /* 5. lost to a master addressing us */
    contended_write(0xA2u, 0x00u);          /* 6. lost in SLA, retried, no device */
    puts0("i2cslave done\n");
    uart0_flush();
    return 0;
}
