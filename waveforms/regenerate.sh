#!/usr/bin/env bash
# Regenerates the timer-interrupt demo waveforms: waveforms/regenerate.sh
# The VCD holds every signal from CPU cycle 223500 to 229000 (4.47 ms to 4.58 ms): the first timer
# interrupt (TIMINTC at 4.488 ms, the VIC, nIRQ, the core entering IRQ mode, the ISR clearing it)
# while uart0 is still sending the banner frame by frame.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release src/SocSim.Cli -v q -nologo >/dev/null
socsim() { dotnet src/SocSim.Cli/bin/Release/net10.0/socsim.dll "$@"; }

socsim run firmware/elf/timer_irq.elf --vcd waveforms/timer_irq.vcd --vcd-from 223500 --vcd-to 229000 --stats >/dev/null
socsim wave waveforms/timer_irq.vcd -o waveforms/timer_irq.png --from 4470us --to 4580us \
  --title "timer_irq on versatilepb: first timer interrupt and a UART frame (socsim run --vcd)" \
  --signals timer0.Value1,timer0.TIMINTC,vic.VICINTSOURCE,vic.IRQ,cpu.nIRQ,cpu.mode,cpu.pipe.execute,cpu.r14,uart0.TxFifoLevel,uart0.TXD
socsim wave waveforms/timer_irq.vcd -o waveforms/timer_irq_zoom.png --from 4486.9us --to 4488.7us \
  --title "timer_irq: IRQ entry and the ISR on the ARM7TDMI pins (zoom)" \
  --signals timer0.TIMINTC,vic.IRQ,cpu.nIRQ,cpu.mode,cpu.pipe.execute,cpu.pipe.opcode,cpu.A,cpu.D,cpu.nRW,cpu.MAS,cpu.nMREQ,cpu.SEQ,cpu.nOPC,cpu.r13,cpu.r14
ls -l waveforms/timer_irq.vcd waveforms/timer_irq.png waveforms/timer_irq_zoom.png
