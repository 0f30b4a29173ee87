namespace SocSim.Core;

/// <summary>
/// A level-sensitive, active-high interrupt or signal line between components. The driver sets the
/// level; listeners are told only when it changes (not per cycle).
/// </summary>
public sealed class IrqLine
{
    private Action<bool>? _listeners;

    public IrqLine(string name) => Name = name;

    public string Name { get; }
    public bool Level { get; private set; }

    public void Subscribe(Action<bool> onChange) => _listeners += onChange;

    /// <summary>Sets the level without telling the listeners: a checkpoint being loaded (see <see cref="State.IStateful"/>).</summary>
    public void Restore(bool level) => Level = level;

    public void Set(bool level)
    {
        if (level == Level) return;
        Level = level;
        _listeners?.Invoke(level);
    }
}
