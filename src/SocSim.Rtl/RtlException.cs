namespace SocSim.Rtl;

/// <summary>
/// An RTL peripheral that cannot be built or connected: a missing source, a Verilator or compiler
/// error, a port that does not exist or has the wrong width. The message is one line naming the
/// board key (<c>peripherals.uartx.parameters.top: ...</c>); the CLI reports it with exit status 2.
/// </summary>
public sealed class RtlException : ArgumentException
{
    public RtlException(string keyPath, string problem) : base($"{keyPath}: {problem}")
    {
        KeyPath = keyPath;
        Problem = problem;
    }

    public string KeyPath { get; }
    public string Problem { get; }
}
