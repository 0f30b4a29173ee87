using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Core.Tests;

/// <summary>
/// <see cref="ClockDomain"/>'s conversions against a reference written from its definition (edge k at
/// <c>originTick + ceil((k - originEdge) · ticksPerSecond / f)</c>), over random frequency changes that
/// give whole periods, fractional ones and a stopped clock, with times asked twice in a row and again
/// after a change or a state load (the whole-period path and the remembered last <see cref="ClockDomain.EdgeAtOrAfter"/>).
/// </summary>
public class ClockDomainTests
{
    private sealed class Reference(long ticksPerSecond)
    {
        public long Hz, OriginTick, OriginEdge;

        private static long FloorDiv(Int128 a, Int128 b) => (long)(a >= 0 ? a / b : -((-a + b - 1) / b));
        private static long CeilDiv(Int128 a, Int128 b) => -FloorDiv(-a, b);

        public long TimeOfEdge(long k) => Hz == 0
            ? (k <= OriginEdge ? OriginTick : long.MaxValue)
            : OriginTick + CeilDiv((Int128)(k - OriginEdge) * ticksPerSecond, Hz);

        // The last edge at or before t: ceil(k·T/f) <= dt exactly when k <= dt·f/T.
        public long EdgesAt(long t) => Hz == 0 ? OriginEdge : OriginEdge + FloorDiv((Int128)(t - OriginTick) * Hz, ticksPerSecond);

        public long EdgeAtOrAfter(long t)
        {
            long e = EdgesAt(t);
            return TimeOfEdge(e) >= t ? e : e + 1;
        }

        public void SetFrequency(long hz, long at)
        {
            if (hz == Hz) return;
            long e = EdgesAt(at);
            if (Hz != 0 && TimeOfEdge(e) != at) e++;
            OriginEdge = e;
            OriginTick = at;
            Hz = hz;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Conversions_MatchTheDefinition_AcrossChanges(int seed)
    {
        const long tps = 58_982_400L * 25;   // whole periods for 58.9824, 14.7456 and 1 MHz; not for 7 or 60 MHz
        long[] rates = [58_982_400, 14_745_600, 1_000_000, 7_000_000, 60_000_000, 0];
        var rng = new Random(seed);
        var clock = ClockDomain.OnTimeBase("clk", rates[0], tps);
        var reference = new Reference(tps) { Hz = rates[0] };
        long now = 0, asked = 0;
        for (int i = 0; i < 20_000; i++)
        {
            switch (rng.Next(10))
            {
                case 0:
                    now += rng.Next(1, 5000);
                    long hz = rates[rng.Next(rates.Length)];
                    clock.SetFrequency(hz, now);
                    reference.SetFrequency(hz, now);
                    Assert.Equal(reference.Hz, clock.FrequencyHz);
                    break;
                case 1:
                {
                    // A saved state loaded into a clock that remembered an answer (the state of a moment later).
                    var saved = new MemoryStream();
                    var other = ClockDomain.OnTimeBase("clk", rates[0], tps);
                    long at = now + rng.Next(1, 5000);
                    long otherHz = rates[rng.Next(rates.Length - 1)];
                    other.SetFrequency(otherHz, at);
                    other.SaveState(new StateWriter(saved));
                    clock.EdgeAtOrAfter(asked);
                    clock.LoadState(new StateReader(new MemoryStream(saved.ToArray())));
                    reference = new Reference(tps) { Hz = otherHz };
                    if (otherHz != rates[0]) { reference.OriginTick = at; reference.OriginEdge = new Reference(tps) { Hz = rates[0] }.EdgeAtOrAfter(at); }
                    now = at;
                    break;
                }
                default:
                    long t = rng.Next(4) == 0 ? asked : now + rng.Next(-3000, 100_000);
                    asked = t;
                    Assert.Equal(reference.EdgesAt(t), clock.EdgesAt(t));
                    Assert.Equal(reference.EdgeAtOrAfter(t), clock.EdgeAtOrAfter(t));
                    Assert.Equal(reference.EdgeAtOrAfter(t), clock.EdgeAtOrAfter(t));
                    long k = clock.EdgesAt(t) + rng.Next(-50, 50);
                    Assert.Equal(reference.TimeOfEdge(k), clock.TimeOfEdge(k));
                    break;
            }
        }
    }
}
