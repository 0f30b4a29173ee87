/* ARM semihosting (ARM DUI0058 / "Semihosting for AArch32 and AArch64"). */
#ifndef SEMIHOST_H
#define SEMIHOST_H

#define SYS_EXIT                     0x18 /* angel_SWIreason_ReportException */
#define SYS_EXIT_EXTENDED            0x20
#define ADP_Stopped_ApplicationExit  0x20026
#define ADP_Stopped_RunTimeErrorUnknown 0x20023

void semihost_exit(int code) __attribute__((noreturn));

#endif
