/* thumb: main and most of the work run in Thumb state. The ARM startup
 * enters main with BX (bit 0 of &main is set), Thumb code calls ARM
 * functions (checksum, sort, UART output) and an ARM sort calls back into
 * a Thumb comparator. */
#include <stdarg.h>
#include "board.h"
#include "uart.h"
#include "thumb_shared.h"

#define N 32

/* Tiny vsnprintf: %d %u %x %08x %s %c %%. Thumb code, uses libgcc's
 * division helpers (ARM code, reached through interworking veneers). */
static int fmt(char *out, uint32_t size, const char *f, ...)
{
    va_list ap;
    uint32_t o = 0;
    va_start(ap, f);
#define PUT(ch) do { if (o + 1 < size) out[o] = (ch); o++; } while (0)
    while (*f) {
        char c = *f++;
        if (c != '%') {
            PUT(c);
            continue;
        }
        char pad = ' ';
        uint32_t width = 0;
        if (*f == '0') {
            pad = '0';
            f++;
        }
        while (*f >= '0' && *f <= '9')
            width = width * 10 + (uint32_t)(*f++ - '0');
        char conv = *f++;
        char tmp[12];
        uint32_t t = 0;
        const char *s = tmp;
        uint32_t u;
        int neg = 0;
        switch (conv) {
        case 'd': {
            int32_t d = va_arg(ap, int32_t);
            neg = d < 0;
            u = neg ? 0u - (uint32_t)d : (uint32_t)d;
            goto decimal;
        }
        case 'u':
            u = va_arg(ap, uint32_t);
        decimal:
            do {
                tmp[t++] = (char)('0' + u % 10);
                u /= 10;
            } while (u);
            break;
        case 'x':
            u = va_arg(ap, uint32_t);
            do {
                tmp[t++] = "0123456789abcdef"[u & 15];
                u >>= 4;
            } while (u);
            break;
        case 'c':
            tmp[t++] = (char)va_arg(ap, int);
            break;
        case 's':
            s = va_arg(ap, const char *);
            for (const char *q = s; *q; q++)
                t++;
            break;
        default:
            tmp[t++] = conv;
            break;
        }
        uint32_t len = t + (uint32_t)neg;
        if (pad == ' ')
            for (; len < width; len++)
                PUT(' ');
        if (neg)
            PUT('-');
        if (pad == '0')
            for (; len < width; len++)
                PUT('0');
        if (s == tmp)
            while (t)
                PUT(tmp[--t]);
        else
            while (*s)
                PUT(*s++);
    }
#undef PUT
    out[o < size ? o : size - 1] = '\0';
    va_end(ap);
    return (int)o;
}

int thumb_cmp_desc(int32_t a, int32_t b)
{
    return (a < b) - (a > b);
}

/* Shell sort, in Thumb. */
static void thumb_sort(int32_t *v, uint32_t n)
{
    for (uint32_t gap = n / 2; gap > 0; gap /= 2)
        for (uint32_t i = gap; i < n; i++) {
            int32_t x = v[i];
            uint32_t j = i;
            for (; j >= gap && v[j - gap] > x; j -= gap)
                v[j] = v[j - gap];
            v[j] = x;
        }
}

static uint32_t thumb_fnv1a(const void *p, uint32_t n)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    while (n--)
        h = (h ^ *b++) * 16777619u;
    return h;
}

static int is_sorted(const int32_t *v, uint32_t n, int desc)
{
    for (uint32_t i = 1; i < n; i++)
        if (desc ? v[i - 1] < v[i] : v[i - 1] > v[i])
            return 0;
    return 1;
}

int main(void)
{
    static int32_t a[N], b[N];
    char line[96];

    uart_init(UART0_BASE, 115200);      /* ARM function, called from Thumb */

    fmt(line, sizeof line, "thumb: main at %08x is %s code, called from ARM startup\n",
        (uint32_t)(uintptr_t)main & ~1u, ((uintptr_t)main & 1u) ? "Thumb" : "ARM");
    arm_write(line);
    fmt(line, sizeof line, "ARM helper sees Thumb caller: %s, CPSR mode %02x T=%u\n",
        arm_caller_was_thumb() ? "yes" : "no", arm_cpsr() & 0x1F, (arm_cpsr() >> 5) & 1u);
    arm_write(line);

    uint32_t x = 12345u;
    for (uint32_t i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        a[i] = (int32_t)(x >> 8) % 1000 - 500;
        b[i] = a[i];
    }
    uint32_t before = thumb_fnv1a(a, sizeof a);

    thumb_sort(a, N);
    arm_sort(b, N, thumb_cmp_desc);

    fmt(line, sizeof line, "thumb shell sort: %s, min %d max %d median %d\n",
        is_sorted(a, N, 0) ? "sorted" : "NOT SORTED", a[0], a[N - 1], a[N / 2]);
    arm_write(line);
    fmt(line, sizeof line, "arm insertion sort with thumb comparator: %s, first %d last %d\n",
        is_sorted(b, N, 1) ? "sorted" : "NOT SORTED", b[0], b[N - 1]);
    arm_write(line);

    int same = 1;
    for (uint32_t i = 0; i < N; i++)
        same &= a[i] == b[N - 1 - i];
    uint32_t adler = arm_adler32((const uint8_t *)a, sizeof a);
    uint32_t fnv = thumb_fnv1a(a, sizeof a);
    fmt(line, sizeof line, "fnv1a before %08x after %08x, adler32 %08x, orders agree: %s\n",
        before, fnv, adler, same ? "yes" : "no");
    arm_write(line);

    fmt(line, sizeof line, "fmt: [%d] [%5d] [%05u] [%x] [%c] [%s] [%%]\n",
        -42, 77, 123u, 0xBEEFu, 'T', "ok");
    arm_write(line);

    int ok = is_sorted(a, N, 0) && is_sorted(b, N, 1) && same && arm_caller_was_thumb();
    arm_write(ok ? "thumb done\n" : "thumb FAILED\n");
    uart_flush(UART0_BASE);
    return ok ? 0 : 1;
}
