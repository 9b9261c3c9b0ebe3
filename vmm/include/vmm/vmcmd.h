/*
 * Console commands for the hyp's memory calls (vmcmd.c): vm (create, start,
 * stop, destroy, map, clear; grant and revoke in test builds), frames and
 * page.
 */
#ifndef VMM_VMCMD_H
#define VMM_VMCMD_H

#include <vmm/shell.h>

/** The commands, one for each name above. */
shell_cmd_t cmd_vm, cmd_frames, cmd_page;

#endif /* VMM_VMCMD_H */
