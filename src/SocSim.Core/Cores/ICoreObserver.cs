namespace SocSim.Core.Cores;

/// <summary>
/// A device that watches the core it sits beside, for behaviour the chip's manual ties to the core
/// (the LPC2106's watchdog breaks a feed sequence that an interrupt interrupts, UM10275 §17.4.3).
/// The machine calls <see cref="CoreBuilt"/> once, after the board's core is built; the device
/// subscribes to what it needs (<see cref="ICore.ExceptionEntered"/>: nothing per instruction).
/// </summary>
public interface ICoreObserver
{
    void CoreBuilt(ICore core);
}
