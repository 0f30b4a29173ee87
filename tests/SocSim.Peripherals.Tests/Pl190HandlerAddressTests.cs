using static SocSim.Peripherals.Pl190Vic;
using static SocSim.Peripherals.Tests.Bench;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// <see cref="Pl190Vic.HandlerAddressOf"/> and <see cref="Pl190Vic.IntSelect"/> (the interrupt latency probe's
/// view, without bus reads) against the registers as software reads them: VICVectAddrN of the first enabled
/// VICVectCntlN naming the line, else VICDefVectAddr (DDI0181 3.3), over random slot configurations.
/// </summary>
public sealed class Pl190HandlerAddressTests
{
    private static uint FromRegisters(Pl190Vic vic, int line)
    {
        for (uint slot = 0; slot < VectorCount; slot++)
        {
            uint cntl = R(vic, VICVectCntl0 + 4 * slot);
            if ((cntl & VectCntlE) != 0 && (cntl & 0x1F) == line) return R(vic, VICVectAddr0 + 4 * slot);
        }
        return R(vic, VICDefVectAddr);
    }

    private static readonly uint[] Lines = [0, 1, 4, 5, 16, 17, 20, 31];

    [Fact]
    public void SameAsTheRegisters()
    {
        var rng = new Random(7);
        for (int round = 0; round < 200; round++)
        {
            var vic = new Pl190Vic("vic");
            W(vic, VICDefVectAddr, (uint)rng.Next() | 1);
            W(vic, VICIntSelect, (uint)rng.Next());
            for (uint slot = 0; slot < VectorCount; slot++)
            {
                W(vic, VICVectAddr0 + 4 * slot, (uint)rng.Next());
                // Few lines, so that slots share them, low and high ones; E set about half the time.
                W(vic, VICVectCntl0 + 4 * slot, Lines[rng.Next(Lines.Length)] | (rng.Next(2) == 0 ? VectCntlE : 0) | (uint)rng.Next(4) << 6);
            }
            Assert.Equal(R(vic, VICIntSelect), vic.IntSelect);
            for (int line = 0; line < 32; line++) Assert.Equal(FromRegisters(vic, line), vic.HandlerAddressOf(line));
        }
    }
}
