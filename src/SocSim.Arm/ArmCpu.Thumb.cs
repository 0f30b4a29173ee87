namespace SocSim.Arm;

public sealed unsafe partial class ArmCpu
{
    private void StepThumb()
    {
        throw new NotImplementedException("Thumb state");
    }
}
