/* Thumb half of gdbdemo: the tests stop here and read $cpsr (T bit set). */
int __attribute__((noinline)) thumb_twice(int x)
{
    int y = x * 2;
    return y;
}
