/* rdimon: hosted-style program on newlib + libgloss's rdimon semihosting
 * runtime (--specs=rdimon.specs). crt0 asks the host for the heap and stack
 * (SYS_HEAPINFO) and the command line (SYS_GET_CMDLINE); stdio goes through
 * SYS_OPEN(":tt")/SYS_WRITE; exit(3) ends with SYS_EXIT_EXTENDED if the host
 * reports that feature in ":semihosting-features", else with SYS_EXIT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
    struct node *next;
    unsigned value;
};

int main(void)
{
    printf("rdimon: hello from newlib printf over semihosting\n");

    /* A malloc'd linked list and a buffer, to exercise the heap that
     * SYS_HEAPINFO described. */
    struct node *head = NULL;
    for (unsigned i = 1; i <= 10; i++) {
        struct node *n = malloc(sizeof *n);
        if (!n) {
            printf("malloc failed\n");
            return 1;
        }
        n->value = i * i;
        n->next = head;
        head = n;
    }
    unsigned sum = 0, count = 0;
    while (head) {
        struct node *n = head;
        sum += n->value;
        count++;
        head = n->next;
        free(n);
    }
    printf("list of %u squares sums to %u\n", count, sum);

    size_t len = 64 * 1024;
    unsigned char *buf = malloc(len);
    if (!buf) {
        printf("malloc(%u) failed\n", (unsigned)len);
        return 1;
    }
    memset(buf, 0x5A, len);
    unsigned long acc = 0;
    for (size_t i = 0; i < len; i += 4096)
        acc += buf[i] + i;
    free(buf);
    printf("64 KiB buffer checksum %lu, %s %d %s\n", acc, "formatted", -7, "ok");

    printf("rdimon: exiting with code 3\n");
    fflush(stdout);
    exit(3);
}
