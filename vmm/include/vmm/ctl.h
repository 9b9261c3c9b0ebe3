/*
 * The control protocol server (vmm/ctl/server.c), run by CPU 0's loop.
 */
#ifndef VMM_CTL_H
#define VMM_CTL_H

#include <lib/types.h>

/**
 * Takes one byte of console input. Returns how many bytes of typed text it
 * gives back in text[] (0-2): bytes that are not part of a frame.
 */
u32 ctl_input(u8 byte, u8 text[2]);
/** Drops a truncated frame after a timeout; streams the attached console. */
void ctl_poll(void);
/** Whether vmctl has a console attached (output is being streamed). */
bool ctl_console_busy(void);

#endif /* VMM_CTL_H */
