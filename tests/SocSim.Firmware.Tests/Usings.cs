namespace SocSim.Firmware.Tests;
