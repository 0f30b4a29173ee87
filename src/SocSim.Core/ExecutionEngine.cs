namespace SocSim.Core;

/// <summary>How the machine wants a core to execute (a core with one engine ignores it).</summary>
public enum ExecutionEngine
{
    /// <summary>The interpreter, one instruction at a time (the reference).</summary>
    Interpret,
    /// <summary>Hot blocks translated to host code, the interpreter for the rest.</summary>
    Translate,
}
