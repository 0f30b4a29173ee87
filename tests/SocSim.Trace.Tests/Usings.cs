namespace SocSim.Trace.Tests;
