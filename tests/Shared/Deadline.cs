/// <summary>
/// How long a test waits for another thread or process before it calls it hung. A guard against a
/// hang, never a speed expectation: it is minutes so that a loaded or slow machine (a CI runner shared
/// with other jobs, a laptop building in the background) passes every test a fast one passes.
/// test.sh's --blame-hang-timeout (15 min) is the backstop above it.
/// </summary>
internal static class Deadline
{
    /// <summary>Ten minutes, in milliseconds (for Wait, WaitForExit and socket timeouts).</summary>
    public const int Ms = 600_000;
}
