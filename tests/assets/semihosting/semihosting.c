/* Semihosting test firmware for SocSim (tests/SocSim.Boards.Tests/SemihostingTests.cs).
 * Exercises every semihosting call SocSim offers and reports each result
 * on one SYS_WRITE0 line; the test compares the whole text. The command
 * line (SYS_GET_CMDLINE) selects extra cases:
 *   "readwo"  SYS_READ on a file opened write-only (must fail, not crash)
 * Build: ./build.sh (arm-none-eabi-gcc 12.2); the ELF is committed. */
#include <stdint.h>

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITEC 0x03
#define SYS_WRITE0 0x04
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_READC 0x07
#define SYS_ISERROR 0x08
#define SYS_ISTTY 0x09
#define SYS_SEEK 0x0A
#define SYS_FLEN 0x0C
#define SYS_CLOCK 0x10
#define SYS_TIME 0x11
#define SYS_ERRNO 0x13
#define SYS_GET_CMDLINE 0x15
#define SYS_HEAPINFO 0x16
#define SYS_ELAPSED 0x30
#define SYS_TICKFREQ 0x31

static inline uint32_t sh(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("svc 0x123456" : "+r"(r0) : "r"(r1) : "memory", "lr");
    return r0;
}

static uint32_t sh_call(uint32_t op, uint32_t a, uint32_t b, uint32_t c)
{
    volatile uint32_t blk[3];
    blk[0] = a; blk[1] = b; blk[2] = c;
    return sh(op, (const void *)blk);
}

static uint32_t slen(const char *s) { uint32_t n = 0; while (s[n]) n++; return n; }

static void puts_(const char *s) { sh(SYS_WRITE0, s); }

static void puthex(uint32_t v)
{
    char b[11];
    b[0] = '0'; b[1] = 'x';
    for (int i = 0; i < 8; i++) { uint32_t d = (v >> (28 - 4 * i)) & 15; b[2 + i] = (char)(d < 10 ? '0' + d : 'a' + d - 10); }
    b[10] = 0;
    puts_(b);
}

/* "name=0x........\n" */
static void report(const char *name, uint32_t v)
{
    puts_(name); puts_("="); puthex(v); puts_("\n");
}

static uint32_t open_(const char *name, uint32_t mode) { return sh_call(SYS_OPEN, (uint32_t)name, mode, slen(name)); }

static uint32_t iserror(uint32_t status) { volatile uint32_t s = status; return sh(SYS_ISERROR, (const void *)&s); }

static int streq(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }

/* Thumb state: the semihosting SVC is 0xAB (Semihosting for AArch32, "The semihosting interface"). */
__attribute__((target("thumb"), noinline)) uint32_t thumb_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("svc 0xAB" : "+r"(r0) : "r"(r1) : "memory", "lr");
    return r0;
}

static volatile uint32_t sink;

int main(void)
{
    char buf[64];
    puts_("semihosting test\n");
    sh(SYS_WRITEC, "A");
    sh(SYS_WRITEC, "\n");

    /* SYS_GET_CMDLINE: {buffer, size} in, length out. */
    volatile uint32_t cl[2];
    cl[0] = (uint32_t)buf; cl[1] = sizeof buf;
    report("get_cmdline", sh(SYS_GET_CMDLINE, (const void *)cl));
    report("cmdline_len", cl[1]);
    puts_("cmdline="); puts_(buf); puts_("\n");
    /* Too small a buffer fails. */
    cl[0] = (uint32_t)buf; cl[1] = 2;
    report("get_cmdline_small", sh(SYS_GET_CMDLINE, (const void *)cl));

    if (streq(buf, "readwo")) {
        uint32_t h = open_("wo.txt", 4);        /* "w" */
        report("open_wo", h);
        report("read_wo", sh_call(SYS_READ, h, (uint32_t)buf, 4));
        report("errno", sh(SYS_ERRNO, 0));
        return 7;
    }

    /* Console. */
    uint32_t tt = open_(":tt", 4);
    report("open_tt_w", tt);
    report("istty_tt", sh_call(SYS_ISTTY, tt, 0, 0));
    report("write_tt", sh_call(SYS_WRITE, tt, (uint32_t)"via :tt\n", 8));
    uint32_t ttin = open_(":tt", 0);
    report("open_tt_r", ttin);
    report("readc", sh(SYS_READC, 0));
    buf[0] = buf[1] = buf[2] = '.';
    report("read_tt", sh_call(SYS_READ, ttin, (uint32_t)buf, 3));
    buf[3] = 0; puts_("read_tt_data="); puts_(buf); puts_("\n");

    /* Features file. */
    uint32_t f = open_(":semihosting-features", 0);
    report("features_flen", sh_call(SYS_FLEN, f, 0, 0));
    report("features_read", sh_call(SYS_READ, f, (uint32_t)buf, 8));
    report("features_word", (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24);
    report("features_byte", (uint8_t)buf[4]);
    report("close_features", sh_call(SYS_CLOSE, f, 0, 0));

    /* A sandbox file: write, close, reopen, flen, seek, read. */
    uint32_t h = open_("data.txt", 4);      /* "w" */
    report("open_w", h);
    report("write", sh_call(SYS_WRITE, h, (uint32_t)"0123456789", 10));
    report("istty_file", sh_call(SYS_ISTTY, h, 0, 0));
    report("close", sh_call(SYS_CLOSE, h, 0, 0));
    h = open_("data.txt", 0);               /* "r" */
    report("open_r", h);
    report("flen", sh_call(SYS_FLEN, h, 0, 0));
    report("seek", sh_call(SYS_SEEK, h, 4, 0));
    report("read4", sh_call(SYS_READ, h, (uint32_t)buf, 4));
    report("read_past_end", sh_call(SYS_READ, h, (uint32_t)buf + 4, 10));
    buf[6] = 0; puts_("read_data="); puts_(buf); puts_("\n");
    report("write_readonly", sh_call(SYS_WRITE, h, (uint32_t)"xy", 2));
    report("close_r", sh_call(SYS_CLOSE, h, 0, 0));
    report("close_again", sh_call(SYS_CLOSE, h, 0, 0));
    report("errno_close", sh(SYS_ERRNO, 0));

    /* Failures. */
    uint32_t m = open_("missing.txt", 0);
    report("open_missing", m);
    report("iserror_missing", iserror(m));
    report("errno_missing", sh(SYS_ERRNO, 0));
    report("iserror_ok", iserror(3));
    report("open_outside", open_("../outside.txt", 4));
    report("errno_outside", sh(SYS_ERRNO, 0));
    report("open_absolute", open_("/etc/hostname", 0));
    report("errno_absolute", sh(SYS_ERRNO, 0));
    report("seek_tt", sh_call(SYS_SEEK, tt, 0, 0));
    report("errno_seek_tt", sh(SYS_ERRNO, 0));

    /* Heap and stack. */
    volatile uint32_t hi[4];
    volatile uint32_t hp = (uint32_t)hi;
    report("heapinfo", sh(SYS_HEAPINFO, (const void *)&hp));
    report("heap_base", hi[0]);
    report("heap_limit", hi[1]);
    report("stack_base", hi[2]);
    report("stack_limit", hi[3]);

    /* Time: SYS_CLOCK, SYS_TIME, SYS_ELAPSED and SYS_TICKFREQ, around a busy loop. */
    volatile uint32_t e1[2], e2[2];
    uint32_t c1 = sh(SYS_CLOCK, 0);
    sh(SYS_ELAPSED, (const void *)e1);
    for (uint32_t i = 0; i < 100000; i++) sink = i;
    sh(SYS_ELAPSED, (const void *)e2);
    uint32_t c2 = sh(SYS_CLOCK, 0);
    report("clock1", c1);
    report("clock2", c2);
    report("elapsed1_lo", e1[0]);
    report("elapsed1_hi", e1[1]);
    report("elapsed2_lo", e2[0]);
    report("elapsed2_hi", e2[1]);
    report("tickfreq", sh(SYS_TICKFREQ, 0));
    report("time", sh(SYS_TIME, 0));

    /* Thumb state. */
    report("thumb_write0", thumb_call(SYS_WRITE0, "thumb svc 0xab\n"));
    report("thumb_tickfreq", thumb_call(SYS_TICKFREQ, 0));

    volatile uint32_t e3[2];
    sh(SYS_ELAPSED, (const void *)e3);
    report("elapsed3_lo", e3[0]);
    puts_("done\n");
    return 42;
}
