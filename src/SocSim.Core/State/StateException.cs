namespace SocSim.Core.State;

/// <summary>A checkpoint that cannot be written or read: the message is one precise line for the user.</summary>
public sealed class StateException(string message) : Exception(message);
