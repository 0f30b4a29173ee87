namespace SocSim.Core.State;

/// <summary>
/// A part of the SoC whose state goes into a checkpoint (<c>Machine.SaveState</c>): a device's
/// registers, FIFOs, frames in flight, lazily counted timers and pin levels, the due ticks of its
/// armed events.
/// <para>
/// A checkpoint is loaded into a machine built from the same board and ELF, so the object graph
/// (wiring, listeners, events) already exists: <see cref="LoadState"/> only overwrites what changes
/// while the SoC runs. It must do so silently: it notifies no line listener (use
/// <see cref="IrqLine.Restore"/>), raises no clock change and schedules nothing, because the machine
/// restores every line, clock and the scheduler's queue (events by name, with their due tick and
/// order) itself. A device that cannot be saved throws <see cref="StateException"/> from
/// <see cref="SaveState"/> with the reason.
/// </para>
/// </summary>
public interface IStateful
{
    void SaveState(StateWriter w);
    void LoadState(StateReader r);
}
