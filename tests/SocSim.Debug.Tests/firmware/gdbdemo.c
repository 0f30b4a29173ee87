/* gdbdemo: the firmware the GDB stub tests debug. Built -O0 so every line,
 * call and store is where the source says: main calls add() (ARM) and
 * thumb_twice() (Thumb, through an interworking veneer) and stores to the
 * global `counter`, which the tests watch. Exit status 0 when the sums agree. */
#include "board.h"
#include "uart.h"

volatile int counter;
int thumb_twice(int x);

int __attribute__((noinline)) add(int a, int b)
{
    int sum = a + b;
    return sum;
}

int main(void)
{
    uart_init(UART0_BASE, 115200);
    puts0("gdbdemo: start\n");
    for (int i = 1; i <= 3; i++)
        counter = add(counter, i);
    int t = thumb_twice(counter);
    puts0("gdbdemo: done\n");
    uart_flush(UART0_BASE);
    return t == 12 ? 0 : 1;
}
