namespace SocSim.Debug.Tests;
